"""Canvas tokens in the operating system's keyring — the only module that imports `keyring`.

A token is stored per profile id under the service name "sis-desktop". When there is no
secure keyring (no backend, the null/fail backend, a locked collection, no D-Bus session,
a file-based backend such as keyrings.alt's PlaintextKeyring), nothing is written
anywhere: the caller may keep the token in memory for this session only instead.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from sis_desktop.core.canvas.tokens import clean_token

if TYPE_CHECKING:  # keyring is imported inside functions: it is slow to import (~0.3 s)
    import keyring.backend

SERVICE = "sis-desktop"
SESSION_ONLY = "kept for this session only"
NO_TOKEN = "no token saved"
_PROBE_USER = "sis-desktop-availability-check"

# Tokens the user chose to keep in memory; shared by every TokenStore of this process.
_session_tokens: dict[str, str] = {}
_session_lock = threading.Lock()
# Every call into the keyring backend goes through this lock: backends (D-Bus connections
# of the Secret Service among them) are not documented thread-safe, and the GUI reads
# tokens from several worker threads.
_keyring_lock = threading.RLock()

# Modules whose backends keep secrets in files we cannot call secure.
_INSECURE_MODULES = ("keyrings.alt", "keyrings.cryptfile", "keyring.backends.null",
                     "keyring.backends.fail")
# The keyring of each OS as its users know it, by keyring backend module (tested mapping).
BACKEND_NAMES = {
    "keyring.backends.Windows": "the Windows Credential Locker",
    "keyring.backends.macOS": "the macOS Keychain",
    "keyring.backends.kwallet": "KDE Wallet",
}
_SECRET_SERVICE_MODULES = ("keyring.backends.SecretService", "keyring.backends.libsecret")
# Who answers org.freedesktop.secrets on Linux (process name prefix → name).
_SECRET_SERVICE_OWNERS = (("gnome-keyring", "GNOME Keyring"), ("kwalletd", "KDE Wallet"),
                          ("ksecretd", "KDE Wallet"), ("keepassxc", "KeePassXC"))
SECRET_SERVICE = "the Secret Service keyring"


def backend_display_name(module: str, *, service_owner: str | None = None) -> str | None:
    """The name a user knows for a keyring backend from `module`, or None
    when it is not one of the OS keyrings. `service_owner` is the process serving the
    Secret Service on Linux (gnome-keyring-daemon, kwalletd6, …) when known."""
    if module in _SECRET_SERVICE_MODULES:
        for prefix, name in _SECRET_SERVICE_OWNERS:
            if service_owner and service_owner.startswith(prefix):
                return name
        return SECRET_SERVICE
    return BACKEND_NAMES.get(module)


def platform_keyring(platform: str | None = None) -> str:
    """The keyring this OS (or `platform`, a sys.platform value) offers, for telling the
    user what is missing."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "the Windows Credential Locker"
    if platform == "darwin":
        return "the macOS Keychain"
    return "a Secret Service keyring such as GNOME Keyring or KDE Wallet"


class KeyringUnavailable(Exception):
    """No secure keyring can hold the token; `str()` says why and what to do instead."""


def clear_session_tokens() -> None:
    """Forget every session-only token (for tests and sign-out)."""
    with _session_lock:
        _session_tokens.clear()


