"""Stale state is cleared or greyed the moment it stops being true (issue 12 §4)."""
from __future__ import annotations

import pytest

from sis_desktop.core.canvas.errors import CanvasError
from sis_desktop.core.canvas.models import WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.gui.status_check import PROMPT_TEXT

USERS = "user_id,login_id,status\nu1,l1,active\n"
WAIT = 10_000


@pytest.fixture
def view(history_view):
    return history_view


@pytest.fixture
def finished(sandbox, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(USERS)
    client = sandbox.client()
    sis = client.create_import([path], ImportOptions())
    return client.poll(sis.id, interval=0.02) if _takes_interval(client) else client.poll(sis.id)


def _takes_interval(client) -> bool:
    import inspect
    return "interval" in inspect.signature(client.poll).parameters


def check(panel, qtbot, text: str) -> None:
    panel.id_edit.setText(text)
    panel.check_button.click()
    qtbot.waitUntil(lambda: "Checking" not in panel.detail.text(), timeout=WAIT)


def test_abort_is_greyed_for_a_finished_import(view, sandbox, qtbot, finished):
    panel = view.status
    panel.set_target(sandbox.target())
    assert finished.workflow_state is WorkflowState.IMPORTED
    panel.set_import_id(finished.id)
    assert panel.abort_button.isEnabled()  # not known to be finished yet
    with qtbot.waitSignal(view.importFetched, timeout=WAIT):
        panel.check_button.click()
    assert not panel.abort_button.isEnabled()
    assert "ended" in panel.abort_button.toolTip()
    panel.id_edit.setText(str(finished.id + 1))  # another import: may still be running
    assert panel.abort_button.isEnabled()


def test_checking_a_bad_or_unknown_id_clears_the_old_bar(view, sandbox, qtbot, finished):
    panel = view.status
    panel.set_target(sandbox.target())
    check(panel, qtbot, str(finished.id))
    assert panel.progress_bar.value() == 100
    check(panel, qtbot, "999")
    assert panel.progress_bar.value() == 0
    assert "999" in panel.detail.text() and f"Import {finished.id}" not in panel.detail.text()
    check(panel, qtbot, str(finished.id))
    assert panel.progress_bar.value() == 100
    panel.id_edit.setText("abc")
    assert panel.progress_bar.value() == 0 and panel.detail.text() == PROMPT_TEXT
    panel.check_button.click()
    assert "'abc' is not an import id" in panel.detail.text()
    assert panel.progress_bar.value() == 0


def test_history_banner_goes_when_the_list_loads(view, sandbox, qtbot):
    def unreachable():
        raise CanvasError("Could not connect to Canvas at the test address.")
    with qtbot.waitSignal(view.localLoaded, timeout=WAIT):
        view.set_connection("broken", sandbox.url, sandbox.account_id, unreachable)
    qtbot.waitUntil(lambda: not view.notice.isHidden(), timeout=WAIT)
    assert "Could not connect" in view.notice.text()
    with qtbot.waitSignal(view.listLoaded, timeout=WAIT):
        view.set_connection("prod", sandbox.url, sandbox.account_id, sandbox.client)
    assert view.notice.isHidden() and view.notice.text() == ""
