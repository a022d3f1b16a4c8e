"""The pre-flight report: what the files hold and what Canvas would say about them.

Counts per file type, a filterable table of errors and warnings (file, row, message), the
notices (local advice) grouped by message below it, and the "Upload anyway" box that lifts
the error block.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QTableView, QVBoxLayout, QWidget)

from . import icons
from .rows_model import RowsModel

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "notice": "Notice"}
# How serious a severity is: the sort key of the Severity column (errors highest)
SEVERITY_RANK = {"error": 3, "warning": 2, "notice": 1}
TYPE_LABELS = {
    "user": "users", "enrollment": "enrollments", "course": "courses", "section": "sections",
    "term": "terms", "account": "accounts", "group": "groups", "group_membership":
    "group memberships", "group_category": "group categories", "xlist": "cross-listings",
    "login": "logins", "admin": "admins", "abstract_course": "abstract courses",
    "change_sis_id": "SIS id changes", "user_observer": "observers",
    "grade_publishing_results": "grade publishing results",
}


OWN_TIP = "A check of SIS Desktop itself, not a message Canvas would give."


def own_mark(item: Any) -> str:
    """" (SIS Desktop)" after the severity of an error or warning that is the app's own check
    rather than Canvas's words (notices are all the app's advice and stay unmarked)."""
    source = getattr(item, "source", "canvas")
    return " (SIS Desktop)" if source == "sis-desktop" and item.severity != "notice" else ""


def severity_icon(severity: str):
    return {"error": icons.error_icon, "warning": icons.warning_icon}.get(
        severity, icons.info_icon)()


class FindingsModel(RowsModel):
    """Rows of (severity, file, row, message) from any objects with those attributes."""

    HEADERS = ("Severity", "File", "Row", "Message")

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (SEVERITY_LABELS.get(item.severity, item.severity) + own_mark(item),
                    item.file or "", "" if item.row is None else str(item.row), item.message)[col]
        if role == Qt.DecorationRole and col == 0:
            return severity_icon(item.severity)
        if role == Qt.UserRole:  # sort keys and the severity filter
            return (SEVERITY_RANK.get(item.severity, 0), item.file or "",
                    -1 if item.row is None else item.row, item.message)[col]
        if role == Qt.UserRole + 1:
            return item.severity
        if role == Qt.ToolTipRole and col == 3:
            return item.message
        if role == Qt.ToolTipRole and col == 0 and own_mark(item):
            return OWN_TIP
        return None


class FindingsFilter(QSortFilterProxyModel):
    """Filters by severity (None = all) and by text in file or message."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.severity: str | None = None
        self.text = ""
        self.setSortRole(Qt.UserRole)

    def set_severity(self, severity: str | None) -> None:
        self._refilter(lambda: setattr(self, "severity", severity))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "text", text.strip().lower()))

    def _refilter(self, change) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        model = self.sourceModel()
        if self.severity and model.index(row, 0, parent).data(Qt.UserRole + 1) != self.severity:
            return False
        if not self.text:
            return True
        return any(self.text in (model.index(row, c, parent).data() or "").lower() for c in (1, 2, 3))


def compact_rows(table: QTableView) -> None:
    """Rows one text line high (plus padding), whatever the style's default."""
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)


def sort_errors_first(table: QTableView) -> None:
    """Most serious first: errors, then warnings, then notices, under the header's ▲ (Qt
    draws the up arrow for a descending sort; here it descends in seriousness). Within one
    severity the rows keep their own order (file, row): the proxy's sort is stable."""
    table.sortByColumn(0, Qt.DescendingOrder)


def make_findings_table(parent: QWidget, name: str, prefix: str
                        ) -> tuple[FilterBar, QTableView, FindingsModel, FindingsFilter]:
    """A filter bar over a sortable, filterable findings table (shared with the results
    view). The bar is made first: the Tab key reaches it before the table, as it is laid out."""
    model = FindingsModel(parent)
    proxy = FindingsFilter(parent)
    proxy.setSourceModel(model)
    filters = FilterBar(proxy, prefix, parent)
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    sort_errors_first(table)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QTableView.SelectRows)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrow keys move in it
    table.setWordWrap(False)
    table.verticalHeader().hide()
    compact_rows(table)
    header = table.horizontalHeader()
    for col in (0, 1, 2):
        header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
    header.setStretchLastSection(True)
    return filters, table, model, proxy


