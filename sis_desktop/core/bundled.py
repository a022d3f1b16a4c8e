"""The files shipped inside the app: icons, sample SIS files and the Linux .desktop entry.

They live in the top-level `resources/` folder of the source tree, which is installed as
the package `sis_desktop.resources` (wheel, editable install and the PyInstaller bundle
alike). Everything is found through `importlib.resources`, never relative to a source file,
so an installed app finds its files wherever pip, pipx or the bundle put them.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib.resources
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc is Python 3.11+; 3.10 has importlib.abc
    from importlib.resources.abc import Traversable

PACKAGE = "sis_desktop.resources"
_extracted = contextlib.ExitStack()  # files copied out of a zip import, kept until exit
atexit.register(_extracted.close)


def root() -> Traversable:
    """The top of the shipped files."""
    return importlib.resources.files(PACKAGE)


@lru_cache(maxsize=None)
def path(*parts: str) -> Path:
    """A real file-system path of a shipped file (copied out once if the package is zipped).

    The path may not exist when the install is incomplete; callers check `is_file()`."""
    item = root().joinpath(*parts)
    if isinstance(item, Path):
        return item
    if not item.is_file():
        return Path(*parts)  # a relative path that does not exist: callers see "missing"
    return _extracted.enter_context(importlib.resources.as_file(item))


def icon_file(name: str) -> Path:
    """`icons/<name>.svg`."""
    return path("icons", f"{name}.svg")


def icon_names() -> list[str]:
    """Every shipped icon's name (file name without .svg), sorted."""
    return sorted(item.name[:-4] for item in root().joinpath("icons").iterdir()
                  if item.name.endswith(".svg"))


def sample_names() -> list[str]:
    """The shipped sample SIS files (.csv and .zip), sorted."""
    return sorted(item.name for item in root().joinpath("samples").iterdir()
                  if item.name.endswith((".csv", ".zip")))


def sample(name: str) -> Path:
    """`samples/<name>`, e.g. sample("sample_import.zip")."""
    return path("samples", name)


def desktop_entry_text() -> str:
    """The freedesktop `.desktop` file shipped for Linux menus."""
    return root().joinpath("sis-desktop.desktop").read_text(encoding="utf-8")
