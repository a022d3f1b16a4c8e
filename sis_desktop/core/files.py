"""Whether a path the user gave is a regular file we can read, as one sentence when not.

Checked before anything opens the path: a FIFO or device would block or never end, a
symlink loop or an over-long name would surface as an OSError deep inside."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def shown(path: str | os.PathLike) -> str:
    """The path as text that can always be printed (undecodable bytes as \\xNN)."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def file_problem(path: str | os.PathLike) -> str | None:
    """None when `path` is a regular file this user may read, else one sentence naming
    the path and what is wrong with it."""
    name = shown(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        return _stat_problem(Path(path), name, exc)
    if stat.S_ISDIR(info.st_mode):
        return f"{name} is a folder; give a .csv or .zip file (or several .csv files)."
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
        return (f"{name} is {kind}, not a regular file; save the data to a .csv or .zip "
                "file and give that.")
    if not os.access(path, os.R_OK):
        return f"{name} cannot be read (permission denied)."
    return None


def _stat_problem(path: Path, name: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return f"{name} is a symlink loop (its links point at each other); give the file itself."
    if exc.errno == errno.ENAMETOOLONG:
        return (f"The path {_clip(name)} is too long for this system (a file or folder name "
                "is over the limit); rename or move the file.")
    if exc.errno == errno.EACCES:
        return f"{name} cannot be reached (permission denied on a folder in its path)."
    if exc.errno == errno.ENOTDIR:
        return f"{name} does not exist (a part of the path is a file, not a folder)."
    if exc.errno == errno.ENOENT:
        if path.is_symlink():
            return f"{name} is a link to something that does not exist."
        return f"{name} does not exist."
    return f"{name} cannot be read ({exc.strerror or exc})."


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
