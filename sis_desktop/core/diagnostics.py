"""A plain-text summary to paste into a bug report ("Copy diagnostics"), and crash reports.

It names versions, the keyring backend, the app's folders and the last problems logged.
It never contains a token or the contents of any file, and it does not import Qt: the Qt
version is reported only when the GUI has already loaded it.
"""
from __future__ import annotations

import importlib.metadata
import logging
import platform
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

from sis_desktop import APP_NAME, __version__
from sis_desktop.core import logs, paths, storage

_DISTRIBUTIONS = ("requests", "urllib3", "keyring", "platformdirs")


def _version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _qt_line() -> str:
    """PySide6/Qt versions; asks Qt itself only if it is loaded already."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        return f"PySide6 {qtcore.__version__}, Qt {qtcore.qVersion()}"
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return f"PySide6 {importlib.metadata.version(dist)} (not loaded)"
        except importlib.metadata.PackageNotFoundError:
            continue
    return "PySide6 not installed"


def _keyring_line() -> str:
    """The keyring as its users know it and keyring's backend class (may talk to D-Bus)."""
    try:
        from sis_desktop.core import secrets
        return secrets.TokenStore().summary()
    except Exception as exc:  # a broken keyring must not break the report
        return f"unknown ({type(exc).__name__})"


def install_kind() -> str:
    """How this copy runs: the standalone bundle, an installed package (pip, pipx) or the
    sources (an editable install or a checkout)."""
    if getattr(sys, "frozen", False):
        return "standalone bundle"
    import sis_desktop
    folders = {part.lower() for part in Path(sis_desktop.__file__).parts}
    return "installed package" if folders & {"site-packages", "dist-packages"} else "from the sources"


def version_lines() -> list[str]:
    """What `sis-desktop --version` and the About box show, and a bug report starts with:
    app version, Qt/PySide version, Python and platform, keyring backend, kind of install.
    Talks to the keyring (maybe D-Bus): not for the GUI thread."""
    return [
        f"{APP_NAME} {__version__} ({install_kind()})",
        _qt_line(),
        f"Python {platform.python_version()} ({platform.python_implementation()}) "
        f"on {platform.platform()}",
        f"Keyring: {_keyring_line()}",
    ]


def diagnostics_text() -> str:
    """The report, already passed through the log redactor."""
    lines = [
        *version_lines(),
        ", ".join(f"{name} {_version_of(name)}" for name in _DISTRIBUTIONS),
        f"Config folder: {paths.config_dir()}",
        f"Data folder: {paths.data_dir()}",
        f"Log folder: {paths.log_dir()}",
    ]
    current = logs.log_file()
    lines.append(f"Log file: {current if current else 'not started'}")
    problems = logs.recent_problems()
    lines.append(f"Recent warnings and errors ({len(problems)}):")
    lines.extend(f"  {line}" for line in problems or ["none"])
    return logs.redact("\n".join(lines)) + "\n"


def write_crash_report(exc_type: type[BaseException], exc: BaseException,
                       tb: TracebackType | None) -> Path:
    """Save a masked traceback and the diagnostics under `log_dir()` (owner-only file);
    return its path. For the GUI's `sys.excepthook`: tell the user one sentence and where
    this file is."""
    folder = paths.log_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"crash-{stamp}.txt", 1
    while path.exists():
        n += 1
        path = folder / f"crash-{stamp}-{n}.txt"
    trace = "".join(traceback.format_exception(exc_type, exc, tb))
    storage.atomic_write_text(path, f"{logs.redact(trace)}\n{diagnostics_text()}")
    logging.getLogger(__name__).error("Unexpected %s; crash report saved to %s",
                                      exc_type.__name__, path)
    return path
