"""The local record of every import this app sent (sqlite3, WAL), and resuming unfinished ones.

One row per import Canvas accepted: the profile, Canvas address, account, import id, the
files with their sha256, the options sent, and the last state seen while polling. Never a
token. Every call opens its own short connection, so any thread (and any number of app
instances) may use a `History`; writes are `BEGIN IMMEDIATE` transactions that wait up to
`BUSY_TIMEOUT` seconds for another writer.

A status check of an import this app did not send does not create a row: `update()` only
changes rows that `record_created()` made.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sis_desktop.core import paths
from sis_desktop.core.canvas.errors import CanvasError, Cancelled, InsecureURL
from sis_desktop.core.canvas.models import SisImport, WorkflowState, parse_time
from sis_desktop.core.canvas.urls import normalize_base_url
from sis_desktop.core.storage import set_aside
from sis_desktop.core.times import to_utc

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite3"
BUSY_TIMEOUT = 15.0  # seconds a writer waits for another instance before giving up
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    profile         TEXT,
    url             TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    import_id       INTEGER NOT NULL,
    files           TEXT NOT NULL DEFAULT '[]',
    options         TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    workflow_state  TEXT,
    progress        INTEGER NOT NULL DEFAULT 0,
    counts          TEXT NOT NULL DEFAULT '{}',
    warning_count   INTEGER NOT NULL DEFAULT 0,
    error_count     INTEGER NOT NULL DEFAULT 0,
    ended_at        TEXT,
    canvas_updated_at TEXT,
    UNIQUE (url, account_id, import_id)
);
CREATE INDEX IF NOT EXISTS imports_created ON imports (created_at);
"""
# Steps from one schema version to the next (the table above is version 1).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    # The profile an import was sent with, by id: a renamed profile keeps its imports, and
    # a profile that now points at another Canvas is never used to follow them.
    2: ("ALTER TABLE imports ADD COLUMN profile_id TEXT",),
}

_TERMINAL_VALUES = tuple(s.value for s in WorkflowState if s.is_terminal)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(value: datetime | None) -> str | None:
    """One sortable text form for every time stored: UTC, seconds, `+00:00`."""
    if value is None:
        return None
    return to_utc(value).isoformat(timespec="seconds")


def url_key(url: str) -> str:
    """The Canvas address as history stores and compares it (`/api/v1` and `/` stripped)."""
    try:
        return normalize_base_url(url)
    except InsecureURL:
        return (url or "").strip().rstrip("/")


def _account_key(account_id: int | str) -> str:
    return str(account_id).strip()


def _account_value(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL. Two openers switching at once deadlock in SQLite, which then
    fails one of them at once ("database is locked") without waiting: try again, as long as
    a busy write would be waited for."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class HistoryError(Exception):
    """The history could not be opened or written; the text is one sentence for people."""


class _Newer(Exception):
    """The file was written by a newer version (its user_version is higher than ours)."""

    def __init__(self, version: int):
        super().__init__(version)
        self.version = version


@dataclass
class HistoryEntry:
    """One import this app sent, as last seen."""
    id: int
    profile: str | None  # the profile's name when it was sent (for people)
    url: str
    account_id: int | str
    import_id: int
    files: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    workflow_state: WorkflowState = WorkflowState.CREATED
    progress: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    warning_count: int = 0
    error_count: int = 0
    ended_at: datetime | None = None
    profile_id: str | None = None  # the profile it was sent with (None: older rows, CLI --url)

    @property
    def is_terminal(self) -> bool:
        return self.workflow_state.is_terminal

    @property
    def sha256s(self) -> set[str]:
        return {f["sha256"] for f in self.files if f.get("sha256")}

    @property
    def file_names(self) -> list[str]:
        return [Path(str(f.get("name") or "")).name for f in self.files]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "profile": self.profile, "url": self.url,
            "account_id": self.account_id, "import_id": self.import_id,
            "files": self.files, "options": self.options,
            "created_at": _stamp(self.created_at), "workflow_state": self.workflow_state.value,
            "progress": self.progress, "counts": self.counts,
            "warning_count": self.warning_count, "error_count": self.error_count,
            "ended_at": _stamp(self.ended_at), "profile_id": self.profile_id,
        }

    @classmethod
    def _from_row(cls, row: sqlite3.Row) -> "HistoryEntry":
        return cls(
            id=row["id"], profile=row["profile"], url=row["url"],
            account_id=_account_value(row["account_id"]), import_id=row["import_id"],
            files=json.loads(row["files"]), options=json.loads(row["options"]),
            created_at=parse_time(row["created_at"]),
            workflow_state=WorkflowState.parse(row["workflow_state"]),
            progress=row["progress"], counts=json.loads(row["counts"]),
            warning_count=row["warning_count"], error_count=row["error_count"],
            ended_at=parse_time(row["ended_at"]), profile_id=row["profile_id"],
        )


