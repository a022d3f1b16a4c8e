"""The Account Reports API for `sis_export_csv` / `provisioning_csv` (reports reference §1–2).

    fetched = fetch_report(client, "provisioning_csv", {"courses": "true", ...},
                           cache_dir=..., max_age=timedelta(minutes=60),
                           on_stage=lambda stage, report: ..., cancelled=event)
    with open_report_files(fetched.path) as files:   # {"courses": reader, ...}
        ...

Start a report with only the parameters asked for, poll it with the import back-off,
stream the finished file to disk (following the file-store redirect by hand: the
Authorization header never goes to another host), and read it as CSV or zip. A finished
report of the same kind and parameters younger than `max_age` is reused, from the local
cache or from Canvas's list of runs.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urljoin, urlsplit

from .errors import (BadRequest, CanvasError, CanvasServerError, Cancelled, InsecureURL,
                     NetworkError, NotFound, PermissionDenied, RateLimited)
from .http import Retry, json_body, stream_to_file
from .models import parse_time
from .polling import MAX_POLL_FAILURES, PollSchedule
from .urls import is_loopback, same_origin

REPORT_KINDS = ("sis_export_csv", "provisioning_csv")
RUNNING = ("created", "running", "compiling")
FAILED = ("error", "aborted", "deleted")
DEFAULT_MAX_AGE = timedelta(minutes=60)
MAX_REDIRECTS = 5
BLOCK = 1 << 20
# zip entry order Canvas uses (§2.2); also the files this module knows
FILE_ORDER = ("users", "accounts", "terms", "courses", "sections", "enrollments", "groups",
              "group_membership", "group_categories", "xlist", "user_observers", "admins")
# stages reported through on_stage
QUEUED, RUNNING_STAGE, DOWNLOADING, REUSED = "queued", "running", "downloading", "reused"

StageCallback = Callable[[str, "AccountReport | None"], None]
BytesCallback = Callable[[int, int], None]


class ReportFailed(CanvasError):
    """The report ended in error or was aborted; `str()` says so in a sentence."""


@dataclass
class AccountReport:
    """One report run as Canvas shows it (tolerant of missing and unknown keys)."""
    id: int
    report: str
    status: str
    progress: int = 0
    current_line: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    file_url: str | None = None
    attachment: dict[str, Any] | None = None
    message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "AccountReport":
        if not isinstance(d, Mapping) or "id" not in d:
            raise CanvasServerError("Canvas's answer is not a report; is this address really Canvas?")
        params = d.get("parameters") if isinstance(d.get("parameters"), dict) else {}
        attachment = d.get("attachment") if isinstance(d.get("attachment"), dict) else None
        return cls(id=int(d["id"]), report=str(d.get("report") or ""),
                   status=str(d.get("status") or "created"),
                   progress=int(d.get("progress") or 0), current_line=d.get("current_line"),
                   parameters=params, created_at=parse_time(d.get("created_at")),
                   started_at=parse_time(d.get("started_at")), ended_at=parse_time(d.get("ended_at")),
                   file_url=d.get("file_url"), attachment=attachment, message=d.get("message"),
                   raw=dict(d))

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_complete(self) -> bool:
        return self.status == "complete" and bool(self.attachment or self.file_url)

    @property
    def finished_at(self) -> datetime | None:
        return self.ended_at or self.created_at

    def age(self, now: datetime | None = None) -> timedelta | None:
        when = self.finished_at
        if when is None:
            return None
        return max(timedelta(0), (now or datetime.now(timezone.utc)) - when)

    def matches(self, params: Mapping[str, str]) -> bool:
        """Same parameters as asked (Canvas adds `locale`/`extra_text`; those are ignored)."""
        mine = {k: str(v) for k, v in self.parameters.items() if k not in ("locale", "extra_text")}
        return mine == {k: str(v) for k, v in params.items()}


@dataclass
class FetchedReport:
    """A finished report on disk: where, which run, and how it was obtained."""
    path: Path
    report: AccountReport
    source: str  # "new", "canvas" (an earlier run found in Canvas's list) or "cache"

    @property
    def age_seconds(self) -> int:
        age = self.report.age()
        return int(age.total_seconds()) if age is not None else 0


# ---- API calls ------------------------------------------------------------------------------
def _path(client, kind: str, suffix: str = "") -> str:
    if kind not in REPORT_KINDS:
        raise ValueError(f"Unknown report kind {kind!r}.")
    return f"{client._account}/reports/{kind}{suffix}"


NO_REPORTS = ("Canvas has no {kind} report for this account (it may be switched off, or this "
              "token lacks the 'Reports - manage' permission).")


def start_report(client, kind: str, params: Mapping[str, str]) -> AccountReport:
    """POST the report with exactly `params`; an identical run still in flight (409) is
    returned instead of a new one."""
    data = [(f"parameters[{k}]", str(v)) for k, v in params.items()]
    try:
        response = client._http.request("POST", _path(client, kind), data=data, retry=Retry.UNSENT,
                                        not_found=NO_REPORTS.format(kind=kind))
    except BadRequest as error:
        if error.status != 409:
            raise
        try:
            return AccountReport.from_json(json.loads(error.body or ""))
        except (ValueError, CanvasServerError):
            for report in list_reports(client, kind, limit=20):
                if report.is_running and report.matches(params):
                    return report
            raise
    return AccountReport.from_json(json_body(response))


def get_report(client, kind: str, report_id: int, *, cancelled: threading.Event | None = None,
               retry: Retry = Retry.ALWAYS) -> AccountReport:
    return AccountReport.from_json(client._get_json(
        _path(client, kind, f"/{int(report_id)}"), cancelled=cancelled, retry=retry,
        not_found=f"Canvas has no {kind} report {report_id} any more (it was deleted)."))


def list_reports(client, kind: str, *, limit: int = 20) -> list[AccountReport]:
    """The newest runs of `kind`, newest first (one page of at most `limit`)."""
    body = client._get_json(_path(client, kind), params=[("per_page", str(min(100, limit)))],
                            not_found=NO_REPORTS.format(kind=kind))
    items = body if isinstance(body, list) else []
    out = []
    for item in items[:limit]:
        try:
            out.append(AccountReport.from_json(item))
        except CanvasServerError:
            continue
    return out


def wait_for_report(client, report: AccountReport, *, on_update: Callable[[AccountReport], None] | None = None,
                    cancelled: threading.Event | None = None, intervals=None,
                    max_failures: int = MAX_POLL_FAILURES) -> AccountReport:
    """Poll until the report is finished, with the same back-off as imports; raises
    ReportFailed for error/aborted and Cancelled when `cancelled` is set."""
    cancelled = cancelled or threading.Event()
    schedule = PollSchedule(intervals) if intervals else PollSchedule()
    last: tuple | None = None
    failures = 0
    current = report
    while True:
        if on_update is not None and failures == 0:
            on_update(current)
        if current.status == "complete":
            if not current.is_complete:
                raise ReportFailed(f"Canvas finished report {current.id} but attached no file; "
                                   "run the check again.")
            return current
        if current.status in FAILED:
            why = current.parameters.get("extra_text") or current.message or current.status
            raise ReportFailed(f"Canvas's {current.report or 'account'} report {current.id} "
                               f"ended '{current.status}' ({why}); run the check again.")
        key = (current.status, current.current_line, current.progress)
        delay = schedule.next_delay(key != last, client._http.rate_limit_remaining) \
            if failures == 0 else schedule.failure_delay(failures)
        last = key
        if cancelled.wait(delay):
            raise Cancelled("Stopped waiting for the report; Canvas finishes it anyway.")
        try:
            current = get_report(client, current.report or report.report, current.id,
                                 cancelled=cancelled, retry=Retry.NEVER)
            failures = 0
        except (NetworkError, RateLimited, CanvasServerError) as error:
            failures += 1
            if failures > max_failures or getattr(error, "permanent", False):
                raise


def download_report(client, report: AccountReport, dest: str | Path, *,
                    on_progress: BytesCallback | None = None,
                    cancelled: threading.Event | None = None) -> Path:
    """Stream the report's file to `dest` (via `dest.part`), following redirects by hand:
    the Bearer token goes only to Canvas's own origin, never to a file store elsewhere."""
    url = (report.attachment or {}).get("url") or report.file_url
    if not url:
        raise NotFound(f"Report {report.id} has no file to download.")
    dest = Path(dest)
    url = client._http.url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" and not is_loopback(parts.hostname):
            raise InsecureURL("Canvas sent the report file to a plain-http address; not downloading it.")
        own = same_origin(client.base_url, url)
        # None removes the session's Authorization header for this request only.
        headers = None if own else {"Authorization": None}
        response = client._http.request("GET", url, headers=headers, stream=True,
                                        allow_redirects=False, cancelled=cancelled,
                                        not_found="The report file is no longer available; "
                                                  "run the check again.")
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise CanvasServerError("Canvas redirected the report download nowhere.")
            url = urljoin(url, location)
            continue
        break
    else:
        raise CanvasServerError("The report download was redirected too many times.")
    total = int(response.headers.get("Content-Length") or 0) or int(
        (report.attachment or {}).get("size") or 0)
    dest.parent.mkdir(parents=True, exist_ok=True)
    stream_to_file(response, dest, what="the report", block=BLOCK, total=total,
                   on_progress=on_progress, cancelled=cancelled)
    return dest


