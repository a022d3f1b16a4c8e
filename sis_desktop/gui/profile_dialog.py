"""ProfileDialog: add, edit, remove, test, export and import saved Canvas profiles.

Tokens go to the system keyring (the dialog says which one). When there is no secure
keyring it says so, once, and Save still keeps the profile: its token is kept for this
session only. Everything that
reads or writes the profiles file or the keyring, and "Test connection", runs on a worker
thread (`tasks.CallTask`): the dialog shows "Loading…" meanwhile and stays responsive.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDialog,
                               QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from sis_desktop.core.profiles import (Profile, ProfileError, ProfileStore, checked, client_for,
                                       test_connection)
from sis_desktop.core.secrets import NO_TOKEN, KeyringUnavailable, TokenStore
from sis_desktop.gui import tasks
from sis_desktop.gui.file_dialogs import open_file_dialog

WORKS_TEXT = ("Connection works: the token is accepted, the account is a root account and "
              "SIS imports are allowed.")
TESTING_TEXT = "Testing the connection…"
LOADING_TEXT = "Loading…"
NEED_TOKEN_TEXT = "Enter the access token first."
NO_KEYRING_ADVICE = (" Profiles are still saved; a token typed here is kept for this session "
                     "only and forgotten when the app quits.")
EMPTY_TEXT = "No profiles yet — click New to connect a Canvas account."
# (label, the default options it stands for); the keys are ImportOptions fields
STICKINESS_CHOICES: tuple[tuple[str, dict[str, bool]], ...] = (
    ("Keep changes made in Canvas (default)", {}),
    ("Override changes made in Canvas", {"override_sis_stickiness": True}),
    ("Override, and mark the imported values as changed in Canvas",
     {"override_sis_stickiness": True, "add_sis_stickiness": True}),
    ("Override, and clear the changed-in-Canvas mark",
     {"override_sis_stickiness": True, "clear_sis_stickiness": True}),
)
_MANAGED_DEFAULTS = ("batch_mode_term_id", "override_sis_stickiness", "add_sis_stickiness",
                     "clear_sis_stickiness")


# ---- worker functions (never on the GUI thread) ---------------------------------------------

@dataclass
class StoreState:
    """What the dialog shows: the profiles file and the keyring, read on a worker."""
    profiles: list[Profile]
    notice: str | None
    keyring_works: bool
    keyring_text: str                       # TokenStore.describe()
    where: dict[str, str] = field(default_factory=dict)  # profile id -> where its token is


@dataclass
class Outcome:
    """How a change made on a worker ended: one sentence, and the state to show after it
    (None: nothing changed)."""
    sentence: str
    error: bool = False
    state: StoreState | None = None
    select: str | None = None


def read_state(store: ProfileStore, tokens: TokenStore) -> StoreState:
    profiles = store.load()
    return StoreState(profiles, store.set_aside_notice, tokens.available(), tokens.describe(),
                      {p.id: tokens.where(p.id) for p in profiles})


def _changed(sentence: str, store: ProfileStore, tokens: TokenStore, select: str | None) -> Outcome:
    return Outcome(sentence, state=read_state(store, tokens), select=select)


def save_profile(store: ProfileStore, tokens: TokenStore, profile: Profile, token: str,
                 is_new: bool) -> Outcome:
    """Check and save the profile, and its token when one was typed: in the keyring, or
    for this session only when there is no secure keyring (the profile is saved either way)."""
    try:
        profile = store.validate_new(profile) if is_new else checked(profile)
        where = None
        if token and tokens.available():
            where = tokens.set(profile.id, token)
        try:
            profile = store.add(profile) if is_new else store.update(profile)
        except BaseException:
            if where and is_new:
                tokens.delete(profile.id)
            raise
        if token and where is None:
            where = tokens.set_session(profile.id, token)
    except (ProfileError, KeyringUnavailable, ValueError) as exc:
        return Outcome(str(exc), error=True)
    except OSError as exc:
        return Outcome(f"The profiles file could not be written ({exc.strerror or exc}).",
                       error=True)
    return _changed(f"Saved '{profile.name}'." + (f" Token {where}." if where else ""),
                    store, tokens, profile.id)


def remove_profile(store: ProfileStore, tokens: TokenStore, profile_id: str) -> Outcome:
    try:
        tokens.delete(profile_id)
        removed = store.remove(profile_id)
    except (ProfileError, KeyringUnavailable) as exc:
        return Outcome(str(exc), error=True)
    return _changed(f"Removed '{removed.name}' and its token.", store, tokens, None)


def export_profiles(store: ProfileStore, path: str) -> Outcome:
    try:
        count = store.export_to(path)
    except (ProfileError, OSError) as exc:
        return Outcome(f"Could not export: {exc}", error=True)
    return Outcome(f"Exported {count} profile(s) to {path} (without tokens).")


def import_profiles(store: ProfileStore, tokens: TokenStore, path: str,
                    current_id: str | None) -> Outcome:
    try:
        added, skipped = store.import_from(path)
    except ProfileError as exc:
        return Outcome(str(exc), error=True)
    text = " ".join([f"Imported {len(added)} profile(s); add each one's token to use it.",
                     *skipped])
    if not added:
        return Outcome(text, error=bool(skipped))
    return _changed(text, store, tokens, added[0].id)


def _check_profile(profile: Profile, token: str | None, tokens: TokenStore,
                   client_factory: Callable[[Profile, str], Any]) -> list[str]:
    """Connect with the profile's settings (the typed token, else the saved one) and test."""
    try:
        profile = checked(profile)
        token = token or tokens.get(profile.id)
    except (ProfileError, KeyringUnavailable) as exc:
        return [str(exc)]
    if not token:
        return [NEED_TOKEN_TEXT]
    client = client_factory(profile, token)
    try:
        return test_connection(client)
    finally:
        close = getattr(client, "close", None)
        if close:
            close()


