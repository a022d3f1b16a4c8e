"""SHA-256 of the files an import sends, taken in a pass that reads them anyway.

History and the duplicate guard identify files by sha256. Reading a 1 GB file once more just
to hash it doubles the work, so the readers that already go through the bytes (the upload
body, the zip bundler, the validator) feed a hasher as they read:

    FileDigest          name, size and sha256 of one file as given by the user
    PrefixHasher        hashes a file from whatever reads it, in any order: bytes that extend
                        the contiguous prefix hashed so far count; `finish()` reads only what
                        no reader covered (nothing for a CSV read to its end)
"""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

BLOCK_SIZE = 120 << 10  # as the upload body's blocks (a heap buffer under glibc's mmap threshold)


@dataclass(frozen=True)
class FileDigest:
    """One file as given (`path`), its `size` in bytes and hex `sha256`."""

    path: Path
    size: int
    sha256: str
    reread: int = field(default=0, compare=False)  # bytes read only to hash them (ideally 0)

    @property
    def name(self) -> str:
        return self.path.name

    def to_record(self) -> dict:
        """The history's file entry: {"name", "size", "sha256"}."""
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


class PrefixHasher:
    """SHA-256 of one file, fed by the readers that go through it.

    `feed(offset, data)` hashes the part of `data` that extends the prefix hashed so far (a
    read of bytes already hashed, or beyond a gap, is ignored); `open()` gives a binary
    stream of the file that feeds this hasher as it is read. `finish()` reads whatever is
    still missing from the end of the prefix to the end of the file and returns the
    FileDigest, so the result is right whatever the readers did; when they read the file in
    order to its end, `finish()` reads nothing."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._digest = hashlib.sha256()
        self.hashed = 0  # bytes of the prefix hashed so far
        self._result: FileDigest | None = None

    def feed(self, offset: int, data) -> None:
        end = offset + len(data)
        if offset <= self.hashed < end and self._result is None:
            self._digest.update(data if offset == self.hashed else
                                memoryview(data)[self.hashed - offset:])
            self.hashed = end

    def open(self) -> io.BufferedReader:
        """The file, read through this hasher (buffered; seekable)."""
        return io.BufferedReader(_HashingFile(self), BLOCK_SIZE)

    def finish(self) -> FileDigest:
        """The digest of the whole file, reading only the part no reader covered."""
        if self._result is None:
            buffer = bytearray(BLOCK_SIZE)
            view = memoryview(buffer)
            start = self.hashed
            with open(self.path, "rb") as fh:
                fh.seek(start)
                while n := fh.readinto(buffer):
                    self._digest.update(view[:n])
                    self.hashed += n
            self._result = FileDigest(self.path, self.hashed, self._digest.hexdigest(),
                                      reread=self.hashed - start)
        return self._result


class _HashingFile(io.RawIOBase):
    """A raw, seekable view of the hasher's file that feeds every block read to it."""

    def __init__(self, hasher: PrefixHasher):
        self._hasher = hasher
        self._file = open(hasher.path, "rb", buffering=0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        offset = self._file.tell()
        n = self._file.readinto(buffer)
        if n:
            self._hasher.feed(offset, memoryview(buffer)[:n])
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()
        super().close()
