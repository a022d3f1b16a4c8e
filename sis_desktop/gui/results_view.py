"""The outcome of one import: summary, counts, statistics and every message Canvas kept.

Canvas lists at most 24 messages in the import itself; this view reads all of them from
the errors endpoint (on a worker), marks the failures as errors and the rest as
warnings, and can save them as CSV.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QStyle, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from sis_desktop.core.outcome import not_imported_sentence

from .file_dialogs import open_file_dialog
from . import icons, tasks
from .preflight_view import compact_rows, make_findings_table, sort_errors_first

COUNT_LABELS = {
    "change_sis_ids": "SIS id changes", "accounts": "Accounts", "terms": "Terms",
    "abstract_courses": "Abstract courses", "courses": "Courses", "sections": "Sections",
    "xlists": "Cross-listings", "users": "Users", "logins": "Logins",
    "enrollments": "Enrollments", "admins": "Admins", "group_categories": "Group categories",
    "groups": "Groups", "group_memberships": "Group memberships",
    "grade_publishing_results": "Grade publishing results", "user_observers": "Observers",
    "batch_courses_deleted": "Courses deleted by batch mode",
    "batch_sections_deleted": "Sections deleted by batch mode",
    "batch_enrollments_deleted": "Enrollments deleted by batch mode",
}
STAT_COLUMNS = ("created", "restored", "deleted", "concluded", "deactivated")
STAT_LABELS = {
    "Account": "Accounts", "EnrollmentTerm": "Terms", "AbstractCourse": "Abstract courses",
    "Course": "Courses", "CourseSection": "Sections", "GroupCategory": "Group categories",
    "Group": "Groups", "Pseudonym": "Logins", "CommunicationChannel": "Email addresses",
    "Enrollment": "Enrollments", "GroupMembership": "Group memberships",
    "UserObserver": "Observers", "AccountUser": "Admins",
}


@dataclass(frozen=True)
class MessageRow:
    """One message of a finished import, shaped like a pre-flight finding."""
    severity: str
    file: str | None
    row: int | None
    message: str


def fetch_messages(client_factory: tasks.ClientFactory, import_id: int) -> list[MessageRow]:
    """Every error row of the import (worker thread, own client); failures become errors."""
    with tasks.own_client(client_factory) as client:
        rows = list(client.import_errors(import_id))
        failures = {(r.file, r.row, r.message)
                    for r in client.import_errors(import_id, failure_only=True)}
    out = [MessageRow("error" if (r.file, r.row, r.message) in failures else "warning",
                      r.file, r.row, r.message) for r in rows]
    out.sort(key=lambda r: (r.file or "", -1 if r.row is None else r.row))  # Canvas: newest first
    return out


def inline_messages(sis_import) -> list[MessageRow]:
    """The (at most 24 + 1) messages inside the import object itself."""
    out = [MessageRow("error", m.file, None, m.message) for m in sis_import.processing_errors]
    out += [MessageRow("warning", m.file, None, m.message) for m in sis_import.processing_warnings]
    error_message = sis_import.data.get("error_message")
    if error_message:
        out.insert(0, MessageRow("error", None, None, str(error_message)))
    return out


def write_messages_csv(rows: list[MessageRow], import_id: int, dest: str) -> str:
    """Save rows as CSV in Canvas's errors-attachment columns plus severity (worker)."""
    path = Path(dest)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sis_import_id", "file", "message", "row", "severity"])
        for r in rows:
            writer.writerow([import_id, r.file or "", r.message, "" if r.row is None else r.row,
                             r.severity])
    tmp.replace(path)
    return str(path)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


