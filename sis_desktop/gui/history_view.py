"""HistoryView: the imports of one profile's account — the local history merged with Canvas's
own list (imports from cron jobs or the web page show as "sent elsewhere") — plus the
status check panel under it.

Each running import owns a progress bar in its row, updated by id from the shared
`Followers` (one poller per import, whichever views show it). `resume(target_for_entry)`
looks once at every import the history left unfinished (at start), each on the Canvas it
was sent to, and hands the running ones to the Followers.
The history database is opened and read on worker threads (`tasks.CallTask`), never on
the GUI thread; until it is open, `set_connection` and `resume` wait for it.
Signals: `importSelected(int)` when the user picks an import, `importFetched(object)` with
each SisImport fetched (the main window shows it in the results view), `localLoaded(int)`
once the local rows of a connection are shown.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.times import local_text
from sis_desktop.core.history import History, HistoryEntry, check_unfinished, url_key
from sis_desktop.core.import_flow import Target
from sis_desktop.core.import_list import ImportRow, load_import_list, merge_imports
from . import tasks
from .followers import Key, followers, key_of
from .status_check import ClientFactory, StatusCheckPanel

LIST_LIMIT = 50
MAX_FOLLOWED_ROWS = 4  # running rows of the list followed at once
COLUMNS = ("Import", "Sent", "State", "Progress", "Errors / warnings", "Files", "Sent by")
COL_ID, COL_SENT, COL_STATE, COL_PROGRESS, COL_MESSAGES, COL_FILES, COL_ORIGIN = range(7)


class ListTask(tasks.Task):
    """Fetch Canvas's list, refresh the history from it and merge; result: list[ImportRow]."""

    def __init__(self, client_factory: ClientFactory, history: History, limit: int):
        super().__init__()
        self.client_factory, self.history, self.limit = client_factory, history, limit

    def run(self) -> list[ImportRow]:
        with tasks.own_client(self.client_factory) as client:
            return load_import_list(client, self.history, limit=self.limit,
                                    cancelled=self.cancel_flag)


class ResumeTask(tasks.Task):
    """Look once at every unfinished import in the history, each on its own Canvas;
    `progress` carries (entry, SisImport). `target_for_entry(entry)` gives the row's
    `Target`, or a sentence why it cannot be followed. The result is `(running, problems)`:
    the (entry, Target) pairs still running, to be followed, and one sentence per import
    that could not be checked."""

    def __init__(self, history: History,
                 target_for_entry: Callable[[HistoryEntry], "Target | str | None"]):
        super().__init__()
        self.history, self.target_for_entry = history, target_for_entry

    def run(self) -> tuple[list[tuple[HistoryEntry, Target]], list[str]]:
        made: list[Any] = []
        targets: dict[int, Target] = {}

        def client_for(entry: HistoryEntry) -> Any:
            found = self.target_for_entry(entry)
            if not isinstance(found, Target):
                return found
            client = found.client()
            made.append(client)
            targets[id(client)] = found
            return client
        try:
            running, problems = check_unfinished(self.history, client_for,
                                                 on_update=lambda e, s: self.report((e, s)),
                                                 cancelled=self.cancel_flag)
            return [(entry, targets[id(client)]) for entry, client in running], problems
        finally:
            for client in made:
                client.close()


def read_local(history: History, url: str, account_id: Any) -> list[ImportRow]:
    """Worker: this account's rows as the history knows them."""
    return merge_imports(history.recent(url=url, account_id=account_id, limit=LIST_LIMIT), [])


