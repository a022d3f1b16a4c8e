"""One import, one Canvas: actions on an import go to the Canvas it was sent to, whatever
profile is selected now, and however many views show it, it is polled once."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from sis_desktop.gui.followers import followers, key_of
from sis_desktop.gui.main_window import MainWindow
from sis_desktop.sandbox import Sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
WAIT = 15_000


@pytest.fixture
def second_sandbox(tmp_path):
    server = Sandbox(speed=1000.0, data_dir=tmp_path / "b").start()
    yield server
    server.close()


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def connect(window, qtbot, name, sandbox):
    with qtbot.waitSignal(window.terms_loaded, timeout=WAIT):
        window.add_session_profile(name, sandbox.url, sandbox.account_id, sandbox.token)


def upload(window, qtbot):
    with qtbot.waitSignal(window.preflight_done, timeout=WAIT):
        window.load_files([str(SAMPLES / "users.csv")])
    with qtbot.waitSignal(window.import_created, timeout=WAIT) as created:
        window.findChild(QPushButton, "uploadButton").click()
    return created.args[0]


def test_abort_after_switching_profile_goes_to_the_imports_own_canvas(
        window, qtbot, sandbox, second_sandbox):
    a, b = sandbox, second_sandbox
    window.poll_options = {"intervals": (0.02,), "max_failures": 1}
    connect(window, qtbot, "A", a)
    a.hold()
    b.hold()
    # A stops answering status checks: the window loses contact while following
    a.inject_fault("500", method="GET", path=r"/sis_imports/\d+$", count=50)
    with qtbot.waitSignal(window.upload_ended, timeout=WAIT):
        on_a = upload(window, qtbot)
    on_b = b.client().create_import(SAMPLES / "users.csv")
    assert on_a.id == on_b.id  # the same id on two Canvases
    a.clear_faults()
    connect(window, qtbot, "B", b)  # the admin switches profile
    assert window.profile.name == "B"
    abort = window.findChild(QPushButton, "abortButton")
    assert abort.isVisible() and abort.isEnabled()
    abort.click()
    qtbot.waitUntil(lambda: (box := window.findChild(QMessageBox, "abortQuestion")) is not None
                    and box.isVisible(), timeout=WAIT)
    box = window.findChild(QMessageBox, "abortQuestion")
    assert f"on A (account 1 at {a.url})" in box.text()  # the question names A, not B
    box.button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: a.import_json(on_a.id)["workflow_state"] == "aborted", timeout=WAIT)
    assert b.import_json(on_b.id)["workflow_state"] == "created"


def test_follow_again_after_switching_profile_follows_the_first_canvas(
        window, qtbot, sandbox, second_sandbox):
    a, b = sandbox, second_sandbox
    window.poll_options = {"intervals": (0.02,), "max_failures": 1}
    connect(window, qtbot, "A", a)
    a.hold()
    a.inject_fault("500", method="GET", path=r"/sis_imports/\d+$", count=50)
    with qtbot.waitSignal(window.upload_ended, timeout=WAIT):
        on_a = upload(window, qtbot)
    a.clear_faults()
    connect(window, qtbot, "B", b)
    before_b = b.request_count("GET", rf"/sis_imports/{on_a.id}$")
    a.release()
    with qtbot.waitSignal(window.import_finished, timeout=WAIT) as done:
        window.findChild(QPushButton, "resumeButton").click()
    assert done.args[0].id == on_a.id and done.args[0].workflow_state.value == "imported"
    assert b.request_count("GET", rf"/sis_imports/{on_a.id}$") == before_b  # B never asked


def test_three_views_of_one_import_make_one_poll_stream(window, qtbot, sandbox):
    """The upload's panel, the History row and the status panel all follow the same import:
    the sandbox sees the GETs of one poller."""
    window.poll_options = {"intervals": (30.0,)}  # one GET, then a long wait
    followers().poll_kw = {"intervals": (30.0,)}
    try:
        connect(window, qtbot, "Sandbox", sandbox)
        sandbox.hold()
        created = upload(window, qtbot)
        key = key_of(sandbox.target(), created.id)
        path = rf"/sis_imports/{created.id}$"
        qtbot.waitUntil(lambda: sandbox.request_count("GET", path) == 1, timeout=WAIT)
        view = window.history_view
        with qtbot.waitSignal(view.listLoaded, timeout=WAIT):
            view.refresh_clicked()
        assert created.id in view.following()
        view.status.set_import_id(created.id)
        view.status.follow_clicked()
        assert view.status.following()
        hub = followers()
        assert hub.following().count(key) == 1 and len(hub._subscribers[key]) == 3
        from sis_desktop.gui import tasks
        mine = [t.import_id for t in tasks.poll_runner().active()
                if getattr(t, "target", None) is not None and t.target.key == sandbox.target().key]
        assert mine == [created.id]  # one poller for three views
        assert sandbox.request_count("GET", path) == 1
        # the last view to let go stops the poller; the import goes on in Canvas
        view.status.stop_clicked()
        window.imports.stop_following()
        assert hub.is_following(key)
        view.shutdown()
        qtbot.waitUntil(lambda: not hub.is_following(key), timeout=WAIT)
        assert sandbox.import_json(created.id)["workflow_state"] == "created"
    finally:
        followers().poll_kw = {}


def test_a_history_that_cannot_be_written_never_stops_the_import(window, qtbot, sandbox,
                                                                isolated_dirs):
    """The upload is created and followed to its end; the status bar says the history was
    not updated (once Canvas said yes, a local problem is a warning, not the outcome)."""
    (isolated_dirs["data"] / "history.sqlite3").mkdir()  # cannot be opened as a database
    window.poll_options = {"intervals": (0.02,)}
    connect(window, qtbot, "Sandbox", sandbox)
    with qtbot.waitSignal(window.preflight_done, timeout=WAIT):
        window.load_files([str(SAMPLES / "users.csv")])
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.import_finished, timeout=WAIT) as done:
        window.findChild(QPushButton, "uploadButton").click()
    assert done.args[0].workflow_state.value == "imported"
    assert any("could not be updated" in m and "not affected" in m for m in messages)


def test_short_tasks_never_wait_behind_pollers(qtbot, sandbox):
    """More imports followed than the short pool has threads: connecting, terms and
    validation still run at once (pollers have a pool of their own)."""
    from PySide6.QtCore import QObject
    from sis_desktop.gui import tasks
    sandbox.hold()
    owner = QObject()
    hub = followers()
    client = sandbox.client()
    ids = [client.create_import(SAMPLES / "users.csv").id for _ in range(tasks.MAX_THREADS + 1)]
    keys = [hub.follow(sandbox.target(), i, owner, intervals=(30.0,)) for i in ids]
    try:
        # every poller has asked once and now waits on its thread
        qtbot.waitUntil(lambda: all(sandbox.request_count("GET", rf"/sis_imports/{i}$") >= 1
                                    for i in ids), timeout=WAIT)
        with qtbot.waitSignal(tasks.start(tasks.CallTask(lambda: "terms")).finished,
                              timeout=WAIT) as quick:
            pass
        assert quick.args == ["terms"]
        assert all(hub.is_following(k) for k in keys)  # the pollers are all still there
    finally:
        for k in keys:
            hub.release(k, owner)
        qtbot.waitUntil(lambda: not any(hub.is_following(k) for k in keys), timeout=WAIT)
