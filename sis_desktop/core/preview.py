"""Preview an upload against Canvas's own data (reports reference §3): what a full batch
will delete, whether `change_threshold` stops it, what each row creates or changes, and
which references exist nowhere.

    result = run_preview(paths, options, client, cache_dir=..., on_stage=cb, cancelled=event)
    result.batch.deletes, result.batch.threshold, result.changes, result.unresolved

The upload's ids are taken in the validator's own pass (`UploadIds`, a collector), and the
`provisioning_csv` report is read as a stream: memory grows with the number of ids, not
with the rows' text. No Qt here.
"""
from __future__ import annotations

import operator
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from .canvas.options import ImportOptions
from .canvas.reports import (DEFAULT_MAX_AGE, FILE_ORDER, FetchedReport, ReportFile,
                             fetch_report, open_report_files)

KIND = "provisioning_csv"
BATCH_TYPES = ("course", "section", "enrollment")
PLURAL = {"course": "courses", "section": "sections", "enrollment": "enrollments"}
BUILTIN_ROLES = frozenset({"student", "teacher", "ta", "observer", "designer"})
# the usual spellings of the built-in roles → the key used for them (the one string object)
ROLE_KEYS = {v: r for r in BUILTIN_ROLES for v in (r, r.upper(), r.capitalize())}
STAGES = ("validating", "queued", "running", "downloading", "comparing")

# status codes kept per id (small ints: no memory per row)
ACTIVE, COMPLETED, INACTIVE, DELETED, SUSPENDED, OTHER = range(6)
SEEN = 8  # added to an upload enrollment's code once Canvas's report showed it
_UPLOAD_STATUS = {"active": ACTIVE, "published": ACTIVE, "completed": COMPLETED,
                  "concluded": COMPLETED, "inactive": INACTIVE, "deleted": DELETED,
                  "deleted_last_completed": DELETED, "suspended": SUSPENDED}
_REPORT_STATUS = {"active": ACTIVE, "unpublished": ACTIVE, "available": ACTIVE, "invited": ACTIVE,
                  "creation_pending": ACTIVE, "concluded": COMPLETED, "completed": COMPLETED,
                  "inactive": INACTIVE, "deleted": DELETED, "suspended": SUSPENDED,
                  "rejected": OTHER}

LIMITS = (
    "Objects changed in Canvas after the report was generated (by people, other imports or "
    "integrations) are not in the preview.",
    "Stickiness: fields changed in the Canvas UI are kept by Canvas unless 'override UI "
    "changes' is set; the preview counts such rows as updates all the same.",
    "Objects Canvas itself protects or hides from the report (enrollments of users without a "
    "usable login, test students, cross-listed sections whose original course is in another "
    "term, enrollments shown as deleted because their course or section is deleted) can make "
    "Canvas's numbers differ.",
    "Rows the pre-flight check cannot judge (e.g. a custom role Canvas does not know, a "
    "student in a blueprint course) are counted as if Canvas accepts them.",
)


def status_code(value: str, table: dict[str, int] = _UPLOAD_STATUS) -> int:
    return table.get(value.strip().lower() or "active", OTHER)


