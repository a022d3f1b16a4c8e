"""The local history store: rows, updates, duplicates, corruption and concurrent writers."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone

import pytest

from sis_desktop.core import paths
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.history import (History, HistoryEntry, ago, duplicate_warning,
                                      url_key)

URL = "https://school.instructure.com"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def sis(import_id: int, state: str = "created", progress: int = 0, *, created=None,
        updated=None, counts=None, ended=None) -> SisImport:
    data = {"import_type": "instructure_csv"}
    if counts is not None:
        data["counts"] = counts
    stamp = lambda d: d.isoformat().replace("+00:00", "Z") if d else None  # noqa: E731
    return SisImport.from_json({
        "id": import_id, "workflow_state": state, "progress": progress, "data": data,
        "created_at": stamp(created or datetime.now(timezone.utc)),
        "updated_at": stamp(updated), "ended_at": stamp(ended)})


def files(*shas: str) -> list[dict]:
    return [{"name": f"/data/{s}.csv", "size": 10, "sha256": s} for s in shas]


def record(history: History, import_id: int, *shas: str, account=1, url=URL, **kw) -> None:
    history.record_created(profile="prod", url=url, account_id=account,
                           sis_import=sis(import_id, **kw), files=files(*shas),
                           options=ImportOptions(skip_deletes=True))


def test_default_path_is_in_data_dir():
    history = History()
    assert history.path == paths.data_dir() / "history.sqlite3"
    assert history.path.exists()
    with sqlite3.connect(history.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_record_created_keeps_every_field(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    history.record_created(profile="prod", url=URL + "/api/v1/", account_id="1",
                           sis_import=sis(123), files=files("aa", "bb"),
                           options=ImportOptions(skip_deletes=True))
    [entry] = history.recent()
    assert isinstance(entry, HistoryEntry)
    assert (entry.profile, entry.url, entry.account_id, entry.import_id) == ("prod", URL, 1, 123)
    assert entry.files == files("aa", "bb")
    assert entry.file_names == ["aa.csv", "bb.csv"]
    assert entry.options["skip_deletes"] is True
    assert entry.workflow_state is WorkflowState.CREATED and not entry.is_terminal
    data = entry.to_json()
    for key in ("id", "profile", "url", "account_id", "import_id", "files", "options",
                "created_at", "workflow_state", "progress", "counts", "warning_count",
                "error_count", "ended_at"):
        assert key in data
    assert data["workflow_state"] == "created"


def test_recording_twice_keeps_one_row(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    record(history, 5, "aa")
    record(history, 5, "zz", state="importing")
    [entry] = history.recent()
    assert entry.sha256s == {"aa"} and entry.workflow_state is WorkflowState.IMPORTING


def test_update_changes_only_rows_this_app_made(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    record(history, 7, "aa")
    done = sis(7, "imported_with_messages", 100, ended=NOW,
               counts={"users": 3, "error_count": 1, "warning_count": 2})
    assert history.update(URL + "/", 1, done) is True
    entry = history.get(URL, "1", 7)
    assert entry.workflow_state is WorkflowState.IMPORTED_WITH_MESSAGES
    assert (entry.progress, entry.error_count, entry.warning_count) == (100, 1, 2)
    assert entry.counts["users"] == 3 and entry.ended_at == NOW
    assert history.update(URL, 1, sis(8, "imported", 100)) is False
    assert history.update(URL, 2, done) is False  # same id, other account
    assert [e.import_id for e in history.recent()] == [7]


def test_an_older_snapshot_does_not_move_an_import_backwards(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    record(history, 9, "aa")
    history.update(URL, 1, sis(9, "imported", 100, updated=NOW))
    assert history.update(URL, 1, sis(9, "importing", 40, updated=NOW - timedelta(seconds=5))) \
        is False
    assert history.get(URL, 1, 9).workflow_state is WorkflowState.IMPORTED
    # a later restore is newer, so it does change the row
    history.update(URL, 1, sis(9, "restoring", 0, updated=NOW + timedelta(minutes=1)))
    assert history.get(URL, 1, 9).workflow_state is WorkflowState.RESTORING


def test_unfinished_lists_only_running_imports_oldest_first(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    record(history, 1, "a", created=NOW - timedelta(hours=3))
    record(history, 2, "b", state="imported", created=NOW - timedelta(hours=2))
    record(history, 3, "c", state="importing", created=NOW - timedelta(hours=1))
    record(history, 4, "d", state="aborted", created=NOW)
    assert [e.import_id for e in history.unfinished()] == [1, 3]


def test_recent_filters_and_limits(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    for n in range(5):
        record(history, n, "a", created=NOW + timedelta(minutes=n))
    history.record_created(profile="test", url="http://127.0.0.1:9", account_id=1,
                           sis_import=sis(99), files=[], options={})
    assert [e.import_id for e in history.recent(limit=3)] == [99, 4, 3]
    assert [e.import_id for e in history.recent(profile="test")] == [99]
    assert len(history.recent(url=URL, account_id=1)) == 5


def test_find_duplicates_matches_same_files_same_account_recent(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    now = datetime.now(timezone.utc)
    record(history, 1, "aa", "bb", created=now - timedelta(hours=2), state="imported")
    record(history, 2, "aa", created=now - timedelta(hours=30))     # too old
    record(history, 3, "aa", "bb", account=2, created=now)          # other account
    record(history, 4, "aa", "cc", created=now - timedelta(hours=1))
    assert [e.import_id for e in history.find_duplicates(URL, 1, ["aa", "bb"])] == [1]
    assert [e.import_id for e in history.find_duplicates(URL, 1, ["aa"])] == [4, 1]
    assert [e.import_id for e in history.find_duplicates(URL, 1, ["aa"], within_hours=48)] \
        == [4, 1, 2]
    assert history.find_duplicates(URL, 1, ["aa", "zz"]) == []
    assert history.find_duplicates(URL, 1, []) == []


def test_duplicate_warning_sentences(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    record(history, 123, "aa", created=NOW - timedelta(hours=2, minutes=5))
    history.update(URL, 1, sis(123, "imported_with_messages", 100))
    record(history, 120, "aa", created=NOW - timedelta(hours=5), state="failed")
    record(history, 118, "aa", created=NOW - timedelta(hours=6), state="imported")
    entries = history.recent()
    assert duplicate_warning(entries[:1], now=NOW) == (
        "These files were sent to this account 2 hours ago "
        "(import 123, imported with messages). Send them again?")
    assert duplicate_warning(entries, now=NOW) == (
        "These files were sent to this account 2 hours ago "
        "(import 123, imported with messages) and 2 more times before that "
        "(imports 120, 118). Send them again?")
    assert duplicate_warning([]) == ""


def test_ago_words():
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert ago(NOW - timedelta(minutes=59), NOW) == "59 minutes ago"
    assert ago(NOW - timedelta(days=3, hours=1), NOW) == "3 days ago"


def test_url_key_strips_api_path_and_slash():
    assert url_key("https://School.instructure.com/api/v1/") == URL


@pytest.mark.parametrize("garbage", [b"this is not sqlite at all" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_file_is_set_aside_and_a_fresh_one_made(tmp_path, garbage):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(garbage)
    history = History(path)
    assert history.set_aside_notice and "moved to" in history.set_aside_notice
    aside = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert str(aside[0]) in history.set_aside_notice
    record(history, 1, "aa")
    assert [e.import_id for e in History(path).recent()] == [1]
    assert History(path).set_aside_notice is None


def test_a_crash_mid_write_leaves_no_half_row(tmp_path):
    path = tmp_path / "h.sqlite3"
    history = History(path)
    record(history, 1, "aa")
    script = textwrap.dedent(f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE imports SET workflow_state='imported', progress=100")
        conn.execute("INSERT INTO imports (url, account_id, import_id, created_at) "
                     "VALUES ('x', '1', 2, '2026')")
        os._exit(9)  # the process dies before COMMIT
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    after = History(path)
    assert after.set_aside_notice is None
    [entry] = after.recent()
    assert entry.import_id == 1 and entry.workflow_state is WorkflowState.CREATED
    record(after, 3, "bb")  # and it can be written again at once
    assert len(after.recent()) == 2


def test_a_writer_waits_for_another_connection_holding_the_lock(tmp_path):
    path = tmp_path / "h.sqlite3"
    history = History(path)
    record(history, 1, "aa")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another instance is mid-write
    started, result = threading.Event(), {}

    def write():
        started.set()
        result["ok"] = history.update(URL, 1, sis(1, "imported", 100))

    worker = threading.Thread(target=write)
    worker.start()
    started.wait()
    other.execute("UPDATE imports SET profile = 'other'")
    other.execute("COMMIT")
    other.close()
    worker.join(timeout=30)
    assert result == {"ok": True}
    entry = history.get(URL, 1, 1)
    assert entry.profile == "other" and entry.workflow_state is WorkflowState.IMPORTED


def test_two_processes_writing_at_once(tmp_path):
    path = tmp_path / "h.sqlite3"
    History(path)
    script = textwrap.dedent("""
        import sys
        from sis_desktop.core.canvas.models import SisImport
        from sis_desktop.core.history import History
        path, base = sys.argv[1], int(sys.argv[2])
        h = History(path)
        for n in range(base, base + 80):
            s = SisImport.from_json({"id": n, "workflow_state": "created", "progress": 0})
            h.record_created(profile="p", url="https://x.test", account_id=1, sis_import=s,
                             files=[{"name": "u.csv", "size": 1, "sha256": str(n)}], options={})
            s = SisImport.from_json({"id": n, "workflow_state": "imported", "progress": 100})
            assert h.update("https://x.test", 1, s)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(base)])
             for base in (0, 1000, 2000)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    history = History(path)
    entries = history.recent(limit=None)
    assert len(entries) == 240
    assert {e.workflow_state for e in entries} == {WorkflowState.IMPORTED}
    assert history.unfinished() == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
