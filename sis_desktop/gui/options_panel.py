"""OptionsPanel: every SIS import option, with Canvas's rules enforced in the widgets.

Rules kept by the widgets themselves (reference §1.1):
- the term, multi-term mode and the enrollment drop status only apply to a full batch;
- multi-term mode uses terms.csv instead of one term and always has a change threshold;
- switching a full batch on pre-fills the recommended change threshold when none is set;
- "Process as UI changes" / "Clear UI-changed state" need "Override UI changes" and are
  never both on (Canvas lets clear win; we show only what Canvas will do);
- diffing is disabled in a full batch (Canvas skips it), and its sub-options need an
  identifier.
What the widgets cannot prevent (no term chosen yet, …) is listed by `problems()` and in
the inline message label.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QSizePolicy,
    QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from sis_desktop.core.canvas.options import (
    BATCH_DROP_STATUSES, DIFFING_DROP_STATUSES, IMPORT_TYPES, MAX_DATA_SET_IDENTIFIER,
    RECOMMENDED_CHANGE_THRESHOLD, USER_REMOVE_STATUSES, ImportOptions,
)

from .term_picker import TermPicker
from .wheel_guard import guard_wheel

if TYPE_CHECKING:  # models (and datetime) load later, off the start-up path
    from sis_desktop.core.canvas.models import Term

MAX_ROW_COUNT = 2_000_000_000
TERM_MISSING = "Choose a term for the full batch update."

_TIPS = {
    "batch": "Canvas deletes this term's SIS courses, sections and enrollments that are not "
             "in these files.",
    "term": "The term whose data these files replace. Type to search by name or SIS id.",
    "multi": "Replace every term listed in terms.csv instead of one term; needs a change "
             "threshold.",
    "threshold": "Stop the clean-up if more than this share of courses, sections or "
                 "enrollments would be deleted (with diffing: skip the diff if the data "
                 "changes by more than this).",
    "skip_deletes": "Ignore rows whose status is 'deleted'; a full batch's clean-up still "
                    "deletes.",
    "batch_drop": "What happens to enrollments a full batch removes: deleted (Canvas's "
                  "default), completed or inactive.",
    "override": "Let these files overwrite changes people made by hand in Canvas.",
    "add": "Treat this import's changes as if made in Canvas, so later imports without "
           "override leave them alone.",
    "clear": "Forget that fields were changed in Canvas, so later imports update them again.",
    "advanced": "Show or hide the advanced options (diffing and others).",
    "ident": "Name a data set: Canvas compares with the last import of the same name and "
             "applies only the difference.",
    "remaster": "Start the data set again from this import: join it without diffing.",
    "diff_drop": "What happens to enrollments missing since the last import of the data set.",
    "user_remove": "What happens to users missing since the last import of the data set.",
    "row_count": "Do not use the diff if it would change more rows than this.",
    "login_claimed": "If a login with this row's login_id already exists under another SIS "
                     "id, give it this row's SIS id.",
    "import_type": "The format of the files; Canvas supports only instructure_csv.",
}


def _explain(widget: QWidget, name: str, tip: str) -> QWidget:
    """Give a widget its tooltip, What's This text and accessible name/description."""
    widget.setToolTip(tip)
    widget.setWhatsThis(tip)
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(tip)
    return widget


def _help_label(text: str, object_name: str) -> QLabel:
    """A small explanation under an option (system palette, slightly smaller font)."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
    label.setFont(font)
    return label


# "Canvas's default" is stored as "" in the combo, never None: PySide6 6.12 on Python 3.11
# drops a reference to None each time a None item data is read back (process abort).
_DEFAULT = ""


def _status_combo(object_name: str, values: tuple[str, ...]) -> QComboBox:
    """A combo box whose first item means "Canvas's default" (None in ImportOptions)."""
    combo = QComboBox()
    combo.setObjectName(object_name)
    _narrow(combo)
    combo.addItem("Canvas default (deleted)", _DEFAULT)
    for value in values:
        combo.addItem(value, value)
    return combo


def _narrow(combo: QComboBox) -> None:
    """A combo box that can be narrower than its longest item (the popup still shows it
    whole) and grows with the pane: the options never need sideways scrolling."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, combo.sizePolicy().verticalPolicy())


def _form() -> QFormLayout:
    """A form whose fields go under their labels when the pane is narrow."""
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _combo_value(combo: QComboBox) -> str | None:
    index = combo.currentIndex()
    return (combo.itemData(index) or None) if index >= 0 else None


