"""Bounded waits and bounded answers: `--timeout SECONDS` is an overall deadline a cron job
can rely on, a server that accepts and never answers costs at most two read timeouts,
Retry-After is capped while polling as in the HTTP layer, and an oversized answer body is
refused without being held."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.deadline import Deadline
from sis_desktop.core.canvas.errors import Cancelled, CanvasServerError, NetworkError
from sis_desktop.core.canvas.http import MAX_RETRY_WAIT

from tests.conftest import installed_script
from tests.core.wire_server import Answer, WireServer

from .helpers import USERS_CSV, loopback_server, one_sentence

TOKEN = "7~" + "a" * 40


@contextlib.contextmanager
def silent_server():
    """Accepts connections and reads requests, but never answers. Yields (url, accepted)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve():
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def _cli(*argv: str, env_extra: dict[str, str] | None = None, timeout: float = 120):
    env = dict(os.environ, CANVAS_API_TOKEN=TOKEN, **(env_extra or {}))
    started = time.monotonic()
    done = subprocess.run([str(installed_script("sis-desktop-cli")), *argv], env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def test_timeout_bounds_a_command_against_a_server_that_never_answers():
    with silent_server() as (url, accepted):
        code, out, err, took = _cli("--url", url, "--account", "1", "--timeout", "2",
                                    "status", "5")
    assert code == 3, err
    assert "2-second time limit (--timeout)" in one_sentence(err)
    assert accepted, "the request reached the server"
    assert took < 30  # the deadline, not 5 tries x the read timeout


def test_a_silent_server_gets_two_read_timeouts_not_five():
    with silent_server() as (url, accepted):
        client = CanvasClient(url, TOKEN, 1, timeout=(2, 0.3), retry_wait=0.01)
        with pytest.raises(NetworkError, match="stopped answering"):
            client.get_import(5)
    assert len(accepted) == 2


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "inf"])
def test_bad_timeout_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--timeout", value, "list"])
    assert stopped.value.code == 2
    assert "not a number of seconds above 0" in capsys.readouterr().err


def test_a_never_finishing_import_is_not_followed_past_the_timeout(sandbox, monkeypatch, capsys):
    sandbox.hold()  # the import stays `created` for ever
    created = sandbox.client().create_import([USERS_CSV])
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    code = main(["--url", sandbox.url, "--account", "1", "--timeout", "1.5",
                 "status", str(created.id), "--wait"])
    err = capsys.readouterr().err
    assert code == 4  # created, outcome unknown
    line = one_sentence(err.strip().splitlines()[-1])
    assert "1.5-second time limit (--timeout)" in line
    assert f"sis-desktop-cli status {created.id} --wait" in line


def test_timeout_stops_an_upload_before_canvas_has_the_whole_file(sandbox, tmp_path):
    big = tmp_path / "users.csv"
    with open(big, "w") as fh:
        fh.write("user_id,login_id,first_name,last_name,status\n")
        for n in range(60_000):
            fh.write(f"u{n},l{n},F,L,active\n")
    client = sandbox.client()
    client.deadline = Deadline(0.5)

    def slow_progress(done, total):  # a slow uplink: the deadline passes mid-body
        threading.Event().wait(0.05)

    with pytest.raises(NetworkError, match="no import was created"):
        client.create_import([big], on_progress=slow_progress)
    assert sandbox.imports == {}


class _RecordingEvent(threading.Event):
    """A cancel flag that records how long it was asked to wait, then cancels."""

    def __init__(self):
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        self.set()
        return True


def test_retry_after_is_capped_while_polling_and_in_the_http_layer():
    with WireServer() as wire:
        wire.on("GET", r"/sis_imports/5$", Answer(429, {"errors": [{"message": "Rate Limit Exceeded"}]},
                                                  {"Retry-After": "100000"}))
        client = CanvasClient(wire.url, TOKEN, 1)
        flag = _RecordingEvent()
        with pytest.raises(Cancelled):
            client.poll(5, cancelled=flag)
        assert flag.waits == [MAX_RETRY_WAIT]
        flag = _RecordingEvent()
        with pytest.raises(Cancelled):
            client._http.request("GET", "/api/v1/accounts/1/sis_imports/5", cancelled=flag)
        assert flag.waits == [MAX_RETRY_WAIT]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_an_oversized_answer_is_refused_unread(declared, monkeypatch):
    written = [0]

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared:
            handler.send_header("Content-Length", str(1 << 30))
        handler.end_headers()
        handler.wfile.write(b'{"id": 5, "pad": "')
        block = b"x" * (1 << 20)
        try:
            while written[0] < 1 << 30:
                handler.wfile.write(block)
                written[0] += len(block)
        except OSError:
            pass

    with loopback_server(endless) as (url, _seen):
        client = CanvasClient(url, TOKEN, 1)
        with pytest.raises(CanvasServerError) as caught:
            client.get_import(5)
    assert "larger than 8 MB" in one_sentence(str(caught.value))
    assert written[0] < 256 << 20  # the client stopped reading long before 1 GiB


def test_a_timeout_after_the_whole_upload_still_looks_the_import_up(monkeypatch, capsys):
    """The deadline runs out while Canvas has the whole file but has not answered: the import
    may exist, so Canvas's list is still checked (a short grace past the deadline) and the
    import found there is reported, never lost."""
    release = threading.Event()
    created = {"id": 77, "workflow_state": "created", "created_at": "2099-01-01T00:00:00Z"}

    def never_answers(_request):
        release.wait(30)  # Canvas stores the file and says nothing until the test ends
        return Answer(200, created)

    with WireServer() as wire:
        wire.on("POST", r"/sis_imports$", never_answers)
        wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": [created]}))
        monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
        try:
            code = main(["--url", wire.url, "--account", "1", "--timeout", "1.5",
                         "import", "--no-validate", str(USERS_CSV)])
        finally:
            release.set()
        looked = [r for r in wire.requests if r.method == "GET"]
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Import 77 created" in out and "do not send the file again" in err
    assert looked, "Canvas's list was checked after the deadline"


def test_an_oversized_answer_to_the_upload_is_looked_up_not_lost(monkeypatch, capsys):
    created = {"id": 78, "workflow_state": "created", "created_at": "2099-01-01T00:00:00Z"}
    with WireServer() as wire:
        wire.on("POST", r"/sis_imports$", Answer(200, b"{" + b" " * (9 << 20) + b"}",
                                                  {"Content-Type": "application/json"}))
        wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": [created]}))
        monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
        code = main(["--url", wire.url, "--account", "1", "import", "--no-validate",
                     str(USERS_CSV)])
        assert len([r for r in wire.requests if r.method == "POST"]) == 1
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Import 78 created" in out
