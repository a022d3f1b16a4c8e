"""Walk an upload like Canvas does: a bare CSV, or a zip walked recursively.

Inside a zip, directories, dot-files and paths matching Canvas's ignore pattern
(`__MACOSX`, `Desktop DB`, `Desktop DF`) are skipped silently; a file that is not `.csv`
is yielded with `is_csv=False` (Canvas warns "Skipping unknown file type").
"""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from ..checksums import PrefixHasher

MAX_EXPANSION = 100  # Canvas refuses a zip whose content is ≥ 100× its size
_IGNORED = re.compile(r"__macosx|desktop d[bf]|\A\.", re.IGNORECASE)


class ArchiveError(Exception):
    """The upload itself cannot be processed (not a zip, expands too much). `str()` is one
    sentence; `canvas_message` is what Canvas would report for it."""

    def __init__(self, message: str, canvas_message: str):
        super().__init__(message)
        self.canvas_message = canvas_message


@dataclass(frozen=True)
class Source:
    """One file of the upload. `name` is how Canvas names it in messages (the path inside
    the zip, or the bare file's name)."""

    name: str
    size: int
    is_csv: bool
    path: Path
    member: str | None = None  # the zip entry, None for a bare file
    # hashes the upload's file (`path`) from the bytes read through `open()`
    hasher: PrefixHasher | None = field(default=None, compare=False, repr=False)

    def open(self) -> BinaryIO:
        """A binary stream of the file's bytes (for a zip entry, the decompressed bytes)."""
        if self.hasher is not None:
            return self._open_hashing(self.hasher)
        if self.member is None:
            return open(self.path, "rb")
        with zipfile.ZipFile(self.path) as archive:  # the entry keeps the file open
            return archive.open(self.member)

    def _open_hashing(self, hasher: PrefixHasher) -> BinaryIO:
        fh = hasher.open()
        if self.member is None:
            return fh
        try:
            with zipfile.ZipFile(fh) as archive:
                return _ClosingMember(archive.open(self.member), fh)
        except BaseException:
            fh.close()
            raise


def is_zip_name(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(".zip")


def is_csv_name(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(".csv")


def iter_csv_sources(path: str | os.PathLike, *,
                     hasher: PrefixHasher | None = None) -> Iterator[Source]:
    """Yield the files Canvas would look at for this upload, in the order it finds them.
    With `hasher` (of `path`), every read of the sources feeds it.

    Raises ArchiveError for a `.zip` that is not a zip or that expands ≥ 100×, and OSError
    when the path cannot be read."""
    path = Path(path)
    size = path.stat().st_size
    if not is_zip_name(path):
        yield Source(path.name, size, is_csv_name(path), path, hasher=hasher)
        return
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise ArchiveError(
            f"{path.name} is not a readable zip file ({exc}); Canvas would fail the import.",
            "Error while importing CSV. Please contact support.") from exc
    expanded = sum(info.file_size for info in infos)
    if size and expanded >= MAX_EXPANSION * size:
        raise ArchiveError(
            f"{path.name} expands to {expanded:,} bytes, {expanded // size}× its size; "
            f"Canvas refuses zips that expand {MAX_EXPANSION}× or more.",
            "The zip file expands to more than 100 times its size.")
    for info in sorted(infos, key=lambda i: i.filename):
        name = info.filename
        if info.is_dir() or _ignored(name):
            continue
        yield Source(name, info.file_size, is_csv_name(name), path, member=name, hasher=hasher)


def _ignored(name: str) -> bool:
    if _IGNORED.search(name):
        return True
    return any(part.startswith(".") for part in name.split("/"))


class _ClosingMember:
    """A zip entry's stream that also closes the zip file it was opened from."""

    def __init__(self, member: BinaryIO, fh: BinaryIO):
        self._member, self._fh = member, fh

    def read(self, size: int = -1) -> bytes:
        return self._member.read(size)

    def close(self) -> None:
        try:
            self._member.close()
        finally:
            self._fh.close()

    def __enter__(self) -> "_ClosingMember":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
