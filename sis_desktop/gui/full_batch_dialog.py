"""FullBatchConfirmDialog: the last question before a full batch update deletes data.

The admin confirms by typing the term's name or SIS id (or "all terms" in multi-term
mode) rather than ticking a box: a box gets ticked by reflex, while typing the term makes
the admin read which term is about to lose its courses, sections and enrollments — the
usual accident is picking the wrong term, and typing catches exactly that.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStyle,
    QVBoxLayout, QWidget,
)

from sis_desktop.core.canvas.models import Term
from sis_desktop.core.canvas.options import ImportOptions

from .term_picker import term_label

ALL_TERMS_PHRASE = "all terms"
_BATCH_TYPES = ("course", "section", "enrollment")
_PLURALS = {
    "change_sis_id": "SIS id changes", "abstract_course": "abstract courses",
    "xlist": "cross-listings", "group_category": "group categories",
    "group_membership": "group memberships", "grade_publishing_results": "grade publishing results",
    "user_observer": "observer links",
}


def plural(importer: str) -> str:
    """A Canvas importer name ("course") as a plural for people ("courses")."""
    return _PLURALS.get(importer, importer.replace("_", " ") + "s")


class FullBatchConfirmDialog(QDialog):
    """Confirm a full batch update. `exec()` returns Accepted only after the admin typed the
    term's name or SIS id (multi-term: "all terms") and pressed "Run full batch"."""

    def __init__(self, term: Term | None, counts: dict[str, int], options: ImportOptions,
                 parent: QWidget | None = None, *, file_term_ids: set[str] | None = None,
                 preview_section: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fullBatchConfirmDialog")
        self.setWindowTitle("Confirm full batch update")
        self.setMinimumWidth(480)
        self._multi = options.multi_term_batch_mode
        self._answers = self._accepted_answers(term, options)
        target = self._target(term, options)

        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                       .pixmap(size, size))
        head.addWidget(icon)
        title = QLabel(f"Full batch update of {target}")
        title.setObjectName("titleLabel")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        title.setWordWrap(True)
        head.addWidget(title, 1)
        layout.addLayout(head)

        scope = "each of those terms" if self._multi else "that term"
        drop = options.batch_mode_enrollment_drop_status or "deleted"
        default = "" if options.batch_mode_enrollment_drop_status else " (Canvas default)"
        deletes = QLabel(
            f"After these files are imported, Canvas removes what SIS created in {scope} but "
            f"these files leave out: such courses and sections are deleted, and such "
            f"enrollments become {drop}{default}.")
        deletes.setObjectName("deletesLabel")
        deletes.setWordWrap(True)
        layout.addWidget(deletes)

        layout.addLayout(self._counts_form(counts))
        if preview_section is not None:  # what Canvas's own data says will be deleted
            layout.addWidget(preview_section)
        for text, name in self._warnings(counts, options) + self._term_mismatch(term, file_term_ids):
            label = QLabel(text)
            label.setObjectName(name)
            label.setWordWrap(True)
            layout.addWidget(label)

        threshold = QLabel(
            f"Change threshold: {options.change_threshold} %. Canvas stops the deletions if more "
            "than this share of the courses, sections or enrollments would be deleted."
            if options.change_threshold is not None else
            "Warning: no change threshold. Nothing stops an incomplete file from deleting most "
            "of the term.")
        threshold.setObjectName("thresholdLabel")
        threshold.setWordWrap(True)
        if options.change_threshold is None:
            bold = threshold.font()
            bold.setBold(True)
            threshold.setFont(bold)
        layout.addWidget(threshold)

        prompt = (f"Type “{ALL_TERMS_PHRASE}” to confirm:" if self._multi else
                  "Type the term's name or SIS id to confirm:")
        ask = QLabel(prompt)
        ask.setObjectName("confirmPrompt")
        ask.setWordWrap(True)
        layout.addWidget(ask)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("confirmEdit")
        self.confirm_edit.setAccessibleName("Confirmation")
        self.confirm_edit.setAccessibleDescription(prompt)
        self.confirm_edit.setToolTip(prompt)
        ask.setBuddy(self.confirm_edit)
        layout.addWidget(self.confirm_edit)

        # A plain row, not a QDialogButtonBox: a button box makes its accept button the
        # default on show, and Enter must never confirm a full batch.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel")
        self.run_button = QPushButton("Run full batch")
        self.run_button.setObjectName("runFullBatchButton")
        self.run_button.setAccessibleName("Run full batch")
        self.run_button.setToolTip("Send the files as a full batch update.")
        for button in (self.cancel_button, self.run_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.cancel_button.clicked.connect(self.reject)
        self.run_button.clicked.connect(self._run_clicked)
        layout.addLayout(buttons)

        self.confirm_edit.textChanged.connect(self._update)
        self.confirm_edit.setFocus()
        self._update()

    # ---- behaviour ----------------------------------------------------------------------
    def is_confirmed(self) -> bool:
        return self.confirm_edit.text().strip().casefold() in self._answers

    def _update(self, *_args) -> None:
        self.run_button.setEnabled(self.is_confirmed())

    def _run_clicked(self) -> None:
        if self.is_confirmed():
            self.accept()

    # ---- text ---------------------------------------------------------------------------
    def _target(self, term: Term | None, options: ImportOptions) -> str:
        if self._multi:
            return "every term in terms.csv"
        if term is not None:
            return term_label(term)
        return f"term {options.batch_mode_term_id or '(none chosen)'}"

    def _accepted_answers(self, term: Term | None, options: ImportOptions) -> set[str]:
        if self._multi:
            return {ALL_TERMS_PHRASE}
        answers: set[str] = set()
        if term is not None:
            answers |= {term.name, term.sis_term_id or "", term_label(term)}
        elif options.batch_mode_term_id:
            raw = options.batch_mode_term_id.strip()
            answers |= {raw, raw.removeprefix("sis_term_id:")}
        return {a.strip().casefold() for a in answers if a and a.strip()}

    @staticmethod
    def _counts_form(counts: dict[str, int]) -> QFormLayout:
        form = QFormLayout()
        names = list(_BATCH_TYPES) + sorted(k for k in counts if k not in _BATCH_TYPES)
        for importer in names:
            value = QLabel(f"{counts.get(importer, 0):,}")
            value.setObjectName(f"count_{importer}")
            value.setAccessibleName(f"{plural(importer).capitalize()} in these files")
            form.addRow(f"{plural(importer).capitalize()} in these files:", value)
        return form

    @staticmethod
    def _term_mismatch(term: Term | None, file_term_ids: set[str] | None) -> list[tuple[str, str]]:
        """The chosen term is not the term of any course in the files: every course of the
        chosen term would be deleted — most likely the wrong term was picked."""
        if term is None or not term.sis_term_id or not file_term_ids:
            return []
        if term.sis_term_id in file_term_ids:
            return []
        listed = ", ".join(sorted(file_term_ids)[:5]) + (", …" if len(file_term_ids) > 5 else "")
        return [(f"Warning: the courses in these files belong to {listed}, not to "
                 f"{term.name} ({term.sis_term_id}). Check that you picked the right term.",
                 "termMismatchWarning")]

    @staticmethod
    def _warnings(counts: dict[str, int], options: ImportOptions) -> list[tuple[str, str]]:
        out = []
        where = "those terms" if options.multi_term_batch_mode else "the term"
        missing = [plural(t) for t in _BATCH_TYPES if not counts.get(t)]
        if missing:
            out.append((f"These files have no {' and no '.join(missing)}: all SIS-created ones in "
                        f"{where} would be removed unless the change threshold stops it.",
                        "missingTypesWarning"))
        if options.multi_term_batch_mode and not counts.get("term"):
            out.append(("These files have no terms; Canvas aborts a multi-term batch without "
                        "terms.csv.", "noTermsWarning"))
        if options.skip_deletes:
            out.append(("“Skip deletes” only skips rows marked deleted; the full batch clean-up "
                        "still deletes.", "skipDeletesNote"))
        return out
