"""ImportController: the window's one upload, from the safety check to Canvas's last word.

It wraps a core `ImportJob` (which holds the import's `Target`: the Canvas and account it
was sent to) in tasks: safety check → (question) → upload → follow (through the shared
`Followers`, so no other view polls the same import twice) → results. Every later action —
follow again, stop following, abort — goes to the job's own target, never to the profile
selected now. The window connects its panels; this module holds the flow's state.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from . import tasks
from .followers import Key, followers

if TYPE_CHECKING:  # the core flow is imported when the first upload starts, not at start-up
    from sis_desktop.core.import_flow import ImportJob, SafetyFindings, Target


class UploadTask(tasks.Task):
    """Send the job's files; `progress` carries `(sent_bytes, total_bytes)`, or a str when
    the history could not be written. The result is the created `SisImport`; one that
    arrives after cancel is still delivered (Canvas has it), and so is the import Canvas's
    list shows after a lost answer (`job.ambiguous` says so)."""

    keep_result_after_cancel = True
    REPORT_INTERVAL = 0.05  # seconds: the GUI needs no more than 20 updates a second

    def __init__(self, job: ImportJob):
        super().__init__()
        self.job = job
        self._last_report = float("-inf")

    def _bytes_sent(self, sent: int, total: int) -> None:
        """Called per block on the worker; passes on at most one update per interval, and
        always the first and the last."""
        import time
        now = time.monotonic()
        if sent in (0, total) or now - self._last_report >= self.REPORT_INTERVAL:
            self._last_report = now
            self.report((sent, total))

    def run(self) -> Any:
        self.job.recorder.on_warning = self.report
        return self.job.upload(on_progress=self._bytes_sent, cancelled=self.cancel_flag)


def prepare_job(target: Target, paths: list[str], options: Any, report: Any) -> ImportJob:
    """Worker: the job for these files, with the hashes the pre-flight pass took."""
    from sis_desktop.core.import_flow import ImportJob, check_files
    job = ImportJob(target, [], options, files=check_files(paths))
    if report is not None:
        job.take_report(report)
    return job



class ImportController(QObject):
    """State of the window's upload; see the module's text. `window` gives the panels."""

    upload_started = Signal()
    import_created = Signal(object)   # SisImport as Canvas answered the upload
    import_finished = Signal(object)  # terminal SisImport
    upload_ended = Signal(str)        # sentence when an upload or a follow stops early
    status = Signal(str)              # a sentence for the status bar
    busy_changed = Signal()

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.job: ImportJob | None = None
        self.poll_options: dict[str, Any] = {}
        self._task: tasks.Task | None = None   # safety check or upload running now
        self._following: Key | None = None
        self.outcome: str | None = None  # why the last attempt sent nothing (the window's hint)
        hub = followers()
        hub.updated.connect(self._poll_update)
        hub.ended.connect(self._poll_ended)

    # ---- state ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._task is not None or self._following is not None

    @property
    def sis_import(self) -> Any:
        return self.job.sis_import if self.job is not None else None


    def _set_task(self, task: tasks.Task | None) -> None:
        self._task = task
        self.busy_changed.emit()

    # ---- start ------------------------------------------------------------------------
    def start(self, target: Target, paths: list[str], options: Any, report: Any) -> None:
        """Safety check, then (after a question when something is worth one) upload."""
        def prepare_and_check() -> tuple[ImportJob, SafetyFindings]:
            job = prepare_job(target, paths, options, report)
            return job, job.safety_check()
        task = tasks.CallTask(prepare_and_check)
        task.finished.connect(lambda result: self._safety_finished(*result))
        task.failed.connect(lambda s: self._stopped(f"Nothing was sent: {s}"))
        task.cancelled.connect(lambda: self._stopped("Cancelled; nothing was sent."))
        self.job = None
        self.outcome = None
        self._set_task(tasks.start(task, self))
        self.window.results.clear()
        self.window.progress.start_checking()

    def _safety_finished(self, job: ImportJob, findings: SafetyFindings) -> None:
        self.job = job
        worries = findings.worries()
        if not worries:
            self._upload()
            return
        box = QMessageBox(QMessageBox.Warning, "Send anyway?",
                          "\n\n".join(worries)
                          + "\n\nSend these files now?",
                          QMessageBox.Yes | QMessageBox.No, self.window)
        box.setObjectName("safetyQuestion")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setDefaultButton(QMessageBox.No)
        box.button(QMessageBox.Yes).setText("&Send anyway")
        box.button(QMessageBox.No).setText("&Don't send")
        box.finished.connect(lambda result: self._upload() if result == QMessageBox.Yes
                             else self._stopped("Nothing was sent."))
        box.open()

    def _upload(self) -> None:
        job = self.job
        task = UploadTask(job)
        task.progress.connect(self._upload_progress)
        task.finished.connect(self._upload_finished)
        task.failed.connect(lambda s: self._stopped(f"The upload failed: {s}"))
        task.cancelled.connect(lambda: self._stopped(
            "Upload cancelled; nothing was sent to Canvas."))
        self._set_task(tasks.start(task, self))
        self.window.progress.start_upload(job.total_bytes, [f.name for f in job.files])
        self.upload_started.emit()

    def _upload_progress(self, value: Any) -> None:
        if isinstance(value, str):
            self.status.emit(value)
        else:
            self.window.progress.set_upload(*value)

    def _stopped(self, sentence: str) -> None:
        self.outcome = sentence  # said once, by the window's upload hint (not the status bar)
        self._set_task(None)
        self.window.progress.finish(sentence)
        self.upload_ended.emit(sentence)

    def _upload_finished(self, sis_import: Any) -> None:
        self._set_task(None)
        if self.job.ambiguous:
            self.status.emit(self.job.ambiguous)
        if self.job.report is not None:  # Canvas's counts are set against these at the end
            self.window.results.set_rows_sent(sis_import.id, self.job.report.counts_by_type())
        self.import_created.emit(sis_import)
        self.window.progress.start_polling(sis_import)
        self._follow()

    # ---- following --------------------------------------------------------------------
    def _follow(self) -> None:
        job = self.job
        self._following = followers().follow(job.target, job.sis_import.id, self,
                                             **self.poll_options)
        self.busy_changed.emit()

    def _poll_update(self, key: Key, sis_import: Any) -> None:
        if key != self._following or self.job is None:
            return
        self.job.sis_import = sis_import
        if not sis_import.is_terminal:
            self.window.progress.set_import(sis_import)

    def _poll_ended(self, key: Key, kind: str, value: Any) -> None:
        if key != self._following or self.job is None:
            return
        self._following = None
        self.busy_changed.emit()
        if kind == "finished":
            self._finished(value)
        elif kind == "failed":
            self.window.progress.lost_contact(value)
            self.status.emit(f"Lost contact with Canvas: {value}")
            self.upload_ended.emit(value)
        else:
            self._stopped_following()

    def _stopped_following(self) -> None:
        sentence = (f"Stopped following import {self.job.sis_import.id}; Canvas carries on "
                    "with it (see History).")
        self.window.progress.finish(sentence)
        self.upload_ended.emit(sentence)

    def _finished(self, sis_import: Any) -> None:
        self.job.sis_import = sis_import
        self.window.progress.set_import(sis_import)
        self.window.results.show_import(sis_import, self.job.target.client_factory)
        self.import_finished.emit(sis_import)

    # ---- user actions -----------------------------------------------------------------
    def follow_again(self) -> None:
        if self.job is not None and self.job.sis_import is not None and not self.busy:
            self.window.progress.resumed()
            self._follow()

    def stop_following(self) -> None:
        """Stop following here at once; the shared poller goes on only if another view
        (a History row, the status panel) still follows the import."""
        if self._following is not None:
            key, self._following = self._following, None
            followers().release(key, self)
            self.busy_changed.emit()
            self._stopped_following()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def abort_requested(self, confirm: Callable[[str, Callable[[], None]], None]) -> None:
        """Ask (through `confirm(text, on_yes)`), then abort the job's import on its own
        Canvas. Nothing to ask about once the import has ended."""
        job = self.job
        if job is None or job.sis_import is None:
            return
        if job.sis_import.is_terminal:
            self.status.emit(f"Import {job.sis_import.id} has already ended "
                             f"({job.sis_import.workflow_state.label.lower()}); there is "
                             "nothing to abort.")
            return
        import_id, target = job.sis_import.id, job.target
        confirm(f"Ask Canvas to abort import {import_id} on {target.describe()}? Rows already "
                "imported stay imported.", lambda: self._abort(target, import_id))

    def _abort(self, target: Target, import_id: int) -> None:
        from sis_desktop.core.import_flow import HistoryRecorder, abort_import
        task = tasks.CallTask(abort_import, target, import_id, HistoryRecorder())
        task.finished.connect(self._aborted)
        task.failed.connect(lambda s: self.status.emit(f"Canvas did not abort it: {s}"))
        self.window.progress.abort_button.setEnabled(False)
        for signal in (task.finished, task.failed):
            signal.connect(lambda *_: self.window.progress.abort_button.setEnabled(True))
        tasks.start(task, self)

    def _aborted(self, sis_import: Any) -> None:
        self.status.emit(f"Canvas says import {sis_import.id} is "
                         f"{sis_import.workflow_state.label.lower()}.")
        job = self.job
        if job is None or job.sis_import is None or job.sis_import.id != sis_import.id:
            return
        if self._following is None and sis_import.is_terminal:  # not followed right now
            self._finished(sis_import)
