"""Preview against Canvas's own data, end to end against the sandbox: the preview's counts of
what a full batch deletes equal what the sandbox's batch then deletes."""
from __future__ import annotations

from pathlib import Path

import pytest

from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.preview import run_preview

FAST = [0.02]
TERMS = "term_id,name,status\nF2026,Fall 2026,active\nS2027,Spring 2027,active\n"
USERS = "user_id,login_id,first_name,last_name,status\n" + "".join(
    f"u{i},login{i},First{i},Last{i},active\n" for i in range(6))


def courses(spec: dict[str, str], status: dict[str, str] | None = None) -> str:
    status = status or {}
    return "course_id,short_name,long_name,term_id,status\n" + "".join(
        f"{c},{c},{c} long name,{term},{status.get(c, 'active')}\n" for c, term in spec.items())


def sections(ids, status: dict[str, str] | None = None) -> str:
    status = status or {}
    return "section_id,course_id,name,status\n" + "".join(
        f"{c}-S{k},{c},{c} section {k},{status.get(c, 'active')}\n" for c in ids for k in (1, 2))


def enrollments(ids, users=range(5), extra: str = "") -> str:
    return "course_id,user_id,role,section_id,status\n" + "".join(
        f"{c},u{i},student,{c}-S{1 + i % 2},active\n" for c in ids for i in users) + extra


class Upload:
    def __init__(self, folder: Path):
        self.folder = folder
        self.n = 0

    def files(self, **named: str) -> list[Path]:
        self.n += 1
        folder = self.folder / f"upload{self.n}"
        folder.mkdir()
        out = []
        for name, text in named.items():
            path = folder / f"{name}.csv"
            path.write_text(text, encoding="utf-8")
            out.append(path)
        return out


@pytest.fixture
def upload(tmp_path):
    return Upload(tmp_path)


def run_import(client, paths, options):
    created = client.create_import(paths, options)
    return client.poll(created.id, intervals=FAST)


def preview(client, paths, options, tmp_path, **kw):
    return run_preview(paths, options, client, cache_dir=tmp_path / "cache", intervals=FAST, **kw)


def batch_counts(sis_import) -> dict[str, int]:
    counts = sis_import.raw["data"]["counts"]
    return {kind: counts.get(f"batch_{kind}_deleted", 0)
            for kind in ("courses", "sections", "enrollments")}


def seed(client, upload, spec=None, options=None):
    spec = spec or {"A": "F2026", "B": "F2026", "C": "F2026"}
    first = upload.files(terms=TERMS, users=USERS, courses=courses(spec),
                         sections=sections(spec), enrollments=enrollments(spec))
    done = run_import(client, first, options or ImportOptions(
        batch_mode=True, batch_mode_term_id="sis_term_id:F2026"))
    assert done.workflow_state.is_success, done.raw
    return done


F2026 = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026")


