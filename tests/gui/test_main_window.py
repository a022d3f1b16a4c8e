"""The main window end to end against the sandbox: drop → pre-flight → upload → follow → results.

Every test drives real widgets by objectName and waits on signals; the sandbox is a real
HTTP server on 127.0.0.1 (tests/conftest.py)."""
from __future__ import annotations

import warnings

import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication,
                               QCheckBox, QComboBox, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QScrollBar, QTabBar, QWidget)

import sis_desktop
from sis_desktop.core.history import History
from sis_desktop.gui.main_window import MainWindow

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
FAST_POLL = {"intervals": (0.02,), "max_failures": 1}


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.poll_options = dict(FAST_POLL)
    win.show()
    yield win
    win.close()


@pytest.fixture
def connected(window, sandbox, qtbot):
    """The window with an in-memory Sandbox profile selected and its terms loaded."""
    with qtbot.waitSignal(window.terms_loaded, timeout=10000):
        window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
    return window


def drop_files(window, paths) -> None:
    zone = window.drop_zone
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    with warnings.catch_warnings():  # PySide6 6.12 marks the only constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton,
                                Qt.NoModifier)
    QApplication.sendEvent(zone, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(zone, event)


def load(window, qtbot, paths):
    with qtbot.waitSignal(window.preflight_done, timeout=10000) as blocker:
        drop_files(window, paths)
    return blocker.args[0]


def upload_button(window) -> QPushButton:
    return window.findChild(QPushButton, "uploadButton")


def upload_and_finish(window, qtbot, timeout=15000):
    with qtbot.waitSignal(window.import_finished, timeout=timeout) as blocker:
        upload_button(window).click()
    return blocker.args[0]


def answer(window, qtbot, name: str, button) -> QMessageBox:
    qtbot.waitUntil(lambda: (box := window.findChild(QMessageBox, name)) is not None
                    and box.isVisible(), timeout=10000)
    box = window.findChild(QMessageBox, name)
    box.button(button).click()
    return box


def bad_csv(tmp_path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("foo,bar\n1,2\n")
    return path


def test_empty_window(window):
    assert window.windowTitle() == f"{sis_desktop.APP_NAME} — no profile"
    assert not upload_button(window).isEnabled()
    assert "Choose the files" in window.findChild(QLabel, "uploadHint").text()
    assert window.findChild(QComboBox, "profileSelector") is not None
    assert window.drop_zone.stack.currentWidget().objectName() == "dropEmptyState"


def qt_internal(widget) -> bool:
    """Parts Qt builds itself: headers, combo pop-ups, clear buttons inside line edits."""
    if isinstance(widget, (QHeaderView, QTabBar, QScrollBar)):
        return True
    parent = widget.parentWidget()
    near = [parent, parent.parentWidget() if parent is not None else None]
    return any(isinstance(w, (QComboBox, QLineEdit, QAbstractSpinBox)) for w in near if w)


def test_every_interactive_widget_has_an_object_name(window, qtbot):
    qtbot.waitUntil(lambda: window._history_view is not None)  # pages built after showing
    assert window.progress.objectName() and window.results.objectName()
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QAbstractSpinBox)
    unnamed = [f"{type(w).__name__} in {type(w.parentWidget()).__name__}"
               for w in window.findChildren(QWidget)
               if isinstance(w, kinds) and not w.objectName() and not qt_internal(w)]
    assert unnamed == []


def test_connecting_sets_title_and_terms(connected):
    assert connected.windowTitle() == f"{sis_desktop.APP_NAME} — Sandbox"
    assert "Account 1" in connected.findChild(QLabel, "connectionStatus").text()


def test_drop_runs_preflight_and_shows_report(connected, qtbot):
    report = load(connected, qtbot, [SAMPLES / "users.csv", SAMPLES / "courses.csv"])
    assert report.counts_by_type() == {"user": 6, "course": 3}
    view = connected.preflight
    assert connected.tabs.currentWidget() is view
    assert view.findChild(QLabel, "preflightSummary").text() == report.summary_line()
    assert "6 users" in view.findChild(QLabel, "preflightCounts").text()
    assert view.model.rowCount() == len(report.errors) + len(report.warnings)
    notices = view.findChild(QLabel, "preflightNotices")
    assert all(f.message in notices.text() for f in report.notices)
    assert upload_button(connected).isEnabled()


def test_refused_drop_is_explained(connected, qtbot, tmp_path):
    (tmp_path / "dir").mkdir()
    with qtbot.assertNotEmitted(connected.preflight_done), \
            qtbot.waitSignal(connected.drop_zone.paths_checked, timeout=5000):
        drop_files(connected, [tmp_path / "dir"])
    assert "is a folder" in connected.findChild(QLabel, "dropMessage").text()


def test_errors_block_upload_unless_upload_anyway(connected, qtbot, tmp_path, sandbox):
    report = load(connected, qtbot, [bad_csv(tmp_path)])
    assert report.errors
    button = upload_button(connected)
    anyway = connected.findChild(QCheckBox, "uploadAnywayCheck")
    assert anyway.isVisible() and not button.isEnabled()
    assert "Upload anyway" in connected.findChild(QLabel, "uploadHint").text()
    connected.upload_requested()  # Ctrl+Return path: refused while blocked
    assert list(sandbox.client().list_imports()) == []
    anyway.setChecked(True)
    assert button.isEnabled()
    done = upload_and_finish(connected, qtbot)
    assert done.workflow_state.value == "failed_with_messages"
    assert connected.results.summary.text().startswith(f"Import {done.id}: Failed with messages")


def test_upload_imported_records_history_and_notifies(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    other = QWidget()  # the user switched to another window while Canvas works
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not connected.isActiveWindow())
    with qtbot.waitSignal(connected.notified, timeout=15000) as note:
        done = upload_and_finish(connected, qtbot)
    assert done.workflow_state.value == "imported"
    assert note.args[0] == f"Import {done.id}: Imported"
    assert connected.findChild(QLineEdit, "importIdField").text() == str(done.id)
    assert connected.progress.canvas_bar.value() == 100
    entries = History().recent(limit=5)
    assert [e.import_id for e in entries] == [done.id]
    assert entries[0].workflow_state == "imported" and entries[0].profile == "Sandbox"
    assert entries[0].files[0]["name"] == "users.csv" and len(entries[0].files[0]["sha256"]) == 64


def test_upload_with_warnings_lists_every_message(connected, qtbot):
    load(connected, qtbot, [SAMPLES / "enrollments_with_warnings.csv"])
    connected.activateWindow()
    qtbot.waitUntil(connected.isActiveWindow)
    with qtbot.waitSignal(connected.results.messages_loaded, timeout=15000) as loaded, \
            qtbot.assertNotEmitted(connected.notified):
        done = upload_and_finish(connected, qtbot)
    assert done.workflow_state.value == "imported_with_messages"
    assert loaded.args == [5]
    assert "full error list" in connected.results.messages_status.text()


def test_keyboard_shortcut_uploads_and_duplicate_is_questioned(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    with qtbot.waitSignal(connected.import_finished, timeout=15000):
        connected.findChild(type(connected.upload_action), "uploadAction").trigger()
    with qtbot.waitSignal(connected.upload_ended, timeout=10000) as ended:
        upload_button(connected).click()
        box = answer(connected, qtbot, "safetyQuestion", QMessageBox.No)
    assert "These files were sent to this account just now" in box.text()
    assert ended.args == ["Nothing was sent."]
    assert len(list(sandbox.client().list_imports())) == 1


def test_abort_while_queued_ends_aborted(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.hold()
    with qtbot.waitSignal(connected.import_created, timeout=10000) as created:
        upload_button(connected).click()
    first = created.args[0]
    qtbot.waitUntil(lambda: connected.progress.abort_button.isVisible())
    with qtbot.waitSignal(connected.import_finished, timeout=15000) as finished:
        connected.progress.abort_button.click()
        answer(connected, qtbot, "abortQuestion", QMessageBox.Yes)
    assert finished.args[0].id == first.id
    assert finished.args[0].workflow_state.value == "aborted"
    sandbox.release()
    assert connected.results.summary.text().startswith(f"Import {first.id}: Aborted")


def test_send_is_questioned_while_canvas_has_a_queued_import(connected, qtbot, sandbox):
    sandbox.hold()
    queued = sandbox.client().create_import([str(SAMPLES / "courses.csv")])
    load(connected, qtbot, [SAMPLES / "users.csv"])
    with qtbot.waitSignal(connected.upload_ended, timeout=10000):
        upload_button(connected).click()
        box = answer(connected, qtbot, "safetyQuestion", QMessageBox.No)
    assert str(queued.id) in box.text() and "already working" in box.text()
    assert [si.id for si in sandbox.client().list_imports()] == [queued.id]
    sandbox.release()


def test_cancel_during_upload_sends_nothing(connected, qtbot, sandbox, tmp_path):
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zf:
        zf.write(SAMPLES / "users.csv", "users.csv")
        with zf.open("padding.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(48):
                fh.write(block)
    load(connected, qtbot, [big])
    # the server waits before reading the body, so the upload stalls mid-way
    sandbox.inject_fault("slow", method="POST", path=r"sis_imports$", delay=1.5)
    with qtbot.waitSignal(connected.upload_started, timeout=10000):
        upload_button(connected).click()
    bar = connected.progress.upload_bar
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=10000)
    with qtbot.waitSignal(connected.upload_ended, timeout=15000) as ended:
        with qtbot.assertNotEmitted(connected.import_created):
            connected.findChild(QPushButton, "cancelButton").click()
    assert ended.args == ["Upload cancelled; nothing was sent to Canvas."]
    assert connected.progress.stage.text() == ended.args[0]
    assert list(sandbox.client().list_imports()) == []
    assert upload_button(connected).isEnabled()


def test_network_failure_while_polling_then_follow_again(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.hold()
    with qtbot.waitSignal(connected.import_created, timeout=10000) as created:
        upload_button(connected).click()
    sandbox.stop()
    # A poll the stopping server had already accepted is never answered: it ends at the
    # client's read timeout (30 s, tried twice), not at once. Wait for that, as a user would.
    with qtbot.waitSignal(connected.upload_ended, timeout=70000) as ended:
        pass
    assert ended.args[0]  # the client's sentence about the unreachable server
    resume = connected.findChild(QPushButton, "resumeButton")
    assert resume.isVisible()
    assert "Lost contact" in connected.progress.canvas_detail.text()
    sandbox.start()
    sandbox.release()
    with qtbot.waitSignal(connected.import_finished, timeout=15000) as finished:
        resume.click()
    assert finished.args[0].id == created.args[0].id
    assert finished.args[0].workflow_state.value == "imported"


def test_server_errors_while_polling_are_reported(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.hold()
    sandbox.inject_fault("503", method="GET", path=r"sis_imports/\d+$", count=5)
    with qtbot.waitSignal(connected.upload_ended, timeout=15000) as ended:
        upload_button(connected).click()
    assert ended.args[0]
    assert connected.findChild(QPushButton, "resumeButton").isVisible()
    sandbox.release()


def test_failed_import(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.fail_next_import("Unexpected error in the sandbox")
    done = upload_and_finish(connected, qtbot)
    assert done.workflow_state.value == "failed"
    assert "Unexpected error in the sandbox" in [r.message for r in connected.results.rows]


def test_full_batch_needs_confirmation(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "courses.csv"])
    panel = connected.options_panel
    terms = sandbox.client().list_terms()
    panel.batch_check.setChecked(True)
    panel.term_picker.select_param(str(terms[0].id))
    qtbot.waitUntil(lambda: upload_button(connected).isEnabled(), timeout=5000)
    upload_button(connected).click()
    from sis_desktop.gui.full_batch_dialog import FullBatchConfirmDialog
    qtbot.waitUntil(lambda: (d := connected.findChild(FullBatchConfirmDialog)) is not None
                    and d.isVisible(), timeout=5000)
    connected.findChild(FullBatchConfirmDialog).reject()
    assert "nothing was sent" in connected.statusBar().currentMessage()
    assert list(sandbox.client().list_imports()) == []


def test_a_new_upload_attempt_clears_the_last_outcome(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "courses.csv"])
    panel = connected.options_panel
    panel.batch_check.setChecked(True)
    panel.term_picker.select_param(str(sandbox.client().list_terms()[0].id))
    qtbot.waitUntil(lambda: upload_button(connected).isEnabled(), timeout=5000)
    upload_button(connected).click()
    connected._dialog.reject()
    assert "nothing was sent" in connected.statusBar().currentMessage()
    upload_button(connected).click()  # the dialog again: the old sentence is gone
    assert connected.statusBar().currentMessage() == ""
    connected._dialog.reject()


def test_closing_manage_keeps_the_chosen_profile_and_option_edits(connected, qtbot, sandbox):
    with qtbot.waitSignal(connected.terms_loaded, timeout=10000):
        connected.add_session_profile("Second", sandbox.url, sandbox.account_id, sandbox.token)
    assert connected.profile_combo.currentText() == "Second (this session only)"
    connected.options_panel.skip_deletes_check.setChecked(True)
    with qtbot.waitSignal(connected.connected, timeout=10000):  # reconnected: token may be new
        with qtbot.waitSignal(connected.profiles_loaded, timeout=10000):
            connected.manage_button.click()
            connected.profile_bar._dialog.reject()
    assert connected.profile_combo.currentText() == "Second (this session only)"
    assert connected.profile.name == "Second"
    assert connected.options_panel.options().skip_deletes


def test_about_box_shows_version_description_and_licence(window, qtbot):
    from sis_desktop.gui.about_dialog import AboutDialog
    window.about_action.trigger()
    box = window.findChild(AboutDialog, "aboutBox")
    qtbot.waitUntil(box.isVisible)
    assert sis_desktop.__version__ in box.title.text()
    assert "Canvas" in box.description.text() and "MIT" in box.licence.text()
    assert box.width() >= 480  # not the narrow default message box
    assert box.description.height() < 2 * box.description.fontMetrics().height()  # one line
    box.close()


def test_stop_following_leaves_the_import_to_canvas(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.hold()
    with qtbot.waitSignal(connected.import_created, timeout=10000) as created:
        upload_button(connected).click()
    stop = connected.findChild(QPushButton, "stopFollowingButton")
    qtbot.waitUntil(stop.isVisible)
    assert not connected.open_action.isEnabled()  # the files stay as sent while it runs
    with qtbot.waitSignal(connected.upload_ended, timeout=10000) as ended:
        stop.click()
    assert f"Stopped following import {created.args[0].id}" in ended.args[0]
    assert upload_button(connected).isEnabled()
    sandbox.release()
    assert History().unfinished()[0].import_id == created.args[0].id


def test_lost_answer_after_upload_follows_the_import_canvas_made(connected, qtbot, sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.inject_fault("drop_after_body", method="POST", path=r"sis_imports$")
    done = upload_and_finish(connected, qtbot)
    assert done.workflow_state.value == "imported"
    assert [si.id for si in sandbox.client().list_imports()] == [done.id]


def test_escape_cancels_and_manage_opens_profiles(connected, qtbot):
    from sis_desktop.gui.profile_dialog import ProfileDialog
    with qtbot.waitSignal(connected.profiles_loaded, timeout=10000):
        connected.findChild(QPushButton, "manageProfilesButton").click()
        dialog = connected.findChild(ProfileDialog, "profileDialog")
        assert dialog is not None and dialog.isVisible()
        dialog.reject()
    assert connected.profile_combo.currentText() == "Sandbox (this session only)"
    assert connected.progress.cancel_button.shortcut().toString() == "Esc"


def test_upload_shows_the_import_tab_at_start_but_its_end_leaves_the_tab(connected, qtbot,
                                                                          sandbox):
    load(connected, qtbot, [SAMPLES / "users.csv"])
    sandbox.hold()
    with qtbot.waitSignal(connected.import_created, timeout=10000) as created:
        upload_button(connected).click()
    assert connected.tabs.currentWidget() is connected.import_page  # the user asked for it
    connected.tabs.setCurrentWidget(connected.history_page)  # then looked elsewhere
    with qtbot.waitSignal(connected.import_finished, timeout=15000):
        sandbox.release()
    assert connected.tabs.currentWidget() is connected.history_page
    assert connected.statusBar().currentMessage().startswith(
        f"Import {created.args[0].id}: Imported — 0 errors, 0 warnings.")


def focus_cycle(window, key=Qt.Key_Tab, limit=80) -> list[str]:
    """Press `key` from the profile selector until focus comes back to it; the names of the
    widgets focused on the way (fails if focus never comes back: stuck somewhere)."""
    start = window.profile_combo
    start.setFocus(Qt.TabFocusReason)
    names = []
    for _ in range(limit):
        widget = QApplication.focusWidget()
        names.append(widget.objectName() or type(widget).__name__)
        QTest.keyClick(widget, key)
        if QApplication.focusWidget() is start:
            return names
    raise AssertionError(f"Tab never came back to the profile selector: {names}")


def in_order(names: list[str], *expected: str) -> bool:
    return all(n in names for n in expected) and \
        [names.index(n) for n in expected] == sorted(names.index(n) for n in expected)


def test_tab_key_walks_the_window_in_reading_order(connected, qtbot):
    load(connected, qtbot, [SAMPLES / "enrollments_with_warnings.csv"])  # table rows to walk
    upload_and_finish(connected, qtbot)  # the results view has its fields
    qtbot.waitUntil(lambda: upload_button(connected).isEnabled())
    connected.activateWindow()
    qtbot.waitUntil(connected.isActiveWindow)
    head = ("profileSelector", "manageProfilesButton", "chooseFilesButton", "batchModeCheck",
            "qt_tabwidget_tabbar")
    for page, inside in ((connected.preflight, ("findingsSeverityFilter", "findingsTable")),
                         (connected.import_page, ("importIdField", "countsTable")),
                         (connected.history_page, ("historyList", "statusImportIdEdit"))):
        connected.tabs.setCurrentWidget(page)
        names = focus_cycle(connected)
        assert in_order(names, *head, *inside, "uploadButton"), "\n".join(names)
        assert names[-1] == "uploadButton", names  # then round to the profile again
        back = focus_cycle(connected, Qt.Key_Backtab)
        assert back == names[:1] + names[:0:-1]  # Shift+Tab walks the same ring backwards


def test_a_window_that_never_paints_still_loads_its_profiles(qtbot):
    """Started minimised, a window may get no paint event: the warm-up must come anyway."""

    class NeverPainted(MainWindow):
        def paintEvent(self, event):  # noqa: N802 - Qt name
            event.accept()  # never reaches MainWindow.paintEvent

    unpainted = NeverPainted()
    qtbot.addWidget(unpainted)
    with qtbot.waitSignal(unpainted.profiles_loaded, timeout=10000):
        unpainted.show()
