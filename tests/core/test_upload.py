"""Uploads on the wire: framing, streaming, bundling, progress, cancel, and the POST that
must never be sent twice."""
from __future__ import annotations

import email.parser
import hashlib
import io
import os
import socket
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import (AmbiguousUpload, Cancelled, CanvasError,
                                            InvalidOptions, NetworkError)
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.canvas.upload import FileChanged, bundle_csvs, multipart_body, sha256_file
from tests.core.wire_server import Answer, WireServer

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
CREATED = {"id": 41, "workflow_state": "created", "progress": 0, "created_at": "2026-01-01T00:00:00Z",
           "data": {"import_type": "instructure_csv"}}
USERS = "user_id,login_id,first_name,last_name,email,status\nU1,u1,Ada,Lovelace,ada@example.edu,active\n"


@pytest.fixture
def wire():
    with WireServer() as server:
        server.on("POST", r"/api/v1/accounts/1/sis_imports$", Answer(200, CREATED))
        yield server


def client_for(url: str, token: str = "tok") -> CanvasClient:
    return CanvasClient(url, token, 1, retry_wait=0.01)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def parse_multipart(content_type: str, body: bytes):
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body)
    assert message.is_multipart() and not message.defects
    return message.get_payload()


def test_multipart_post_streams_with_content_length_and_attachment_part(wire, tmp_path):
    big = tmp_path / "users.csv"
    with open(big, "w", encoding="utf-8") as fh:  # ~2.6 MB: several 1 MiB blocks
        fh.write(USERS.splitlines()[0] + "\n")
        for n in range(40000):
            fh.write(f"U{n},login{n},First,Last,u{n}@example.edu,active\n")
    seen: list[tuple[int, int]] = []
    options = ImportOptions(override_sis_stickiness=True, skip_deletes=True)
    sis_import = client_for(wire.url).create_import(big, options, on_progress=lambda s, t: seen.append((s, t)))
    assert sis_import.id == 41 and sis_import.raw == CREATED

    rec = wire.requests[-1]
    assert not rec.chunked and "transfer-encoding" not in rec.headers
    assert int(rec.headers["content-length"]) == len(rec.body)
    assert rec.query == []
    parts = parse_multipart(rec.headers["content-type"], rec.body)
    fields = {p.get_param("name", header="content-disposition"): p for p in parts}
    assert list(fields) == ["import_type", "skip_deletes", "override_sis_stickiness", "attachment"]
    assert fields["import_type"].get_payload() == "instructure_csv"
    attachment = fields["attachment"]
    assert attachment.get_filename() == "users.csv"
    assert attachment.get_payload(decode=True) == big.read_bytes()

    total = len(rec.body)
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert len(seen) >= 4 and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


def test_raw_post_sends_the_file_as_body_and_every_parameter_in_the_query(wire, tmp_path):
    users = write(tmp_path / "users.csv", USERS)
    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026", change_threshold=10)
    client_for(wire.url).create_import([users], options, raw=True)
    rec = wire.requests[-1]
    assert rec.body == users.read_bytes()
    assert rec.headers["content-type"] == "text/csv"
    assert rec.headers["content-length"] == str(len(rec.body)) and not rec.chunked
    assert rec.query == [("import_type", "instructure_csv"), ("batch_mode", "true"),
                         ("batch_mode_term_id", "sis_term_id:F2026"), ("change_threshold", "10"),
                         ("extension", "csv")]


def test_raw_zip_and_an_empty_file_are_framed_with_content_length(wire, tmp_path):
    archive = tmp_path / "data.ZIP"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("users.csv", USERS)
    client_for(wire.url).create_import(archive, raw=True)
    rec = wire.requests[-1]
    assert rec.headers["content-type"] == "application/zip" and ("extension", "zip") in rec.query
    assert rec.body == archive.read_bytes()

    empty = write(tmp_path / "empty.csv", "")
    client_for(wire.url).create_import(empty, raw=True)
    rec = wire.requests[-1]
    assert rec.headers["content-length"] == "0" and not rec.chunked and rec.body == b""


def test_several_csvs_go_as_one_zip_with_their_names_and_the_temp_file_is_removed(wire, tmp_path, monkeypatch):
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write(tmp_path / "a" / "users.csv", USERS)
    two = write(tmp_path / "b" / "users.csv", USERS.replace("U1", "U2"))
    courses = write(tmp_path / "courses.csv", "course_id,short_name,long_name,status\nC1,C1,Course,active\n")
    client_for(wire.url).create_import([one, two, courses])
    rec = wire.requests[-1]
    attachment = parse_multipart(rec.headers["content-type"], rec.body)[-1]
    assert attachment.get_filename().endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(attachment.get_payload(decode=True))) as zf:
        assert zf.namelist() == ["users.csv", "users-2.csv", "courses.csv"]
        assert zf.read("users-2.csv") == two.read_bytes()
    assert list(temp_root.iterdir()) == []


