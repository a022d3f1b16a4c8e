"""The Canvas API routes the sandbox answers, with Canvas's status codes and bodies."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from .body import BodyReader, MultipartError, Truncated, header_params, parse_multipart
from .records import STATES, UNFINISHED, ImportRecord, ProgressRecord, default_options
from .world import ACCOUNTS, ROOT_ACCOUNT_ID, account_json

if TYPE_CHECKING:
    from .server import Sandbox

JSON_TYPE = "application/json; charset=utf-8"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
NOT_ROOT = {"errors": ["SIS imports can only be executed on root accounts"]}
NOT_ENABLED = {"errors": ["SIS imports are not enabled for this account"]}
NO_CREDENTIALS = {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
INVALID_TOKEN = {"errors": [{"message": "Invalid access token."}]}
REVOKED_TOKEN = {"errors": [{"message": "Revoked access token."}]}
WWW_AUTH = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
DROP_STATUSES = ("deleted", "completed", "inactive", "deleted_last_completed")
USER_REMOVE_STATUSES = ("deleted", "suspended")
TRUE_WORDS = ("yes", "y", "true", "t", "on", "1")
FALSE_WORDS = ("no", "n", "false", "f", "off", "0")
MAX_SMALL_BODY = 1024 * 1024


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(obj, separators=(",", ":")).encode(), JSON_TYPE,
                    dict(headers or {}))


def error_500(sandbox: "Sandbox") -> Response:
    return json_response(500, {"errors": [{"message": "An error occurred.",
                                           "error_code": "internal_server_error"}],
                               "error_report_id": sandbox.next_report_number()})


def bad_request(sandbox: "Sandbox") -> Response:
    """A body Rails cannot parse (truncated multipart, …): Canvas's generic error JSON.
    The exact body Canvas sends here is unconfirmed."""
    return json_response(400, {"errors": [{"message": "An error occurred.",
                                           "error_code": "bad_request"}],
                               "error_report_id": sandbox.next_report_number()})


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Any  # email.message.Message (case-insensitive get)
    body: BodyReader
    form: list[tuple[str, str]] = field(default_factory=list)
    anonymous: bool = False  # no token at all: Canvas answers 401 only after the account checks
    base_url: str = ""  # scheme and host the client used (from its Host header)

    def params(self) -> list[tuple[str, str]]:
        return self.query + self.form

    def get(self, name: str) -> str | None:
        """Rails-style: a body parameter wins over the same query parameter."""
        for key, value in reversed(self.params()):
            if key == name:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.params() if k == name]

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params())


def to_bool(value: str | None) -> bool:
    """Canvas's value_to_boolean."""
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    match = re.match(r"[+-]?\d+", text)
    return bool(match and int(match.group()) != 0)


def to_int(value: str | None) -> int | None:
    match = re.match(r"\s*[+-]?\d+", value or "")
    return int(match.group()) if match else None


# ---------------------------------------------------------------- routing

_ACC = r"/api/v1/accounts/(?P<account>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Any]] = []


def route(method: str, pattern: str, *, account_first: bool = False):
    """Register a handler. `account_first`: the handler resolves its account before it
    refuses a request without a token (it calls `require_user` itself)."""
    def register(func):
        func.account_first = account_first
        _ROUTES.append((method, re.compile(f"^{pattern}$"), func))
        return func
    return register


def dispatch(sandbox: "Sandbox", req: Request) -> Response:
    req.base_url = base_url(sandbox, req)
    path = req.path[:-5] if req.path.endswith(".json") else req.path
    path = path.rstrip("/") or "/"
    req.path = path  # Canvas's URL helpers (Link headers) name the path without `.json`
    for method, pattern, handler in _ROUTES:
        match = pattern.match(path)
        if match and method == req.method:
            break
    else:
        handler = match = None
    if handler is create_import:  # streams the body itself
        return string_ids(req, handler(sandbox, req, match.groupdict()))
    if not _read_small_body(req):  # Rails acts on no request whose body fell short
        return bad_request(sandbox)
    if handler is None:
        if req.method == "GET" and path == "/":
            return Response(200, b"Canvas SIS sandbox\n", "text/plain; charset=utf-8")
        return json_response(404, NOT_FOUND)
    if handler is download_file:  # a verifier stands in for the token
        return handler(sandbox, req, match.groupdict())
    denied = authenticate(sandbox, req)
    if denied is not None:
        return denied
    if req.anonymous and not getattr(handler, "account_first", False):
        return json_response(401, NO_CREDENTIALS, WWW_AUTH)
    response = handler(sandbox, req, match.groupdict())
    if not req.anonymous:  # only token-authenticated requests are metered
        response.headers.update(sandbox.rate_headers())
    return string_ids(req, response)


