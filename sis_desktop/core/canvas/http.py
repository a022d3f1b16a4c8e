"""The HTTP layer under the client: one session, timeouts, retries, and error mapping.

Retry policy (bounded by `max_retries`, exponential back-off with jitter, Retry-After
honoured):

* GET — retried on connection failures, timeouts, 5xx and throttling (403 "Rate Limit
  Exceeded" or 429): reading twice is harmless.
* PUT (abort, abort_all_pending, restore_states) — retried only when Canvas cannot have
  acted: the connection was never made, or Canvas throttled the request (the throttle
  refuses a request before it runs). A PUT whose answer was lost is not repeated, because
  restore_states would queue a second restore and a repeated abort answers 404.
* POST — never retried here; the client decides (see `CanvasClient.create_import`).

A read timeout (the server took the request and said nothing for `timeout[1]` seconds) is
tried once more at most: a server that accepts and never answers costs two read timeouts,
not five. A `deadline` (the command's `--timeout`) cuts every socket timeout and every wait
to what is left, and ends the request with DeadlineExceeded when it runs out.

The environment is not trusted wholesale (`trust_env` is off): `~/.netrc` is never read, so
no credentials of any kind are added for another host on a redirect; proxies from
`https_proxy`/`http_proxy`/`no_proxy` are used, except for this machine (loopback never goes
through a proxy); `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE` are used when the profile names no
CA bundle of its own.
"""
from __future__ import annotations

import email.utils
import enum
import json
import os
import random
import threading
import time
from typing import Any, Callable, Iterable, Mapping

import requests
import urllib3.exceptions

from sis_desktop import __version__

from .deadline import Deadline
from .errors import (AuthenticationFailed, BadRequest, CanvasError, CanvasServerError,
                     Cancelled, DeadlineExceeded, NetworkError, NotFound, NotRootAccount,
                     PermissionDenied, RateLimited, SisImportsDisabled)
from .urls import is_loopback, same_origin
from sis_desktop.core.logs import register_secret

USER_AGENT = f"SIS-Desktop/{__version__} (+python-requests)"
MAX_RETRY_WAIT = 120.0  # seconds; a longer Retry-After is cut to this (here and when polling)
DEFAULT_TIMEOUT = (10.0, 30.0)  # (connect, read) seconds; Canvas's API answers in well under 30 s
MAX_READ_TIMEOUT_TRIES = 2  # a server that takes requests and never answers: give up after two
MAX_BODY_BYTES = 8 << 20  # Canvas's JSON answers are small; a bigger body is refused unread
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class Retry(enum.Enum):
    """Which failures a request may be repeated after."""
    ALWAYS = "always"    # GET
    UNSENT = "unsent"    # PUT: only when Canvas cannot have acted
    NEVER = "never"      # POST