class ResultsView(QWidget):
    """Call `set_client_factory(factory)` then `show_import(sis_import)` for a terminal
    import; `factory()` makes a CanvasClient on a worker thread."""

    messages_loaded = Signal(int)  # number of rows; for tests and the status bar
    saved = Signal(str)            # path written

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.client_factory: tasks.ClientFactory | None = None
        self.sis_import = None
        self.rows: list[MessageRow] = []
        self._fetch: tasks.Task | None = None
        self._rows_sent: dict[int, dict[str, int]] = {}  # import id -> rows per file type

        self.icon = QLabel(self)
        self.icon.setFixedSize(28, 28)
        # What did not get in, first and plainly (a partly failed import is no success)
        self.headline = QLabel(self)
        self.headline.setObjectName("notImportedHeadline")
        self.headline.setAccessibleName("Rows not imported")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.headline.setStyleSheet("color: #b00020;")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.summary = QLabel("No import has finished yet.", self)
        self.summary.setObjectName("resultsSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)

        self.id_field = QLineEdit(self)
        self.id_field.setObjectName("importIdField")
        self.id_field.setReadOnly(True)
        self.id_field.setAccessibleName("Import id")
        self.id_field.setMaximumWidth(160)
        self.copy_button = QPushButton("Cop&y id", self)
        self.copy_button.setObjectName("copyImportIdButton")
        self.copy_button.setAccessibleName("Copy import id")
        self.copy_button.clicked.connect(self.copy_id_clicked)
        self.save_button = QPushButton("&Save messages as CSV…", self)
        self.save_button.setObjectName("saveErrorsButton")
        self.save_button.setAccessibleName("Save messages as CSV")
        self.save_button.clicked.connect(self.save_requested)

        self.counts = QTableWidget(0, 2, self)
        self.counts.setObjectName("countsTable")
        self.counts.setAccessibleName("Rows processed per type")
        self.counts.setHorizontalHeaderLabels(["Type", "Rows"])
        # the stretched "Rows" column must not keep the default 100 px when space is short
        self.counts.horizontalHeader().setDefaultSectionSize(40)
        self.stats = QTableWidget(0, 1 + len(STAT_COLUMNS), self)
        self.stats.setObjectName("statisticsTable")
        self.stats.setAccessibleName("Changes made per type")
        self.stats.setHorizontalHeaderLabels(["Changed"] + [c.capitalize() for c in STAT_COLUMNS])
        for table in (self.counts, self.stats):
            compact_rows(table)
            table.verticalHeader().hide()
            table.setEditTriggers(QTableWidget.NoEditTriggers)
            table.setTabKeyNavigation(False)  # Tab leaves the table; arrow keys move in it
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
        self.stats_note = QLabel(self)
        self.stats_note.setObjectName("statisticsNote")

        self.messages_status = QLabel(self)
        self.messages_status.setObjectName("messagesStatus")
        self.messages_status.setWordWrap(True)
        self.filters, self.table, self.model, self.proxy = make_findings_table(
            self, "messagesTable", "messages")
        self.table.setAccessibleName("Import messages")

        top = QHBoxLayout()
        top.addWidget(self.icon, 0, Qt.AlignTop)
        texts = QVBoxLayout()
        texts.addWidget(self.headline)
        texts.addWidget(self.summary)
        top.addLayout(texts, 1)
        ids = QHBoxLayout()
        ids.addWidget(QLabel("Import id:", self))
        ids.addWidget(self.id_field)
        ids.addWidget(self.copy_button)
        ids.addStretch(1)
        ids.addWidget(self.save_button)

        numbers = QWidget(self)
        nl = QHBoxLayout(numbers)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.counts, 2)
        right = QVBoxLayout()
        right.addWidget(self.stats, 1)
        right.addWidget(self.stats_note)
        nl.addLayout(right, 5)
        messages = QWidget(self)
        ml = QVBoxLayout(messages)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.messages_status)
        ml.addWidget(self.filters)
        ml.addWidget(self.table, 1)
        split = QSplitter(Qt.Vertical, self)
        split.setObjectName("resultsSplitter")
        split.addWidget(numbers)
        split.addWidget(messages)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(ids)
        layout.addWidget(split, 1)
        self.clear()

    def set_client_factory(self, client_factory: tasks.ClientFactory | None) -> None:
        self.client_factory = client_factory

    def clear(self) -> None:
        """Forget the shown import (a new upload starts); hidden until the next one."""
        if self._fetch is not None:
            self._fetch.cancel()
            self._fetch = None
        self.sis_import = None
        self.rows = []
        self.model.set_rows([])
        self.summary.setText("No import has finished yet.")
        self.headline.clear()
        self.headline.hide()
        self.id_field.clear()
        self.counts.setRowCount(0)
        self.stats.setRowCount(0)
        self.stats_note.clear()
        self.messages_status.clear()
        self._enable(False)
        self.hide()

    def set_rows_sent(self, import_id: int, rows_by_type: dict[str, int]) -> None:
        """The rows sent in `import_id` per file type (from the pre-flight check), to set
        against Canvas's counts once it ends."""
        if rows_by_type:
            self._rows_sent[int(import_id)] = dict(rows_by_type)

    # ---- showing ---------------------------------------------------------------------
    def show_import(self, sis_import, client_factory: tasks.ClientFactory | None = None) -> None:
        """Show a terminal import; `client_factory` makes clients of the Canvas it belongs to
        (its error rows are read from there; None keeps the factory set before)."""
        if client_factory is not None:
            self.client_factory = client_factory
        if self._fetch is not None:
            self._fetch.cancel()
            self._fetch = None
        self.sis_import = sis_import
        self.show()
        state = sis_import.workflow_state
        counts = sis_import.counts
        rows = sum(v for k, v in counts.items() if k not in ("error_count", "warning_count")
                   and not k.startswith("batch_") and isinstance(v, int))
        line = f"Import {sis_import.id}: {state.label}"
        details = []
        if rows:
            details.append(_plural(rows, "row"))
        details.append(_plural(sis_import.error_count, "error"))
        details.append(_plural(sis_import.warning_count, "warning"))
        if sis_import.started_at and sis_import.ended_at:
            secs = int((sis_import.ended_at - sis_import.started_at).total_seconds())
            details.append(f"took {secs} s")
        self.summary.setText(f"{line} — {', '.join(details)}.")
        not_imported = not_imported_sentence(self._rows_sent.get(sis_import.id, {}), sis_import)
        self.headline.setText(not_imported or "")
        self.headline.setVisible(bool(not_imported))
        if not_imported:
            ico = icons.error_icon()  # rows are missing: never the look of a success
        elif state.is_success and not sis_import.error_count and not sis_import.warning_count:
            ico = icons.ok_icon()
        elif state.is_success:
            ico = icons.warning_icon()
        elif state.value == "aborted":
            ico = icons.info_icon()
        else:
            ico = icons.error_icon()
        self.icon.setPixmap(ico.pixmap(28, 28))
        self.id_field.setText(str(sis_import.id))
        self._fill_counts(counts)
        self._fill_stats(sis_import.statistics)
        self.rows = inline_messages(sis_import)
        self.model.set_rows(self.rows)
        sort_errors_first(self.table)
        self._enable(True)
        if self.client_factory is not None and (
                sis_import.error_count or sis_import.warning_count
                or sis_import.processing_errors or sis_import.processing_warnings):
            self.messages_status.setText("Reading every message from Canvas…")
            task = tasks.CallTask(fetch_messages, self.client_factory, sis_import.id)
            task.finished.connect(lambda rows, t=task: self._messages_finished(t, rows))
            task.failed.connect(lambda s, t=task: self._messages_failed(t, s))
            self._fetch = tasks.start(task, self)
        else:
            self._describe_messages(full=False)
            self.messages_loaded.emit(len(self.rows))

    def _messages_finished(self, task, rows: list[MessageRow]) -> None:
        if task is not self._fetch:
            return
        self._fetch = None
        if rows or not self.rows:
            self.rows = rows
            self.model.set_rows(rows)
            sort_errors_first(self.table)
        self._describe_messages(full=bool(rows))
        self.messages_loaded.emit(len(self.rows))

    def _messages_failed(self, task, sentence: str) -> None:
        if task is not self._fetch:
            return
        self._fetch = None
        self.messages_status.setText(f"Only the messages listed in the import are shown; the "
                                     f"full list could not be read: {sentence}")
        self.messages_loaded.emit(len(self.rows))

    def _describe_messages(self, *, full: bool) -> None:
        errors = sum(1 for r in self.rows if r.severity == "error")
        warnings = len(self.rows) - errors
        if not self.rows:
            self.messages_status.setText("Canvas reported no messages.")
            return
        source = "from Canvas's full error list" if full else "as listed in the import"
        self.messages_status.setText(f"{_plural(errors, 'error')} and "
                                     f"{_plural(warnings, 'warning')}, {source}.")

    def _fill_counts(self, counts: dict[str, Any]) -> None:
        items = [(COUNT_LABELS.get(k, k.replace("_", " ").capitalize()), v)
                 for k, v in counts.items()
                 if k not in ("error_count", "warning_count") and isinstance(v, int)
                 and (v or k.startswith("batch_"))]
        self.counts.setRowCount(len(items))
        for i, (label, value) in enumerate(items):
            self.counts.setItem(i, 0, QTableWidgetItem(label))
            cell = QTableWidgetItem(f"{value:,}")
            cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.counts.setItem(i, 1, cell)
        # the counts are the point of this view: never cut off sideways, however narrow
        header = self.counts.horizontalHeader()
        pad = self.counts.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) * 4
        needed = sum(max(self.counts.sizeHintForColumn(c), header.sectionSizeHint(c)) + pad
                     for c in range(self.counts.columnCount()))
        self.counts.setMinimumWidth(needed + 2 * self.counts.frameWidth()
                                    + self.counts.verticalScrollBar().sizeHint().width())

    def _fill_stats(self, stats: dict[str, Any]) -> None:
        rows = [(k, v) for k, v in stats.items()
                if isinstance(v, dict) and any(v.get(c) for c in STAT_COLUMNS)]
        self.stats.setRowCount(len(rows))
        for i, (key, values) in enumerate(rows):
            self.stats.setItem(i, 0, QTableWidgetItem(STAT_LABELS.get(key, key)))
            for j, col in enumerate(STAT_COLUMNS, start=1):
                value = values.get(col)
                cell = QTableWidgetItem("" if value is None else f"{value:,}")
                cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.stats.setItem(i, j, cell)
        total = stats.get("total_state_changes")
        self.stats_note.setText(f"{total:,} state changes in all." if isinstance(total, int)
                                else "Canvas sent no statistics for this import.")

    def _enable(self, on: bool) -> None:
        for w in (self.copy_button, self.id_field, self.filters):
            w.setEnabled(on)
        self.save_button.setEnabled(on and bool(self.sis_import))

    # ---- actions ---------------------------------------------------------------------
    def copy_id_clicked(self) -> None:
        if self.sis_import is not None:
            QGuiApplication.clipboard().setText(str(self.sis_import.id))

    def save_requested(self) -> None:
        if self.sis_import is None:
            return
        name = f"sis_import_{self.sis_import.id}_messages.csv"
        open_file_dialog(self, "Save messages as CSV", "CSV (*.csv)", self.save_to,
                         object_name="saveMessagesDialog", save_as=name, default_suffix="csv")

    def save_to(self, dest: str) -> tasks.Task:
        """Write the messages on a worker; Canvas's own errors file when no rows were read."""
        si = self.sis_import
        if not self.rows and si.errors_attachment and self.client_factory is not None:
            task = tasks.CallTask(lambda factory=self.client_factory: str(
                tasks.call_client(factory, "download_errors_attachment", si, dest)))
        else:
            task = tasks.CallTask(write_messages_csv, list(self.rows), si.id, dest)
        task.finished.connect(self._saved)
        task.failed.connect(lambda s: self.messages_status.setText(f"The messages were not saved: {s}"))
        self.save_button.setEnabled(False)
        task.finished.connect(lambda _: self.save_button.setEnabled(True))
        task.failed.connect(lambda _: self.save_button.setEnabled(True))
        return tasks.start(task, self)

    def _saved(self, path: str) -> None:
        self.messages_status.setText(f"Saved to {path}.")
        self.saved.emit(path)
