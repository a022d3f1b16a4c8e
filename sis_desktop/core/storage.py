"""Safe file writing for settings: atomic replace, and setting a corrupt file aside."""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half."""
    with atomic_writer(path, mode=mode) as fh:
        fh.write(text)


@contextmanager
def atomic_writer(path: Path, *, mode: int = 0o600) -> Iterator[TextIO]:
    """A text file (UTF-8) that replaces `path` only when the block ends without an error.

    Temp file in the same folder, fsync, then os.replace; the folder is created if needed.
    On an error the temp file is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def set_aside(path: Path) -> Path:
    """Move an unreadable settings file out of the way (never delete it); return where it went.

    The new name keeps the old one and adds a timestamp: `profiles.json.corrupt-20261127-130501`."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target
