"""Settings survive damage and a second app instance: corrupt files are set aside and
reported, writes are atomic, and two processes writing at once lose nothing."""
from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.history import History
from sis_desktop.core.profiles import Profile, ProfileStore
from sis_desktop.cli.main import main
from tests.conftest import private_file

URL = "http://127.0.0.1:9"
PER_PROCESS = 40


def _sis(import_id: int, state: str = "created", progress: int = 0) -> SisImport:
    return SisImport.from_json({"id": import_id, "workflow_state": state, "progress": progress,
                                "created_at": "2026-11-27T12:00:00Z"})


# ---- corrupt files are set aside, kept and reported ----------------------------------
@pytest.mark.parametrize("content", [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b'{"profiles": "not a list"}',
])
def test_corrupt_profiles_file_is_set_aside_and_reported(isolated_dirs, content):
    path = isolated_dirs["config"] / "profiles.json"
    path.write_bytes(content)
    store = ProfileStore()
    assert store.load() == []
    notice = store.set_aside_notice
    assert notice and "\n" not in notice and notice.endswith(".")
    kept = [p for p in isolated_dirs["config"].iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == content  # never deleted
    assert str(kept[0]) in notice
    assert json.loads(path.read_text())["profiles"] == []  # a fresh, valid file
    store.add(Profile.new("After", URL, 1))
    assert [p.name for p in ProfileStore().load()] == ["After"]


@pytest.mark.parametrize("content", [
    b"this is not a database at all" * 100,
    b"SQLite format 3\x00" + b"\x00" * 80 + b"truncated",
])
def test_corrupt_history_is_set_aside_and_reported(isolated_dirs, content):
    path = isolated_dirs["data"] / "history.sqlite3"
    path.write_bytes(content)
    history = History()
    notice = history.set_aside_notice
    assert notice and "\n" not in notice
    kept = [p for p in isolated_dirs["data"].iterdir() if ".corrupt-" in p.name]
    assert [p.read_bytes() for p in kept if not p.name.endswith(("-wal", "-shm"))] == [content]
    history.record_created(profile=None, url=URL, account_id=1, sis_import=_sis(7),
                           files=[], options={})
    assert [e.import_id for e in History().recent()] == [7]


def test_cli_history_reports_a_corrupt_history_in_one_sentence(isolated_dirs, capsys):
    (isolated_dirs["data"] / "history.sqlite3").write_bytes(b"garbage" * 200)
    assert main(["history"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "moved to" in err and "new, empty history" in err
    assert "No imports in the history yet." in out


def test_cli_profiles_list_reports_a_corrupt_profiles_file(isolated_dirs, capsys):
    (isolated_dirs["config"] / "profiles.json").write_text("{oops")
    code = main(["profiles", "list"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "Traceback" not in out + err
    assert "could not be used" in out + err


# ---- atomic writes ---------------------------------------------------------------------
def test_profile_writes_are_atomic_and_private(isolated_dirs):
    store = ProfileStore()
    for n in range(5):
        store.add(Profile.new(f"P{n}", URL, 1))
    path = isolated_dirs["config"] / "profiles.json"
    assert private_file(path)
    assert sorted(p.name for p in isolated_dirs["config"].iterdir()) == ["profiles.json",
                                                                         "profiles.json.lock"]


# ---- two instances at once -------------------------------------------------------------
def _history_writer(db: str, base: int, start) -> None:
    history = History(Path(db))
    start.wait(30)
    for n in range(PER_PROCESS):
        history.record_created(profile=f"p{base}", url=URL, account_id=1,
                               sis_import=_sis(base + n), files=[{"name": "u.csv", "size": 1,
                                                                  "sha256": "ab"}], options={})
        history.update(URL, 1, _sis(base + n, "importing", 50))


def _profile_writer(base: int, start) -> None:
    store = ProfileStore()
    start.wait(30)
    for n in range(PER_PROCESS):
        store.add(Profile.new(f"proc{base}-{n}", URL, 1))


def _run_two(target, args_for) -> None:
    """Both processes are ready (modules imported) before either writes: a barrier, no sleep."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=target, args=(*args_for(base), start)) for base in (1000, 2000)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0


def test_two_processes_writing_history_lose_and_corrupt_nothing(isolated_dirs):
    db = isolated_dirs["data"] / "history.sqlite3"
    History(db)  # schema first, as the app does on start
    _run_two(_history_writer, lambda base: (str(db), base))
    entries = History(db).recent(limit=None)
    assert sorted(e.import_id for e in entries) == sorted(
        [1000 + n for n in range(PER_PROCESS)] + [2000 + n for n in range(PER_PROCESS)])
    assert all(e.progress == 50 and e.workflow_state.value == "importing" for e in entries)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_processes_adding_profiles_lose_and_corrupt_nothing(isolated_dirs):
    _run_two(_profile_writer, lambda base: (base,))
    store = ProfileStore()
    names = sorted(p.name for p in store.load())
    assert store.set_aside_notice is None  # never unreadable
    assert names == sorted([f"proc1000-{n}" for n in range(PER_PROCESS)]
                           + [f"proc2000-{n}" for n in range(PER_PROCESS)])