# ---- reuse and the local cache ---------------------------------------------------------------
def cache_key(client, kind: str, params: Mapping[str, str]) -> str:
    text = json.dumps([client.base_url, client.account_id, kind, sorted(
        (k, str(v)) for k, v in params.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _cached(folder: Path, params: Mapping[str, str], max_age: timedelta) -> FetchedReport | None:
    meta, data = folder / "report.json", folder / "report.data"
    try:
        report = AccountReport.from_json(json.loads(meta.read_text(encoding="utf-8")))
    except (OSError, ValueError, CanvasServerError):
        return None
    age = report.age()
    if not data.is_file() or age is None or age > max_age or not report.matches(params):
        return None
    return FetchedReport(data, report, "cache")


def _store(folder: Path, report: AccountReport) -> None:
    from sis_desktop.core.storage import atomic_write_text
    atomic_write_text(folder / "report.json", json.dumps(report.raw))


def fetch_report(client, kind: str, params: Mapping[str, str], *, cache_dir: str | Path,
                 max_age: timedelta = DEFAULT_MAX_AGE, refresh: bool = False,
                 on_stage: StageCallback | None = None,
                 on_download: BytesCallback | None = None,
                 cancelled: threading.Event | None = None, intervals=None) -> FetchedReport:
    """A finished report of `kind` with `params` on disk: reused when one younger than
    `max_age` exists (local cache first, then Canvas's list of runs), else started and
    waited for. `refresh=True` always starts a new run."""
    try:
        return _fetch(client, kind, params, cache_dir=cache_dir, max_age=max_age, refresh=refresh,
                      on_stage=on_stage, on_download=on_download, cancelled=cancelled,
                      intervals=intervals)
    except PermissionDenied as error:
        raise PermissionDenied(
            "Canvas does not let this token run account reports: the check against Canvas "
            "needs the 'Reports - manage' permission on the root account.",
            status=error.status, body=error.body) from None


def _fetch(client, kind, params, *, cache_dir, max_age, refresh, on_stage, on_download,
           cancelled, intervals) -> FetchedReport:
    stage = on_stage or (lambda _s, _r: None)
    folder = Path(cache_dir) / cache_key(client, kind, params)
    if not refresh:
        found = _cached(folder, params, max_age)
        if found is not None:
            stage(REUSED, found.report)
            return found
    report = None
    source = "new"
    if not refresh:
        for run in list_reports(client, kind, limit=20):
            age = run.age()
            if run.is_complete and run.matches(params) and age is not None and age <= max_age:
                report, source = run, "canvas"
                stage(REUSED, run)
                break
    if report is None:
        report = start_report(client, kind, params)

        def update(current: AccountReport) -> None:
            stage(QUEUED if current.status == "created" else RUNNING_STAGE, current)

        report = wait_for_report(client, report, on_update=update, cancelled=cancelled,
                                 intervals=intervals)
    stage(DOWNLOADING, report)
    folder.mkdir(parents=True, exist_ok=True)
    path = download_report(client, report, folder / "report.data", on_progress=on_download,
                           cancelled=cancelled)
    _store(folder, report)
    return FetchedReport(path, report, source)


# ---- reading the file ---------------------------------------------------------------------
class ReportFile:
    """One CSV of a report: `header` (name → column) and `rows` (a csv.reader)."""

    def __init__(self, name: str, text: io.TextIOBase):
        self.name = name
        self.rows = csv.reader(text)
        header = next(self.rows, None) or []
        self.index = {cell.strip().lower(): i for i, cell in reversed(list(enumerate(header)))}

    def column(self, name: str) -> int | None:
        return self.index.get(name)


@contextmanager
def open_report_files(path: str | Path, single_name: str | None = None) -> Iterator[dict[str, ReportFile]]:
    """The report's CSVs by name (`courses`, `enrollments`, …), in Canvas's zip order.

    A zip is told from a single CSV by its magic bytes, not its name; a single CSV is named
    `single_name` (the one file asked for)."""
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    handles: list[Any] = []
    try:
        files: dict[str, ReportFile] = {}
        if magic == b"PK\x03\x04":
            archive = zipfile.ZipFile(path)
            handles.append(archive)
            names = {Path(n).stem.lower(): n for n in archive.namelist() if n.lower().endswith(".csv")}
            for stem in sorted(names, key=lambda s: FILE_ORDER.index(s) if s in FILE_ORDER else 99):
                text = io.TextIOWrapper(archive.open(names[stem]), encoding="utf-8-sig", newline="")
                handles.append(text)
                files[stem] = ReportFile(stem, text)
        else:
            text = open(path, encoding="utf-8-sig", newline="")
            handles.append(text)
            name = single_name or "report"
            files[name] = ReportFile(name, text)
        yield files
    except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error) as exc:
        raise CanvasServerError(f"The report file Canvas gave cannot be read ({exc}); run the "
                                "check again with a fresh report.") from exc
    finally:
        for handle in reversed(handles):
            handle.close()