class History:
    """The history database. `set_aside_notice` is a sentence when a corrupt file was moved
    aside on opening (a fresh, empty history took its place), else None.

    A history written by a newer version (a higher `user_version`) is never moved or
    changed: it is opened read-only (`read_only`, and `read_only_notice` says so); writes
    then raise HistoryError. The file, its WAL/SHM files, its set-aside copies and the
    folder are kept owner-only (0600/0700)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else paths.data_dir() / FILE_NAME
        self.set_aside_notice: str | None = None
        self.read_only = False
        self.read_only_notice: str | None = None
        self._open()

    @property
    def notice(self) -> str | None:
        """What to tell the user about this history on opening (set aside, or read-only)."""
        return self.set_aside_notice or self.read_only_notice

    # ---- opening ---------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True,
                                   timeout=BUSY_TIMEOUT, isolation_level=None)
        else:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        if not self.read_only:
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _open(self) -> None:
        try:
            _make_private(self.path, is_data_dir=self.path.parent == paths.data_dir())
        except OSError as exc:
            raise HistoryError(f"The import history at {self.path} could not be opened "
                               f"({exc.strerror or exc}); check the folder's permissions, then "
                               "try again.") from None
        try:
            self._init_schema()
        except _Newer as newer:
            self.read_only = True
            self.read_only_notice = (
                f"The import history was written by a newer version of SIS Desktop (schema "
                f"{newer.version}), so this version only reads it and records nothing new in "
                "it; use the newer version to keep it up to date.")
            log.warning("history is newer (schema %s): opened read-only", newer.version)
        except sqlite3.OperationalError as exc:  # locked too long, unreadable folder, …
            raise HistoryError(f"The import history at {self.path} could not be opened ({exc}); "
                               "close other copies of the app or check the folder's "
                               "permissions, then try again.") from None
        except sqlite3.DatabaseError as exc:  # not a database, or damaged
            moved = self._set_aside()
            self.set_aside_notice = (
                f"The import history could not be read ({exc}), so it was moved to {moved} "
                "and a new, empty history was started.")
            log.warning("history set aside: %s", exc)
            self._init_schema()

    def _init_schema(self) -> None:
        with closing(self._connect()) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # before anything that could write or move it
                raise _Newer(version)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check said: {check}")
            _use_wal(conn)
            if version < SCHEMA_VERSION:
                with _write(conn):
                    # read again under the write lock: another process or thread may have
                    # brought the file up to date since (its ALTER must not run twice)
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                    if version >= SCHEMA_VERSION:
                        return
                    if version < 1:
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                conn.execute(statement)
                    for number in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
                        for statement in _MIGRATIONS[number]:
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _set_aside(self) -> Path:
        moved = set_aside(self.path)
        for suffix in ("-wal", "-shm"):
            extra = self.path.with_name(self.path.name + suffix)
            if extra.exists():
                extra.replace(moved.with_name(moved.name + suffix))
        return moved

    # ---- writing ---------------------------------------------------------------------
    def record_created(self, *, profile: str | None, url: str, account_id: int | str,
                       sis_import: SisImport, files: Iterable[dict[str, Any]],
                       options: Any, profile_id: str | None = None) -> bool:
        """Remember an import Canvas just accepted. `files`: dicts with name, size, sha256;
        `options`: an `ImportOptions` or its dict. Recording the same import twice keeps one
        row (the first one's files and options)."""
        opts = options.to_dict() if hasattr(options, "to_dict") else dict(options or {})
        file_list = [{"name": str(f.get("name") or ""), "size": f.get("size"),
                      "sha256": f.get("sha256")} for f in files]
        created = _stamp(sis_import.created_at or _now())
        self._check_writable(sis_import)
        with closing(self._connect()) as conn, _write(conn):
            conn.execute(
                "INSERT OR IGNORE INTO imports (profile, profile_id, url, account_id, import_id, "
                "files, options, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (profile, profile_id, url_key(url), _account_key(account_id), int(sis_import.id),
                 json.dumps(file_list), json.dumps(opts, default=str), created))
            self._apply(conn, url, account_id, sis_import)
        return True

    def update(self, url: str, account_id: int | str, sis_import: SisImport) -> bool:
        """Store the latest state of an import this app sent; True when a row changed.

        An import without a row here (sent elsewhere) is left alone. A snapshot older than
        the one stored (Canvas's `updated_at`) does not overwrite it, so two instances
        polling the same import cannot move it backwards."""
        self._check_writable(sis_import)
        with closing(self._connect()) as conn, _write(conn):
            return self._apply(conn, url, account_id, sis_import)

    def _check_writable(self, sis_import: SisImport) -> None:
        if self.read_only:
            raise HistoryError(f"Import {sis_import.id} was not recorded in the local history: "
                               "it was written by a newer version of SIS Desktop, which this "
                               "version does not change.")

    @staticmethod
    def _apply(conn: sqlite3.Connection, url: str, account_id: int | str,
               sis_import: SisImport) -> bool:
        updated = _stamp(sis_import.updated_at)
        cur = conn.execute(
            "UPDATE imports SET workflow_state = ?, progress = ?, counts = ?, warning_count = ?, "
            "error_count = ?, ended_at = ?, canvas_updated_at = COALESCE(?, canvas_updated_at) "
            "WHERE url = ? AND account_id = ? AND import_id = ? "
            "AND (? IS NULL OR canvas_updated_at IS NULL OR canvas_updated_at <= ?)",
            (sis_import.workflow_state.value, int(sis_import.progress),
             json.dumps(sis_import.counts), sis_import.warning_count, sis_import.error_count,
             _stamp(sis_import.ended_at), updated, url_key(url), _account_key(account_id),
             int(sis_import.id), updated, updated))
        return cur.rowcount > 0

    # ---- reading ---------------------------------------------------------------------
    def _select(self, where: str = "", params: tuple = (), limit: int | None = None
                ) -> list[HistoryEntry]:
        sql = "SELECT * FROM imports" + (f" WHERE {where}" if where else "")
        sql += " ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {max(0, int(limit))}"
        try:
            with closing(self._connect()) as conn:
                return [HistoryEntry._from_row(r) for r in conn.execute(sql, params)]
        except (sqlite3.Error, KeyError, IndexError, ValueError) as exc:
            if not self.read_only:
                raise
            raise HistoryError("The import history was written by a newer version of SIS "
                               f"Desktop in a form this version cannot read ({exc}).") from None

    def get(self, url: str, account_id: int | str, import_id: int) -> HistoryEntry | None:
        found = self._select("url = ? AND account_id = ? AND import_id = ?",
                             (url_key(url), _account_key(account_id), int(import_id)))
        return found[0] if found else None

    def recent(self, profile: str | None = None, limit: int | None = 50, *,
               url: str | None = None, account_id: int | str | None = None
               ) -> list[HistoryEntry]:
        """Newest first; optionally only one profile, or one Canvas address and account."""
        clauses, params = [], []
        if profile is not None:
            clauses.append("profile = ?")
            params.append(profile)
        if url is not None:
            clauses.append("url = ?")
            params.append(url_key(url))
        if account_id is not None:
            clauses.append("account_id = ?")
            params.append(_account_key(account_id))
        return self._select(" AND ".join(clauses), tuple(params), limit)

    def unfinished(self) -> list[HistoryEntry]:
        """Imports whose last known state is not terminal, oldest first (Canvas runs the
        imports of one account in that order)."""
        marks = ",".join("?" * len(_TERMINAL_VALUES))
        found = self._select(f"workflow_state IS NULL OR workflow_state NOT IN ({marks})",
                             _TERMINAL_VALUES)
        return list(reversed(found))

    def find_duplicates(self, url: str, account_id: int | str, sha256s: Iterable[str],
                        within_hours: float = 24) -> list[HistoryEntry]:
        """Imports sent to this account in the last `within_hours` that held every one of
        these files (same sha256), newest first. Empty when `sha256s` is empty."""
        wanted = {s for s in sha256s if s}
        if not wanted:
            return []
        since = _stamp(_now() - timedelta(hours=within_hours))
        candidates = self._select("url = ? AND account_id = ? AND created_at >= ?",
                                  (url_key(url), _account_key(account_id), since))
        return [e for e in candidates if wanted <= e.sha256s]


