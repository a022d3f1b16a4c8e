"""Icons from `resources/icons/*.svg`, one small function per icon (no rcc step).

The files are found through `sis_desktop.core.bundled` (importlib.resources), so they load
from a wheel, an editable install or the standalone bundle alike."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon

from sis_desktop.core import bundled


def icon_path(name: str) -> Path:
    return bundled.icon_file(name)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The named icon; an empty QIcon when the file is missing (never an exception)."""
    path = icon_path(name)
    return QIcon(str(path)) if path.is_file() else QIcon()


def app_icon() -> QIcon:
    return icon("app")


def upload_icon() -> QIcon:
    return icon("upload")


def csv_icon() -> QIcon:
    return icon("file-csv")


def zip_icon() -> QIcon:
    return icon("file-zip")


def warning_icon() -> QIcon:
    return icon("warning")


def error_icon() -> QIcon:
    return icon("error")


def ok_icon() -> QIcon:
    return icon("ok")


def info_icon() -> QIcon:
    return icon("info")