def test_full_batch_preview_names_what_the_batch_then_deletes(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    second = upload.files(courses=courses({"A": "F2026", "B": "F2026"}),
                          sections=sections(["A", "B"]), enrollments=enrollments(["A", "B"]))
    result = preview(client, second, F2026, tmp_path)
    batch = result.batch
    assert batch.deletes == {"courses": 1, "sections": 2, "enrollments": 5}
    assert batch.term_names == ["Fall 2026"] and batch.term_ids == ["2"]
    assert [d.id for d in batch.items if d.type == "course"] == ["C"]
    assert batch.items[0].name == "C long name"
    assert sorted(d.id for d in batch.items if d.type == "section") == ["C-S1", "C-S2"]
    assert {d.course_id for d in batch.items if d.type == "enrollment"} == {"C"}
    assert batch.sentence() == "Canvas will delete 1 course, 2 sections and 5 enrollments in Fall 2026."
    assert not batch.threshold.would_stop
    assert result.changes["courses"] == {"new": 0, "updated": 2, "status_changed": 0}
    assert result.changes["enrollments"] == {"new": 0, "updated": 10, "status_changed": 0}
    data = result.to_json()
    assert data["report"]["kind"] == "provisioning_csv" and data["report"]["age_seconds"] >= 0
    assert data["batch"]["threshold"]["worst"] == {"type": "courses", "percent": 33.33}
    done = run_import(client, second, F2026)
    assert batch_counts(done) == batch.deletes


def test_a_second_preview_reuses_the_report_and_refresh_runs_a_new_one(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    paths = upload.files(courses=courses({"A": "F2026"}))
    first = preview(client, paths, F2026, tmp_path)
    again = preview(client, paths, F2026, tmp_path)
    assert first.report.source == "new" and again.report.source == "cache"
    assert again.report.report.id == first.report.report.id
    (tmp_path / "cache").rename(tmp_path / "other")  # no local copy: found in Canvas's list
    listed = preview(client, paths, F2026, tmp_path)
    assert listed.report.source == "canvas" and listed.report.report.id == first.report.report.id
    fresh = preview(client, paths, F2026, tmp_path, refresh=True)
    assert fresh.report.source == "new" and fresh.report.report.id != first.report.report.id
    assert fresh.batch.deletes == first.batch.deletes == {"courses": 2}


def test_multi_term_batch(sandbox, upload, tmp_path):
    client = sandbox.client()
    spec = {"A": "F2026", "B": "F2026", "X": "S2027", "Y": "S2027"}
    seed(client, upload, spec)
    options = ImportOptions(multi_term_batch_mode=True, change_threshold=100)
    kept = {"A": "F2026", "X": "S2027"}
    second = upload.files(terms=TERMS, courses=courses(kept), sections=sections(kept),
                          enrollments=enrollments(kept))
    result = preview(client, second, options, tmp_path)
    assert result.batch.deletes == {"courses": 2, "sections": 4, "enrollments": 10}
    assert sorted(result.batch.term_names) == ["Fall 2026", "Spring 2027"]
    assert sorted(d.id for d in result.batch.items if d.type == "course") == ["B", "Y"]
    done = run_import(client, second, options)
    assert batch_counts(done) == result.batch.deletes


def test_skip_deletes_rows_are_not_stamped_so_cleanup_deletes_them(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="2", skip_deletes=True)
    spec = {"A": "F2026", "B": "F2026", "C": "F2026"}
    second = upload.files(courses=courses(spec, {"C": "deleted"}),
                          sections=sections(list(spec), {"C": "deleted"}),
                          enrollments=enrollments(["A", "B"]))
    result = preview(client, second, options, tmp_path)
    assert result.batch.deletes == {"courses": 1, "sections": 2, "enrollments": 5}
    done = run_import(client, second, options)
    assert batch_counts(done) == result.batch.deletes


def test_drop_status_completes_left_out_enrollments(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                            batch_mode_enrollment_drop_status="completed")
    spec = {"A": "F2026", "B": "F2026", "C": "F2026"}
    second = upload.files(courses=courses(spec), sections=sections(spec),
                          enrollments=enrollments(["A", "B"]) + enrollments(["C"], users=[0])
                          .split("\n", 1)[1])
    result = preview(client, second, options, tmp_path)
    assert result.batch.deletes == {"courses": 0, "sections": 0, "enrollments": 4}
    assert {d.new_status for d in result.batch.items} == {"completed"}
    assert "enrollments set to completed" in result.batch.sentence()
    done = run_import(client, second, options)
    assert batch_counts(done) == result.batch.deletes
    # completed ones are out of the population now: a second identical batch removes nothing
    again = preview(client, second, options, tmp_path, refresh=True)
    assert again.batch.deletes["enrollments"] == 0


def test_a_deleted_course_takes_its_enrollments_along(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                            batch_mode_enrollment_drop_status="completed")
    kept = {"A": "F2026", "B": "F2026"}
    second = upload.files(courses=courses(kept), sections=sections(kept),
                          enrollments=enrollments(kept) + "C,u0,student,C-S1,active\n")
    result = preview(client, second, options, tmp_path)
    batch = result.batch
    assert batch.deletes == {"courses": 1, "sections": 2, "enrollments": 4}
    assert {d.new_status for d in batch.items if d.type == "enrollment"} == {"deleted"}
    assert [(d.id, d.course_id, d.cascade) for d in batch.cascaded] == [("u0", "C", True)]
    done = run_import(client, second, options)
    assert batch_counts(done) == batch.deletes
    with sandbox.lock:
        left = {k: i.status for k, i in sandbox.world.enrollments.items() if k[0] == "C"}
    assert set(left.values()) == {"deleted"} and len(left) == 5  # u0 went with its course


def test_a_file_canvas_rejects_whole_is_not_supplied(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    kept = {"A": "F2026", "B": "F2026"}
    broken = enrollments(kept).replace("A,u1,", 'A,"u1,', 1)  # an unclosed quote mid-file
    second = upload.files(courses=courses(kept), sections=sections(kept), enrollments=broken)
    result = preview(client, second, F2026, tmp_path)
    assert result.batch.supplied == ["course", "section"]
    assert result.batch.deletes == {"courses": 1, "sections": 2}
    assert "enrollments" not in result.changes
    done = run_import(client, second, F2026)
    counts = batch_counts(done)
    assert {k: counts[k] for k in result.batch.deletes} == result.batch.deletes
    assert counts["enrollments"] == 0


def test_threshold_that_stops_the_cleanup(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                            change_threshold=20)
    second = upload.files(courses=courses({"A": "F2026", "B": "F2026"}))
    result = preview(client, second, options, tmp_path)
    threshold = result.batch.threshold
    assert threshold.would_stop and threshold.worst_type == "courses"
    assert threshold.per_type["courses"] == {"deleted": 1, "population": 3, "percent": 33.33,
                                             "exceeds": True}
    done = run_import(client, second, options)
    assert done.workflow_state.value == "aborted"
    assert batch_counts(done) == {"courses": 0, "sections": 0, "enrollments": 0}
    exactly = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                            change_threshold=50)  # 1 of 3 is within 50 %
    assert not preview(client, second, exactly, tmp_path, refresh=True).batch.threshold.would_stop


def test_references_resolve_against_canvas(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    extra = ("A,u1,student,,active\n"         # course only in Canvas: clean
             "NOPE,u1,student,,active\n"      # course nowhere
             "A,ghost,student,,active\n")     # user nowhere
    paths = upload.files(enrollments="course_id,user_id,role,section_id,status\n" + extra)
    result = preview(client, paths, ImportOptions(), tmp_path)
    assert result.batch is None
    assert [(u.row, u.message) for u in result.unresolved] == [
        (3, "An enrollment referenced a non-existent course NOPE"),
        (4, "User not found for enrollment (User ID: ghost, Course ID: A, Section ID: )"),
    ]
    assert result.changes["enrollments"] == {"new": 1, "updated": 0, "status_changed": 0}
    assert result.references == {"courses": {"in_canvas": 2, "nowhere": 1},
                                 "users": {"in_canvas": 2, "nowhere": 1}}
    done = run_import(client, paths, ImportOptions())
    messages = [e.message for e in client.import_errors(done.id)]
    assert sorted(messages) == sorted(u.message for u in result.unresolved)


def test_status_changes_are_counted(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    paths = upload.files(courses=courses({"A": "F2026", "B": "F2026", "NEW": "F2026"},
                                         {"B": "deleted"}))
    result = preview(client, paths, ImportOptions(), tmp_path)
    assert result.changes["courses"] == {"new": 1, "updated": 1, "status_changed": 1}


def test_an_upload_of_users_only_needs_a_small_report(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    paths = upload.files(users=USERS + "u99,login99,New,Person,active\n")
    result = preview(client, paths, ImportOptions(), tmp_path)
    assert result.report.report.parameters["users"] == "true"
    assert "enrollments" not in result.report.report.parameters
    assert result.changes == {"users": {"new": 1, "updated": 6, "status_changed": 0}}


def test_a_course_term_canvas_does_not_know_is_a_note(sandbox, upload, tmp_path):
    client = sandbox.client()
    paths = upload.files(courses=courses({"Q1": "W2030", "Q2": "F2026"}))
    result = preview(client, paths, ImportOptions(), tmp_path)
    assert result.unresolved == []
    assert [(n.row, n.message.split(",")[0]) for n in result.notes] == [
        (2, "Course Q1 names term W2030")]
    assert result.references == {"terms": {"in_canvas": 1, "nowhere": 1}}


def test_a_course_whose_account_exists_nowhere_is_not_stamped(sandbox, upload, tmp_path):
    client = sandbox.client()
    seed(client, upload)
    rows = ("course_id,short_name,long_name,account_id,term_id,status\n"
            "A,A,A,,F2026,active\nB,B,B,,F2026,active\nC,C,C,NOWHERE,F2026,active\n")
    paths = upload.files(courses=rows)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026")
    result = preview(client, paths, options, tmp_path)
    assert [u.message for u in result.unresolved] == ['Account not found "NOWHERE" for course C']
    assert result.batch.deletes == {"courses": 1}  # C's row errors, so cleanup deletes C
    done = run_import(client, paths, options)
    assert batch_counts(done)["courses"] == 1
