"""`sis-desktop-cli preview` and `import --preview` against the sandbox."""
from __future__ import annotations

import json

import pytest

from sis_desktop.cli.main import main
from tests.core.test_preview import Upload, courses, enrollments, sections, seed



@pytest.fixture
def second(sandbox, tmp_path):
    upload = Upload(tmp_path)
    seed(sandbox.client(), upload)
    return upload.files(courses=courses({"A": "F2026", "B": "F2026"}),
                        sections=sections(["A", "B"]), enrollments=enrollments(["A", "B"]))


BATCH = ("--batch-mode", "--batch-term-id", "sis_term_id:F2026")


def test_preview_json_has_the_documented_shape(cli, second):
    code, out, err = cli("preview", *second, *BATCH, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"report", "batch", "changes", "unresolved"}
    assert set(data["report"]) >= {"kind", "id", "created_at", "age_seconds"}
    assert data["batch"]["term_ids"] == [2]
    assert data["batch"]["deletes"] == {"courses": 1, "sections": 2, "enrollments": 5}
    assert data["batch"]["threshold"]["would_stop"] is False
    assert "items" not in data["batch"]
    assert data["changes"]["courses"] == {"new": 0, "updated": 2, "status_changed": 0}
    code, out, _ = cli("preview", *second, *BATCH, "--json", "--details")
    assert sorted(i["id"] for i in json.loads(out)["batch"]["items"] if i["type"] == "course") == ["C"]


def test_preview_text_and_threshold_exit_code(cli, second):
    code, out, err = cli("preview", *second, *BATCH, "--change-threshold", "10")
    assert code == 1
    assert "Canvas will delete 1 course, 2 sections and 5 enrollments in Fall 2026." in out
    assert "WOULD STOP" in out and "course C (C long name)" in out
    assert "What this cannot know:" in out
    assert "Canvas report queued" in err or "Reusing" in err


def test_import_preview_stops_unless_forced(cli, second, sandbox):
    before = len(sandbox.imports)
    code, _, err = cli("import", *second, *BATCH, "--change-threshold", "10", "--preview")
    assert code == 1 and "Not importing" in err and len(sandbox.imports) == before
    code, out, err = cli("import", *second, *BATCH, "--change-threshold", "50", "--preview")
    assert code == 0 and "Within the change threshold (50 %)" in err
    assert len(sandbox.imports) == before + 1


def test_preview_not_a_batch_and_bad_max_age(cli, second):
    code, out, _ = cli("preview", *second)
    assert code == 0 and "Not a full batch" in out
    with pytest.raises(SystemExit):
        main(["preview", str(second[0]), "--max-age", "soon"])
