"""Layout (issue 12 §6): no sideways scrolling in Options from 800×600 up, a sensible
minimum size, results counts visible at the default size."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QComboBox, QScrollArea, QTableWidget

from sis_desktop.core.canvas.models import SisImport, Term
from sis_desktop.gui.main_window import MainWindow

TERMS = [Term(id=11, name="Fall 2026", sis_term_id="F2026")]


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_minimum_size_is_800_by_600(window):
    assert (window.minimumWidth(), window.minimumHeight()) == (800, 600)
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600  # the layout can get that small


@pytest.mark.parametrize("size", [(800, 600), (1024, 700), (1280, 800)])
def test_options_never_scroll_sideways(window, qtbot, size):
    panel = window.options_panel
    panel.set_terms(TERMS)
    panel.batch_check.setChecked(True)
    panel.term_picker.select_param("sis_term_id:F2026")
    panel.override_check.setChecked(True)
    panel.set_advanced_visible(True)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    scroll = window.findChild(QScrollArea, "optionsScroll")
    viewport = scroll.viewport()
    qtbot.waitUntil(lambda: panel.width() <= viewport.width())
    assert scroll.horizontalScrollBar().maximum() == 0
    for widget in panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox):
        if not widget.isVisibleTo(panel):
            continue
        right = widget.mapTo(panel, QPoint(widget.width(), 0)).x()
        assert right <= viewport.width(), f"{widget.objectName()} is cut off at {size}"
        assert widget.width() >= widget.minimumSizeHint().width(), widget.objectName()


def test_results_counts_show_without_scrolling_at_the_default_size(window, qtbot):
    assert (window.width(), window.height()) == (1280, 800)
    counts = {"users": 1200, "logins": 1200, "accounts": 12, "terms": 3, "courses": 340,
              "sections": 410, "enrollments": 9800, "admins": 4, "error_count": 0,
              "warning_count": 0}
    sis = SisImport.from_json({"id": 5, "workflow_state": "imported", "progress": 100,
                               "data": {"counts": counts}})
    window.tabs.setCurrentWidget(window.import_page)
    window.results.show_import(sis)
    table = window.findChild(QTableWidget, "countsTable")
    qtbot.waitUntil(table.isVisible)
    assert table.rowCount() == 8
    last = table.visualItemRect(table.item(table.rowCount() - 1, 1))
    assert last.bottom() <= table.viewport().height()  # the last row is in view
    assert table.verticalScrollBar().maximum() == 0
    assert table.horizontalScrollBar().maximum() == 0
