"""One list of an account's imports: the local history merged with Canvas's own list.

Canvas's list also holds imports sent by cron jobs, scripts or the web page; those show as
"sent elsewhere". `merge_imports` is pure; `load_import_list` fetches and merges.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import Any, Iterable

from sis_desktop.core.canvas.errors import Cancelled
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.history import History, HistoryEntry
from sis_desktop.core.times import to_utc

_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


@dataclass
class ImportRow:
    """One import in the merged list. `entry` is the local record (None when the import was
    sent elsewhere); `sis_import` is Canvas's latest answer (None when Canvas's list did not
    reach that far back)."""
    import_id: int
    workflow_state: WorkflowState
    progress: int
    created_at: datetime | None
    ended_at: datetime | None
    files: list[str]
    warning_count: int
    error_count: int
    entry: HistoryEntry | None = None
    sis_import: SisImport | None = None

    @property
    def sent_here(self) -> bool:
        return self.entry is not None

    @property
    def origin(self) -> str:
        return "this app" if self.sent_here else "sent elsewhere"

    @property
    def is_running(self) -> bool:
        return not self.workflow_state.is_terminal


def _attachment_names(sis: SisImport) -> list[str]:
    return [str(a.get("display_name") or a.get("filename") or "") for a in sis.csv_attachments]


def _row_from_remote(sis: SisImport, entry: HistoryEntry | None) -> ImportRow:
    return ImportRow(
        import_id=sis.id, workflow_state=sis.workflow_state, progress=sis.progress,
        created_at=sis.created_at or (entry.created_at if entry else None),
        ended_at=sis.ended_at,
        files=entry.file_names if entry else _attachment_names(sis),
        warning_count=sis.warning_count, error_count=sis.error_count,
        entry=entry, sis_import=sis)


def _row_from_local(entry: HistoryEntry) -> ImportRow:
    return ImportRow(
        import_id=entry.import_id, workflow_state=entry.workflow_state,
        progress=entry.progress, created_at=entry.created_at, ended_at=entry.ended_at,
        files=entry.file_names, warning_count=entry.warning_count,
        error_count=entry.error_count, entry=entry)


def merge_imports(local: Iterable[HistoryEntry], remote: Iterable[SisImport],
                  limit: int | None = None) -> list[ImportRow]:
    """Newest first, one row per import id. Canvas's answer gives the state (it is newer than
    any local record); the local record gives the files as sent and marks it "this app".
    Both inputs must be for the same Canvas and account."""
    by_id = {e.import_id: e for e in local}
    rows: dict[int, ImportRow] = {}
    for sis in remote:
        rows[sis.id] = _row_from_remote(sis, by_id.get(sis.id))
    for import_id, entry in by_id.items():
        rows.setdefault(import_id, _row_from_local(entry))
    ordered = sorted(rows.values(), key=lambda r: (r.created_at or _EPOCH, r.import_id),
                     reverse=True)
    return ordered[:limit] if limit is not None else ordered


def load_import_list(client: Any, history: History, *, limit: int = 50,
                     states: list[str] | None = None, created_since: datetime | None = None,
                     created_before: datetime | None = None,
                     cancelled: threading.Event | None = None) -> list[ImportRow]:
    """Fetch Canvas's list (every page up to `limit`), refresh the local rows it mentions,
    and merge. `client` is a CanvasClient for the account to show."""
    remote: list[SisImport] = []
    pages = client.list_imports(states=states, created_since=created_since,
                                created_before=created_before, limit=limit)
    for sis in islice(pages, limit):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("Loading the list of imports was cancelled.")
        remote.append(sis)
        history.update(client.base_url, client.account_id, sis)
    local = [e for e in history.recent(url=client.base_url, account_id=client.account_id,
                                       limit=limit)
             if _matches(e, states, created_since, created_before)]
    return merge_imports(local, remote, limit)


def _matches(entry: HistoryEntry, states: list[str] | None, since: datetime | None,
             before: datetime | None) -> bool:
    if states and entry.workflow_state.value not in states:
        return False
    since, before = _aware(since), _aware(before)
    if entry.created_at is not None:
        if since is not None and entry.created_at <= since:
            return False
        if before is not None and entry.created_at >= before:
            return False
    return True


def _aware(value: datetime | None) -> datetime | None:
    return to_utc(value) if value is not None else None