def test_bad_file_lists_are_refused_before_sending(wire, tmp_path):
    users = write(tmp_path / "users.csv", USERS)
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("users.csv", USERS)
    client = client_for(wire.url)
    for paths, fragment in (([users, archive], "all CSV"), ([tmp_path / "missing.csv"], "does not exist"),
                            ([write(tmp_path / "notes.txt", "x")], "neither a .csv nor a .zip"), ([], "No file")):
        with pytest.raises(InvalidOptions, match=fragment):
            client.create_import(paths)
    with pytest.raises(InvalidOptions, match="needs a term"):
        client.create_import(users, ImportOptions(batch_mode=True))
    assert wire.requests == []


def test_multipart_filename_is_escaped(tmp_path):
    body = multipart_body(write(tmp_path / "plain.csv", USERS), [], filename='we"ird\r\nname.csv')
    head = b"".join(bytes(b) for b in body)
    assert b'filename="we%22ird%0D%0Aname.csv"' in head


def test_sha256_file_and_bundle_stream_from_disk(tmp_path):
    data = b"x" * (3 * 1024 * 1024 + 17)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    dest = bundle_csvs([path], tmp_path / "out.zip")
    with zipfile.ZipFile(dest) as zf:
        assert zf.read("big.csv") == data
        assert zf.getinfo("big.csv").compress_type == zipfile.ZIP_DEFLATED


def test_redirect_of_the_upload_is_not_followed(wire, tmp_path):
    wire.on("POST", r"/sis_imports$", Answer(307, b"", {"Location": "https://elsewhere.example/x"}))
    with pytest.raises(CanvasError, match="redirected the upload"):
        client_for(wire.url).create_import(write(tmp_path / "users.csv", USERS))
    assert len(wire.requests) == 1


def test_a_post_is_never_retried_on_5xx_and_its_import_is_looked_up(wire, tmp_path):
    """A 503/504 after the whole body went out may come from a proxy while Canvas created
    the import: the client looks in the list (one GET) and never POSTs again."""
    wire.on("POST", r"/sis_imports$", Answer(503, "Service Unavailable"))
    wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": []}))
    with pytest.raises(AmbiguousUpload, match="HTTP 503.*may or may not exist"):
        client_for(wire.url).create_import(write(tmp_path / "users.csv", USERS))
    assert [r.method for r in wire.requests] == ["POST", "GET"]
    assert ("created_since" in dict(wire.requests[1].query))


def test_a_gateway_timeout_after_the_body_finds_the_import_canvas_created(wire, tmp_path):
    found = {"id": 77, "workflow_state": "created", "progress": 0,
             "created_at": "2030-01-01T00:00:00Z"}
    wire.on("POST", r"/sis_imports$", Answer(504, "<html>Gateway Time-out</html>"))
    wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": [found]}))
    with pytest.raises(AmbiguousUpload) as info:
        client_for(wire.url).create_import(write(tmp_path / "users.csv", USERS))
    assert info.value.found is not None and info.value.found.id == 77
    assert "HTTP 504" in str(info.value) and "do not send the file again" in str(info.value)
    assert [r.method for r in wire.requests].count("POST") == 1


def test_a_200_that_is_not_an_import_is_looked_up_not_called_a_failure(wire, tmp_path):
    wire.on("POST", r"/sis_imports$", Answer(200, "<html>Welcome to the portal</html>",
                                              {"Content-Type": "text/html"}))
    wire.on("GET", r"/sis_imports$", Answer(200, {"sis_imports": []}))
    with pytest.raises(AmbiguousUpload, match="not an import.*Check the import list"):
        client_for(wire.url).create_import(write(tmp_path / "users.csv", USERS))
    assert [r.method for r in wire.requests] == ["POST", "GET"]


def test_a_4xx_to_the_upload_is_canvas_refusing_it(wire, tmp_path):
    wire.on("POST", r"/sis_imports$", Answer(400, {"errors": [{"message": "Invalid import_type"}]}))
    with pytest.raises(CanvasError) as info:
        client_for(wire.url).create_import(write(tmp_path / "users.csv", USERS))
    assert not isinstance(info.value, AmbiguousUpload)
    assert [r.method for r in wire.requests] == ["POST"]