# ---- the upload's ids, taken in the validator's pass ------------------------------------------
class UploadIds:
    """Collector for `validate_paths(collector=...)`: the ids and statuses of every row the
    validator lets through (rows it predicts Canvas will skip never arrive here)."""

    COLUMNS = {
        "account": ("account_id", "parent_account_id", "status"),
        "term": ("term_id", "status"),
        "course": ("course_id", "term_id", "account_id", "status"),
        "section": ("section_id", "course_id", "status"),
        "user": ("user_id", "integration_id", "status"),
        "enrollment": ("course_id", "section_id", "user_id", "user_integration_id", "role",
                       "role_id", "associated_user_id", "status"),
    }

    def __init__(self, skip_deletes: bool = False, skip_files: frozenset[str] = frozenset()) -> None:
        self.skip_deletes = skip_deletes
        self.skip_files = skip_files  # files Canvas rejects whole: their rows do not count
        self.files_seen: set[str] = set()
        self.accounts: dict[str, int] = {}
        self.terms: dict[str, int] = {}
        self.courses: dict[str, tuple[str, int]] = {}          # id → (term_id, status)
        self.sections: dict[str, tuple[str, int]] = {}         # id → (course_id, status)
        self.users: dict[str, int] = {}
        self.user_integrations: set[str] = set()
        self.enrollments: dict[tuple[str, str, str], int] = {}  # (section ref, user, role) → status
        self.enrollments_per_ref: dict[str, list[int]] = {}  # section ref → keys per status code
        self.role_ids = False
        self.pending: list[tuple[str, int, tuple]] = []  # rows whose references are not in the upload
        self.skipped: dict[str, int] = {}  # rows skipped by skip_deletes, per type
        self._strings: dict[str, str] = {}

    # collector protocol
    def columns(self, type_name: str):
        return self.COLUMNS.get(type_name)

    def sink(self, type_name: str, file_name: str):
        self.files_seen.add(file_name)
        if file_name in self.skip_files:
            return _ignore
        return getattr(self, "_" + type_name)(file_name)

    def _skip(self, kind: str, status: str) -> bool:
        if self.skip_deletes and status.lower().startswith("deleted"):
            self.skipped[kind] = self.skipped.get(kind, 0) + 1
            return True
        return False

    def _account(self, file_name):
        def add(n, account_id, parent, status):
            if self._skip("account", status):
                return
            if parent and parent not in self.accounts:
                self.pending.append((file_name, n, ("parent", account_id, parent)))
            self.accounts[account_id] = status_code(status)
        return add

    def _term(self, file_name):
        def add(n, term_id, status):
            if not self._skip("term", status):
                self.terms[term_id] = status_code(status)
        return add

    def _course(self, file_name):
        def add(n, course_id, term_id, account_id, status):
            if self._skip("course", status):
                return
            if account_id and account_id not in self.accounts:
                self.pending.append((file_name, n, ("account", course_id, account_id)))
            if term_id and term_id not in self.terms:
                self.pending.append((file_name, n, ("term", course_id, term_id)))
            self.courses[course_id] = (term_id, status_code(status))
        return add

    def _section(self, file_name):
        def add(n, section_id, course_id, status):
            if self._skip("section", status):
                return
            if course_id not in self.courses:
                self.pending.append((file_name, n, ("course", section_id, course_id)))
            self.sections[section_id] = (course_id, status_code(status))
        return add

    def _user(self, file_name):
        def add(n, user_id, integration_id, status):
            if self._skip("user", status):
                return
            self.users[self._s(user_id)] = status_code(status)
            if integration_id:
                self.user_integrations.add(integration_id)
        return add

    def _enrollment(self, file_name):
        ids = self
        pending = self.pending
        skip_deletes = self.skip_deletes
        course_refs: dict[str, str] = {}  # course id → its default section's ref

        # The hot path of a million-row file: every name it uses is a local (default args).
        def add(n, course_id, section_id, user_id, user_integration_id, role, role_id, assoc,
                status, intern=self._strings.setdefault, users=self.users,
                sections=self.sections, courses=self.courses, roles=ROLE_KEYS,
                enrollments=self.enrollments, per_ref=self.enrollments_per_ref,
                codes=_UPLOAD_STATUS, integrations=self.user_integrations):
            code = ACTIVE if not status or status == "active" else codes.get(status.lower(), OTHER)
            if code == DELETED and skip_deletes:
                ids.skipped["enrollment"] = ids.skipped.get("enrollment", 0) + 1
                return
            if user_id:
                user = intern(user_id, user_id)
                missing = user_id not in users
            else:
                user = "\x01" + user_integration_id
                user = intern(user, user)
                missing = user_integration_id not in integrations
            if section_id:
                ref = intern(section_id, section_id)
                if section_id not in sections or (course_id and course_id not in courses):
                    missing = True
            else:
                ref = course_refs.get(course_id)
                if ref is None:
                    ref = "\x00" + course_id
                    ref = course_refs[course_id] = intern(ref, ref)
                if course_id not in courses:
                    missing = True
            key_role = roles.get(role)
            if key_role is None or assoc:
                key_role = _role_key(ids, role, role_id, assoc, key_role, intern)
            key = (ref, user, key_role)
            size = len(enrollments)
            enrollments[key] = code
            if len(enrollments) != size:  # a new key: count it under its section (for N)
                counts = per_ref.get(ref)
                if counts is None:
                    counts = per_ref[ref] = [0] * 6
                counts[code] += 1
            if missing:
                pending.append((file_name, n, ("enrollment", course_id, section_id, user_id,
                                               user_integration_id, key)))
        return add

    def _s(self, value: str) -> str:
        return self._strings.setdefault(value, value)


def _role_key(ids: UploadIds, role: str, role_id: str, assoc: str, known: str | None,
              intern) -> str:
    """The role part of an enrollment's key when it is not a plain built-in role."""
    if known is not None:
        key = known
    elif role:
        key = role
    elif role_id:
        key = "\x02" + role_id
        ids.role_ids = True
    else:
        key = "student"
    if assoc:
        key = key + "\x00" + assoc
    return intern(key, key)


