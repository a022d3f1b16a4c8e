"""One import from files to its end, for every front end: prepare → upload → follow → record.

No Qt here. The CLI calls these steps in order; the GUI runs each step in a Task.

- `Target` is where an import lives: the Canvas address, the account, the profile (by id)
  and a factory for a client of that Canvas. It is fixed when the import is created and
  travels with it: every later action (follow, abort, restore, status) uses the import's
  own target, never "the profile selected now".
- `ImportJob` carries one upload: its target, files (name, size, sha256), options, the
  pre-flight report, the `SisImport` as last seen and whether history has its row.
- `HistoryRecorder` writes the local history best-effort: once Canvas has accepted an
  upload, a history that cannot be opened or written costs one warning sentence, never the
  outcome, never an exception.
"""
from __future__ import annotations

import logging
import threading
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sis_desktop.core.canvas.errors import AmbiguousUpload
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.options import ImportOptions

log = logging.getLogger(__name__)

ClientFactory = Callable[[], Any]
Warn = Callable[[str], None]

#: Terminal states that mean the import did not do its work.
FAILED_STATES = (WorkflowState.FAILED, WorkflowState.FAILED_WITH_MESSAGES, WorkflowState.ABORTED)


class PrepareError(ValueError):
    """A file cannot be sent as it is; `str()` is one sentence for the user."""


@dataclass(frozen=True)
class Target:
    """Where an import lives. Equal targets are the same Canvas account (the factory and
    the profile's display name do not count)."""
    url: str
    account_id: str
    profile_id: str | None = None
    profile_name: str | None = field(default=None, compare=False)
    client_factory: ClientFactory | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        from sis_desktop.core.history import url_key
        object.__setattr__(self, "url", url_key(self.url))
        object.__setattr__(self, "account_id", str(self.account_id).strip())

    @property
    def key(self) -> tuple[str, str]:
        return (self.url, self.account_id)

    def client(self) -> Any:
        if self.client_factory is None:
            raise PrepareError(f"There is no connection to {self.describe()}; open its "
                               "profile again and retry.")
        return self.client_factory()

    def describe(self) -> str:
        """'account 1 at https://school.instructure.com' (the profile's name when known)."""
        where = f"account {self.account_id} at {self.url}"
        return f"{self.profile_name} ({where})" if self.profile_name else where



@dataclass
class FileFacts:
    """One file of an upload as history records it."""
    path: Path
    size: int
    sha256: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass
class SafetyFindings:
    """What is worth a question before sending: imports Canvas is running or has queued
    for this account, and recent imports of this app that held the same files."""
    running: list[SisImport] = field(default_factory=list)
    duplicates: list[Any] = field(default_factory=list)  # history.HistoryEntry

    def worries(self) -> list[str]:
        out = []
        if self.running:
            listed = ", ".join(f"{si.id} ({si.workflow_state.label.lower()})"
                               for si in self.running[:5])
            out.append(f"Canvas is already working on imports for this account: {listed}. "
                       "Yours will wait until they finish.")
        if self.duplicates:
            from sis_desktop.core.history import duplicate_warning
            out.append(duplicate_warning(self.duplicates, ask=False) + ".")
        return out


def check_files(raw_paths: Sequence[str | Path]) -> list[FileFacts]:
    """The files of an upload with their sizes; PrepareError for anything Canvas cannot take."""
    paths = [Path(p) for p in raw_paths]
    if not paths:
        raise PrepareError("Choose the files to upload.")
    facts = []
    from sis_desktop.core.files import file_problem, shown
    for path in paths:
        problem = file_problem(path)  # missing, a folder, a FIFO, a symlink loop, too long …
        if problem:
            raise PrepareError(problem)
        if path.suffix.lower() not in (".csv", ".zip"):
            raise PrepareError(f"'{shown(path)}' is neither a .csv nor a .zip file; Canvas only "
                               "imports those.")
        try:
            facts.append(FileFacts(path, path.stat().st_size))
        except OSError as exc:
            raise PrepareError(f"Could not read '{path}' ({exc.strerror or exc}).") from None
    if len(paths) > 1 and any(p.suffix.lower() == ".zip" for p in paths):
        raise PrepareError("A zip file must be sent on its own; several files can be sent "
                           "together only when they are all CSV files.")
    return facts


