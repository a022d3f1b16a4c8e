"""What a user pastes into a bug report: `sis-desktop --version`, the About box and Copy
diagnostics name the version, PySide6/Qt, the platform and the keyring backend."""
from __future__ import annotations

import platform
import subprocess

from PySide6 import QtCore

import sis_desktop
from sis_desktop.gui.about_dialog import AboutDialog
from tests.conftest import installed_script
from tests.core.test_keyring_names import os_keyring


def test_version_names_qt_platform_and_keyring(isolated_dirs):
    result = subprocess.run([str(installed_script("sis-desktop")), "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"sis-desktop {sis_desktop.__version__} (")
    assert f"PySide6 {QtCore.__version__}, Qt {QtCore.qVersion()}" in lines
    assert f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}" in lines
    assert any(line.startswith("Keyring: ") for line in lines)


def test_about_box_shows_the_details(qtbot, use_keyring):
    use_keyring(os_keyring("keyring.backends.Windows"))
    box = AboutDialog()
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.details_ready, timeout=10000):
        box.open()
    text = box.details.text()
    assert f"SIS Desktop {sis_desktop.__version__}" in text
    assert f"Qt {QtCore.qVersion()}" in text and platform.python_version() in text
    assert ("Keyring: the Windows Credential Locker (keyring.backends.Windows.Keyring)"
            in text)
    box.close()


def test_copied_diagnostics_name_the_keyring_backend(qtbot, use_keyring):
    from sis_desktop.core.diagnostics import diagnostics_text
    use_keyring(os_keyring("keyring.backends.macOS"))
    text = diagnostics_text()
    assert "Keyring: the macOS Keychain (keyring.backends.macOS.Keyring)" in text
    assert f"SIS Desktop {sis_desktop.__version__} (" in text