def _ignore(*_values) -> None:
    return None


# ---- results ----------------------------------------------------------------------------------
@dataclass
class Deletion:
    """One object the batch's cleanup would delete (or set to the drop status)."""
    type: str          # course | section | enrollment
    id: str            # SIS id (enrollments: user id)
    canvas_id: str
    name: str = ""
    course_id: str = ""
    section_id: str = ""
    role: str = ""
    status: str = ""   # its status in Canvas now
    new_status: str = "deleted"
    cascade: bool = False  # deleted with its section or course, not counted by Canvas

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None) or k == "id"}


@dataclass
class Threshold:
    percent: int | None
    would_stop: bool
    worst_type: str | None
    worst_percent: float
    per_type: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"percent": self.percent, "would_stop": self.would_stop,
                "worst": {"type": self.worst_type, "percent": round(self.worst_percent, 2)}
                if self.worst_type else None,
                "per_type": self.per_type}


@dataclass
class BatchPreview:
    term_ids: list[str]          # the batch term(s) as Canvas ids where known
    term_names: list[str]
    supplied: list[str]
    deletes: dict[str, int]
    drop_status: str
    threshold: Threshold
    items: list[Deletion] = field(default_factory=list)
    cascaded: list[Deletion] = field(default_factory=list)

    def sentence(self) -> str:
        parts = [f"{self.deletes[PLURAL[t]]:,} {_noun(t, self.deletes[PLURAL[t]])}"
                 for t in BATCH_TYPES if PLURAL[t] in self.deletes]
        where = ", ".join(self.term_names) or "the batch term"
        verb = "delete" if self.drop_status == "deleted" else "remove"
        if not parts or not any(self.deletes.values()):
            return f"Canvas will delete nothing in {where}."
        text = f"Canvas will {verb} {_join(parts)} in {where}"
        if self.drop_status != "deleted" and self.deletes.get("enrollments"):
            text += f" (enrollments set to {self.drop_status})"
        return text + "."

    def to_json(self, details: bool = False) -> dict[str, Any]:
        term_ids = [int(t) if t.isdigit() else t for t in self.term_ids]  # Canvas ids are numbers
        out: dict[str, Any] = {"term_ids": term_ids, "terms": self.term_names,
                               "supplied": self.supplied, "deletes": self.deletes,
                               "drop_status": self.drop_status,
                               "cascaded_enrollments": len(self.cascaded),
                               "threshold": self.threshold.to_json()}
        if details:
            out["items"] = [d.to_json() for d in self.items]
            out["cascaded"] = [d.to_json() for d in self.cascaded]
        return out


@dataclass
class Unresolved:
    file: str
    row: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "message": self.message}


@dataclass
class PreviewResult:
    report: FetchedReport
    batch: BatchPreview | None
    changes: dict[str, dict[str, int]]
    unresolved: list[Unresolved]
    references: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[Unresolved] = field(default_factory=list)
    limits: tuple[str, ...] = LIMITS

    def change_counts(self, kind: str) -> str:
        """E.g. "3 new, 12 updated, 1 status changed" for `kind` ("course", …)."""
        c = self.changes[kind]
        return f"{c['new']:,} new, {c['updated']:,} updated, {c['status_changed']:,} status changed"

    def references_sentence(self) -> str:
        """What the rows reference outside the files, per kind ("" when nothing)."""
        if not self.references:
            return ""
        return "References to what is not in the files: " + "; ".join(
            f"{kind} {c['in_canvas']:,} found in Canvas, {c['nowhere']:,} nowhere"
            for kind, c in self.references.items()) + "."

    def to_json(self, details: bool = False) -> dict[str, Any]:
        r = self.report.report
        return {
            "report": {"kind": r.report or KIND, "id": r.id,
                       "created_at": r.created_at.isoformat() if r.created_at else None,
                       "ended_at": r.ended_at.isoformat() if r.ended_at else None,
                       "age_seconds": self.report.age_seconds, "source": self.report.source},
            "batch": self.batch.to_json(details) if self.batch else None,
            "changes": self.changes,
            "unresolved": [u.to_json() for u in self.unresolved],
            "references": self.references,
            "notes": [u.to_json() for u in self.notes],
            "limits": list(self.limits),
        }


def _noun(kind: str, n: int) -> str:
    return kind if n == 1 else PLURAL[kind]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---- the comparison ---------------------------------------------------------------------------
