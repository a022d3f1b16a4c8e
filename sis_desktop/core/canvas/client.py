"""`CanvasClient`: every SIS Imports call (reference §1), typed, with plain-sentence errors.

Blocking calls; the GUI runs them on a worker thread and passes `on_progress`/`on_update`
callbacks and a `threading.Event` to cancel.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import quote, urlsplit


from ..checksums import FileDigest
from .deadline import Deadline
from .errors import (AmbiguousUpload, CanvasError, CanvasServerError, Cancelled,
                     DeadlineExceeded, InsecureURL, InvalidOptions, NetworkError, NotFound,
                     RateLimited)
from .http import (DEFAULT_TIMEOUT, HttpSession, Retry, cap_retry_after, network_failure,
                   stream_to_file)
from .models import (Account, ImportErrorRow, Progress, SisImport, Term, WorkflowState)
from .options import ImportOptions
from .polling import MAX_POLL_FAILURES, PollSchedule
from .upload import ProgressCallback, extension_of, multipart_body, raw_body, upload_source
from .tokens import clean_token
from sis_desktop.core.times import to_utc
from .urls import is_loopback, normalize_base_url

PER_PAGE = 100
AMBIGUOUS_MARGIN = timedelta(minutes=2)  # clocks of this machine and Canvas may differ
UPLOAD_SEND_TIMEOUT = 60.0  # seconds one 1 MiB block may take to go out (slow uplinks)
UPLOAD_ANSWER_TIMEOUT = 120.0  # Canvas stores the whole file before it answers the POST
LOOKUP_GRACE = 20.0  # seconds past the deadline allowed to look up an upload whose answer was lost


class CanvasClient:
    """The SIS Imports API of one Canvas root account, used with one token."""

    def __init__(self, base_url: str, token: str, account_id: int | str, *,
                 timeout: tuple[float, float] | None = None, ca_bundle: str | None = None,
                 max_retries: int = 4, retry_wait: float = 0.5, deadline: Deadline | None = None):
        self.base_url = normalize_base_url(base_url)
        token = clean_token(token)  # ValueError when empty or malformed
        if account_id is None or str(account_id).strip() == "":
            raise ValueError("An account id is required.")
        self.account_id = str(account_id).strip()
        self.last_upload_sha256s: dict[str, str] = {}  # see create_import
        # Canvas stores the whole upload before it answers the POST: a longer read timeout
        # there, unless the caller chose its timeouts.
        self._upload_read_timeout = UPLOAD_ANSWER_TIMEOUT if timeout is None else timeout[1]
        self._http = HttpSession(self.base_url, token, timeout=timeout or DEFAULT_TIMEOUT,
                                 ca_bundle=ca_bundle,
                                 max_retries=max_retries, retry_wait=retry_wait,
                                 deadline=deadline)

    def __repr__(self) -> str:  # never the token
        return f"CanvasClient({self.base_url!r}, account_id={self.account_id!r})"

    def close(self) -> None:
        self._http.close()

    @property
    def deadline(self) -> Deadline | None:
        """The overall time limit of every call (None: none), e.g. from `--timeout`."""
        return self._http.deadline

    @deadline.setter
    def deadline(self, value: Deadline | None) -> None:
        self._http.deadline = value

    def __enter__(self) -> "CanvasClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- paths -------------------------------------------------------------------------
    @property
    def _account(self) -> str:
        return f"/api/v1/accounts/{quote(self.account_id, safe=':')}"

    def _imports(self, suffix: str = "") -> str:
        return f"{self._account}/sis_imports{suffix}"

    def _get_json(self, path: str, *, params: Any = None, not_found: str | None = None,
                  cancelled: threading.Event | None = None, retry: Retry = Retry.ALWAYS) -> Any:
        response = self._http.request("GET", path, params=params, not_found=not_found,
                                      cancelled=cancelled, retry=retry)
        return self._http.json(response)

    def _put_json(self, path: str, *, params: Any = None, not_found: str | None = None) -> Any:
        response = self._http.request("PUT", path, params=params, retry=Retry.UNSENT,
                                      not_found=not_found)
        return self._http.json(response)

    def _paginate(self, path: str, key: str, params: list[tuple[str, str]] | None = None,
                  per_page: int = PER_PAGE) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, following Link rel="next" (opaque URLs)."""
        url: str | None = path
        query: list[tuple[str, str]] | None = list(params or []) + [("per_page", str(per_page))]
        while url:
            response = self._http.request("GET", url, params=query)
            body = self._http.json(response)
            items = body.get(key) if isinstance(body, dict) else body
            if not isinstance(items, list):
                raise CanvasServerError(f"Canvas's answer has no '{key}' list; is this address "
                                        "really Canvas?", status=response.status_code)
            yield from items
            url = (response.links.get("next") or {}).get("url")
            query = None
            if url and not self._http.may_send_token_to(url):
                raise CanvasServerError("Canvas's next-page link points to another server; "
                                        "stopped rather than send the token there.")

    # ---- account ---------------------------------------------------------------------------
    def get_account(self) -> Account:
        return Account.from_json(self._get_json(
            self._account, not_found=f"Canvas has no account '{self.account_id}' (or this token "
                                     "cannot see it); check the account id."))

    def list_terms(self) -> list[Term]:
        return [Term.from_json(t) for t in self._paginate(f"{self._account}/terms", "enrollment_terms")]

    def check_user(self) -> dict[str, Any]:
        """The token's user (GET /api/v1/users/self): proves the token works."""
        return self._get_json("/api/v1/users/self")

    # ---- imports ---------------------------------------------------------------------------
    def create_import(self, paths: Sequence[str | Path] | str | Path, options: ImportOptions | None = None,
                      *, raw: bool = False, on_progress: ProgressCallback | None = None,
                      cancelled: threading.Event | None = None,
                      on_hashed: Callable[[list[FileDigest]], None] | None = None,
                      checksum: bool = True) -> SisImport:
        """Upload the file(s) and return the new import (state `created`).

        Several CSVs are zipped to a temp file first. The POST is never repeated: if the
        connection breaks after the whole body went out, the import may exist, and this
        raises AmbiguousUpload (with `found` when Canvas's list shows it).

        `on_hashed(digests)` is called once the whole body went out (before this returns or
        raises): one FileDigest (path, size, sha256) per path given, in that order, taken
        from the blocks read to send or zip them, so no extra pass over the files. The same
        hashes are left in `last_upload_sha256s` ({path as given: sha256}; empty until a
        body went out whole). With `checksum=False` nothing is hashed: no digests, no
        `on_hashed` call (the fast path of `import --no-validate`: hashing a file takes more
        CPU than sending it to a nearby server)."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        params = (options or ImportOptions()).to_params()  # raises InvalidOptions
        deadline = self._http.deadline
        if deadline is not None:
            on_progress = _stop_at(deadline, on_progress)
        self.last_upload_sha256s = {}
        bundled: list[FileDigest] = []
        with upload_source(paths, cancelled=cancelled,
                           on_digest=bundled.append if checksum else None) as source:
            kw = {"on_progress": on_progress, "cancelled": cancelled, "checksum": checksum}
            if raw:
                body = raw_body(source, **kw)
                query, data = params + [("extension", extension_of(source))], body
            else:
                body = multipart_body(source, params, **kw)
                query, data = None, body
            started = datetime.now(timezone.utc)
            connect = self._http.timeout[0]
            try:
                return self._post_import(body, query, data, started, connect)
            finally:
                if checksum and (body.complete or not body.total):
                    digests = bundled or _given(paths, body.digests)
                    self.last_upload_sha256s = {str(d.path): d.sha256 for d in digests}
                    if on_hashed is not None:
                        on_hashed(digests)

    def _post_import(self, body, query, data, started: datetime, connect: float) -> SisImport:
        try:
            response = self._http.request(
                "POST", self._imports(), params=query, data=data if body.total else b"",
                headers={"Content-Type": body.content_type}, retry=Retry.NEVER,
                timeout=(max(connect, UPLOAD_SEND_TIMEOUT), self._upload_read_timeout),
                allow_redirects=False,
                not_found=f"Canvas has no account '{self.account_id}'; check the account id.")
        except NetworkError as error:
            if not error.request_sent:
                raise
            if not body.complete and isinstance(error, DeadlineExceeded):
                raise network_failure(
                    f"{error} The upload was stopped before Canvas had the whole file "
                    f"({body.sent:,} of {body.total:,} bytes sent), so no import was "
                    "created.", sent=True, permanent=True) from error
            if not body.complete:
                raise network_failure(
                    f"The connection to Canvas broke during the upload ({body.sent:,} of "
                    f"{body.total:,} bytes sent), so Canvas did not get the whole file and "
                    "no import was created; you can send it again.", sent=True) from error
            if isinstance(error, DeadlineExceeded):
                raise self._ambiguous(started, "The time limit (--timeout) ran out before "
                                               "Canvas answered") from error
            raise self._ambiguous(started) from error
        except CanvasServerError as error:
            # A 5xx after the whole body went out (a proxy's 504, say) does not mean
            # Canvas refused: it may have created the import. Look before anyone resends.
            # (A 2xx whose body was refused as far too large is as unknown.)
            if body.complete and (error.status is None or error.status >= 500
                                  or error.status < 300):
                raise self._ambiguous(started, f"Canvas (or a proxy in front of it) answered "
                                               f"the upload with HTTP {error.status}") from error
            raise
        if 300 <= response.status_code < 400:
            where = response.headers.get("Location", "another address")
            raise CanvasError(f"Canvas redirected the upload to {where}; correct the Canvas "
                              "address in the profile (an upload cannot follow a redirect).",
                              status=response.status_code)
        try:
            return SisImport.from_json(self._http.json(response))
        except (CanvasServerError, AttributeError, KeyError, TypeError, ValueError) as error:
            raise self._ambiguous(started, "Canvas's answer to the upload was not an "
                                           "import") from error  # a 2xx, but not an import

    def _ambiguous(self, started: datetime,
                   what: str = "The connection broke") -> AmbiguousUpload:
        """After a lost answer to the POST: look for the import instead of sending again.
        `what` says how the answer was lost. Past the `--timeout` deadline, the look-up still
        gets LOOKUP_GRACE seconds: finding the import matters more than ending on time."""
        deadline = self._http.deadline
        try:
            with deadline.grace(LOOKUP_GRACE) if deadline is not None else contextlib.nullcontext():
                recent = list(self.list_imports(created_since=started - AMBIGUOUS_MARGIN,
                                                limit=20))
        except CanvasError:
            recent = None
        if recent and len(recent) == 1:
            found = recent[0]
            return AmbiguousUpload(
                f"{what} after the file was sent, but Canvas shows a new import "
                f"created just now (id {found.id}); it is most likely this upload, so do not "
                "send the file again.", found=found)
        if recent is None:
            why = "SIS Desktop could not reach Canvas to check its list of imports"
        elif recent:
            why = f"Canvas shows {len(recent)} imports created just now, so SIS Desktop cannot tell which is this one"
        else:
            why = "Canvas's list shows no new import yet, but it may still appear"
        return AmbiguousUpload(
            f"{what} after the whole file was sent, so the import may or may "
            f"not exist: {why}. Check the import list in Canvas before sending it again.")

    def get_import(self, import_id: int | str) -> SisImport:
        return SisImport.from_json(self._get_json(self._imports(f"/{_id(import_id)}"),
                                                  not_found=_no_import(import_id)))

    def list_imports(self, *, states: Iterable[str | WorkflowState] | None = None,
                     created_since: datetime | str | None = None,
                     created_before: datetime | str | None = None,
                     limit: int | None = None) -> Iterator[SisImport]:
        """Imports of the account, newest first, across pages (stops after `limit`)."""
        params: list[tuple[str, str]] = []
        for state in states or ():
            params.append(("workflow_state[]", WorkflowState(state).value
                           if not isinstance(state, WorkflowState) else state.value))
        if created_since is not None:
            params.append(("created_since", _iso(created_since)))
        if created_before is not None:
            params.append(("created_before", _iso(created_before)))
        if limit is not None and limit <= 0:
            return
        per_page = min(PER_PAGE, limit) if limit else PER_PAGE
        for n, item in enumerate(self._paginate(self._imports(), "sis_imports", params, per_page), 1):
            yield SisImport.from_json(item)
            if limit is not None and n >= limit:
                return

    def importing(self) -> list[SisImport]:
        """Imports running right now (importing or cleanup_batch; queued ones are not shown)."""
        body = self._get_json(self._imports("/importing"))
        items = body.get("sis_imports") if isinstance(body, dict) else body
        return [SisImport.from_json(i) for i in items or []]

    def abort(self, import_id: int | str) -> SisImport:
        return SisImport.from_json(self._put_json(
            self._imports(f"/{_id(import_id)}/abort"),
            not_found=f"Import {import_id} cannot be aborted: it does not exist in this account "
                      "or it has already finished."))

    def abort_all_pending(self) -> bool:
        """Abort every import not yet started; True when Canvas confirms."""
        body = self._put_json(self._imports("/abort_all_pending"))
        return bool(isinstance(body, dict) and body.get("aborted"))

    def restore_states(self, import_id: int | str, *, batch_mode: bool = False,
                       undelete_only: bool = False, unconclude_only: bool = False) -> Progress:
        """Undo the state changes of an import; returns Canvas's Progress for the job."""
        if undelete_only and unconclude_only:
            raise InvalidOptions("Choose either 'undelete only' or 'unconclude only', not both.")
        params = [(name, "true") for name, on in (("batch_mode", batch_mode),
                  ("undelete_only", undelete_only), ("unconclude_only", unconclude_only)) if on]
        return Progress.from_json(self._put_json(self._imports(f"/{_id(import_id)}/restore_states"),
                                                 params=params, not_found=_no_import(import_id)))

    def import_errors(self, import_id: int | str, *, failure_only: bool = False) -> Iterator[ImportErrorRow]:
        """Every error row of one import (SIS Import Errors API), across pages."""
        params = [("failure", "true")] if failure_only else []
        for item in self._paginate(self._imports(f"/{_id(import_id)}/errors"), "sis_import_errors", params):
            yield ImportErrorRow.from_json(item)

    def download_errors_attachment(self, sis_import: SisImport, dest_path: str | Path) -> Path:
        """Save the import's errors CSV to `dest_path` (streamed; written via a .part file)."""
        attachment = sis_import.errors_attachment or {}
        url = attachment.get("url")
        if not url:
            raise NotFound(f"Import {sis_import.id} has no errors file (yet); Canvas writes it "
                           "shortly after the import ends, so try again in a moment.")
        host = urlsplit(url).hostname
        if urlsplit(url).scheme != "https" and not is_loopback(host):
            raise InsecureURL("Canvas gave a plain-http link for the errors file; not downloading it.")
        headers = None if self._http.may_send_token_to(url) else {"Authorization": None}
        dest = Path(dest_path)
        response = self._http.request("GET", url, headers=headers, stream=True,
                                      not_found="The errors file is no longer available (its link "
                                                "expires after an hour); fetch the import again.")
        stream_to_file(response, dest, what="the errors file")
        return dest

    # ---- following an import -------------------------------------------------------------
    def poll(self, import_id: int | str, *, on_update: Callable[[SisImport], None] | None = None,
             cancelled: threading.Event | None = None, intervals: Sequence[float] | None = None,
             max_failures: int = MAX_POLL_FAILURES, deadline: Deadline | None = None) -> SisImport:
        """Ask Canvas about the import until it reaches a terminal state, and return it.

        Waits 1 s → 2 → 3 → 5 → 8 → 13 → 25 s between polls (fast again when the state
        changes, sooner when progress predicts the end; slower when the rate-limit bucket
        is low; see PollSchedule). Rides out up to `max_failures`
        consecutive network errors, 5xx and throttling, then raises the last one.
        `cancelled.set()` stops it at once with Cancelled. A Retry-After is honoured up to
        MAX_RETRY_WAIT. With a `deadline` (default: the client's) it raises DeadlineExceeded
        when the time is up; the import carries on in Canvas. (Each look-up is cut short by
        the client's own deadline; an explicit `deadline` here is checked between polls.)"""
        cancelled = cancelled or threading.Event()
        schedule = PollSchedule(intervals) if intervals else PollSchedule()
        path = self._imports(f"/{_id(import_id)}")
        last: WorkflowState | None = None
        failures = 0
        deadline = deadline or self._http.deadline
        while True:
            if cancelled.is_set():
                raise Cancelled("Stopped following the import; it carries on in Canvas.")
            if deadline is not None and deadline.expired:
                raise _stopped_following(deadline, import_id)
            try:
                body = self._get_json(path, not_found=_no_import(import_id), cancelled=cancelled,
                                      retry=Retry.NEVER)
                current = SisImport.from_json(body)
            except DeadlineExceeded:
                raise _stopped_following(deadline, import_id) from None
            except (NetworkError, RateLimited, CanvasServerError) as error:
                failures += 1
                if failures > max_failures or getattr(error, "permanent", False):
                    raise
                retry_after = getattr(error, "retry_after", None)
                delay = schedule.failure_delay(
                    failures, None if retry_after is None else cap_retry_after(retry_after))
            else:
                failures = 0
                if on_update is not None:
                    on_update(current)
                if current.is_terminal:
                    return current
                delay = schedule.next_delay(current.workflow_state != last,
                                            self._http.rate_limit_remaining,
                                            progress=current.progress)
                last = current.workflow_state
            if deadline is not None:
                if delay >= deadline.remaining():
                    raise _stopped_following(deadline, import_id)
            if cancelled.wait(delay):
                raise Cancelled("Stopped following the import; it carries on in Canvas.")


