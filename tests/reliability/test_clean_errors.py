"""One sentence and the right exit code (2 for anything local) where a traceback used to be:
a FIFO given to validate, a symlink loop, a path over the OS limit, a non-UTF-8 file name,
a bad PYTHON_KEYRING_BACKEND, `profiles add` on a full disk, a log folder that cannot be
written, and account ids that cannot be right."""
from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import zipfile
from io import BytesIO

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core import storage
from sis_desktop.core.profiles import ProfileStore

from tests.conftest import installed_script
from tests.core.wire_server import Answer, WireServer

from .helpers import USERS_CSV, one_sentence

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file system behaviour")
TOKEN = "7~" + "e" * 40
COURSES = "course_id,short_name,long_name,status\nc1,C1,Course 1,active\n"


def _cli(*argv, env_extra=None, limit_file_size=None, stdin=None):
    env = dict(os.environ, CANVAS_API_TOKEN=TOKEN, **(env_extra or {}))

    def limit():
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    done = subprocess.run([os.fsencode(installed_script("sis-desktop-cli")), *argv], env=env,
                          capture_output=True, timeout=120, preexec_fn=limit, input=stdin)
    return (done.returncode, done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"))


def _problem(err: str) -> str:
    assert "Traceback" not in err and "--- Logging error ---" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("sis-desktop-cli: ")]
    assert len(lines) == 1, err
    return one_sentence(lines[0], secret=TOKEN)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_fifo_is_refused_without_blocking(tmp_path, command):
    fifo = tmp_path / "users.csv"
    os.mkfifo(fifo)
    code, out, err = _cli("--url", "http://127.0.0.1:9", "--account", "1", command, str(fifo))
    assert code == 2
    assert "is a named pipe (FIFO), not a regular file" in _problem(err)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_symlink_loop_says_so(tmp_path, command):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    code, out, err = _cli("--url", "http://127.0.0.1:9", "--account", "1", command, str(a))
    assert code == 2
    assert "is a symlink loop" in _problem(err)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_path_over_the_os_limit_is_one_sentence(tmp_path, command):
    long_name = tmp_path / ("x" * 300 + ".csv")
    code, out, err = _cli("--url", "http://127.0.0.1:9", "--account", "1", command, str(long_name))
    assert code == 2
    assert "is too long for this system" in _problem(err)


def test_a_dangling_link_is_named_as_such(tmp_path):
    link = tmp_path / "users.csv"
    link.symlink_to(tmp_path / "gone.csv")
    code, out, err = _cli("validate", str(link))
    assert code == 2 and "is a link to something that does not exist" in _problem(err)


def _latin1_copy(tmp_path, text: str, name: bytes) -> bytes:
    path = os.fsencode(tmp_path) + b"/" + name
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def test_a_non_utf8_name_goes_out_as_windows_1252_in_multipart(tmp_path):
    path = _latin1_copy(tmp_path, USERS_CSV.read_text(), b"\xe9l\xe8ves.csv")
    with WireServer() as wire:
        wire.on("POST", r"/sis_imports$", Answer(200, {"id": 9, "workflow_state": "created"}))
        code, out, err = _cli("--url", wire.url, "--account", "1", "import", path)
        assert code == 0, err
        (post,) = [r for r in wire.requests if r.method == "POST"]
    assert 'filename="élèves.csv"'.encode("utf-8") in post.body
    assert "Import 9 created" in out


def test_a_non_utf8_name_goes_into_the_zip_of_several_csvs(tmp_path):
    users = _latin1_copy(tmp_path, USERS_CSV.read_text(), b"\xe9l\xe8ves.csv")
    courses = _latin1_copy(tmp_path, COURSES, b"cours\xe9s.csv")
    with WireServer() as wire:
        wire.on("POST", r"/sis_imports$", Answer(200, {"id": 9, "workflow_state": "created"}))
        code, out, err = _cli("--url", wire.url, "--account", "1", "import", "--raw",
                              users, courses)
        assert code == 0, err
        (post,) = [r for r in wire.requests if r.method == "POST"]
    assert sorted(zipfile.ZipFile(BytesIO(post.body)).namelist()) == ["coursés.csv", "élèves.csv"]


def test_validate_prints_a_non_utf8_name_without_crashing(tmp_path):
    path = _latin1_copy(tmp_path, USERS_CSV.read_text(), b"caf\xe9.csv")
    code, out, err = _cli("validate", "--json", path,
                          env_extra={"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    assert code == 0, err
    assert len(json.loads(out)["files"]) == 1


@pytest.mark.parametrize("backend", ["nonexistent.Backend", "os.path"])
def test_a_bad_keyring_backend_is_one_sentence(backend):
    env = {"PYTHON_KEYRING_BACKEND": backend}
    code, out, err = _cli("profiles", "add", "Prod", "--url", "https://a.example.edu",
                          "--account", "1", "--token-stdin", env_extra=env, stdin=TOKEN.encode())
    assert code == 2
    assert f"PYTHON_KEYRING_BACKEND ('{backend}') could not be loaded" in _problem(err)
    code, out, err = _cli("profiles", "list", env_extra=env)
    assert code == 0 and "Traceback" not in err


def test_profiles_add_on_a_full_disk(memory_keyring, monkeypatch, capsys):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)  # the storage write boundary
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(TOKEN + "\n"))
    code = main(["profiles", "add", "Prod", "--url", "https://a.example.edu", "--account", "1",
                 "--token-stdin"])
    err = capsys.readouterr().err
    assert code == 2
    assert "No space left on device" in _problem(err)
    monkeypatch.undo()
    assert ProfileStore().load() == []
    assert memory_keyring.entries == {}  # the token went with the profile that was not saved


def test_profiles_add_when_files_cannot_grow_in_a_real_process():
    code, out, err = _cli("profiles", "add", "Prod", "--url", "https://a.example.edu",
                          "--account", "1", "--no-token", limit_file_size=16)
    assert code == 2
    assert "The profiles could not be saved" in _problem(err)


def test_a_log_that_cannot_be_written_costs_one_warning_line():
    with WireServer() as wire:
        wire.on("GET", r"/sis_imports/5$", Answer(200, {"id": 5, "workflow_state": "imported"}))
        code, out, err = _cli("--url", wire.url, "--account", "1", "status", "5",
                              limit_file_size=64)
    assert code == 0, err
    assert "--- Logging error ---" not in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "log file" in line]) == 1
    assert "Import 5" in out


@pytest.mark.parametrize("account", ["-1", "abc", "1e9", "1 2"])
def test_impossible_account_ids_are_refused_before_anything_is_sent(account, monkeypatch, capsys):
    monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
    with WireServer() as wire:
        code = main(["--url", wire.url, "--account", account, "list"])
        assert wire.requests == []
    assert code == 2
    assert "is not an account id" in _problem(capsys.readouterr().err)