def report_parameters(types: Iterable[str], options: ImportOptions) -> dict[str, str]:
    """The provisioning report's parameters for an upload holding `types`.

    No term filter (it would hide the other terms' courses that references and moved courses
    need) and no `created_by_sis` (filtered here): reference §3.6–3.7."""
    types = set(types)
    files = {"terms"}
    if options.is_batch or types & {"course", "section", "enrollment", "xlist"}:
        files |= {"courses", "sections", "enrollments"}
    if types & {"account", "course", "section"}:
        files.add("accounts")
    if types & {"user", "enrollment", "login"}:
        files.add("users")
    params = {name: "true" for name in sorted(files)}
    params.update(include_deleted="true", skip_message="true")
    return params


class Comparison:
    """Streams the report's files against the upload's ids."""

    def __init__(self, ids: UploadIds, options: ImportOptions, supplied: list[str]):
        self.ids = ids
        self.options = options
        self.supplied = supplied
        self.drop = (options.batch_mode_enrollment_drop_status or "deleted") if options.is_batch else "deleted"
        self.changes: dict[str, dict[str, int]] = {}
        self.unresolved: list[Unresolved] = []
        # Canvas's side
        self.term_key_of_id: dict[str, str] = {}   # canvas term id → term key
        self.term_names: dict[str, str] = {}
        self.active_terms: set[str] = set()
        self.default_term: str | None = None
        self.accounts: set[str] = set()
        self.user_ids: set[str] = set()
        self.user_integration_of: dict[str, str] = {}
        self.course_term: dict[str, str] = {}      # canvas course id → term key (post-import)
        self.course_sis: dict[str, str] = {}       # canvas course id → SIS id
        self.course_names: dict[str, str] = {}
        self.canvas_courses: dict[str, str] = {}   # SIS id → term key (now)
        self.canvas_sections: dict[str, str] = {}  # SIS id → course SIS id
        self.doomed_courses: set[str] = set()      # canvas ids of candidate courses
        self.doomed_sections: set[str] = set()
        self.items: list[Deletion] = []
        self.cascaded: list[Deletion] = []
        self.counts = {"course": [0, 0], "section": [0, 0], "enrollment": [0, 0]}  # n, N
        self.batch_terms: set[str] = set()
        self.enrollments_seen = 0  # the upload's enrollments found in Canvas's report
        self.references: dict[str, dict[str, int]] = {}  # rows' references not in the upload
        self.notes: list[Unresolved] = []

    # -- helpers
    def _change(self, kind: str, what: str, n: int = 1) -> None:
        slot = self.changes.setdefault(PLURAL.get(kind, kind + "s"),
                                       {"new": 0, "updated": 0, "status_changed": 0})
        slot[what] += n

    @staticmethod
    def _col(f: ReportFile, *names: str):
        return [f.column(n) for n in names]

    def post_term(self, course_sis: str, now: str | None) -> str | None:
        """The term a course will be in after the import (the upload's term_id when Canvas
        accepts it: an active term; else the term it has now, or the default term)."""
        row = self.ids.courses.get(course_sis) if course_sis else None
        if row is not None:
            term = row[0]
            if term and (f"sis:{term}" in self.active_terms or self.ids.terms.get(term) == ACTIVE):
                return f"sis:{term}"
            return now if now is not None else self.default_term
        return now

    # -- report files, in Canvas's zip order (users, accounts, terms, courses, sections, enrollments)
    def read(self, files: dict[str, ReportFile], cancelled: threading.Event | None,
             tick: Callable[[], None]) -> None:
        if "users" in files:
            self.read_users(files["users"])
        if "accounts" in files:
            self.read_accounts(files["accounts"])
        if "terms" in files:
            self.read_terms(files["terms"])
        self.resolve_batch_terms()
        self.resolve_references(("parent", "account"))  # rows that error are not stamped
        if "courses" in files:
            self.read_courses(files["courses"])
        self.resolve_references(("course",))
        if "sections" in files:
            self.read_sections(files["sections"])
        self.resolve_references(("term", "enrollment"))
        self.count_upload_courses_sections()
        if "enrollments" in files:
            self.read_enrollments(files["enrollments"], cancelled, tick)
        self.finish_enrollments()

    def read_users(self, f: ReportFile) -> None:
        uid, integ, status = self._col(f, "user_id", "integration_id", "status")
        upload = self.ids.users
        seen: set[str] = set()
        for row in f.rows:
            user = row[uid] if uid is not None else ""
            if not user:
                continue
            self.user_ids.add(user)
            if integ is not None and row[integ]:
                self.user_integration_of[user] = row[integ]
            code = upload.get(user)
            if code is not None and user not in seen:
                seen.add(user)
                now = status_code(row[status], _REPORT_STATUS) if status is not None else ACTIVE
                self._change("user", "status_changed" if now != code else "updated")
        if upload:
            self._change("user", "new", len(set(upload) - seen))

    def read_accounts(self, f: ReportFile) -> None:
        aid, status = self._col(f, "account_id", "status")
        upload = self.ids.accounts
        seen = 0
        for row in f.rows:
            account = row[aid] if aid is not None else ""
            if not account:
                continue
            self.accounts.add(account)
            code = upload.get(account)
            if code is not None:
                seen += 1
                now = status_code(row[status], _REPORT_STATUS)
                self._change("account", "status_changed" if now != code else "updated")
        if upload:
            self._change("account", "new", len(upload) - seen)

    def read_terms(self, f: ReportFile) -> None:
        cid, tid, name, status = self._col(f, "canvas_term_id", "term_id", "name", "status")
        upload = self.ids.terms
        seen = 0
        for row in f.rows:
            sis = row[tid] if tid is not None else ""
            canvas_id = row[cid] if cid is not None else ""
            key = f"sis:{sis}" if sis else f"id:{canvas_id}"
            self.term_key_of_id[canvas_id] = key
            self.term_names[key] = row[name] if name is not None else sis
            deleted = status is not None and row[status].strip().lower() == "deleted"
            if not deleted:
                self.active_terms.add(key)
            if not sis and not deleted and (self.default_term is None or
                                            (row[name] if name is not None else "") == "Default Term"):
                self.default_term = key
            code = upload.get(sis) if sis else None
            if code is not None:
                seen += 1
                self._change("term", "status_changed" if (DELETED if deleted else ACTIVE) != code
                             else "updated")
        if upload:
            self._change("term", "new", len(upload) - seen)

    def resolve_batch_terms(self) -> None:
        options = self.options
        if not options.is_batch:
            return
        if options.multi_term_batch_mode:
            self.batch_terms = {f"sis:{t}" for t in self.ids.terms}
            for t in self.ids.terms:
                self.term_names.setdefault(f"sis:{t}", t)
            return
        ref = (options.batch_mode_term_id or "").strip()
        if ref.startswith("sis_term_id:"):
            self.batch_terms = {"sis:" + ref.split(":", 1)[1]}
        elif ref.lower() == "default" and self.default_term:
            self.batch_terms = {self.default_term}
        else:
            self.batch_terms = {self.term_key_of_id.get(ref, f"id:{ref}")}

    def read_courses(self, f: ReportFile) -> None:
        cid, sis, name, short, tid, status, by_sis = self._col(
            f, "canvas_course_id", "course_id", "long_name", "short_name", "canvas_term_id",
            "status", "created_by_sis")
        upload = self.ids.courses
        terms = self.batch_terms
        seen = 0
        for row in f.rows:
            canvas_id, course = row[cid], row[sis] if sis is not None else ""
            now = self.term_key_of_id.get(row[tid], f"id:{row[tid]}") if tid is not None else None
            post = self.post_term(course, now)
            self.course_term[canvas_id] = post
            self.course_sis[canvas_id] = course
            title = (row[name] if name is not None else "") or (row[short] if short is not None else "")
            self.course_names[canvas_id] = title
            state = status_code(row[status], _REPORT_STATUS) if status is not None else ACTIVE
            if course:
                self.canvas_courses[course] = now
                mine = upload.get(course)
                if mine is not None:
                    seen += 1
                    self._change("course", "status_changed" if state != mine[1] else "updated")
            if not terms or "course" not in self.supplied:
                continue
            sis_made = by_sis is None or row[by_sis].strip().lower() == "true"
            if sis_made and course and state != DELETED and post in terms and course not in upload:
                self.counts["course"][0] += 1
                self.doomed_courses.add(canvas_id)
                self.items.append(Deletion("course", course, canvas_id, title, course_id=course,
                                           status=row[status] if status is not None else ""))
        if upload:
            self._change("course", "new", len(upload) - seen)

    def read_sections(self, f: ReportFile) -> None:
        sid, sis, ccid, csis, name, status, by_sis = self._col(
            f, "canvas_section_id", "section_id", "canvas_course_id", "course_id", "name",
            "status", "created_by_sis")
        upload = self.ids.sections
        terms = self.batch_terms
        seen = 0
        for row in f.rows:
            section = row[sis] if sis is not None else ""
            course_canvas = row[ccid] if ccid is not None else ""
            course = row[csis] if csis is not None else self.course_sis.get(course_canvas, "")
            state = status_code(row[status], _REPORT_STATUS) if status is not None else ACTIVE
            if section:
                self.canvas_sections[section] = course
                mine = upload.get(section)
                if mine is not None:
                    seen += 1
                    self._change("section", "status_changed" if state != mine[1] else "updated")
            if not terms or "section" not in self.supplied:
                continue
            sis_made = by_sis is None or row[by_sis].strip().lower() == "true"
            if not (sis_made and section and state != DELETED) or section in upload:
                continue
            if self.course_term.get(course_canvas) in terms:
                self.counts["section"][0] += 1
                self.doomed_sections.add(row[sid])
                self.items.append(Deletion("section", section, row[sid],
                                           row[name] if name is not None else "",
                                           course_id=course, section_id=section,
                                           status=row[status] if status is not None else ""))
        if upload:
            self._change("section", "new", len(upload) - seen)

    def _course_post_term(self, course_sis: str) -> str | None:
        return self.post_term(course_sis, self.canvas_courses.get(course_sis))

    def count_upload_courses_sections(self) -> None:
        """N: the stamped, non-deleted objects of the upload that land in the batch term(s)."""
        terms = self.batch_terms
        if not terms:
            return
        if "course" in self.supplied:
            for course, (_term, code) in self.ids.courses.items():
                if code != DELETED and self._course_post_term(course) in terms:
                    self.counts["course"][1] += 1
        if "section" in self.supplied:
            for _section, (course, code) in self.ids.sections.items():
                if code != DELETED and self._course_post_term(course) in terms:
                    self.counts["section"][1] += 1

    def resolve_references(self, kinds: tuple[str, ...]) -> None:
        """References to what is not in the upload, looked up in Canvas's data: counted per
        kind (`references`); rows whose reference exists nowhere get Canvas's message
        (`unresolved`) and their enrollments are dropped from the upload's set (Canvas will
        not stamp them); an unknown course term is a note (Canvas says nothing)."""
        ids = self.ids
        courses = set(ids.courses) | set(self.canvas_courses)
        sections = set(ids.sections) | set(self.canvas_sections)
        integrations = set(self.user_integration_of.values())
        accounts = self.accounts | set(ids.accounts)
        seen: dict[str, list[int]] = {}

        def found(kind: str, value: str, known: bool) -> bool:
            if value:
                seen.setdefault(kind, [0, 0])[0 if known else 1] += 1
            return known

        later = []
        for item in ids.pending:
            file_name, n, ref = item
            kind = ref[0]
            if kind not in kinds:
                later.append(item)
                continue
            message = None
            if kind in ("parent", "account"):
                if not found("account", ref[2], ref[2] in accounts):
                    message = (f"Parent account didn't exist for {ref[1]}" if kind == "parent"
                               else f'Account not found "{ref[2]}" for course {ref[1]}')
                    if kind == "account":
                        ids.courses.pop(ref[1], None)
            elif kind == "term":
                if not found("term", ref[2], f"sis:{ref[2]}" in self.active_terms):
                    self.notes.append(Unresolved(file_name, n, (
                        f"Course {ref[1]} names term {ref[2]}, which is not an active term in "
                        f"Canvas; Canvas ignores it without a message (an existing course keeps "
                        f"its term, a new one goes to the default term).")))
            elif kind == "course":
                if not found("course", ref[2], ref[2] in courses):
                    message = f"Section {ref[1]} references course {ref[2]} which doesn't exist"
                    ids.sections.pop(ref[1], None)
            elif kind == "enrollment":
                _, course, section, user, integration, key = ref
                shown = user or integration
                if user:
                    user_known = user in ids.users or found("user", user, user in self.user_ids)
                else:
                    user_known = integration in ids.user_integrations or found(
                        "user", integration, integration in integrations)
                course_known = not course or course in ids.courses or found(
                    "course", course, course in courses)
                section_known = not section or section in ids.sections or found(
                    "section", section, section in sections)
                if not user_known:
                    message = (f"User not found for enrollment (User ID: {shown}, Course ID: "
                               f"{course}, Section ID: {section})")
                elif not course_known and not section_known:
                    message = (f"Neither course nor section existed for user enrollment "
                               f"(Course ID: {course}, Section ID: {section}, User ID: {shown})")
                elif not section_known:
                    message = f"An enrollment referenced a non-existent section {section}"
                elif not course_known:
                    message = f"An enrollment referenced a non-existent course {course}"
                if message:
                    code = ids.enrollments.pop(key, None)
                    if code is not None:
                        ids.enrollments_per_ref[key[0]][code % SEEN] -= 1
            if message:
                self.unresolved.append(Unresolved(file_name, n, message))
        ids.pending = later
        for k, (a, b) in seen.items():
            slot = self.references.setdefault(PLURAL.get(k, k + "s"), {"in_canvas": 0, "nowhere": 0})
            slot["in_canvas"] += a
            slot["nowhere"] += b
        self.references = dict(sorted(self.references.items()))

    def read_enrollments(self, f: ReportFile, cancelled, tick) -> None:
        names = ("course_id", "section_id", "user_id", "role", "status", "associated_user_id",
                 "canvas_course_id", "created_by_sis", "canvas_section_id")
        idx = self._col(f, *names)
        if any(i is None for i in idx[:5]):
            from .canvas.errors import CanvasServerError
            missing = ", ".join(n for n, i in zip(names, idx) if i is None)
            raise CanvasServerError(f"Canvas's enrollments report has no {missing} column; "
                                    "the preview cannot read it.")
        width = max(f.index.values()) + 1
        present = [i if i is not None else width for i in idx]  # a missing column reads ""
        need = max(present) + 1
        pad = [""] * need
        get = operator.itemgetter(*present)
        role_id_c, base, eid = self._col(f, "role_id", "base_role_type", "canvas_enrollment_id")
        upload = self.ids.enrollments
        role_ids = self.ids.role_ids
        integration_of = self.user_integration_of if self.ids.user_integrations else None
        terms = self.batch_terms if "enrollment" in self.supplied else set()
        course_term = self.course_term
        doomed_c, doomed_s = self.doomed_courses, self.doomed_sections
        drop = _UPLOAD_STATUS.get(self.drop, DELETED)
        codes = _REPORT_STATUS
        roles = ROLE_KEYS
        changes = [0, 0]  # updated, status_changed
        for n, row in enumerate(f.rows, 1):
            if not n & 0xFFFF:
                tick()
            if len(row) < need:  # a short row (or a column the report lacks): blanks
                row = row + pad
            course, section, user, role, status, assoc, course_canvas, by, section_canvas = get(row)
            key_role = roles.get(role, role)
            if assoc:
                key_role = key_role + "\x00" + assoc
            ref = section or "\x00" + course
            state = codes.get(status, OTHER)
            key = (ref, user, key_role)
            mine = upload.get(key)
            if mine is None and role_ids and role_id_c is not None:
                key = (ref, user, "\x02" + row[role_id_c] + ("\x00" + assoc if assoc else ""))
                mine = upload.get(key)
            if mine is None and integration_of is not None and user in integration_of:
                key = (ref, "\x01" + integration_of[user], key_role)
                mine = upload.get(key)
            if mine is not None and mine < SEEN:
                upload[key] = mine + SEEN
                changes[state != mine] += 1
            if not terms or state == DELETED:
                continue
            if mine is None and state != drop and (by == "true" or idx[7] is None) and \
                    course_term.get(course_canvas) in terms:
                if assoc and base is not None and row[base] == "ObserverEnrollment" and \
                        (ref, assoc, "student") in upload:
                    continue  # a linked observer of a stamped student: stamped too
                self.counts["enrollment"][0] += 1
                # set to the drop status, then deleted with its course or section, if that goes too
                gone = course_canvas in doomed_c or section_canvas in doomed_s
                self.items.append(Deletion("enrollment", user, row[eid] if eid is not None else "",
                                           course_id=course, section_id=section, role=role,
                                           status=status,
                                           new_status="deleted" if gone else self.drop))
            elif course_canvas in doomed_c or section_canvas in doomed_s:
                # deleted with its course or section (any role, SIS or not; not counted)
                self.cascaded.append(Deletion("enrollment", user, row[eid] if eid is not None else "",
                                              course_id=course, section_id=section, role=role,
                                              status=status, cascade=True))
        self.enrollments_seen = changes[0] + changes[1]
        if upload:
            self._change("enrollment", "updated", changes[0])
            self._change("enrollment", "status_changed", changes[1])

    def finish_enrollments(self) -> None:
        """The upload's new enrollments, and N's stamped part: the upload's enrollments that
        are not deleted (nor in the drop status) and whose course ends up in the batch term(s)."""
        upload = self.ids.enrollments
        if not upload:
            return
        self._change("enrollment", "new", len(upload) - self.enrollments_seen)
        terms = self.batch_terms if "enrollment" in self.supplied else set()
        if not terms:
            return
        drop = _UPLOAD_STATUS.get(self.drop, DELETED)
        stamped_live = 0
        for ref, counts in self.ids.enrollments_per_ref.items():
            if ref.startswith("\x00"):
                course = ref[1:]
            else:
                up = self.ids.sections.get(ref)
                course = up[0] if up else self.canvas_sections.get(ref, "")
            if self._course_post_term(course) in terms:
                stamped_live += sum(n for code, n in enumerate(counts)
                                    if code != DELETED and code != drop)
        self.counts["enrollment"][1] += stamped_live

    # -- verdict
    def batch(self) -> BatchPreview | None:
        options = self.options
        if not options.is_batch:
            return None
        per_type: dict[str, dict[str, Any]] = {}
        worst_type, worst = None, 0.0
        stop = False
        deletes: dict[str, int] = {}
        for kind in BATCH_TYPES:
            if kind not in self.supplied:
                continue
            n, stamped = self.counts[kind]
            total = n + stamped
            pct = n * 100 / total if total else 0.0
            exceeds = options.change_threshold is not None and total > 0 and \
                pct > options.change_threshold
            per_type[PLURAL[kind]] = {"deleted": n, "population": total,
                                      "percent": round(pct, 2), "exceeds": exceeds}
            deletes[PLURAL[kind]] = n
            stop = stop or exceeds
            if worst_type is None or pct > worst:
                worst_type, worst = PLURAL[kind], pct
        threshold = Threshold(options.change_threshold, stop, worst_type, worst, per_type)
        term_ids = sorted(k[3:] if k.startswith("id:") else next(
            (cid for cid, key in self.term_key_of_id.items() if key == k), k[4:])
            for k in self.batch_terms)
        names = sorted(self.term_names.get(k, k.split(":", 1)[1]) for k in self.batch_terms)
        return BatchPreview(term_ids, names, [t for t in BATCH_TYPES if t in self.supplied],
                            deletes, self.drop, threshold, self.items, self.cascaded)


