"""ProfileDialog: add, edit, remove, test (on a worker thread), no-keyring path, export/import."""
from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QCheckBox, QComboBox, QLabel, QLineEdit, QMessageBox,
                               QListWidget)

from sis_desktop.core.profiles import Profile, ProfileStore
from sis_desktop.core.secrets import TokenStore
from sis_desktop.gui.profile_dialog import TESTING_TEXT, WORKS_TEXT, ProfileDialog

TOKEN = "7~DialogTokenNeverOnDisk0123456789"


@pytest.fixture
def make_dialog(qtbot):
    """A shown dialog whose profiles and keyring state have been read (on a worker)."""
    def make(**kw):
        dialog = ProfileDialog(**kw)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.ready, timeout=5000):
            dialog.show()
        return dialog
    return make


def fill(qtbot, dialog, name="Prod", url="https://school.instructure.com/api/v1", account="1",
         token=TOKEN):
    for edit, text in ((dialog.name_edit, name), (dialog.url_edit, url),
                       (dialog.account_edit, account), (dialog.token_edit, token)):
        edit.clear()
        qtbot.keyClicks(edit, text)


def test_every_interactive_widget_is_named(make_dialog, memory_keyring):
    dialog = make_dialog()
    widgets = [w for kind in (QAbstractButton, QLineEdit, QComboBox, QListWidget)
               for w in dialog.findChildren(kind)]
    assert len(widgets) >= 15
    for widget in widgets:
        assert widget.objectName(), widget
        assert widget.accessibleName(), widget.objectName()


def test_add_a_profile(qtbot, make_dialog, memory_keyring, isolated_dirs):
    dialog = make_dialog()
    assert dialog.token_storage_label.text() == "Tokens are stored in Memory Keyring."
    assert not dialog.keyring_notice.isVisibleTo(dialog)
    empty = dialog.findChild(QLabel, "profileEmptyState")
    assert empty.isVisible() and not dialog.profile_list.isVisible()
    assert empty.text() == "No profiles yet — click New to connect a Canvas account."
    assert dialog.new_button.text().replace("&", "") == "New"  # the button the text names
    fill(qtbot, dialog)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(dialog.show_token_button, Qt.MouseButton.LeftButton)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.show_token_button.text() == "Hide"
    qtbot.mouseClick(dialog.show_token_button, Qt.MouseButton.LeftButton)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.term_edit, "sis_term_id:FA26")
    dialog.stickiness_combo.setCurrentIndex(2)
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    [saved] = ProfileStore().load()
    assert (saved.name, saved.url, saved.account_id) == ("Prod", "https://school.instructure.com", "1")
    assert saved.defaults == {"batch_mode_term_id": "sis_term_id:FA26",
                              "override_sis_stickiness": True, "add_sis_stickiness": True}
    assert memory_keyring.entries == {("sis-desktop", saved.id): TOKEN}
    assert dialog.token_edit.text() == ""
    assert dialog.token_storage_label.text() == "Token: stored in Memory Keyring."
    assert dialog.profile_list.currentItem().text() == "Prod"
    assert dialog.profile_list.isVisible() and not empty.isVisible()
    for root in isolated_dirs.values():
        for path in root.rglob("*"):
            assert not path.is_file() or TOKEN.encode() not in path.read_bytes()


