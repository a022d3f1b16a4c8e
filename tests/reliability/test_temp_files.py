"""SIGTERM during a multi-CSV upload is handled like Ctrl-C (the temp `sis_import.zip`, which
holds student data, is removed), and a start sweeps temp folders of ours that a killed run
left behind more than a day ago."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from sis_desktop.core import tempfiles

from tests.conftest import installed_script

from .helpers import USERS_CSV, wait_until
from .test_bounded_waits import silent_server

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
COURSES = "course_id,short_name,long_name,status\nc1,C1,Course 1,active\n"


def _zips(tmp):
    return [p for p in tmp.glob("sis-desktop-upload-*/sis_import.zip")]


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_multi_csv_upload_removes_the_temp_zip(tmp_path, sig, code):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    users, courses = tmp_path / "users.csv", tmp_path / "courses.csv"
    with open(users, "w") as fh:  # ~24 MB that does not compress: more than socket buffers hold
        fh.write("user_id,login_id,status\n")
        for _ in range(200_000):
            fh.write(f"{os.urandom(30).hex()},{os.urandom(30).hex()},active\n")
    courses.write_text(COURSES)
    env = dict(os.environ, TMPDIR=str(tmp), CANVAS_API_TOKEN="7~" + "s" * 40)
    with silent_server() as (url, accepted):  # takes the connection, never reads: mid-upload
        proc = subprocess.Popen([str(installed_script("sis-desktop-cli")), "--url", url,
                                 "--account", "1", "import", "--no-validate", str(users),
                                 str(courses)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: _zips(tmp) and accepted, timeout=30)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == []


def _aged(path, days: float):
    when = time.time() - days * 86400
    for p in [*path.rglob("*"), path]:
        os.utime(p, (when, when), follow_symlinks=False)


def test_a_start_sweeps_stale_upload_folders_of_ours(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    made = {}
    for name, days, files in [("sis-desktop-upload-old", 2, ["sis_import.zip"]),
                              ("sis-desktop-upload-new", 0, ["sis_import.zip"]),
                              ("sis-desktop-k3j4h5", 3, ["sis_import.zip"]),      # older version
                              ("sis-desktop-sandbox-x", 3, ["state.json"]),       # the app's sandbox
                              ("sis-desktop-notes", 3, ["notes.txt"]),           # not an upload
                              ("someone-else", 3, ["sis_import.zip"])]:
        folder = tmp / name
        folder.mkdir()
        for f in files:
            (folder / f).write_bytes(b"PK student data")
        _aged(folder, days)
        made[name] = folder
    env = dict(os.environ, TMPDIR=str(tmp))
    done = subprocess.run([str(installed_script("sis-desktop-cli")), "validate", str(USERS_CSV)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp.iterdir()) == [
        "sis-desktop-notes", "sis-desktop-sandbox-x", "sis-desktop-upload-new", "someone-else"]


def test_upload_folders_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfiles.tempfile, "tempdir", str(tmp_path))
    folder = tempfiles.upload_folder()
    assert folder.parent == tmp_path and folder.name.startswith(tempfiles.UPLOAD_PREFIX)
    assert folder.stat().st_mode & 0o777 == 0o700


def test_sigterm_quits_the_app_cleanly(tmp_path):
    """The desktop app quits on SIGTERM like on Quit: tasks are cancelled and its temp
    folders (here the --sandbox data) are removed; exit 0, not death by signal."""
    tmp, logs = tmp_path / "tmp", tmp_path / "logs"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), SIS_DESKTOP_LOG_DIR=str(logs),
               QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([str(installed_script("sis-desktop")), "--sandbox"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the log file starts after the window is shown, by then SIGTERM is handled
        wait_until(lambda: (logs / "sis-desktop.log").exists() and any(tmp.iterdir()),
                   timeout=60)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == []
