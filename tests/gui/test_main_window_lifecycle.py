"""The window's tasks: one client per task, closed; close cancels only this window's tasks;
Help → Copy diagnostics; the crash hook; keyring imported lazily."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from sis_desktop.core import logs
from sis_desktop.gui import app as app_module
from sis_desktop.gui import tasks
from sis_desktop.gui.main_window import MainWindow
from sis_desktop.gui.status_check import StatusCheckPanel

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
TOKEN = "7~CrashReportTokenNeverShown0123456789"


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.poll_options = {"intervals": (0.02,), "max_failures": 1}
    win.show()
    yield win
    win.close()


class RecordingFactory:
    """Wraps the window's connection: records each real CanvasClient it makes, the thread
    that made it, and whether it was closed."""

    def __init__(self, make):
        self.make = make
        self.made: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self):
        client = self.make()
        entry = {"client": client, "thread": threading.current_thread(), "closed": False}
        real_close = client.close

        def close():
            entry["closed"] = True
            real_close()
        client.close = close
        with self.lock:
            self.made.append(entry)
        return client


def test_each_task_makes_and_closes_its_own_client(window, qtbot, sandbox):
    with qtbot.waitSignal(window.terms_loaded, timeout=10000):
        window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
    factory = RecordingFactory(window.client_factory)
    window.client_factory = factory
    window.results.set_client_factory(factory)
    with qtbot.waitSignal(window.preflight_done, timeout=10000):
        window.load_files([str(SAMPLES / "enrollments_with_warnings.csv")])
    with qtbot.waitSignal(window.results.messages_loaded, timeout=15000):
        window.findChild(QPushButton, "uploadButton").click()
    # safety check, upload, poll and the error rows: four tasks, four clients
    qtbot.waitUntil(lambda: len(factory.made) >= 4 and all(e["closed"] for e in factory.made),
                    timeout=5000)
    assert len({id(e["client"]) for e in factory.made}) == len(factory.made)
    assert threading.main_thread() not in {e["thread"] for e in factory.made}


def test_close_cancels_only_this_windows_tasks(window, qtbot):
    release = threading.Event()
    mine = tasks.start(tasks.CallTask(release.wait, 10), window.options_panel)
    other = tasks.start(tasks.CallTask(release.wait, 10))
    try:
        window.close()
        assert mine.is_cancelled and not other.is_cancelled
    finally:
        release.set()
    qtbot.waitUntil(lambda: mine.done and other.done, timeout=5000)


def test_closed_status_panel_gets_no_late_signal(qtbot, sandbox):
    panel = StatusCheckPanel()  # not given to qtbot: this test deletes it
    panel.set_target(sandbox.target())
    sis = sandbox.client().create_import([str(SAMPLES / "users.csv")])
    sandbox.inject_fault("slow", path=rf"sis_imports/{sis.id}", delay=0.5)
    panel.set_import_id(sis.id)
    panel.check_button.click()
    [task] = panel._busy
    fetched = []
    task.finished.connect(fetched.append)
    panel.deleteLater()
    qtbot.waitUntil(lambda: task.done, timeout=10000)
    assert task.silenced and fetched == []


def test_copy_diagnostics_puts_the_summary_on_the_clipboard(window, qtbot, isolated_dirs):
    action = window.findChild(QAction, "copyDiagnosticsAction")
    assert action is not None and action in window.menuBar().actions()[-1].menu().actions()
    QApplication.clipboard().clear()
    with qtbot.waitSignal(window.diagnostics_copied, timeout=10000) as copied:
        action.trigger()
    text = copied.args[0]
    assert text.startswith("SIS Desktop ") and str(isolated_dirs["logs"]) in text
    assert QApplication.clipboard().text() == text
    assert "copied to the clipboard" in window.statusBar().currentMessage()


def test_crash_hook_saves_a_masked_report_and_says_one_sentence(window, qtbot, isolated_dirs):
    logs.register_secret(TOKEN)
    try:
        try:
            raise RuntimeError(f"request failed with Bearer {TOKEN}")
        except RuntimeError:
            box = app_module.report_crash(*sys.exc_info(), parent=window)
    finally:
        logs.forget_secret(TOKEN)
    assert isinstance(box, QMessageBox) and box.isVisible() and box.objectName() == "crashBox"
    [report] = list(isolated_dirs["logs"].glob("crash-*.txt"))
    text = box.text()
    assert str(report) in text and text.count(". ") == 0 and text.endswith(".")
    assert "Traceback" not in text and "RuntimeError" not in text and TOKEN not in text
    saved = report.read_text()
    assert "RuntimeError" in saved and TOKEN not in saved
    box.close()


def test_importing_secrets_or_the_window_does_not_import_keyring():
    code = ("import sys, sis_desktop.core.secrets, sis_desktop.gui.main_window; "
            "print('keyring' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_the_window_module_leaves_what_start_up_does_not_need_unloaded():
    """What the first paint does not need loads later: the log machinery, the Canvas
    models, the history database, the upload and results parts."""
    later = ("logging.handlers", "sis_desktop.core.logs", "sis_desktop.core.canvas.models",
             "sqlite3", "sis_desktop.gui.history_view", "sis_desktop.gui.results_view",
             "sis_desktop.gui.progress_panel", "sis_desktop.gui.about_dialog")
    code = ("import sys, sis_desktop.gui.app, sis_desktop.gui.main_window; "
            f"print([m for m in {later!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_dialogs_are_freed_once_closed(window, qtbot):
    """Manage… and About opened five times leave no dialog alive behind them."""
    from PySide6.QtWidgets import QDialog
    from sis_desktop.gui.about_dialog import AboutDialog
    from sis_desktop.gui.profile_dialog import ProfileDialog
    for open_it, kind in ((window.manage_profiles_requested, ProfileDialog),
                          (window.about_requested, AboutDialog)):
        for _ in range(5):
            open_it()
            dialog = window._dialog
            assert isinstance(dialog, kind) and dialog.isVisible()
            dialog.reject()
            qtbot.waitUntil(lambda k=kind: not [d for d in window.findChildren(QDialog)
                                                 if isinstance(d, k)], timeout=5000)
