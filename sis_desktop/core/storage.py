"""Safe file writing for settings: atomic replace, and setting a corrupt file aside.

Works the same on Windows, where `os.fchmod` is missing before Python 3.13 (the mode is set
by name instead; the user's profile folder is private by its ACL anyway) and where
`os.replace` fails while another program (a virus scanner, the search indexer, a second copy
of the app reading the file) has the target open: the replace is retried for a moment."""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

WINDOWS = os.name == "nt"
REPLACE_WAITS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)  # Windows only: ~0.9 s in all, then give up


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
        _restrict(fd, tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _restrict(fd: int, name: str, mode: int) -> None:
    """Give the new file `mode`: through its descriptor where the OS can (POSIX), else by
    name (Windows, where only the read-only flag exists and 0o600 keeps the file writable)."""
    if not WINDOWS and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(name, mode)


def _replace(source: str, target: Path) -> None:
    """os.replace; on Windows a target held open by another program is retried briefly."""
    waits = iter(REPLACE_WAITS if WINDOWS else ())
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError:
            wait = next(waits, None)
            if wait is None:
                raise
            time.sleep(wait)


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