def compare(ids: UploadIds, options: ImportOptions, supplied: Iterable[str],
            fetched: FetchedReport, *, cancelled: threading.Event | None = None) -> PreviewResult:
    """Diff the collected upload against the report on disk."""
    from .canvas.errors import Cancelled

    def tick() -> None:
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("The check against Canvas was cancelled.")

    supplied = [t for t in BATCH_TYPES if t in set(supplied)] + \
        [t for t in supplied if t not in BATCH_TYPES]
    comparison = Comparison(ids, options, supplied)
    asked = [name for name in FILE_ORDER if str(fetched.report.parameters.get(name)) == "true"]
    single = asked[0] if len(asked) == 1 else None  # one file comes as a plain CSV
    with open_report_files(fetched.path, single_name=single) as files:
        comparison.read(files, cancelled, tick)
    return PreviewResult(fetched, comparison.batch(), comparison.changes,
                         sorted(comparison.unresolved, key=lambda u: (u.file, u.row)),
                         comparison.references, comparison.notes)


def run_preview(paths: Iterable[str | Path], options: ImportOptions, client, *,
                cache_dir: str | Path, max_age: timedelta = DEFAULT_MAX_AGE,
                refresh: bool = False, on_stage: Callable[[str, Any], None] | None = None,
                on_download: Callable[[int, int], None] | None = None,
                cancelled: threading.Event | None = None, intervals=None) -> PreviewResult:
    """Validate the upload (taking its ids), fetch (or reuse) the report, and compare.

    `on_stage(stage, detail)`: "validating", "queued"/"running" (detail: the report),
    "reused", "downloading", "comparing". Raises Cancelled, CanvasError, UnreadablePath."""
    from .sis_csv import validate_paths

    stage = on_stage or (lambda _s, _d: None)
    stage("validating", None)
    paths = list(paths)
    ids = UploadIds(skip_deletes=options.skip_deletes)
    validation = validate_paths(paths, cancelled=cancelled, collector=ids)
    rejected = {f.name for f in validation.files if f.type is None} & ids.files_seen
    if rejected:  # a file broke after some rows were taken: take the ids again without it
        ids = UploadIds(skip_deletes=options.skip_deletes, skip_files=frozenset(rejected))
        validation = validate_paths(paths, cancelled=cancelled, collector=ids)
    supplied = [f.type for f in validation.files if f.type]
    params = report_parameters(supplied, options)
    fetched = fetch_report(client, KIND, params, cache_dir=cache_dir, max_age=max_age,
                           refresh=refresh, on_stage=stage, on_download=on_download,
                           cancelled=cancelled, intervals=intervals)
    stage("comparing", fetched.report)
    result = compare(ids, options, supplied, fetched, cancelled=cancelled)
    result.validation = validation  # type: ignore[attr-defined]
    return result


def default_cache_dir() -> Path:
    from .paths import data_dir
    return data_dir() / "report-cache"