class HttpSession:
    """One `requests.Session` bound to one Canvas and one token."""

    def __init__(self, base_url: str, token: str, *,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, ca_bundle: str | None = None,
                 max_retries: int = 4, retry_wait: float = 0.5, deadline: Deadline | None = None):
        self.base_url = base_url
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max(0, int(max_retries))
        self.retry_wait = retry_wait
        self.rate_limit_remaining: float | None = None  # from the last answer that had it
        register_secret(token)  # masked in every log record from now on
        # The profile's bundle first; the usual environment variables only when it has none.
        self.verify: str | bool = (ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE")
                                   or os.environ.get("CURL_CA_BUNDLE") or True)
        self.session = requests.Session()
        self.session.trust_env = False  # no ~/.netrc, no proxy for loopback: see proxies_for
        self.session.verify = self.verify
        self.session.headers.update({
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # In the session headers, so requests drops it when a redirect leaves the host.
            "Authorization": f"Bearer {token}",
        })

    def url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else self.base_url + path_or_url

    def close(self) -> None:
        self.session.close()

    # ---- requests ------------------------------------------------------------------
    def request(self, method: str, path_or_url: str, *, params: Any = None, data: Any = None,
                headers: Mapping[str, str | None] | None = None, stream: bool = False,
                retry: Retry | None = None, timeout: tuple[float, float] | None = None,
                allow_redirects: bool = True, not_found: str | None = None,
                cancelled: threading.Event | None = None) -> requests.Response:
        """Send one request and return a 2xx response, or raise a CanvasError.

        Network failures raise NetworkError with `.request_sent` telling whether the
        request may have reached Canvas."""
        if retry is None:
            retry = Retry.ALWAYS if method.upper() == "GET" else Retry.NEVER
        url = self.url(path_or_url)
        attempt = read_timeouts = 0
        while True:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled("Cancelled.")
            if self.deadline is not None:
                self.deadline.check("waiting for Canvas")
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=headers, stream=True,
                    timeout=self._timeout(timeout or self.timeout),
                    allow_redirects=allow_redirects, verify=self.verify, auth=_keep_headers,
                    proxies=proxies_for(url))
                if not stream or response.status_code >= 300:
                    self._load_body(response)
            except requests.exceptions.RequestException as exc:
                error: CanvasError = network_error(exc)
                if self.deadline is not None and self.deadline.expired:
                    raise self._out_of_time(error) from exc
                read_timeouts += isinstance(exc, requests.exceptions.ReadTimeout)
            else:
                self._note_rate_limit(response)
                if response.status_code < 300 or (300 <= response.status_code < 400 and not allow_redirects):
                    return response
                error = error_from_response(response, not_found=not_found)
                response.close()
            if attempt >= self.max_retries or not _may_retry(retry, error) \
                    or read_timeouts >= MAX_READ_TIMEOUT_TRIES:
                raise error
            delay = self.backoff(attempt, error)
            if self.deadline is not None and delay >= self.deadline.remaining():
                raise self._out_of_time(error)
            self.wait(delay, cancelled)
            attempt += 1

    def _timeout(self, timeout: tuple[float, float]) -> tuple[float, float]:
        if self.deadline is None:
            return timeout
        left = max(0.001, self.deadline.remaining())
        return (min(timeout[0], left), min(timeout[1], left))

    def _out_of_time(self, error: CanvasError) -> DeadlineExceeded:
        exceeded = self.deadline.exceeded("waiting for Canvas")
        exceeded.request_sent = getattr(error, "request_sent", True)
        return exceeded

    def _load_body(self, response: requests.Response, limit: int = MAX_BODY_BYTES) -> None:
        """Read the whole answer into `response`, refusing one over `limit` bytes (after
        decompression) without holding it. Network failures while reading raise requests'
        own exceptions, like a non-streamed request would."""
        declared = response.headers.get("Content-Length", "")
        chunks, size = [], 0
        if not (declared.isdigit() and int(declared) > limit):
            for chunk in response.iter_content(64 << 10):
                size += len(chunk)
                if size > limit:
                    break
                chunks.append(chunk)
                if self.deadline is not None and self.deadline.expired:
                    response.close()
                    raise requests.exceptions.ReadTimeout("the time limit ran out mid-answer")
            else:
                response._content = b"".join(chunks)
                response._content_consumed = True
                return
        response.close()
        raise CanvasServerError(
            f"The server's answer is larger than {limit >> 20} MB, far more than Canvas ever "
            "sends for this; it was not read. Check that the address leads to Canvas's API.",
            status=response.status_code)

    def json(self, response: requests.Response) -> Any:
        """The JSON body of a successful answer; CanvasServerError when it is not JSON."""
        return json_body(response)

    # ---- waiting ---------------------------------------------------------------------
    def backoff(self, attempt: int, error: CanvasError | None = None) -> float:
        """Exponential back-off with jitter; Retry-After wins when Canvas sent one."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return cap_retry_after(retry_after)
        delay = min(30.0, self.retry_wait * (2 ** attempt))
        return delay * (0.5 + random.random() / 2)

    @staticmethod
    def wait(seconds: float, cancelled: threading.Event | None) -> None:
        """Sleep, but wake (and raise Cancelled) as soon as `cancelled` is set."""
        if cancelled is None:
            time.sleep(seconds)
        elif cancelled.wait(seconds):
            raise Cancelled("Cancelled.")

    def _note_rate_limit(self, response: requests.Response) -> None:
        value = response.headers.get("X-Rate-Limit-Remaining")
        if value is not None:
            try:
                self.rate_limit_remaining = float(value)
            except ValueError:
                pass

    def may_send_token_to(self, url: str) -> bool:
        return same_origin(self.base_url, url)


def cap_retry_after(seconds: float) -> float:
    """A Retry-After in seconds, never negative and never above MAX_RETRY_WAIT."""
    return min(MAX_RETRY_WAIT, max(0.0, seconds))


def proxies_for(url: str) -> dict[str, str]:
    """The proxies the environment names for `url`, honouring `no_proxy`; none for this
    machine, so a token sent to a loopback address never passes through a proxy."""
    from urllib.parse import urlsplit
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return {}
    if is_loopback(host):
        return {}
    return requests.utils.get_environ_proxies(url)


def _keep_headers(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Auth hook that changes nothing: stops requests from replacing the Bearer header with
    credentials from ~/.netrc."""
    return request


