"""CanvasClient over real loopback HTTP: addresses, headers, error mapping, pagination,
retries, redirects. The sandbox plays Canvas; `WireServer` answers what the sandbox cannot."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sis_desktop import __version__
from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import (AuthenticationFailed, BadRequest, CanvasServerError,
                                            InsecureURL, NetworkError, NotFound, NotRootAccount,
                                            PermissionDenied, RateLimited, SisImportsDisabled)
from sis_desktop.core.canvas.http import parse_retry_after
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.urls import is_loopback, normalize_base_url
from tests.core.wire_server import Answer, WireServer

TOKEN = "s3cr3t-token-value"
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def wire():
    with WireServer() as server:
        yield server


def fast_client(url: str, token: str = TOKEN, account: int | str = 1, **kw) -> CanvasClient:
    kw.setdefault("retry_wait", 0.01)
    return CanvasClient(url, token, account, **kw)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- addresses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("given, expected", [
    ("https://school.instructure.com/", "https://school.instructure.com"),
    ("https://school.instructure.com/api/v1", "https://school.instructure.com"),
    ("  https://School.Instructure.com/api/v1/ ", "https://school.instructure.com"),
    ("https://canvas.example.edu/lms/api/v1/", "https://canvas.example.edu/lms"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://localhost:3000/api/v1", "http://localhost:3000"),
    ("http://[::1]:9000", "http://[::1]:9000"),
])
def test_normalize_base_url(given, expected):
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["http://school.instructure.com", "school.instructure.com",
                                 "ftp://127.0.0.1", "", "https://user:pw@school.edu",
                                 "http://10.0.0.5", "http://[::1", "https://canvas.example.edu:99999",
                                 "https://canvas.example.edu:port"])
def test_bad_or_insecure_urls_are_refused_with_a_sentence(bad):
    with pytest.raises(InsecureURL) as info:
        normalize_base_url(bad)
    assert str(info.value).endswith(".")


@pytest.mark.parametrize("host, expected", [("127.0.0.1", True), ("127.1.2.3", True),
                                            ("::1", True), ("[::1]", True), ("localhost", True),
                                            ("LOCALHOST", True), ("10.0.0.1", False),
                                            ("example.com", False), ("localhost.example.com", False),
                                            ("evil.localhost", False), ("a.b.localhost.", False),
                                            ("localhost.localdomain", False), ("", False)])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_client_refuses_plain_http_before_any_request():
    with pytest.raises(InsecureURL):
        CanvasClient("http://canvas.example.edu", TOKEN, 1)


# ---- headers -------------------------------------------------------------------------------
def test_every_request_carries_bearer_token_user_agent_and_no_token_in_url(wire):
    wire.on("GET", r"/api/v1/users/self", Answer(200, {"id": 1, "name": "Admin"}))
    client = fast_client(wire.url + "/api/v1/")
    assert client.check_user()["name"] == "Admin"
    rec = wire.requests[-1]
    assert rec.headers["authorization"] == f"Bearer {TOKEN}"
    assert rec.headers["user-agent"] == f"SIS-Desktop/{__version__} (+python-requests)"
    assert TOKEN not in rec.path and all(TOKEN not in v for _, v in rec.query)
    assert TOKEN not in repr(client)


def test_sandbox_account_terms_and_user(sandbox):
    client = sandbox.client()
    account = client.get_account()
    assert account.id == 1 and account.is_root
    assert any(t.sis_term_id for t in client.list_terms())
    assert client.check_user()["id"]


# ---- error mapping (reference §4.3) -----------------------------------------------------------
WWW = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
CASES = [
    (401, {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}, WWW,
     AuthenticationFailed, "is missing"),
    (401, {"errors": [{"message": "Invalid access token."}]}, WWW, AuthenticationFailed, "is invalid"),
    (401, {"errors": [{"message": "Expired access token.", "expired_at": "2025-01-01T00:00:00Z"}]}, WWW,
     AuthenticationFailed, "has expired"),
    (401, {"errors": [{"message": "Revoked access token."}]}, WWW, AuthenticationFailed, "revoked"),
    (401, {"errors": [{"message": "Insufficient scopes on access token."}]}, {}, PermissionDenied, "scope"),
    (401, {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]},
     {}, PermissionDenied, "SIS Data - import"),
    (403, {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]},
     {}, PermissionDenied, "SIS Data - import"),
    (400, {"errors": ["SIS imports can only be executed on root accounts"]}, {}, NotRootAccount, "root account"),
    (403, {"errors": ["SIS imports are not enabled for this account"]}, {}, SisImportsDisabled, "not enabled"),
    (404, {"errors": [{"message": "The specified resource does not exist."}]}, {}, NotFound, "no import 5"),
    (500, {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
           "error_report_id": 77}, {}, CanvasServerError, "error report 77"),
    (400, {"error": True, "error_message": "Missing attachment"}, {}, BadRequest, "Missing attachment"),
    (400, {"error": "Invalid content type, UTF-8 required"}, {}, BadRequest, "UTF-8 required"),
    (400, {"message": "Batch mode specified, but the given batch_mode_term_id cannot be found."}, {},
     BadRequest, "batch_mode_term_id cannot be found"),
    (400, {"message": "change_threshold is required to use multi term_batch mode."}, {}, BadRequest,
     "change_threshold is required"),
    (400, {"message": "Invalid diffing_drop_status"}, {}, BadRequest, "Invalid diffing_drop_status"),
    (400, {"errors": [{"message": "first"}, "second"]}, {}, BadRequest, "first; second"),
    (400, "cannot set both undelete_only and unconclude_only", {"Content-Type": "application/json"},
     BadRequest, "cannot set both undelete_only"),
    (403, "403 Forbidden (Rate Limit Exceeded)\n", {"X-Rate-Limit-Remaining": "-1.5"}, RateLimited, "rate limit"),
    (429, "429 Too Many Requests (Rate Limit Exceeded)\n", {"retry-after": "7"}, RateLimited, "rate limit"),
    (403, {"error": "Forbidden", "message": "You are not authorized to access this site because you have "
                                           "not provided a valid user agent."}, {}, PermissionDenied, "user agent"),
    (413, "<html>too large</html>", {}, BadRequest, "too large"),
]


@pytest.mark.parametrize("status, body, headers, kind, fragment", CASES)
def test_each_canvas_error_body_becomes_one_error_with_a_sentence(wire, status, body, headers, kind, fragment):
    wire.on("GET", r"/sis_imports/5$", Answer(status, body, headers))
    client = fast_client(wire.url, max_retries=0)
    with pytest.raises(kind) as info:
        client.get_import(5)
    error = info.value
    assert type(error) is kind
    assert fragment.lower() in str(error).lower()
    assert error.status == status
    assert TOKEN not in str(error)
    if status == 429:
        assert error.retry_after == 7


def test_ok_answer_that_is_not_json_is_a_server_error(wire):
    wire.on("GET", r"/sis_imports/5$", Answer(200, "<html>Log in</html>", {"Content-Type": "text/html"}))
    with pytest.raises(CanvasServerError, match="not JSON"):
        fast_client(wire.url).get_import(5)
    assert len(wire.requests) == 1  # not retried: Canvas did answer


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a past date: now


@pytest.mark.parametrize("account, kind", [(2, NotRootAccount), (3, SisImportsDisabled), (99, NotFound)])
def test_sandbox_account_checks(sandbox, account, kind):
    client = CanvasClient(sandbox.url, sandbox.token, account)
    with pytest.raises(kind):
        list(client.list_imports())


def test_sandbox_wrong_and_revoked_tokens(sandbox):
    with pytest.raises(AuthenticationFailed, match="invalid"):
        CanvasClient(sandbox.url, "wrong", 1).get_account()
    sandbox.inject_fault("401")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        sandbox.client().get_account()


def test_sandbox_unknown_import_is_not_found(sandbox):
    with pytest.raises(NotFound, match="no import 424242"):
        sandbox.client().get_import(424242)


def test_sandbox_not_json_fault(sandbox):
    sandbox.inject_fault("not_json", path=r"/users/self")
    with pytest.raises(CanvasServerError, match="not JSON"):
        sandbox.client().check_user()


# ---- retries ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["500", "502", "503", "throttle", "429", "drop"])
def test_get_rides_out_transient_failures(sandbox, kind):
    client = fast_client(sandbox.url, sandbox.token)
    sandbox.inject_fault(kind, method="GET", path=r"/accounts/1$", count=2, delay=0)
    assert client.get_account().id == 1
    assert not sandbox.faults.pending()


def test_get_gives_up_after_max_retries_with_the_last_error(sandbox):
    client = fast_client(sandbox.url, sandbox.token, max_retries=2)
    sandbox.inject_fault("503", method="GET", path=r"/accounts/1$", count=5)
    with pytest.raises(CanvasServerError, match="HTTP 503"):
        client.get_account()
    assert sandbox.faults.pending()[0].count == 2  # 1 try + 2 retries used 3 of 5


def test_put_is_retried_when_throttled_but_not_when_the_answer_was_lost(sandbox):
    client = fast_client(sandbox.url, sandbox.token)
    sandbox.inject_fault("throttle", method="PUT", count=1)
    assert client.abort_all_pending() is True
    sandbox.inject_fault("drop", method="PUT", count=1)
    sandbox.inject_fault("503", method="PUT", count=1)
    with pytest.raises(NetworkError):
        client.abort_all_pending()
    assert len(sandbox.faults.pending()) == 1  # the 503 was never reached: no second PUT


def test_connection_refused_is_a_network_error_not_sent():
    client = fast_client(f"http://127.0.0.1:{closed_port()}", max_retries=1)
    with pytest.raises(NetworkError, match="Could not connect") as info:
        client.get_account()
    assert info.value.request_sent is False


# ---- pagination --------------------------------------------------------------------------------
def _import(n: int, state: str = "imported") -> dict:
    return {"id": n, "workflow_state": state, "progress": 100, "created_at": "2026-01-01T00:00:00Z"}


def test_list_follows_opaque_next_links_with_lowercase_header(wire):
    pages = {
        None: ([_import(3), _import(2)], "cursor=b7"),
        "b7": ([_import(1)], "cursor=zz"),
        "zz": ([], None),
    }

    def page(rec):
        cursor = dict(rec.query).get("cursor")
        items, nxt = pages[cursor]
        headers = {}
        if nxt:
            headers["link"] = (f'<{wire.url}/api/v1/accounts/1/sis_imports?page=1>; rel="current",'
                               f'<{wire.url}/api/v1/accounts/1/sis_imports?{nxt}>; rel="next"')
        return Answer(200, {"sis_imports": items}, headers)

    wire.on("GET", r"/accounts/1/sis_imports$", page)
    client = fast_client(wire.url)
    found = list(client.list_imports(states=["imported", WorkflowState.FAILED],
                                     created_since="2026-01-01T00:00:00Z"))
    assert [i.id for i in found] == [3, 2, 1]
    first = wire.requests[0].query
    assert ("per_page", "100") in first
    assert ("workflow_state[]", "imported") in first and ("workflow_state[]", "failed") in first
    assert ("created_since", "2026-01-01T00:00:00Z") in first
    assert wire.requests[1].query == [("cursor", "b7")]  # the link is used exactly as given
    assert [i.id for i in client.list_imports(limit=2)] == [3, 2]


def test_next_link_to_another_host_is_not_followed(wire):
    with WireServer() as other:
        wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": [_import(1)]},
                {"Link": f'<{other.url_for("localhost")}/steal?page=2>; rel="next"'}))
        items = []
        with pytest.raises(CanvasServerError, match="another server"):
            items.extend(fast_client(wire.url).list_imports())
        assert [i.id for i in items] == [1]
        assert other.requests == []


def test_sandbox_import_errors_paginate(sandbox):
    client = sandbox.client()
    imp = client.poll(client.create_import(SAMPLES / "enrollments_with_warnings.csv").id, intervals=(0.01,))
    assert imp.workflow_state is WorkflowState.IMPORTED_WITH_MESSAGES
    rows = list(client.import_errors(imp.id))
    assert rows and all(r.sis_import_id == imp.id and r.message for r in rows)


# ---- redirects -----------------------------------------------------------------------------------
def test_authorization_is_dropped_when_a_redirect_leaves_the_host(wire):
    with WireServer() as other:
        other.on("GET", r"/landing", Answer(200, {"id": 1}))
        wire.on("GET", r"/users/self", Answer(302, b"", {"Location": f"{other.url_for('localhost')}/landing"}))
        wire.on("GET", r"/same", Answer(200, {"id": 2}))
        wire.on("GET", r"/api/v1/accounts/1$", Answer(302, b"", {"Location": f"{wire.url}/same"}))
        client = fast_client(wire.url)
        assert client.check_user() == {"id": 1}
        assert "authorization" not in other.requests[-1].headers
        assert client.get_account().id == 2  # same host: the token still goes
        assert wire.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_errors_attachment_download_sends_the_token_only_to_canvas(wire, tmp_path):
    with WireServer() as files:
        files.on("GET", r"/files/9", Answer(200, b"sis_import_id,file,message,row\n5,u.csv,bad,2\n"))
        wire.on("GET", r"/files/8", Answer(200, b"sis_import_id,file,message,row\n"))
        client = fast_client(wire.url)
        elsewhere = SisImport.from_json({"id": 5, "workflow_state": "imported_with_messages", "progress": 100,
                                         "errors_attachment": {"url": f"{files.url_for('localhost')}/files/9?verifier=x"}})
        out = client.download_errors_attachment(elsewhere, tmp_path / "errors.csv")
        assert out.read_text().endswith("5,u.csv,bad,2\n")
        assert "authorization" not in files.requests[-1].headers
        here = SisImport.from_json({"id": 6, "workflow_state": "imported", "progress": 100,
                                    "errors_attachment": {"url": f"{wire.url}/files/8?verifier=y"}})
        client.download_errors_attachment(here, tmp_path / "e2.csv")
        assert wire.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"
        assert not list(tmp_path.glob("*.part"))
        with pytest.raises(NotFound, match="no errors file"):
            client.download_errors_attachment(SisImport.from_json({"id": 7, "workflow_state": "imported"}),
                                              tmp_path / "none.csv")


def test_importing_lists_only_running_imports(sandbox):
    client = sandbox.client()
    assert client.importing() == []
    sandbox.hold("importing")
    created = client.create_import(SAMPLES / "users.csv")
    running = poll_until(lambda: client.importing(), timeout=10)
    assert [i.id for i in running] == [created.id]
    assert running[0].workflow_state is WorkflowState.IMPORTING
    sandbox.release()


def poll_until(probe, timeout: float):
    """The first truthy answer of `probe`, asked repeatedly until `timeout` seconds pass."""
    import threading
    import time
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        answer = probe()
        if answer:
            return answer
        pause.wait(0.02)
    raise AssertionError("condition not reached in time")


@pytest.mark.parametrize("token", ["", "   ", "abc\ndef", "abc def", "tökén"])
def test_malformed_tokens_are_refused_without_echoing_them(token):
    with pytest.raises(ValueError) as info:
        CanvasClient("https://canvas.example.edu", token, 1)
    assert token.strip() == "" or token not in str(info.value)


def test_backoff_grows_with_jitter_and_obeys_retry_after(sandbox):
    from sis_desktop.core.canvas.http import HttpSession
    http = HttpSession("https://canvas.example.edu", TOKEN, retry_wait=1.0)
    for attempt, full in ((0, 1.0), (1, 2.0), (3, 8.0), (10, 30.0)):
        delays = {http.backoff(attempt) for _ in range(20)}
        assert all(full / 2 <= d <= full for d in delays) and len(delays) > 1
    assert http.backoff(0, RateLimited("slow down", retry_after=7)) == 7
    assert http.backoff(0, RateLimited("slow down", retry_after=9999)) == 120
    client = sandbox.client()
    client.get_account()
    assert 0 < client._http.rate_limit_remaining <= 600  # read from X-Rate-Limit-Remaining


def test_a_netrc_entry_does_not_replace_the_bearer_token(wire, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    wire.on("GET", r"/users/self", Answer(200, {"id": 1}))
    fast_client(wire.url).check_user()
    assert wire.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"
