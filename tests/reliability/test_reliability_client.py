"""Fault matrix for the core calls the GUI's tasks use (`create_import`, `poll`) against the
sandbox's fault injection: what the user is told, that history keeps everything, and that
following an import resumes where it can. A POST is never repeated blindly."""
from __future__ import annotations

import pytest

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import (AmbiguousUpload, AuthenticationFailed,
                                            NetworkError, RateLimited)
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.canvas.upload import sha256_file
from sis_desktop.core.history import History, resume_unfinished

from .helpers import FAST, USERS_CSV, one_sentence, wait_until, write_big_csv

CREATE = r"/sis_imports$"


def _client(sandbox, **kw) -> CanvasClient:
    return CanvasClient(sandbox.url, sandbox.token, sandbox.account_id, **kw)


def _record(history: History, client: CanvasClient, sis: SisImport, path=USERS_CSV) -> None:
    """What the GUI does once Canvas accepted an upload."""
    history.record_created(profile="Test", url=client.base_url, account_id=client.account_id,
                           sis_import=sis, files=[{"name": path.name, "size": path.stat().st_size,
                                                   "sha256": sha256_file(path)}], options={})


def _follow(history: History, client: CanvasClient, import_id: int, **kw) -> SisImport:
    """What the GUI's PollTask does, with the history kept current on every update."""
    return client.poll(import_id, intervals=kw.pop("intervals", FAST),
                       on_update=lambda s: history.update(client.base_url, client.account_id, s),
                       **kw)


def _state(history: History, import_id: int) -> WorkflowState:
    (entry,) = [e for e in history.recent() if e.import_id == import_id]
    return entry.workflow_state


@pytest.fixture
def queued(sandbox):
    """An import Canvas accepted and holds in `created`, recorded in history."""
    history = History()
    client = _client(sandbox)
    sandbox.hold()
    sis = client.create_import([USERS_CSV], ImportOptions())
    _record(history, client, sis)
    return client, history, sis


# ---- connection refused ------------------------------------------------------------------
def test_refused_on_create_says_so_and_creates_nothing(sandbox):
    client = _client(sandbox)
    sandbox.stop()
    with pytest.raises(NetworkError) as caught:
        client.create_import([USERS_CSV], ImportOptions())
    assert "Could not connect" in one_sentence(str(caught.value), secret=sandbox.token)
    assert caught.value.request_sent is False
    sandbox.start()
    assert sandbox.imports == {}
    assert History().recent() == []


def test_refused_while_polling_gives_up_after_the_budget_and_history_keeps_the_row(
        sandbox, queued):
    client, history, sis = queued
    sandbox.stop()
    with pytest.raises(NetworkError) as caught:
        _follow(history, client, sis.id, max_failures=2)
    one_sentence(str(caught.value))
    assert _state(history, sis.id) is WorkflowState.CREATED
    sandbox.start()
    sandbox.release()
    assert resume_unfinished(history, lambda entry: client) == []
    assert _state(history, sis.id) is WorkflowState.IMPORTED


# ---- dropped connections -----------------------------------------------------------------
def test_drop_mid_upload_says_nothing_was_created_and_a_resend_works(sandbox, tmp_path):
    big = write_big_csv(tmp_path / "users.csv")
    client = _client(sandbox)
    sandbox.hold()  # the 8 MB import need not be processed
    sandbox.inject_fault("drop", method="POST", path=CREATE)
    with pytest.raises(NetworkError) as caught:
        client.create_import([big], ImportOptions())
    text = one_sentence(str(caught.value))
    assert "during the upload" in text and "no import was created" in text
    assert sandbox.imports == {}
    again = client.create_import([big], ImportOptions())
    assert list(sandbox.imports) == [again.id]


def test_drop_after_body_finds_the_import_and_never_posts_again(sandbox):
    client = _client(sandbox)
    sandbox.inject_fault("drop_after_body", method="POST", path=CREATE)
    with pytest.raises(AmbiguousUpload) as caught:
        client.create_import([USERS_CSV], ImportOptions())
    text = one_sentence(str(caught.value))
    assert caught.value.found is not None and f"id {caught.value.found.id}" in text
    assert list(sandbox.imports) == [caught.value.found.id]  # exactly one create
    history = History()
    _record(history, client, caught.value.found)
    final = _follow(history, client, caught.value.found.id)
    assert final.workflow_state.is_success
    assert _state(history, final.id) is final.workflow_state


def test_drop_after_body_with_another_new_import_says_it_cannot_tell(sandbox):
    client = _client(sandbox)
    other = client.create_import([USERS_CSV], ImportOptions())
    sandbox.inject_fault("drop_after_body", method="POST", path=CREATE)
    with pytest.raises(AmbiguousUpload) as caught:
        client.create_import([USERS_CSV], ImportOptions())
    assert caught.value.found is None
    assert "cannot tell" in one_sentence(str(caught.value))
    assert len(sandbox.imports) == 2 and other.id in sandbox.imports  # no third, blind POST


