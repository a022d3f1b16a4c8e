"""`sis-desktop-cli sandbox`: foreground server, prints how to reach it, Ctrl+C stops it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
import requests

from sis_desktop.cli.main import build_parser, main


def test_handler_serves_until_stopped(capsys, isolated_dirs):
    from sis_desktop.cli import sandbox as command

    args = build_parser().parse_args(["sandbox", "--token", "t0k", "--speed", "100"])
    ready, stop = threading.Event(), threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "code", command.handle(args, ready=ready, stop=stop)))
    thread.start()
    assert ready.wait(10)
    out = capsys.readouterr().out
    url = out.split("running at ")[1].split()[0]
    assert "account id: 1" in out and "token:      the one given with --token" in out
    assert "t0k" not in out  # a token the user chose is never printed
    r = requests.get(f"{url}/api/v1/accounts/1/sis_imports", headers={"Authorization": "Bearer t0k"})
    assert r.status_code == 200
    stop.set()
    thread.join(10)
    assert result["code"] == 0
    assert (isolated_dirs["data"] / "sandbox").is_dir()


@pytest.mark.parametrize("argv, sentence", [
    (["sandbox", "--speed", "0"], "--speed must be greater than 0."),
    (["sandbox", "--port", "70000"], "--port must be between 0 and 65535."),
    (["sandbox", "--token", "a b"], "--token must be a non-empty word without spaces."),
])
def test_bad_arguments_are_one_sentence(capsys, argv, sentence):
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == f"sis-desktop-cli: {sentence}"


def test_port_in_use_is_one_sentence(capsys, sandbox):
    assert main(["sandbox", "--port", str(sandbox.port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{sandbox.port}" in err and "Traceback" not in err


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot send Ctrl+C to one child process")
def test_ctrl_c_stops_cleanly():
    proc = subprocess.Popen([sys.executable, "-m", "sis_desktop.cli.main", "sandbox", "--speed", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Canvas sandbox running at http://127.0.0.1:")
        url = first.split("running at ")[1].strip()
        for _ in range(3):
            proc.stdout.readline()
        r = requests.get(f"{url}/api/v1/accounts/self", headers={"Authorization": "Bearer sandbox"})
        assert r.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Sandbox stopped." in out and "Traceback" not in err
