"""The Account Reports API for `sis_export_csv` and `provisioning_csv` (reports reference
§1–2, §5), generated from the sandbox's world: what its imports created.

Runs go created → running → complete, paced by the sandbox's speed (progress stays 0
until the end, `current_line` moves). The file is written when the run starts (a snapshot of
the world then). Downloads: `file_url`/`attachment.url` on the sandbox host need the Bearer
token and answer 302 to a second "file store" host (127.0.0.2, or another port when that
address is not available) that refuses any request carrying an Authorization header.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import api
from .api import NOT_FOUND, _ACC, account_ref, json_response, route, to_bool
from .records import SANDBOX_USER, now, stamp
from .world import ACCOUNTS

if TYPE_CHECKING:
    from .server import Sandbox

KINDS = {"sis_export_csv": "SIS Export", "provisioning_csv": "Provisioning"}
FILES = ("users", "accounts", "terms", "courses", "sections", "enrollments", "groups",
         "group_membership", "group_categories", "xlist", "user_observers", "admins")
PICKUP = 0.5     # seconds at speed 1 before a queued report starts
RUN = 1.5        # seconds at speed 1 for a small report
ROWS_PER_SECOND = 20_000
ROLE_IDS = {"student": 3, "teacher": 4, "ta": 5, "designer": 6, "observer": 7}
BASE_TYPES = {"student": "StudentEnrollment", "teacher": "TeacherEnrollment",
              "ta": "TaEnrollment", "designer": "DesignerEnrollment",
              "observer": "ObserverEnrollment"}
COLUMNS = {
    ("sis_export_csv", "users"): "user_id,integration_id,authentication_provider_id,login_id,password,first_name,last_name,full_name,sortable_name,short_name,email,status",
    ("provisioning_csv", "users"): "canvas_user_id,user_id,integration_id,authentication_provider_id,login_id,first_name,last_name,full_name,sortable_name,short_name,email,status,created_by_sis",
    ("sis_export_csv", "accounts"): "account_id,parent_account_id,name,status",
    ("provisioning_csv", "accounts"): "canvas_account_id,account_id,canvas_parent_id,parent_account_id,name,status,created_by_sis",
    ("sis_export_csv", "terms"): "term_id,name,status,start_date,end_date",
    ("provisioning_csv", "terms"): "canvas_term_id,term_id,name,status,start_date,end_date,created_by_sis",
    ("sis_export_csv", "courses"): "course_id,integration_id,short_name,long_name,account_id,term_id,status,start_date,end_date,course_format,blueprint_course_id",
    ("provisioning_csv", "courses"): "canvas_course_id,course_id,integration_id,short_name,long_name,canvas_account_id,account_id,canvas_term_id,term_id,status,start_date,end_date,course_format,canvas_blueprint_course_id,blueprint_course_id,created_by_sis",
    ("sis_export_csv", "sections"): "section_id,course_id,integration_id,name,status,start_date,end_date",
    ("provisioning_csv", "sections"): "canvas_section_id,section_id,canvas_course_id,course_id,integration_id,name,status,start_date,end_date,canvas_account_id,account_id,created_by_sis",
    ("sis_export_csv", "enrollments"): "course_id,user_id,role,role_id,section_id,status,associated_user_id,limit_section_privileges",
    ("provisioning_csv", "enrollments"): "canvas_course_id,course_id,canvas_user_id,user_id,role,role_id,canvas_section_id,section_id,status,canvas_associated_user_id,associated_user_id,created_by_sis,base_role_type,limit_section_privileges,canvas_enrollment_id",
}
EMPTY_COLUMNS = {  # files the world holds nothing for: header only
    ("sis_export_csv", "groups"): "group_id,group_category_id,account_id,course_id,name,status",
    ("provisioning_csv", "groups"): "canvas_group_id,group_id,canvas_group_category_id,group_category_id,canvas_account_id,account_id,canvas_course_id,course_id,name,status,created_by_sis,context_id,context_type,max_membership",
    ("sis_export_csv", "group_categories"): "group_category_id,account_id,course_id,category_name,status",
    ("provisioning_csv", "group_categories"): "canvas_group_category_id,group_category_id,context_id,context_type,name,role,self_signup,group_limit,auto_leader,status",
    ("sis_export_csv", "group_membership"): "group_id,user_id,status",
    ("provisioning_csv", "group_membership"): "canvas_group_id,group_id,canvas_user_id,user_id,status,created_by_sis",
    ("sis_export_csv", "xlist"): "xlist_course_id,section_id,status",
    ("provisioning_csv", "xlist"): "canvas_xlist_course_id,xlist_course_id,canvas_section_id,section_id,status,canvas_nonxlist_course_id,nonxlist_course_id",
    ("sis_export_csv", "user_observers"): "observer_id,student_id,status",
    ("provisioning_csv", "user_observers"): "canvas_observer_id,observer_id,canvas_student_id,student_id,status,created_by_sis",
    ("sis_export_csv", "admins"): "user_id,account_id,role_id,role,status",
    ("provisioning_csv", "admins"): "admin_user_name,canvas_user_id,user_id,canvas_account_id,account_id,role_id,role,status,created_by_sis",
}
PARAMETERS = {name: f"Include {name.replace('_', ' ')}" for name in FILES}
PARAMETERS.update(enrollment_term_id="The canvas id of the term to get grades from",
                  include_deleted="Include deleted objects",
                  created_by_sis="Only objects created by SIS",
                  skip_message="Do not send a notification")


@dataclass
class ReportRun:
    id: int
    account_id: int
    kind: str
    parameters: dict[str, str]
    created_at: datetime = field(default_factory=now)
    status: str = "created"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    current_line: int | None = None
    rows: int = 0
    path: Path | None = None
    content_type: str = "text/csv"
    file_id: int | None = None
    aborted: bool = False
    deleted: bool = False
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def to_json(self, sandbox: "Sandbox", base: str | None = None) -> dict[str, Any]:
        """The run as Canvas shows it; URLs name `base`, the host the client used."""
        base = base or sandbox.url
        title = KINDS[self.kind]
        end = self.ended_at or now()
        begin = self.started_at or self.created_at
        out: dict[str, Any] = {
            "id": self.id, "report": self.kind, "status": "deleted" if self.deleted else self.status,
            "progress": 100 if self.status in ("complete", "error", "aborted") else 0,
            "current_line": self.current_line, "parameters": dict(self.parameters),
            "created_at": stamp(self.created_at), "started_at": stamp(self.started_at),
            "ended_at": stamp(self.ended_at),
            "run_time": max(0.0, round((end - begin).total_seconds(), 3)),
            "file_url": None, "message": None,
            "user": {"id": SANDBOX_USER["id"], "display_name": SANDBOX_USER["name"],
                     "avatar_image_url": None, "html_url": f"{base}/users/1"},
        }
        if self.status == "complete" and self.path is not None:
            out["file_url"] = f"{base}/accounts/{self.account_id}/files/{self.file_id}/download"
            ts = stamp(self.ended_at)
            name = self.path.name
            out["attachment"] = {
                "id": self.file_id, "uuid": hashlib.sha1(self.secret.encode()).hexdigest()[:40],
                "folder_id": None, "display_name": name, "filename": name,
                "upload_status": "success", "content-type": self.content_type,
                "url": f"{base}/accounts/{self.account_id}/files/{self.file_id}/download?download_frd=1",
                "size": self.path.stat().st_size, "created_at": ts, "updated_at": ts,
                "unlock_at": None, "locked": False, "hidden": False, "lock_at": None,
                "hidden_for_user": False, "thumbnail_url": None, "modified_at": ts,
                "mime_class": "zip" if self.content_type == "application/zip" else "file",
                "media_entry_id": None, "category": "uncategorized", "locked_for_user": False,
            }
            out["message"] = (f"{title} report successfully generated with the following "
                              f"settings. Account: {ACCOUNTS[self.account_id]['name']}; "
                              f"{self.parameters.get('extra_text', '')}")
        elif self.status == "error":
            out["message"] = f"Generating the report, {title}, failed."
        return out


class ReportBook:
    """The runs of one sandbox and its file-store host."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        self.runs: dict[int, ReportRun] = {}
        self.store: FileStore | None = None
        self.key = secrets.token_bytes(16)

    def advance(self, run: ReportRun) -> None:
        """Move the run along by the time passed (call with the sandbox lock held)."""
        sb = self.sandbox
        if run.status not in ("created", "running"):
            return
        elapsed = (now() - run.created_at).total_seconds() * sb.speed
        if run.status == "created" and elapsed >= PICKUP:
            run.status, run.started_at, run.current_line = "running", now(), 0
            self.generate(run)
        if run.status == "running":
            took = RUN + run.rows / ROWS_PER_SECOND
            done = min(1.0, (elapsed - PICKUP) / took)
            run.current_line = int(run.rows * done) // 1000 * 1000
            if done >= 1.0:
                if run.aborted:
                    run.status = "aborted"
                    run.parameters["extra_text"] = "Report has been aborted"
                    run.path = None
                elif run.path is None:
                    run.status = "error"
                    run.parameters["extra_text"] = ("Failed, the report failed to generate a "
                                                    "file. Please try again.")
                else:
                    run.status = "complete"
                    run.current_line = run.rows
                run.ended_at = now()

    def generate(self, run: ReportRun) -> None:
        folder = self.sandbox.data_dir / "reports" / str(run.id)
        folder.mkdir(parents=True, exist_ok=True)
        files = [name for name in FILES if to_bool(run.parameters.get(name))]
        term = run.parameters.get("enrollment_term_id") or run.parameters.get("enrollment_term")
        run.parameters["locale"] = "en"
        run.parameters["extra_text"] = (f"Term: {'All Terms' if not term else term}; Reports: "
                                        + "".join(f"{f} " for f in files))
        if not files:
            run.path = None
            return
        tables = {name: world_rows(self.sandbox, run.kind, name, run.parameters) for name in files}
        run.rows = sum(len(rows) for rows in tables.values())
        date = run.created_at.strftime("%d_%b_%Y")
        if len(files) == 1:
            name = files[0]
            path = folder / f"{run.kind}_{date}_{run.id}-{secrets.token_hex(4)}.csv"
            path.write_bytes(_csv_bytes(header(run.kind, name), tables[name]))
            run.content_type = "text/csv"
        else:
            path = folder / f"{run.kind}_{date}_{run.id}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in files:
                    archive.writestr(f"{name}.csv", _csv_bytes(header(run.kind, name), tables[name]))
            run.content_type = "application/zip"
        run.path = path
        run.file_id = self.sandbox.next_id("file")

    def signature(self, run: ReportRun) -> str:
        return hmac.new(self.key, f"{run.id}:{run.file_id}".encode(), hashlib.sha256).hexdigest()

    def store_url(self, run: ReportRun) -> str:
        if self.store is None:
            self.store = FileStore(self)
            self.sandbox.on_stop.append(self.close_store)
        return f"{self.store.url}/report_files/{run.id}/{run.path.name}?sig={self.signature(run)}"

    def close_store(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            store.close()


def book(sandbox: "Sandbox") -> ReportBook:
    with sandbox.lock:
        found = getattr(sandbox, "_report_book", None)
        if found is None:
            found = sandbox._report_book = ReportBook(sandbox)
        return found


# ---- generating the files from the world --------------------------------------------------------
def header(kind: str, name: str) -> list[str]:
    text = COLUMNS.get((kind, name)) or EMPTY_COLUMNS[(kind, name)]
    return text.split(",")


def _csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def world_rows(sandbox: "Sandbox", kind: str, name: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of one report file, from the world (all of it made by SIS imports)."""
    world = sandbox.world
    deleted_too = to_bool(params.get("include_deleted"))
    term_ref = params.get("enrollment_term_id") or params.get("enrollment_term")
    term_filter = None
    if term_ref:
        found = world.find_term(term_ref)
        term_filter = found["id"] if found else -1
    terms_by_sis = {sis: t for sis, t in world.terms.items()}
    course_ids = {sis: 1000 + i for i, sis in enumerate(world.courses)}
    section_ids = {sis: 3000 + i for i, sis in enumerate(world.sections)}
    user_ids = {sis: 5000 + i for i, sis in enumerate(world.users)}
    account_ids = {sis: 100 + i for i, sis in enumerate(world.accounts)}

    def term_of(course_sis: str) -> dict[str, Any]:
        return terms_by_sis.get(world.term_of_course(course_sis)) or terms_by_sis[""]

    def in_term(course_sis: str) -> bool:
        return term_filter is None or term_of(course_sis)["id"] == term_filter

    rows: list[dict[str, Any]] = []
    if name == "users":
        for sis, item in world.users.items():
            if item.status == "deleted" and not deleted_too and kind == "provisioning_csv":
                continue
            login = item.attrs.get("login") or sis
            rows.append({"canvas_user_id": user_ids[sis], "user_id": sis, "login_id": login,
                         "full_name": sis, "sortable_name": sis, "short_name": sis,
                         "status": "deleted" if item.status.startswith("deleted") else
                         ("suspended" if item.status == "suspended" else "active"),
                         "created_by_sis": True})
    elif name == "accounts":
        for sis, item in world.accounts.items():
            if item.status == "deleted" and not deleted_too and kind == "provisioning_csv":
                continue
            parent = item.attrs.get("parent") or ""
            rows.append({"canvas_account_id": account_ids[sis], "account_id": sis,
                         "canvas_parent_id": account_ids.get(parent, 1), "parent_account_id": parent,
                         "name": item.attrs.get("name") or sis, "status": item.status,
                         "created_by_sis": True})
    elif name == "terms":
        for sis, term in sorted(world.terms.items(), key=lambda kv: kv[1]["id"]):
            if kind == "sis_export_csv" and not sis:
                continue
            if term["status"] == "deleted" and not deleted_too and not sis:
                continue
            rows.append({"canvas_term_id": term["id"], "term_id": sis, "name": term["name"],
                         "status": "deleted" if term["status"] == "deleted" else "active",
                         "start_date": term.get("start_at"), "end_date": term.get("end_at"),
                         "created_by_sis": "batch" in term})
    elif name == "courses":
        for sis, item in world.courses.items():
            status = _course_status(item.status, kind)
            if not deleted_too and status in ("deleted", "concluded", "completed"):
                continue
            if not in_term(sis):
                continue
            term = term_of(sis)
            rows.append({"canvas_course_id": course_ids[sis], "course_id": sis,
                         "short_name": item.attrs.get("short_name") or sis,
                         "long_name": item.attrs.get("long_name") or sis,
                         "canvas_account_id": 1, "account_id": item.attrs.get("account") or "",
                         "canvas_term_id": term["id"], "term_id": term["sis_term_id"] or "",
                         "status": status, "created_by_sis": True})
    elif name == "sections":
        for sis, item in world.sections.items():
            course = item.attrs.get("course", "")
            course_item = world.courses.get(course)
            gone = item.status == "deleted" or (course_item is not None and course_item.status == "deleted")
            if gone and not deleted_too:
                continue
            if not in_term(course):
                continue
            rows.append({"canvas_section_id": section_ids[sis], "section_id": sis,
                         "canvas_course_id": course_ids.get(course), "course_id": course,
                         "name": item.attrs.get("name") or sis,
                         "status": "deleted" if item.status == "deleted" else "active",
                         "canvas_account_id": 1, "created_by_sis": True})
    elif name == "enrollments":
        for i, ((course, section, user_role), item) in enumerate(world.enrollments.items()):
            user, _, role = user_role.partition("|")
            if not in_term(course):
                continue
            status = _enrollment_status(item.status)
            course_item, section_item = world.courses.get(course), world.sections.get(section)
            if (course_item is not None and course_item.status == "deleted") or \
                    (section_item is not None and section_item.status == "deleted"):
                status = "deleted"  # as the report shows it (§2.5)
            if not deleted_too and status in ("deleted", "concluded"):
                continue
            if kind == "sis_export_csv" and status in ("invited", "rejected"):
                continue
            lower = role.lower()
            builtin = lower if lower in ROLE_IDS else None
            rows.append({"canvas_course_id": course_ids.get(course), "course_id": course,
                         "canvas_user_id": user_ids.get(user), "user_id": user,
                         "role": builtin or role, "role_id": ROLE_IDS.get(builtin or "student"),
                         "canvas_section_id": section_ids.get(section) if section else
                         900000 + course_ids.get(course, 0),
                         "section_id": section, "status": status, "created_by_sis": True,
                         "base_role_type": BASE_TYPES.get(builtin or "student"),
                         "limit_section_privileges": False, "canvas_enrollment_id": 20000 + i})
    return rows


def _course_status(status: str, kind: str) -> str:
    status = (status or "active").lower()
    if status.startswith("deleted"):
        return "deleted"
    if status.startswith("completed"):
        return "concluded" if kind == "provisioning_csv" else "completed"
    return "active"


def _enrollment_status(status: str) -> str:
    status = (status or "active").lower()
    if status.startswith("deleted"):
        return "deleted"
    if status.startswith("completed"):
        return "concluded"
    return status if status in ("active", "inactive", "invited", "rejected") else "active"


# ---- the file store on another host ---------------------------------------------------------------
class FileStore:
    """A second HTTP server (127.0.0.2, else 127.0.0.1 on another port) serving report files
    by signed URL. Like S3 with a pre-signed URL, it rejects a request that also carries an
    Authorization header ("Only one auth mechanism allowed")."""

    def __init__(self, book: ReportBook) -> None:
        handler = type("StoreHandler", (_StoreHandler,), {"book": book})
        try:
            self.server = ThreadingHTTPServer(("127.0.0.2", 0), handler)
        except OSError:
            self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True,
                                       name=f"sandbox-file-store-{port}")
        self.thread.start()
        self.requests: list[dict[str, str]] = []  # headers seen, for tests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _StoreHandler(BaseHTTPRequestHandler):
    book: ReportBook
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        return

    def do_GET(self) -> None:
        store = self.book.store
        if store is not None:
            store.requests.append({k.lower(): v for k, v in self.headers.items()})
        if self.headers.get("Authorization"):
            self._send(400, b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument'
                            b'</Code><Message>Only one auth mechanism allowed; only the X-Amz-'
                            b'Algorithm query parameter, Signature query string parameter or the '
                            b'Authorization header should be specified</Message></Error>',
                       "application/xml")
            return
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        query = dict(parse_qsl(parts.query))
        run = None
        if len(segments) == 3 and segments[0] == "report_files" and segments[1].isdigit():
            with self.book.sandbox.lock:
                run = self.book.runs.get(int(segments[1]))
        if run is None or run.path is None or not hmac.compare_digest(
                query.get("sig", ""), self.book.signature(run)):
            self._send(403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml")
            return
        self._send(200, run.path.read_bytes(), run.content_type)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# ---- routes ---------------------------------------------------------------------------------------
def _account(args) -> int | None:
    return account_ref(args["account"])


def _run(sandbox, account_id: int, kind: str, report_id: str) -> ReportRun | None:
    if kind not in KINDS:
        return None
    b = book(sandbox)
    run = b.runs.get(int(report_id))
    if run is None or run.deleted or run.kind != kind or run.account_id != account_id:
        return None
    b.advance(run)
    return run


@route("GET", _ACC + r"/reports")
def available_reports(sandbox, req, args):
    account_id = _account(args)
    if account_id is None:
        return json_response(404, NOT_FOUND)
    out = []
    with sandbox.lock:
        b = book(sandbox)
        for kind, title in sorted(KINDS.items(), key=lambda kv: kv[1]):
            runs = [r for r in b.runs.values() if r.kind == kind and not r.deleted
                    and r.account_id == account_id]
            for r in runs:
                b.advance(r)
            last = max(runs, key=lambda r: r.id, default=None)
            out.append({"report": kind, "title": title,
                        "parameters": {k: {"required": False, "description": d}
                                       for k, d in PARAMETERS.items()},
                        "last_run": last.to_json(sandbox, req.base_url) if last else None})
    return json_response(200, out)


@route("POST", _ACC + r"/reports/(?P<kind>[a-z_]+)")
def start_report(sandbox, req, args):
    account_id = _account(args)
    if account_id is None or args["kind"] not in KINDS:
        return json_response(404, NOT_FOUND)
    params: dict[str, str] = {}
    for key, value in req.params():
        if key.startswith("parameters[") and key.endswith("]"):
            params[key[len("parameters["):-1]] = value
        elif key == "parameters" and value.startswith("{"):
            import json
            try:
                params.update({k: str(v) for k, v in json.loads(value).items()})
            except ValueError:
                pass
    term = params.get("enrollment_term_id") or params.get("enrollment_term")
    with sandbox.lock:
        if term and term != "active_terms" and not all(
                sandbox.world.find_term(t) for t in term.split(",")):
            return json_response(400, {"error": f"invalid enrollment_term_id '{term}'"})
        b = book(sandbox)
        for run in sorted(b.runs.values(), key=lambda r: -r.id):
            b.advance(run)
            if (run.kind == args["kind"] and run.account_id == account_id and not run.deleted
                    and run.status in ("created", "running") and run.parameters == params
                    and now() - run.created_at < timedelta(hours=12)):
                return json_response(409, run.to_json(sandbox, req.base_url), {
                    "Location": f"/api/v1/accounts/{account_id}/reports/{run.kind}/{run.id}"})
        run = ReportRun(sandbox.next_id("report"), account_id, args["kind"], params)
        b.runs[run.id] = run
        return json_response(200, run.to_json(sandbox, req.base_url))


@route("GET", _ACC + r"/reports/(?P<kind>[a-z_]+)")
def list_runs(sandbox, req, args):
    account_id = _account(args)
    if account_id is None:
        return json_response(404, NOT_FOUND)
    with sandbox.lock:
        b = book(sandbox)
        runs = sorted((r for r in b.runs.values() if r.kind == args["kind"] and not r.deleted
                       and r.account_id == account_id), key=lambda r: -r.id)
        for r in runs:
            b.advance(r)
        items, headers = api.paginate(sandbox, req, runs, with_last=False)
        return json_response(200, [r.to_json(sandbox, req.base_url) for r in items], headers)


@route("GET", _ACC + r"/reports/(?P<kind>[a-z_]+)/(?P<id>\d+)")
def show_run(sandbox, req, args):
    account_id = _account(args)
    with sandbox.lock:
        run = _run(sandbox, account_id, args["kind"], args["id"]) if account_id else None
        if run is None:
            return json_response(404, NOT_FOUND)
        return json_response(200, run.to_json(sandbox, req.base_url))


@route("DELETE", _ACC + r"/reports/(?P<kind>[a-z_]+)/(?P<id>\d+)")
def delete_run(sandbox, req, args):
    account_id = _account(args)
    with sandbox.lock:
        run = _run(sandbox, account_id, args["kind"], args["id"]) if account_id else None
        if run is None:
            return json_response(404, NOT_FOUND)
        run.deleted = True
        return json_response(200, run.to_json(sandbox, req.base_url))


@route("PUT", _ACC + r"/reports/(?P<kind>[a-z_]+)/(?P<id>\d+)/abort")
def abort_run(sandbox, req, args):
    account_id = _account(args)
    with sandbox.lock:
        run = _run(sandbox, account_id, args["kind"], args["id"]) if account_id else None
        if run is None or run.status not in ("created", "running"):
            return json_response(404, NOT_FOUND)
        if run.status == "created":  # stops at once
            run.status, run.ended_at, run.path = "aborted", now(), None
            run.parameters["extra_text"] = f"Generating the report, {KINDS[run.kind]}, stopped."
        else:  # a running SIS export runs to its end, then attaches nothing
            run.aborted = True
        return json_response(200, run.to_json(sandbox, req.base_url) | {"status": "aborted"})


@route("GET", r"/accounts/(?P<account>\d+)/files/(?P<file>\d+)/download")
def download_report_file(sandbox, req, args):
    with sandbox.lock:
        b = book(sandbox)
        run = next((r for r in b.runs.values() if r.file_id == int(args["file"])
                    and r.account_id == int(args["account"]) and r.status == "complete"), None)
        if run is None:
            return json_response(404, NOT_FOUND)
        location = b.store_url(run)
    return api.Response(302, b"", "text/html; charset=utf-8", {"Location": location})
