"""Bad files dropped on the main window (offscreen, real sandbox, no sleeps): the pre-flight
check blocks the upload with a sentence, a file that vanishes after the check stops the
upload with one sentence and nothing sent, and a revoked token mid-poll can be resumed."""
from __future__ import annotations

import shutil
import warnings

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from sis_desktop.core.history import History

from .helpers import BAD, USERS_CSV, load_corpus, one_sentence

NON_ASCII = "name with spaces \u00e9l\u00e8ves \u5b66\u751f.csv"


@pytest.fixture
def window(sandbox_window):
    return sandbox_window


def drop(window, qtbot, paths):
    """A faked drag-and-drop of local files; returns the pre-flight report (None if it failed)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    with warnings.catch_warnings():  # PySide6 6.12 marks the only constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window.drop_zone, enter)
    with qtbot.waitSignal(window.preflight_done, timeout=10000) as blocker:
        QApplication.sendEvent(window.drop_zone, QDropEvent(
            QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    return blocker.args[0]


def upload_button(window) -> QPushButton:
    return window.findChild(QPushButton, "uploadButton")


@pytest.mark.parametrize("name", ["utf16.csv", "latin1.csv", "binary.csv", "open_quote.csv",
                                  "not_a_zip.zip", "zip_bomb"])
def test_rejected_files_block_the_upload(window, qtbot, sandbox, tmp_path, name):
    path = load_corpus().make_zip_bomb(tmp_path / "bomb.zip") if name == "zip_bomb" \
        else BAD / name
    report = drop(window, qtbot, [path])
    assert report is not None and report.errors
    assert not upload_button(window).isEnabled()
    assert "pre-flight check found" in window.upload_hint.text()
    upload_button(window).click()  # a disabled button does nothing
    assert sandbox.imports == {}


def test_file_vanishing_after_the_check_stops_the_upload_in_one_sentence(
        window, qtbot, sandbox, tmp_path):
    chosen = tmp_path / "users.csv"
    shutil.copy(USERS_CSV, chosen)
    report = drop(window, qtbot, [chosen])
    assert report is not None and not report.errors
    assert upload_button(window).isEnabled()
    chosen.unlink()
    with qtbot.waitSignal(window.upload_ended, timeout=10000) as blocker:
        upload_button(window).click()
    one_sentence(blocker.args[0], secret=sandbox.token)
    assert "users.csv" in blocker.args[0]
    assert sandbox.imports == {} and History().recent() == []


def test_non_ascii_name_is_uploaded_and_recorded(window, qtbot, sandbox):
    report = drop(window, qtbot, [BAD / NON_ASCII])
    assert report is not None and not report.errors
    with qtbot.waitSignal(window.import_finished, timeout=15000) as blocker:
        upload_button(window).click()
    assert blocker.args[0].workflow_state.is_success
    qtbot.waitUntil(lambda: History().recent() != [], timeout=5000)  # written on a worker
    (entry,) = History().recent()
    assert entry.file_names == [NON_ASCII]


def test_401_mid_poll_is_one_sentence_keeps_history_and_resumes(window, qtbot, sandbox):
    report = drop(window, qtbot, [USERS_CSV])
    assert report is not None
    sandbox.hold()
    sandbox.inject_fault("401", method="GET", path=r"/sis_imports/\d+$")
    with qtbot.waitSignal(window.import_created, timeout=10000) as created:
        upload_button(window).click()
    import_id = created.args[0].id
    detail = window.findChild(QLabel, "canvasDetail")
    resume = window.findChild(QPushButton, "resumeButton")
    qtbot.waitUntil(lambda: "Lost contact" in detail.text() and resume.isVisible(), timeout=10000)
    assert "revoked" in detail.text() and "Traceback" not in detail.text()
    assert sandbox.token not in detail.text()
    qtbot.waitUntil(lambda: [e.import_id for e in History().recent()] == [import_id],
                    timeout=10000)
    sandbox.release()
    with qtbot.waitSignal(window.import_finished, timeout=10000) as finished:
        resume.click()
    assert finished.args[0].id == import_id and finished.args[0].workflow_state.is_success
    qtbot.waitUntil(lambda: History().recent()[0].workflow_state.is_success, timeout=10000)
    assert list(sandbox.imports) == [import_id]
