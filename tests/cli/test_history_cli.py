"""`sis-desktop-cli history`: table, filters and --json."""
from __future__ import annotations

import json

import pytest
from datetime import datetime, timedelta, timezone

from sis_desktop.cli.main import main
from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.history import History

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def fill(history: History) -> None:
    for n, profile in enumerate(["prod", "test", "prod"]):
        created = (T0 + timedelta(minutes=n)).isoformat()
        history.record_created(
            profile=profile, url="https://school.instructure.com", account_id=1,
            sis_import=SisImport.from_json({"id": 100 + n, "workflow_state": "created",
                                            "progress": 0, "created_at": created}),
            files=[{"name": "/tmp/users.csv", "size": 12, "sha256": "ab" * 32}],
            options={"skip_deletes": False})
    history.update("https://school.instructure.com", 1, SisImport.from_json(
        {"id": 100, "workflow_state": "imported", "progress": 100,
         "data": {"counts": {"users": 4, "error_count": 0, "warning_count": 1}}}))


def test_json_lists_objects_with_the_promised_keys(capsys):
    fill(History())
    assert main(["history", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["import_id"] for o in out] == [102, 101, 100]
    first = out[-1]
    for key in ("id", "profile", "url", "account_id", "files", "created_at",
                "workflow_state", "progress"):
        assert key in first
    assert first["workflow_state"] == "imported" and first["progress"] == 100
    assert first["warning_count"] == 1 and first["files"][0]["sha256"] == "ab" * 32
    assert first["created_at"].startswith("2026-11-27T09:00:00")


def test_profile_filter_works_before_and_after_the_command(capsys):
    fill(History())
    assert main(["history", "--profile", "prod", "--json"]) == 0
    assert [o["import_id"] for o in json.loads(capsys.readouterr().out)] == [102, 100]
    assert main(["--profile", "test", "history", "--json"]) == 0
    assert [o["import_id"] for o in json.loads(capsys.readouterr().out)] == [101]


def test_limit_and_table(capsys):
    fill(History())
    assert main(["history", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["IMPORT", "SENT"]
    assert len(lines) == 3 and lines[1].split()[0] == "102"
    assert "users.csv" in lines[1] and "/tmp" not in lines[1]


def test_empty_history_says_so(capsys):
    assert main(["history"]) == 0
    assert capsys.readouterr().out.strip() == "No imports in the history yet."
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_bad_limit_is_one_sentence_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["history", "--limit", "zero"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'zero' is not a whole number of 1 or more" in err and "Traceback" not in err


def test_corrupt_history_gets_a_notice_not_a_crash(isolated_dirs, capsys):
    (isolated_dirs["data"] / "history.sqlite3").write_bytes(b"garbage" * 50)
    assert main(["history", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "could not be read" in captured.err and "new, empty history" in captured.err
