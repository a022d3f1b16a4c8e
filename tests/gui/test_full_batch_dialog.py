"""FullBatchConfirmDialog: says what will be deleted, and confirms only after typing the term."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel

from sis_desktop.core.canvas.models import Term
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.gui.full_batch_dialog import FullBatchConfirmDialog

FALL = Term(id=11, name="Fall 2026", sis_term_id="F2026")
COUNTS = {"course": 12, "section": 30, "enrollment": 4120, "user": 300}
BATCH = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026", change_threshold=10)


@pytest.fixture
def make(qtbot):
    def build(term=FALL, counts=COUNTS, options=BATCH):
        dialog = FullBatchConfirmDialog(term, dict(counts), options)
        qtbot.addWidget(dialog)
        return dialog
    return build


def text_of(dialog: QDialog, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def all_text(dialog: QDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_names_the_term_and_what_is_deleted(make):
    dialog = make()
    assert "Fall 2026 (F2026)" in text_of(dialog, "titleLabel")
    deletes = text_of(dialog, "deletesLabel")
    assert "courses and sections are deleted" in deletes
    assert "enrollments become deleted (Canvas default)" in deletes


def test_shows_counts_from_the_preflight_report(make):
    dialog = make()
    assert text_of(dialog, "count_course") == "12"
    assert text_of(dialog, "count_section") == "30"
    assert text_of(dialog, "count_enrollment") == "4,120"
    assert text_of(dialog, "count_user") == "300"
    assert dialog.findChild(QLabel, "missingTypesWarning") is None


def test_missing_enrollments_are_warned(make):
    dialog = make(counts={"course": 3, "section": 3})
    assert text_of(dialog, "count_enrollment") == "0"
    assert "no enrollments" in text_of(dialog, "missingTypesWarning")


def test_shows_threshold_in_force(make):
    assert "10 %" in text_of(make(), "thresholdLabel")


def test_warns_when_there_is_no_threshold(make):
    dialog = make(options=ImportOptions(batch_mode=True, batch_mode_term_id="11"))
    assert text_of(dialog, "thresholdLabel").startswith("Warning: no change threshold")


def test_shows_the_enrollment_drop_status(make):
    options = ImportOptions(batch_mode=True, batch_mode_term_id="11", change_threshold=5,
                            batch_mode_enrollment_drop_status="completed", skip_deletes=True)
    dialog = make(options=options)
    assert "enrollments become completed." in text_of(dialog, "deletesLabel")
    assert "still deletes" in text_of(dialog, "skipDeletesNote")


def test_multi_term_names_every_term_in_terms_csv(make):
    options = ImportOptions(batch_mode=True, multi_term_batch_mode=True, change_threshold=10)
    dialog = make(term=None, counts={**COUNTS, "term": 2}, options=options)
    assert "every term in terms.csv" in text_of(dialog, "titleLabel")
    assert dialog.findChild(QLabel, "noTermsWarning") is None
    dialog.confirm_edit.setText("F2026")
    assert not dialog.run_button.isEnabled()
    dialog.confirm_edit.setText("All terms")
    assert dialog.run_button.isEnabled()


def test_multi_term_without_terms_is_warned(make):
    options = ImportOptions(batch_mode=True, multi_term_batch_mode=True, change_threshold=10)
    assert "no terms" in text_of(make(term=None, options=options), "noTermsWarning")


def test_run_is_disabled_until_the_term_is_typed(qtbot, make):
    dialog = make()
    assert not dialog.run_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "Fall 202")
    assert not dialog.run_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "6")
    assert dialog.run_button.isEnabled()
    dialog.confirm_edit.clear()
    assert not dialog.run_button.isEnabled()


@pytest.mark.parametrize("answer", ["F2026", "f2026", " Fall 2026 ", "fall 2026 (f2026)"])
def test_name_or_sis_id_confirms(make, answer):
    dialog = make()
    dialog.confirm_edit.setText(answer)
    assert dialog.run_button.isEnabled()


def test_other_term_does_not_confirm(make):
    dialog = make()
    dialog.confirm_edit.setText("S2027")
    assert not dialog.run_button.isEnabled()


def test_term_known_only_by_id_param(make):
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:W2027",
                            change_threshold=10)
    dialog = make(term=None, options=options)
    assert "sis_term_id:W2027" in text_of(dialog, "titleLabel")
    dialog.confirm_edit.setText("W2027")
    assert dialog.run_button.isEnabled()


def test_run_button_is_never_the_default(qtbot, make):
    dialog = make()
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.confirm_edit, "F2026")
    assert not dialog.run_button.isDefault()
    assert not dialog.run_button.autoDefault()
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_confirm_accepts(qtbot, make):
    dialog = make()

    def confirm():
        qtbot.keyClicks(dialog.confirm_edit, "F2026")
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, confirm)
    assert dialog.exec() == QDialog.DialogCode.Accepted


def test_escape_rejects(qtbot, make):
    dialog = make()

    def escape():
        qtbot.keyClicks(dialog.confirm_edit, "F2026")
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, escape)
    assert dialog.exec() == QDialog.DialogCode.Rejected


def test_cancel_rejects(qtbot, make):
    dialog = make()
    QTimer.singleShot(0, lambda: qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton))
    assert dialog.exec() == QDialog.DialogCode.Rejected


def test_buttons_are_named_for_accessibility(make):
    dialog = make()
    for button in (dialog.run_button, dialog.cancel_button, dialog.confirm_edit):
        assert button.objectName() and button.accessibleName()
    assert "Type the term's name or SIS id" in all_text(dialog)


def test_warns_when_the_files_courses_belong_to_another_term(qtbot):
    dialog = FullBatchConfirmDialog(FALL, dict(COUNTS), BATCH, file_term_ids={"S2027"})
    qtbot.addWidget(dialog)
    warning = text_of(dialog, "termMismatchWarning")
    assert "belong to S2027, not to Fall 2026 (F2026)" in warning


def test_no_term_warning_when_the_files_match_the_term(qtbot):
    dialog = FullBatchConfirmDialog(FALL, dict(COUNTS), BATCH, file_term_ids={"F2026", "S2027"})
    qtbot.addWidget(dialog)
    assert dialog.findChild(QLabel, "termMismatchWarning") is None
