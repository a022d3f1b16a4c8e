"""Keep the mouse wheel from changing a value the user only scrolled past.

A combo box or spin box changes its value on a wheel event even without focus, so scrolling
a form can silently pick another term or threshold. `guard_wheel` gives such widgets
`Qt.StrongFocus` (a click or Tab focuses them, the wheel does not) and an event filter:
without keyboard focus the wheel event goes to the scroll area around the form (which
scrolls instead), or is left for the parent when there is none.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget


class WheelGuard(QObject):
    """Event filter: a wheel event on a widget without focus scrolls the enclosing scroll
    area instead; the widget never sees it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) \
                or watched.hasFocus():
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)  # the viewport scrolls the area
        else:
            event.ignore()  # not accepted: Qt offers it to the parent
        return True


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard every combo box and spin box under `root` (and `root` itself if it is one)."""
    guard = WheelGuard(root)
    widgets = root.findChildren(QComboBox) + root.findChildren(QAbstractSpinBox)
    if isinstance(root, (QComboBox, QAbstractSpinBox)):
        widgets.append(root)
    for widget in widgets:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(guard)
    return guard