class ProfileDialog(QDialog):
    """Manage profiles. `profilesChanged` fires after any profile is saved, removed or
    imported (once the list shows it); `connectionTested(list)` carries the failure
    sentences (empty: all is well); `ready` fires whenever a load or change has ended."""

    profilesChanged = Signal()
    connectionTested = Signal(list)
    ready = Signal()

    def __init__(self, parent: QWidget | None = None, *, store: ProfileStore | None = None,
                 tokens: TokenStore | None = None, select: str | None = None,
                 client_factory: Callable[[Profile, str], Any] = client_for) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle("Canvas profiles")
        self.setAccessibleName("Canvas profiles")
        self.store = store or ProfileStore()
        self.tokens = tokens or TokenStore()
        self._client_factory = client_factory
        self._current_id: str | None = None
        self._current_defaults: dict[str, Any] = {}
        self._test_task: tasks.Task | None = None
        self._state: StoreState | None = None
        self._profiles: dict[str, Profile] = {}
        self._busy = False
        self._build()
        self._reload(select)

    # ---- layout -------------------------------------------------------------------
    def _widget(self, widget, name: str, accessible: str, tip: str | None = None):
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        if tip:
            widget.setToolTip(tip)
            widget.setAccessibleDescription(tip)
        return widget

    def _build(self) -> None:
        self.notice_label = self._widget(QLabel(self), "setAsideNoticeLabel", "Profiles file notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()

        self.profile_list = self._widget(QListWidget(self), "profileList", "Saved profiles")
        self.profile_list.currentItemChanged.connect(self._selection_changed)
        self.empty_label = QLabel(EMPTY_TEXT, self)
        self.empty_label.setObjectName("profileEmptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # the palette's muted text, as the drop zone's
        self.list_stack = QStackedWidget(self)
        self.list_stack.addWidget(self.profile_list)
        self.list_stack.addWidget(self.empty_label)
        self.new_button = self._widget(QPushButton("&New", self), "newProfileButton", "New profile")
        self.remove_button = self._widget(QPushButton("&Remove…", self), "removeProfileButton",
                                          "Remove profile", "Delete the profile and its saved token.")
        self.import_button = self._widget(QPushButton("&Import…", self), "importProfilesButton",
                                          "Import profiles", "Add profiles from a JSON file.")
        self.export_button = self._widget(QPushButton("E&xport…", self), "exportProfilesButton",
                                          "Export profiles",
                                          "Save the profiles to a JSON file (tokens are never included).")
        self.new_button.clicked.connect(self.new_clicked)
        self.remove_button.clicked.connect(self.remove_clicked)
        self.import_button.clicked.connect(self.import_requested)
        self.export_button.clicked.connect(self.export_requested)
        left = QVBoxLayout()
        left.addWidget(self.list_stack, 1)
        for row in ((self.new_button, self.remove_button), (self.import_button, self.export_button)):
            line = QHBoxLayout()
            for button in row:
                line.addWidget(button)
            left.addLayout(line)

        self.name_edit = self._widget(QLineEdit(self), "profileNameEdit", "Profile name")
        self.url_edit = self._widget(QLineEdit(self), "profileUrlEdit", "Canvas address",
                                     "The Canvas address, like https://school.instructure.com")
        self.url_edit.setPlaceholderText("https://school.instructure.com")
        self.account_edit = self._widget(QLineEdit(self), "profileAccountEdit", "Root account id",
                                         "The root account's id; usually 1.")
        self.account_edit.setPlaceholderText("1")
        self.token_edit = self._widget(QLineEdit(self), "profileTokenEdit", "Access token",
                                       "An access token of an admin allowed to import SIS data.")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_token_button = self._widget(QToolButton(self), "showTokenButton", "Show token")
        self.show_token_button.setText("Show")
        self.show_token_button.setCheckable(True)
        self.show_token_button.toggled.connect(self._show_token_toggled)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.show_token_button)
        self.ca_edit = self._widget(QLineEdit(self), "profileCaBundleEdit", "CA bundle",
                                    "Optional: a PEM file with your school's proxy certificate.")
        self.ca_edit.setPlaceholderText("Optional, for a TLS-inspecting proxy")
        self.ca_browse_button = self._widget(QToolButton(self), "caBundleBrowseButton",
                                             "Choose CA bundle file")
        self.ca_browse_button.setText("…")
        self.ca_browse_button.clicked.connect(self._browse_ca_clicked)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_browse_button)
        self.term_edit = self._widget(QLineEdit(self), "defaultTermEdit", "Default term",
                                      "Optional: the term a full batch update uses by default, "
                                      "e.g. sis_term_id:FA2026.")
        self.stickiness_combo = self._widget(QComboBox(self), "defaultStickinessCombo",
                                             "Default for changes made in Canvas")
        for label, _ in STICKINESS_CHOICES:
            self.stickiness_combo.addItem(label)

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("Canvas &address:", self.url_edit)
        form.addRow("Root a&ccount id:", self.account_edit)
        for text, row, buddy in (("Access &token:", token_row, self.token_edit),
                                 ("CA &bundle:", ca_row, self.ca_edit)):
            label = QLabel(text, self)
            label.setBuddy(buddy)
            form.addRow(label, row)
        form.addRow("Default t&erm:", self.term_edit)
        form.addRow("Changes made in Canvas:", self.stickiness_combo)

        self.token_storage_label = self._widget(QLabel(self), "tokenStorageLabel", "Where the token is kept")
        self.token_storage_label.setWordWrap(True)
        self.keyring_notice = self._widget(QLabel(self), "keyringNoticeLabel", "Keyring notice")
        self.keyring_notice.setWordWrap(True)

        self.save_button = self._widget(QPushButton("&Save", self), "saveProfileButton", "Save profile")
        self.test_button = self._widget(QPushButton("Test &connection", self), "testConnectionButton",
                                        "Test connection",
                                        "Check the token, the root account and the SIS import permission.")
        self.save_button.clicked.connect(self.save_clicked)
        self.test_button.clicked.connect(self.test_clicked)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        self.status_label = self._widget(QLabel(self), "profileStatusLabel", "Status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.token_storage_label)
        right.addWidget(self.keyring_notice)
        right.addLayout(actions)
        right.addWidget(self.status_label)
        right.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = self.button_box.button(QDialogButtonBox.StandardButton.Close)
        self._widget(close, "closeButton", "Close")
        self.button_box.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(self.notice_label)
        outer.addLayout(body, 1)
        outer.addWidget(self.button_box)
        self.resize(760, 440)

    # ---- state --------------------------------------------------------------------
    def _set_busy(self, busy: bool, text: str = LOADING_TEXT) -> None:
        """While a worker reads or writes, only Close and the token's Show stay usable."""
        self._busy = busy
        keep = {self.button_box.button(QDialogButtonBox.StandardButton.Close),
                self.show_token_button}
        for kind in (QAbstractButton, QLineEdit, QComboBox, QListWidget):
            for widget in self.findChildren(kind):
                if widget not in keep:
                    widget.setEnabled(not busy)
        if busy:
            self._set_status(text)
        else:
            self.remove_button.setEnabled(self._current_id is not None)
            self.test_button.setEnabled(self._test_task is None)

    def _reload(self, select: str | None = None) -> None:
        """Read the profiles and the keyring on a worker, then show them."""
        task = tasks.CallTask(read_state, self.store, self.tokens)
        task.finished.connect(lambda state: self._loaded(state, select))
        task.failed.connect(self._failed)
        self._set_busy(True)
        tasks.start(task, self)

    def _loaded(self, state: StoreState, select: str | None) -> None:
        self._apply_state(state, select)
        self._set_busy(False)
        self._set_status("")
        self.ready.emit()

    def _failed(self, sentence: str) -> None:
        self._set_busy(False)
        self._set_status(sentence, error=True)
        self.ready.emit()

    def _apply_state(self, state: StoreState, select: str | None) -> None:
        self._state = state
        self._profiles = {p.id: p for p in state.profiles}
        if state.notice:
            self.notice_label.setText(state.notice)
            self.notice_label.show()
        self.keyring_notice.setVisible(not state.keyring_works)
        if not state.keyring_works:
            self.keyring_notice.setText(state.keyring_text + NO_KEYRING_ADVICE)
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        chosen = None
        for p in state.profiles:
            item = QListWidgetItem(p.name, self.profile_list)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            if select and (p.id == select or p.name.casefold() == select.casefold()):
                chosen = item
        self.profile_list.blockSignals(False)
        self.list_stack.setCurrentWidget(self.profile_list if state.profiles else self.empty_label)
        if chosen is None and self.profile_list.count():
            chosen = self.profile_list.item(0)
        if chosen is not None:
            self.profile_list.setCurrentItem(chosen)
            self._show_profile(chosen.data(Qt.ItemDataRole.UserRole))
        else:
            self.new_clicked()

    def selected_profile_id(self) -> str | None:
        """The id of the profile being edited (None while a new one is being entered)."""
        return self._current_id

    @Slot(QListWidgetItem, QListWidgetItem)
    def _selection_changed(self, current: QListWidgetItem | None, _previous=None) -> None:
        if current is not None:
            self._show_profile(current.data(Qt.ItemDataRole.UserRole))

    def _show_profile(self, profile_id: str) -> None:
        profile = self._profiles.get(profile_id)
        if profile is None:
            self._set_status("That profile is gone; choose another one.", error=True)
            return
        self._current_id = profile.id
        self._current_defaults = dict(profile.defaults)
        self.name_edit.setText(profile.name)
        self.url_edit.setText(profile.url)
        self.account_edit.setText(profile.account_id)
        self.ca_edit.setText(profile.ca_bundle or "")
        self.term_edit.setText(str(profile.defaults.get("batch_mode_term_id") or ""))
        self.stickiness_combo.setCurrentIndex(self._stickiness_index(profile.defaults))
        self.token_edit.clear()
        where = self._where(profile.id)
        has_token = where != NO_TOKEN
        self.token_edit.setPlaceholderText("Saved — type a new token to replace it" if has_token
                                           else "Paste the access token from Canvas")
        self.token_storage_label.setText(f"Token: {where}.")
        self.remove_button.setEnabled(not self._busy)
        self._set_status("")

    def _where(self, profile_id: str) -> str:
        return self._state.where.get(profile_id, NO_TOKEN) if self._state else NO_TOKEN

    @Slot()
    def new_clicked(self) -> None:
        """Clear the form for a new profile."""
        self._current_id = None
        self._current_defaults = {}
        for edit in (self.name_edit, self.url_edit, self.account_edit, self.token_edit,
                     self.ca_edit, self.term_edit):
            edit.clear()
        self.stickiness_combo.setCurrentIndex(0)
        self.token_edit.setPlaceholderText("Paste the access token from Canvas")
        works = self._state is not None and self._state.keyring_works
        self.token_storage_label.setText(self._state.keyring_text if works else "")
        self.profile_list.blockSignals(True)
        self.profile_list.setCurrentItem(None)
        self.profile_list.clearSelection()
        self.profile_list.blockSignals(False)
        self.remove_button.setEnabled(False)
        self._set_status("")
        self.name_edit.setFocus()

    @staticmethod
    def _stickiness_index(defaults: dict[str, Any]) -> int:
        chosen = {k: True for k in _MANAGED_DEFAULTS[1:] if defaults.get(k)}
        if chosen.get("clear_sis_stickiness"):
            chosen.pop("add_sis_stickiness", None)
        for index, (_, values) in enumerate(STICKINESS_CHOICES):
            if values == chosen:
                return index
        return 0

    def _form_profile(self) -> Profile:
        defaults = {k: v for k, v in self._current_defaults.items() if k not in _MANAGED_DEFAULTS}
        term = self.term_edit.text().strip()
        if term:
            defaults["batch_mode_term_id"] = term
        defaults.update(STICKINESS_CHOICES[self.stickiness_combo.currentIndex()][1])
        profile = Profile.new(self.name_edit.text(), self.url_edit.text(), self.account_edit.text(),
                              defaults=defaults, ca_bundle=self.ca_edit.text().strip() or None)
        if self._current_id is not None:
            profile.id = self._current_id
            saved = self._profiles.get(self._current_id)
            profile.extra = dict(saved.extra) if saved is not None else {}
        return profile

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #b00020;" if error else "")

    # ---- actions (each runs on a worker) ----------------------------------------------
    def _change(self, fn: Callable[..., Outcome], *args: Any) -> tasks.Task:
        task = tasks.CallTask(fn, *args)
        task.finished.connect(self._changed)
        task.failed.connect(self._failed)
        self._set_busy(True, "Working…")
        return tasks.start(task, self)

    def _changed(self, outcome: Outcome) -> None:
        if outcome.state is not None:
            self._apply_state(outcome.state, outcome.select)
        self._set_busy(False)
        self._set_status(outcome.sentence, error=outcome.error)
        if outcome.state is not None:
            self.profilesChanged.emit()
        self.ready.emit()

    @Slot()
    def save_clicked(self) -> None:
        self.save()

    def save(self) -> tasks.Task | None:
        """Save the form (and the token, if one was typed) on a worker; None when busy."""
        if self._busy:
            return None
        return self._change(save_profile, self.store, self.tokens, self._form_profile(),
                            self.token_edit.text().strip(), self._current_id is None)

    def confirm_removal(self, name: str, on_yes: Any) -> QMessageBox:
        """Ask before removing: a window-modal box opened without a nested event loop;
        `on_yes()` runs only when the user picks Remove (No is the default)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Remove profile",
                          f"Remove the profile '{name}' and its saved token?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("removeProfileQuestion")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("&Remove")
        box.finished.connect(lambda result: on_yes()
                             if result == QMessageBox.StandardButton.Yes else None)
        box.open()
        return box

    @Slot()
    def remove_clicked(self) -> None:
        if self._current_id is None or self._busy:
            return
        name = self.name_edit.text().strip() or "this profile"
        profile_id = self._current_id
        self.confirm_removal(name, lambda: self._change(remove_profile, self.store, self.tokens,
                                                        profile_id))

    @Slot()
    def test_clicked(self) -> None:
        """Test the connection with what the form holds (the typed token, else the saved one)."""
        if self._test_task is not None:
            return
        token = self.token_edit.text().strip()
        if not token and (self._current_id is None or self._where(self._current_id) == NO_TOKEN):
            self._set_status(NEED_TOKEN_TEXT, error=True)
            return
        task = tasks.CallTask(_check_profile, self._form_profile(), token or None, self.tokens,
                              self._client_factory)
        task.finished.connect(self._test_finished)
        task.failed.connect(self._test_failed)
        self._test_task = task
        self.test_button.setEnabled(False)
        self._set_status(TESTING_TEXT)
        tasks.start(task, self)

    @Slot(object)
    def _test_finished(self, failures: list[str]) -> None:
        self._test_task = None
        self.test_button.setEnabled(not self._busy)
        self._set_status("\n".join(failures) if failures else WORKS_TEXT, error=bool(failures))
        self.connectionTested.emit(list(failures))

    @Slot(str)
    def _test_failed(self, sentence: str) -> None:
        self._test_finished([sentence])

    @Slot(bool)
    def _show_token_toggled(self, shown: bool) -> None:
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_token_button.setText("Hide" if shown else "Show")
        self.show_token_button.setAccessibleName("Hide token" if shown else "Show token")

    def _file_dialog(self, title: str, filters: str, on_chosen: Any, *,
                     save_as: str | None = None) -> Any:
        return open_file_dialog(self, title, filters, on_chosen,
                                object_name="profileFileDialog", save_as=save_as)

    @Slot()
    def _browse_ca_clicked(self) -> None:
        self._file_dialog("Choose CA bundle", "Certificates (*.pem *.crt *.cer);;All files (*)",
                          self.ca_edit.setText)

    @Slot()
    def export_requested(self) -> None:
        self._file_dialog("Export profiles", "JSON (*.json)", self.export_to,
                          save_as="sis-desktop-profiles.json")

    def export_to(self, path: str) -> tasks.Task:
        """Write the profiles (never tokens) to `path` on a worker."""
        return self._change(export_profiles, self.store, path)

    @Slot()
    def import_requested(self) -> None:
        self._file_dialog("Import profiles", "JSON (*.json)", self.import_from)

    def import_from(self, path: str) -> tasks.Task:
        """Add the profiles of a JSON file on a worker; `profilesChanged` when any was added."""
        return self._change(import_profiles, self.store, self.tokens, path, self._current_id)
