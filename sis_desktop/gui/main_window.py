"""The main window: profile, files, pre-flight, options, upload, progress, results, history.

Every job runs as a task from `tasks.py`; the GUI thread never waits on network or disk.
The window keeps a `Connection` (the selected profile and its token), not a client: each
network task makes its own client from it and closes it when done (a requests.Session is
not shared between threads). One upload at a time: check → (confirm) → safety check → upload → follow → results;
that flow and its state live in `ImportController`, which keeps each import's own Canvas
(`Target`): nothing done to an import reads the profile selected now.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QGroupBox, QHBoxLayout, QLabel, QMainWindow,
                               QPushButton, QScrollArea, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

import sis_desktop
from . import icons, tasks
from .drop_zone import DropZone
from .followers import followers
from .import_controller import ImportController
from .notifier import Notifier
from .options_panel import OptionsPanel
from .preflight_view import PreflightView
from .profile_bar import ProfileBar

NO_PROFILE = "no profile"
MIN_SIZE = QSize(800, 600)  # everything fits from here: no sideways scrolling in Options


def target_for_history_row(entry: Any) -> Any:
    """Worker: the `Target` of a history row — its *own* Canvas and account, with the token
    of the profile it was sent with — or a sentence when that profile is gone, now points at
    another Canvas, or has no token (the row is then not followed)."""
    from sis_desktop.core.import_flow import target_for_entry
    from sis_desktop.core.profiles import ProfileStore
    from sis_desktop.core.secrets import TokenStore
    return target_for_entry(entry, ProfileStore().load(), TokenStore().get)


class MainWindow(QMainWindow):
    """The app window. Signals are for tests and the tray: they fire on the GUI thread."""

    profiles_loaded = Signal()
    connected = Signal(object)       # Connection (client factory) of the selected profile
    connection_failed = Signal(str)
    terms_loaded = Signal(list)
    preflight_done = Signal(object)  # sis_csv.Report, or None when the check failed
    upload_started = Signal()
    import_created = Signal(object)  # SisImport as Canvas answered the upload
    import_finished = Signal(object)  # terminal SisImport
    upload_ended = Signal(str)       # sentence when an upload stops without an import
    notified = Signal(str, str)      # title, message of an end-of-import notification
    first_shown = Signal()
    first_painted = Signal()  # the first frame is drawn; the warm-up follows it
    diagnostics_copied = Signal(str)  # the text put on the clipboard

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(icons.app_icon())
        self.resize(1280, 800)
        self.setMinimumSize(MIN_SIZE)
        self.report: Any = None
        self._validate: tasks.Task | None = None
        self.imports = ImportController(self)  # the upload and its import (own Target)
        self.imports.busy_changed.connect(self._update_actions)
        self.imports.status.connect(lambda text: self.statusBar().showMessage(text))
        self.imports.upload_started.connect(self.upload_started)
        self.imports.upload_started.connect(self._update_actions)
        self.imports.import_created.connect(self.import_created)
        self.imports.upload_ended.connect(self.upload_ended)
        self.imports.import_finished.connect(self._import_finished)
        # a poller that could not write the history says so here (and goes on following)
        followers().warned.connect(self._follower_warned)  # a bound slot: gone with the window
        self._dialog: QWidget | None = None
        self._options_profile: Any = None  # the profile whose defaults the options started from
        self.notifier = Notifier(self)  # the end of an import, while the user looks elsewhere
        self.notifier.notified.connect(self.notified)
        self._shown = False
        self._painted = False
        self._warm_up_scheduled = False
        self._resumed = False
        self._build()
        self._update_title()
        self._update_actions()

    # ---- building ---------------------------------------------------------------------
    def _build(self) -> None:
        self.profile_bar = ProfileBar(self)
        bar = self.profile_bar
        bar.profiles_loaded.connect(self._profiles_loaded)
        bar.profile_changed.connect(self._profile_changed)
        bar.connected.connect(self._connected)
        bar.connection_failed.connect(self.connection_failed)
        bar.terms_loaded.connect(self._terms_loaded)
        # the bar's widgets, under the names tests and accessibility tools know
        self.profile_combo, self.manage_button = bar.profile_combo, bar.manage_button
        self.connection_label = bar.connection_label

        self.drop_zone = DropZone(self)
        self.drop_zone.files_changed.connect(self._files_changed)
        files_box = QGroupBox("Files", self)
        QVBoxLayout(files_box).addWidget(self.drop_zone)

        self.options_panel = OptionsPanel(self)
        self.options_panel.changed.connect(self._update_actions)
        options_scroll = QScrollArea(self)
        options_scroll.setObjectName("optionsScroll")
        options_scroll.setWidgetResizable(True)
        options_scroll.setFrameShape(QScrollArea.NoFrame)
        options_scroll.setWidget(self.options_panel)
        options_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # it fits instead:
        options_scroll.setMinimumWidth(self.options_panel.minimum_width()
                                       + options_scroll.verticalScrollBar().sizeHint().width())
        options_box = QGroupBox("Options", self)
        QVBoxLayout(options_box).addWidget(options_scroll)

        left = QSplitter(Qt.Vertical, self)
        left.setObjectName("leftSplitter")
        left.addWidget(files_box)
        left.addWidget(options_box)
        left.setStretchFactor(0, 2)
        left.setStretchFactor(1, 3)
        left.setSizes([280, 440])

        # Keyboard focus follows creation order: the tab bar (made with the tab widget)
        # before the pages, then the Upload button (kept last by _keep_upload_last).
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.preflight = PreflightView(self)
        self.preflight.changed.connect(self._update_actions)
        self.import_page = QWidget(self)
        self.import_page.setObjectName("importPage")
        QVBoxLayout(self.import_page)
        self._import_widgets: tuple[Any, Any] | None = None
        self.history_page = QWidget(self)
        self.history_page.setObjectName("historyPage")
        QVBoxLayout(self.history_page).setContentsMargins(0, 0, 0, 0)
        self._history_view: QWidget | None = None
        self.tabs.addTab(self.preflight, icons.info_icon(), "Pre-&flight")
        self.check_page = QWidget(self)
        self.check_page.setObjectName("checkPage")
        QVBoxLayout(self.check_page).setContentsMargins(0, 0, 0, 0)
        self._canvas_check: QWidget | None = None
        self.tabs.addTab(self.check_page, "Check against &Canvas")
        self.tabs.addTab(self.import_page, icons.upload_icon(), "&Import")
        self.tabs.addTab(self.history_page, "&History")

        split = QSplitter(Qt.Horizontal, self)
        split.setObjectName("mainSplitter")
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([500, 780])

        self.upload_hint = QLabel(self)
        self.upload_hint.setObjectName("uploadHint")
        self.upload_hint.setWordWrap(True)
        self.upload_button = QPushButton(icons.upload_icon(), "&Upload to Canvas", self)
        self.upload_button.setObjectName("uploadButton")
        self.upload_button.setAccessibleName("Upload to Canvas")
        self.upload_button.setToolTip("Send the files with these options (Ctrl+Return)")
        self.upload_button.setMinimumHeight(34)
        self.upload_button.clicked.connect(self.upload_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.upload_hint, 1)
        bottom.addWidget(self.upload_button)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.profile_bar)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.setCentralWidget(central)
        self._build_menus()

    def _warm_up(self) -> None:
        """Once the first frame is painted: read the profiles (the keyring module is slow
        to import), build the Import, Check and History pages and polish the hidden ones, so
        the first switch to them later costs no visible pause. One step per turn of the
        event loop (each takes a few tens of ms; all at once, 170 ms): clicks and repaints
        get through in between."""
        steps = [self.reload_profiles, self._import_parts, lambda: self.canvas_check,
                 lambda: self.history_view,
                 *(lambda i=i: self._polish_page(i) for i in range(self.tabs.count()))]

        def next_step() -> None:
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, self, next_step)
        next_step()

    def _polish_page(self, index: int) -> None:
        page = self.tabs.widget(index)
        page.ensurePolished()
        for child in page.findChildren(QWidget):
            child.ensurePolished()
        if page.layout() is not None:
            page.layout().activate()

    def _import_parts(self) -> tuple[Any, Any]:
        """The Import tab's ProgressPanel and ResultsView, built on first use (after the
        window is shown: nothing there is visible at start)."""
        if self._import_widgets is None:
            from .progress_panel import ProgressPanel
            from .results_view import ResultsView
            progress = ProgressPanel(self.import_page)
            progress.cancel_button.clicked.connect(self.imports.cancel)
            progress.stop_button.clicked.connect(self.imports.stop_following)
            progress.resume_button.clicked.connect(self.imports.follow_again)
            progress.abort_button.clicked.connect(self.abort_requested)
            results = ResultsView(self.import_page)
            layout = self.import_page.layout()
            layout.addWidget(progress)
            layout.addWidget(results, 1)
            layout.addStretch(0)
            self._import_widgets = (progress, results)
            self._keep_upload_last()
        return self._import_widgets

    @property
    def progress(self) -> Any:
        """The ProgressPanel of the Import tab."""
        return self._import_parts()[0]

    @property
    def results(self) -> Any:
        """The ResultsView of the Import tab."""
        return self._import_parts()[1]

    @property
    def canvas_check(self) -> QWidget:
        """The "Check against Canvas" tab's panel, built on first use (after the window is
        shown: its module and widgets are not needed for the first frame)."""
        if self._canvas_check is None:
            from .canvas_check import CanvasCheckPanel
            panel = CanvasCheckPanel(self._check_context, self.check_page)
            self.check_page.layout().addWidget(panel)
            self._canvas_check = panel
            self._keep_upload_last()
        return self._canvas_check

    @property
    def history_view(self) -> QWidget:
        """The History tab's HistoryView, built on first use (after the window is shown,
        to keep startup quick; it opens the history database on a worker)."""
        if self._history_view is None:
            from .history_view import HistoryView
            view = HistoryView(parent=self.history_page)
            view.attach_results_view(self.results)
            self.history_page.layout().addWidget(view)
            self._history_view = view
            self._keep_upload_last()
        return self._history_view

    def _keep_upload_last(self) -> None:
        """Put the Upload button back after the tab pages in the keyboard focus order (a
        page built later joins the order at its end, after the button)."""
        chain, widget = [], self.nextInFocusChain()
        while widget is not self:
            chain.append(widget)
            widget = widget.nextInFocusChain()
        in_tabs = [w for w in chain if self.tabs.isAncestorOf(w)
                   and w.focusPolicy() & Qt.FocusPolicy.TabFocus]  # setTabOrder skips others
        if in_tabs and in_tabs[-1].nextInFocusChain() is not self.upload_button:
            QWidget.setTabOrder(in_tabs[-1], self.upload_button)

    def _build_menus(self) -> None:
        def action(text: str, name: str, slot, shortcut=None) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            if shortcut is not None:
                act.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
            act.triggered.connect(slot)
            return act

        self.open_action = action("&Choose files…", "chooseFilesAction",
                                  self.drop_zone.choose_requested, QKeySequence.Open)
        self.upload_action = action("&Upload", "uploadAction", self.upload_requested,
                                    [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.quit_action = action("&Quit", "quitAction", self.close, QKeySequence.Quit)
        self.about_action = action("&About SIS Desktop", "aboutAction", self.about_requested)
        self.diagnostics_action = action("&Copy diagnostics", "copyDiagnosticsAction",
                                         self.copy_diagnostics_requested)
        self.diagnostics_action.setToolTip("Copy versions, folders and recent problems (never "
                                           "a token) to paste into a bug report")
        self.addAction(self.upload_action)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.upload_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.diagnostics_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    # ---- profiles and connection (the ProfileBar owns them) ---------------------------
    @property
    def profile(self) -> Any:
        return self.profile_bar.profile

    @property
    def profiles(self) -> list[Any]:
        return self.profile_bar.profiles

    @property
    def client_factory(self) -> Any:
        """The selected profile's Connection (a client factory), None until connected."""
        return self.profile_bar.client_factory

    @client_factory.setter
    def client_factory(self, factory: Any) -> None:
        self.profile_bar.client_factory = factory

    def reload_profiles(self, reconnect: bool = False) -> None:
        self.profile_bar.reload_profiles(reconnect)

    def add_session_profile(self, name: str, url: str, account_id: Any, token: str) -> tasks.Task:
        """Add an in-memory profile (the token is kept for this session only) and select it."""
        return self.profile_bar.add_session_profile(name, url, account_id, token)

    def manage_profiles_requested(self) -> None:
        self._dialog = self.profile_bar.manage_profiles_requested()

    def _profiles_loaded(self, notice: str | None) -> None:
        if notice:
            self.statusBar().showMessage(notice)
        if not self._resumed:
            self._resumed = True
            self.history_view.resume(target_for_history_row)
        self.profiles_loaded.emit()

    def _profile_changed(self, profile: Any) -> None:
        self.imports.outcome = None
        self.options_panel.term_picker.set_has_profile(profile is not None)
        self._update_title()
        self._update_actions()
        if profile is None:
            self.history_view.set_connection(None, None, None, None)
            return
        if profile != self._options_profile:  # keep the user's edits on a reconnect
            self._options_profile = profile
            self.options_panel.set_options(profile.import_options())
            self.options_panel.set_terms([])

    def _connected(self, profile: Any, connection: Any) -> None:
        self.history_view.set_connection(profile.name, profile.url, profile.account_id,
                                         connection)
        self._update_actions()
        self.connected.emit(connection)

    def _terms_loaded(self, profile: Any, terms: list[Any]) -> None:
        self.options_panel.set_terms(terms)
        self.terms_loaded.emit(terms)

    def _update_title(self) -> None:
        name = self.profile.name if self.profile else NO_PROFILE
        self.setWindowTitle(f"{sis_desktop.APP_NAME} — {name}")

    # ---- files and pre-flight ---------------------------------------------------------
    def load_files(self, paths: list[str]) -> Any:
        """Add files as if dropped (checked on a worker; `drop_zone.paths_checked` carries
        the refusal sentences); returns the task."""
        return self.drop_zone.add_paths(paths)

    def _files_changed(self, paths: list[str]) -> None:
        self.imports.outcome = None
        if self._validate is not None:
            self._validate.cancel()
            self._validate = None
        self.report = None
        if not paths:
            self.preflight.clear()
            self._update_actions()
            return
        self.preflight.show_running(paths)
        self.tabs.setCurrentWidget(self.preflight)
        task = tasks.ValidateTask(paths)
        task.progress.connect(lambda v: task is self._validate and self.preflight.show_progress(*v))
        task.finished.connect(lambda report: self._validate_finished(task, report))
        task.failed.connect(lambda s: self._validate_failed(task, s))
        self._validate = tasks.start(task, self)
        self._update_actions()

    def _validate_finished(self, task: tasks.Task, report: Any) -> None:
        if task is not self._validate:
            return
        self._validate = None
        self.report = report
        self.preflight.show_report(report)
        self._update_actions()
        self.preflight_done.emit(report)

    def _validate_failed(self, task: tasks.Task, sentence: str) -> None:
        if task is not self._validate:
            return
        self._validate = None
        self.preflight.show_failure(sentence)
        self._update_actions()
        self.preflight_done.emit(None)

    # ---- upload -----------------------------------------------------------------------
    def upload_blockers(self) -> list[str]:
        """Why the upload cannot start now, as sentences (empty when it can)."""
        out: list[str] = []
        if self.imports.busy:
            out.append("An import is in progress.")
        if self.profile is None:
            out.append("Choose a profile.")
        elif self.client_factory is None:
            out.append("Not connected to Canvas yet.")
        if not self.drop_zone.paths():
            out.append("Choose the files to upload.")
        elif self._validate is not None:
            out.append("The pre-flight check is still running.")
        elif self.preflight.blocking():
            n = len(self.report.errors)
            out.append(f"The pre-flight check found {n:,} error{'s' if n != 1 else ''}: fix the "
                       "files, or tick “Upload anyway”.")
        out += self.options_panel.problems()
        return out

    def _update_actions(self) -> None:
        blockers = self.upload_blockers()
        self.upload_button.setEnabled(not blockers)
        self.upload_action.setEnabled(not blockers)
        if blockers:
            self.upload_hint.setText(" ".join(blockers))
        else:  # one line about sending, never two that disagree
            outcome = self.imports.outcome
            self.upload_hint.setText(f"{outcome} Upload again when ready." if outcome
                                     else f"Ready to send to {self.profile.name}.")
        busy = self.imports.busy
        self.profile_bar.set_busy(busy)
        self.drop_zone.setEnabled(not busy)
        self.open_action.setEnabled(not busy)  # Ctrl+O must not change the files mid-upload

    def upload_requested(self) -> None:
        self.statusBar().clearMessage()  # the last attempt's outcome no longer applies
        self.imports.outcome = None
        if self.upload_blockers():
            self._update_actions()
            return
        options = self.options_panel.options()
        if options.batch_mode:
            from .full_batch_dialog import FullBatchConfirmDialog
            counts = self.report.counts_by_type() if self.report else {}
            dialog = FullBatchConfirmDialog(
                self.options_panel.selected_term(), counts, options, self,
                file_term_ids=self.report.term_ids if self.report else None,
                preview_section=self.canvas_check.batch_section(self.drop_zone.paths(), options))
            dialog.accepted.connect(lambda: self._start_import(options))
            dialog.rejected.connect(lambda: self.statusBar().showMessage(
                "Full batch update cancelled; nothing was sent."))
            self._dialog = dialog
            dialog.open()
        else:
            self._start_import(options)

    def _check_context(self) -> Any:
        """For “Check against Canvas”: (client factory, files, options), or why not."""
        paths = self.drop_zone.paths()
        if self.client_factory is None or not paths:
            return "Connect to Canvas first." if paths else "Choose the files first."
        return self.client_factory, paths, self.options_panel.options()

    def target(self) -> Any:
        """Where an upload made now would go (the selected profile and its connection)."""
        from sis_desktop.core.import_flow import Target
        p = self.profile
        return Target(p.url, p.account_id, p.id, p.name, self.client_factory)

    def _start_import(self, options: Any) -> None:
        if self.upload_blockers():
            self._update_actions()
            return
        self.imports.start(self.target(), self.drop_zone.paths(), options, self.report)
        self.tabs.setCurrentWidget(self.import_page)
        self._update_actions()

    @property
    def sis_import(self) -> Any:
        """The window's upload as last seen (None before the first)."""
        return self.imports.sis_import

    @property
    def poll_options(self) -> dict[str, Any]:
        return self.imports.poll_options

    @poll_options.setter
    def poll_options(self, value: dict[str, Any]) -> None:
        self.imports.poll_options = dict(value)

    def _follower_warned(self, _key: Any, sentence: str) -> None:
        self.statusBar().showMessage(sentence)

    def _import_finished(self, sis_import: Any) -> None:
        self._update_actions()
        title = f"Import {sis_import.id}: {sis_import.workflow_state.label}"
        counts = f"{sis_import.error_count:,} errors, {sis_import.warning_count:,} warnings."
        if self.tabs.currentWidget() is not self.import_page:  # the user looks elsewhere: stay
            self.statusBar().showMessage(f"{title} — {counts} Details on the Import tab.")
        self.notifier.notify(title, counts)
        self.history_view.refresh_clicked()
        self.import_finished.emit(sis_import)

    def abort_requested(self) -> None:
        def confirm(text: str, on_yes) -> None:
            from PySide6.QtWidgets import QMessageBox
            box = QMessageBox(QMessageBox.Question, "Abort import?", text,
                              QMessageBox.Yes | QMessageBox.No, self)
            box.setObjectName("abortQuestion")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setDefaultButton(QMessageBox.No)
            box.button(QMessageBox.Yes).setText("&Abort import")
            box.button(QMessageBox.No).setText("&Keep it running")
            box.finished.connect(lambda r: on_yes() if r == QMessageBox.Yes else None)
            self._dialog = box
            box.open()
        self.imports.abort_requested(confirm)

    # ---- notifications, about, lifecycle -----------------------------------------------
    def copy_diagnostics_requested(self) -> tasks.Task:
        """Put the diagnostics summary (no token, no file contents) on the clipboard; it is
        put together on a worker (it reads the log)."""
        def collect() -> str:
            from sis_desktop.core.diagnostics import diagnostics_text
            return diagnostics_text()
        task = tasks.CallTask(collect)
        task.finished.connect(self._diagnostics_ready)
        task.failed.connect(lambda s: self.statusBar().showMessage(
            f"Diagnostics could not be gathered: {s}"))
        self.statusBar().showMessage("Gathering diagnostics…")
        return tasks.start(task, self)

    def _diagnostics_ready(self, text: str) -> None:
        QApplication.clipboard().setText(text)
        self.statusBar().showMessage("Diagnostics copied to the clipboard; paste them into "
                                     "your bug report.")
        self.diagnostics_copied.emit(text)

    def about_requested(self) -> None:
        from .about_dialog import AboutDialog
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.open()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.first_shown.emit()
            # A window started minimised may never paint: warm up anyway, a little later.
            QTimer.singleShot(1000, self._schedule_warm_up)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().paintEvent(event)
        if not self._painted:  # the rest waits until the window is on screen
            self._painted = True
            self._schedule_warm_up()
            self.first_painted.emit()

    def _schedule_warm_up(self) -> None:
        if not self._warm_up_scheduled:
            self._warm_up_scheduled = True
            QTimer.singleShot(0, self._warm_up)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        """Cancel this window's tasks and every poller (imports go on in Canvas). Every task is owned by this window or a widget in it, so none
        can reach a deleted widget: nothing else needs waiting for."""
        tasks.runner().cancel_owned(self)
        followers().stop_all()
        self.profile_bar.wait_for_settings(5000)  # the last-used profile reaches the disk
        self.notifier.hide()
        super().closeEvent(event)
