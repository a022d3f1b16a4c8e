"""The sandbox's small picture of a Canvas instance: accounts, terms, courses, sections,
users and enrollments, as earlier imports left them. Enough for references between
imports, batch-mode deletes, change_threshold and restore_states."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

# Canvas importer name → its data.counts key (plural): one table, kept with the outcome
from sis_desktop.core.outcome import COUNT_KEYS as COUNT_KEY_OF

ROOT_ACCOUNT_ID = 1
SUB_ACCOUNT_ID = 2
DISABLED_ACCOUNT_ID = 3

STAT_TYPES = ("Account", "EnrollmentTerm", "AbstractCourse", "Course", "CourseSection",
              "GroupCategory", "Group", "Pseudonym", "CommunicationChannel", "Enrollment",
              "GroupMembership", "UserObserver", "AccountUser")


def processing_order() -> tuple[str, ...]:
    """Canvas's importer order, as the validator knows it."""
    from sis_desktop.core.sis_csv import FILE_TYPES
    return tuple(t.name for t in FILE_TYPES)


def count_key(kind: str) -> str:
    return COUNT_KEY_OF.get(kind, f"{kind}s")

ACCOUNTS = {
    ROOT_ACCOUNT_ID: {"name": "Sandbox University", "parent": None, "root": None, "sis": True},
    SUB_ACCOUNT_ID: {"name": "Sandbox Sub-account", "parent": 1, "root": 1, "sis": True},
    DISABLED_ACCOUNT_ID: {"name": "No-SIS College", "parent": None, "root": None, "sis": False},
}


def account_json(account_id: int) -> dict[str, Any]:
    acc = ACCOUNTS[account_id]
    return {
        "id": account_id, "name": acc["name"], "uuid": f"sandbox-account-{account_id:04d}",
        "parent_account_id": acc["parent"], "root_account_id": acc["root"],
        "workflow_state": "active", "default_time_zone": "Etc/UTC",
        "default_storage_quota_mb": 500, "default_user_storage_quota_mb": 50,
        "default_group_storage_quota_mb": 50, "sis_account_id": None, "integration_id": None,
        "sis_import_id": None, "lti_guid": f"sandbox-{account_id}",
    }


@dataclass
class Item:
    """One SIS object: its status, what it belongs to, and the import that last touched it."""
    status: str
    batch: int | None
    attrs: dict[str, Any] = field(default_factory=dict)


