"""Following an import to its end: schedule, every terminal state, cancel, transient failures."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import Cancelled, CanvasServerError, NotFound
from sis_desktop.core.canvas.models import WorkflowState
from sis_desktop.core.canvas.polling import DEFAULT_INTERVALS, PollSchedule
from tests.core.long_import import follow_long_import

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
FAST = (0.01, 0.02)


def fast_client(sandbox) -> CanvasClient:
    return CanvasClient(sandbox.url, sandbox.token, sandbox.account_id, retry_wait=0.01)


# ---- the schedule ---------------------------------------------------------------------------------
def test_schedule_backs_off_to_a_cap_and_restarts_on_a_new_state():
    schedule = PollSchedule()
    assert DEFAULT_INTERVALS == (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 25.0)
    delays = [schedule.next_delay(n == 0) for n in range(9)]
    assert delays == [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 25.0, 25.0, 25.0]
    assert schedule.next_delay(True) == 2.0  # a new state: quick again (from the 2nd interval)
    assert schedule.next_delay(False) == 3.0


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_moving_progress_does_not_restart_but_its_pace_brings_the_end_poll_forward():
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    waits = []
    progress = 0
    for _ in range(40):  # progress moves 1 % every 5 s: done at 500 s
        progress = min(99, int(clock.now / 5))
        wait = schedule.next_delay(False, progress=progress)
        waits.append(wait)
        clock.now += wait
        if clock.now >= 500:
            break
    assert max(waits) == 25.0 and waits.count(25.0) >= 15  # moving progress: no restart
    assert 500 <= clock.now <= 505  # the pace predicted the end: a poll right after it
    assert len(waits) <= 28
    # overdue (stuck at 99 %): the waits grow again from 2 s
    overdue = []
    for _ in range(6):
        overdue.append(schedule.next_delay(False, progress=99))
        clock.now += overdue[-1]
    assert max(overdue[:3]) <= 6 and overdue[1:] == sorted(overdue[1:]) and overdue[-1] <= 25.0


def test_progress_going_back_restarts_the_estimate():
    clock = FakeClock()
    schedule = PollSchedule(clock=clock)
    for t, p in ((0, 0), (10, 50), (20, 90)):
        clock.now = t
        schedule.next_delay(False, progress=p)
    clock.now = 21
    assert schedule.next_delay(False, progress=10) == 5.0  # no stale "almost done" estimate
    clock.now = 26
    assert schedule.next_delay(False, progress=10) == 8.0


def test_schedule_slows_down_when_the_rate_limit_bucket_is_low():
    schedule = PollSchedule()
    assert schedule.next_delay(True, rate_limit_remaining=599.0) == 1.0
    assert schedule.next_delay(True, rate_limit_remaining=20.0) == 25.0
    assert schedule.next_delay(True, rate_limit_remaining=-3.0) == 25.0


def test_failure_delay_honours_retry_after():
    schedule = PollSchedule((0.5, 1.0, 4.0))
    assert schedule.failure_delay(1) == 1.0
    assert schedule.failure_delay(9) == 4.0
    assert schedule.failure_delay(1, retry_after=12.0) == 12.0


# ---- terminal states -------------------------------------------------------------------------
def _follow(client, import_id):
    updates = []
    final = client.poll(import_id, on_update=updates.append, intervals=FAST)
    assert updates and updates[-1] is final
    return final, updates


def test_poll_to_imported(sandbox):
    client = fast_client(sandbox)
    final, updates = _follow(client, client.create_import(SAMPLES / "users.csv").id)
    assert final.workflow_state is WorkflowState.IMPORTED and final.progress == 100
    assert all(not u.is_terminal for u in updates[:-1])


def test_poll_to_imported_with_messages(sandbox):
    client = fast_client(sandbox)
    final, _ = _follow(client, client.create_import(SAMPLES / "enrollments_with_warnings.csv").id)
    assert final.workflow_state is WorkflowState.IMPORTED_WITH_MESSAGES and final.warning_count


def test_poll_to_failed(sandbox):
    client = fast_client(sandbox)
    sandbox.fail_next_import("boom")
    final, _ = _follow(client, client.create_import(SAMPLES / "users.csv").id)
    assert final.workflow_state is WorkflowState.FAILED


def test_poll_to_failed_with_messages(sandbox, tmp_path):
    bad = tmp_path / "mystery.csv"
    bad.write_text("what,is,this\n1,2,3\n", encoding="utf-8")
    client = fast_client(sandbox)
    final, _ = _follow(client, client.create_import(bad).id)
    assert final.workflow_state is WorkflowState.FAILED_WITH_MESSAGES
    assert final.processing_errors


def test_poll_to_aborted(sandbox):
    client = fast_client(sandbox)
    sandbox.hold()
    created = client.create_import(SAMPLES / "users.csv")
    assert client.abort(created.id).workflow_state is WorkflowState.ABORTED
    final, _ = _follow(client, created.id)
    assert final.workflow_state is WorkflowState.ABORTED


def test_poll_unknown_import_fails_at_once(sandbox):
    with pytest.raises(NotFound):
        fast_client(sandbox).poll(987654, intervals=FAST)


# ---- cancel and failures ---------------------------------------------------------------------
def test_cancel_stops_a_long_wait_at_once(sandbox):
    client = fast_client(sandbox)
    sandbox.hold()
    created = client.create_import(SAMPLES / "users.csv")
    cancelled, first_answer = threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def run():
        try:
            client.poll(created.id, on_update=lambda _i: first_answer.set(), cancelled=cancelled,
                        intervals=(600.0,))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert first_answer.wait(10)
    cancelled.set()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_poll_rides_out_transient_failures(sandbox):
    client = fast_client(sandbox)
    sandbox.hold()
    created = client.create_import(SAMPLES / "users.csv")
    path = rf"/sis_imports/{created.id}$"
    for kind in ("503", "drop", "throttle", "502"):
        sandbox.inject_fault(kind, method="GET", path=path)
    sandbox.inject_fault("429", method="GET", path=path, delay=0)
    sandbox.release()
    final = client.poll(created.id, intervals=FAST)
    assert final.is_terminal and not sandbox.faults.pending()


def test_poll_gives_up_after_the_bound_with_the_last_error(sandbox):
    client = fast_client(sandbox)
    created = client.create_import(SAMPLES / "users.csv")
    sandbox.inject_fault("500", method="GET", path=rf"/sis_imports/{created.id}$", count=10)
    with pytest.raises(CanvasServerError, match="HTTP 500"):
        client.poll(created.id, intervals=FAST, max_failures=3)
    assert sandbox.faults.pending()[0].count == 6  # 1 try + 3 more, then it stopped


# ---- how many GETs a long import costs ---------------------------------------------------------
def test_a_ten_minute_import_is_followed_with_at_most_40_gets(tmp_path):
    # the sandbox's speed makes the import last 10 minutes of Canvas time, compressed 100x
    # together with the poll schedule (see tests/core/long_import.py)
    followed = follow_long_import(tmp_path, minutes=10, scale=0.01)
    assert followed.updates[-1][1].workflow_state.is_success
    assert 540 <= followed.seconds <= 720
    assert followed.gets <= 40  # Canvas's own page sends ~400; the old schedule ~200
    assert followed.gets == len(followed.updates)
    assert len(followed.progress_seen()) >= 12  # progress still moves on screen as it goes
    assert followed.end_lag <= 30  # and the end shows well before a full 25 s back-off twice
