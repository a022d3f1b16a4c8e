"""`sis-desktop --install-desktop-entry`: the menu entry and icon for the current user, in
the XDG data folder, launching this very program, offering itself for .csv and .zip."""
from __future__ import annotations

import configparser
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sis_desktop.core import bundled, desktop_entry
from sis_desktop.gui import app as app_module
from tests.conftest import installed_script


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


@pytest.fixture
def xdg(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "Données de Zoë" / "share"  # spaces and non-ASCII, as a real home may have
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.mark.parametrize("arg, quoted", [
    ("apps/sis-desktop/sis-desktop", "apps/sis-desktop/sis-desktop"),
    ("apps/SIS Desktop/sis-desktop", '"apps/SIS Desktop/sis-desktop"'),
    ("apps/zoë/bin/sis-desktop", "apps/zoë/bin/sis-desktop"),
    ('/a "b"/$c`d\\e', '"/a \\"b\\"/\\$c\\`d\\\\e"'),
    ("/100%/x", "/100%%/x"),
])
def test_exec_arguments_are_quoted_as_the_specification_asks(arg, quoted):
    assert desktop_entry.quote_argument(arg) == quoted


def test_install_writes_the_entry_and_icon(xdg, tmp_path):
    program = str(tmp_path / "SIS Desktop" / "sis-desktop")  # a space: the Exec key quotes it
    command = [program]
    written = desktop_entry.install(command)
    entry_file, icon_file = written
    assert entry_file == xdg / "applications" / "sis-desktop.desktop"
    assert icon_file == xdg / "icons" / "hicolor" / "scalable" / "apps" / "sis-desktop.svg"
    entry = read_entry(entry_file)
    assert entry["Exec"] == f'"{program}" %F'
    assert entry["TryExec"] == program
    assert entry["Type"] == "Application" and entry["Name"] == "SIS Desktop"
    assert set(entry["MimeType"].strip(";").split(";")) == {"text/csv", "application/zip"}
    assert entry["Icon"] == icon_file.stem
    assert icon_file.read_bytes() == bundled.icon_file("app").read_bytes()
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644 or os.name == "nt"
    assert desktop_entry.install(command) == written  # again: same files, nothing else
    assert sorted(p.name for p in entry_file.parent.iterdir()) == ["sis-desktop.desktop"]


def test_backslashes_in_exec_are_escaped_twice(xdg):
    desktop_entry.install(["/odd\\dir/sis-desktop"])
    raw = desktop_entry.entry_path().read_text(encoding="utf-8")
    assert 'Exec="/odd\\\\\\\\dir/sis-desktop" %F' in raw  # quoted arg \\, then string \\\\


def test_a_relative_xdg_data_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop_entry.data_home() == Path.home() / ".local" / "share"


@pytest.mark.skipif(not desktop_entry.supported(), reason="menu entries are freedesktop's (Linux)")
def test_the_installed_program_installs_and_removes_itself(xdg):
    program = installed_script("sis-desktop")
    env = dict(os.environ, XDG_DATA_HOME=str(xdg))
    result = subprocess.run([str(program), "--install-desktop-entry"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Installed the menu entry" in result.stdout
    entry = read_entry(desktop_entry.entry_path())
    assert entry["TryExec"] == str(program)
    result = subprocess.run([str(program), "--remove-desktop-entry"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Removed" in result.stdout
    assert not desktop_entry.entry_path().exists() and not desktop_entry.icon_path().exists()


def test_an_unwritable_folder_is_one_sentence(xdg, capsys):
    xdg.mkdir(parents=True)
    (xdg / "applications").write_text("a file where the folder should be")
    assert app_module.main(["--install-desktop-entry"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sis-desktop: The menu entry could not be written") and "\n" == err[-1]
    assert err.count("\n") == 1


def test_other_platforms_are_told_it_is_for_linux(xdg, monkeypatch, capsys):
    monkeypatch.setattr(desktop_entry.sys, "platform", "win32")
    assert app_module.main(["--install-desktop-entry"]) == 2
    assert "menu entries are for Linux desktops" in capsys.readouterr().err
    assert not xdg.exists()


def test_launcher_is_this_program():
    command = desktop_entry.launcher()
    assert command[0] in (str(Path(sys.executable).with_name("sis-desktop")), sys.executable)