def _may_retry(retry: Retry, error: CanvasError) -> bool:
    if retry is Retry.NEVER:
        return False
    if isinstance(error, RateLimited):
        return True
    if retry is Retry.UNSENT:
        return isinstance(error, NetworkError) and not error.request_sent
    if isinstance(error, NetworkError):
        return not getattr(error, "permanent", False)
    return isinstance(error, CanvasServerError) and error.status in _TRANSIENT_STATUSES


# ---- mapping failures to the error hierarchy ------------------------------------------
def network_error(exc: requests.exceptions.RequestException) -> NetworkError:
    """A requests exception as a NetworkError with `.request_sent` and `.permanent` set."""
    sent = not _never_sent(exc)
    permanent = False
    if isinstance(exc, requests.exceptions.SSLError):
        message = ("The secure (TLS) connection to Canvas failed: the certificate could not be "
                   "verified. Check the address, or give your organisation's CA bundle in the "
                   "profile.")
        permanent, sent = True, False
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        message = "Canvas did not accept a connection in time; check the address and your network, then try again."
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        message = "Canvas stopped answering (the wait for its reply timed out); try again in a moment."
    elif isinstance(exc, requests.exceptions.ConnectionError) and not sent:
        message = ("Could not connect to Canvas (the connection was refused or the host was not "
                   "found); check the address and your network.")
    elif isinstance(exc, requests.exceptions.ConnectionError):
        message = "The connection to Canvas broke before it answered; try again in a moment."
    elif isinstance(exc, requests.exceptions.TooManyRedirects):
        message = "Canvas redirected the request too many times; check the Canvas address."
        permanent = True
    elif isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                          requests.exceptions.InvalidSchema)):
        message = "The Canvas address is not a valid web address; check it in the profile."
        permanent, sent = True, False
    else:
        message = "The request to Canvas failed; check your network and try again."
    return network_failure(message, sent=sent, permanent=permanent)


def stream_to_file(response: requests.Response, dest: os.PathLike[str] | str, *, what: str,
                   block: int = 1 << 20, total: int = 0,
                   on_progress: Callable[[int, int], None] | None = None,
                   cancelled: threading.Event | None = None) -> None:
    """Write a streamed answer to `dest` through `dest.part` (replaced only when whole; the
    part file is removed on any failure) and close the answer. `what` names the file in the
    sentence of a broken download ("the report")."""
    from pathlib import Path
    from .errors import Cancelled
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    done = 0
    try:
        with open(part, "wb") as fh:
            for chunk in response.iter_content(block):
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled(f"The download of {what} was cancelled.")
                fh.write(chunk)
                done += len(chunk)
                if on_progress is not None:
                    on_progress(done, total)
        os.replace(part, dest)
    except requests.exceptions.RequestException as exc:
        part.unlink(missing_ok=True)
        raise network_failure(f"The download of {what} broke off; try again.", sent=True) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        response.close()


def network_failure(message: str, *, sent: bool, permanent: bool = False) -> NetworkError:
    """A NetworkError that says whether Canvas may have seen the request, and whether
    trying again can help."""
    error = NetworkError(message)
    error.request_sent = sent
    error.permanent = permanent
    return error


