"""Injected faults, restarts on the same port, and bodies Canvas would not like."""
from __future__ import annotations

import socket
import struct
import sys
import time

import pytest
import requests

from sis_desktop.sandbox import Sandbox
from sis_desktop.sandbox.faults import FaultBook

from .polling import auth, imports_url, upload, wait_for_state, wait_until

USERS = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,active\n"


def still_serving(sandbox) -> None:
    r = requests.get(imports_url(sandbox), headers=auth(sandbox), timeout=5)
    assert r.status_code == 200


@pytest.mark.parametrize("kind, status", [("500", 500), ("502", 502), ("503", 503)])
def test_server_errors(sandbox, kind, status):
    sandbox.inject_fault(kind)
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == status
    if kind == "500":
        assert r.json()["errors"][0]["error_code"] == "internal_server_error"
    else:
        assert r.headers["Content-Type"].startswith("text/html")
    still_serving(sandbox)


def test_throttle_is_canvas_403_text(sandbox):
    sandbox.inject_fault("throttle")
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == 403
    assert r.text == "403 Forbidden (Rate Limit Exceeded)\n"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "X-Rate-Limit-Remaining" in r.headers and "X-Request-Cost" not in r.headers
    assert "Retry-After" not in r.headers


def test_429_has_retry_after(sandbox):
    sandbox.inject_fault("429", delay=3)
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"


def test_revoked_token(sandbox):
    sandbox.inject_fault("401")
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == 401
    assert r.json() == {"errors": [{"message": "Revoked access token."}]}
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'


def test_not_json(sandbox):
    sandbox.inject_fault("not_json")
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        r.json()


def test_slow_answers_after_the_delay(sandbox):
    sandbox.inject_fault("slow", delay=0.3)
    started = time.monotonic()
    r = requests.get(imports_url(sandbox), headers=auth(sandbox))
    assert r.status_code == 200 and time.monotonic() - started >= 0.3
    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.inject_fault("slow", delay=1.0)
        requests.get(imports_url(sandbox), headers=auth(sandbox), timeout=0.2)