# ---- against the sandbox ---------------------------------------------------------------------
def test_sandbox_accepts_multipart_and_raw(sandbox):
    client = sandbox.client()
    for raw in (False, True):
        created = client.create_import(SAMPLES / "users.csv", raw=raw)
        assert client.poll(created.id, intervals=(0.01,)).workflow_state.is_success
    created = client.create_import(SAMPLES / "sample_import.zip")
    done = client.poll(created.id, intervals=(0.01,))
    assert done.workflow_state.is_success and "user" in done.supplied_batches


def test_cancel_during_the_upload_sends_nothing_complete(sandbox, tmp_path):
    big = tmp_path / "users.csv"
    big.write_bytes(USERS.encode() + b"U9,l9,A,B,c@d.e,active\n" * 200000)  # ~4.6 MB
    cancelled = threading.Event()

    def progress(sent, total):
        if sent >= 1 << 20:
            cancelled.set()

    client = sandbox.client()
    with pytest.raises(Cancelled, match="no import was created"):
        client.create_import(big, on_progress=progress, cancelled=cancelled)
    assert list(client.list_imports()) == []
    cancelled.set()
    with pytest.raises(Cancelled):
        client.create_import(SAMPLES / "users.csv", cancelled=cancelled)
    assert list(client.list_imports()) == []


def test_lost_answer_after_the_body_finds_the_import_instead_of_posting_again(sandbox):
    client = sandbox.client()
    sandbox.inject_fault("drop_after_body", method="POST")
    with pytest.raises(AmbiguousUpload) as info:
        client.create_import(SAMPLES / "users.csv")
    found = info.value.found
    assert found is not None and f"(id {found.id})" in str(info.value)
    assert [i.id for i in client.list_imports()] == [found.id]  # exactly one POST reached Canvas


def test_lost_answer_with_several_new_imports_says_it_cannot_tell(sandbox):
    client = sandbox.client()
    client.create_import(SAMPLES / "users.csv")
    sandbox.inject_fault("drop_after_body", method="POST")
    with pytest.raises(AmbiguousUpload, match="cannot tell") as info:
        client.create_import(SAMPLES / "courses.csv")
    assert info.value.found is None and "before sending it again" in str(info.value)
    assert len(list(client.list_imports())) == 2


def test_connection_dropped_before_the_body_creates_nothing_and_is_not_resent(sandbox):
    client = sandbox.client()
    sandbox.inject_fault("drop", method="POST")
    # Whether the socket took the small body before the server hung up is a race: either
    # the send failed (a plain NetworkError) or the answer was lost (ambiguous, nothing found).
    with pytest.raises((NetworkError, AmbiguousUpload)) as info:
        client.create_import(SAMPLES / "users.csv")
    error = info.value
    if isinstance(error, AmbiguousUpload):
        assert error.found is None and "may or may not exist" in str(error)
    else:
        assert error.request_sent
    assert list(client.list_imports()) == []


def test_refused_connection_is_a_plain_network_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        client_for(f"http://127.0.0.1:{port}").create_import(write(tmp_path / "users.csv", USERS))
    assert not isinstance(info.value, AmbiguousUpload) and info.value.request_sent is False


def test_read_timeout_after_the_body_is_ambiguous_and_not_resent(sandbox):
    client = CanvasClient(sandbox.url, sandbox.token, 1, timeout=(5, 0.3))
    sandbox.inject_fault("slow", method="POST", delay=1.0)
    with pytest.raises(AmbiguousUpload, match="may or may not exist") as info:
        client.create_import(SAMPLES / "users.csv")
    assert info.value.found is None
    pause = threading.Event()
    for _ in range(250):  # the slow answer still creates exactly one import
        if list(client.list_imports()):
            break
        pause.wait(0.02)
    assert len(list(client.list_imports())) == 1


@pytest.mark.parametrize("change", ["shrinks", "grows"])
def test_a_file_changing_during_the_upload_stops_it_before_canvas_has_a_whole_body(sandbox, tmp_path, change):
    big = tmp_path / "users.csv"
    big.write_bytes(USERS.encode() + b"U9,l9,A,B,c@d.e,active\n" * 150000)  # ~3.5 MB
    size = big.stat().st_size

    def progress(sent, total):
        if sent and big.stat().st_size == size:
            if change == "shrinks":
                os.truncate(big, size // 2)
            else:
                with open(big, "ab") as fh:
                    fh.write(b"U10,l10,A,B,c@d.e,active\n")

    client = sandbox.client()
    with pytest.raises(FileChanged, match="changed while it was being uploaded"):
        client.create_import(big, raw=True, on_progress=progress)
    assert list(client.list_imports()) == []
