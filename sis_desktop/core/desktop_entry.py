"""Linux desktop integration for the current user: `sis-desktop --install-desktop-entry`.

Writes the shipped `.desktop` file to `$XDG_DATA_HOME/applications/` (default
~/.local/share) with `Exec=` pointing at this very program (pipx, venv or the standalone
bundle alike), and the app icon to `$XDG_DATA_HOME/icons/hicolor/scalable/apps/`. The app
then shows in the menu and under "Open with" for .csv and .zip files (MimeType text/csv and
application/zip). The menu caches are refreshed when their tools are there; a desktop
without them picks the files up on its next scan.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sis_desktop.core import bundled, storage

DESKTOP_ID = "sis-desktop"
# Characters that make an Exec argument need quotes (Desktop Entry Specification, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(Exception):
    """The entry could not be installed; `str()` is one sentence for the user."""


def supported() -> bool:
    """Desktop entries are a freedesktop.org (Linux/BSD) thing."""
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # the spec: a relative path is invalid and is ignored
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def entry_path(home: Path | None = None) -> Path:
    return (home or data_home()) / "applications" / f"{DESKTOP_ID}.desktop"


def icon_path(home: Path | None = None) -> Path:
    return (home or data_home()) / "icons" / "hicolor" / "scalable" / "apps" / f"{DESKTOP_ID}.svg"


def launcher() -> list[str]:
    """The command that starts this GUI: the bundle's program, the `sis-desktop` script next
    to this Python, or this Python running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).with_name("sis-desktop")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "sis_desktop"]


def quote_argument(arg: str) -> str:
    """One Exec argument, quoted and escaped as the specification asks."""
    arg = arg.replace("%", "%%")
    if not arg or any(c in _RESERVED for c in arg):
        arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return arg


def escape_value(value: str) -> str:
    """A string value of a desktop file (backslash and line breaks escaped)."""
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


def entry_text(command: list[str]) -> str:
    """The shipped entry with Exec/TryExec set to `command` (files are passed as %F)."""
    exec_value = " ".join(quote_argument(a) for a in command) + " %F"
    lines = []
    for line in bundled.desktop_entry_text().splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + escape_value(exec_value)
        elif line.startswith("TryExec="):
            line = "TryExec=" + escape_value(command[0])
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(command: list[str] | None = None) -> list[Path]:
    """Write the entry and the icon for the current user; return the files written."""
    home = data_home()
    entry, icon = entry_path(home), icon_path(home)
    try:
        storage.atomic_write_text(entry, entry_text(command or launcher()), mode=0o644)
        storage.atomic_write_text(icon, bundled.icon_file("app").read_text(encoding="utf-8"),
                                  mode=0o644)
    except OSError as exc:
        raise DesktopEntryError(f"The menu entry could not be written to {exc.filename or home} "
                                f"({exc.strerror or exc}); check that folder's permissions.") \
            from None
    _refresh_caches(home)
    return [entry, icon]


def remove() -> list[Path]:
    """Remove the entry and the icon; return the files that were there."""
    home = data_home()
    removed = []
    for path in (entry_path(home), icon_path(home)):
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Best effort: the MIME→app cache and the icon cache, when their tools are installed."""
    for tool, args in (("update-desktop-database", [str(home / "applications")]),
                       ("gtk-update-icon-cache", ["-q", "-t", str(home / "icons" / "hicolor")])):
        exe = shutil.which(tool)
        if exe is None or not Path(args[-1]).is_dir():
            continue
        try:
            subprocess.run([exe, *args], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            pass  # the desktop rescans on its own; a stale cache only delays "Open with"
