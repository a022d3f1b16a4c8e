"""HistoryView and StatusCheckPanel against the sandbox (pytest-qt, offscreen)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QProgressBar, QPushButton

from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.history import History
from sis_desktop.gui.history_view import HistoryView
from sis_desktop.gui.status_check import restore_description, status_summary

USERS = "user_id,login_id,first_name,last_name,email,status\nu1,l1,Ada,Lovelace,a@x.edu,active\n"
WAIT = 10_000


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(USERS, encoding="utf-8")
    return path


@pytest.fixture
def view(history_view):
    return history_view


def connect(view, sandbox, qtbot):
    with qtbot.waitSignal(view.listLoaded, timeout=WAIT):
        view.set_connection("prod", sandbox.url, sandbox.account_id, sandbox.client)


def send(sandbox, csv_path, history: History | None = None):
    client = sandbox.client()
    sis = client.create_import([csv_path], ImportOptions())
    if history is not None:
        history.record_created(profile="prod", url=client.base_url,
                               account_id=client.account_id, sis_import=sis, options={},
                               files=[{"name": str(csv_path), "size": 1, "sha256": "x"}])
    return sis


def answer_confirm(panel, accept: bool) -> str:
    """Click a button of the confirmation box the panel has open (it does not block: the
    click that opened it has returned); returns the question asked."""
    shown = [b for b in panel.findChildren(QMessageBox, "confirmBox") if b.isVisible()]
    assert len(shown) == 1  # (an answered box may wait for its deferred delete)
    box = shown[0]
    assert box.isModal()
    text = box.text()
    name = "confirmActionButton" if accept else "confirmCancelButton"
    box.findChild(QPushButton, name).click()
    return text


def test_without_a_connection_it_shows_the_local_record(view, qtbot):
    history = view.history
    client_url = "https://school.instructure.com"
    from sis_desktop.core.canvas.models import SisImport
    history.record_created(profile="prod", url=client_url, account_id=1,
                           sis_import=SisImport.from_json({"id": 41, "workflow_state": "imported",
                                                           "progress": 100}),
                           files=[{"name": "/x/users.csv", "size": 1, "sha256": "a"}], options={})
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT):
        view.set_connection("prod", client_url, 1, None)
    assert view.import_ids() == [41]
    item = view.item_for(41)
    assert item.text(2) == "Imported" and item.text(5) == "users.csv"
    assert item.toolTip(5) == "users.csv"  # the whole list, however narrow the column
    assert item.text(6) == "this app (prod)"
    assert not view.refresh_button.isEnabled()
    assert not view.status.check_button.isEnabled()
    view.set_connection(None, None, None, None)
    assert view.import_ids() == [] and "Choose a profile" in view.title.text()


def test_a_corrupt_history_shows_a_notice(isolated_dirs, qtbot):
    (isolated_dirs["data"] / "history.sqlite3").write_bytes(b"junk" * 100)
    widget = HistoryView()
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.historyOpened, timeout=WAIT):
        pass
    assert "new, empty history" in widget.notice.text() and not widget.notice.isHidden()


def test_list_merges_canvas_and_follows_running_rows(view, sandbox, qtbot, csv_path):
    done = send(sandbox, csv_path, view.history)
    sandbox.client().poll(done.id)
    sandbox.hold()
    queued = send(sandbox, csv_path)          # sent elsewhere, still queued
    connect(view, sandbox, qtbot)
    assert view.import_ids() == [queued.id, done.id]
    assert view.item_for(queued.id).text(6) == "sent elsewhere"
    assert view.item_for(done.id).text(6) == "this app (prod)"
    bar = view.progress_bar_for(queued.id)
    assert isinstance(bar, QProgressBar) and bar.objectName() == f"rowProgress{queued.id}"
    assert view.progress_bar_for(done.id) is None
    assert view.following() == [queued.id]
    sandbox.release()
    qtbot.waitUntil(lambda: view.row_for(queued.id).workflow_state is WorkflowState.IMPORTED,
                    timeout=WAIT)
    assert view.progress_bar_for(queued.id) is None
    assert view.item_for(queued.id).text(3) == "100%"
    qtbot.waitUntil(lambda: view.following() == [], timeout=WAIT)


def test_picking_a_row_selects_it_and_shows_it_in_results(view, sandbox, qtbot, csv_path):
    from sis_desktop.gui.results_view import ResultsView
    results = ResultsView()
    qtbot.addWidget(results)
    view.attach_results_view(results)
    sis = send(sandbox, csv_path, view.history)
    sandbox.client().poll(sis.id)
    connect(view, sandbox, qtbot)
    with qtbot.waitSignal(view.importSelected, timeout=WAIT) as picked:
        view.tree.setCurrentItem(view.item_for(sis.id))
    assert picked.args == [sis.id]
    assert view.status.id_edit.text() == str(sis.id)
    assert results.sis_import is not None and results.sis_import.id == sis.id


def test_status_check_and_follow_until_done(view, sandbox, qtbot, csv_path):
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT):
        view.set_connection("prod", sandbox.url, sandbox.account_id, None)
    view.status.set_target(sandbox.target())
    sandbox.hold()
    sis = send(sandbox, csv_path, view.history)
    panel = view.status
    qtbot.keyClicks(panel.id_edit, str(sis.id))
    with qtbot.waitSignal(view.importFetched, timeout=WAIT,
                          check_params_cb=lambda s: s.id == sis.id):
        panel.check_button.click()
    assert "Queued" in panel.detail.text()
    with qtbot.waitSignal(view.importFetched, timeout=WAIT):
        panel.follow_button.click()
    assert panel.following() and panel.stop_button.isEnabled()
    sandbox.release()
    qtbot.waitUntil(lambda: not panel.following(), timeout=WAIT)
    assert panel.detail.text().startswith(f"Import {sis.id}: Imported")
    assert panel.progress_bar.value() == 100
    entry = view.history.get(sandbox.url, sandbox.account_id, sis.id)
    assert entry.workflow_state is WorkflowState.IMPORTED


def test_stop_following_leaves_the_import_running(view, sandbox, qtbot, csv_path):
    view.status.set_target(sandbox.target())
    sandbox.hold()
    sis = send(sandbox, csv_path)
    panel = view.status
    panel.set_import_id(sis.id)
    with qtbot.waitSignal(view.importFetched, timeout=WAIT):
        panel.follow_button.click()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: "Stopped following" in panel.detail.text(), timeout=WAIT)
    assert sandbox.client().get_import(sis.id).workflow_state is WorkflowState.CREATED
    sandbox.release()


def test_a_missing_import_gives_one_sentence(view, sandbox, qtbot):
    view.status.set_target(sandbox.target())
    view.status.set_import_id(424242)
    view.status.check_button.click()
    qtbot.waitUntil(lambda: "424242" in view.status.detail.text()
                    and "Checking" not in view.status.detail.text(), timeout=WAIT)
    assert "Traceback" not in view.status.detail.text()


def test_typed_ids_are_read_leniently_and_bad_ones_explained(view, sandbox, qtbot, csv_path):
    panel = view.status
    panel.set_target(sandbox.target())
    sis = send(sandbox, csv_path)
    panel.id_edit.setText(f"  #{sis.id} ")
    assert panel.import_id() == sis.id
    with qtbot.waitSignal(view.importFetched, timeout=WAIT):
        panel.check_button.click()
    panel.id_edit.setText("12a")
    with qtbot.assertNotEmitted(view.importSelected):
        panel.check_button.click()
    assert panel.detail.text() == ("'12a' is not an import id; an import id is a whole number "
                                   "such as 1234.")


def test_abort_asks_first_and_cancel_changes_nothing(view, sandbox, qtbot, csv_path):
    view.status.set_target(sandbox.target())
    sandbox.hold()
    sis = send(sandbox, csv_path, view.history)
    view.status.set_import_id(sis.id)
    view.status.abort_button.click()
    assert answer_confirm(view.status, False).startswith(f"Abort import {sis.id}?")
    assert sandbox.client().get_import(sis.id).workflow_state is WorkflowState.CREATED
    view.status.abort_button.click()
    with qtbot.waitSignal(view.importFetched, timeout=WAIT,
                          check_params_cb=lambda s: s.workflow_state is WorkflowState.ABORTED):
        answer_confirm(view.status, True)
    assert "Aborted" in view.status.detail.text()
    assert sandbox.client().get_import(sis.id).workflow_state is WorkflowState.ABORTED
    assert view.history.get(sandbox.url, sandbox.account_id, sis.id).workflow_state \
        is WorkflowState.ABORTED


def test_abort_all_pending(view, sandbox, qtbot, csv_path):
    view.status.set_target(sandbox.target())
    sandbox.hold()
    ids = [send(sandbox, csv_path).id for _ in range(2)]
    view.status.abort_all_button.click()
    text = answer_confirm(view.status, True)
    assert "has not started yet" in text and "not touched" in text
    qtbot.waitUntil(lambda: "aborted every import" in view.status.detail.text(), timeout=WAIT)
    client = sandbox.client()
    assert {client.get_import(i).workflow_state for i in ids} == {WorkflowState.ABORTED}
    sandbox.release()


@pytest.mark.parametrize("scope, batch, final", [
    ("everything", False, WorkflowState.RESTORED),
    ("undelete_only", True, WorkflowState.PARTIALLY_RESTORED),
])
def test_restore_states_is_confirmed_and_followed(view, sandbox, qtbot, csv_path, scope,
                                                  batch, final):
    sis = send(sandbox, csv_path, view.history)
    sandbox.client().poll(sis.id)
    panel = view.status
    panel.set_target(sandbox.target())
    panel.set_import_id(sis.id)
    panel.restore_scope.setCurrentIndex(panel.restore_scope.findData(scope))
    panel.restore_batch.setChecked(batch)
    panel.restore_button.click()
    assert answer_confirm(panel, True) == restore_description(
        sis.id, batch_mode=batch, undelete_only=scope == "undelete_only",
        unconclude_only=False) + " Restore now?"
    qtbot.waitUntil(lambda: not panel.following(), timeout=WAIT)
    assert sandbox.client().get_import(sis.id).workflow_state is final
    assert view.history.get(sandbox.url, sandbox.account_id, sis.id).workflow_state is final
    assert final.label in panel.detail.text()


def test_resume_updates_rows_of_unfinished_imports(view, sandbox, qtbot, csv_path):
    sandbox.hold()
    sis = send(sandbox, csv_path, view.history)
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT):
        view.set_connection("prod", sandbox.url, sandbox.account_id, None)
    assert view.progress_bar_for(sis.id) is not None
    sandbox.release()
    task = view.resume(lambda entry: sandbox.target())
    with qtbot.waitSignal(task.finished, timeout=WAIT) as done:
        pass
    running, problems = done.args[0]
    assert problems == [] and len(running) <= 1  # still queued at the first look, or done
    qtbot.waitUntil(lambda: view.row_for(sis.id).workflow_state is WorkflowState.IMPORTED,
                    timeout=WAIT)
    assert view.progress_bar_for(sis.id) is None


def test_resume_skips_a_row_whose_profile_now_points_elsewhere(view, sandbox, qtbot, csv_path):
    """A row is followed only on the Canvas it was sent to: the sentence says why not."""
    from sis_desktop.core.import_flow import target_for_entry
    from sis_desktop.core.profiles import Profile
    sandbox.hold()
    sis = send(sandbox, csv_path, view.history)
    moved = Profile("p1", "prod", "https://canvas.example.edu", "1")  # test → production
    task = view.resume(lambda entry: target_for_entry(entry, [moved], lambda pid: "t" * 20))
    with qtbot.waitSignal(task.finished, timeout=WAIT) as done:
        pass
    running, problems = done.args[0]
    assert running == [] and len(problems) == 1
    assert f"Import {sis.id}" in problems[0] and "now points at" in problems[0]
    assert "now points at" in view.notice.text()
    assert view.history.get(sandbox.url, "1", sis.id).workflow_state is WorkflowState.CREATED


def test_sentences():
    assert "bring back what it deleted" in restore_description(
        5, batch_mode=False, undelete_only=True, unconclude_only=False)
    assert "only for what batch mode removed" in restore_description(
        5, batch_mode=True, undelete_only=False, unconclude_only=True)
    with pytest.raises(ValueError):
        restore_description(5, batch_mode=False, undelete_only=True, unconclude_only=True)
    from sis_desktop.core.canvas.models import SisImport
    text = status_summary(SisImport.from_json({
        "id": 9, "workflow_state": "imported_with_messages", "progress": 100,
        "data": {"counts": {"users": 3, "error_count": 0, "warning_count": 1}},
        "processing_warnings": [["users.csv", "No email given for user u1"]]}))
    assert text.splitlines() == ["Import 9: Imported with messages", "Rows: users 3",
                                 "Errors: 0, warnings: 1",
                                 "• users.csv: No email given for user u1"]


def test_history_is_opened_and_read_off_the_gui_thread(qtbot, isolated_dirs, monkeypatch):
    """A view given no History opens the default one on a worker; set_connection and
    resume made before it is open wait for it, and no sqlite call runs on the GUI thread."""
    import sqlite3
    import threading

    seed = History()
    seed.record_created(profile="prod", url="https://school.instructure.com", account_id=1,
                        sis_import=SisImport.from_json({"id": 7, "workflow_state": "imported",
                                                        "progress": 100}),
                        files=[{"name": "users.csv", "size": 1, "sha256": "a"}], options={})
    gui_thread = threading.current_thread()
    connect_threads: list[threading.Thread] = []
    real_connect = sqlite3.connect

    def watched_connect(*args, **kwargs):
        connect_threads.append(threading.current_thread())
        return real_connect(*args, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", watched_connect)

    view = HistoryView()
    qtbot.addWidget(view)
    assert view.history is None
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT) as loaded:
        view.set_connection("prod", "https://school.instructure.com", 1, None)
        assert view.resume(lambda entry: None) is None  # started once the history is open
    assert loaded.args == [1] and view.import_ids() == [7]
    assert view.history is not None and view.status.history is view.history
    qtbot.waitUntil(lambda: view._resume_task is not None and view._resume_task.done,
                    timeout=WAIT)
    assert connect_threads and gui_thread not in connect_threads


def test_closed_view_cancels_its_tasks_and_gets_no_late_signals(qtbot, sandbox, csv_path):
    """Tasks are started with the view as owner: deleting the view cancels them and their
    end signals never reach it."""
    view = HistoryView(History())
    sandbox.hold()
    send(sandbox, csv_path, view.history)
    sandbox.inject_fault("slow", path=r"sis_imports", delay=0.3, count=5)
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT):
        view.set_connection("prod", sandbox.url, sandbox.account_id, sandbox.client)
    task = view._list_task
    assert task is not None and task.running
    ended: list[str] = []
    for name in ("finished", "failed", "cancelled"):
        getattr(task, name).connect(lambda *_, n=name: ended.append(n))
    view.deleteLater()
    qtbot.waitUntil(lambda: task.done, timeout=WAIT)
    assert task.is_cancelled and task.silenced and ended == []
    sandbox.release()


def test_an_unusable_history_folder_is_one_sentence(qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("SIS_DESKTOP_DATA_DIR", str(blocker / "data"))
    view = HistoryView()
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.notice.isVisibleTo(view), timeout=WAIT)
    assert view.notice.text().endswith(".") and "Traceback" not in view.notice.text()
    view.set_connection("prod", "https://school.instructure.com", 1, None)
    assert view.title.text() == "The import history is not available."
    assert not view.refresh_button.isEnabled() and view.history is None


def test_confirmation_does_not_block_and_acts_only_when_accepted(view, sandbox, qtbot, csv_path):
    panel = view.status
    panel.set_target(sandbox.target())
    sandbox.hold()
    sis = send(sandbox, csv_path)
    panel.set_import_id(sis.id)
    click_returned: list[bool] = []
    guard_saw: list[bool] = []

    def guard() -> None:  # the first event the loop handles; inside the click if it blocks
        guard_saw.append(bool(click_returned))
        if not click_returned:  # a nested loop: let the test fail rather than hang
            panel.findChild(QMessageBox, "confirmBox").reject()
    QTimer.singleShot(0, guard)
    panel.abort_button.click()
    click_returned.append(True)
    assert guard_saw == []  # the click returned with the question open
    box = panel.findChild(QMessageBox, "confirmBox")
    assert box.isVisible() and box.defaultButton().objectName() == "confirmCancelButton"
    assert not panel._busy  # nothing asked of Canvas yet
    qtbot.waitUntil(lambda: guard_saw == [True])
    answer_confirm(panel, False)
    qtbot.waitUntil(lambda: panel.findChild(QMessageBox, "confirmBox") is None)  # deleted
    assert sandbox.client().get_import(sis.id).workflow_state is WorkflowState.CREATED
    sandbox.release()
