"""The history is never moved when a newer version wrote it (it is read, not changed), a
set-aside during `import` is printed, and every history file and its folder are
owner-only."""
from __future__ import annotations

import os
import sqlite3
import stat
import subprocess

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core import paths
from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.history import SCHEMA_VERSION, History, HistoryError

from tests.conftest import installed_script

from .helpers import USERS_CSV

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
URL = "https://canvas.example.edu"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _newer_history() -> tuple:
    """A history with one row, then marked as written by a newer schema."""
    history = History()
    history.record_created(profile="p", url=URL, account_id=1,
                           sis_import=SisImport.from_json({"id": 7, "workflow_state": "created"}),
                           files=[{"name": "users.csv", "size": 1, "sha256": "ab"}], options={})
    with sqlite3.connect(history.path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    return history.path, history.path.read_bytes()


def test_a_newer_history_is_read_only_and_never_moved():
    path, before = _newer_history()
    history = History()
    assert history.read_only and history.set_aside_notice is None
    assert "newer version" in history.notice
    assert [e.import_id for e in history.recent()] == [7]
    with pytest.raises(HistoryError, match="not recorded"):
        history.update(URL, 1, SisImport.from_json({"id": 7, "workflow_state": "imported"}))
    assert sorted(p.name for p in path.parent.iterdir() if "corrupt" in p.name) == []
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5


def test_import_with_a_newer_history_says_so_and_still_reports_the_import(sandbox, monkeypatch,
                                                                          capsys):
    path, _ = _newer_history()
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    code = main(["--url", sandbox.url, "--account", "1", "import", str(USERS_CSV)])
    out, err = capsys.readouterr()
    (import_id,) = sandbox.imports
    assert code == 0 and f"Import {import_id} created" in out
    assert "newer version of SIS Desktop" in err and "Traceback" not in err
    assert not [p for p in path.parent.iterdir() if "corrupt" in p.name]


def test_a_set_aside_during_import_is_printed(sandbox, monkeypatch, capsys):
    path = paths.data_dir() / "history.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    code = main(["--url", sandbox.url, "--account", "1", "import", str(USERS_CSV)])
    err = capsys.readouterr().err
    assert code == 0
    assert "could not be read" in err and "corrupt-" in err
    (moved,) = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert _mode(moved) == 0o600


def test_history_files_and_folder_are_owner_only(tmp_path, sandbox):
    data = tmp_path / "fresh-data"
    env = dict(os.environ, SIS_DESKTOP_DATA_DIR=str(data), CANVAS_API_TOKEN=sandbox.token)
    old = os.umask(0o022)
    try:
        done = subprocess.run([str(installed_script("sis-desktop-cli")), "--url", sandbox.url,
                               "--account", "1", "import", str(USERS_CSV)], env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert _mode(data) == 0o700
    files = [p for p in data.iterdir() if p.name.startswith("history.sqlite3")]
    assert files and all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}


def test_an_existing_open_history_is_made_owner_only():
    folder = paths.data_dir()
    History()
    db = folder / "history.sqlite3"
    os.chmod(db, 0o644)
    os.chmod(folder, 0o755)
    History()
    assert _mode(db) == 0o600 and _mode(folder) == 0o700
