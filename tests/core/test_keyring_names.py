"""The keyring is named the way users of each OS know it — in the profile dialog, the
`--version` output and bug reports — from keyring's real backend classes."""
from __future__ import annotations

import keyring.backends.kwallet
import keyring.backends.libsecret
import keyring.backends.macOS
import keyring.backends.SecretService
import keyring.backends.Windows
import pytest

from sis_desktop.core import secrets
from sis_desktop.core.secrets import TokenStore, backend_display_name, platform_keyring
from tests.conftest import MemoryKeyring


@pytest.mark.parametrize("backend, owner, name", [
    (keyring.backends.Windows.WinVaultKeyring, None, "the Windows Credential Locker"),
    (keyring.backends.macOS.Keyring, None, "the macOS Keychain"),
    (keyring.backends.kwallet.DBusKeyring, None, "KDE Wallet"),
    (keyring.backends.kwallet.DBusKeyringKWallet4, None, "KDE Wallet"),
    (keyring.backends.SecretService.Keyring, "gnome-keyring-d", "GNOME Keyring"),
    (keyring.backends.SecretService.Keyring, "kwalletd6", "KDE Wallet"),
    (keyring.backends.SecretService.Keyring, "ksecretd", "KDE Wallet"),
    (keyring.backends.SecretService.Keyring, "keepassxc", "KeePassXC"),
    (keyring.backends.SecretService.Keyring, None, "the Secret Service keyring"),
    (keyring.backends.libsecret.Keyring, "gnome-keyring-d", "GNOME Keyring"),
])
def test_each_os_keyring_has_its_users_name(backend, owner, name):
    assert backend_display_name(backend.__module__, service_owner=owner) == name


def test_other_backends_have_no_os_name():
    assert backend_display_name(MemoryKeyring.__module__) is None
    assert backend_display_name("keyrings.alt.file") is None


@pytest.mark.parametrize("platform, name", [
    ("win32", "the Windows Credential Locker"), ("darwin", "the macOS Keychain"),
    ("linux", "a Secret Service keyring such as GNOME Keyring or KDE Wallet")])
def test_the_keyring_each_platform_offers(platform, name):
    assert platform_keyring(platform) == name


def os_keyring(module: str) -> MemoryKeyring:
    """A working in-memory keyring that says it is the backend of `module`."""
    return type("Keyring", (MemoryKeyring,), {"__module__": module})()


@pytest.mark.parametrize("module, name", [
    ("keyring.backends.Windows", "the Windows Credential Locker"),
    ("keyring.backends.macOS", "the macOS Keychain")])
def test_token_store_names_the_os_keyring(use_keyring, module, name):
    use_keyring(os_keyring(module))
    tokens = TokenStore()
    assert tokens.describe() == f"Tokens are stored in {name}."
    assert tokens.set("p1", "7~abcdefabcdef") == f"stored in {name}"
    assert tokens.summary() == f"{name} ({module}.Keyring)"


def test_without_a_keyring_the_windows_user_is_told_which_one(use_keyring, monkeypatch):
    monkeypatch.setattr(secrets.sys, "platform", "win32")
    use_keyring("fail")
    tokens = TokenStore()
    assert "the Windows Credential Locker could not be used" in tokens.describe()
    assert "D-Bus" not in tokens.describe()
    assert tokens.summary().startswith("none usable: the Windows Credential Locker")
