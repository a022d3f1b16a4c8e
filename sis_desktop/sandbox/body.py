"""Request bodies: a reader for Content-Length or chunked bodies, and a streaming
multipart/form-data parser that writes file parts straight to disk."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
MAX_HEADER_BLOCK = 16 * 1024
MAX_FIELD = 1024 * 1024


class Truncated(Exception):
    """The body ended before it said it would (client gone or malformed framing)."""


class MultipartError(ValueError):
    """The multipart body is not well formed."""


class BodyReader:
    """Reads exactly one request body from the connection, whatever its framing."""

    def __init__(self, rfile: BinaryIO, length: int | None, chunked: bool) -> None:
        self._rfile = rfile
        self._remaining = 0 if length is None else length
        self._chunked = chunked
        self._chunk_left = 0
        self._done = not chunked and self._remaining <= 0
        self.bytes_read = 0

    def read(self, size: int = CHUNK) -> bytes:
        if self._done:
            return b""
        data = self._read_chunked(size) if self._chunked else self._read_plain(size)
        self.bytes_read += len(data)
        return data

    def _read_plain(self, size: int) -> bytes:
        data = self._rfile.read1(min(size, self._remaining)) if hasattr(self._rfile, "read1") \
            else self._rfile.read(min(size, self._remaining))
        if not data:
            self._done = True
            raise Truncated("connection closed before the whole body arrived")
        self._remaining -= len(data)
        if self._remaining <= 0:
            self._done = True
        return data

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_left == 0:
            line = self._rfile.readline(1024)
            if not line:
                raise Truncated("connection closed inside a chunked body")
            try:
                self._chunk_left = int(line.split(b";")[0].strip(), 16)
            except ValueError as exc:
                raise Truncated("bad chunk size line") from exc
            if self._chunk_left == 0:
                while True:  # trailers up to the empty line
                    trailer = self._rfile.readline(1024)
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                self._done = True
                return b""
        data = self._rfile.read(min(size, self._chunk_left))
        if not data:
            raise Truncated("connection closed inside a chunk")
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            self._rfile.readline(16)  # CRLF after the chunk data
        return data

    def drain(self) -> None:
        """Read and discard the rest of the body."""
        try:
            while self.read(CHUNK):
                pass
        except Truncated:
            pass

    def save(self, path: Path) -> int:
        """Copy the rest of the body into `path`; returns its size."""
        size = 0
        with open(path, "wb") as out:
            while True:
                data = self.read(CHUNK)
                if not data:
                    if self._done:
                        return size
                    continue
                out.write(data)
                size += len(data)


@dataclass
class UploadedFile:
    field: str
    filename: str
    path: Path
    size: int
    content_type: str | None


@dataclass
class MultipartForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `type/sub; a=b; c="d"` into ("type/sub", {"a": "b", "c": "d"})."""
    main, _, rest = value.partition(";")
    params = {}
    for name, raw in _PARAM.findall(";" + rest):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name.lower()] = raw
    return main.strip().lower(), params


class _Buffer:
    def __init__(self, reader: BodyReader) -> None:
        self.reader = reader
        self.data = b""

    def fill(self) -> None:
        try:
            chunk = self.reader.read(CHUNK)
        except Truncated as exc:
            raise MultipartError("the multipart body ended early") from exc
        if not chunk:
            raise MultipartError("the multipart body ended before its closing boundary")
        self.data += chunk


def parse_multipart(reader: BodyReader, boundary: str, folder: Path) -> MultipartForm:
    """Parse a multipart/form-data body; file parts go to files in `folder`."""
    if not boundary or len(boundary) > 200:
        raise MultipartError("missing or invalid multipart boundary")
    delim = b"\r\n--" + boundary.encode("latin-1")
    buf = _Buffer(reader)
    buf.data = b"\r\n"
    form = MultipartForm()
    while True:  # preamble
        idx = buf.data.find(delim)
        if idx >= 0:
            buf.data = buf.data[idx + len(delim):]
            break
        buf.data = buf.data[-(len(delim) - 1):]
        buf.fill()
    counter = 0
    while True:
        while len(buf.data) < 2:
            buf.fill()
        if buf.data.startswith(b"--"):
            _skip_epilogue(reader)
            return form
        while b"\r\n\r\n" not in buf.data:
            if len(buf.data) > MAX_HEADER_BLOCK:
                raise MultipartError("multipart part headers too long")
            buf.fill()
        head, buf.data = buf.data.split(b"\r\n\r\n", 1)
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        _, disp = header_params(headers.get("content-disposition", ""))
        name = disp.get("name", "")
        filename = disp.get("filename*") or disp.get("filename")
        if filename is not None:
            if filename.lower().startswith("utf-8''"):
                from urllib.parse import unquote
                filename = unquote(filename[7:])
            counter += 1
            safe = re.sub(r"[^\w.\- ]", "_", Path(filename.replace("\\", "/")).name) or "upload"
            path = folder / f"{counter}_{safe}"
            with open(path, "wb") as sink:
                size = _copy_part(buf, delim, sink.write, None)
            form.files.setdefault(name, UploadedFile(name, Path(safe).name, path, size,
                                                     headers.get("content-type")))
        else:
            chunks: list[bytes] = []
            _copy_part(buf, delim, chunks.append, MAX_FIELD)
            form.fields.setdefault(name, []).append(b"".join(chunks).decode("utf-8", "replace"))


def _skip_epilogue(reader: BodyReader) -> None:
    """Read past the closing boundary to the end of the body, which must all arrive."""
    try:
        while reader.read(CHUNK):
            pass
    except Truncated as exc:
        raise MultipartError("the body ended before its announced length") from exc


def _copy_part(buf: _Buffer, delim: bytes, write, limit: int | None) -> int:
    size = 0
    keep = len(delim) - 1
    while True:
        idx = buf.data.find(delim)
        if idx >= 0:
            write(buf.data[:idx])
            size += idx
            buf.data = buf.data[idx + len(delim):]
            return size
        if len(buf.data) > keep:
            out = buf.data[:-keep]
            write(out)
            size += len(out)
            buf.data = buf.data[-keep:]
        if limit is not None and size > limit:
            raise MultipartError("a multipart field is too large")
        buf.fill()
