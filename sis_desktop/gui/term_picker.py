"""TermPicker: choose the term a full batch update replaces, searching by name or SIS id."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:  # models (and datetime) load later, off the start-up path
    from sis_desktop.core.canvas.models import Term

NO_TERMS_TEXT = "No terms loaded — check the connection"
NO_PROFILE_TEXT = "No profile yet — add one with Manage… to load the account's terms"
LOADING_TEXT = "Loading terms…"


def term_label(term: Term) -> str:
    """How a term is shown: "Fall 2026 (F2026)", or "Fall 2026 (id 57)" without an SIS id."""
    return f"{term.name} ({term.sis_term_id})" if term.sis_term_id else f"{term.name} (id {term.id})"


def term_param(term: Term) -> str:
    """The batch_mode_term_id value for a term: `sis_term_id:<sis id>` when it has one."""
    return f"sis_term_id:{term.sis_term_id}" if term.sis_term_id else str(term.id)


class TermPicker(QWidget):
    """An editable, searchable combo box of the account's terms.

    Typing filters the list (contains, case-insensitive) on name and SIS id. A term counts
    as selected when the text matches one term exactly (its label, name, SIS id or id).
    `termChanged(object)` carries the newly selected `Term` or None.
    """

    termChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("termPicker")
        self._terms: list[Term] = []
        self._selected: Term | None = None
        self._pending: str | None = None  # a term id param to select once terms arrive
        self._empty_text = NO_TERMS_TEXT  # why the list is empty

        self._combo = QComboBox(self)
        self._combo.setObjectName("termCombo")
        self._combo.setEditable(True)
        self._combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._combo.setMinimumContentsLength(12)  # narrow panes too; it grows with the pane
        self._combo.lineEdit().setPlaceholderText("Search terms by name or SIS id")
        self._combo.setAccessibleName("Term")
        self._combo.setAccessibleDescription(
            "The term whose data these files replace. Type to search by name or SIS id.")
        self._combo.setToolTip(self._combo.accessibleDescription())
        completer = QCompleter(self._combo.model(), self._combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._combo.setCompleter(completer)

        self._status = QLabel(self)
        self._status.setObjectName("termStatus")
        self._status.setWordWrap(True)
        self._status.setAccessibleName("Term list status")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._combo)
        layout.addWidget(self._status)
        self.setFocusProxy(self._combo)

        self._combo.editTextChanged.connect(self._refresh)
        self._combo.currentIndexChanged.connect(self._refresh)
        self._combo.lineEdit().editingFinished.connect(self._tidy_text)
        self._show_status(NO_TERMS_TEXT)
        self._combo.setEnabled(False)

    # ---- public API ------------------------------------------------------------------
    @property
    def combo(self) -> QComboBox:
        return self._combo

    def set_loading(self, loading: bool = True) -> None:
        """Show that terms are being fetched (the list is disabled meanwhile)."""
        if loading:
            self._combo.setEnabled(False)
            self._show_status(LOADING_TEXT)
        else:
            self.set_terms(self._terms)

    def set_terms(self, terms: list[Term]) -> None:
        """Fill the list; keeps the current choice (or a pending one) when still present.

        Deleted terms are left out: Canvas only accepts active terms for a batch."""
        keep = term_param(self._selected) if self._selected else self._pending
        self._terms = [t for t in terms if (t.workflow_state or "active") != "deleted"]
        self._combo.blockSignals(True)
        self._combo.clear()
        for term in self._terms:
            self._combo.addItem(term_label(term))
        self._combo.setCurrentIndex(-1)
        self._combo.setEditText("")
        self._combo.blockSignals(False)
        self._combo.setEnabled(bool(self._terms))
        self._show_status(None if self._terms else self._empty_text)
        self._pending = None
        if keep and self._terms:
            if not self.select_param(keep):
                self._show_status(f"The saved term “{keep}” is not among this account's terms; "
                                  "choose one.")
        self._refresh()

    def set_has_profile(self, has_profile: bool) -> None:
        """Without a profile there is no account to load terms from: say to add one."""
        self._empty_text = NO_TERMS_TEXT if has_profile else NO_PROFILE_TEXT
        if not self._terms and self._status.text() in (NO_TERMS_TEXT, NO_PROFILE_TEXT):
            self._show_status(self._empty_text)

    def terms(self) -> list[Term]:
        return list(self._terms)

    def selected_term(self) -> Term | None:
        return self._selected

    def term_id_param(self) -> str:
        """The batch_mode_term_id to send: `sis_term_id:<sis id>` when the term has one, else
        its numeric id; a not-yet-resolved saved value while terms are not loaded; else ""."""
        if self._selected is not None:
            return term_param(self._selected)
        return self._pending or ""

    def select_param(self, param: str | None) -> bool:
        """Select the term a batch_mode_term_id names ("sis_term_id:F2026" or "57").

        Before terms are loaded the value is kept and applied by `set_terms`."""
        param = (param or "").strip()
        if not param:
            self.clear_selection()
            return True
        if not self._terms:
            self._pending = param
            return False
        for i, term in enumerate(self._terms):
            if param in (term_param(term), str(term.id)) or (
                    term.sis_term_id and param == f"sis_term_id:{term.sis_term_id}"):
                self._combo.setCurrentIndex(i)
                self._refresh()
                return True
        return False

    def clear_selection(self) -> None:
        self._pending = None
        self._combo.setCurrentIndex(-1)
        self._combo.setEditText("")
        self._refresh()

    def typed_text(self) -> str:
        return self._combo.currentText().strip()

    # ---- internals -------------------------------------------------------------------
    def _match(self, text: str) -> Term | None:
        text = text.strip()
        if not text:
            return None
        exact = [t for t in self._terms if term_label(t) == text]
        if len(exact) == 1:
            return exact[0]
        folded = text.casefold()
        hits = [t for t in self._terms
                if folded in (term_label(t).casefold(), t.name.casefold(),
                              (t.sis_term_id or "").casefold(), str(t.id))]
        return hits[0] if len(hits) == 1 else None

    def _refresh(self, *_args) -> None:
        term = self._match(self._combo.currentText())
        if term != self._selected:
            self._selected = term
            self.termChanged.emit(term)

    def _tidy_text(self) -> None:
        """After editing, show the chosen term's full label."""
        if self._selected is not None:
            index = self._terms.index(self._selected)
            if self._combo.currentIndex() != index or self._combo.currentText() != term_label(self._selected):
                self._combo.setCurrentIndex(index)
                self._combo.setEditText(term_label(self._selected))

    def _show_status(self, text: str | None) -> None:
        self._status.setText(text or "")
        self._status.setVisible(bool(text))
