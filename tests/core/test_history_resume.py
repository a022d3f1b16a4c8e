"""History against the sandbox: resuming after a crash, the merged list with pagination."""
from __future__ import annotations

import threading

from sis_desktop.core.canvas.models import WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.canvas.upload import sha256_file
from sis_desktop.core.history import History, resume_unfinished
from sis_desktop.core.import_list import load_import_list
from sis_desktop.sandbox import Sandbox

USERS = "user_id,login_id,first_name,last_name,email,status\n" \
        "u{n},login{n},Ada,Lovelace,ada{n}@example.edu,active\n"


def users_csv(folder, n: int = 1):
    path = folder / f"users{n}.csv"
    path.write_text(USERS.format(n=n), encoding="utf-8")
    return path


def send(client, history: History, path, profile: str = "prod"):
    sis = client.create_import([path], ImportOptions())
    history.record_created(profile=profile, url=client.base_url, account_id=client.account_id,
                           sis_import=sis, options=ImportOptions(),
                           files=[{"name": str(path), "size": path.stat().st_size,
                                   "sha256": sha256_file(path)}])
    return sis


def test_resume_after_a_crash_follows_the_import_to_its_end(sandbox, tmp_path):
    db = tmp_path / "h.sqlite3"
    sandbox.hold()
    sis = send(sandbox.client(), History(db), users_csv(tmp_path))
    assert sis.workflow_state is WorkflowState.CREATED
    # the app "crashes" here: nothing but the database file survives
    history = History(db)
    assert [e.import_id for e in history.unfinished()] == [sis.id]
    sandbox.release()
    seen = []
    problems = resume_unfinished(history, lambda entry: sandbox.client(),
                                 on_update=lambda entry, s: seen.append((entry.import_id,
                                                                         s.workflow_state)))
    assert problems == []
    assert seen and seen[-1] == (sis.id, WorkflowState.IMPORTED)
    entry = History(db).get(sandbox.url, sandbox.account_id, sis.id)
    assert entry.workflow_state is WorkflowState.IMPORTED and entry.progress == 100
    assert entry.counts.get("users") == 1 and entry.ended_at is not None
    assert History(db).unfinished() == []


def test_resume_reports_what_it_cannot_follow_and_goes_on(sandbox, tmp_path):
    history = History(tmp_path / "h.sqlite3")
    client = sandbox.client()
    sandbox.hold()
    good = send(client, history, users_csv(tmp_path, 1))
    ghost = good.__class__.from_json({**good.raw, "id": 987654})
    history.record_created(profile="prod", url=client.base_url, account_id=client.account_id,
                           sis_import=ghost, files=[], options={})
    history.record_created(profile="gone", url="https://other.example.edu", account_id=1,
                           sis_import=good, files=[], options={})
    sandbox.release()
    problems = resume_unfinished(
        history, lambda e: None if e.profile == "gone" else sandbox.client())
    assert len(problems) == 2
    assert any("987654" in p and "could not be checked" in p for p in problems)
    assert any("no saved token for profile gone" in p for p in problems)
    assert history.get(client.base_url, client.account_id, good.id).workflow_state \
        is WorkflowState.IMPORTED


def test_resume_stops_when_cancelled(sandbox, tmp_path):
    history = History(tmp_path / "h.sqlite3")
    sandbox.hold()
    sis = send(sandbox.client(), history, users_csv(tmp_path))
    cancelled = threading.Event()

    def on_update(entry, s):
        cancelled.set()  # the user quit while the import is still queued

    assert resume_unfinished(history, lambda e: sandbox.client(), on_update, cancelled) == []
    assert history.get(sandbox.url, sandbox.account_id, sis.id).workflow_state \
        is WorkflowState.CREATED
    sandbox.release()


def test_the_token_is_never_stored(tmp_path):
    token = "tok-5f1e9a7c-very-secret"
    with Sandbox(token=token, speed=1000.0, data_dir=tmp_path / "sb") as box:
        client = box.client()
        history = History(tmp_path / "h.sqlite3")
        sandbox_path = users_csv(tmp_path)
        sis = send(client, history, sandbox_path)
        client.poll(sis.id, on_update=lambda s: history.update(client.base_url,
                                                               client.account_id, s))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("h.sqlite3*"))
    assert token.encode() not in raw
    assert history.recent()[0].workflow_state is WorkflowState.IMPORTED


def test_merged_list_pages_through_canvas_and_marks_imports_sent_elsewhere(sandbox, tmp_path):
    history = History(tmp_path / "h.sqlite3")
    client = sandbox.client()
    sandbox.hold()
    mine = {send(client, history, users_csv(tmp_path, n)).id for n in range(3)}
    path = users_csv(tmp_path, 99)
    elsewhere = {client.create_import([path], ImportOptions()).id for _ in range(102)}
    sandbox.release()
    rows = load_import_list(client, history, limit=200)
    assert len(rows) == 105  # two pages of 100 from Canvas
    assert {r.import_id for r in rows if r.sent_here} == mine
    assert {r.import_id for r in rows if not r.sent_here} == elsewhere
    assert [r.import_id for r in rows] == sorted((r.import_id for r in rows), reverse=True)
    assert {r.origin for r in rows if r.import_id in elsewhere} == {"sent elsewhere"}
    assert sorted(f for r in rows if r.sent_here for f in r.files) == \
        ["users0.csv", "users1.csv", "users2.csv"]
    # the local rows were refreshed from the same answers the list shows
    for entry in history.recent():
        assert entry.workflow_state is next(r for r in rows
                                            if r.import_id == entry.import_id).workflow_state
    limited = load_import_list(client, history, limit=5)
    assert [r.import_id for r in limited] == [r.import_id for r in rows[:5]]
