"""One bad entry in profiles.json costs only that entry: the good profiles stay, the bad
entries are kept as they were in a file of their own, and every front end says so (the
CLI even when `--profile` found its profile, the GUI in the window's status bar and the
profiles dialog)."""
from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest

from sis_desktop.core.profiles import Profile, ProfileStore

from tests.conftest import installed_script

URL = "https://canvas.example.edu"
GOOD = [{"id": "a1", "name": "Prod", "url": URL, "account_id": "1", "defaults": {}},
        {"id": "b2", "name": "Test", "url": URL, "account_id": "2", "defaults": {}}]
BAD = [{"id": "c3", "name": "Broken"},  # no url, no account
       "not even an object",
       {"id": "d4", "name": "Odd", "url": URL, "account_id": "1", "defaults": [1, 2]}]


def _write(config, extra_top=None):
    doc = {"version": 1, "profiles": [GOOD[0], BAD[0], GOOD[1], BAD[1], BAD[2]],
           **(extra_top or {})}
    (config / "profiles.json").write_text(json.dumps(doc))


def test_good_entries_are_kept_and_only_bad_ones_set_aside(isolated_dirs):
    config = isolated_dirs["config"]
    _write(config, {"sync": {"on": True}})
    store = ProfileStore()
    assert [p.name for p in store.load()] == ["Prod", "Test"]
    (aside,) = [p for p in config.iterdir() if ".unreadable-" in p.name]
    assert json.loads(aside.read_text())["profiles"] == BAD  # as they were
    notice = store.set_aside_notice
    assert notice.startswith("3 saved profile entries could not be read")
    assert str(aside) in notice and "the other 2 profiles are kept" in notice
    doc = json.loads((config / "profiles.json").read_text())
    assert [p["id"] for p in doc["profiles"]] == ["a1", "b2"] and doc["sync"] == {"on": True}
    assert not [p for p in config.iterdir() if ".corrupt-" in p.name]
    again = ProfileStore()
    assert [p.name for p in again.load()] == ["Prod", "Test"] and again.set_aside_notice is None


def test_two_stores_recovering_at_once_set_aside_once(isolated_dirs):
    config = isolated_dirs["config"]
    _write(config)
    results, barrier = [], threading.Barrier(4)

    def load():
        barrier.wait()
        results.append([p.name for p in ProfileStore().load()])

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [["Prod", "Test"]] * 4
    assert len([p for p in config.iterdir() if ".unreadable-" in p.name]) == 1


def test_cli_with_profile_says_so_on_stderr(isolated_dirs):
    _write(isolated_dirs["config"])
    env = dict(os.environ, CANVAS_API_TOKEN="7~" + "t" * 40)
    done = subprocess.run([str(installed_script("sis-desktop-cli")), "--profile", "Prod",
                           "--url", "http://127.0.0.1:9", "--timeout", "5", "status", "5"],
                          env=env, capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert any(line.startswith("sis-desktop-cli: warning: 3 saved profile entries could not be read")
               for line in lines), done.stderr
    assert done.returncode == 3  # the profile was still found and used; nothing listens on :9
    assert "Traceback" not in done.stderr


def test_gui_says_so_in_the_status_bar_and_keeps_the_good_profiles(isolated_dirs, qtbot):
    pytest.importorskip("PySide6")
    from sis_desktop.gui.main_window import MainWindow
    _write(isolated_dirs["config"])
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.profiles_loaded, timeout=10000):
        window.show()
    assert [p.name for p in window.profiles] == ["Prod", "Test"]
    assert window.statusBar().currentMessage().startswith("3 saved profile entries could not be read")
    window.close()


def test_an_entry_added_after_recovery_keeps_the_others(isolated_dirs):
    _write(isolated_dirs["config"])
    store = ProfileStore()
    store.add(Profile.new("New", URL, 3))
    assert [p.name for p in ProfileStore().load()] == ["Prod", "Test", "New"]