def _make_private(db: Path, *, is_data_dir: bool) -> None:
    """Create the history's folder owner-only, and make the database, its WAL/SHM files
    and its set-aside copies owner-only (SQLite gives WAL/SHM the database's mode)."""
    folder = db.parent
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "nt":
        return  # the profile folder is private already; chmod only sets read-only there
    if created or is_data_dir:
        _chmod_own(folder, 0o700)
    if not db.exists():
        os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in [db, *folder.glob(db.name + "-*"), *folder.glob(db.name + ".corrupt-*")]:
        _chmod_own(path, 0o600)


def _chmod_own(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and not path.is_symlink() and info.st_mode & 0o777 != mode:
        os.chmod(path, mode)


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: taken at once (IMMEDIATE), committed whole or not at all."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise HistoryError(f"The import history is busy or cannot be written ({exc}); "
                           "try again in a moment.") from None
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---- sentences --------------------------------------------------------------------------

def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 hours ago', '3 days ago'."""
    if when is None:
        return "at an unknown time"
    seconds = max(0.0, ((now or _now()) - when).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def state_words(state: WorkflowState) -> str:
    label = state.label
    return label[:1].lower() + label[1:]


def duplicate_warning(entries: list[HistoryEntry], now: datetime | None = None, *,
                      ask: bool = True) -> str:
    """The question to ask before sending files that `find_duplicates` found again (with
    `ask=False`, the statement alone, for callers that ask in their own words)."""
    if not entries:
        return ""
    latest = max(entries, key=lambda e: e.created_at or datetime.min.replace(tzinfo=timezone.utc))
    text = (f"These files were sent to this account {ago(latest.created_at, now)} "
            f"(import {latest.import_id}, {state_words(latest.workflow_state)})")
    others = [e.import_id for e in entries if e is not latest]
    if others:
        times = "time" if len(others) == 1 else "times"
        text += (f" and {len(others)} more {times} before that "
                 f"(import{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})")
    return text + (". Send them again?" if ask else "")


# ---- resuming -------------------------------------------------------------------------

def check_unfinished(history: History, client_for_entry: Callable[[HistoryEntry], Any],
                     on_update: Callable[[HistoryEntry, SisImport], None] | None = None,
                     cancelled: threading.Event | None = None
                     ) -> tuple[list[tuple[HistoryEntry, Any]], list[str]]:
    """Look once at every import the history left unfinished, oldest first, and store what
    Canvas says. Returns the entries still running (with their clients) and one sentence
    per import that could not be checked.

    `client_for_entry(entry)` gives a CanvasClient for the entry's *own* Canvas and account,
    or a sentence (or None) when it cannot: that entry is skipped with the sentence."""
    problems: list[str] = []
    clients: dict[tuple, Any] = {}
    running: list[tuple[HistoryEntry, Any]] = []
    for entry in history.unfinished():
        if cancelled is not None and cancelled.is_set():
            break
        key = (entry.profile_id, entry.profile, entry.url, str(entry.account_id))
        if key not in clients:
            clients[key] = client_for_entry(entry)
        client = clients[key]
        if client is None or isinstance(client, str):
            problems.append(client or
                            f"Import {entry.import_id} on {entry.url} was not checked: there "
                            f"is no saved token for profile {entry.profile or '(none)'}.")
            continue
        try:
            sis = client.get_import(entry.import_id)
        except CanvasError as exc:
            problems.append(f"Import {entry.import_id} on {entry.url} could not be checked: {exc}")
            continue
        _seen(history, entry, sis, on_update)
        if not sis.is_terminal:
            running.append((entry, client))
    return running, problems


def _seen(history: History, entry: HistoryEntry, sis: SisImport,
          on_update: Callable[[HistoryEntry, SisImport], None] | None) -> None:
    try:
        history.update(entry.url, entry.account_id, sis)
    except HistoryError as exc:  # following matters more than the record
        log.warning("history not updated for import %s: %s", entry.import_id, exc)
    if on_update is not None:
        on_update(entry, sis)


def resume_unfinished(history: History,
                      client_for_entry: Callable[[HistoryEntry], Any],
                      on_update: Callable[[HistoryEntry, SisImport], None] | None = None,
                      cancelled: threading.Event | None = None) -> list[str]:
    """Follow every import the history left unfinished until it ends, updating the history.

    Every import is first checked once (`check_unfinished`: all rows fresh at once, each on
    its own Canvas), then the ones still running are followed, oldest first. Returns one
    sentence per import that could not be followed; stops quietly when `cancelled` is set."""
    running, problems = check_unfinished(history, client_for_entry, on_update, cancelled)
    for entry, client in running:
        if cancelled is not None and cancelled.is_set():
            return problems
        try:
            final = client.poll(entry.import_id,
                                on_update=lambda sis, e=entry: _seen(history, e, sis, on_update),
                                cancelled=cancelled)
        except Cancelled:
            return problems
        except CanvasError as exc:
            if cancelled is not None and cancelled.is_set():
                return problems
            problems.append(f"Import {entry.import_id} on {entry.url} could not be followed: {exc}")
            continue
        _seen(history, entry, final, on_update)
    return problems
