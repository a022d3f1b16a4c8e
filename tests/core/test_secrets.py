"""TokenStore: tokens go to a secure keyring or, on request, memory — never to a file."""
from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from sis_desktop.core import secrets
from sis_desktop.core.secrets import KeyringUnavailable, TokenStore

TOKEN = "7~SeCrEtTokenValue0123456789abcdef"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A secure-looking backend that keeps passwords in a dict."""
    priority = -1  # never picked by keyring on its own (only via set_keyring)
    name = "Memory Keyring"

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("No such password!")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring."""


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class RefusingKeyring(MemoryKeyring):
    """Reads work, writes fail with an error text that (badly) repeats the password."""

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError(f"cannot store {password}")


@pytest.fixture
def use_keyring():
    """Install a backend for one test and restore the previous one afterwards."""
    previous = keyring.get_keyring()

    def install(backend):
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
    secrets.clear_session_tokens()


def files_containing(dirs, needle: str) -> list[str]:
    hits = []
    for root in dirs.values():
        for path in root.rglob("*"):
            if path.is_file() and needle.encode() in path.read_bytes():
                hits.append(str(path))
    return hits


def test_token_round_trips_through_a_secure_keyring(use_keyring, isolated_dirs):
    backend = use_keyring(MemoryKeyring())
    tokens = TokenStore()
    assert tokens.available()
    assert tokens.set("p1", f"  {TOKEN}\n") == "stored in Memory Keyring"
    assert backend.entries[("sis-desktop", "p1")] == TOKEN
    assert tokens.get("p1") == TOKEN
    assert tokens.where("p1") == "stored in Memory Keyring"
    assert tokens.describe() == "Tokens are stored in Memory Keyring."
    assert tokens.delete("p1") is True
    assert tokens.get("p1") is None and tokens.where("p1") == "no token saved"
    assert tokens.delete("p1") is False
    assert files_containing(isolated_dirs, TOKEN) == []


def test_empty_token_is_refused(use_keyring):
    use_keyring(MemoryKeyring())
    with pytest.raises(ValueError, match="empty"):
        TokenStore().set("p1", "   ")


@pytest.mark.parametrize("backend, reason", [
    (keyring.backends.fail.Keyring(), "no keyring service was found"),
    (keyring.backends.null.Keyring(), "switched off"),
    (PlaintextKeyring(), "not secure"),
    (LockedKeyring(), "locked"),
])
def test_no_secure_keyring_stores_nothing_and_offers_the_session(use_keyring, isolated_dirs,
                                                                  backend, reason):
    use_keyring(backend)
    tokens = TokenStore()
    assert not tokens.available()
    assert tokens.backend_name() is None
    text = tokens.describe()
    assert text.startswith("No secure keyring is available") and reason in text
    assert "session only" in text and "CANVAS_API_TOKEN" in text
    with pytest.raises(KeyringUnavailable) as caught:
        tokens.set("p1", TOKEN)
    assert TOKEN not in str(caught.value)
    assert getattr(backend, "entries", {}) == {}
    assert tokens.get("p1") is None
    assert tokens.set_session("p1", TOKEN) == "kept for this session only"
    assert tokens.get("p1") == TOKEN
    assert TokenStore().get("p1") == TOKEN  # the whole app shares the session token
    assert tokens.where("p1") == "kept for this session only"
    assert files_containing(isolated_dirs, TOKEN) == []
    tokens.delete("p1")
    assert tokens.get("p1") is None
    expected = ("not readable now (the keyring is locked and could not be unlocked)"
                if isinstance(backend, LockedKeyring) else "no token saved")
    assert tokens.where("p1") == expected


def test_a_failed_write_reports_without_repeating_the_token(use_keyring):
    use_keyring(RefusingKeyring())
    tokens = TokenStore()
    with pytest.raises(KeyringUnavailable) as caught:
        tokens.set("p1", TOKEN)
    assert "nothing was saved" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_storing_in_the_keyring_replaces_a_session_token(use_keyring):
    use_keyring(MemoryKeyring())
    tokens = TokenStore()
    tokens.set_session("p1", "session-token")
    assert tokens.get("p1") == "session-token"
    tokens.set("p1", TOKEN)
    assert tokens.get("p1") == TOKEN
    assert tokens.where("p1") == "stored in Memory Keyring"


def test_switching_backend_is_noticed(use_keyring):
    use_keyring(MemoryKeyring())
    tokens = TokenStore()
    assert tokens.available()
    use_keyring(keyring.backends.fail.Keyring())
    assert not tokens.available()


def test_a_chain_of_backends_uses_its_first_secure_one(use_keyring):
    from keyring.backends.chainer import ChainerBackend

    secure = MemoryKeyring()
    plain = PlaintextKeyring()

    class Chain(ChainerBackend):
        priority = -1
        backends = [plain, secure]

    use_keyring(Chain())
    tokens = TokenStore()
    assert tokens.set("p1", TOKEN) == "stored in Memory Keyring"
    assert secure.entries and not plain.entries

    class PlainChain(ChainerBackend):
        priority = -1
        backends = [PlaintextKeyring()]

    use_keyring(PlainChain())
    assert not TokenStore().available()
    assert "keeps passwords in files, which is not secure" in TokenStore().describe()
