"""Work the first frame need not wait for (the log file) runs once, right after it."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal

from sis_desktop.gui.app import after_first_frame


class FakeWindow(QObject):
    first_painted = Signal()


def test_runs_once_when_the_first_frame_is_painted(qtbot):
    window = FakeWindow()
    calls: list[str] = []
    after_first_frame(window, lambda: calls.append("ran"), fallback_ms=60_000)
    assert calls == []  # nothing before the frame
    window.first_painted.emit()
    assert calls == []  # nor inside the paint event: a turn of the loop later
    window.first_painted.emit()
    qtbot.waitUntil(lambda: calls == ["ran"], timeout=5000)
    QCoreApplication.processEvents()  # the second emission's turn: it does not run again
    assert calls == ["ran"]


def test_runs_anyway_when_the_window_never_paints(qtbot):
    window = FakeWindow()
    calls: list[str] = []
    after_first_frame(window, lambda: calls.append("ran"), fallback_ms=10)
    qtbot.waitUntil(lambda: calls == ["ran"], timeout=5000)
    window.first_painted.emit()
    assert calls == ["ran"]