_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def base_url(sandbox: "Sandbox", req: Request) -> str:
    """Scheme and host for the URLs the answer names (Link, attachments, progress): the
    request's Host header, as Rails' URL helpers use it; the sandbox's own address when the
    header is missing or not a plain host[:port]."""
    host = (req.headers.get("Host") or "").strip()
    return f"http://{host}" if _HOST.fullmatch(host) else sandbox.url


def authenticate(sandbox: "Sandbox", req: Request) -> Response | None:
    """Canvas's AuthenticationMethods#load_pseudonym_from_access_token: a token from
    `Authorization: Bearer …` (scheme case-sensitive) or `access_token`; a wrong token is a
    401 at once, no token at all marks the request anonymous (each action then answers 401
    after its own account checks, via `authorized_action`)."""
    token = None
    scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
    if scheme == "Bearer" and value:
        token = value
    if token is None:
        token = req.get("access_token")
    if not token:
        req.anonymous = True
        return None
    if token != sandbox.token:
        return json_response(401, INVALID_TOKEN, WWW_AUTH)
    return None


def require_user(req: Request) -> Response | None:
    """`authorized_action` for an anonymous request: 401 with Canvas's unauthenticated body."""
    return json_response(401, NO_CREDENTIALS, WWW_AUTH) if req.anonymous else None


STRING_IDS = "application/json+canvas-string-ids"
_ID_KEY = re.compile(r"(?:^|_)ids?$")


def string_ids(req: Request, response: Response) -> Response:
    """`Accept: application/json+canvas-string-ids`: Canvas's Api#stringify_json_ids turns
    every integer under an `id`, `*_id` (or `*_ids` list) key into a string."""
    if STRING_IDS not in (req.headers.get("Accept") or "") or \
            not (response.content_type or "").startswith("application/json"):
        return response
    try:
        obj = json.loads(response.body)
    except ValueError:
        return response
    response.body = json.dumps(_stringify(obj), separators=(",", ":")).encode()
    return response


def _stringify(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _stringify(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v, key) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and _ID_KEY.search(key):
        return str(value)
    return value


def _read_small_body(req: Request) -> bool:
    """Form or JSON parameters of a non-upload request (PUT restore_states, …); False when
    the body ended before its announced length."""
    content_type, _ = header_params(req.headers.get("Content-Type") or "")
    data = b""
    try:
        while chunk := req.body.read():
            if len(data) <= MAX_SMALL_BODY:
                data += chunk
    except Truncated:
        return False
    if content_type == "application/x-www-form-urlencoded":
        req.form = parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True)
    elif content_type == "application/json" and data.strip():
        try:
            obj = json.loads(data)
        except ValueError:
            return True
        if isinstance(obj, dict):
            req.form = [(str(k), v if isinstance(v, str) else json.dumps(v))
                        for k, v in obj.items() if not isinstance(v, (list, dict))]
    return True


def account_ref(ref: str) -> int | None:
    """The id an `:account_id` path segment names, if it is a known account."""
    account_id = ROOT_ACCOUNT_ID if ref == "self" else (int(ref) if ref.isdigit() else None)
    return account_id if account_id in ACCOUNTS else None


def sis_account(sandbox: "Sandbox", ref: str, req: Request | None = None
                ) -> tuple[int | None, Response | None]:
    """The account checks that come before every SIS route (reference §0), then (with `req`)
    the user check: SisImportsApiController's before_actions run before authorized_action."""
    account_id = account_ref(ref)
    if account_id is None:
        return None, json_response(404, NOT_FOUND)
    if ACCOUNTS[account_id]["root"] is not None:
        return None, json_response(400, NOT_ROOT)
    if not ACCOUNTS[account_id]["sis"]:
        return None, json_response(403, NOT_ENABLED)
    if req is not None and req.anonymous:
        return None, require_user(req)
    return account_id, None