def _set_combo_value(combo: QComboBox, value: str | None) -> None:
    value = value or _DEFAULT
    index = combo.findData(value)
    if index < 0:  # an unknown value from a saved profile: show it, problems() explains
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


class OptionsPanel(QWidget):
    """All import options. `options()` gives an `ImportOptions` that passes `.check()`
    whenever `problems()` is empty; `changed()` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optionsPanel")
        self._loading = False
        self._syncing = False
        self._threshold_prefilled = False
        self._build()
        self._wheel_guard = guard_wheel(self)  # scrolling past an option never changes it
        self._connect()
        self._sync()

    # ---- construction ----------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)

        # Full batch ------------------------------------------------------------------
        batch_box = QGroupBox("Full batch update")
        batch_box.setObjectName("batchGroup")
        batch = QVBoxLayout(batch_box)
        self.batch_check = _explain(QCheckBox("This is a full batch update"),
                                    "Full batch update", _TIPS["batch"])
        self.batch_check.setObjectName("batchModeCheck")
        batch.addWidget(self.batch_check)
        batch.addWidget(_help_label(_TIPS["batch"], "batchModeHelp"))

        self.term_picker = TermPicker()
        _explain(self.term_picker, "Term", _TIPS["term"])
        term_row = _form()
        term_row.addRow("&Term:", self.term_picker)
        term_row.labelForField(self.term_picker).setBuddy(self.term_picker.combo)
        batch.addLayout(term_row)

        self.multi_check = _explain(QCheckBox("Multi-term batch mode (terms.csv)"),
                                    "Multi-term batch mode", _TIPS["multi"])
        self.multi_check.setObjectName("multiTermCheck")
        batch.addWidget(self.multi_check)

        threshold_row = QHBoxLayout()
        self.threshold_check = _explain(QCheckBox("Change threshold:"), "Use a change threshold",
                                        _TIPS["threshold"])
        self.threshold_check.setObjectName("thresholdCheck")
        self.threshold_spin = _explain(QSpinBox(), "Change threshold in percent",
                                       _TIPS["threshold"])
        self.threshold_spin.setObjectName("thresholdSpin")
        self.threshold_spin.setRange(0, 100)
        self.threshold_spin.setSuffix(" %")
        self.threshold_spin.setValue(RECOMMENDED_CHANGE_THRESHOLD)
        threshold_row.addWidget(self.threshold_check)
        threshold_row.addWidget(self.threshold_spin)
        threshold_row.addStretch(1)
        batch.addLayout(threshold_row)
        self.threshold_note = _help_label("", "thresholdNote")
        batch.addWidget(self.threshold_note)

        drop_row = _form()
        self.batch_drop_combo = _explain(_status_combo("batchDropStatusCombo", BATCH_DROP_STATUSES),
                                         "Enrollment drop status for full batch",
                                         _TIPS["batch_drop"])
        drop_row.addRow("Removed &enrollments become:", self.batch_drop_combo)
        drop_row.labelForField(self.batch_drop_combo).setBuddy(self.batch_drop_combo)
        batch.addLayout(drop_row)

        self.skip_deletes_check = _explain(QCheckBox("Skip deletes"), "Skip deletes",
                                           _TIPS["skip_deletes"])
        self.skip_deletes_check.setObjectName("skipDeletesCheck")
        batch.addWidget(self.skip_deletes_check)
        batch.addWidget(_help_label(_TIPS["skip_deletes"], "skipDeletesHelp"))
        outer.addWidget(batch_box)

        # UI changes (stickiness) -----------------------------------------------------
        sticky_box = QGroupBox("Changes made in Canvas")
        sticky_box.setObjectName("stickinessGroup")
        sticky = QVBoxLayout(sticky_box)
        self.override_check = _explain(QCheckBox("Override UI changes"), "Override UI changes",
                                       _TIPS["override"])
        self.override_check.setObjectName("overrideStickinessCheck")
        sticky.addWidget(self.override_check)
        sticky.addWidget(_help_label(_TIPS["override"], "overrideHelp"))
        sub = QVBoxLayout()
        sub.setContentsMargins(24, 0, 0, 0)
        self.add_check = _explain(QCheckBox("Process as UI changes"), "Process as UI changes",
                                  _TIPS["add"])
        self.add_check.setObjectName("addStickinessCheck")
        self.clear_check = _explain(QCheckBox("Clear UI-changed state"), "Clear UI-changed state",
                                    _TIPS["clear"])
        self.clear_check.setObjectName("clearStickinessCheck")
        sub.addWidget(self.add_check)
        sub.addWidget(self.clear_check)
        sticky.addLayout(sub)
        outer.addWidget(sticky_box)

        # Advanced (collapsed) --------------------------------------------------------
        self.advanced_toggle = _explain(QToolButton(), "Advanced options", _TIPS["advanced"])
        self.advanced_toggle.setObjectName("advancedToggle")
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer.addWidget(self.advanced_toggle)

        self.advanced_section = QWidget()
        self.advanced_section.setObjectName("advancedSection")
        adv = QVBoxLayout(self.advanced_section)
        adv.setContentsMargins(12, 0, 0, 0)
        self.diffing_note = _help_label("Canvas ignores diffing in a full batch update, so "
                                        "these options are off while it is on.", "diffingBatchNote")
        adv.addWidget(self.diffing_note)
        form = _form()
        self.ident_edit = _explain(QLineEdit(), "Diffing data set identifier", _TIPS["ident"])
        self.ident_edit.setObjectName("diffingIdentifierEdit")
        self.ident_edit.setMaxLength(MAX_DATA_SET_IDENTIFIER)
        self.ident_edit.setPlaceholderText("e.g. sis-nightly (empty: no diffing)")
        self.ident_edit.setClearButtonEnabled(True)
        form.addRow("&Diffing data set:", self.ident_edit)
        self.remaster_check = _explain(QCheckBox("Remaster the data set"),
                                       "Remaster the data set", _TIPS["remaster"])
        self.remaster_check.setObjectName("remasterCheck")
        form.addRow("", self.remaster_check)
        self.diff_drop_combo = _explain(_status_combo("diffingDropStatusCombo", DIFFING_DROP_STATUSES),
                                        "Diffing drop status", _TIPS["diff_drop"])
        form.addRow("Missing enrollments &become:", self.diff_drop_combo)
        self.user_remove_combo = _explain(_status_combo("userRemoveStatusCombo", USER_REMOVE_STATUSES),
                                          "Diffing user remove status", _TIPS["user_remove"])
        form.addRow("Missing &users become:", self.user_remove_combo)
        self.row_count_spin = _explain(QSpinBox(), "Diff row-count threshold", _TIPS["row_count"])
        self.row_count_spin.setObjectName("rowCountThresholdSpin")
        self.row_count_spin.setRange(0, MAX_ROW_COUNT)
        self.row_count_spin.setSpecialValueText("No limit")
        self.row_count_spin.setGroupSeparatorShown(True)
        form.addRow("Diff &row limit:", self.row_count_spin)
        for field in (self.ident_edit, self.diff_drop_combo, self.user_remove_combo,
                      self.row_count_spin):
            form.labelForField(field).setBuddy(field)
        adv.addLayout(form)
        self.login_claimed_check = _explain(QCheckBox("Update SIS id if login claimed"),
                                            "Update SIS id if login claimed",
                                            _TIPS["login_claimed"])
        self.login_claimed_check.setObjectName("updateSisIdCheck")
        adv.addWidget(self.login_claimed_check)
        type_form = _form()
        self.import_type_combo = _explain(QComboBox(), "Import type", _TIPS["import_type"])
        self.import_type_combo.setObjectName("importTypeCombo")
        _narrow(self.import_type_combo)
        for name in IMPORT_TYPES:
            self.import_type_combo.addItem(name, name)
        type_form.addRow("Import t&ype:", self.import_type_combo)
        type_form.labelForField(self.import_type_combo).setBuddy(self.import_type_combo)
        adv.addLayout(type_form)
        self.advanced_section.setVisible(False)
        outer.addWidget(self.advanced_section)

        # Problems ----------------------------------------------------------------------
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problemsLabel")
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName("Option problems")
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.problems_label.font()
        font.setBold(True)
        self.problems_label.setFont(font)
        outer.addWidget(self.problems_label)
        outer.addStretch(1)

        chain = [self.batch_check, self.term_picker.combo, self.multi_check, self.threshold_check,
                 self.threshold_spin, self.batch_drop_combo, self.skip_deletes_check,
                 self.override_check, self.add_check, self.clear_check, self.advanced_toggle,
                 self.ident_edit, self.remaster_check, self.diff_drop_combo,
                 self.user_remove_combo, self.row_count_spin, self.login_claimed_check,
                 self.import_type_combo]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.batch_check.toggled.connect(self._batch_toggled)
        self.threshold_check.toggled.connect(self._threshold_toggled)
        self.add_check.toggled.connect(lambda on: self._exclusive(on, self.clear_check))
        self.clear_check.toggled.connect(lambda on: self._exclusive(on, self.add_check))
        self.advanced_toggle.toggled.connect(self.set_advanced_visible)
        self.term_picker.termChanged.connect(self._sync)
        for check in (self.multi_check, self.skip_deletes_check, self.override_check,
                      self.remaster_check, self.login_claimed_check):
            check.toggled.connect(self._sync)
        for combo in (self.batch_drop_combo, self.diff_drop_combo, self.user_remove_combo,
                      self.import_type_combo):
            combo.currentIndexChanged.connect(self._sync)
        self.threshold_spin.valueChanged.connect(self._threshold_edited)  # before _sync
        for spin in (self.threshold_spin, self.row_count_spin):
            spin.valueChanged.connect(self._sync)
        self.ident_edit.textChanged.connect(self._sync)
        self.term_picker.combo.editTextChanged.connect(self._sync)

    # ---- public API ------------------------------------------------------------------
    def options(self) -> ImportOptions:
        """The options as shown. With multi-term mode on, batch_mode is True as well and no
        term is given; the term is given only in a single-term full batch."""
        batch = self.batch_check.isChecked()
        multi = batch and self.multi_check.isChecked()
        term = self.term_picker.term_id_param() if batch and not multi else ""
        ident = self.ident_edit.text().strip()
        return ImportOptions(
            import_type=_combo_value(self.import_type_combo) or IMPORT_TYPES[0],
            batch_mode=batch,
            batch_mode_term_id=term or None,
            multi_term_batch_mode=multi,
            change_threshold=self.threshold_spin.value() if self.threshold_check.isChecked() else None,
            skip_deletes=self.skip_deletes_check.isChecked(),
            batch_mode_enrollment_drop_status=_combo_value(self.batch_drop_combo),
            override_sis_stickiness=self.override_check.isChecked(),
            add_sis_stickiness=self.add_check.isChecked(),
            clear_sis_stickiness=self.clear_check.isChecked(),
            update_sis_id_if_login_claimed=self.login_claimed_check.isChecked(),
            diffing_data_set_identifier=ident or None,
            diffing_remaster_data_set=self.remaster_check.isChecked(),
            diffing_drop_status=_combo_value(self.diff_drop_combo),
            diffing_user_remove_status=_combo_value(self.user_remove_combo),
            diff_row_count_threshold=self.row_count_spin.value() or None,
        )

    def set_options(self, options: ImportOptions) -> None:
        """Show `options` (e.g. a profile's defaults). Combinations the widgets do not allow
        are corrected the way Canvas would read them (clear wins over add; add/clear are
        dropped without override; multi-term gets the recommended threshold)."""
        self._loading = True
        try:
            self.batch_check.setChecked(options.is_batch)
            self.multi_check.setChecked(options.multi_term_batch_mode)
            self.term_picker.select_param(options.batch_mode_term_id)
            has_threshold = options.change_threshold is not None
            self.threshold_spin.setValue(options.change_threshold if has_threshold
                                         else RECOMMENDED_CHANGE_THRESHOLD)
            self.threshold_check.setChecked(has_threshold)
            self._threshold_prefilled = False
            self.skip_deletes_check.setChecked(options.skip_deletes)
            _set_combo_value(self.batch_drop_combo, options.batch_mode_enrollment_drop_status)
            self.override_check.setChecked(options.override_sis_stickiness)
            self.clear_check.setChecked(options.clear_sis_stickiness)
            self.add_check.setChecked(options.add_sis_stickiness and not options.clear_sis_stickiness)
            self.login_claimed_check.setChecked(options.update_sis_id_if_login_claimed)
            self.ident_edit.setText(options.diffing_data_set_identifier or "")
            self.remaster_check.setChecked(options.diffing_remaster_data_set)
            _set_combo_value(self.diff_drop_combo, options.diffing_drop_status)
            _set_combo_value(self.user_remove_combo, options.diffing_user_remove_status)
            self.row_count_spin.setValue(max(0, min(options.diff_row_count_threshold or 0,
                                                    MAX_ROW_COUNT)))
            _set_combo_value(self.import_type_combo, options.import_type)
        finally:
            self._loading = False
        self._sync()

    def set_terms(self, terms: list[Term]) -> None:
        self.term_picker.set_terms(terms)
        self._sync()

    def selected_term(self) -> Term | None:
        """The chosen term when a single-term full batch is on, else None."""
        if self.batch_check.isChecked() and not self.multi_check.isChecked():
            return self.term_picker.selected_term()
        return None

    def problems(self) -> list[str]:
        """What stops these options from being sent, as sentences (empty when fine)."""
        out = []
        opts = self.options()
        term_missing = opts.batch_mode and not opts.multi_term_batch_mode and not opts.batch_mode_term_id
        if term_missing:
            typed = self.term_picker.typed_text()
            out.append(f"No term matches “{typed}”; choose one from the list." if typed
                       else TERM_MISSING)
        # the term sentence above replaces the core one
        out += replace(opts, batch_mode_term_id="-").problems() if term_missing else opts.problems()
        return out

    def minimum_width(self) -> int:
        """The narrowest the panel can be with every section open (the advanced section
        counts even while hidden): what its scroll area needs to never scroll sideways."""
        margins = self.layout().contentsMargins()
        advanced = self.advanced_section.minimumSizeHint().width() + margins.left() + margins.right()
        return max(self.minimumSizeHint().width(), advanced)

    def advanced_visible(self) -> bool:
        return self.advanced_toggle.isChecked()

    def set_advanced_visible(self, visible: bool) -> None:
        self.advanced_toggle.setChecked(visible)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.advanced_section.setVisible(visible)

    # ---- rules -----------------------------------------------------------------------
    def _batch_toggled(self, on: bool) -> None:
        if on and not self._loading and not self.threshold_check.isChecked():
            self._prefill_threshold()
        elif not on and not self._loading and self._threshold_prefilled:
            self._unprefill_threshold()  # the threshold came with the batch; it goes with it
        self._sync()

    def _threshold_toggled(self, on: bool) -> None:
        if not self._syncing:
            self._threshold_prefilled = False
        self._sync()

    def _threshold_edited(self, _value: int) -> None:
        if not self._syncing and not self._loading:
            self._threshold_prefilled = False

    def _prefill_threshold(self) -> None:
        syncing, self._syncing = self._syncing, True
        try:
            self.threshold_spin.setValue(RECOMMENDED_CHANGE_THRESHOLD)
            self.threshold_check.setChecked(True)
        finally:
            self._syncing = syncing
        self._threshold_prefilled = True

    def _unprefill_threshold(self) -> None:
        syncing, self._syncing = self._syncing, True
        try:
            self.threshold_check.setChecked(False)
        finally:
            self._syncing = syncing
        self._threshold_prefilled = False

    def _exclusive(self, on: bool, other: QCheckBox) -> None:
        if on and other.isChecked():
            other.setChecked(False)
        self._sync()

    def _sync(self, *_args) -> None:
        """Apply the rules to the widgets' enabled/checked states, then report."""
        if self._syncing or self._loading:
            return
        self._syncing = True
        try:
            batch = self.batch_check.isChecked()
            multi = batch and self.multi_check.isChecked()
            self.multi_check.setEnabled(batch)
            self.term_picker.setEnabled(batch and not multi)
            self.batch_drop_combo.setEnabled(batch)
            if multi and not self.threshold_check.isChecked():
                self._prefill_threshold()
            self.threshold_check.setEnabled(not multi)
            self.threshold_check.setToolTip(
                "Canvas requires a change threshold in multi-term batch mode." if multi
                else _TIPS["threshold"])
            self.threshold_spin.setEnabled(self.threshold_check.isChecked())

            override = self.override_check.isChecked()
            for check in (self.add_check, self.clear_check):
                if not override and check.isChecked():
                    check.setChecked(False)
                check.setEnabled(override)

            ident = bool(self.ident_edit.text().strip())
            self.ident_edit.setEnabled(not batch)
            if not ident and self.remaster_check.isChecked():
                self.remaster_check.setChecked(False)
            for widget in (self.remaster_check, self.diff_drop_combo, self.user_remove_combo,
                           self.row_count_spin):
                widget.setEnabled(ident and not batch)
            self.diffing_note.setVisible(batch)
            self._update_threshold_note(batch, multi)
        finally:
            self._syncing = False
        problems = self.problems()
        self.problems_label.setText("\n".join(problems))
        self.problems_label.setVisible(bool(problems))
        self.changed.emit()

    def _update_threshold_note(self, batch: bool, multi: bool) -> None:
        if not self.threshold_check.isChecked():
            text = ("No threshold: nothing stops an incomplete file from deleting most of the "
                    "term." if batch else "")
        elif multi:
            text = "Canvas requires a change threshold in multi-term batch mode."
        elif self._threshold_prefilled:
            text = (f"{RECOMMENDED_CHANGE_THRESHOLD} % is recommended: Canvas stops the "
                    "clean-up if more than this share would be deleted.")
        else:
            text = ""
        self.threshold_note.setText(text)
        self.threshold_note.setVisible(bool(text))
