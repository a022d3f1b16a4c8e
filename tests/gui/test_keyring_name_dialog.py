"""The profile dialog tells a Windows or macOS user their own keyring's name."""
from __future__ import annotations

import pytest

from sis_desktop.gui.profile_dialog import ProfileDialog
from tests.core.test_keyring_names import os_keyring


@pytest.mark.parametrize("module, name", [
    ("keyring.backends.Windows", "the Windows Credential Locker"),
    ("keyring.backends.macOS", "the macOS Keychain")])
def test_the_dialog_names_the_os_keyring(qtbot, use_keyring, module, name):
    use_keyring(os_keyring(module))
    dialog = ProfileDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.ready, timeout=5000):
        dialog.show()
    assert dialog.token_storage_label.text() == f"Tokens are stored in {name}."
    assert not dialog.keyring_notice.isVisibleTo(dialog)
