"""Small things that read as carelessness (issue 12 §10)."""
from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton

from sis_desktop.core.canvas.models import SisImport
from sis_desktop.gui.app import start_sandbox
from sis_desktop.gui.main_window import MainWindow
from sis_desktop.gui.progress_panel import ProgressPanel
from sis_desktop.gui.term_picker import NO_PROFILE_TEXT, NO_TERMS_TEXT

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sandbox_port_is_stable_and_a_busy_one_is_named(tmp_path):
    port = free_port()
    first = start_sandbox(str(tmp_path / "a"), port=port)
    try:
        assert first.port == port and first.port_note == f"Sandbox running at {first.url}."
        second = start_sandbox(str(tmp_path / "b"), port=port)  # the port is taken now
        try:
            assert second.port != port
            assert second.port_note.startswith(f"Sandbox running at {second.url}: its usual "
                                               f"port {port} is busy")
        finally:
            second.close()
    finally:
        first.close()


def test_sent_line_has_no_stray_separator(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.start_upload(113_700_000, ["big.zip"])
    panel.set_upload(113_700_000, 113_700_000)
    assert panel.upload_detail.text() == "113.7 MB of 113.7 MB · waiting for Canvas to answer…"
    panel.start_polling(SisImport.from_json({"id": 1, "workflow_state": "created",
                                             "progress": 0}))
    assert panel.upload_detail.text() == "113.7 MB of 113.7 MB sent."


def test_no_profile_term_box_says_add_a_profile(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.profiles_loaded, timeout=10000):
        win.show()
    status = win.options_panel.term_picker.findChild(QLabel, "termStatus")
    assert status.text() == NO_PROFILE_TEXT
    assert "Manage" in NO_PROFILE_TEXT and "check the connection" not in NO_PROFILE_TEXT
    win.options_panel.term_picker.set_has_profile(True)
    assert status.text() == NO_TERMS_TEXT
    win.close()


def test_one_line_tells_why_nothing_was_sent(qtbot, sandbox):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.terms_loaded, timeout=10000):
        win.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
    with qtbot.waitSignal(win.preflight_done, timeout=10000):
        win.load_files([str(SAMPLES / "users.csv")])
    assert win.upload_hint.text() == "Ready to send to Sandbox."
    sandbox.stop()  # Canvas is unreachable now
    try:
        with qtbot.waitSignal(win.upload_ended, timeout=30000):
            win.findChild(QPushButton, "uploadButton").click()
        hint = win.upload_hint.text()
        assert hint.startswith("Nothing was sent:") and "Ready to send" not in hint
        assert not win.statusBar().currentMessage().startswith("Nothing was sent")  # said once
        with qtbot.waitSignal(win.preflight_done, timeout=10000):
            win.load_files([str(SAMPLES / "courses.csv")])  # a new start: the old story goes
        assert win.upload_hint.text() == "Ready to send to Sandbox."
    finally:
        sandbox.start()
        win.close()
