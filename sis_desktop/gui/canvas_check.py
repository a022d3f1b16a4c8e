"""“Check against Canvas”: the preview of an upload against Canvas's own data, in the GUI.

- `PreviewTask` runs `core.preview.run_preview` on a worker (Task pattern), reporting stages:
  reading the files → report queued → running → downloading n % → comparing.
- `CanvasCheckPanel` (a tab beside Pre-flight): the button, staged progress with Cancel,
  and the outcome (what a full batch deletes, the threshold verdict, changes, unresolved
  references, what the preview cannot know).
- `DeletionsTable`: searchable list of what would be removed, with “Save as CSV…”.
- `BatchPreviewSection`: what the full-batch confirmation shows — the preview's sentence,
  lists and verdict, or (missing / stale / other files) a note and “Check against Canvas now”.
"""
from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any, Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QTableView, QVBoxLayout, QWidget)

from .file_dialogs import open_file_dialog
from . import tasks
from .rows_model import RowsModel

MAX_AGE = timedelta(minutes=60)
STAGE_TEXT = {
    "validating": "Reading the files…",
    "queued": "Canvas report queued…",
    "running": "Canvas is writing the report…",
    "reused": "Reusing a recent Canvas report…",
    "downloading": "Downloading the report…",
    "comparing": "Comparing with Canvas's data…",
}

# (context provider) → (client_factory, paths, options) or a sentence saying what is missing
ContextProvider = Callable[[], "tuple[Any, list[str], Any] | str"]


class PreviewTask(tasks.Task):
    """`progress` carries (stage, text, percent or -1); the result is a PreviewResult."""

    def __init__(self, client_factory: tasks.ClientFactory, paths: list[str], options: Any, *,
                 refresh: bool = False, max_age: timedelta = MAX_AGE, intervals=None):
        super().__init__()
        self.client_factory, self.paths, self.options = client_factory, list(paths), options
        self.refresh, self.max_age, self.intervals = refresh, max_age, intervals
        self._last_percent = -2

    def _stage(self, stage: str, report: Any) -> None:
        text = STAGE_TEXT.get(stage, stage)
        if stage == "running" and report is not None and report.current_line:
            text = f"Canvas is writing the report ({report.current_line:,} rows so far)…"
        percent = int(report.progress) if stage == "running" and report is not None else -1
        self.report((stage, text, percent))

    def _downloaded(self, done: int, total: int) -> None:
        percent = done * 100 // total if total else -1
        if percent != self._last_percent:
            self._last_percent = percent
            self.report(("downloading", f"Downloading the report… {done / 1e6:,.1f} MB", percent))

    def run(self) -> Any:
        from sis_desktop.core.preview import default_cache_dir, run_preview
        with tasks.own_client(self.client_factory) as client:
            return run_preview(self.paths, self.options, client, cache_dir=default_cache_dir(),
                               max_age=self.max_age, refresh=self.refresh, on_stage=self._stage,
                               on_download=self._downloaded, cancelled=self.cancel_flag,
                               intervals=self.intervals)


def _fingerprint(paths: list[str], options: Any) -> tuple:
    return tuple(str(p) for p in paths), tuple(sorted(options.to_dict().items()))


