"""Streaming upload bodies for the create call (reference §3).

A body is an iterable of blocks with a known length, so requests sends Content-Length (not
chunked) and reads the file from disk one block at a time: memory stays flat whatever the
file size. The multipart framing (preamble and epilogue) is built as bytes around the file.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import secrets
import shutil
import threading
import zipfile
from pathlib import Path, PurePath
from typing import Callable, Iterator, Sequence

from sis_desktop.core import tempfiles
from sis_desktop.core.files import file_problem

from ..checksums import FileDigest
from .errors import Cancelled, CanvasError, InvalidOptions

BLOCK_SIZE = 120 << 10  # under glibc's 128 KiB mmap threshold: a heap buffer reads ~3x faster here
ProgressCallback = Callable[[int, int], None]
DigestCallback = Callable[[FileDigest], None]

_CONTENT_TYPES = {".csv": "text/csv", ".zip": "application/zip"}


class FileChanged(CanvasError):
    """The file changed on disk while it was being sent; the upload was stopped short."""


def sha256_file(path: str | Path, *, block_size: int = BLOCK_SIZE) -> str:
    """Hex SHA-256 of a file, read in blocks: a pass of its own. Uploading and validating
    take the hash in the pass that reads the file anyway (`UploadBody.digests`,
    `CanvasClient.create_import(on_hashed=…)`, `Report.digests`): prefer those."""
    digest = hashlib.sha256()
    buffer = bytearray(block_size)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def extension_of(path: str | PurePath) -> str:
    """'csv' or 'zip' (what Canvas decides the processing by, in any case: USERS.CSV too);
    InvalidOptions otherwise. A PurePath keeps its own flavour (a Windows UNC path stays one)."""
    path = path if isinstance(path, PurePath) else Path(path)
    suffix = path.suffix.lower()
    if suffix not in _CONTENT_TYPES:
        raise InvalidOptions(f"'{path.name}' is neither a .csv nor a .zip file; Canvas "
                             "only imports those.")
    return suffix[1:]


class UploadBody:
    """The bytes of one request body: literal byte strings and whole files, in order.

    Iterating sends the file in `block_size` blocks, calls `on_progress(sent, total)` after
    each block, and raises Cancelled between blocks once `cancelled` is set. A file whose
    size or modification time changes while it is sent raises FileChanged before its last
    block goes out, so Canvas never receives a complete (wrong) body. `complete` is True
    only after the last block was handed to the socket; by then `digests` holds the size
    and sha256 of each file part, taken from the blocks as they were sent (with
    `checksum=False`, nothing is hashed and `digests` stays empty)."""

    def __init__(self, parts: Sequence[bytes | Path], content_type: str, *,
                 on_progress: ProgressCallback | None = None,
                 cancelled: threading.Event | None = None, block_size: int = BLOCK_SIZE,
                 checksum: bool = True):
        self.parts = list(parts)
        self.checksum = checksum
        self.content_type = content_type
        self.on_progress = on_progress
        self.cancelled = cancelled
        self.block_size = block_size
        self._stats = {i: p.stat() for i, p in enumerate(self.parts) if not isinstance(p, bytes)}
        self.total = sum(len(p) if isinstance(p, bytes) else self._stats[i].st_size
                         for i, p in enumerate(self.parts))
        self.sent = 0
        self.complete = False
        self.digests: list[FileDigest] = []

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[bytes | memoryview]:
        self.sent, self.complete, self.digests = 0, False, []
        self._report()
        for index, part in enumerate(self.parts):
            if isinstance(part, bytes):
                yield from self._send(part)
            else:
                yield from self._send_file(part, self._stats[index])
        self.complete = True

    def _send_file(self, path: Path, recorded: os.stat_result) -> Iterator[memoryview]:
        left = recorded.st_size
        digest = _SideDigest(self.block_size) if self.checksum else _NoDigest(self.block_size)
        try:
            with open(path, "rb") as fh:
                while left > 0:
                    buffer = digest.free_buffer()
                    view = memoryview(buffer)
                    n = fh.readinto(view[:min(left, self.block_size)])
                    left -= n
                    if not n or (left == 0 and _changed(fh, recorded)):
                        raise FileChanged(
                            f"'{path.name}' changed while it was being uploaded, so the upload "
                            "was stopped and nothing was imported; send it again once the file "
                            "is complete.")
                    digest.add(buffer, n)
                    yield from self._send(view[:n])
            if self.checksum:
                self.digests.append(FileDigest(path, recorded.st_size, digest.hexdigest()))
        finally:
            digest.close()

    def _send(self, block: bytes | memoryview) -> Iterator[bytes | memoryview]:
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled("The upload was cancelled; Canvas did not receive the whole file, "
                            "so no import was created.")
        yield block  # returns once the socket has taken the block
        self.sent += len(block)
        self._report()

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.sent, self.total)


class _SideDigest:
    """SHA-256 of the blocks being sent, computed on a helper thread meanwhile (hashlib lets
    go of the GIL), so hashing adds no time to the upload on a machine with a spare core.
    Blocks live in a small ring of buffers: a buffer is handed out again only once hashed
    (and the sender takes the next one only after the socket took the previous block)."""

    DEPTH = 4

    def __init__(self, block_size: int):
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(self.DEPTH):
            self._free.put(bytearray(block_size))
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._digest = hashlib.sha256()
        self._thread = threading.Thread(target=self._run, name="upload-sha256", daemon=True)
        self._thread.start()

    def free_buffer(self) -> bytearray:
        return self._free.get()

    def add(self, buffer: bytearray, n: int) -> None:
        self._work.put((buffer, n))

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            buffer, n = item
            self._digest.update(memoryview(buffer)[:n])
            self._free.put(buffer)

    def hexdigest(self) -> str:
        self.close()
        return self._digest.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            self._work.put(None)
            self._thread.join()


class _NoDigest:
    """`_SideDigest`'s buffers without the hashing (an upload sent with checksum=False)."""

    def __init__(self, block_size: int):
        self._buffer = bytearray(block_size)

    def free_buffer(self) -> bytearray:
        return self._buffer  # the socket took the previous block before this is asked for

    def add(self, buffer: bytearray, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _changed(fh, recorded: os.stat_result) -> bool:
    now = os.fstat(fh.fileno())
    return (now.st_size, now.st_mtime_ns) != (recorded.st_size, recorded.st_mtime_ns)


def raw_body(path: Path, **kw) -> UploadBody:
    """The file itself as the body (parameters go in the query string)."""
    return UploadBody([path], _CONTENT_TYPES["." + extension_of(path)], **kw)


def multipart_body(path: Path, fields: Sequence[tuple[str, str]], *, filename: str | None = None,
                   **kw) -> UploadBody:
    """multipart/form-data with `fields` first and the file as the `attachment` part."""
    boundary = "----SISDesktop" + secrets.token_hex(16)
    name = wire_name(filename or path.name)
    extension_of(name)
    head = bytearray()
    for key, value in fields:
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote(key)}\"\r\n\r\n"
                 f"{value}\r\n").encode("utf-8")
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; "
             f"filename=\"{_quote(name)}\"\r\nContent-Type: {_CONTENT_TYPES['.' + extension_of(name)]}"
             "\r\n\r\n").encode("utf-8")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    return UploadBody([bytes(head), path, tail], f"multipart/form-data; boundary={boundary}", **kw)


