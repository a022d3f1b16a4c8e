"""`sis-desktop` entry point: arguments, files loaded as if dropped, `--sandbox` profile."""
from __future__ import annotations

import logging
import socket
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sis_desktop.core import logs
from sis_desktop.gui import app as app_module
from sis_desktop.gui.main_window import MainWindow

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        app_module.parse_args(["--version"])
    assert exit_info.value.code == 0
    assert "sis-desktop 0." in capsys.readouterr().out
    args = app_module.parse_args(["a.csv", "b.csv", "--sandbox"])
    assert args.files == ["a.csv", "b.csv"] and args.sandbox


def test_main_with_sandbox_and_files(qapp, isolated_dirs):
    """main() starts the sandbox, selects its session profile, loads the files as if
    dropped, and stops the sandbox on exit. A timer inside the app's event loop watches the
    window and closes it once it is connected and the pre-flight report is shown."""
    seen: dict = {}
    deadline = time.monotonic() + 20

    def watch() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]  # not earlier tests' ones
        win = windows[0] if windows else None
        ready = win is not None and win.client_factory is not None and win.report is not None
        if ready or time.monotonic() > deadline:
            if win is not None:
                seen.update(hook=sys.excepthook, log_file=logs.log_file(),
                            log_level=logging.getLogger().level,
                            masked=logs.redact(f"token {sandbox_token(win)}"))
                seen.update(files=win.drop_zone.paths(), title=win.windowTitle(),
                            url=win.profile.url if win.profile else None,
                            status=win.connection_label.text())
                win.close()
            timer.stop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(watch)
    timer.start()
    previous_hook = sys.excepthook
    rc = app_module.main([str(SAMPLES / "users.csv"), "--sandbox"])
    assert rc == 0
    # while running: the crash hook, the DEBUG log file, the session token masked
    assert seen["hook"] is not previous_hook and sys.excepthook is previous_hook
    assert seen["log_file"] == isolated_dirs["logs"] / "sis-desktop.log"
    assert seen["log_level"] == logging.DEBUG
    assert "sandbox" not in seen["masked"]
    assert seen["title"] == "SIS Desktop — Sandbox"
    assert [Path(p).name for p in seen["files"]] == ["users.csv"]
    assert seen["url"].startswith("http://127.0.0.1:") and "Account 1" in seen["status"]
    log = (isolated_dirs["logs"] / "sis-desktop.log").read_text()  # the app keeps a log file
    assert "Bearer sandbox" not in log
    with socket.socket() as sock:  # the sandbox stopped with the app
        port = int(seen["url"].rsplit(":", 1)[1])
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def sandbox_token(window) -> str:
    """The session token of the window's Sandbox profile (read only to check its masking)."""
    return window.client_factory.token