class CanvasCheckPanel(QWidget):
    """The “Check against Canvas” tab. `checked(result)` fires when a check ends well."""

    checked = Signal(object)
    check_failed = Signal(str)

    def __init__(self, context: ContextProvider, parent: QWidget | None = None, *,
                 intervals=None) -> None:
        super().__init__(parent)
        self.setObjectName("canvasCheckPanel")
        self._context = context
        self.intervals = intervals
        self.task: PreviewTask | None = None
        self.result: Any = None
        self._fingerprint: tuple | None = None

        layout = QVBoxLayout(self)
        intro = QLabel("Compare these files with Canvas's own data (a provisioning report): "
                       "what a full batch would delete, whether the change threshold stops it, "
                       "and which references exist nowhere. Nothing is imported.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.check_button = QPushButton("Check against &Canvas")
        self.check_button.setObjectName("checkAgainstCanvasButton")
        self.check_button.setAccessibleName("Check against Canvas")
        self.check_button.setToolTip("Fetch (or reuse, if under an hour old) Canvas's report and "
                                     "compare the files with it")
        self.check_button.clicked.connect(lambda: self.start())
        self.refresh_button = QPushButton("&Refresh Canvas data")
        self.refresh_button.setObjectName("refreshCanvasDataButton")
        self.refresh_button.setAccessibleName("Refresh Canvas data")
        self.refresh_button.setToolTip("Run a new report even when a recent one exists")
        self.refresh_button.clicked.connect(lambda: self.start(refresh=True))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelCheckButton")
        self.cancel_button.setAccessibleName("Cancel the check")
        self.cancel_button.clicked.connect(self.cancel)
        for button in (self.check_button, self.refresh_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.stage_label = QLabel("")
        self.stage_label.setObjectName("checkStageLabel")
        self.stage_label.setWordWrap(True)
        layout.addWidget(self.stage_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("checkProgress")
        self.progress_bar.setAccessibleName("Check progress")
        layout.addWidget(self.progress_bar)
        self.summary = QLabel("")
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.table = DeletionsTable(self)
        layout.addWidget(self.table, 1)
        self.limits = QLabel("")
        self.limits.setObjectName("checkLimits")
        self.limits.setWordWrap(True)
        layout.addWidget(self.limits)
        self._set_running(False)

    # ---- running ------------------------------------------------------------------------
    def start(self, refresh: bool = False) -> PreviewTask | None:
        if self.task is not None:
            return self.task
        context = self._context()
        if isinstance(context, str):
            self.stage_label.setText(context)
            return None
        client_factory, paths, options = context
        task = PreviewTask(client_factory, paths, options, refresh=refresh,
                           intervals=self.intervals)
        fingerprint = _fingerprint(paths, options)
        task.progress.connect(self._progress)
        task.finished.connect(lambda result: self._finished(task, result, fingerprint))
        task.failed.connect(lambda sentence: self._failed(task, sentence))
        task.cancelled.connect(lambda: self._failed(task, "The check was cancelled."))
        self.task = tasks.start(task, self)
        self.stage_label.setText(STAGE_TEXT["validating"])
        self._set_running(True)
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _set_running(self, running: bool) -> None:
        self.check_button.setEnabled(not running)
        self.refresh_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.progress_bar.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)

    def _progress(self, value: tuple[str, str, int]) -> None:
        _stage, text, percent = value
        self.stage_label.setText(text)
        if percent >= 0:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(percent)
        else:
            self.progress_bar.setRange(0, 0)

    def _finished(self, task: PreviewTask, result: Any, fingerprint: tuple) -> None:
        if task is not self.task:
            return
        self.task = None
        self._set_running(False)
        self.result, self._fingerprint = result, fingerprint
        self.stage_label.setText("")
        self.show_result(result)
        self.checked.emit(result)

    def _failed(self, task: PreviewTask, sentence: str) -> None:
        if task is not self.task:
            return
        self.task = None
        self._set_running(False)
        self.stage_label.setText(sentence)
        self.check_failed.emit(sentence)

    # ---- showing ------------------------------------------------------------------------
    def show_result(self, result: Any) -> None:
        self.summary.setText(summary_text(result))
        batch = result.batch
        self.table.set_rows((batch.items + batch.cascaded) if batch else [])
        self.table.setVisible(batch is not None)
        self.limits.setText("What this cannot know: " + " ".join(result.limits))

    def current_for(self, paths: list[str], options: Any) -> tuple[Any, str | None]:
        """(result, None) when the last check fits these files and options and is fresh;
        else (result or None, a sentence saying why it cannot be trusted)."""
        if self.result is None:
            return None, "These files have not been checked against Canvas's data."
        if self._fingerprint != _fingerprint(paths, options):
            return self.result, ("The check against Canvas was made for other files or "
                                 "options; run it again.")
        age = self.result.report.report.age()
        if age is not None and age > MAX_AGE:
            return self.result, (f"The Canvas data of the check is {int(age.total_seconds() // 60)} "
                                 "minutes old; run it again.")
        return self.result, None

    def batch_section(self, paths: list[str], options: Any) -> "BatchPreviewSection":
        return BatchPreviewSection(self, paths, options)


def summary_text(result: Any) -> str:
    lines = []
    fetched = result.report
    minutes = fetched.age_seconds // 60
    age = f"{minutes} min" if minutes else f"{fetched.age_seconds} s"
    lines.append(f"Canvas data: report {fetched.report.id}, {age} old"
                 + (" (reused)." if fetched.source != "new" else "."))
    batch = result.batch
    if batch is not None:
        lines.append(batch.sentence())
        lines.append(threshold_text(batch.threshold))
        if batch.cascaded:
            lines.append(f"With the deleted courses and sections Canvas also deletes "
                         f"{len(batch.cascaded):,} more enrollments (not counted by Canvas).")
    else:
        lines.append("Not a full batch: Canvas deletes nothing that is missing from the files.")
    for kind in result.changes:
        lines.append(f"{kind.capitalize()}: {result.change_counts(kind)}.")
    if result.references:
        lines.append(result.references_sentence())
    if result.notes:
        lines.append(f"Note: {result.notes[0].file} row {result.notes[0].row}: "
                     f"{result.notes[0].message}" + (f" (and {len(result.notes) - 1:,} more like it)"
                                                     if len(result.notes) > 1 else ""))
    if result.unresolved:
        n = len(result.unresolved)
        lines.append(f"{n:,} {'row references' if n == 1 else 'rows reference'} something that "
                     f"exists neither in the files nor in Canvas; Canvas will skip "
                     f"{'it' if n == 1 else 'them'}, e.g. "
                     f"{result.unresolved[0].file} row {result.unresolved[0].row}: "
                     f"“{result.unresolved[0].message}”.")
    return "\n".join(lines)


def threshold_text(threshold: Any) -> str:
    worst = (f" (largest share: {threshold.worst_type}, {threshold.worst_percent:.1f} %)"
             if threshold.worst_type else "")
    if threshold.percent is None:
        return f"No change threshold: nothing stops these deletions{worst}."
    if threshold.would_stop:
        return (f"The change threshold of {threshold.percent} % WILL STOP the cleanup{worst}: "
                "Canvas imports the rows but deletes nothing and ends the import as aborted.")
    return f"Within the change threshold of {threshold.percent} %{worst}: the cleanup will run."


# ---- the list of deletions -----------------------------------------------------------------------
class DeletionsModel(RowsModel):
    HEADERS = ("Type", "SIS id / user", "Name", "Course", "Section", "Role", "Status now", "Becomes")

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or role not in (Qt.DisplayRole, Qt.ToolTipRole):
            return None
        return row_cells(self.rows[index.row()])[index.column()]


def row_cells(d: Any) -> list[str]:
    kind = d.type + (" (with its course/section)" if d.cascade else "")
    return [kind, d.id, d.name, d.course_id, d.section_id, d.role, d.status, d.new_status]


class DeletionsTable(QWidget):
    """Search box, table and “Save as CSV…” for a list of `Deletion`s."""

    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deletionsTable")
        self.model = DeletionsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("deletionsSearch")
        self.search.setPlaceholderText("Search the list (id, name, course, section…)")
        self.search.setAccessibleName("Search what would be removed")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.save_button = QPushButton("Save as CS&V…")
        self.save_button.setObjectName("saveDeletionsButton")
        self.save_button.setAccessibleName("Save the list as CSV")
        self.save_button.clicked.connect(self.save_requested)
        row.addWidget(self.search, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.view = QTableView()
        self.view.setObjectName("deletionsView")
        self.view.setAccessibleName("What Canvas would remove")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.AscendingOrder)  # Canvas's order until a header is clicked
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[Any]) -> None:
        self.model.set_rows(rows)
        self.save_button.setEnabled(bool(rows))
        self.view.resizeColumnsToContents()

    def visible_count(self) -> int:
        return self.proxy.rowCount()

    def save_requested(self) -> None:
        open_file_dialog(self, "Save the list as CSV", "CSV files (*.csv)", self.save_to,
                         object_name="saveDeletionsDialog", save_as="canvas-batch-deletions.csv")

    def save_to(self, path: str) -> tasks.Task:
        rows = list(self.model.rows)
        task = tasks.CallTask(write_csv, path, rows)
        task.finished.connect(lambda _r: self.saved.emit(path))
        task.failed.connect(lambda sentence: self.saved.emit(""))
        return tasks.start(task, self)


def write_csv(path: str, rows: list[Any]) -> None:
    """Worker: the list as CSV, written atomically."""
    from pathlib import Path

    from sis_desktop.core.storage import atomic_writer
    with atomic_writer(Path(path), mode=0o644) as fh:
        writer = csv.writer(fh)
        writer.writerow([h.lower().replace(" / ", "_").replace(" ", "_") for h in DeletionsModel.HEADERS])
        for d in rows:
            writer.writerow(row_cells(d))


# ---- in the full-batch confirmation ----------------------------------------------------------------
class BatchPreviewSection(QWidget):
    """The preview as the full-batch confirmation shows it; follows the panel's checks."""

    def __init__(self, panel: CanvasCheckPanel, paths: list[str], options: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchPreviewSection")
        self.panel, self.paths, self.options = panel, list(paths), options
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = QLabel("")
        self.headline.setObjectName("previewHeadline")
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)
        self.verdict = QLabel("")
        self.verdict.setObjectName("previewVerdict")
        self.verdict.setWordWrap(True)
        layout.addWidget(self.verdict)
        self.table = DeletionsTable(self)
        self.table.setMinimumHeight(160)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.run_button = QPushButton("Check against Canvas now")
        self.run_button.setObjectName("runPreviewButton")
        self.run_button.setAccessibleName("Check against Canvas now")
        self.run_button.setAutoDefault(False)
        self.run_button.clicked.connect(self._run_clicked)
        row.addWidget(self.run_button)
        row.addStretch(1)
        layout.addLayout(row)
        panel.checked.connect(self._refresh)
        panel.check_failed.connect(self._check_failed)
        self._refresh()

    def _run_clicked(self) -> None:
        if self.panel.start(refresh=self.panel.result is not None) is not None:
            self.run_button.setEnabled(False)
            self.headline.setText("Checking against Canvas…")

    def _check_failed(self, sentence: str) -> None:
        self.run_button.setEnabled(True)
        self.headline.setText(f"The check against Canvas did not finish: {sentence}")

    def _refresh(self, *_args) -> None:
        result, why = self.panel.current_for(self.paths, self.options)
        self.run_button.setEnabled(self.panel.task is None)
        if why is not None or result is None or result.batch is None:
            self.headline.setText(why or "No check against Canvas for these files yet.")
            self.verdict.setText("Without it, this dialog can only say what the files hold, "
                                 "not what Canvas will delete.")
            self.table.setVisible(False)
            self.run_button.setVisible(True)
            return
        batch = result.batch
        self.headline.setText(batch.sentence())
        self.verdict.setText(threshold_text(batch.threshold) + f" (Canvas data "
                             f"{max(result.report.age_seconds // 60, 0)} min old.)")
        self.table.set_rows(batch.items + batch.cascaded)
        self.table.setVisible(True)
        self.run_button.setText("Check again")