def test_bad_input_is_one_sentence_and_saves_nothing(qtbot, make_dialog, memory_keyring):
    dialog = make_dialog()
    fill(qtbot, dialog, url="http://school.instructure.com")
    with qtbot.assertNotEmitted(dialog.profilesChanged), \
            qtbot.waitSignal(dialog.ready, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "plain http" in dialog.status_label.text()
    assert ProfileStore().load() == [] and memory_keyring.entries == {}


def test_edit_keeps_what_the_dialog_does_not_show(qtbot, make_dialog, memory_keyring):
    store = ProfileStore()
    saved = store.add(Profile.new("Prod", "https://a.example.edu", 1,
                                  defaults={"skip_deletes": True, "override_sis_stickiness": True},
                                  extra={"colour": "blue"}))
    TokenStore().set(saved.id, TOKEN)
    dialog = make_dialog(select="prod")
    assert dialog.selected_profile_id() == saved.id
    assert dialog.stickiness_combo.currentIndex() == 1
    assert dialog.token_edit.text() == "" and "Saved" in dialog.token_edit.placeholderText()
    dialog.name_edit.setText("Production")
    dialog.stickiness_combo.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    [edited] = store.load()
    assert edited.id == saved.id and edited.name == "Production"
    assert edited.defaults == {"skip_deletes": True} and edited.extra == {"colour": "blue"}
    assert TokenStore().get(saved.id) == TOKEN  # an empty token field keeps the saved token


def test_remove_asks_first(qtbot, make_dialog, memory_keyring, monkeypatch):
    saved = ProfileStore().add(Profile.new("Prod", "https://a.example.edu", 1))
    TokenStore().set(saved.id, TOKEN)
    dialog = make_dialog()

    def question() -> QMessageBox:
        qtbot.waitUntil(lambda: any(b.isVisible() for b in
                                    dialog.findChildren(QMessageBox, "removeProfileQuestion")))
        return [b for b in dialog.findChildren(QMessageBox, "removeProfileQuestion")
                if b.isVisible()][0]
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)  # returns at once
    box = question()
    assert "Remove the profile 'Prod'" in box.text() and box.isModal()
    with qtbot.assertNotEmitted(dialog.profilesChanged):
        box.button(QMessageBox.StandardButton.No).click()
    assert len(ProfileStore().load()) == 1
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        question().button(QMessageBox.StandardButton.Yes).click()
    assert ProfileStore().load() == [] and memory_keyring.entries == {}
    assert dialog.profile_list.count() == 0 and not dialog.remove_button.isEnabled()
    assert dialog.findChild(QLabel, "profileEmptyState").isVisible()


def test_without_a_keyring_save_keeps_the_profile_and_says_where_the_token_went(
        qtbot, make_dialog, use_keyring, isolated_dirs):
    use_keyring("fail")
    dialog = make_dialog()
    assert dialog.keyring_notice.isVisibleTo(dialog)
    notice = dialog.keyring_notice.text()
    assert notice.startswith("No secure keyring is available")
    assert "kept for this session only" in notice
    assert dialog.findChild(QCheckBox, "sessionOnlyCheck") is None  # nothing to tick first
    fill(qtbot, dialog)
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    [saved] = ProfileStore().load()
    assert (saved.url, saved.account_id) == ("https://school.instructure.com", "1")
    assert TokenStore().get(saved.id) == TOKEN
    assert dialog.token_storage_label.text() == "Token: kept for this session only."
    assert dialog.status_label.text() == f"Saved '{saved.name}'. Token kept for this session only."
    shown = [w.text() for w in dialog.findChildren(QLabel) if w.isVisibleTo(dialog)]
    assert sum("No secure keyring" in t for t in shown) == 1  # said once
    for root in isolated_dirs.values():
        for path in root.rglob("*"):
            assert not path.is_file() or TOKEN.encode() not in path.read_bytes()


def test_without_a_keyring_save_without_a_token_keeps_the_profile(qtbot, make_dialog, use_keyring):
    use_keyring("fail")
    dialog = make_dialog()
    fill(qtbot, dialog)
    dialog.token_edit.clear()
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    [saved] = ProfileStore().load()
    assert dialog.status_label.text() == f"Saved '{saved.name}'."
    assert dialog.token_storage_label.text() == "Token: no token saved."


def test_test_connection_runs_in_the_background(qtbot, make_dialog, memory_keyring, sandbox):
    saved = ProfileStore().add(Profile.new("Sandbox", sandbox.url, sandbox.account_id))
    TokenStore().set(saved.id, sandbox.token)
    dialog = make_dialog()
    sandbox.inject_fault("slow", path="users/self", delay=0.5)
    with qtbot.waitSignal(dialog.connectionTested, timeout=10000,
                          check_params_cb=lambda failures: failures == []):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        # the click returned while Canvas is still answering: the GUI thread is free
        assert dialog.status_label.text() == TESTING_TEXT
        assert not dialog.test_button.isEnabled()
    assert dialog.status_label.text() == WORKS_TEXT
    assert dialog.test_button.isEnabled()


