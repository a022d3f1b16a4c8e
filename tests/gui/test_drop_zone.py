"""DropZone: faked drag-and-drop events with real files, folders and wrong types."""
from __future__ import annotations

import warnings

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QListWidget

from sis_desktop.gui.drop_zone import DropZone, human_size


def drop(widget, paths: list, *, urls: list[QUrl] | None = None) -> QDropEvent:
    """Send a real QDragEnterEvent and QDropEvent carrying file URLs to `widget`."""
    mime = QMimeData()
    mime.setUrls(urls if urls is not None else [QUrl.fromLocalFile(str(p)) for p in paths])
    with warnings.catch_warnings():  # PySide6 6.12 marks the only constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(5, 5), Qt.CopyAction, mime, Qt.LeftButton,
                                Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


@pytest.fixture
def zone(qtbot):
    widget = DropZone()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    out = {}
    for name, text in (("users.csv", "user_id,login_id,status\nu1,a,active\n"),
                       ("courses.csv", "course_id,short_name,long_name,status\nc1,C,Course,active\n")):
        out[name] = tmp_path / name
        out[name].write_text(text)
    out["bundle.zip"] = tmp_path / "bundle.zip"
    out["bundle.zip"].write_bytes(b"PK\x05\x06" + b"\0" * 18)
    out["notes.txt"] = tmp_path / "notes.txt"
    out["notes.txt"].write_text("hello")
    out["folder"] = tmp_path / "folder"
    out["folder"].mkdir()
    return out


def message(zone) -> str:
    return zone.findChild(QLabel, "dropMessage").text()


def test_empty_state_then_list(zone, files, qtbot):
    stack = zone.stack
    assert stack.currentWidget().objectName() == "dropEmptyState"
    with qtbot.waitSignal(zone.files_changed) as blocker:
        event = drop(zone, [files["users.csv"], files["courses.csv"]])
    assert event.isAccepted()
    assert [Path(p).name for p in blocker.args[0]] == ["users.csv", "courses.csv"]
    listed = zone.findChild(QListWidget, "fileList")
    assert stack.currentWidget() is listed
    assert listed.count() == 2 and "users.csv" in listed.item(0).text()
    assert human_size(files["users.csv"].stat().st_size) in listed.item(0).text()
    note = zone.findChild(QLabel, "bundleNote").text()
    assert "bundled into one zip" in note
    assert not zone.findChild(QLabel, "dropMessage").isVisible()


def add(zone, qtbot, paths) -> list[str]:
    """add_paths, waiting for its check on the worker; returns the refusals."""
    with qtbot.waitSignal(zone.paths_checked, timeout=5000) as checked:
        zone.add_paths([str(p) for p in paths])
    return checked.args[0]


def test_folder_wrong_type_and_missing_are_refused(zone, files, qtbot):
    with qtbot.assertNotEmitted(zone.files_changed), \
            qtbot.waitSignal(zone.paths_checked, timeout=5000):
        drop(zone, [files["folder"], files["notes.txt"], files["folder"] / "gone.csv"])
    text = message(zone)
    assert "folder is a folder" in text
    assert "notes.txt is not a .csv or .zip file" in text
    assert "gone.csv does not exist" in text
    assert zone.paths() == []
    assert zone.stack.currentWidget().objectName() == "dropEmptyState"


def test_mixed_drop_keeps_the_good_files(zone, files, qtbot):
    with qtbot.waitSignal(zone.files_changed):
        drop(zone, [files["users.csv"], files["notes.txt"]])
    assert [Path(p).name for p in zone.paths()] == ["users.csv"]
    assert "notes.txt" in message(zone) and zone.findChild(QLabel, "dropMessage").isVisible()


def test_zip_goes_alone(zone, files, qtbot):
    with qtbot.waitSignal(zone.files_changed):
        drop(zone, [files["bundle.zip"]])
    with qtbot.waitSignal(zone.paths_checked, timeout=5000):
        drop(zone, [files["users.csv"]])
    assert "sent on its own" in message(zone)
    assert [Path(p).name for p in zone.paths()] == ["bundle.zip"]
    assert "bundled" not in zone.findChild(QLabel, "bundleNote").text()


def test_zip_refused_after_csvs_and_duplicates(zone, files, qtbot):
    add(zone, qtbot, [files["users.csv"]])
    assert add(zone, qtbot, [files["users.csv"]]) == ["users.csv is already in the list."]
    other = files["folder"] / "users.csv"
    other.write_text("user_id\n")
    assert "Another file called users.csv" in add(zone, qtbot, [other])[0]
    assert "clear the list first" in add(zone, qtbot, [files["bundle.zip"]])[0]


def test_dropped_files_are_checked_off_the_gui_thread(zone, files, qtbot, monkeypatch):
    """A slow disk (a network share) must not freeze the window: stat runs on a worker."""
    import threading
    from sis_desktop.gui import drop_zone
    seen = []
    real = drop_zone.disk_refusal
    monkeypatch.setattr(drop_zone, "disk_refusal",
                        lambda path: seen.append(threading.current_thread()) or real(path))
    add(zone, qtbot, [files["users.csv"]])
    assert seen and threading.main_thread() not in seen


def test_non_local_urls_are_refused(zone, qtbot):
    with qtbot.assertNotEmitted(zone.files_changed):
        event = drop(zone, [], urls=[QUrl("https://example.invalid/users.csv")])
    assert not event.isAccepted()
    assert "Only files on this computer" in message(zone)


def test_remove_and_clear(zone, files, qtbot):
    add(zone, qtbot, [files["users.csv"], files["courses.csv"]])
    zone.list.item(0).setSelected(True)
    with qtbot.waitSignal(zone.files_changed) as blocker:
        zone.remove_button.click()
    assert [Path(p).name for p in blocker.args[0]] == ["courses.csv"]
    with qtbot.waitSignal(zone.files_changed) as blocker:
        zone.clear_button.click()
    assert blocker.args == [[]]
    assert not zone.clear_button.isEnabled()


def test_interactive_widgets_have_names(zone):
    for widget in (zone.choose_button, zone.remove_button, zone.clear_button, zone.list):
        assert widget.objectName()