# ---------------------------------------------------------------- simple resources

@route("GET", r"/api/v1/users/self")
def user_self(sandbox, req, args):
    from .records import SANDBOX_USER
    user = dict(SANDBOX_USER)
    user.update(avatar_url=None, locale=None, effective_locale="en", permissions={})
    return json_response(200, user)


@route("GET", _ACC, account_first=True)
def get_account(sandbox, req, args):
    account_id = account_ref(args["account"])
    if account_id is None:
        return json_response(404, NOT_FOUND)
    return require_user(req) or json_response(200, account_json(account_id))


TERM_STATES = ("active", "deleted")


def term_account(sandbox, req, ref: str) -> tuple[int | None, Response | None]:
    """TermsApiController's before_actions: require_context (404), require_root_account
    (400 "Terms only belong to root_accounts."), then require_account_access (401)."""
    account_id = account_ref(ref)
    if account_id is None:
        return None, json_response(404, NOT_FOUND)
    if ACCOUNTS[account_id]["root"] is not None:
        return None, json_response(400, {"message": "Terms only belong to root_accounts."})
    return account_id, require_user(req)


def _other_root_terms(account_id: int) -> list[dict[str, Any]]:
    return [{"id": 100 + account_id, "name": "Default Term", "sis_term_id": None,
             "status": "active"}]


@route("GET", _ACC + r"/terms", account_first=True)
def list_terms(sandbox, req, args):
    """TermsApiController#index: workflow_state[] (active by default, or deleted, all),
    term_name, ordered by start_at DESC, end_at DESC, id."""
    account_id, denied = term_account(sandbox, req, args["account"])
    if denied:
        return denied
    wanted = [s for s in req.get_all("workflow_state[]") + req.get_all("workflow_state")
              if s in TERM_STATES + ("all",)]
    states = TERM_STATES if "all" in wanted else tuple(wanted) or ("active",)
    name = req.get("term_name") or ""
    with sandbox.lock:
        if account_id == ROOT_ACCOUNT_ID:
            terms = sandbox.world.term_list(states, name)
        else:
            terms = [sandbox.world.term_json(t) for t in _other_root_terms(account_id)
                     if "active" in states and name.lower() in t["name"].lower()]
    items, headers = paginate(sandbox, req, terms, with_last=True)
    return json_response(200, {"enrollment_terms": items}, headers)


@route("GET", _ACC + r"/terms/(?P<term>[^/]+)", account_first=True)
def show_term(sandbox, req, args):
    """TermsApiController#show: api_find over the account's terms, with course_count and
    overrides included."""
    account_id, denied = term_account(sandbox, req, args["account"])
    if denied:
        return denied
    with sandbox.lock:
        if account_id == ROOT_ACCOUNT_ID:
            term = sandbox.world.term_by_ref(args["term"])
        else:
            term = next((t for t in _other_root_terms(account_id)
                         if str(t["id"]) == args["term"]), None)
        if term is None:
            return json_response(404, NOT_FOUND)
        return json_response(200, sandbox.world.term_json(term, show=True))


@route("GET", r"/api/v1/progress/(?P<id>[^/]+)")
def get_progress(sandbox, req, args):
    with sandbox.lock:  # any id shape: the token is checked before the look-up, as in Canvas
        progress = sandbox.progresses.get(int(args["id"])) if args["id"].isdigit() else None
        if progress is None:
            return json_response(404, NOT_FOUND)
        return json_response(200, progress.to_json(req.base_url))


