"""ProfileBar: the profile selector, Manage… and the connection line at the top of the window.

It owns the saved and session-only profiles and the connection of the one selected: reading
profiles, the token and the terms all run as tasks. The window listens to its signals; an
import never asks the bar where it lives (it carries its own `Target`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from . import tasks


@dataclass(frozen=True)
class Connection:
    """A profile and its token; calling it makes a fresh CanvasClient (cheap; one per task)."""
    profile: Any
    token: str = field(repr=False)

    def __call__(self) -> Any:
        from sis_desktop.core.profiles import client_for
        return client_for(self.profile, self.token)


def open_connection(profile: Any) -> Connection:
    """Worker: the profile's token (session first, then the keyring), checked by making
    one client (a bad address fails here)."""
    from sis_desktop.core.profiles import ProfileError
    from sis_desktop.core.secrets import TokenStore
    token = TokenStore().get(profile.id)
    if not token:
        raise ProfileError(f"The profile '{profile.name}' has no saved token; add it with "
                           "Manage… and try again.")
    connection = Connection(profile, token)
    connection().close()
    return connection



def load_profiles() -> tuple[list[Any], str | None, str | None]:
    """Worker: saved profiles, the notice when a corrupt file was set aside, and the id of
    the profile last used."""
    from sis_desktop.core.last_used import last_profile
    from sis_desktop.core.profiles import ProfileStore
    store = ProfileStore()
    profiles = store.load()
    return profiles, store.set_aside_notice, last_profile()


def session_profile(name: str, url: str, account_id: Any, token: str) -> Any:
    """Worker: an in-memory profile whose token lives only in this process (and is masked
    in the log)."""
    from sis_desktop.core.logs import register_secret
    from sis_desktop.core.profiles import Profile
    from sis_desktop.core.secrets import TokenStore
    register_secret(token)
    profile = Profile(id=f"session-{name.lower()}", name=name, url=url, account_id=str(account_id))
    TokenStore().set_session(profile.id, token)
    return profile


class ProfileBar(QWidget):
    """Profile selector, Manage… and the connection line. Signals fire on the GUI thread."""

    profiles_loaded = Signal(object)          # the set-aside notice, or None
    profile_changed = Signal(object)          # the profile selected now (None: no profile)
    connected = Signal(object, object)        # profile, Connection (a client factory)
    connection_failed = Signal(str)
    terms_loaded = Signal(object, list)       # profile, its account's terms

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("profileBar")
        self.profiles: list[Any] = []
        self.session_profiles: list[Any] = []
        self.profile: Any = None
        self.client_factory: Connection | None = None
        self._settings: Any = None  # TaskRunner writing the last-used profile, in order
        self._dialog: QWidget | None = None

        self.profile_combo = QComboBox(self)
        self.profile_combo.setObjectName("profileSelector")
        self.profile_combo.setAccessibleName("Profile")
        self.profile_combo.setMinimumWidth(260)
        self.profile_combo.setPlaceholderText("Loading profiles…")
        self.profile_combo.currentIndexChanged.connect(self._profile_selected)
        self.manage_button = QPushButton("&Manage…", self)
        self.manage_button.setObjectName("manageProfilesButton")
        self.manage_button.setAccessibleName("Manage profiles")
        self.manage_button.setToolTip("Add, edit or remove Canvas profiles")
        self.manage_button.clicked.connect(self.manage_profiles_requested)
        self.connection_label = QLabel(self)
        self.connection_label.setObjectName("connectionStatus")
        self.connection_label.setWordWrap(True)
        profile_label = QLabel("&Profile:", self)
        profile_label.setBuddy(self.profile_combo)
        top = QHBoxLayout(self)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(profile_label)
        top.addWidget(self.profile_combo)
        top.addWidget(self.manage_button)
        top.addWidget(self.connection_label, 1)

    # ---- profiles ---------------------------------------------------------------------
    def reload_profiles(self, reconnect: bool = False) -> None:
        """Read the saved profiles (worker); `reconnect` re-opens the selected one even if
        unchanged (its token may have changed)."""
        task = tasks.CallTask(load_profiles)
        task.finished.connect(lambda result: self._profiles_finished(result, reconnect))
        task.failed.connect(lambda s: self.set_connection_text(f"Profiles could not be read: {s}"))
        tasks.start(task, self)

    def _profiles_finished(self, result: tuple[list[Any], str | None, str | None],
                           reconnect: bool = False) -> None:
        profiles, notice, last_used = result
        self.profiles = list(profiles)
        selected = self.profile
        if reconnect:
            self.profile = None
        self._fill_profiles(selected.id if selected else last_used)  # where the user left off
        if not self.profiles and not self.session_profiles:
            self.set_connection_text("No profile yet: click Manage… to add your Canvas account.")
        self.profiles_loaded.emit(notice)

    def add_session_profile(self, name: str, url: str, account_id: Any, token: str) -> tasks.Task:
        """Add an in-memory profile (the token is kept for this session only) and select it."""
        task = tasks.CallTask(session_profile, name, url, account_id, token)
        task.finished.connect(self._session_profile_finished)
        task.failed.connect(self.set_connection_text)
        return tasks.start(task, self)

    def _session_profile_finished(self, profile: Any) -> None:
        self.session_profiles = [p for p in self.session_profiles if p.id != profile.id] + [profile]
        self._fill_profiles(profile.id)

    def all_profiles(self) -> list[Any]:
        return self.session_profiles + self.profiles

    def _fill_profiles(self, select_id: str | None) -> None:
        combo = self.profile_combo
        combo.blockSignals(True)
        combo.clear()
        for p in self.all_profiles():
            label = f"{p.name} (this session only)" if p in self.session_profiles else p.name
            combo.addItem(label, p.id)
        index = combo.findData(select_id) if select_id else -1
        if index < 0 and combo.count():
            index = 0
        combo.setCurrentIndex(index)
        combo.setPlaceholderText("No profile")
        combo.blockSignals(False)
        chosen = self.all_profiles()[index] if index >= 0 else None
        if chosen is None or self.profile is None or chosen.id != self.profile.id or chosen != self.profile:
            self._profile_selected(index)

    # ---- the selected profile's connection -----------------------------------------------
    def _profile_selected(self, index: int) -> None:
        profiles = self.all_profiles()
        self.profile = profiles[index] if 0 <= index < len(profiles) else None
        self.client_factory = None
        self.profile_changed.emit(self.profile)
        if self.profile is None:
            return
        if self.profile not in self.session_profiles:
            from sis_desktop.core.last_used import remember_profile
            if self._settings is None:  # one thread: the last choice is the one written last
                self._settings = tasks.TaskRunner(self, max_threads=1)
            self._settings.start(tasks.CallTask(remember_profile, self.profile.id), self)
        self.set_connection_text(f"Connecting to {self.profile.url}…")
        task = tasks.CallTask(open_connection, self.profile)
        profile = self.profile
        task.finished.connect(lambda connection: self._client_finished(profile, connection))
        task.failed.connect(lambda s: self._client_failed(profile, s))
        tasks.start(task, self)

    def _client_finished(self, profile: Any, connection: Connection) -> None:
        if profile is not self.profile:
            return
        self.client_factory = connection
        self.set_connection_text(f"Account {profile.account_id} at {profile.url}")
        self.connected.emit(profile, connection)
        task = tasks.CallTask(tasks.call_client, connection, "list_terms")
        task.finished.connect(lambda terms: self._terms_finished(profile, terms))
        task.failed.connect(lambda s: self._terms_failed(profile, s))
        tasks.start(task, self)

    def _client_failed(self, profile: Any, sentence: str) -> None:
        if profile is self.profile:
            self.set_connection_text(sentence)
            self.connection_failed.emit(sentence)

    def _terms_finished(self, profile: Any, terms: list[Any]) -> None:
        if profile is self.profile:
            self.terms_loaded.emit(profile, terms)

    def _terms_failed(self, profile: Any, sentence: str) -> None:
        if profile is self.profile:
            self.set_connection_text(f"Terms could not be loaded: {sentence}")
            self.connection_failed.emit(sentence)

    def manage_profiles_requested(self) -> QWidget:
        from .profile_dialog import ProfileDialog
        saved = self.profile is not None and self.profile not in self.session_profiles
        dialog = ProfileDialog(self.window(), select=self.profile.id if saved else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed once closed
        dialog.finished.connect(lambda _: self.reload_profiles(reconnect=True))
        self._dialog = dialog
        dialog.open()
        return dialog

    def set_connection_text(self, text: str) -> None:
        self.connection_label.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While an upload runs the profile cannot change (its import keeps its own Canvas,
        but the files and options on screen belong to this one)."""
        self.profile_combo.setEnabled(not busy)
        self.manage_button.setEnabled(not busy)

    def wait_for_settings(self, msecs: int) -> None:
        if self._settings is not None:
            self._settings.wait(msecs)