class HistoryView(QWidget):
    """The merged import list of one account and the status check panel."""

    importSelected = Signal(int)
    importFetched = Signal(object)
    listLoaded = Signal(int)  # number of rows, after each successful refresh
    localLoaded = Signal(int)  # number of local rows shown for a new connection
    historyOpened = Signal()

    def __init__(self, history: History | None = None, parent: QWidget | None = None):
        """`history`: an open History, or None to open the default one on a worker."""
        super().__init__(parent)
        self.setObjectName("historyView")
        self.history: History | None = history
        self._pending_resume: Callable[[HistoryEntry], Any] | None = None  # target_for_entry
        self._history_problem: str | None = None  # why the history could not be opened
        self._local_task: tasks.Task | None = None
        self._profile: str | None = None
        self._key: tuple[str, str] | None = None
        self._client_factory: ClientFactory | None = None
        self._url: str | None = None
        self._account_id: Any = None
        self._items: dict[int, QTreeWidgetItem] = {}
        self._rows: dict[int, ImportRow] = {}
        self._followers: dict[int, Key] = {}  # import id → key in the shared Followers
        self._target: Target | None = None
        self._list_task: ListTask | None = None
        self._resume_task: ResumeTask | None = None
        self._resumed: dict[Key, HistoryEntry] = {}  # imports followed since the start
        self._notices: dict[str, str] = {}  # source -> sentence, shown in self.notice

        self.title = QLabel("Choose a profile to see its imports.", self)
        self.title.setObjectName("historyTitle")
        self.refresh_button = QPushButton("Refresh list", self)
        self.refresh_button.setObjectName("historyRefreshButton")
        self.refresh_button.setAccessibleName("Refresh list")
        self.refresh_button.setToolTip("Load the latest imports from Canvas")
        self.notice = QLabel(history.notice or "" if history else "", self)
        self.notice.setObjectName("historyNotice")
        self.notice.setAccessibleName("History notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(self.notice.text()))
        if self.notice.text():
            self._notices["history"] = self.notice.text()

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("historyList")
        self.tree.setAccessibleName("Imports")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col in (COL_ID, COL_SENT, COL_MESSAGES, COL_ORIGIN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_FILES, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_STATE, 160)  # long labels are in the tooltip
        header.resizeSection(COL_PROGRESS, 80)

        self.status = StatusCheckPanel(self.history, self)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)

        self.refresh_button.clicked.connect(self.refresh_clicked)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(lambda *_: self.status.check_clicked())
        self.status.importFetched.connect(self._sis_seen)
        self.status.importFetched.connect(self.importFetched)
        self.status.importSelected.connect(self.importSelected)
        self.refresh_button.setEnabled(False)
        hub = followers()
        hub.updated.connect(self._hub_update)
        hub.ended.connect(self._hub_ended)
        if history is None:
            self._open_history()

    def _open_history(self) -> None:
        task = tasks.CallTask(History)
        task.finished.connect(self._history_opened)
        task.failed.connect(self._history_failed)
        self.title.setText("Opening the import history…")
        tasks.start(task, self)

    def _history_failed(self, sentence: str) -> None:
        """No history this session: Canvas's list cannot be merged with it either."""
        self._history_problem = sentence
        self._show_notice(sentence, "history")
        self.title.setText("The import history is not available.")
        self.refresh_button.setText("Refresh list")
        self.refresh_button.setEnabled(False)

    def _history_opened(self, history: History) -> None:
        self.history = history
        self.status.history = history
        if history.notice:
            self._show_notice(history.notice, "history")
        if self._key is None:
            self.title.setText("Choose a profile to see its imports.")
        else:
            self._load_local()
        if self._pending_resume is not None:
            target_for_entry, self._pending_resume = self._pending_resume, None
            self.resume(target_for_entry)
        self.historyOpened.emit()

    # ---- public API ------------------------------------------------------------------
    def set_connection(self, profile: str | None, url: str | None, account_id: Any,
                       client_factory: ClientFactory | None) -> None:
        """Show the imports of this Canvas account; `client_factory()` makes a CanvasClient
        (called on a worker thread). None for url/factory: no profile chosen."""
        self._stop_tasks()
        self._show_notice("", "account")  # another account: the last one's trouble is gone
        self._profile, self._client_factory = profile, client_factory
        self._key = (url_key(url), str(account_id)) if url and account_id is not None else None
        self._target = Target(url, str(account_id), None, profile, client_factory) \
            if self._key is not None else None
        self.status.set_target(self._target)
        self.tree.clear()
        self._items.clear()
        self._rows.clear()
        if self._key is None:
            self.title.setText("Choose a profile to see its imports.")
            self.refresh_button.setText("Refresh list")
            self.refresh_button.setEnabled(False)
            return
        self.title.setText(f"Imports of account {account_id} on {self._key[0]}"
                           + (f" (profile {profile})" if profile else ""))
        self._url, self._account_id = url, account_id
        self.refresh_button.setText("Loading…")
        self.refresh_button.setEnabled(False)
        if self.history is not None:
            self._load_local()
        elif self._history_problem is not None:
            self._history_failed(self._history_problem)

    def _load_local(self) -> None:
        """Read this account's local rows (worker), show them, then ask Canvas."""
        task = tasks.CallTask(read_local, self.history, self._url, self._account_id)
        self._local_task = task
        task.finished.connect(lambda rows, t=task: self._local_finished(t, rows))
        task.failed.connect(lambda sentence, t=task: self._local_finished(t, [], sentence))
        tasks.start(task, self)

    def _local_finished(self, task: tasks.Task, rows: list[ImportRow],
                        problem: str | None = None) -> None:
        if task is not self._local_task:
            return
        self._local_task = None
        if problem:
            self._show_notice(f"The import history could not be read: {problem}", "account")
        self._show_rows(rows)
        self.refresh_button.setText("Refresh list")
        self.refresh_button.setEnabled(self._client_factory is not None)
        self.localLoaded.emit(len(rows))
        if self._client_factory is not None:
            self.refresh_clicked()

    def refresh_clicked(self) -> None:
        if (self._client_factory is None or self.history is None or self._list_task is not None
                or self._local_task is not None):
            return
        task = ListTask(self._client_factory, self.history, LIST_LIMIT)
        self._list_task = task
        for signal in (task.finished, task.failed, task.cancelled):
            signal.connect(lambda *_, t=task: self._list_ended(t))
        task.finished.connect(self._list_finished)
        task.failed.connect(lambda sentence: self._show_notice(
            f"Could not load the list of imports from Canvas: {sentence}", "account"))
        self.refresh_button.setEnabled(False)
        self.refresh_button.setText("Loading…")
        tasks.start(task, self)

    def resume(self, target_for_entry: Callable[[HistoryEntry], Any]) -> ResumeTask | None:
        """Follow every import the history left unfinished, each on its own Canvas (call
        once at start; `target_for_entry(entry)` runs on a worker and gives a Target or a
        sentence). Returns the task, or None when it starts later, once the history is open."""
        if self.history is None:
            self._pending_resume = target_for_entry
            return None
        task = ResumeTask(self.history, target_for_entry)
        self._resume_task = task
        task.progress.connect(lambda pair: self._sis_seen(pair[1], pair[0]))
        task.finished.connect(self._resume_finished)
        task.failed.connect(lambda s: self._show_notice(f"Unfinished imports were not checked: {s}",
                                                        "resume"))
        tasks.start(task, self)
        return task

    def _resume_finished(self, result: tuple[list[tuple[HistoryEntry, Target]], list[str]]) -> None:
        running, problems = result
        if problems:
            self._show_notice(" ".join(problems), "resume")
        for entry, target in running:  # each on its own Canvas, one poller per import
            self._resumed[key_of(target, entry.import_id)] = entry
            followers().follow(target, entry.import_id, self)

    def attach_results_view(self, results_view: Any) -> None:
        """Show every import fetched here in `results_view` (a ResultsView), with the
        client factory of the account it belongs to (for its error rows)."""
        self.importFetched.connect(
            lambda sis: results_view.show_import(sis, self._client_factory))

    def item_for(self, import_id: int) -> QTreeWidgetItem | None:
        return self._items.get(import_id)

    def row_for(self, import_id: int) -> ImportRow | None:
        return self._rows.get(import_id)

    def progress_bar_for(self, import_id: int) -> QProgressBar | None:
        item = self._items.get(import_id)
        widget = self.tree.itemWidget(item, COL_PROGRESS) if item is not None else None
        return widget if isinstance(widget, QProgressBar) else None

    def import_ids(self) -> list[int]:
        return [int(self.tree.topLevelItem(i).data(COL_ID, Qt.ItemDataRole.UserRole))
                for i in range(self.tree.topLevelItemCount())]

    def following(self) -> list[int]:
        return sorted(self._followers)

    def shutdown(self) -> None:
        """Stop every task this view started (the imports go on in Canvas)."""
        self._stop_tasks()
        if self._resume_task is not None:
            self._resume_task.cancel()
        for key in list(self._resumed):
            followers().release(key, self)
        self._resumed.clear()

    # ---- rows ------------------------------------------------------------------------
    def _show_rows(self, rows: list[ImportRow]) -> None:
        current = self.status.import_id()
        self.tree.clear()
        self._items.clear()
        self._rows = {r.import_id: r for r in rows}
        for row in rows:
            item = QTreeWidgetItem()
            item.setData(COL_ID, Qt.ItemDataRole.UserRole, row.import_id)
            self.tree.addTopLevelItem(item)
            self._items[row.import_id] = item
            self._fill(item, row)
            if row.import_id == current:
                self.tree.setCurrentItem(item)

    def _fill(self, item: QTreeWidgetItem, row: ImportRow) -> None:
        item.setText(COL_ID, str(row.import_id))
        item.setText(COL_SENT, local_text(row.created_at))
        item.setText(COL_STATE, row.workflow_state.label)
        item.setToolTip(COL_STATE, row.workflow_state.label)
        item.setText(COL_MESSAGES, f"{row.error_count} / {row.warning_count}"
                     if not row.is_running else "")
        item.setText(COL_FILES, ", ".join(row.files))
        item.setToolTip(COL_FILES, "\n".join(row.files))  # the column is often too narrow
        profile = row.entry.profile if row.entry else None
        item.setText(COL_ORIGIN, "sent elsewhere" if not row.sent_here
                     else f"this app ({profile})" if profile else "this app")
        item.setToolTip(COL_ORIGIN, "Sent by a script, a cron job or Canvas's web page"
                        if not row.sent_here else "Sent from SIS Desktop")
        font = item.font(COL_ORIGIN)
        font.setItalic(not row.sent_here)
        item.setFont(COL_ORIGIN, font)
        bar = self.tree.itemWidget(item, COL_PROGRESS)
        if row.is_running:
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar(self.tree)
                bar.setObjectName(f"rowProgress{row.import_id}")
                bar.setAccessibleName(f"Progress of import {row.import_id}")
                bar.setRange(0, 100)
                self.tree.setItemWidget(item, COL_PROGRESS, bar)
            bar.setValue(row.progress)
            item.setText(COL_PROGRESS, "")
        else:
            if bar is not None:
                self.tree.removeItemWidget(item, COL_PROGRESS)
            item.setText(COL_PROGRESS, f"{row.progress}%")

    def _sis_seen(self, sis: Any, entry: HistoryEntry | None = None) -> None:
        """A fresher SisImport arrived (check, follow, resume): update its row by id."""
        if not isinstance(sis, SisImport):
            return
        if entry is not None and (url_key(entry.url), str(entry.account_id)) != self._key:
            return
        row = self._rows.get(sis.id)
        item = self._items.get(sis.id)
        if row is None or item is None:
            return
        row.workflow_state, row.progress = sis.workflow_state, sis.progress
        row.ended_at, row.sis_import = sis.ended_at, sis
        row.error_count, row.warning_count = sis.error_count, sis.warning_count
        self._fill(item, row)
        if self.status.import_id() == sis.id:
            self.status.show_import(sis)

    def _current_changed(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        import_id = int(item.data(COL_ID, Qt.ItemDataRole.UserRole))
        self.status.set_import_id(import_id)
        row = self._rows.get(import_id)
        if row is not None and row.sis_import is not None:
            self.status.show_import(row.sis_import)
            self.importFetched.emit(row.sis_import)
        self.importSelected.emit(import_id)

    # ---- tasks -----------------------------------------------------------------------
    def _list_finished(self, rows: list[ImportRow]) -> None:
        self._show_notice("", "account")  # the list loaded: an old failure no longer applies
        self._show_rows(rows)
        self._follow_running(rows)
        self.listLoaded.emit(len(rows))

    def _list_ended(self, task: ListTask) -> None:
        if self._list_task is not task:  # replaced by a new connection, which set the button
            return
        self._list_task = None
        self.refresh_button.setText("Refresh list")
        self.refresh_button.setEnabled(self._client_factory is not None)

    def _follow_running(self, rows: list[ImportRow]) -> None:
        if self._target is None or self._target.client_factory is None:
            return
        for row in rows:
            if len(self._followers) >= MAX_FOLLOWED_ROWS:
                break
            if not row.is_running or row.import_id in self._followers:
                continue
            self._followers[row.import_id] = followers().follow(self._target, row.import_id,
                                                                self)

    def _hub_update(self, key: Key, sis: Any) -> None:
        entry = self._resumed.get(key)
        if entry is not None:
            self._sis_seen(sis, entry)
        elif self._key is not None and key[:2] == self._key:
            self._sis_seen(sis)

    def _hub_ended(self, key: Key, kind: str, value: Any) -> None:
        entry = self._resumed.pop(key, None)
        if kind == "finished":
            self._sis_seen(value, entry) if entry is not None else (
                self._key is not None and key[:2] == self._key and self._sis_seen(value))
        elif kind == "failed" and entry is not None:
            self._show_notice(f"Import {entry.import_id} on {entry.url} could not be "
                              f"followed: {value}", "resume")
        if self._followers.get(key[2]) == key:
            del self._followers[key[2]]

    def _stop_tasks(self) -> None:
        for key in self._followers.values():
            followers().release(key, self)
        self._followers.clear()
        if self._list_task is not None:
            self._list_task.cancel()
            self._list_task = None
        if self._local_task is not None:
            self._local_task.cancel()
            self._local_task = None
        self.status.stop_clicked()

    def _show_notice(self, text: str, source: str) -> None:
        """One notice per source ("history": the database; "account": the shown account's
        list; "resume": following unfinished imports); an empty text clears it."""
        self._notices.pop(source, None)
        if text:
            self._notices[source] = text
        joined = "\n".join(self._notices.values())
        self.notice.setText(joined)
        self.notice.setVisible(bool(joined))