class World:
    """Objects created by imports, keyed by SIS id (enrollments by a composite key)."""

    def __init__(self) -> None:
        self.terms: dict[str, dict[str, Any]] = {
            "": {"id": 1, "name": "Default Term", "sis_term_id": None, "status": "active"},
            "F2026": {"id": 2, "name": "Fall 2026", "sis_term_id": "F2026", "status": "active",
                      "start_at": "2026-08-24T00:00:00Z", "end_at": "2026-12-18T00:00:00Z"},
            "S2027": {"id": 3, "name": "Spring 2027", "sis_term_id": "S2027", "status": "active",
                      "start_at": "2027-01-11T00:00:00Z", "end_at": "2027-05-07T00:00:00Z"},
        }
        self.accounts: dict[str, Item] = {}
        self.courses: dict[str, Item] = {}
        self.sections: dict[str, Item] = {}
        self.users: dict[str, Item] = {}
        self.enrollments: dict[tuple[str, str, str], Item] = {}

    # ----- terms
    def term_list(self, states: tuple[str, ...] = ("active",), name: str = "") -> list[dict[str, Any]]:
        """TermsApiController#index: terms in `states` whose name contains `name`
        (case-insensitive), ordered `start_at DESC, end_at DESC, id ASC` with NULL first
        (PostgreSQL's DESC puts NULLs first)."""
        terms = [t for t in self.terms.values() if self.term_state(t) in states
                 and name.lower() in (t.get("name") or "").lower()]
        terms.sort(key=lambda t: t["id"])
        for column in ("end_at", "start_at"):
            terms.sort(key=lambda t: (t.get(column) is None, t.get(column) or ""), reverse=True)
        return [self.term_json(t) for t in terms]

    @staticmethod
    def term_state(term: dict[str, Any]) -> str:
        return "deleted" if term["status"] == "deleted" else "active"

    def term_json(self, term: dict[str, Any], *, show: bool = False) -> dict[str, Any]:
        """Canvas's enrollment_term_json; `show` adds what TermsApiController#show includes
        by default (course_count, overrides)."""
        out = {
            "id": term["id"], "name": term["name"], "start_at": term.get("start_at"),
            "end_at": term.get("end_at"), "created_at": "2026-01-05T09:00:00Z",
            "workflow_state": self.term_state(term), "grading_period_group_id": None,
            "sis_term_id": term["sis_term_id"], "sis_import_id": term.get("batch"),
        }
        if show:
            sis = term["sis_term_id"] or ""
            out["course_count"] = sum(1 for c in self.courses.values()
                                      if c.attrs.get("term", "") == sis and c.status != "deleted")
            out["overrides"] = {}
        return out

    def term_by_ref(self, ref: str) -> dict[str, Any] | None:
        """api_find over all of the account's terms (deleted ones too): `12`, `sis_term_id:X`."""
        if ref.startswith("sis_term_id:"):
            sis = ref.split(":", 1)[1]
            return next((t for t in self.terms.values() if t["sis_term_id"] == sis), None)
        if ref.isdigit():
            return next((t for t in self.terms.values() if t["id"] == int(ref)), None)
        return None

    def find_term(self, ref: str) -> dict[str, Any] | None:
        """Canvas id lookup among active terms: `12`, `sis_term_id:X`, `default`."""
        ref = ref.strip()
        active = [t for t in self.terms.values() if t["status"] != "deleted"]
        if ref.lower() == "default":
            return self.terms[""]
        if ref.startswith("sis_term_id:"):
            sis = ref.split(":", 1)[1]
            return next((t for t in active if t["sis_term_id"] == sis), None)
        if ref.isdigit():
            return next((t for t in active if t["id"] == int(ref)), None)
        return None

    def term_of_course(self, course_sis: str) -> str:
        course = self.courses.get(course_sis)
        return course.attrs.get("term", "") if course else ""

    # ----- applying rows
    def apply(self, kind: str, row: dict[str, str], batch: int, skip_deletes: bool,
              record: Callable[[str, str, Any, str | None, str], None]) -> str | None:
        """Apply one valid row. Returns a warning sentence when a reference is missing.

        `record(store, key, previous_status, new_status, stat_type)` notes a state change."""
        status = (row.get("status") or "active").strip().lower()
        if skip_deletes and status.startswith("deleted"):
            return None
        handler = getattr(self, f"_apply_{kind}", None)
        return handler(row, status, batch, record) if handler else None

    def _set(self, store_name: str, key, status: str, batch: int, attrs: dict[str, Any],
             stat: str, record) -> None:
        store = getattr(self, store_name)
        item = store.get(key)
        previous = item.status if item else None
        if item is None:
            item = store[key] = Item(status, batch, attrs)
        else:
            item.attrs.update(attrs)
            item.status, item.batch = status, batch
        if previous != status:
            record(store_name, key, previous, status, stat)

    def _apply_term(self, row, status, batch, record):
        sis = row.get("term_id") or ""
        term = self.terms.get(sis)
        previous = term["status"] if term else None
        if term is None:
            term = self.terms[sis] = {"id": max(t["id"] for t in self.terms.values()) + 1,
                                      "sis_term_id": sis}
        term.update(name=row.get("name") or term.get("name") or sis, status=status, batch=batch,
                    start_at=row.get("start_date") or term.get("start_at"),
                    end_at=row.get("end_date") or term.get("end_at"))
        if previous != status:
            record("terms", sis, previous, status, "EnrollmentTerm")
        return None

    def _apply_account(self, row, status, batch, record):
        sis, parent = row.get("account_id") or "", row.get("parent_account_id") or ""
        if parent and parent not in self.accounts:
            return f"Parent account didn't exist for {sis}"
        self._set("accounts", sis, status, batch, {"parent": parent, "name": row.get("name")},
                  "Account", record)
        return None

    def _apply_course(self, row, status, batch, record):
        sis, account = row.get("course_id") or "", row.get("account_id") or ""
        if account and account not in self.accounts:
            return f'Account not found "{account}" for course {sis}'
        term = row.get("term_id") or ""
        if term not in self.terms or self.terms[term]["status"] == "deleted":
            term = self.courses[sis].attrs["term"] if sis in self.courses else ""
        self._set("courses", sis, status, batch, {"term": term, "account": account,
                  "short_name": row.get("short_name"), "long_name": row.get("long_name")},
                  "Course", record)
        return None

    def _apply_section(self, row, status, batch, record):
        sis, course = row.get("section_id") or "", row.get("course_id") or ""
        if course not in self.courses:
            return f"Section {sis} references course {course} which doesn't exist"
        self._set("sections", sis, status, batch, {"course": course, "name": row.get("name")},
                  "CourseSection", record)
        return None

    def _apply_user(self, row, status, batch, record):
        sis = row.get("user_id") or ""
        is_new = sis not in self.users
        self._set("users", sis, status, batch, {"login": row.get("login_id")}, "Pseudonym", record)
        if is_new and row.get("email"):
            record("channels", sis, None, "active", "CommunicationChannel")
        return None

    def _apply_enrollment(self, row, status, batch, record):
        user = row.get("user_id") or row.get("user_integration_id") or ""
        course, section = row.get("course_id") or "", row.get("section_id") or ""
        if user not in self.users:
            return (f"User not found for enrollment (User ID: {user}, Course ID: {course}, "
                    f"Section ID: {section})")
        if section and section in self.sections:
            course = course or self.sections[section].attrs["course"]
        if course and course not in self.courses and section and section not in self.sections:
            return (f"Neither course nor section existed for user enrollment "
                    f"(Course ID: {course}, Section ID: {section}, User ID: {user})")
        if course and course not in self.courses:
            return f"An enrollment referenced a non-existent course {course}"
        if section and section not in self.sections:
            return f"An enrollment referenced a non-existent section {section}"
        role = row.get("role") or row.get("role_id") or "student"
        if row.get("role") and not _builtin_role(role):
            return f'Improper role "{role}" for an enrollment'  # the sandbox has no custom roles
        key = (course, section, f"{user}|{role}")
        self._set("enrollments", key, status, batch, {"term": self.term_of_course(course)},
                  "Enrollment", record)
        return None

    # ----- batch mode
    def batch_candidates(self, terms: set[str], batch: int, kinds: set[str], drop_status: str
                         ) -> list[tuple[str, str, list, int]]:
        """For courses, sections, enrollments (in that order, those in `kinds`): (store,
        plural noun, keys this batch left out, objects of the term(s) in scope)."""
        scopes = (
            ("course", "courses", lambda i: i.attrs.get("term", ""), ("deleted",)),
            ("section", "sections", lambda i: self.term_of_course(i.attrs.get("course", "")),
             ("deleted",)),
            ("enrollment", "enrollments", lambda i: i.attrs.get("term", ""),
             ("deleted", drop_status)),
        )
        out = []
        for kind, store_name, term_of, gone in scopes:
            if kind not in kinds:
                continue
            store = getattr(self, store_name)
            in_scope = [(k, i) for k, i in store.items()
                        if term_of(i) in terms and i.status not in gone]
            stale = [k for k, i in in_scope if i.batch != batch]
            out.append((store_name, store_name, stale, len(in_scope)))
        return out

    def drop(self, store_name: str, key, status: str, record) -> None:
        item = getattr(self, store_name)[key]
        previous, item.status = item.status, status
        stat = {"courses": "Course", "sections": "CourseSection"}.get(store_name, "Enrollment")
        record(store_name, key, previous, status, stat)

    def enrollments_by_container(self) -> dict[tuple[str, str], list]:
        """Enrollment keys per ("courses", course) and ("sections", section)."""
        out: dict[tuple[str, str], list] = {}
        for key in self.enrollments:
            out.setdefault(("courses", key[0]), []).append(key)
            if key[1]:
                out.setdefault(("sections", key[1]), []).append(key)
        return out

    def live_enrollments_in(self, store_name: str, key, within: dict) -> list:
        """Enrollments a deleted course or section takes with it (Canvas's destroy_batch:
        any status but deleted, any role; not counted as batch deletions)."""
        return [k for k in within.get((store_name, key), ())
                if not self.enrollments[k].status.startswith("deleted")]

    def revert(self, store_name: str, key, status: str | None) -> None:
        if store_name == "terms":
            if key in self.terms:
                self.terms[key]["status"] = status or "deleted"
            return
        store = getattr(self, store_name, None)
        if store is not None and key in store:
            store[key].status = status or "deleted"


def _builtin_role(role: str) -> bool:
    from sis_desktop.core.sis_csv.special import BUILTIN_ROLE_NAMES, BUILTIN_ROLES
    lower = role.lower()
    return lower in BUILTIN_ROLES or lower.startswith("student") or role in BUILTIN_ROLE_NAMES


def empty_counts() -> dict[str, int]:
    counts = {key: 0 for key in COUNT_KEY_OF.values()}
    counts.update(error_count=0, warning_count=0)
    return counts


def statistics(changes: Counter) -> dict[str, Any]:
    """data.statistics: all 13 types, zero filled; `changes` counts (type, action)."""
    stats: dict[str, Any] = {"total_state_changes": sum(changes.values())}
    for name in STAT_TYPES:
        entry = {"created": 0, "restored": 0, "deleted": 0}
        if name in ("Course", "Enrollment"):
            entry["concluded"] = 0
        if name == "Enrollment":
            entry["deactivated"] = 0
        for action in entry:
            entry[action] = changes.get((name, action), 0)
        stats[name] = entry
    return stats