class HistoryRecorder:
    """Best-effort writes to the local history for one front end.

    Every failure (the database locked by another process for too long, a read-only or
    full disk, a damaged or newer file) becomes one sentence passed to `on_warning` — once:
    after the first failure the recorder stops trying, so a cron job's output gets one line.
    Nothing here raises."""

    def __init__(self, on_warning: Warn | None = None, history: Any = None):
        self.on_warning = on_warning
        self._history = history
        self._lock = threading.Lock()
        self.broken: str | None = None
        self.notices: list[str] = []  # e.g. "the history was set aside" (said once)

    def _open(self) -> Any:
        if self._history is None:
            from sis_desktop.core.history import History
            self._history = History()
            notice = getattr(self._history, "notice", None)  # set aside, or newer: read-only
            if notice:
                self.notices.append(notice)
                self._warn(notice)
        return self._history

    def open_history(self) -> Any:
        """The history this recorder writes to (opened once; its notice said once)."""
        with self._lock:
            return self._open()

    def _warn(self, sentence: str) -> None:
        if self.on_warning is not None:
            try:
                self.on_warning(sentence)
            except Exception:  # noqa: BLE001 - a warning must never become the outcome
                log.exception("history warning could not be shown")

    def _write(self, method: str, *args: Any, **kw: Any) -> bool:
        with self._lock:
            if self.broken is not None:
                return False
            try:
                return bool(getattr(self._open(), method)(*args, **kw))
            except Exception as exc:  # noqa: BLE001 - HistoryError, sqlite3/OS errors, anything
                reason = str(exc) or type(exc).__name__
                self.broken = reason
                log.warning("history not written (%s): %s", method, reason)
                self._warn(f"The local history could not be updated ({reason.rstrip('.')}); "
                           "the import itself is not affected.")
                return False

    def created(self, target: Target, sis_import: SisImport, files: Iterable[FileFacts],
                options: ImportOptions | dict[str, Any]) -> bool:
        opts = options.to_dict() if hasattr(options, "to_dict") else dict(options or {})
        return self._write("record_created", profile=target.profile_name,
                           profile_id=target.profile_id, url=target.url,
                           account_id=target.account_id, sis_import=sis_import,
                           files=[f.to_json() for f in files], options=opts)

    def update(self, target: Target, sis_import: SisImport) -> bool:
        return self._write("update", target.url, target.account_id, sis_import)


class ImportJob:
    """One upload and its import, from the files to Canvas's last word."""

    def __init__(self, target: Target, paths: Sequence[str | Path], options: ImportOptions,
                 *, raw: bool = False, recorder: HistoryRecorder | None = None,
                 files: list[FileFacts] | None = None, checksum: bool = True):
        self.target = target
        # False: the upload takes no sha256 (`import --no-validate`, where nothing else read
        # the files either): history then has no checksum for it (see README)
        self.checksum = checksum
        self.options = options
        self.raw = raw
        self.files = files if files is not None else check_files(paths)
        self.recorder = recorder or HistoryRecorder()
        self.report: Any = None            # sis_csv.Report when validated
        self.sis_import: SisImport | None = None
        self.ambiguous: str | None = None  # the sentence when Canvas's list settled a lost answer
        self.recorded = False

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def import_id(self) -> int | None:
        return self.sis_import.id if self.sis_import is not None else None

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    # ---- prepare -------------------------------------------------------------------------
    def validate(self, *, cancelled: threading.Event | None = None,
                 on_progress: Callable[..., None] | None = None) -> Any:
        """The pre-flight report; the files' sha256 are taken from it when the validator
        computed them in its pass over the bytes."""
        from sis_desktop.core.sis_csv import validate_paths
        kw: dict[str, Any] = {}
        if cancelled is not None:
            kw["cancelled"] = cancelled
        if on_progress is not None:
            kw["on_progress"] = on_progress
        self.report = validate_paths([str(p) for p in self.paths], **kw)
        self._take_hashes(getattr(self.report, "sha256s", None))  # taken in its pass
        return self.report

    def take_report(self, report: Any) -> None:
        """Use a pre-flight report made elsewhere (the GUI validates as files are dropped):
        it is kept, and the hashes its pass took are used."""
        self.report = report
        self._take_hashes(getattr(report, "sha256s", None))

    def _take_hashes(self, hashes: Any) -> None:
        """`hashes`: {path or name: sha256} from a pass that read the bytes."""
        if not hashes:
            return
        for f in self.files:
            value = hashes.get(str(f.path)) or hashes.get(f.name)
            if value:
                f.sha256 = value


    def safety_check(self, *, duplicates_only: bool = False) -> SafetyFindings:
        """Canvas's running and queued imports for the account, and recent imports of the
        same files (only when the hashes are already known: no extra pass over the bytes)."""
        findings = SafetyFindings()
        if not duplicates_only:
            with closing(self.target.client()) as client:
                running = list(client.importing())
                seen = {si.id for si in running}
                running += [si for si in client.list_imports(states=["created"], limit=5)
                            if si.id not in seen]
            findings.running = running
        hashes = [f.sha256 for f in self.files]
        if all(hashes):
            try:
                # the recorder's history: a set-aside on opening is said, not silent
                findings.duplicates = self.recorder.open_history().find_duplicates(
                    self.target.url, self.target.account_id, hashes)
            except Exception as exc:  # noqa: BLE001 - the guard is a courtesy, not a gate
                log.warning("duplicate check skipped: %s", exc)
        return findings

    # ---- upload ----------------------------------------------------------------------------
    def upload(self, *, on_progress: Callable[[int, int], None] | None = None,
               cancelled: threading.Event | None = None) -> SisImport:
        """Send the files once and record the import the moment Canvas names it.

        AmbiguousUpload is raised only when Canvas's list could not settle a lost answer;
        when it could, the import found is returned and `ambiguous` says how it was found."""
        with closing(self.target.client()) as client:
            try:
                sis_import = client.create_import(self.paths, self.options, raw=self.raw,
                                                  on_progress=on_progress, cancelled=cancelled,
                                                  checksum=self.checksum)
            except AmbiguousUpload as exc:
                if exc.found is None:
                    raise
                self.ambiguous = str(exc)
                sis_import = exc.found
            # the body's own pass over the bytes hashed them (no second read)
            self._take_hashes(getattr(client, "last_upload_sha256s", None))
        self.sis_import = sis_import
        self.record_created()
        return sis_import

    # ---- follow ----------------------------------------------------------------------------
    def follow(self, *, on_update: Callable[[SisImport], None] | None = None,
               cancelled: threading.Event | None = None, **poll_kw: Any) -> SisImport:
        """Poll the import to a terminal state, recording each change; returns the last one."""
        if self.sis_import is None:
            raise PrepareError("There is no import to follow yet.")
        final = follow_import(self.target, self.sis_import.id, recorder=self.recorder,
                              on_update=self._seen_then(on_update), cancelled=cancelled,
                              **poll_kw)
        self.sis_import = final
        return final

    def _seen_then(self, on_update: Callable[[SisImport], None] | None
                   ) -> Callable[[SisImport], None]:
        def seen(sis_import: SisImport) -> None:
            self.sis_import = sis_import
            if on_update is not None:
                on_update(sis_import)
        return seen

    # ---- record ----------------------------------------------------------------------------
    def record_created(self) -> bool:
        if self.sis_import is None:
            return False
        self.recorded = self.recorder.created(self.target, self.sis_import, self.files,
                                              self.options)
        return self.recorded