def test_drop_closes_without_answering_and_creates_nothing(sandbox):
    sandbox.inject_fault("drop", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        upload(sandbox, "users.csv", USERS)
    assert sandbox.imports == {}
    still_serving(sandbox)


def test_drop_after_body_creates_the_import_but_never_answers(sandbox):
    sandbox.inject_fault("drop_after_body", method="POST", path=r"/sis_imports$")
    with pytest.raises(requests.exceptions.ConnectionError):
        upload(sandbox, "users.csv", USERS)
    [record] = sandbox.imports.values()
    assert wait_for_state(sandbox, record.id)["workflow_state"] == "imported"


def test_fault_filters_and_count(sandbox):
    sandbox.inject_fault("503", method="PUT", count=2)
    sandbox.inject_fault("500", path=r"/importing")
    assert requests.get(imports_url(sandbox), headers=auth(sandbox)).status_code == 200
    assert requests.get(imports_url(sandbox) + "/importing", headers=auth(sandbox)).status_code == 500
    for _ in range(2):
        r = requests.put(imports_url(sandbox) + "/abort_all_pending", headers=auth(sandbox))
        assert r.status_code == 503
    r = requests.put(imports_url(sandbox) + "/abort_all_pending", headers=auth(sandbox))
    assert r.status_code == 200


def test_unknown_fault_kind_is_refused(sandbox):
    with pytest.raises(ValueError, match="Unknown fault kind"):
        sandbox.inject_fault("teapot")


def test_faults_over_http(sandbox):
    r = requests.post(f"{sandbox.url}/__sandbox/faults", json={"kind": "502", "count": 2})
    assert r.status_code == 200
    assert requests.get(imports_url(sandbox), headers=auth(sandbox)).status_code == 502
    assert requests.delete(f"{sandbox.url}/__sandbox/faults").status_code == 200
    still_serving(sandbox)
    bad = requests.post(f"{sandbox.url}/__sandbox/faults", json={"kind": "nope"})
    assert bad.status_code == 400 and "Unknown fault kind" in bad.json()["error"]


def test_hold_and_release_over_http(sandbox):
    requests.post(f"{sandbox.url}/__sandbox/hold", json={})
    created = upload(sandbox, "users.csv", USERS).json()
    assert sandbox.imports[created["id"]].workflow_state == "created"
    requests.post(f"{sandbox.url}/__sandbox/release")
    assert wait_for_state(sandbox, created["id"])["workflow_state"] == "imported"


def test_restart_on_the_same_port_keeps_state_and_processing(tmp_path):
    with Sandbox(speed=1000, data_dir=tmp_path) as sb:
        sb.hold("importing")
        session = requests.Session()  # a kept-alive connection must not survive the restart
        import_id = session.post(imports_url(sb), headers=auth(sb),
                                 files={"attachment": ("users.csv", USERS)}).json()["id"]
        wait_for_state(sb, import_id, "importing")
        port = sb.port
        sb.stop()
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(f"{imports_url(sb)}/{import_id}", headers=auth(sb), timeout=2)
        sb.release()
        sb.start()
        assert sb.port == port
        assert wait_for_state(sb, import_id)["workflow_state"] == "imported"
        r = session.get(f"{imports_url(sb)}/{import_id}", headers=auth(sb))
        assert r.json()["workflow_state"] == "imported"


def test_fixed_port_and_context_manager(tmp_path):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with Sandbox(port=port, token="secret", speed=1000, data_dir=tmp_path) as sb:
        assert sb.url == f"http://127.0.0.1:{port}"
        r = requests.get(imports_url(sb), headers={"Authorization": "Bearer secret"})
        assert r.status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(imports_url(sb), timeout=2)


def test_listens_on_loopback_only(sandbox):
    assert sandbox._server.server_address[0] == "127.0.0.1"


def test_empty_raw_body_fails_during_processing(sandbox):
    r = requests.post(imports_url(sandbox), headers=auth(sandbox), data=b"")
    assert r.status_code == 200
    done = wait_for_state(sandbox, r.json()["id"])
    assert done["workflow_state"] == "failed_with_messages"
    assert done["processing_errors"][0][0] is None


def _raw_request(sandbox, head: bytes, body: bytes, *, close_after: bool) -> bytes:
    """Send bytes as they are; `close_after` ends the sending side (a client gone before
    its whole body was sent). Returns the answer's head, if any."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
        conn.sendall(head + body)
        if close_after:
            conn.shutdown(socket.SHUT_WR)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


MULTIPART_USERS = (b"--XyZ\r\nContent-Disposition: form-data; name=\"attachment\"; "
                   b"filename=\"users.csv\"\r\n\r\n" + USERS)  # no closing boundary yet


def _multipart_head(sandbox, length: int) -> bytes:
    return (f"POST /api/v1/accounts/1/sis_imports HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {sandbox.token}\r\n"
            f"Content-Type: multipart/form-data; boundary=XyZ\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


def test_truncated_multipart_is_a_400_and_the_server_keeps_serving(sandbox):
    head = _multipart_head(sandbox, len(MULTIPART_USERS))
    answer = _raw_request(sandbox, head, MULTIPART_USERS, close_after=False)
    assert answer.startswith(b"HTTP/1.1 400")
    assert sandbox.imports == {}
    still_serving(sandbox)


def test_client_gone_mid_body(sandbox):
    head = (f"POST /api/v1/accounts/1/sis_imports?extension=csv HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {sandbox.token}\r\nContent-Type: text/csv\r\n"
            f"Content-Length: 100000\r\n\r\n").encode()
    _raw_request(sandbox, head, USERS, close_after=True)
    still_serving(sandbox)
    assert sandbox.imports == {}


def test_multipart_cut_after_its_closing_boundary_creates_nothing(sandbox):
    body = MULTIPART_USERS + b"\r\n--XyZ--\r\n"
    answer = _raw_request(sandbox, _multipart_head(sandbox, len(body) + 50), body,
                          close_after=True)
    assert answer.startswith(b"HTTP/1.1 400")
    assert sandbox.imports == {}
    still_serving(sandbox)


def test_a_put_whose_form_body_falls_short_changes_nothing(sandbox):
    sandbox.hold()
    import_id = upload(sandbox, "users.csv", USERS).json()["id"]
    head = (f"PUT /api/v1/accounts/1/sis_imports/{import_id}/abort HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {sandbox.token}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: 50\r\n\r\n").encode()
    answer = _raw_request(sandbox, head, b"reason=x", close_after=True)
    assert answer.startswith(b"HTTP/1.1 400")
    assert sandbox.imports[import_id].workflow_state == "created"


def _handler_waits_in(code) -> bool:
    return any(frame.f_code is code for frame in sys._current_frames().values())


def test_a_drop_for_a_client_already_gone_prints_no_traceback(sandbox, capfd):
    sandbox.inject_fault("drop")
    conn = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
    with sandbox.faults._lock:  # the handler has read the request and waits for its fault
        conn.sendall(f"GET /api/v1/accounts/1/sis_imports HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {sandbox.token}\r\n\r\n".encode())
        wait_until(lambda: _handler_waits_in(FaultBook.take.__code__))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # a reset: the connection is gone before the sandbox hangs up
    wait_until(lambda: not sandbox._server._connections)
    assert "Traceback" not in capfd.readouterr().err
    still_serving(sandbox)


def test_chunked_raw_upload(sandbox):
    def chunks():
        yield USERS[:10]
        yield USERS[10:]
    r = requests.post(imports_url(sandbox), headers={**auth(sandbox), "Content-Type": "text/csv"},
                      data=chunks())
    assert r.status_code == 200
    assert wait_for_state(sandbox, r.json()["id"])["data"]["counts"]["users"] == 1


def test_multipart_without_boundary(sandbox):
    r = requests.post(imports_url(sandbox), headers={**auth(sandbox),
                      "Content-Type": "multipart/form-data"}, data=b"whatever")
    assert r.status_code == 400
    still_serving(sandbox)


def test_garbage_multipart_body(sandbox):
    r = requests.post(imports_url(sandbox), headers={**auth(sandbox),
                      "Content-Type": "multipart/form-data; boundary=abc"}, data=b"\x00" * 5000)
    assert r.status_code == 400
    still_serving(sandbox)


def test_big_multipart_upload_goes_to_disk(sandbox):
    rows = "".join(f"u{i},login{i},First,Last,active\n" for i in range(60_000))
    data = ("user_id,login_id,first_name,last_name,status\n" + rows).encode()
    sandbox.hold()
    r = upload(sandbox, "users.csv", data)
    assert r.status_code == 200
    record = sandbox.imports[r.json()["id"]]
    assert record.upload.read_bytes() == data
