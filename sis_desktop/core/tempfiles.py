"""Temporary folders of ours (the zip of several CSVs holds student data): made owner-only
under the system temp folder, removed when the upload ends (also on Ctrl-C and SIGTERM, see
the CLI and the app), and swept at start-up when a killed process left one behind."""
from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

UPLOAD_PREFIX = "sis-desktop-upload-"
LEGACY_PREFIX = "sis-desktop-"  # before UPLOAD_PREFIX: folders holding only sis_import.zip
LEGACY_CONTENT = {"sis_import.zip"}
STALE_AFTER = 24 * 3600.0  # seconds


def upload_folder() -> Path:
    """A new, empty, owner-only folder for one upload's temp files."""
    return Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))


def sweep_stale(max_age: float = STALE_AFTER, *, root: Path | None = None) -> list[Path]:
    """Remove our upload folders untouched for more than `max_age` seconds (a process that
    was killed outright could not clean up). Only folders this user owns; never raises.
    Returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith(LEGACY_PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        try:
            if not _ours(folder) or now - _newest_mtime(folder) <= max_age:
                continue
            shutil.rmtree(folder)
            removed.append(folder)
        except OSError as exc:
            log.debug("stale temp folder %s not removed: %s", folder, exc)
    if removed:
        log.info("removed %d stale temp folder(s) of interrupted uploads", len(removed))
    return removed


def _ours(folder: Path) -> bool:
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode):  # lstat: a symlink to a folder is not ours either
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    if folder.name.startswith(UPLOAD_PREFIX):
        return True
    if folder.name.startswith("sis-desktop-sandbox-"):  # the app's --sandbox data
        return False
    return {p.name for p in folder.iterdir()} <= LEGACY_CONTENT  # an older version's upload


def _newest_mtime(folder: Path) -> float:
    newest = folder.lstat().st_mtime
    for path in folder.iterdir():
        newest = max(newest, path.lstat().st_mtime)
    return newest
