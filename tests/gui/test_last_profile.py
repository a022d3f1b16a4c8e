"""The app opens on the profile last used, remembered per user (issue 12 §5)."""
from __future__ import annotations

import json

from sis_desktop.core import last_used
from sis_desktop.core.profiles import Profile, ProfileStore
from sis_desktop.core.secrets import TokenStore
from sis_desktop.gui.main_window import MainWindow

WAIT = 10_000


def open_window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.profiles_loaded, timeout=WAIT):
        win.show()
    return win


def test_reopens_on_the_profile_last_used(qtbot, memory_keyring, sandbox, isolated_dirs):
    store = ProfileStore()
    prod = store.add(Profile.new("Production", sandbox.url, sandbox.account_id))
    test = store.add(Profile.new("Test", sandbox.url, sandbox.account_id))
    for p in (prod, test):
        TokenStore().set(p.id, sandbox.token)

    first = open_window(qtbot)
    assert first.profile.id == prod.id  # nothing remembered yet: the first one
    with qtbot.waitSignal(first.connected, timeout=WAIT):
        first.profile_combo.setCurrentIndex(first.profile_combo.findData(test.id))
    first.profile_bar.wait_for_settings(5000)
    first.close()
    saved = isolated_dirs["config"] / last_used.FILE_NAME
    assert json.loads(saved.read_text()) == {"profile": test.id}
    assert not list(isolated_dirs["config"].glob(".last_used.json.*"))  # no temp file left

    second = open_window(qtbot)
    assert second.profile.id == test.id
    assert second.profile_combo.currentText() == "Test"
    second.close()


def test_a_corrupt_or_stale_memory_falls_back_to_the_first(qtbot, memory_keyring, isolated_dirs):
    store = ProfileStore()
    prod = store.add(Profile.new("Production", "https://a.example.edu", 1))
    saved = isolated_dirs["config"] / last_used.FILE_NAME
    saved.write_text("{not json")
    assert last_used.last_profile() is None
    assert list(isolated_dirs["config"].glob("last_used.json.corrupt-*"))  # set aside
    last_used.remember_profile("gone-profile-id")
    win = open_window(qtbot)
    assert win.profile.id == prod.id
    win.close()