@route("GET", r"/files/(?P<id>\d+)/download")
def download_file(sandbox, req, args):
    with sandbox.lock:
        stored = sandbox.files.get(int(args["id"]))
    verifier = req.get("verifier")
    if stored is None or (verifier != stored.verifier and authenticate(sandbox, req) is not None):
        return json_response(404 if stored is None else 401,
                             NOT_FOUND if stored is None else NO_CREDENTIALS,
                             None if stored is None else WWW_AUTH)
    name = stored.display_name.replace('"', "")
    return Response(200, stored.path.read_bytes(), "text/csv",
                    {"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- pagination

def paginate(sandbox: "Sandbox", req: Request, items: list, *, with_last: bool
             ) -> tuple[list, dict[str, str]]:
    per_page = to_int(req.get("per_page")) or 10
    per_page = max(1, min(100, per_page))
    page = max(1, to_int(req.get("page")) or 1)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    kept = [(k, v) for k, v in req.query if k not in ("page", "per_page", "access_token", "api_key")]
    base = (req.base_url or sandbox.url) + req.path

    def link(n: int, rel: str) -> str:
        query = urlencode(kept + [("page", str(n)), ("per_page", str(per_page))])
        return f'<{base}?{query}>; rel="{rel}"'

    last = max(1, -(-len(items) // per_page))
    links = [link(page, "current")]
    if start + per_page < len(items):
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    links.append(link(1, "first"))
    if with_last:
        links.append(link(last, "last"))
    return chunk, {"Link": ",".join(links)}


# ---------------------------------------------------------------- SIS imports

class ImportNotFound(LookupError):
    """No import of this account with that id (in the states asked for): a 404."""


def sis_route(method: str, pattern: str):
    """A route below /api/v1/accounts/:account_id whose handler runs only after the SIS
    account checks, and gets the account id in place of the raw path segment."""
    def register(func):
        def checked(sandbox, req, args):
            account_id, denied = sis_account(sandbox, args.pop("account"), req)
            if denied:
                return denied
            try:
                return func(sandbox, req, account_id, **args)
            except ImportNotFound:
                return json_response(404, NOT_FOUND)
        return route(method, _ACC + pattern, account_first=True)(checked)
    return register


def own_import(sandbox: "Sandbox", account_id: int, import_id: str,
               states: tuple[str, ...] | None = None) -> ImportRecord:
    """The account's import with that id (call with sandbox.lock held)."""
    record = sandbox.imports.get(int(import_id)) if import_id.isdigit() else None
    if record is None or record.account_id != account_id or \
            (states is not None and record.workflow_state not in states):
        raise ImportNotFound(import_id)
    return record


@sis_route("GET", r"/sis_imports")
def list_imports(sandbox, req, account_id):
    since, before = _time(req.get("created_since")), _time(req.get("created_before"))
    states = [s for s in req.get_all("workflow_state[]") + req.get_all("workflow_state")
              if s in STATES]
    with sandbox.lock:
        records = [r for r in sandbox.imports.values() if r.account_id == account_id
                   and (since is None or r.created_at > since)
                   and (before is None or r.created_at < before)
                   and (not states or r.workflow_state in states)]
        records.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        items, headers = paginate(sandbox, req, records, with_last=False)
        body = {"sis_imports": [r.to_json(req.base_url) for r in items]}
    return json_response(200, body, headers)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@sis_route("GET", r"/sis_imports/importing")
def importing(sandbox, req, account_id):
    with sandbox.lock:
        records = [r for r in sandbox.imports.values() if r.account_id == account_id
                   and r.workflow_state in ("importing", "cleanup_batch")]
        records.sort(key=lambda r: r.id)
        return json_response(200, {"sis_imports": [r.to_json(req.base_url) for r in records]})


@sis_route("GET", r"/sis_imports/(?P<import_id>[^/]+)")
def show_import(sandbox, req, account_id, import_id):
    with sandbox.lock:
        record = own_import(sandbox, account_id, import_id)
        return json_response(200, record.to_json(req.base_url))


@sis_route("PUT", r"/sis_imports/(?P<import_id>[^/]+)/abort")
def abort_import(sandbox, req, account_id, import_id):
    with sandbox.lock:
        record = own_import(sandbox, account_id, import_id, UNFINISHED)
        record.workflow_state = "aborted"
        record.touch()
        body = record.to_json(req.base_url)
    sandbox.wake_worker()
    return json_response(200, body)


@sis_route("PUT", r"/sis_imports/abort_all_pending")
def abort_all_pending(sandbox, req, account_id):
    with sandbox.lock:
        for record in sandbox.imports.values():
            if record.account_id == account_id and \
                    record.workflow_state in ("initializing", "created"):
                record.workflow_state, record.progress = "aborted", 100
                record.touch()
    return json_response(200, {"aborted": True})


@sis_route("PUT", r"/sis_imports/(?P<import_id>[^/]+)/restore_states")
def restore_states(sandbox, req, account_id, import_id):
    undelete, unconclude = to_bool(req.get("undelete_only")), to_bool(req.get("unconclude_only"))
    batch_only = to_bool(req.get("batch_mode"))
    with sandbox.lock:
        record = own_import(sandbox, account_id, import_id)
        if undelete and unconclude:
            return Response(400, b"cannot set both undelete_only and unconclude_only")
        progress = ProgressRecord(sandbox.next_id("progress"), record.id)
        sandbox.progresses[progress.id] = progress
        sandbox.queue_restore(record, progress, batch_only=batch_only, undelete_only=undelete,
                              unconclude_only=unconclude)
        return json_response(200, progress.to_json(req.base_url))


@sis_route("GET", r"/sis_imports/(?P<import_id>[^/]+)/errors")
def import_errors(sandbox, req, account_id, import_id):
    with sandbox.lock:
        record = own_import(sandbox, account_id, import_id)
        rows = list(record.errors)
    return _error_rows(sandbox, req, rows)


@sis_route("GET", r"/sis_import_errors")
def account_errors(sandbox, req, account_id):
    with sandbox.lock:
        rows = [e for r in sandbox.imports.values() if r.account_id == account_id
                for e in r.errors]
    return _error_rows(sandbox, req, rows)


def _error_rows(sandbox, req, rows) -> Response:
    if to_bool(req.get("failure")):
        rows = [e for e in rows if e.failure]
    rows.sort(key=lambda e: e.id, reverse=True)
    items, headers = paginate(sandbox, req, rows, with_last=True)
    return json_response(200, {"sis_import_errors": [e.to_json() for e in items]}, headers)


# ---------------------------------------------------------------- create

RAW_EXTENSIONS = {"application/zip": "zip", "text/xml": "xml", "text/plain": "csv",
                  "text/csv": "csv"}


@route("POST", _ACC + r"/sis_imports")
def create_import(sandbox: "Sandbox", req: Request, args) -> Response:
    """Reads the whole body first (as Rails does), then validates in Canvas's order."""
    content_type = req.headers.get("Content-Type") or ""
    media, ct_params = header_params(content_type)
    incoming = Path(tempfile.mkdtemp(prefix="upload-", dir=sandbox.uploads_dir()))
    try:
        upload_path, upload_name, bad = _receive(sandbox, req, media, ct_params, incoming)
        if bad is not None:
            return bad
        denied = authenticate(sandbox, req)
        if denied is not None:
            return denied
        response = _create(sandbox, req, args, media, ct_params, upload_path, upload_name)
        if not req.anonymous:
            response.headers.update(sandbox.rate_headers())
        return response
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def _receive(sandbox, req, media, ct_params, folder: Path):
    """Store the upload in `folder`. Returns (path or None, name, error response or None)."""
    if media.startswith("multipart/form-data"):
        try:
            form = parse_multipart(req.body, ct_params.get("boundary", ""), folder)
        except MultipartError:
            req.body.drain()
            return None, None, bad_request(sandbox)
        req.form = [(k, v) for k, values in form.fields.items() for v in values]
        attachment = form.files.get("attachment")
        if attachment is None:
            return None, None, None
        return attachment.path, attachment.filename, None
    path = folder / "raw_body"
    try:
        req.body.save(path)
    except Truncated:
        return None, None, bad_request(sandbox)
    return path, None, None


def _create(sandbox, req, args, media, ct_params, upload_path, upload_name) -> Response:
    account_id, denied = sis_account(sandbox, args["account"], req)
    if denied:
        return denied
    if (req.get("import_type") or "instructure_csv") != "instructure_csv":
        return error_500(sandbox)
    multipart = media.startswith("multipart/form-data")
    if multipart and upload_path is None:
        return json_response(400, {"error": True, "error_message": "Missing attachment"})
    if not multipart:
        extension = req.get("extension")
        if extension:
            upload_name = f"sis_import.{extension}"
        else:
            charset = ct_params.get("charset")
            if charset is not None and charset.lower() != "utf-8":
                return json_response(400, {"error": "Invalid content type, UTF-8 required"})
            upload_name = f"sis_import.{RAW_EXTENSIONS.get(media, 'zip')}"
    options = default_options()
    with sandbox.lock:
        # SisImportsApiController#create: with batch_mode, a given batch_mode_term_id is looked
        # up first (api_find: 404 when it names no active term); only without a term may
        # multi_term_batch_mode stand in for it. `if batch_mode_term … elsif multi_term …
        # elsif diffing`: a found term wins over both.
        batch_term = None
        multi_term = req.has("multi_term_batch_mode")
        if to_bool(req.get("batch_mode")):
            term_ref = (req.get("batch_mode_term_id") or "").strip()
            if term_ref:
                batch_term = sandbox.world.find_term(term_ref)
                if batch_term is None:
                    return json_response(404, NOT_FOUND)
            elif not multi_term:
                return json_response(400, {"message": "Batch mode specified, but the given "
                                                      "batch_mode_term_id cannot be found."})
        if batch_term is not None:
            options.update(batch_mode=True, batch_mode_term_id=batch_term["id"])
            multi_term = False
        record = ImportRecord(sandbox.next_id("import"), account_id, None, options)
        sandbox.imports[record.id] = record
    stored = sandbox.store_upload(record.id, upload_path, upload_name)
    with sandbox.lock:
        record.upload = stored
        problem = _late_options(req, record, multi_term)
        if problem is not None:
            return json_response(400, {"message": problem})  # record stays `initializing`
        record.workflow_state = "created"
        record.touch()
        body = record.to_json(req.base_url)
    sandbox.wake_worker()
    return json_response(200, body)


def _late_options(req: Request, record: ImportRecord, multi_term: bool) -> str | None:
    """Options Canvas checks after the batch was saved; a problem leaves it initializing."""
    opts = record.options
    threshold = to_int(req.get("change_threshold"))
    if threshold is not None:
        opts["change_threshold"] = threshold
    if multi_term:
        opts["batch_mode"] = True
        opts["multi_term_batch_mode"] = to_bool(req.get("multi_term_batch_mode"))
        if threshold is None:
            return "change_threshold is required to use multi term_batch mode."
    opts["skip_deletes"] = to_bool(req.get("skip_deletes"))
    if to_bool(req.get("override_sis_stickiness")):
        opts["override_sis_stickiness"] = True
        if to_bool(req.get("add_sis_stickiness")):
            opts["add_sis_stickiness"] = True
        if to_bool(req.get("clear_sis_stickiness")):
            opts["clear_sis_stickiness"] = True
    opts["update_sis_id_if_login_claimed"] = to_bool(req.get("update_sis_id_if_login_claimed"))
    identifier = req.get("diffing_data_set_identifier")
    if identifier and identifier.strip() and not opts["batch_mode"]:  # `elsif` after batch
        opts["diffing_data_set_identifier"] = identifier
        opts["diffing_remaster"] = to_bool(req.get("diffing_remaster_data_set"))
        opts["diffing_threshold_exceeded"] = False
    drop = req.get("diffing_drop_status")
    if drop and drop.strip():  # `params[:diffing_drop_status].present?`: blank is ignored
        if drop not in DROP_STATUSES:
            return "Invalid diffing_drop_status"
        opts["diffing_drop_status"] = drop
    remove = req.get("diffing_user_remove_status")
    if remove and remove.strip():
        if remove not in USER_REMOVE_STATUSES:
            return "Invalid diffing_user_remove_status"
        opts["diffing_user_remove_status"] = remove
    batch_drop = req.get("batch_mode_enrollment_drop_status")
    if batch_drop and batch_drop.strip():
        if batch_drop not in DROP_STATUSES:
            return "Invalid batch_mode_enrollment_drop_status"
        record.batch_enrollment_drop_status = batch_drop
    rows = to_int(req.get("diff_row_count_threshold"))
    if rows is not None and rows > 0:
        opts["diff_row_count_threshold"] = rows
    return None


from . import reports  # noqa: E402,F401  (registers the Account Reports routes)
