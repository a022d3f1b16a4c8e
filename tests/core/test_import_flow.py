"""The Qt-free import flow: targets travel with imports, history is best-effort, resume only
follows a row on the Canvas it was sent to."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sis_desktop.core.canvas.models import WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.history import History, check_unfinished
from sis_desktop.core.import_flow import (HistoryRecorder, ImportJob, PrepareError, Target,
                                          abort_import, check_files, target_for_entry)
from sis_desktop.core.profiles import Profile

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def target_of(sandbox, profile_id="p1", name="Sandbox") -> Target:
    return Target(sandbox.url, sandbox.account_id, profile_id, name, sandbox.client)


def test_targets_compare_by_canvas_and_account_not_by_factory(sandbox):
    a = Target(sandbox.url + "/api/v1/", "1", "p1", "One", sandbox.client)
    b = Target(sandbox.url, 1, "p1", "Renamed", None)
    assert a == b and a.key == b.key and hash(a) == hash(b)
    assert "account 1 at" in b.describe()
    with pytest.raises(PrepareError, match="no connection"):
        b.client()


def test_check_files_says_what_is_wrong(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PrepareError, match="neither a .csv nor a .zip"):
        check_files([tmp_path / "notes.txt"])
    with pytest.raises(PrepareError, match="does not exist"):
        check_files([tmp_path / "missing.csv"])
    with pytest.raises(PrepareError, match="zip file must be sent on its own"):
        check_files([SAMPLES / "users.csv", SAMPLES / "sample_import.zip"])
    facts = check_files([SAMPLES / "users.csv"])
    assert facts[0].size == (SAMPLES / "users.csv").stat().st_size and facts[0].sha256 is None


def test_a_job_uploads_records_and_follows_on_its_own_target(sandbox, tmp_path):
    recorder = HistoryRecorder(history=History(tmp_path / "h.sqlite3"))
    job = ImportJob(target_of(sandbox), [SAMPLES / "users.csv"], ImportOptions(),
                    recorder=recorder)
    job.validate()
    assert all(f.sha256 and len(f.sha256) == 64 for f in job.files)
    created = job.upload()
    row = recorder._history.get(sandbox.url, sandbox.account_id, created.id)
    assert row is not None and row.profile_id == "p1" and row.profile == "Sandbox"
    assert row.files[0]["sha256"] == job.files[0].sha256
    seen = []
    final = job.follow(on_update=seen.append, intervals=(0.01,))
    assert final.workflow_state is WorkflowState.IMPORTED and seen[-1] == final
    assert recorder._history.get(sandbox.url, "1", created.id).workflow_state \
        is WorkflowState.IMPORTED


def test_a_broken_history_warns_once_and_never_raises(sandbox, tmp_path, monkeypatch):
    folder = tmp_path / "h.sqlite3"
    folder.mkdir()  # cannot be opened as a database
    import sis_desktop.core.history as history_module
    original = history_module.History
    monkeypatch.setattr(history_module, "History", lambda: original(folder))
    warnings = []
    recorder = HistoryRecorder(on_warning=warnings.append)
    job = ImportJob(target_of(sandbox), [SAMPLES / "users.csv"], ImportOptions(),
                    recorder=recorder)
    created = job.upload()
    final = job.follow(intervals=(0.01,))
    assert created.id == final.id and final.workflow_state.is_success
    assert len(warnings) == 1 and "the import itself is not affected" in warnings[0]
    assert job.recorded is False


def test_a_failing_write_inside_following_does_not_stop_following(sandbox, tmp_path):
    class Flaky:
        calls = 0

        def record_created(self, **kw):
            return True

        def update(self, *args):
            Flaky.calls += 1
            raise sqlite3.OperationalError("database is locked")

    warnings = []
    recorder = HistoryRecorder(on_warning=warnings.append, history=Flaky())
    job = ImportJob(target_of(sandbox), [SAMPLES / "users.csv"], ImportOptions(),
                    recorder=recorder)
    job.upload()
    final = job.follow(intervals=(0.01,))
    assert final.workflow_state.is_success
    assert Flaky.calls == 1 and len(warnings) == 1  # tried once, said once, followed to the end


def test_abort_goes_to_the_imports_own_canvas(tmp_path):
    from sis_desktop.sandbox import Sandbox
    a = Sandbox(speed=1000.0, data_dir=tmp_path / "a").start()
    b = Sandbox(speed=1000.0, data_dir=tmp_path / "b").start()
    try:
        a.hold()
        b.hold()
        on_a = a.client().create_import(SAMPLES / "users.csv")
        on_b = b.client().create_import(SAMPLES / "users.csv")
        assert on_a.id == on_b.id  # same id on both Canvases: only the target tells them apart
        aborted = abort_import(target_of(a), on_a.id)
        assert aborted.workflow_state is WorkflowState.ABORTED
        assert a.import_json(on_a.id)["workflow_state"] == "aborted"
        assert b.import_json(on_b.id)["workflow_state"] == "created"
    finally:
        a.close()
        b.close()


# ---- resume: a row is followed only where it was sent -------------------------------------
def _row(history, sandbox, profile_id, profile_name):
    sis = sandbox.client().create_import(SAMPLES / "users.csv")
    history.record_created(profile=profile_name, profile_id=profile_id, url=sandbox.url,
                           account_id=sandbox.account_id, sis_import=sis, files=[], options={})
    return history.get(sandbox.url, sandbox.account_id, sis.id)


def test_resume_uses_the_rows_canvas_and_skips_a_profile_that_moved(sandbox, tmp_path):
    history = History(tmp_path / "h.sqlite3")
    sandbox.hold()
    entry = _row(history, sandbox, "p1", "Test")
    same = Profile("p1", "Test", sandbox.url, "1")
    moved = Profile("p1", "Test", "https://canvas.example.edu", "1")  # test → production
    target = target_for_entry(entry, [same], lambda pid: sandbox.token)
    assert isinstance(target, Target) and target.url == entry.url
    reason = target_for_entry(entry, [moved], lambda pid: sandbox.token)
    assert isinstance(reason, str) and "now points at account 1 at https://canvas.example.edu" in reason
    gone = target_for_entry(entry, [], lambda pid: sandbox.token)
    assert isinstance(gone, str) and "no longer exists" in gone
    no_token = target_for_entry(entry, [same], lambda pid: None)
    assert isinstance(no_token, str) and "no saved token" in no_token


def test_check_unfinished_never_asks_another_canvas(sandbox, tmp_path):
    history = History(tmp_path / "h.sqlite3")
    sandbox.hold()
    entry = _row(history, sandbox, "p1", "Test")
    moved = Profile("p1", "Test", "https://canvas.example.edu", "1")

    def client_for(e):
        found = target_for_entry(e, [moved], lambda pid: "token-never-used")
        return found if isinstance(found, str) else found.client()
    running, problems = check_unfinished(history, client_for)
    assert running == [] and len(problems) == 1 and str(entry.import_id) in problems[0]
    assert history.get(sandbox.url, "1", entry.import_id).workflow_state is WorkflowState.CREATED


def test_rows_of_an_older_history_get_a_profile_id_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    from sis_desktop.core import history as module
    conn = sqlite3.connect(path)
    conn.executescript(module._SCHEMA)
    conn.execute("INSERT INTO imports (profile, url, account_id, import_id, created_at) "
                 "VALUES ('prod', 'https://x.test', '1', 5, '2026-01-01T00:00:00+00:00')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    entry = History(path).recent()[0]
    assert entry.import_id == 5 and entry.profile == "prod" and entry.profile_id is None
    # an old row is resolved by name, and only where it was sent
    same = Profile("p9", "prod", "https://x.test", "1")
    assert isinstance(target_for_entry(entry, [same], lambda pid: "t" * 20), Target)


def test_an_older_history_is_brought_up_to_date_once_by_racing_openers(tmp_path):
    """Four threads open the same version-1 file at once: one migrates, none fails."""
    import threading
    from sis_desktop.core import history as module
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(module._SCHEMA)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    start, errors = threading.Barrier(4), []

    def open_it():
        start.wait()
        try:
            History(path)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert History(path).recent() == []
