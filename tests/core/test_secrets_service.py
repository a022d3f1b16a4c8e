"""TokenStore against the real Secret Service (gnome-keyring in a private D-Bus session).

tests/run.sh starts that session and sets SIS_DESKTOP_SECRET_SERVICE=1; then this test must
run and pass. In a plain `pytest` run without it, it is skipped with the reason below."""
from __future__ import annotations

import os
import uuid

import keyring
import keyring.backends.SecretService
import pytest

from sis_desktop.core import secrets
from sis_desktop.core.secrets import TokenStore

pytestmark = [
    pytest.mark.secret_service,
    pytest.mark.skipif(os.environ.get("SIS_DESKTOP_SECRET_SERVICE") != "1",
                       reason="needs the real Secret Service: run tests/run.sh, which starts "
                              "gnome-keyring in a private D-Bus session"),
]


@pytest.fixture
def secret_service():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.SecretService.Keyring())
    yield
    keyring.set_keyring(previous)
    secrets.clear_session_tokens()


def test_token_is_stored_in_gnome_keyring(secret_service, isolated_dirs):
    tokens = TokenStore()
    assert tokens.available(), tokens.describe()
    assert tokens.backend_name() == "GNOME Keyring"
    profile_id = uuid.uuid4().hex
    token = f"7~{uuid.uuid4().hex}"
    try:
        assert tokens.set(profile_id, token) == "stored in GNOME Keyring"
        # a fresh store (as after a restart) reads it back from the daemon
        assert TokenStore().get(profile_id) == token
        assert TokenStore().where(profile_id) == "stored in GNOME Keyring"
        assert keyring.get_password("sis-desktop", profile_id) == token
    finally:
        assert tokens.delete(profile_id) is True
    assert TokenStore().get(profile_id) is None
    for root in isolated_dirs.values():
        for path in root.rglob("*"):
            assert not path.is_file() or token.encode() not in path.read_bytes()


def test_the_default_backend_is_the_secret_service():
    """What the app gets without any set_keyring: the real daemon, not a fail/file backend."""
    tokens = TokenStore()
    assert tokens.available(), tokens.describe()
    assert tokens.describe() == "Tokens are stored in GNOME Keyring."


def test_cli_keeps_the_token_in_gnome_keyring_across_processes(isolated_dirs):
    """`profiles add` in one process, `list`/`remove` in others: the daemon holds the token."""
    import json
    import subprocess
    import sys

    token = f"7~{uuid.uuid4().hex}"

    def cli(*argv, stdin=""):
        proc = subprocess.run([sys.executable, "-c", "import sys; from sis_desktop.cli.main import "
                               "main; sys.exit(main())", "profiles", *argv],
                              input=stdin, capture_output=True, text=True, timeout=60)
        assert token not in proc.stdout + proc.stderr
        return proc

    added = cli("add", "Prod", "--url", "https://a.example.edu", "--account", "1", "--token-stdin",
                stdin=token + "\n")
    assert added.returncode == 0, added.stderr
    assert "token stored in GNOME Keyring" in added.stdout
    [row] = json.loads(cli("list", "--json").stdout)
    assert row["token_storage"] == "stored in GNOME Keyring"
    assert keyring.get_password("sis-desktop", row["id"]) == token
    removed = cli("remove", "Prod")
    assert removed.returncode == 0 and "its token in GNOME Keyring" in removed.stdout
    assert keyring.get_password("sis-desktop", row["id"]) is None
