"""Saved account profiles: Canvas address, account id and default import options.

Kept as JSON in `config_dir()/profiles.json`, written atomically; changes hold a lock
(`profiles.json.lock`, the `filelock` package) so two windows or processes never lose each
other's edits. Tokens never go in this file (see `secrets.TokenStore`). Keys this version
does not know are kept.

Nothing readable is thrown away: a profile entry that cannot be read is moved on its own to
`profiles.json.unreadable-<time>` (as it was) and the good entries stay; only a file that
is not JSON at all is moved aside whole. `ProfileStore.set_aside_notice` says what happened.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sis_desktop.core import paths, storage
from sis_desktop.core.canvas import errors
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.canvas.urls import normalize_base_url
from sis_desktop.core.secrets import KeyringUnavailable, TokenStore

FILE_NAME = "profiles.json"
FORMAT_VERSION = 1
EXPORT_KIND = "sis-desktop-profiles"
_KNOWN = ("id", "name", "url", "account_id", "defaults", "ca_bundle")
_ACCOUNT_ID = re.compile(r"^(\d+|self|sis_account_id:\S+)$")
LOCK_TIMEOUT = 15.0  # seconds to wait for another process that is saving the profiles


class _WholeFile(Exception):
    """The file as a whole cannot be used; `str()` says why."""


class ProfileError(ValueError):
    """A profile is missing or its settings are wrong; `str()` is one sentence for the user.

    The CLI turns it into a UsageError (exit 2)."""


class ProfileNotFound(ProfileError):
    """No profile has that name or id."""


@dataclass
class Profile:
    """One Canvas account the user sends SIS imports to. `account_id` is kept as text
    ("1", "self" or "sis_account_id:…"); `defaults` is a subset of ImportOptions.to_dict()
    (keys a newer version added are kept and ignored);
    `extra` holds keys a newer version wrote, so they survive a round trip."""
    id: str
    name: str
    url: str
    account_id: str
    defaults: dict[str, Any] = field(default_factory=dict)
    ca_bundle: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, name: str, url: str, account_id: str | int, **kw: Any) -> "Profile":
        """A profile with a fresh id."""
        return cls(id=uuid.uuid4().hex, name=name, url=url, account_id=str(account_id), **kw)

    def import_options(self) -> ImportOptions:
        """Default import options for this profile (Canvas defaults where none are saved)."""
        return ImportOptions.from_dict(self.defaults)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.extra)
        out.update(id=self.id, name=self.name, url=self.url, account_id=self.account_id,
                   defaults=dict(self.defaults))
        if self.ca_bundle:
            out["ca_bundle"] = self.ca_bundle
        return out

    @classmethod
    def from_json(cls, obj: Any) -> "Profile":
        """Raises ProfileError when `obj` is not a profile."""
        if not isinstance(obj, dict):
            raise ProfileError("a profile entry is not an object")
        missing = [k for k in ("id", "name", "url", "account_id") if not obj.get(k)]
        if missing:
            raise ProfileError(f"a profile entry lacks {', '.join(missing)}")
        defaults = obj.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise ProfileError(f"the defaults of profile {obj['name']!r} are not an object")
        return cls(id=str(obj["id"]), name=str(obj["name"]), url=str(obj["url"]),
                   account_id=str(obj["account_id"]), defaults=dict(defaults),
                   ca_bundle=obj.get("ca_bundle") or None,
                   extra={k: v for k, v in obj.items() if k not in _KNOWN})


def check_account_id(value: str | int) -> str:
    """The account id as text ("1", "self", "sis_account_id:…"); ProfileError otherwise
    (e.g. -1, abc, 1e9)."""
    account = str(value).strip()
    if not _ACCOUNT_ID.match(account):
        raise ProfileError(f"'{account}' is not an account id; give the root account's number, "
                           "for example 1.")
    return account


def checked(profile: Profile) -> Profile:
    """The profile with its URL normalised and fields checked; raises ProfileError."""
    name = " ".join(profile.name.split())
    if not name:
        raise ProfileError("The profile needs a name.")
    try:
        url = normalize_base_url(profile.url)
    except errors.InsecureURL as exc:
        raise ProfileError(str(exc)) from None
    account = check_account_id(profile.account_id)
    ca = (profile.ca_bundle or "").strip() or None
    if ca and not Path(ca).expanduser().is_file():
        raise ProfileError(f"The CA bundle {ca} does not exist; choose the PEM file your school's "
                           "proxy certificate is in.")
    return Profile(id=profile.id, name=name, url=url, account_id=account,
                   defaults=dict(profile.defaults), ca_bundle=ca, extra=dict(profile.extra))


class ProfileStore:
    """The profiles file. Every change re-reads the file, applies the change and writes it
    back atomically, so keys from newer versions and other windows' edits are kept."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else paths.config_dir() / FILE_NAME
        self.set_aside_notice: str | None = None
        self._top: dict[str, Any] = {}
        self._lock = None

    # ---- reading ------------------------------------------------------------------
    def load(self) -> list[Profile]:
        """All profiles, in file order. Unreadable entries, or a file that is not JSON at
        all, are set aside first (see set_aside_notice)."""
        try:
            profiles, bad, top = self._read()
        except _WholeFile:
            return self._recover()
        if bad:
            return self._recover()
        self._top = top
        return profiles

    def _read(self) -> tuple[list[Profile], list[tuple[Any, str]], dict[str, Any]]:
        """(good profiles, [(bad entry, why)], the file's other keys); _WholeFile when the
        file cannot be used at all."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], [], {}
        except (OSError, UnicodeDecodeError) as exc:
            raise _WholeFile(f"it could not be read ({exc.__class__.__name__})") from None
        try:
            top = json.loads(text)
        except ValueError:
            raise _WholeFile("it is not valid JSON") from None
        if not isinstance(top, dict) or not isinstance(top.get("profiles", []), list):
            raise _WholeFile("it does not hold a list of profiles")
        profiles: list[Profile] = []
        bad: list[tuple[Any, str]] = []
        for entry in top.get("profiles", []):
            try:
                profile = Profile.from_json(entry)
            except (ProfileError, TypeError) as exc:
                bad.append((entry, str(exc)))
                continue
            if _find(profiles, profile.id) is not None:
                bad.append((entry, f"a second profile has the id {profile.id}"))
                continue
            profiles.append(profile)
        return profiles, bad, {k: v for k, v in top.items() if k != "profiles"}

    def _recover(self) -> list[Profile]:
        """Under the lock (another process may be recovering too), read again and set aside
        only what cannot be used: the bad entries, or the whole file when nothing in it can
        be read."""
        with self._locked():
            try:
                profiles, bad, top = self._read()
            except _WholeFile as exc:
                moved = storage.set_aside(self.path)
                self.set_aside_notice = (f"The saved profiles file could not be used because "
                                         f"{exc}; it was kept as {moved} and a new, empty one "
                                         "was started.")
                self._top = {}
                self._save([])
                return []
            self._top = top
            if not bad:  # another process repaired it meanwhile
                return profiles
            moved = self._keep_unreadable([entry for entry, _ in bad])
            self._save(profiles)
        count = len(bad)
        entries = "entry" if count == 1 else "entries"
        kept = len(profiles)
        self.set_aside_notice = (
            f"{count} saved profile {entries} could not be read ({bad[0][1]}) and "
            f"{'was' if count == 1 else 'were'} moved to {moved}; the other {kept} "
            f"profile{'' if kept == 1 else 's'} {'is' if kept == 1 else 'are'} kept.")
        return profiles

    def _keep_unreadable(self, entries: list[Any]) -> Path:
        """Write the entries, as they were, to `profiles.json.unreadable-<time>`."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{n}")
        doc = {"kind": "sis-desktop-unreadable-profiles", "profiles": entries}
        storage.atomic_write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return target

    def get(self, name_or_id: str) -> Profile:
        """The profile with this id or (case-insensitive) name; raises ProfileNotFound."""
        profiles = self.load()
        found = _find(profiles, name_or_id)
        if found is None:
            names = ", ".join(p.name for p in profiles) or "none yet"
            raise ProfileNotFound(f"There is no profile named '{name_or_id}' (saved profiles: "
                                  f"{names}).")
        return found

    # ---- changing -----------------------------------------------------------------
    def add(self, profile: Profile) -> Profile:
        """Check and save a new profile; returns it as saved (normalised URL)."""
        profile = checked(profile)
        with self._locked():
            profiles = self.load()
            self._check_unique(profiles, profile)
            if any(p.id == profile.id for p in profiles):
                raise ProfileError(f"A profile with id {profile.id} already exists.")
            profiles.append(profile)
            self._save(profiles)
        return profile

    def update(self, profile: Profile) -> Profile:
        """Replace the profile with the same id; returns it as saved."""
        profile = checked(profile)
        with self._locked():
            profiles = self.load()
            index = next((i for i, p in enumerate(profiles) if p.id == profile.id), None)
            if index is None:
                raise ProfileNotFound(f"The profile '{profile.name}' no longer exists; add it again.")
            self._check_unique(profiles, profile)
            profiles[index] = profile
            self._save(profiles)
        return profile

    def remove(self, name_or_id: str) -> Profile:
        """Delete a profile from the file (its token is the caller's: TokenStore.delete)."""
        with self._locked():
            found = self.get(name_or_id)
            self._save([p for p in self.load() if p.id != found.id])
        return found

    def validate_new(self, profile: Profile) -> Profile:
        """What `add` would save, without saving (to check before asking for a token)."""
        profile = checked(profile)
        self._check_unique(self.load(), profile)
        return profile

    # ---- export / import (never tokens) -----------------------------------------
    def export_to(self, path: Path, names: list[str] | None = None) -> int:
        """Write the profiles (or those named) to `path` as JSON; returns how many."""
        profiles = self.load()
        if names:
            profiles = [self.get(n) for n in names]
        doc = {"kind": EXPORT_KIND, "version": FORMAT_VERSION,
               "profiles": [_without_secrets(p.to_json()) for p in profiles]}
        storage.atomic_write_text(Path(path), json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                                  mode=0o644)
        return len(profiles)

    def import_from(self, path: Path) -> tuple[list[Profile], list[str]]:
        """Add the profiles in an exported file. Returns (added, sentences on those skipped).

        A name already present is skipped, never overwritten; a clashing id gets a new one."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(f"The file {path} does not exist.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise ProfileError(f"The file {path} is not a profiles export (not readable JSON).") from None
        entries = doc.get("profiles") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise ProfileError(f"The file {path} is not a profiles export (no list of profiles).")
        added: list[Profile] = []
        skipped: list[str] = []
        for entry in entries:
            try:
                profile = Profile.from_json(_without_secrets(entry) if isinstance(entry, dict) else entry)
                existing = self.load()
                if any(p.id == profile.id for p in existing):
                    profile.id = uuid.uuid4().hex
                if _find(existing, profile.name) is not None:
                    skipped.append(f"'{profile.name}' was skipped: a profile with that name exists.")
                    continue
                added.append(self.add(profile))
            except ProfileError as exc:
                label = entry.get("name") if isinstance(entry, dict) else None
                skipped.append(f"'{label or '?'}' was skipped: {str(exc).rstrip('.')}.")
        return added, skipped

    # ---- internals ----------------------------------------------------------------
    @contextmanager
    def _locked(self):
        """Hold an exclusive lock (`<file>.lock`, owner-only) while reading, changing and
        writing the file. Re-entrant within one store and thread."""
        import filelock
        if self._lock is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock = filelock.FileLock(str(self.path.with_name(self.path.name + ".lock")),
                                           timeout=LOCK_TIMEOUT, mode=0o600)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise ProfileError("The saved profiles are being changed by another SIS Desktop "
                               "window or command; try again in a moment.") from None
        except OSError as exc:
            raise _not_saved(self.path, exc) from None
        try:
            yield
        finally:
            self._lock.release()

    def _check_unique(self, profiles: list[Profile], profile: Profile) -> None:
        for other in profiles:
            if other.id != profile.id and other.name.casefold() == profile.name.casefold():
                raise ProfileError(f"A profile named '{other.name}' already exists; choose another name.")

    def _save(self, profiles: list[Profile]) -> None:
        doc = dict(self._top)
        doc.setdefault("version", FORMAT_VERSION)
        doc["profiles"] = [p.to_json() for p in profiles]
        try:
            storage.atomic_write_text(self.path,
                                      json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:  # a full disk, a read-only folder: the old file is untouched
            raise _not_saved(self.path, exc) from None


def _not_saved(path: Path, exc: OSError) -> ProfileError:
    return ProfileError(f"The profiles could not be saved in {path.parent} "
                        f"({exc.strerror or exc}); nothing was changed. Free some disk space "
                        "or check the folder's permissions, then try again.")


def _find(profiles: list[Profile], name_or_id: str) -> Profile | None:
    key = " ".join(str(name_or_id).split()).casefold()
    return next((p for p in profiles if p.id == name_or_id or p.name.casefold() == key), None)


def _without_secrets(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop any key that looks like a credential (an export never carries one)."""
    return {k: v for k, v in obj.items()
            if not any(word in k.lower() for word in ("token", "secret", "password"))}


