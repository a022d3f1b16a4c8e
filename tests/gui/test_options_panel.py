"""OptionsPanel: Canvas's option rules are kept by the widgets, and options() round-trips."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QLineEdit, QSpinBox, QWidget

from sis_desktop.core.canvas.models import Term
from sis_desktop.core.canvas.options import RECOMMENDED_CHANGE_THRESHOLD, ImportOptions
from sis_desktop.gui.options_panel import TERM_MISSING, OptionsPanel

FALL = Term(id=11, name="Fall 2026", sis_term_id="F2026")
NO_SIS = Term(id=5, name="Default Term")


@pytest.fixture
def panel(qtbot):
    widget = OptionsPanel()
    qtbot.addWidget(widget)
    widget.set_terms([FALL, NO_SIS])
    return widget


def check(panel: OptionsPanel, name: str) -> QCheckBox:
    return panel.findChild(QCheckBox, name)


def test_defaults_are_valid_and_send_only_the_import_type(panel):
    assert panel.problems() == []
    assert panel.options() == ImportOptions()
    assert panel.options().to_params() == [("import_type", "instructure_csv")]
    assert panel.problems_label.isHidden()


def test_term_picker_enabled_only_in_batch_mode(panel):
    batch = check(panel, "batchModeCheck")
    assert not panel.term_picker.isEnabled()
    assert not check(panel, "multiTermCheck").isEnabled()
    assert not panel.batch_drop_combo.isEnabled()
    batch.setChecked(True)
    assert panel.term_picker.isEnabled()
    assert check(panel, "multiTermCheck").isEnabled()
    assert panel.batch_drop_combo.isEnabled()


def test_batch_mode_needs_a_term(qtbot, panel):
    check(panel, "batchModeCheck").setChecked(True)
    assert panel.problems() == [TERM_MISSING]
    assert panel.problems_label.text() == TERM_MISSING
    assert not panel.problems_label.isHidden()
    assert panel.selected_term() is None
    with qtbot.waitSignal(panel.changed):
        panel.term_picker.combo.setCurrentIndex(0)
    assert panel.problems() == []
    assert panel.problems_label.isHidden()
    assert panel.selected_term() == FALL
    assert ("batch_mode_term_id", "sis_term_id:F2026") in panel.options().check().to_params()


def test_typed_text_matching_no_term_is_named(qtbot, panel):
    check(panel, "batchModeCheck").setChecked(True)
    qtbot.keyClicks(panel.term_picker.combo.lineEdit(), "Winter")
    assert panel.problems() == ["No term matches “Winter”; choose one from the list."]


def test_term_without_sis_id_is_sent_by_numeric_id(panel):
    check(panel, "batchModeCheck").setChecked(True)
    panel.term_picker.combo.setCurrentIndex(1)
    assert panel.options().batch_mode_term_id == "5"


def test_switching_batch_on_prefills_recommended_threshold(panel):
    check(panel, "batchModeCheck").setChecked(True)
    opts = panel.options()
    assert opts.change_threshold == RECOMMENDED_CHANGE_THRESHOLD
    assert "recommended" in panel.threshold_note.text()
    assert not panel.threshold_note.isHidden()


def test_switching_batch_off_drops_the_threshold_it_prefilled(panel):
    check(panel, "batchModeCheck").setChecked(True)
    check(panel, "batchModeCheck").setChecked(False)
    assert not check(panel, "thresholdCheck").isChecked()
    assert panel.options() == ImportOptions()  # nothing the user did not choose is sent
    assert panel.threshold_note.isHidden()


def test_switching_batch_off_keeps_a_threshold_the_user_chose(panel):
    check(panel, "batchModeCheck").setChecked(True)
    panel.threshold_spin.setValue(25)
    check(panel, "batchModeCheck").setChecked(False)
    assert panel.options().change_threshold == 25


def test_batch_on_keeps_a_threshold_the_user_set(panel):
    check(panel, "thresholdCheck").setChecked(True)
    panel.threshold_spin.setValue(35)
    check(panel, "batchModeCheck").setChecked(True)
    assert panel.options().change_threshold == 35
    assert "recommended" not in panel.threshold_note.text()


def test_no_threshold_in_batch_mode_is_warned(panel):
    check(panel, "batchModeCheck").setChecked(True)
    check(panel, "thresholdCheck").setChecked(False)
    assert panel.options().change_threshold is None
    assert not panel.threshold_spin.isEnabled()
    assert panel.threshold_note.text().startswith("No threshold")


def test_editing_the_prefilled_value_drops_the_recommended_note(panel):
    check(panel, "batchModeCheck").setChecked(True)
    panel.threshold_spin.setValue(20)
    assert panel.options().change_threshold == 20
    assert "recommended" not in panel.threshold_note.text()


def test_multi_term_needs_a_threshold_and_no_term(panel):
    check(panel, "batchModeCheck").setChecked(True)
    check(panel, "thresholdCheck").setChecked(False)
    check(panel, "multiTermCheck").setChecked(True)
    threshold = check(panel, "thresholdCheck")
    assert threshold.isChecked() and not threshold.isEnabled()
    assert not panel.term_picker.isEnabled()
    opts = panel.options()
    assert (opts.multi_term_batch_mode, opts.batch_mode, opts.batch_mode_term_id) == (True, True, None)
    assert opts.change_threshold == RECOMMENDED_CHANGE_THRESHOLD
    assert panel.problems() == []
    assert panel.selected_term() is None
    assert ("multi_term_batch_mode", "true") in opts.to_params()


def test_multi_term_profile_without_threshold_gets_one(panel):
    panel.set_options(ImportOptions(batch_mode=True, multi_term_batch_mode=True))
    assert panel.options().change_threshold == RECOMMENDED_CHANGE_THRESHOLD
    assert panel.problems() == []


def test_add_and_clear_only_with_override(panel):
    add, clear = check(panel, "addStickinessCheck"), check(panel, "clearStickinessCheck")
    assert not add.isEnabled() and not clear.isEnabled()
    check(panel, "overrideStickinessCheck").setChecked(True)
    assert add.isEnabled() and clear.isEnabled()
    add.setChecked(True)
    check(panel, "overrideStickinessCheck").setChecked(False)
    assert not add.isChecked() and not add.isEnabled()
    assert panel.options().add_sis_stickiness is False
    assert panel.problems() == []


def test_add_and_clear_are_never_both_on(panel):
    check(panel, "overrideStickinessCheck").setChecked(True)
    add, clear = check(panel, "addStickinessCheck"), check(panel, "clearStickinessCheck")
    add.setChecked(True)
    clear.setChecked(True)
    assert clear.isChecked() and not add.isChecked()
    add.setChecked(True)
    assert add.isChecked() and not clear.isChecked()
    add.setChecked(False)
    assert not add.isChecked() and not clear.isChecked()  # neither is allowed too


def test_profile_with_both_add_and_clear_loads_as_clear(panel):
    panel.set_options(ImportOptions(override_sis_stickiness=True, add_sis_stickiness=True,
                                    clear_sis_stickiness=True))
    opts = panel.options()
    assert (opts.add_sis_stickiness, opts.clear_sis_stickiness) == (False, True)


def test_profile_with_add_but_no_override_drops_add(panel):
    panel.set_options(ImportOptions(add_sis_stickiness=True))
    assert panel.options().add_sis_stickiness is False
    assert panel.problems() == []


def test_advanced_section_is_collapsed_by_default(qtbot, panel):
    panel.show()
    assert not panel.advanced_section.isVisible()
    qtbot.mouseClick(panel.advanced_toggle, Qt.MouseButton.LeftButton)
    assert panel.advanced_section.isVisible()
    assert panel.advanced_visible()


def test_diffing_disabled_in_batch_mode_with_a_note(panel):
    panel.ident_edit.setText("nightly")
    assert panel.ident_edit.isEnabled() and panel.diff_drop_combo.isEnabled()
    assert panel.diffing_note.isHidden()
    check(panel, "batchModeCheck").setChecked(True)
    for widget in (panel.ident_edit, panel.remaster_check, panel.diff_drop_combo,
                   panel.user_remove_combo, panel.row_count_spin):
        assert not widget.isEnabled(), widget.objectName()
    assert not panel.diffing_note.isHidden()
    panel.term_picker.combo.setCurrentIndex(0)
    names = [name for name, _ in panel.options().to_params()]
    assert "diffing_data_set_identifier" not in names


def test_diffing_sub_options_need_an_identifier(panel):
    assert not panel.remaster_check.isEnabled()
    panel.ident_edit.setText("nightly")
    panel.remaster_check.setChecked(True)
    assert panel.options().diffing_remaster_data_set is True
    panel.ident_edit.clear()
    assert not panel.remaster_check.isChecked() and not panel.remaster_check.isEnabled()
    assert panel.problems() == []


def test_identifier_is_limited_to_128_characters(panel):
    panel.ident_edit.setText("x" * 200)
    assert len(panel.options().diffing_data_set_identifier) == 128
    assert panel.problems() == []


def test_options_round_trip_batch(panel):
    opts = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                         change_threshold=25, skip_deletes=True,
                         batch_mode_enrollment_drop_status="inactive",
                         override_sis_stickiness=True, clear_sis_stickiness=True,
                         update_sis_id_if_login_claimed=True)
    panel.set_options(opts)
    assert panel.options() == opts
    assert panel.selected_term() == FALL


def test_options_round_trip_diffing(panel):
    opts = ImportOptions(diffing_data_set_identifier="nightly", diffing_remaster_data_set=True,
                         diffing_drop_status="deleted_last_completed",
                         diffing_user_remove_status="suspended", diff_row_count_threshold=5000,
                         change_threshold=0, override_sis_stickiness=True,
                         add_sis_stickiness=True)
    panel.set_options(opts)
    assert panel.options() == opts
    panel.set_options(ImportOptions())
    assert panel.options() == ImportOptions()


def test_set_options_does_not_prefill_threshold_over_a_profile(panel):
    opts = ImportOptions(batch_mode=True, batch_mode_term_id="11")
    panel.set_options(opts)
    assert panel.options().change_threshold is None
    assert panel.options().batch_mode_term_id == "sis_term_id:F2026"  # same term, SIS spelling


def test_set_options_before_terms_keeps_the_term(qtbot):
    panel = OptionsPanel()
    qtbot.addWidget(panel)
    panel.set_options(ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                                    change_threshold=10))
    assert panel.options().batch_mode_term_id == "sis_term_id:F2026"
    panel.set_terms([FALL])
    assert panel.selected_term() == FALL


def test_set_options_emits_changed_once(qtbot, panel):
    with qtbot.waitSignal(panel.changed):
        panel.set_options(ImportOptions(skip_deletes=True))


def test_unknown_values_from_a_profile_are_problems_not_crashes(panel):
    panel.set_options(ImportOptions(import_type="other", diffing_drop_status="gone"))
    problems = panel.problems()
    assert any("Import type" in p for p in problems)
    assert any("Diffing drop status" in p for p in problems)
    assert panel.problems_label.text() == "\n".join(problems)


def test_options_pass_check_whenever_no_problems(panel):
    """Walk through many clicks; at every step no problems means check() passes."""
    toggles = ["batchModeCheck", "multiTermCheck", "thresholdCheck", "overrideStickinessCheck",
               "addStickinessCheck", "clearStickinessCheck", "skipDeletesCheck", "remasterCheck"]
    for step in range(64):
        name = toggles[step % len(toggles)]
        box = check(panel, name)
        if box.isEnabled():
            box.toggle()
        if step % 5 == 0:
            panel.ident_edit.setText("" if panel.ident_edit.text() else "set")
        if step % 7 == 0:
            panel.term_picker.combo.setCurrentIndex(-1 if panel.selected_term() else 0)
        if not panel.problems():
            panel.options().check()
            panel.options().to_params()


def test_every_interactive_widget_is_named_and_explained(panel):
    kinds = (QAbstractButton, QComboBox, QLineEdit, QSpinBox)
    widgets = [w for w in panel.findChildren(QWidget) if isinstance(w, kinds)
               and not isinstance(w.parent(), (QComboBox, QSpinBox, QLineEdit))]
    assert len(widgets) >= 18
    for widget in widgets:
        assert widget.objectName(), widget
        assert widget.accessibleName(), widget.objectName()
        assert widget.toolTip(), widget.objectName()


def test_tab_order_follows_the_layout(panel):
    order = []
    widget = check(panel, "batchModeCheck")
    for _ in range(6):
        order.append(widget.objectName())
        widget = widget.nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.objectName():
            widget = widget.nextInFocusChain()
    assert order[:4] == ["batchModeCheck", "termCombo", "multiTermCheck", "thresholdCheck"]