class TokenStore:
    """Where tokens live: the system keyring when a secure one works, else memory on request."""

    def __init__(self) -> None:
        self._checked_backend: object | None = None
        self._backend: keyring.backend.KeyringBackend | None = None
        self._reason: str | None = None
        self._name = ""
        self._reachable = False

    # ---- which keyring ------------------------------------------------------------
    def _usable(self) -> keyring.backend.KeyringBackend | None:
        """The secure backend to use, or None (then `_reason` says why). Re-checked when
        keyring's active backend changes."""
        import keyring
        import keyring.errors
        try:
            active = keyring.get_keyring()
        except Exception as exc:  # e.g. a PYTHON_KEYRING_BACKEND naming no usable class
            self._checked_backend = self._backend = None
            self._reachable = False
            named = os.environ.get("PYTHON_KEYRING_BACKEND")
            self._reason = (f"the keyring backend set in PYTHON_KEYRING_BACKEND ('{named}') "
                            f"could not be loaded ({type(exc).__name__}); correct or unset it"
                            if named else f"the keyring could not be loaded ({_short(exc)})")
            return None
        if active is self._checked_backend:
            return self._backend
        self._checked_backend, self._backend, self._reason = active, None, None
        self._reachable = False  # a secure keyring exists but failed to open
        chained = getattr(active, "backends", None)  # a ChainerBackend: use its first secure one
        candidates = list(chained) if chained is not None else [active]
        chosen = next((b for b in candidates if not _insecure(b)), None)
        if chosen is None:
            self._reason = _why_insecure(active if chained is None else None)
            return None
        try:
            with _keyring_lock:
                chosen.get_password(SERVICE, _PROBE_USER)
        except keyring.errors.KeyringLocked:
            self._reason, self._reachable = "the keyring is locked and could not be unlocked", True
            return None
        except Exception as exc:  # KeyringError, D-Bus and backend errors alike
            self._reason, self._reachable = f"the keyring could not be opened ({_short(exc)})", True
            return None
        self._backend, self._name = chosen, _human_name(chosen)
        return chosen

    def available(self) -> bool:
        """True when a secure keyring works right now."""
        return self._usable() is not None

    def backend_name(self) -> str | None:
        """The keyring's human name ("GNOME Keyring", "the macOS Keychain"), or None."""
        return self._name if self._usable() is not None else None

    def describe(self) -> str:
        """One sentence on where tokens are kept on this machine (what to do without a
        keyring depends on the caller: the app keeps a token for the session, the command
        line reads CANVAS_API_TOKEN; each adds its own advice)."""
        name = self.backend_name()
        if name is not None:
            return f"Tokens are stored in {name}."
        return f"No secure keyring is available: {self._reason}."

    def summary(self) -> str:
        """One line for `--version`, About and bug reports: the keyring and its backend."""
        backend = self._usable()
        if backend is not None:
            return f"{self._name} ({type(backend).__module__}.{type(backend).__name__})"
        return f"none usable: {self._reason}"

    # ---- tokens ---------------------------------------------------------------------
    def get(self, profile_id: str) -> str | None:
        """The profile's token: a session token first, then the keyring; None when neither."""
        with _session_lock:
            if profile_id in _session_tokens:
                return _session_tokens[profile_id]
        backend = self._usable()
        if backend is None:
            return None
        try:
            with _keyring_lock:
                return backend.get_password(SERVICE, profile_id) or None
        except Exception as exc:
            raise KeyringUnavailable(f"The token could not be read from {self._name} "
                                     f"({_short(exc)}).") from None

    def set(self, profile_id: str, token: str) -> str:
        """Store the token in the keyring and say where it lives ("stored in GNOME Keyring").

        Raises KeyringUnavailable (nothing stored anywhere) when no secure keyring works;
        the caller may then offer `set_session`."""
        token = clean_token(token)
        backend = self._usable()
        if backend is None:
            raise KeyringUnavailable(self.describe())
        try:
            with _keyring_lock:
                backend.set_password(SERVICE, profile_id, token)
        except Exception as exc:
            reason = _short(exc).replace(token, "…")  # never echo the token back
            raise KeyringUnavailable(f"The token could not be stored in {self._name} "
                                     f"({reason}); nothing was saved.") from None
        with _session_lock:
            _session_tokens.pop(profile_id, None)
        return f"stored in {self._name}"

    def set_session(self, profile_id: str, token: str) -> str:
        """Keep the token in memory until the app quits; never on disk."""
        token = clean_token(token)
        with _session_lock:
            _session_tokens[profile_id] = token
        return SESSION_ONLY

    def delete(self, profile_id: str) -> bool:
        """Forget the profile's token (session and keyring). True when a keyring entry went."""
        with _session_lock:
            _session_tokens.pop(profile_id, None)
        backend = self._usable()
        if backend is None:
            return False
        import keyring.errors
        try:
            with _keyring_lock:
                backend.delete_password(SERVICE, profile_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            raise KeyringUnavailable(f"The token could not be removed from {self._name} "
                                     f"({_short(exc)}).") from None
        return True

    def where(self, profile_id: str) -> str:
        """Where this profile's token lives: "stored in …", "kept for this session only",
        "no token saved", or "not readable now (…)" when the keyring is locked or failing."""
        with _session_lock:
            if profile_id in _session_tokens:
                return SESSION_ONLY
        backend = self._usable()
        if backend is None:
            # a keyring that exists but cannot be opened may well hold the token
            return f"not readable now ({self._reason})" if self._reachable else NO_TOKEN
        try:
            with _keyring_lock:
                found = backend.get_password(SERVICE, profile_id)
        except Exception as exc:
            return f"not readable now ({_short(exc)})"
        return f"stored in {self._name}" if found else NO_TOKEN


# ---- helpers ----------------------------------------------------------------------------
def _insecure(backend: object) -> bool:
    module = type(backend).__module__
    return (module.startswith(_INSECURE_MODULES)
            or "plaintext" in type(backend).__name__.lower())


def _why_insecure(backend: object | None) -> str:
    if backend is None:
        return "every keyring backend found keeps passwords in files, which is not secure"
    module = type(backend).__module__
    if module == "keyring.backends.fail":
        if sys.platform.startswith("linux") or "bsd" in sys.platform:
            return ("no keyring service was found (no Secret Service such as GNOME Keyring or "
                    "KDE Wallet is running, or there is no D-Bus session)")
        return f"{platform_keyring()} could not be used (no keyring backend was found for it)"
    if module == "keyring.backends.null":
        return "the keyring is switched off (null backend)"
    return f"{type(backend).__name__} keeps passwords in a file, which is not secure"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _human_name(backend: keyring.backend.KeyringBackend) -> str:
    module = type(backend).__module__
    owner = _secret_service_owner() if module in _SECRET_SERVICE_MODULES else None
    name = backend_display_name(module, service_owner=owner)
    return name or str(getattr(backend, "name", type(backend).__name__))


def _secret_service_owner() -> str | None:
    """The process name serving org.freedesktop.secrets on the session bus, if it can be told."""
    if not sys.platform.startswith("linux"):
        return None  # /proc below is Linux's; elsewhere the generic name is used
    try:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                          interface="org.freedesktop.DBus")
        with open_dbus_connection(bus="SESSION") as conn:
            reply = conn.send_and_get_reply(
                new_method_call(bus, "GetConnectionUnixProcessID", "s",
                                ("org.freedesktop.secrets",)), timeout=2)
        pid = int(reply.body[0])
        with open(f"/proc/{pid}/comm", encoding="utf-8") as fh:
            return fh.read().strip()
    except Exception:
        return None