# ---- 5xx, throttling, not JSON, 401 on create ----------------------------------------------
@pytest.mark.parametrize("kind, error, words", [
    # after the whole body went out, a 5xx or a non-import answer may hide a created import
    ("500", AmbiguousUpload, "HTTP 500"),
    ("502", AmbiguousUpload, "HTTP 502"),
    ("503", AmbiguousUpload, "HTTP 503"),
    ("throttle", RateLimited, "rate limit"),
    ("429", RateLimited, "rate limit"),
    ("not_json", AmbiguousUpload, "not an import"),
    ("401", AuthenticationFailed, "revoked"),
])
def test_refusals_on_create_are_one_sentence_and_create_nothing(sandbox, kind, error, words):
    client = _client(sandbox)
    sandbox.inject_fault(kind, method="POST", path=CREATE, delay=7 if kind == "429" else None)
    with pytest.raises(error) as caught:
        client.create_import([USERS_CSV], ImportOptions())
    assert words in one_sentence(str(caught.value), secret=sandbox.token)
    if kind == "429":
        assert caught.value.retry_after == 7
    assert sandbox.imports == {}
    assert sandbox.faults.pending() == []  # the one faulty answer was used: no second POST


# ---- transient failures while polling ----------------------------------------------------
@pytest.mark.parametrize("kind", ["500", "502", "503", "throttle", "429", "not_json", "drop"])
def test_polling_rides_out_transient_failures(sandbox, queued, kind):
    client, history, sis = queued
    sandbox.inject_fault(kind, method="GET", path=rf"/sis_imports/{sis.id}$", count=2,
                         delay=0.05 if kind == "429" else None)
    sandbox.release()
    final = _follow(history, client, sis.id, max_failures=3)
    assert final.workflow_state.is_success
    assert sandbox.faults.pending() == []  # both faulty answers were met and survived
    assert _state(history, sis.id) is final.workflow_state


def test_401_mid_poll_stops_with_a_sentence_keeps_history_and_resumes(sandbox, queued):
    client, history, sis = queued
    sandbox.inject_fault("401", method="GET", path=rf"/sis_imports/{sis.id}$")
    with pytest.raises(AuthenticationFailed) as caught:
        _follow(history, client, sis.id)
    assert "revoked" in one_sentence(str(caught.value), secret=sandbox.token)
    assert _state(history, sis.id) is WorkflowState.CREATED
    sandbox.release()  # a new token later: the same import is followed to its end
    assert resume_unfinished(history, lambda entry: client) == []
    assert _state(history, sis.id) is WorkflowState.IMPORTED
    assert len(sandbox.imports) == 1


# ---- slow server -----------------------------------------------------------------------------
def test_slow_answer_past_the_read_timeout_is_retried_for_a_get(sandbox, queued):
    client, history, sis = queued
    slow = _client(sandbox, timeout=(5, 0.2), max_retries=0)
    sandbox.inject_fault("slow", method="GET", path=rf"/sis_imports/{sis.id}$", delay=0.6)
    with pytest.raises(NetworkError) as caught:
        slow.get_import(sis.id)
    assert "timed out" in one_sentence(str(caught.value))
    patient = _client(sandbox, timeout=(5, 0.2), max_retries=2, retry_wait=0.01)
    sandbox.inject_fault("slow", method="GET", path=rf"/sis_imports/{sis.id}$", delay=0.6)
    assert patient.get_import(sis.id).id == sis.id


def test_slow_create_past_the_read_timeout_is_ambiguous_and_not_repeated(sandbox):
    client = _client(sandbox, timeout=(5, 0.3))
    sandbox.inject_fault("slow", method="POST", path=CREATE, delay=1.5)
    with pytest.raises(AmbiguousUpload) as caught:
        client.create_import([USERS_CSV], ImportOptions())
    one_sentence(str(caught.value))
    # A second POST would have been answered at once; the slow one is still asleep.
    assert sandbox.imports == {}
    wait_until(lambda: len(sandbox.imports) == 1)  # the first and only create lands
    (found,) = client.list_imports(limit=5)
    assert found.id in sandbox.imports


# ---- server restarted mid-poll ----------------------------------------------------------------
class _RestartOnSecondWait(list):
    """Poll intervals that restart the sandbox when the poller asks how long to wait after
    the first failed poll (the second wait after the stop): no sleeping, no guessing."""

    def __init__(self, sandbox):
        super().__init__(FAST)
        self.sandbox = sandbox
        self.waits_since_stop: int | None = None

    def __getitem__(self, index):
        if self.waits_since_stop is not None:
            self.waits_since_stop += 1
            if self.waits_since_stop == 2:
                self.sandbox.start()
                self.sandbox.release()
        return super().__getitem__(index)


def test_server_restarted_mid_poll_is_followed_to_the_end(sandbox, queued):
    client, history, sis = queued
    port = sandbox.port
    schedule = _RestartOnSecondWait(sandbox)
    states: list[WorkflowState] = []

    def on_update(current: SisImport) -> None:
        states.append(current.workflow_state)
        history.update(client.base_url, client.account_id, current)
        if schedule.waits_since_stop is None:
            sandbox.stop()  # Canvas goes away between two polls
            schedule.waits_since_stop = 0

    final = client.poll(sis.id, on_update=on_update, intervals=schedule, max_failures=3)
    assert schedule.waits_since_stop >= 2  # at least one poll failed while it was down
    assert states[0] is WorkflowState.CREATED and final.workflow_state.is_success
    assert sandbox.port == port and list(sandbox.imports) == [sis.id]
    assert _state(history, sis.id) is final.workflow_state