# ---- connecting with a profile ------------------------------------------------------------
def connection_for(name: str, *, store: ProfileStore | None = None,
                   tokens: TokenStore | None = None,
                   token_required: bool = True) -> tuple[str, str, str | None]:
    """(url, account_id, token) for a saved profile. Raises ProfileError (a ValueError; the
    CLI shows it as a usage error, exit 2) when the profile is missing or has no token.
    With `token_required=False` (CANVAS_API_TOKEN is set) a missing token is None instead."""
    profile = (store or ProfileStore()).get(name)
    tokens = tokens or TokenStore()
    try:
        token = tokens.get(profile.id)
    except KeyringUnavailable as exc:
        if not token_required:
            return profile.url, profile.account_id, None
        raise ProfileError(str(exc)) from None
    if not token and not token_required:
        return profile.url, profile.account_id, None
    if not token:
        where = "" if tokens.available() else f" {tokens.describe()}"
        raise ProfileError(f"The profile '{profile.name}' has no saved token; add it again with "
                           f"'profiles add' or set CANVAS_API_TOKEN.{where}")
    return profile.url, profile.account_id, token


def client_for(profile: Profile, token: str):
    """A CanvasClient for the profile (its CA bundle included)."""
    from sis_desktop.core.canvas.client import CanvasClient
    return CanvasClient(profile.url, token, profile.account_id, ca_bundle=profile.ca_bundle)


def test_connection(client) -> list[str]:
    """Check the token, that the account is a root account and that SIS imports are
    allowed. One sentence per failure; an empty list means all is well."""
    failures: list[str] = []
    try:
        client.check_user()
    except errors.CanvasError as exc:
        return [str(exc)]  # a refused token or an unreachable host: nothing else can be checked
    root = True
    try:
        account = client.get_account()
        if not account.is_root:
            root = False
            failures.append(f"Account {account.id} ({account.name}) is a sub-account; SIS imports "
                            f"run on the root account (id {account.root_account_id}).")
    except errors.CanvasError as exc:
        return failures + [str(exc)]
    try:
        next(iter(client.list_imports(limit=1)), None)
    except errors.NotRootAccount:
        if root:
            failures.append("Canvas says this is not a root account; SIS imports run on the root account.")
    except errors.PermissionDenied:
        failures.append("This token's user may not run SIS imports on this account; it needs the "
                        "'Import SIS data' permission.")
    except errors.CanvasError as exc:
        failures.append(str(exc))
    return failures


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