def _stopped_following(deadline: Deadline, import_id: int | str) -> DeadlineExceeded:
    error = DeadlineExceeded(f"Stopped following import {import_id}: the {deadline.seconds:g}-second "
                             "time limit (--timeout) ran out; the import carries on in Canvas.")
    error.request_sent = True
    return error


def _stop_at(deadline: Deadline, on_progress: ProgressCallback | None) -> ProgressCallback:
    """A progress callback that stops an unfinished upload once the deadline has passed."""
    def report(sent: int, total: int) -> None:
        if sent < total and deadline.expired:
            raise DeadlineExceeded(
                f"Gave up uploading: the {deadline.seconds:g}-second time limit (--timeout) ran "
                f"out before Canvas had the whole file ({sent:,} of {total:,} bytes sent), so "
                "no import was created.")
        if on_progress is not None:
            on_progress(sent, total)
    return report


def _given(paths: Sequence[str | os.PathLike], sent: list[FileDigest]) -> list[FileDigest]:
    """The body's file digests, named by the paths as given (an empty body: the empty file's)."""
    if not sent:
        return [FileDigest(Path(p), 0, hashlib.sha256().hexdigest()) for p in paths]
    return [FileDigest(Path(p), d.size, d.sha256) for p, d in zip(paths, sent)]


def _id(value: int | str) -> str:
    return quote(str(value).strip(), safe="")


def _no_import(import_id: int | str) -> str:
    return f"Canvas has no import {import_id} in this account; check the id."


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
