"""Shared fixtures: every test gets its own config/data/log folders; in-memory keyrings and a
running sandbox on request."""
from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from sis_desktop.core import logs, secrets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A harness that starts the suite as a background job may hand it SIGINT *ignored*, and an
# ignored SIGINT stays ignored in every child (Python then installs no KeyboardInterrupt):
# the tests that press Ctrl-C in a real sis-desktop-cli would wait forever. Undo that here,
# so children start as a terminal would start them.
if hasattr(signal, "SIGINT") and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def installed_script(name: str) -> Path:
    """The console script `name` of the environment running the tests: it sits next to
    `sys.executable` (bin/ on POSIX, Scripts/ on Windows), wherever that venv is."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return candidate
    pytest.fail(f"{name} is not installed next to {sys.executable}; "
                "install the project into this environment (pip install -e '.[test]').")


def private_file(path: Path) -> bool:
    """Only the owner may read `path`: mode 0o600 on POSIX. Windows has no such modes; there
    the user's profile folder (where the app keeps its files) is private by its ACL."""
    import stat
    return os.name == "nt" or stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    """Each test writes its settings, history and logs under its own tmp folder."""
    dirs = {name: tmp_path / name for name in ("config", "data", "logs")}
    for path in dirs.values():
        path.mkdir()
    monkeypatch.setenv("SIS_DESKTOP_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("SIS_DESKTOP_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("SIS_DESKTOP_LOG_DIR", str(dirs["logs"]))
    monkeypatch.delenv("CANVAS_API_TOKEN", raising=False)
    return dirs


@pytest.fixture(autouse=True)
def fresh_logging():
    """Whatever a test installed on the root logger (the CLI's main() sets up the log file at
    DEBUG) is removed afterwards, so no test inherits another's handlers or level."""
    yield
    logs.shutdown_logging()


@pytest.fixture
def sandbox(tmp_path):
    """A running local Canvas stand-in (sis_desktop.sandbox.Sandbox) so fast that small
    imports finish well under a second; `sandbox.client()` gives a CanvasClient for it."""
    from sis_desktop.sandbox import Sandbox

    server = Sandbox(speed=1000.0, data_dir=tmp_path / "sandbox").start()
    try:
        yield server
    finally:
        server.close()


# ---- keyrings: in-memory backends, installed for one test --------------------------------------
class MemoryKeyring(keyring.backend.KeyringBackend):
    """A secure-looking keyring in a dict; `threads` records the thread of every call."""
    priority = -1  # never picked by keyring's own chain, only installed by `use_keyring`
    name = "Memory Keyring"

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.threads: set[threading.Thread] = set()

    def get_password(self, service, username):
        self.threads.add(threading.current_thread())
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.threads.add(threading.current_thread())
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.threads.add(threading.current_thread())
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("No such password!")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (a file-based, insecure backend)."""


class LockedKeyring(MemoryKeyring):
    """A keyring whose collection cannot be unlocked."""

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class RefusingKeyring(MemoryKeyring):
    """Reads work; writes fail with an error text that (badly) repeats the password."""

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError(f"cannot store {password}")


KEYRINGS = {"memory": MemoryKeyring, "plaintext": PlaintextKeyring, "locked": LockedKeyring,
            "refusing": RefusingKeyring, "fail": keyring.backends.fail.Keyring,
            "null": keyring.backends.null.Keyring}


@pytest.fixture
def use_keyring():
    """`use_keyring(kind)` installs a new backend of that kind (a key of KEYRINGS) or a given
    backend object, and returns it; afterwards the previous backend is back and session
    tokens are forgotten."""
    previous = keyring.get_keyring()

    def install(backend: str | keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        if isinstance(backend, str):
            backend = KEYRINGS[backend]()
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
    secrets.clear_session_tokens()


@pytest.fixture
def memory_keyring(use_keyring) -> MemoryKeyring:
    """A working in-memory keyring installed for this test (`.entries` holds what was stored)."""
    return use_keyring("memory")


@pytest.fixture
def sandbox_window(qtbot, sandbox):
    """A shown MainWindow connected to the sandbox (its terms loaded), polling fast."""
    from sis_desktop.gui.main_window import MainWindow
    win = MainWindow()
    qtbot.addWidget(win)
    win.poll_options = {"intervals": (0.02,), "max_failures": 1}
    win.show()
    with qtbot.waitSignal(win.terms_loaded, timeout=10000):
        win.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
    yield win
    win.close()
