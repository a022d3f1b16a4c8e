"""Every interactive widget of the main window has an objectName (tests and scripts find it)
and an accessibleName (screen readers say it)."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox,
                               QHeaderView, QLineEdit, QScrollBar, QTabBar, QWidget)

from sis_desktop.gui.main_window import MainWindow

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)


def qt_internal(widget: QWidget) -> bool:
    """Parts Qt builds itself: headers, tab bars, scroll bars, combo pop-up views, line
    edits inside spin boxes and editable combos, clear buttons inside line edits, table
    corner buttons and the menu bar's overflow button (Qt names them "qt_…")."""
    if isinstance(widget, (QHeaderView, QTabBar, QScrollBar)):
        return True
    if widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    near = [parent, parent.parentWidget() if parent is not None else None]
    return any(isinstance(w, (QComboBox, QLineEdit, QAbstractSpinBox, QTabBar)) for w in near if w)


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win._history_view is not None)  # pages built after showing
    yield win
    win.close()


def test_every_interactive_widget_has_object_and_accessible_names(window):
    widgets = [w for w in window.findChildren(QWidget)
               if isinstance(w, INTERACTIVE) and not qt_internal(w)]
    assert len(widgets) >= 40  # the option panel, drop zone, results, history and status check
    missing = [f"{type(w).__name__} {w.objectName() or '(no objectName)'} "
               f"in {type(w.parentWidget()).__name__}"
               for w in widgets if not (w.objectName() and w.accessibleName())]
    assert missing == [], "\n".join(missing)
