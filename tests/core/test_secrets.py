"""TokenStore: tokens go to a secure keyring or, on request, memory — never to a file."""
from __future__ import annotations

import pytest

from sis_desktop.core.secrets import KeyringUnavailable, TokenStore

TOKEN = "7~SeCrEtTokenValue0123456789abcdef"


def files_containing(dirs, needle: str) -> list[str]:
    hits = []
    for root in dirs.values():
        for path in root.rglob("*"):
            if path.is_file() and needle.encode() in path.read_bytes():
                hits.append(str(path))
    return hits


def test_token_round_trips_through_a_secure_keyring(memory_keyring, isolated_dirs):
    backend = memory_keyring
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


def test_empty_token_is_refused(memory_keyring):
    with pytest.raises(ValueError, match="empty"):
        TokenStore().set("p1", "   ")


@pytest.mark.parametrize("bad", ["Bearer 7~abc", "7~ab\ncd", "7~abc\u00e9"])
def test_a_token_canvas_would_never_issue_is_refused(memory_keyring, bad):
    tokens = TokenStore()
    for store in (tokens.set, tokens.set_session):
        with pytest.raises(ValueError, match="copy it again from Canvas") as caught:
            store("p1", bad)
        assert bad.strip() not in str(caught.value)
    assert memory_keyring.entries == {} and tokens.get("p1") is None


@pytest.mark.parametrize("kind, reason", [
    ("fail", "no keyring service was found"),
    ("null", "switched off"),
    ("plaintext", "not secure"),
    ("locked", "locked"),
])
def test_no_secure_keyring_stores_nothing_and_offers_the_session(use_keyring, isolated_dirs,
                                                                  kind, reason):
    backend = use_keyring(kind)
    tokens = TokenStore()
    assert not tokens.available()
    assert tokens.backend_name() is None
    text = tokens.describe()
    assert text.startswith("No secure keyring is available") and reason in text
    assert "session only" not in text  # the app and the CLI each add their own advice
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
                if kind == "locked" else "no token saved")
    assert tokens.where("p1") == expected


def test_a_failed_write_reports_without_repeating_the_token(use_keyring):
    use_keyring("refusing")
    tokens = TokenStore()
    with pytest.raises(KeyringUnavailable) as caught:
        tokens.set("p1", TOKEN)
    assert "nothing was saved" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_storing_in_the_keyring_replaces_a_session_token(memory_keyring):
    tokens = TokenStore()
    tokens.set_session("p1", "session-token")
    assert tokens.get("p1") == "session-token"
    tokens.set("p1", TOKEN)
    assert tokens.get("p1") == TOKEN
    assert tokens.where("p1") == "stored in Memory Keyring"


def test_switching_backend_is_noticed(memory_keyring, use_keyring):
    tokens = TokenStore()
    assert tokens.available()
    use_keyring("fail")
    assert not tokens.available()


def test_a_chain_of_backends_uses_its_first_secure_one(use_keyring):
    from keyring.backends.chainer import ChainerBackend

    secure = use_keyring("memory")
    plain = use_keyring("plaintext")

    class Chain(ChainerBackend):
        priority = -1
        backends = [plain, secure]

    use_keyring(Chain())
    tokens = TokenStore()
    assert tokens.set("p1", TOKEN) == "stored in Memory Keyring"
    assert secure.entries and not plain.entries

    class PlainChain(ChainerBackend):
        priority = -1
        backends = [use_keyring("plaintext")]

    use_keyring(PlainChain())
    assert not TokenStore().available()
    assert "keeps passwords in files, which is not secure" in TokenStore().describe()


def test_keyring_calls_never_overlap_across_threads(use_keyring):
    """Backends (a D-Bus connection for the Secret Service) are not documented thread-safe:
    every call goes through one lock, whatever thread the GUI's tasks run on."""
    import threading
    from tests.conftest import MemoryKeyring

    class Watching(MemoryKeyring):
        inside = 0
        most = 0
        guard = threading.Lock()

        def get_password(self, service, username):
            with Watching.guard:
                Watching.inside += 1
                Watching.most = max(Watching.most, Watching.inside)
            try:
                threading.Event().wait(0.005)  # a slow backend widens any overlap
                return super().get_password(service, username)
            finally:
                with Watching.guard:
                    Watching.inside -= 1

    use_keyring(Watching())
    start = threading.Barrier(8)

    def read():
        start.wait()
        for _ in range(5):
            TokenStore().get("profile-1")
    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Watching.most == 1