def _never_sent(exc: BaseException) -> bool:
    """True when the failure happened while connecting, so Canvas saw nothing."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, (urllib3.exceptions.NewConnectionError,
                             urllib3.exceptions.NameResolutionError,
                             urllib3.exceptions.ConnectTimeoutError)):
            return True
        if isinstance(node, ConnectionRefusedError):
            return True
        reason = getattr(node, "reason", None)
        if isinstance(reason, BaseException):
            node = reason
            continue
        args = getattr(node, "args", ())
        node = next((a for a in args if isinstance(a, BaseException)), None) or node.__cause__ \
            or node.__context__
    return False


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, requests.exceptions.JSONDecodeError):
        kind = response.headers.get("Content-Type") or "no content type"
        raise CanvasServerError(
            f"Canvas answered with something that is not JSON (HTTP {response.status_code}, "
            f"{kind}); the address may lead to a login page or proxy instead of Canvas's API.",
            status=response.status_code, body=_snippet(response.text)) from None


def error_from_response(response: requests.Response, *, not_found: str | None = None) -> CanvasError:
    """Canvas's error answers (reference §4.3) as one error with a plain sentence."""
    status = response.status_code
    text = response.text or ""
    body = _parse(text)
    said = canvas_message(body, text)
    kw = {"status": status, "body": _snippet(text)}
    headers = response.headers  # case-insensitive
    auth_status = body.get("status") if isinstance(body, dict) else None

    if status == 429 or (status == 403 and "rate limit exceeded" in text.lower()):
        return RateLimited(
            "Canvas is limiting how fast requests may be made (rate limit exceeded); "
            "wait a little and try again.",
            retry_after=parse_retry_after(headers.get("Retry-After")), **kw)
    if status in (401, 403) and auth_status == "unauthorized":
        return PermissionDenied(
            "Canvas says this user is not allowed to do that: SIS imports need the "
            "'SIS Data - import' permission (restoring needs 'SIS Data - manage') on the root "
            "account.", **kw)
    if status == 401:
        lowered = said.lower()
        if "scope" in lowered:
            return PermissionDenied(
                "The access token's developer key does not include the scope this request "
                "needs; ask your Canvas admin for a token with the SIS import scopes.", **kw)
        if "expired" in lowered:
            reason = "has expired"
        elif "revoked" in lowered:
            reason = "has been revoked"
        elif "invalid" in lowered:
            reason = "is invalid"
        elif auth_status == "unauthenticated" or "authorization required" in lowered:
            reason = "is missing"
        else:
            reason = "was not accepted"
        if "WWW-Authenticate" in headers or reason != "was not accepted":
            return AuthenticationFailed(
                f"Canvas rejected the access token: it {reason}. Create a new token in Canvas "
                "(Account > Settings > New access token) and save it in the profile.", **kw)
        return PermissionDenied(f"Canvas refused the request (not authorized): {said}", **kw)
    if status == 403:
        if "not enabled" in said.lower() and "sis" in said.lower():
            return SisImportsDisabled(
                "SIS imports are not enabled for this Canvas account; ask Instructure or your "
                "Canvas admin to turn on SIS imports for the root account.", **kw)
        return PermissionDenied(f"Canvas refused the request (403): {said}", **kw)
    if status == 400 and "root account" in said.lower():
        return NotRootAccount(
            "SIS imports can only be run on the root account, and this account id is a "
            "sub-account; use the root account id (often 1 or 'self').", **kw)
    if status == 404:
        return NotFound(not_found or
                        "Canvas says this does not exist (HTTP 404); check the account id and "
                        "the import id.", **kw)
    if status == 413:
        return BadRequest("Canvas (or a proxy in front of it) refused the upload as too "
                          "large (HTTP 413).", **kw)
    if 400 <= status < 500:
        return BadRequest(f"Canvas refused the request: {said}", **kw)
    if status >= 500:
        report = body.get("error_report_id") if isinstance(body, dict) else None
        extra = f" (error report {report})" if report else ""
        return CanvasServerError(
            f"Canvas had an internal problem (HTTP {status}){extra}; try again later, and "
            "contact your Canvas admin if it keeps happening.", **kw)
    return CanvasError(f"Canvas answered in an unexpected way (HTTP {status}): {said}", **kw)


def canvas_message(body: Any, text: str) -> str:
    """The human message inside any of Canvas's error shapes, else the text itself."""
    if isinstance(body, dict):
        for key in ("message", "error_message"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()
        if isinstance(body.get("error"), str) and body["error"].strip():
            return body["error"].strip()
        errors = body.get("errors")
        found = list(_messages(errors))
        if found:
            return "; ".join(found)
    elif isinstance(body, list):
        found = list(_messages(body))
        if found:
            return "; ".join(found)
    elif isinstance(body, str) and body.strip():
        return body.strip()
    plain = " ".join(text.split())
    if not plain:
        return "(no message)"
    if plain.lstrip().startswith("<"):
        return "(an HTML page, not a Canvas answer)"
    return _snippet(plain, 300)


def _messages(errors: Any) -> Iterable[str]:
    if isinstance(errors, str):
        yield errors
    elif isinstance(errors, list):
        for item in errors:
            yield from _messages(item)
    elif isinstance(errors, dict):
        if isinstance(errors.get("message"), str):
            yield errors["message"]
        else:
            for key, value in errors.items():
                for message in _messages(value):
                    yield f"{key}: {message}"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (a number or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _snippet(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