def target_for_entry(entry: Any, profiles: Sequence[Any],
                     token_for: Callable[[str], str | None]) -> Target | str:
    """The Target of a history row: the row's *own* address and account, with the token of
    the profile it was sent with — or a sentence saying why it cannot be followed.

    The profile is found by id (by name only for rows written before ids were kept), and
    only if it still points at the same Canvas and account: a profile whose address was
    changed (test → production) is never used to follow the old row."""
    from sis_desktop.core.history import url_key
    what = f"Import {entry.import_id} on {entry.url} (account {entry.account_id})"
    profile_id = getattr(entry, "profile_id", None)
    if profile_id:
        matches = [p for p in profiles if p.id == profile_id]
    else:
        matches = [p for p in profiles if entry.profile and p.name == entry.profile]
    if not matches:
        sent = f"profile '{entry.profile}'" if entry.profile else "no saved profile"
        return (f"{what} is not followed: it was sent with {sent}, which no longer exists; "
                "check it in Canvas or with a profile for that account.")
    profile = matches[0]
    if url_key(profile.url) != entry.url or str(profile.account_id).strip() != str(entry.account_id):
        return (f"{what} is not followed: profile '{profile.name}' now points at account "
                f"{profile.account_id} at {url_key(profile.url)}, not where the import was sent.")
    try:
        token = token_for(profile.id)
    except Exception as exc:  # noqa: BLE001 - e.g. KeyringUnavailable: a sentence, not a crash
        return f"{what} is not followed: {exc}"
    if not token:
        return (f"{what} is not followed: profile '{profile.name}' has no saved token; save "
                "one in the profile.")

    def factory(profile: Any = profile, token: str = token) -> Any:
        from sis_desktop.core.profiles import client_for
        return client_for(profile, token)
    return Target(entry.url, str(entry.account_id), profile.id, profile.name, factory)


def follow_import(target: Target, import_id: int | str, *,
                  recorder: HistoryRecorder | None = None,
                  on_update: Callable[[SisImport], None] | None = None,
                  cancelled: threading.Event | None = None, **poll_kw: Any) -> SisImport:
    """Poll one import on its own Canvas until it ends, recording every change of state or
    progress best-effort (a history failure never stops following)."""
    last: list[tuple[Any, ...] | None] = [None]

    def seen(sis_import: SisImport) -> None:
        key = (sis_import.workflow_state, sis_import.progress, sis_import.updated_at)
        if recorder is not None and (key != last[0] or sis_import.is_terminal):
            last[0] = key
            recorder.update(target, sis_import)
        if on_update is not None:
            on_update(sis_import)

    with closing(target.client()) as client:
        return client.poll(import_id, on_update=seen, cancelled=cancelled, **poll_kw)


def abort_import(target: Target, import_id: int | str,
                 recorder: HistoryRecorder | None = None) -> SisImport:
    """Ask the import's own Canvas to abort it; the answer is recorded best-effort."""
    return _ask(target, lambda client: client.abort(import_id), recorder)


def check_import(target: Target, import_id: int | str,
                 recorder: HistoryRecorder | None = None) -> SisImport:
    """One look at an import on its own Canvas, recorded best-effort."""
    return _ask(target, lambda client: client.get_import(import_id), recorder)


def _ask(target: Target, call: Callable[[Any], SisImport],
         recorder: HistoryRecorder | None) -> SisImport:
    with closing(target.client()) as client:
        sis_import = call(client)
    if recorder is not None:
        recorder.update(target, sis_import)
    return sis_import