class FilterBar(QWidget):
    """Severity combo + text field driving a FindingsFilter."""

    def __init__(self, proxy: FindingsFilter, prefix: str, parent: QWidget | None = None,
                 severities: tuple[str, ...] = ("error", "warning")):
        super().__init__(parent)
        self.proxy = proxy
        self.severity = QComboBox(self)
        self.severity.setObjectName(f"{prefix}SeverityFilter")
        self.severity.setAccessibleName("Show messages of severity")
        self.severity.addItem("All messages", None)
        for value in severities:
            self.severity.addItem(SEVERITY_LABELS[value] + "s", value)
        self.text = QLineEdit(self)
        self.text.setObjectName(f"{prefix}TextFilter")
        self.text.setPlaceholderText("Filter by file or message…")
        self.text.setAccessibleName("Filter messages")
        self.text.setClearButtonEnabled(True)
        self.severity.currentIndexChanged.connect(
            lambda _: proxy.set_severity(self.severity.currentData()))
        self.text.textChanged.connect(proxy.set_text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.severity)
        layout.addWidget(self.text, 1)


class PreflightView(QWidget):
    """Shows a `sis_csv.Report`; `blocking()` tells whether errors hold the upload back."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preflightView")
        self.report = None
        self._running = ""

        self.summary = QLabel("Choose files to check them before upload.", self)
        self.summary.setObjectName("preflightSummary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.counts = QLabel(self)
        self.counts.setObjectName("preflightCounts")
        self.counts.setWordWrap(True)
        self.filters, self.table, self.model, self.proxy = make_findings_table(
            self, "findingsTable", "findings")
        self.table.setAccessibleName("Pre-flight messages")
        self.notices = QLabel(self)
        self.notices.setObjectName("preflightNotices")
        self.notices.setWordWrap(True)
        self.notices.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.upload_anyway = QCheckBox(
            "&Upload anyway (Canvas will reject the rows or files with errors)", self)
        self.upload_anyway.setObjectName("uploadAnywayCheck")
        self.upload_anyway.setAccessibleName("Upload anyway")
        self.upload_anyway.toggled.connect(lambda _: self.changed.emit())

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notices)
        layout.addWidget(self.upload_anyway)
        self.clear()

    def clear(self, text: str = "Choose files to check them before upload.") -> None:
        self.report = None
        self.summary.setText(text)
        self.counts.clear()
        self.model.set_rows([])
        self.notices.clear()
        self.notices.hide()
        self.filters.setEnabled(False)
        self.upload_anyway.setChecked(False)
        self.upload_anyway.hide()
        self.changed.emit()

    def show_running(self, names: list[str]) -> None:
        self._running = f"Checking {len(names)} file{'s' if len(names) != 1 else ''}…"
        self.clear(self._running)

    def show_progress(self, done: int, total: int) -> None:
        """Bytes read so far by the validator, while it runs."""
        if self.report is None and total > 0:
            self.summary.setText(f"{self._running} {min(100, int(100 * done / total))}%")

    def show_failure(self, sentence: str) -> None:
        self.clear(f"The pre-flight check could not run: {sentence}")

    def show_report(self, report) -> None:
        self.report = report
        self.summary.setText(report.summary_line())
        counts = report.counts_by_type()
        parts = [f"{n:,} {TYPE_LABELS.get(t, t)}" for t, n in counts.items()]
        unknown = [f.name for f in report.files if not f.type]
        text = ("Rows by type: " + ", ".join(parts) + ".") if parts else "No importable rows found."
        if unknown:
            text += f" Not imported: {', '.join(unknown)}."
        self.counts.setText(text)
        rows = [f for f in report.findings if f.severity != "notice"]
        self.model.set_rows(rows)
        sort_errors_first(self.table)  # errors first, the arrow says so
        self.filters.setEnabled(bool(rows))
        grouped = Counter((f.file, f.message) for f in report.notices)
        if grouped:
            lines = [f"• {file + ': ' if file else ''}{msg}" + (f" (×{n:,})" if n > 1 else "")
                     for (file, msg), n in grouped.most_common(8)]
            if len(grouped) > 8:
                lines.append(f"… and {len(grouped) - 8} more kinds of notice.")
            self.notices.setText("Notices:\n" + "\n".join(lines))
            self.notices.show()
        else:
            self.notices.hide()
        self.upload_anyway.setChecked(False)
        self.upload_anyway.setVisible(bool(report.errors))
        self.changed.emit()

    def blocking(self) -> bool:
        """True when the report has errors and "Upload anyway" is not ticked."""
        return bool(self.report and self.report.errors and not self.upload_anyway.isChecked())