def test_test_connection_reports_each_failure(qtbot, make_dialog, memory_keyring, sandbox):
    dialog = make_dialog()
    fill(qtbot, dialog, name="Sub", url=sandbox.url, account="2", token=sandbox.token)
    with qtbot.waitSignal(dialog.connectionTested, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    [sentence] = blocker.args[0]
    assert "is a sub-account" in sentence and dialog.status_label.text() == sentence
    assert ProfileStore().load() == []  # testing does not save
    dialog.token_edit.setText("wrong-token")
    with qtbot.waitSignal(dialog.connectionTested, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "rejected the access token" in blocker.args[0][0]
    assert "wrong-token" not in dialog.status_label.text()


def test_test_connection_needs_a_token(qtbot, make_dialog, memory_keyring):
    dialog = make_dialog()
    fill(qtbot, dialog, token="")
    with qtbot.assertNotEmitted(dialog.connectionTested):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.text() == "Enter the access token first."


def test_export_and_import(qtbot, make_dialog, memory_keyring, tmp_path):
    saved = ProfileStore().add(Profile.new("Prod", "https://a.example.edu", 1))
    TokenStore().set(saved.id, TOKEN)
    dialog = make_dialog()
    out = tmp_path / "export.json"
    with qtbot.waitSignal(dialog.ready, timeout=5000):
        dialog.export_to(str(out))
    assert dialog.status_label.text().startswith("Exported 1 profile(s)")
    assert TOKEN not in out.read_text()
    doc = json.loads(out.read_text())
    doc["profiles"][0]["name"] = "Copy"
    out.write_text(json.dumps(doc))
    with qtbot.waitSignal(dialog.profilesChanged, timeout=2000):
        dialog.import_from(str(out))
    assert [dialog.profile_list.item(i).text() for i in range(dialog.profile_list.count())] == ["Prod", "Copy"]
    assert dialog.profile_list.currentItem().text() == "Copy"
    assert dialog.token_storage_label.text() == "Token: no token saved."


def test_a_set_aside_file_is_announced(make_dialog, memory_keyring, isolated_dirs):
    (isolated_dirs["config"] / "profiles.json").write_text("{broken")
    dialog = make_dialog()
    assert dialog.notice_label.isVisibleTo(dialog)
    assert dialog.notice_label.text().startswith("The saved profiles file could not be used")


def test_profiles_and_keyring_are_read_on_a_worker(qtbot, memory_keyring, monkeypatch):
    """Opening the dialog shows "Loading…" at once; the profiles file and the keyring are
    read and written only on worker threads."""
    watcher = memory_keyring
    saved = ProfileStore().add(Profile.new("Prod", "https://a.example.edu", 1))
    TokenStore().set(saved.id, TOKEN)
    watcher.threads.clear()
    gui = threading.current_thread()
    file_threads = []
    real_load = ProfileStore.load

    def watched_load(self):
        file_threads.append(threading.current_thread())
        return real_load(self)
    monkeypatch.setattr(ProfileStore, "load", watched_load)

    dialog = ProfileDialog()
    qtbot.addWidget(dialog)
    assert dialog.status_label.text() == "Loading…"
    assert not dialog.save_button.isEnabled() and not dialog.profile_list.isEnabled()
    with qtbot.waitSignal(dialog.ready, timeout=5000):
        dialog.show()
    assert dialog.save_button.isEnabled() and dialog.profile_list.currentItem().text() == "Prod"
    assert dialog.token_storage_label.text() == "Token: stored in Memory Keyring."
    dialog.token_edit.setText("7~AnotherTokenForTheWorkerThread00")
    with qtbot.waitSignal(dialog.profilesChanged, timeout=5000):
        dialog.save_button.click()
    assert watcher.entries[("sis-desktop", saved.id)].startswith("7~Another")
    assert watcher.threads and gui not in watcher.threads
    assert file_threads and gui not in file_threads


def test_closed_dialog_cancels_its_test_and_gets_no_late_signal(qtbot, memory_keyring, sandbox):
    dialog = ProfileDialog()  # not given to qtbot: this test deletes it
    with qtbot.waitSignal(dialog.ready, timeout=5000):
        dialog.show()
    fill(qtbot, dialog, name="Sandbox", url=sandbox.url, account="1", token=sandbox.token)
    sandbox.inject_fault("slow", path="users/self", delay=0.5)
    dialog.test_button.click()
    task = dialog._test_task
    assert task is not None and task.running
    tested = []
    task.finished.connect(tested.append)
    dialog.deleteLater()
    qtbot.waitUntil(lambda: task.done, timeout=10000)
    assert task.silenced and tested == []