def wire_name(name: str) -> str:
    """A file name as it can be sent. A name whose bytes are not UTF-8 (the file system
    hands those over as surrogates: a file from an old zip or a Windows-1252 machine) is
    read as Windows-1252 instead, so `caf\xe9.csv` goes out as `café.csv`."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("cp1252", "replace")


def _quote(text: str) -> str:
    """Escape a form-data name/filename the way browsers do (HTML's multipart rules)."""
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


@contextlib.contextmanager
def upload_source(paths: Sequence[str | Path], *, cancelled: threading.Event | None = None,
                  on_digest: DigestCallback | None = None) -> Iterator[Path]:
    """The one file to send: the single .csv/.zip given, or a temp zip of several CSVs
    (written to disk, removed afterwards; `on_digest` gets each CSV's digest as it is
    zipped)."""
    files = [Path(p) for p in paths]
    if not files:
        raise InvalidOptions("No file was given to import.")
    for path in files:
        problem = file_problem(path)
        if problem:
            raise InvalidOptions(problem)
        extension_of(path)
    if len(files) == 1:
        yield files[0]
        return
    if any(extension_of(p) != "csv" for p in files):
        raise InvalidOptions("Several files can only be sent together when they are all CSV "
                             "files; send a zip file on its own.")
    folder = tempfiles.upload_folder()  # removed below, also on Ctrl-C/SIGTERM (see the CLI)
    try:
        yield bundle_csvs(files, folder / "sis_import.zip", cancelled=cancelled, on_digest=on_digest)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bundle_csvs(paths: Sequence[Path], dest: Path, *, cancelled: threading.Event | None = None,
                on_digest: DigestCallback | None = None) -> Path:
    """Zip the CSVs into `dest`, streaming from disk; names are kept (a clash gets -2, -3…).
    `on_digest(FileDigest)` is called for each CSV, hashed from the blocks zipped."""
    used: set[str] = set()
    buffer = bytearray(BLOCK_SIZE)
    view = memoryview(buffer)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for path in paths:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled("The upload was cancelled before anything was sent.")
            info = zipfile.ZipInfo.from_file(path, _unique(wire_name(path.name), used))
            info.compress_type = zipfile.ZIP_DEFLATED
            digest, size = hashlib.sha256() if on_digest is not None else None, 0
            with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as out:
                while n := src.readinto(buffer):
                    if digest is not None:
                        digest.update(view[:n])
                    out.write(view[:n])
                    size += n
            if on_digest is not None:
                on_digest(FileDigest(path, size, digest.hexdigest()))
    return dest


def _unique(name: str, used: set[str]) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    used.add(candidate.lower())
    return candidate
