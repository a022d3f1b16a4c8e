"""What the sandbox remembers about imports, files and progress objects, and their Canvas JSON."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

UNFINISHED = ("initializing", "created", "importing", "cleanup_batch")
STATES = ("initializing", "created", "importing", "cleanup_batch", "imported",
          "imported_with_messages", "aborted", "failed", "failed_with_messages",
          "restoring", "partially_restored", "restored")
MAX_LISTED_MESSAGES = 24


def now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(value: datetime | None) -> str | None:
    """Canvas style: UTC, second resolution, `Z`."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


SANDBOX_USER = {
    "id": 1, "name": "Sandbox Admin", "created_at": "2026-01-05T09:00:00Z",
    "sortable_name": "Admin, Sandbox", "short_name": "Sandbox Admin", "sis_user_id": None,
    "integration_id": None, "sis_import_id": None, "login_id": "sandbox.admin",
}


@dataclass
class StoredFile:
    """A Canvas attachment: an uploaded CSV, or an errors CSV."""
    id: int
    display_name: str
    path: Path
    content_type: str
    created_at: datetime = field(default_factory=now)
    uuid: str = field(default_factory=lambda: uuid.uuid4().hex[:40])
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def to_json(self, base_url: str) -> dict[str, Any]:
        size = self.path.stat().st_size if self.path.exists() else 0
        ts = stamp(self.created_at)
        mime_class = "file" if self.content_type == "csv" else "code"
        return {
            "id": self.id, "uuid": self.uuid, "folder_id": None,
            "display_name": self.display_name, "filename": self.display_name,
            "upload_status": "success", "content-type": self.content_type,
            "url": f"{base_url}/files/{self.id}/download?download_frd=1&verifier={self.verifier}",
            "size": size, "created_at": ts, "updated_at": ts, "unlock_at": None,
            "locked": False, "hidden": False, "lock_at": None, "hidden_for_user": False,
            "thumbnail_url": None, "modified_at": ts, "mime_class": mime_class,
            "media_entry_id": None, "locked_for_user": False,
        }


@dataclass
class ErrorRow:
    """One SisBatchError: a message about a file (or the batch), maybe a row."""
    id: int
    import_id: int
    file: str | None
    message: str
    row: int | None
    failure: bool
    created_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {"sis_import_id": self.import_id, "file": self.file, "message": self.message,
                "row": self.row, "created_at": stamp(self.created_at)}


@dataclass
class ImportRecord:
    """One SisBatch."""
    id: int
    account_id: int
    upload: Path | None
    options: dict[str, Any]
    created_at: datetime = field(default_factory=now)
    workflow_state: str = "initializing"
    progress: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    updated_at: datetime = field(default_factory=now)
    data: dict[str, Any] = field(default_factory=lambda: {"import_type": "instructure_csv"})
    errors: list[ErrorRow] = field(default_factory=list)
    csv_attachments: list[StoredFile] = field(default_factory=list)
    errors_attachment: StoredFile | None = None
    diffed_csv_attachments: list[StoredFile] = field(default_factory=list)
    snapshot: dict[str, list[dict[str, str]]] | None = None  # full rows, for diffing
    snapshot_size: int = 0
    batch_enrollment_drop_status: str | None = None
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def touch(self) -> None:
        self.updated_at = now()

    def to_json(self, base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "created_at": stamp(self.created_at),
            "started_at": stamp(self.started_at), "ended_at": stamp(self.ended_at),
            "updated_at": stamp(self.updated_at), "progress": int(self.progress),
            "workflow_state": self.workflow_state, "data": self.data,
        }
        out.update(self.options)
        errors = [[e.file, e.message] for e in self.errors if e.failure]
        warnings = [[e.file, e.message] for e in self.errors if not e.failure]
        if errors:
            out["processing_errors"] = _capped(errors, "errors")
        if warnings:
            out["processing_warnings"] = _capped(warnings, "warnings")
        if self.errors_attachment is not None:
            out["errors_attachment"] = self.errors_attachment.to_json(base_url)
        out["user"] = dict(SANDBOX_USER)
        if self.csv_attachments:
            out["csv_attachments"] = [f.to_json(base_url) for f in self.csv_attachments]
        if self.diffed_csv_attachments:
            out["diffed_csv_attachments"] = [f.to_json(base_url)
                                             for f in self.diffed_csv_attachments]
        return out


def _capped(items: list[list[Any]], noun: str) -> list[list[Any]]:
    if len(items) <= MAX_LISTED_MESSAGES:
        return items
    more = len(items) - MAX_LISTED_MESSAGES
    return items[:MAX_LISTED_MESSAGES] + [[f"and {more} more {noun} that were not included",
                                           f"Download the error file to see all {noun}."]]


def default_options() -> dict[str, Any]:
    """The option keys every SisImport JSON carries, with Canvas's null/false defaults."""
    return {
        "batch_mode": None, "batch_mode_term_id": None, "multi_term_batch_mode": None,
        "override_sis_stickiness": None, "add_sis_stickiness": None,
        "update_sis_id_if_login_claimed": False, "clear_sis_stickiness": None,
        "diffing_data_set_identifier": None, "diffing_remaster": None,
        "diffed_against_import_id": None, "diffing_drop_status": None,
        "diffing_user_remove_status": None, "skip_deletes": False,
        "change_threshold": None, "diff_row_count_threshold": None,
    }


@dataclass
class ProgressRecord:
    """Canvas's Progress object (restore_states)."""
    id: int
    import_id: int
    workflow_state: str = "queued"
    completion: float = 0.0
    message: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id, "context_id": self.import_id, "context_type": "SisBatch",
            "user_id": SANDBOX_USER["id"], "tag": "sis_batch_state_restore",
            "completion": self.completion, "workflow_state": self.workflow_state,
            "created_at": stamp(self.created_at), "updated_at": stamp(self.updated_at),
            "message": self.message, "url": f"{base_url}/api/v1/progress/{self.id}",
        }
