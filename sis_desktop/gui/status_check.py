"""StatusCheckPanel: type an import id and see its status; follow it; abort or restore it.

The panel works on one Canvas account, its `Target` (set by the History view); every action
takes the target it had when the user clicked, so a later profile change cannot redirect it.
Network calls run as tasks (`sis_desktop.gui.tasks`); following goes through the shared
`Followers` (one poller per import, whoever else shows it); the panel only shows what they
report. Every action that changes something on Canvas asks first, in a QMessageBox that
says what it does. Signals: `importFetched(object)` carries each SisImport seen (the main
window shows it in the results view), `importSelected(int)` the id checked or followed.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.times import local_text
from sis_desktop.core.history import History
from sis_desktop.core.import_flow import HistoryRecorder, Target, check_import
from . import tasks
from .followers import Key, followers

ClientFactory = tasks.ClientFactory

RESTORE_SCOPES = (
    ("everything", "Everything it changed"),
    ("undelete_only", "Only what it deleted"),
    ("unconclude_only", "Only enrollments it concluded"),
)
PROMPT_TEXT = "Type or paste an import id, or pick one from the list."
RESTORE_WAIT_TRIES = 30  # checks (about one a second) for the restore to start


def restore_description(import_id: int, *, batch_mode: bool, undelete_only: bool,
                        unconclude_only: bool) -> str:
    """What restoring states of `import_id` with these filters will do, in one sentence."""
    if undelete_only and unconclude_only:
        raise ValueError("undelete_only and unconclude_only cannot both be set")
    if undelete_only:
        what = "bring back what it deleted"
    elif unconclude_only:
        what = "reopen the enrollments it concluded"
    else:
        what = "undo every state change it made (created, deleted, concluded)"
    if batch_mode:
        what += ", but only for what batch mode removed"
    return (f"Canvas will {what} for import {import_id}. This changes live courses, sections, "
            "enrollments and users; restore data is kept only 30 days after the import.")


def status_summary(sis: SisImport) -> str:
    """Several lines about one import: state, progress, times, counts, messages."""
    lines = [f"Import {sis.id}: {sis.workflow_state.label}"
             + ("" if sis.is_terminal else f" — {sis.progress}%")]
    if sis.in_cleanup:
        lines.append("Progress restarted for the batch clean-up stage.")
    for label, when in (("Created", sis.created_at), ("Started", sis.started_at),
                        ("Ended", sis.ended_at)):
        if when is not None:
            lines.append(f"{label}: {local_text(when, seconds=True)}")
    counts = {k: v for k, v in sis.counts.items()
              if v and k not in ("error_count", "warning_count")}
    if counts:
        lines.append("Rows: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if sis.is_terminal or sis.error_count or sis.warning_count:
        lines.append(f"Errors: {sis.error_count}, warnings: {sis.warning_count}")
    for msg in (sis.processing_errors + sis.processing_warnings)[:5]:
        lines.append(f"• {msg.file + ': ' if msg.file else ''}{msg.message}")
    return "\n".join(lines)


def call_and_record(target: Target, history: History | None, method: str,
                    import_id: int) -> SisImport:
    """Worker: look at (`get_import`) or abort (`abort`) an import on `target`'s Canvas;
    what Canvas answers is stored in the history (best-effort) when the import is there."""
    from sis_desktop.core.import_flow import abort_import
    recorder = HistoryRecorder(history=history) if history is not None else None
    if method == "abort":
        return abort_import(target, import_id, recorder)
    return check_import(target, import_id, recorder)


class RestoreTask(tasks.Task):
    """Ask Canvas to restore states, then follow the import until restored or
    partially_restored (the state may still read as the old one for a moment)."""

    def __init__(self, target: Target, history: History | None, import_id: int,
                 **filters: bool):
        super().__init__()
        self.target, self.history, self.import_id = target, history, import_id
        self.filters = filters

    def seen(self, recorder: HistoryRecorder | None, sis: SisImport) -> None:
        if recorder is not None:
            recorder.update(self.target, sis)
        self.report(sis)

    def run(self) -> SisImport:
        recorder = HistoryRecorder(history=self.history) if self.history is not None else None
        with tasks.own_client(self.target.client) as client:
            client.restore_states(self.import_id, **self.filters)
            final = None
            for _ in range(RESTORE_WAIT_TRIES):
                final = client.poll(self.import_id, on_update=lambda s: self.seen(recorder, s),
                                    cancelled=self.cancel_flag)
                if final.workflow_state in (WorkflowState.RESTORED,
                                            WorkflowState.PARTIALLY_RESTORED):
                    break
                if self.cancel_flag.wait(1.0):
                    break
        return final


class StatusCheckPanel(QGroupBox):
    """Check one import by id; follow it until done; abort it, abort all pending, restore."""

    importFetched = Signal(object)   # SisImport
    importSelected = Signal(int)     # the id checked

    def __init__(self, history: History | None = None, parent: QWidget | None = None):
        super().__init__("Check an import", parent)
        self.setObjectName("statusCheckPanel")
        self.history = history  # may be set later (the view opens it on a worker)
        self._target: Target | None = None
        self._follow: tasks.Task | None = None   # a restore being followed
        self._following: Key | None = None       # the import followed through Followers
        self._busy: set[tasks.Task] = set()
        self._confirm_box: QMessageBox | None = None  # the question open now
        self._shown: SisImport | None = None  # the import the bar and text describe

        self.id_edit = QLineEdit(self)
        self.id_edit.setObjectName("statusImportIdEdit")
        self.id_edit.setPlaceholderText("Import id, e.g. 1234")
        self.id_edit.setAccessibleName("Import id")
        self.id_edit.setClearButtonEnabled(True)
        self.check_button = self._button("statusCheckButton", "Check",
                                         "Ask Canvas for this import's status now")
        self.follow_button = self._button("statusFollowButton", "Follow until done",
                                          "Keep checking until the import ends")
        self.stop_button = self._button("statusStopButton", "Stop following",
                                        "Stop checking (the import goes on in Canvas)")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("statusProgressBar")
        self.progress_bar.setAccessibleName("Import progress")
        self.progress_bar.setRange(0, 100)
        self.detail = QLabel(PROMPT_TEXT, self)
        self.detail.setObjectName("statusDetailLabel")
        self.detail.setAccessibleName("Import status")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.abort_button = self._button("abortImportButton", "Abort import…",
                                         "Stop this import if it has not finished")
        self.abort_all_button = self._button("abortAllPendingButton", "Abort all pending…",
                                             "Abort every import of the account not started yet")
        self.restore_scope = QComboBox(self)
        self.restore_scope.setObjectName("restoreScopeCombo")
        self.restore_scope.setAccessibleName("What to restore")
        for key, label in RESTORE_SCOPES:
            self.restore_scope.addItem(label, key)
        self.restore_batch = QCheckBox("Only what batch mode removed", self)
        self.restore_batch.setObjectName("restoreBatchModeCheck")
        self.restore_batch.setAccessibleName("Only what batch mode removed")
        self.restore_button = self._button("restoreStatesButton", "Restore states…",
                                           "Undo the state changes this import made")

        row = QHBoxLayout()
        row.addWidget(QLabel("Import id:", self))
        row.addWidget(self.id_edit, 1)
        row.addWidget(self.check_button)
        row.addWidget(self.follow_button)
        row.addWidget(self.stop_button)
        control = QGridLayout()  # three narrow rows: it fits beside the options at 800 px
        control.addWidget(self.abort_button, 0, 0)
        control.addWidget(self.abort_all_button, 0, 1)
        control.addWidget(self.restore_scope, 1, 0)
        control.addWidget(self.restore_button, 1, 1)
        control.addWidget(self.restore_batch, 2, 0, 1, 2)
        control.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.detail)
        layout.addLayout(control)

        self.id_edit.returnPressed.connect(self.check_clicked)
        self.id_edit.textChanged.connect(self._id_edited)
        self.check_button.clicked.connect(self.check_clicked)
        self.follow_button.clicked.connect(self.follow_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.abort_button.clicked.connect(self.abort_clicked)
        self.abort_all_button.clicked.connect(self.abort_all_clicked)
        self.restore_button.clicked.connect(self.restore_clicked)
        hub = followers()
        hub.updated.connect(self._hub_update)
        hub.ended.connect(self._hub_ended)
        self._update_buttons()

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(tip)
        return button

    # ---- public API ------------------------------------------------------------------
    def set_target(self, target: Target | None) -> None:
        """The Canvas account the panel works on (None: no profile). What the panel showed
        about another account is cleared."""
        self.stop_clicked()
        if target != self._target:
            self._shown = None
            self.progress_bar.setValue(0)
            self.detail.setText(PROMPT_TEXT)
        self._target = target if target is not None and target.client_factory else None
        self._update_buttons()

    @property
    def _client_factory(self) -> ClientFactory | None:
        return self._target.client_factory if self._target is not None else None

    def import_id(self) -> int | None:
        """The id typed or pasted (spaces and a leading '#' are ignored), or None."""
        text = self.id_edit.text().strip().lstrip("#").strip()
        return int(text) if text.isdigit() and int(text) > 0 else None

    def _wanted_id(self) -> int | None:
        """The id for an action, or None after saying what is wrong with the text."""
        import_id = self.import_id()
        if import_id is None and self.id_edit.text().strip():
            self._forget_shown()
            self.detail.setText(f"'{self.id_edit.text().strip()}' is not an import id; an "
                                "import id is a whole number such as 1234.")
        return None if self._client_factory is None else import_id

    def set_import_id(self, import_id: int) -> None:
        self.id_edit.setText(str(import_id))

    def show_import(self, sis: SisImport) -> None:
        """Display one SisImport (fetched here or elsewhere)."""
        if self.import_id() != sis.id:
            return
        self._shown = sis
        self.progress_bar.setValue(100 if sis.workflow_state.is_success else sis.progress)
        self.detail.setText(status_summary(sis))
        self._update_buttons()

    def following(self) -> bool:
        return self._follow is not None or self._following is not None

    # ---- user actions ----------------------------------------------------------------
    def check_clicked(self) -> None:
        import_id = self._wanted_id()
        if import_id is None:
            return
        self.importSelected.emit(import_id)
        self._run(tasks.CallTask(call_and_record, self._target, self.history,
                                 "get_import", import_id),
                  f"Checking import {import_id}…")

    def follow_clicked(self) -> None:
        import_id = self._wanted_id()
        if import_id is None:
            return
        self.stop_clicked()
        self.importSelected.emit(import_id)
        self.detail.setText(f"Following import {import_id}…")
        self._following = followers().follow(self._target, import_id, self)
        self._update_buttons()

    def stop_clicked(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None
        if self._following is not None:
            key, self._following = self._following, None
            followers().release(key, self)
            self.detail.setText(self.detail.text()
                                + "\nStopped following; the import goes on in Canvas.")
        self._update_buttons()

    def _hub_update(self, key: Key, sis: SisImport) -> None:
        if key == self._following:
            self._sis_seen(sis)

    def _hub_ended(self, key: Key, kind: str, value: object) -> None:
        if key != self._following:
            return
        self._following = None
        if kind == "finished":
            self._sis_seen(value)
        elif kind == "failed":
            self.detail.setText(str(value))
        self._update_buttons()

    def abort_clicked(self) -> None:
        import_id = self._wanted_id()
        if import_id is None:
            return
        target = self._target
        self.confirm(
            "Abort import",
            f"Abort import {import_id}? Canvas stops it; rows already imported stay. "
            "A running import notices only at its next progress step, and imports "
            "waiting behind it start about 10 minutes later.", "Abort import",
            lambda: self._run(tasks.CallTask(call_and_record, target, self.history, "abort",
                                             import_id),
                              f"Aborting import {import_id}…"))

    def abort_all_clicked(self) -> None:
        if self._client_factory is None:
            return
        factory = self._client_factory

        def abort_all() -> None:
            task = tasks.CallTask(tasks.call_client, factory, "abort_all_pending")
            task.finished.connect(lambda _: self.detail.setText(
                "Canvas aborted every import that had not started yet."))
            self._run(task, "Aborting all pending imports…", show_result=False)
        self.confirm(
            "Abort all pending imports",
            "Abort every import of this account that has not started yet (queued or "
            "initializing)? Imports already running are not touched.",
            "Abort all pending", abort_all)

    def restore_clicked(self) -> None:
        import_id = self._wanted_id()
        if import_id is None:
            return
        scope = self.restore_scope.currentData()
        filters = {"batch_mode": self.restore_batch.isChecked(),
                   "undelete_only": scope == "undelete_only",
                   "unconclude_only": scope == "unconclude_only"}
        target = self._target

        def restore() -> None:
            self.stop_clicked()
            self._start_follow(RestoreTask(target, self.history, import_id, **filters),
                               f"Asking Canvas to restore the states of import {import_id}…")
        self.confirm("Restore states", restore_description(import_id, **filters)
                     + " Restore now?", "Restore states", restore)

    def confirm(self, title: str, text: str, action: str,
                on_accepted: Callable[[], None]) -> QMessageBox:
        """Ask before changing something on Canvas (window-modal, without blocking: `open()`);
        `on_accepted` runs only when the user picks `action`. Cancel is the default."""
        if self._confirm_box is not None:
            self._confirm_box.close()  # one question at a time
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                          self)
        box.setObjectName("confirmBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName("confirmActionButton")
        no = box.addButton(QMessageBox.StandardButton.Cancel)
        no.setObjectName("confirmCancelButton")
        box.setDefaultButton(no)
        box.accepted.connect(on_accepted)
        box.finished.connect(lambda _: setattr(self, "_confirm_box", None))
        self._confirm_box = box
        box.open()
        return box

    # ---- tasks -----------------------------------------------------------------------
    def _run(self, task: tasks.Task, busy_text: str, show_result: bool = True) -> None:
        if show_result and self._shown is not None and self._shown.id != self.import_id():
            self._forget_shown()
        self.detail.setText(busy_text)
        self._busy.add(task)
        if show_result:
            task.finished.connect(self._sis_seen)
        task.failed.connect(self._failed)
        for signal in (task.finished, task.failed, task.cancelled):
            signal.connect(lambda *_, t=task: self._task_ended(t))
        tasks.start(task, self)
        self._update_buttons()

    def _start_follow(self, task: RestoreTask, busy_text: str) -> None:
        self._follow = task
        task.progress.connect(self._sis_seen)
        task.cancelled.connect(lambda: self.detail.setText(
            self.detail.text() + "\nStopped following; the import goes on in Canvas."))
        self._run(task, busy_text)

    def _task_ended(self, task: tasks.Task) -> None:
        self._busy.discard(task)
        if self._follow is task:
            self._follow = None
        self._update_buttons()

    def _sis_seen(self, sis: Any) -> None:
        if isinstance(sis, SisImport):
            self.show_import(sis)
            self.importFetched.emit(sis)

    def _id_edited(self, _text: str) -> None:
        """Another id typed: what is shown about the last one no longer applies."""
        if self._shown is not None and self._shown.id != self.import_id():
            self._forget_shown()
            self.detail.setText(PROMPT_TEXT)
        self._update_buttons()

    def _forget_shown(self) -> None:
        self._shown = None
        self.progress_bar.setValue(0)
        self._update_buttons()

    def _failed(self, sentence: str) -> None:
        """A check or action failed: its sentence, and no bar of an import it is not about."""
        if self._shown is None or self._shown.id != self.import_id():
            self._forget_shown()
        self.detail.setText(sentence)

    def _update_buttons(self) -> None:
        connected = self._client_factory is not None
        has_id = connected and bool(self.id_edit.text().strip())
        for button in (self.check_button, self.follow_button, self.restore_button):
            button.setEnabled(has_id)
        finished = (self._shown is not None and self._shown.id == self.import_id()
                    and self._shown.is_terminal)
        self.abort_button.setEnabled(has_id and not finished)
        self.abort_button.setToolTip("This import has ended; there is nothing to abort."
                                     if finished else "Stop this import if it has not finished")
        self.abort_all_button.setEnabled(connected)
        self.stop_button.setEnabled(self.following())
