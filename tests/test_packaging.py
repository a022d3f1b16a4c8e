"""The package list in pyproject.toml is complete, and the app finds its shipped files
through importlib.resources only (a path relative to a source file breaks in a wheel)."""
from __future__ import annotations

import re
from pathlib import Path

from setuptools.config.pyprojecttoml import read_configuration

from sis_desktop.core import bundled

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_on_disk_is_listed_in_pyproject():
    config = read_configuration(ROOT / "pyproject.toml")  # setuptools' own reading
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "sis_desktop").rglob("__init__.py")}
    on_disk.add("sis_desktop.resources")
    assert listed == on_disk, ("pyproject.toml [tool.setuptools] packages must list every "
                               f"package: missing {sorted(on_disk - listed)}, "
                               f"extra {sorted(listed - on_disk)}")


def test_no_module_finds_files_relative_to_its_source():
    pattern = re.compile(r"__file__\)?\.(resolve\(\)\.)?parent")
    offenders = [f"{path.relative_to(ROOT)}:{n}"
                 for path in (ROOT / "sis_desktop").rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert not offenders, f"use sis_desktop.core.bundled instead: {offenders}"


def test_the_shipped_files_are_the_checkout_resources():
    assert set(bundled.icon_names()) == {p.stem for p in (ROOT / "resources/icons").glob("*.svg")}
    assert set(bundled.sample_names()) == {p.name for p in (ROOT / "resources/samples").iterdir()}
    assert bundled.icon_file("app").read_bytes() == (ROOT / "resources/icons/app.svg").read_bytes()
    assert "MimeType=text/csv;application/zip;" in bundled.desktop_entry_text()
    assert not bundled.icon_file("no-such-icon").is_file()
