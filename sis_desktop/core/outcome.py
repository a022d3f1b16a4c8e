"""What got in: Canvas's row counts of a finished import against the rows that were sent.

Canvas reports a partly failed import as "imported with messages" and counts only the rows
it imported (`data.counts`, one key per importer). Set against the rows the pre-flight check
counted per file type, the difference is what did not get in — said first and plainly.
"""
from __future__ import annotations

from typing import Any, Mapping

# Canvas importer name (the validator's file type) → its data.counts key
COUNT_KEYS = {
    "change_sis_id": "change_sis_ids", "account": "accounts", "term": "terms",
    "abstract_course": "abstract_courses", "course": "courses", "section": "sections",
    "xlist": "xlists", "user": "users", "login": "logins", "enrollment": "enrollments",
    "admin": "admins", "group_category": "group_categories", "group": "groups",
    "group_membership": "group_memberships",
    "grade_publishing_results": "grade_publishing_results", "user_observer": "user_observers",
}
_WORDS = {  # (one, many)
    "change_sis_id": ("SIS id change", "SIS id changes"), "account": ("account", "accounts"),
    "term": ("term", "terms"), "abstract_course": ("abstract course", "abstract courses"),
    "course": ("course", "courses"), "section": ("section", "sections"),
    "xlist": ("cross-listing", "cross-listings"), "user": ("user", "users"),
    "login": ("login", "logins"), "enrollment": ("enrollment", "enrollments"),
    "admin": ("admin", "admins"), "group_category": ("group category", "group categories"),
    "group": ("group", "groups"), "group_membership": ("group membership", "group memberships"),
    "grade_publishing_results": ("grade publishing result", "grade publishing results"),
    "user_observer": ("observer", "observers"),
}


def rows_not_imported(sent: Mapping[str, int], counts: Mapping[str, Any]) -> dict[str, int]:
    """Per file type, how many of the rows sent Canvas did not count as imported (only
    types Canvas counts, only shortfalls), in the order of `sent`."""
    out = {}
    for kind, rows in sent.items():
        key = COUNT_KEYS.get(kind)
        counted = counts.get(key) if key else None
        if isinstance(counted, int) and rows > counted:
            out[kind] = rows - counted
    return out


def not_imported_sentence(sent: Mapping[str, int], sis_import: Any) -> str | None:
    """"12 of 18 rows were not imported: 3 courses, 4 sections, 5 enrollments." for a
    finished import that left rows out; None when every row got in, when the import has
    not finished, or when Canvas's counts cannot be compared with the rows sent (a diffed
    import sends Canvas only the changed rows)."""
    if not sent or not sis_import.is_terminal or sis_import.workflow_state.value == "aborted":
        return None
    data = sis_import.data or {}
    if data.get("diffed_against_sis_batch_id") or data.get("diffed_attachment_ids"):
        return None
    missing = rows_not_imported(sent, sis_import.counts)
    if not missing:
        return None
    total = sum(rows for kind, rows in sent.items() if kind in COUNT_KEYS)
    lost = sum(missing.values())
    parts = [f"{n:,} {_WORDS[k][0] if n == 1 else _WORDS[k][1]}" for k, n in missing.items()]
    verb = "was" if lost == 1 else "were"
    return f"{lost:,} of {total:,} rows {verb} not imported: {', '.join(parts)}."
