"""TermPicker: search by name and SIS id, the batch_mode_term_id it gives, empty/loading states."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from sis_desktop.core.canvas.models import Term
from sis_desktop.gui.term_picker import LOADING_TEXT, NO_TERMS_TEXT, TermPicker, term_label

FALL = Term(id=11, name="Fall 2026", sis_term_id="F2026", workflow_state="active")
SPRING = Term(id=12, name="Spring 2027", sis_term_id="S2027", workflow_state="active")
DEFAULT = Term(id=1, name="Default Term", sis_term_id=None, workflow_state="active")
GONE = Term(id=9, name="Old 2019", sis_term_id="O2019", workflow_state="deleted")


@pytest.fixture
def picker(qtbot):
    widget = TermPicker()
    qtbot.addWidget(widget)
    widget.set_terms([FALL, SPRING, DEFAULT, GONE])
    return widget


def completions(picker: TermPicker, text: str) -> list[str]:
    completer = picker.combo.completer()
    completer.setCompletionPrefix(text)
    model = completer.completionModel()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_labels_show_name_and_sis_id_and_leave_out_deleted_terms(picker):
    items = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert items == ["Fall 2026 (F2026)", "Spring 2027 (S2027)", "Default Term (id 1)"]
    assert term_label(FALL) == "Fall 2026 (F2026)"


def test_search_by_name_is_contains_and_case_insensitive(picker):
    assert completions(picker, "2026") == ["Fall 2026 (F2026)"]
    assert completions(picker, "spring") == ["Spring 2027 (S2027)"]


def test_search_by_sis_id(picker):
    assert completions(picker, "s2027") == ["Spring 2027 (S2027)"]


def test_typing_a_sis_id_selects_the_term_and_emits(qtbot, picker):
    with qtbot.waitSignal(picker.termChanged, check_params_cb=lambda t: t == SPRING):
        qtbot.keyClicks(picker.combo.lineEdit(), "s2027")
    assert picker.selected_term() == SPRING


def test_typing_a_name_selects_the_term(qtbot, picker):
    qtbot.keyClicks(picker.combo.lineEdit(), "fall 2026")
    assert picker.selected_term() == FALL


def test_ambiguous_or_unknown_text_selects_nothing(qtbot, picker):
    qtbot.keyClicks(picker.combo.lineEdit(), "20")
    assert picker.selected_term() is None
    assert picker.term_id_param() == ""


def test_choosing_from_the_list(qtbot, picker):
    with qtbot.waitSignal(picker.termChanged):
        picker.combo.setCurrentIndex(1)
    assert picker.selected_term() == SPRING


def test_term_id_param_prefers_sis_id(picker):
    picker.combo.setCurrentIndex(0)
    assert picker.term_id_param() == "sis_term_id:F2026"


def test_term_id_param_falls_back_to_numeric_id(picker):
    picker.combo.setCurrentIndex(2)
    assert picker.selected_term() == DEFAULT
    assert picker.term_id_param() == "1"


def test_select_param_by_sis_or_numeric_id(picker):
    assert picker.select_param("sis_term_id:S2027")
    assert picker.selected_term() == SPRING
    assert picker.select_param("11")
    assert picker.selected_term() == FALL
    assert not picker.select_param("sis_term_id:NOPE")


def test_selection_saved_before_terms_load_is_applied_when_they_arrive(qtbot):
    picker = TermPicker()
    qtbot.addWidget(picker)
    picker.select_param("sis_term_id:S2027")
    assert picker.selected_term() is None
    assert picker.term_id_param() == "sis_term_id:S2027"
    with qtbot.waitSignal(picker.termChanged, check_params_cb=lambda t: t == SPRING):
        picker.set_terms([FALL, SPRING])
    assert picker.term_id_param() == "sis_term_id:S2027"


def test_reloading_terms_keeps_the_selection(picker):
    picker.combo.setCurrentIndex(1)
    picker.set_terms([SPRING, FALL])
    assert picker.selected_term() == SPRING
    assert picker.combo.currentText() == "Spring 2027 (S2027)"


def test_saved_term_missing_after_load_is_said(qtbot):
    picker = TermPicker()
    qtbot.addWidget(picker)
    picker.select_param("sis_term_id:X1")
    picker.set_terms([FALL])
    assert picker.selected_term() is None
    assert "not among this account's terms" in picker.findChild(QLabel, "termStatus").text()


def test_empty_list_says_so_and_disables(qtbot):
    picker = TermPicker()
    qtbot.addWidget(picker)
    picker.set_terms([])
    status = picker.findChild(QLabel, "termStatus")
    assert status.text() == NO_TERMS_TEXT
    assert not status.isHidden()
    assert not picker.combo.isEnabled()
    assert picker.selected_term() is None


def test_loading_state(picker):
    picker.combo.setCurrentIndex(0)
    picker.set_loading(True)
    status = picker.findChild(QLabel, "termStatus")
    assert status.text() == LOADING_TEXT
    assert not picker.combo.isEnabled()
    picker.set_terms([FALL, SPRING])
    assert picker.combo.isEnabled()
    assert status.isHidden()
    assert picker.selected_term() == FALL


def test_editing_finished_shows_the_full_label(qtbot, picker):
    picker.show()
    qtbot.keyClicks(picker.combo.lineEdit(), "F2026")
    qtbot.keyClick(picker.combo.lineEdit(), Qt.Key.Key_Escape)  # close any completion popup
    picker.combo.lineEdit().editingFinished.emit()
    assert picker.combo.currentText() == "Fall 2026 (F2026)"
    assert picker.selected_term() == FALL
