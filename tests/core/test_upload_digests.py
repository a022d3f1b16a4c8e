"""The upload takes each file's size and sha256 from the blocks it sends (or zips): no pass
over the files of its own, and the hashes are known even when Canvas's answer is lost."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import AmbiguousUpload, Cancelled
from sis_desktop.core.canvas.upload import bundle_csvs
from sis_desktop.core.checksums import FileDigest
from tests.core.wire_server import Answer, WireServer

CREATED = {"id": 41, "workflow_state": "created", "progress": 0, "created_at": "2026-01-01T00:00:00Z"}
USERS = "user_id,login_id,first_name,last_name,email,status\n"


def users_csv(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(USERS)
        for n in range(rows):
            fh.write(f"U{n},login{n},First,Last,u{n}@example.edu,active\n")
    return path


def expected(path: Path) -> FileDigest:
    data = path.read_bytes()
    return FileDigest(path, len(data), hashlib.sha256(data).hexdigest())


@pytest.fixture
def wire():
    with WireServer() as server:
        server.on("POST", r"/api/v1/accounts/1/sis_imports$", Answer(200, CREATED))
        yield server


@pytest.mark.parametrize("raw", [False, True])
def test_one_file_is_hashed_from_the_blocks_sent(wire, tmp_path, raw):
    big = users_csv(tmp_path / "users.csv", 30000)  # ~1.4 MB: many blocks, the ring reused
    seen: list[list[FileDigest]] = []
    sis_import = CanvasClient(wire.url, "tok", 1).create_import(str(big), raw=raw,
                                                                on_hashed=seen.append)
    assert sis_import.id == 41
    assert seen == [[expected(big)]]
    assert seen[0][0].to_record() == {"name": "users.csv", "size": big.stat().st_size,
                                      "sha256": expected(big).sha256}
    assert big.read_bytes() in wire.requests[-1].body


def test_several_csvs_are_hashed_while_zipped_in_the_order_given(wire, tmp_path):
    (tmp_path / "a").mkdir()
    one = users_csv(tmp_path / "a" / "users.csv", 3000)
    two = users_csv(tmp_path / "users.csv", 10)
    seen: list[list[FileDigest]] = []
    CanvasClient(wire.url, "tok", 1).create_import([one, two], on_hashed=seen.append)
    assert seen == [[expected(one), expected(two)]]


def test_bundle_reports_each_csv_digest(tmp_path):
    csvs = [users_csv(tmp_path / f"u{n}.csv", n * 1000) for n in range(3)]
    digests: list[FileDigest] = []
    bundle_csvs(csvs, tmp_path / "out.zip", on_digest=digests.append)
    assert digests == [expected(p) for p in csvs]


def test_an_empty_raw_file_has_the_empty_digest(wire, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    seen: list[list[FileDigest]] = []
    CanvasClient(wire.url, "tok", 1).create_import(empty, raw=True, on_hashed=seen.append)
    assert seen == [[expected(empty)]]


def test_the_hashes_are_known_when_the_answer_is_lost(sandbox):
    client = sandbox.client()
    source = Path(__file__).resolve().parents[2] / "resources" / "samples" / "users.csv"
    sandbox.inject_fault("drop_after_body", method="POST")
    seen: list[list[FileDigest]] = []
    with pytest.raises(AmbiguousUpload):
        client.create_import(source, on_hashed=seen.append)
    assert seen == [[expected(source)]]


def test_no_hashes_for_a_cancelled_upload_and_no_thread_left_behind(sandbox, tmp_path):
    big = users_csv(tmp_path / "users.csv", 100000)
    cancelled = threading.Event()
    seen: list[list[FileDigest]] = []
    before = set(threading.enumerate())

    def progress(sent, total):
        if sent >= 1 << 20:
            cancelled.set()

    with pytest.raises(Cancelled):
        sandbox.client().create_import(big, on_progress=progress, cancelled=cancelled,
                                       on_hashed=seen.append)
    assert seen == []
    assert not [t for t in threading.enumerate() if t not in before and t.name == "upload-sha256"]
