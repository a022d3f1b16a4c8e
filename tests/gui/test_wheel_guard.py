"""The mouse wheel never changes an option the pointer only passes over (issue 12 §1)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QScrollArea

from sis_desktop.core.canvas.models import Term
from sis_desktop.gui.options_panel import OptionsPanel

TERMS = [Term(id=11, name="Fall 2026", sis_term_id="F2026"),
         Term(id=12, name="Spring 2027", sis_term_id="S2027"),
         Term(id=13, name="Summer 2027", sis_term_id="U2027")]


def wheel(widget, steps: int) -> None:
    """A wheel turn over the widget's centre. (A real one reaches the deepest child first,
    e.g. a spin box's line edit, which passes it up to the widget: sent events do not
    propagate, so this one goes to the widget itself.)"""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, -120 * steps), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def value(widget):
    if isinstance(widget, QComboBox):
        return widget.currentIndex(), widget.currentText()
    return widget.text()


@pytest.fixture
def scrolled_panel(qtbot):
    panel = OptionsPanel()
    panel.set_terms(TERMS)
    panel.batch_check.setChecked(True)
    panel.term_picker.select_param("sis_term_id:F2026")
    panel.ident_edit.setText("nightly")  # enables the diffing widgets
    panel.batch_check.setChecked(False)
    panel.set_advanced_visible(True)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(panel)
    area.resize(520, 260)  # much shorter than the panel: it scrolls
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, panel


def option_widgets(panel):
    return panel.findChildren(QComboBox) + panel.findChildren(QAbstractSpinBox)


def test_every_option_widget_is_guarded(scrolled_panel):
    _, panel = scrolled_panel
    widgets = option_widgets(panel)
    names = {w.objectName() for w in widgets}
    assert {"termCombo", "thresholdSpin", "batchDropStatusCombo", "diffingDropStatusCombo",
            "userRemoveStatusCombo", "rowCountThresholdSpin", "importTypeCombo"} <= names
    for w in widgets:
        assert w.focusPolicy() == Qt.StrongFocus, w.objectName()


@pytest.mark.parametrize("batch", [True, False])
def test_wheel_over_unfocused_options_changes_nothing_and_scrolls(scrolled_panel, batch):
    area, panel = scrolled_panel
    panel.batch_check.setChecked(batch)
    panel.threshold_check.setChecked(True)
    panel.batch_check.setFocus()
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    moved = False
    for w in option_widgets(panel):
        if not w.isEnabled():
            continue
        area.ensureWidgetVisible(w)
        before, position = value(w), bar.value()
        for steps in (1, -1, -1, 1):
            wheel(w, steps)
        assert value(w) == before, f"{w.objectName()} changed on a wheel event"
        wheel(w, 1)
        moved = moved or bar.value() != position
    assert panel.options() == panel.options()  # still consistent
    assert moved, "the wheel should scroll the options instead"


def test_wheel_changes_a_focused_spin_box(scrolled_panel, qtbot):
    area, panel = scrolled_panel
    panel.threshold_check.setChecked(True)
    spin = panel.threshold_spin
    area.ensureWidgetVisible(spin)
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    before = spin.value()
    wheel(spin, 1)
    assert spin.value() != before  # the user clicked into it: the wheel is theirs
