"""Typed views of what Canvas's SIS Imports API returns (reference §2).

Every dataclass keeps the raw JSON it was built from (`raw`), so keys this version does
not know survive, and nothing here fails on an unknown key or state.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class WorkflowState(str, enum.Enum):
    INITIALIZING = "initializing"
    CREATED = "created"
    IMPORTING = "importing"
    CLEANUP_BATCH = "cleanup_batch"
    IMPORTED = "imported"
    IMPORTED_WITH_MESSAGES = "imported_with_messages"
    ABORTED = "aborted"
    FAILED = "failed"
    FAILED_WITH_MESSAGES = "failed_with_messages"
    RESTORING = "restoring"
    PARTIALLY_RESTORED = "partially_restored"
    RESTORED = "restored"
    UNKNOWN = "unknown"  # a state this version does not know; never terminal

    @classmethod
    def parse(cls, value: str | None) -> "WorkflowState":
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_success(self) -> bool:
        return self in (WorkflowState.IMPORTED, WorkflowState.IMPORTED_WITH_MESSAGES)

    @property
    def label(self) -> str:
        """The state in plain words, for people."""
        return _LABELS.get(self, "in an unknown state")


_TERMINAL = frozenset({
    WorkflowState.IMPORTED, WorkflowState.IMPORTED_WITH_MESSAGES, WorkflowState.ABORTED,
    WorkflowState.FAILED, WorkflowState.FAILED_WITH_MESSAGES,
    WorkflowState.PARTIALLY_RESTORED, WorkflowState.RESTORED,
})

_LABELS = {
    WorkflowState.INITIALIZING: "Initializing (Canvas is storing the file)",
    WorkflowState.CREATED: "Queued, waiting for Canvas to start it",
    WorkflowState.IMPORTING: "Importing",
    WorkflowState.CLEANUP_BATCH: "Cleaning up the batch (deleting what the files left out)",
    WorkflowState.IMPORTED: "Imported",
    WorkflowState.IMPORTED_WITH_MESSAGES: "Imported with messages",
    WorkflowState.ABORTED: "Aborted",
    WorkflowState.FAILED: "Failed",
    WorkflowState.FAILED_WITH_MESSAGES: "Failed with messages",
    WorkflowState.RESTORING: "Restoring states",
    WorkflowState.PARTIALLY_RESTORED: "Partially restored",
    WorkflowState.RESTORED: "Restored",
}


def parse_time(value: Any) -> datetime | None:
    """Canvas timestamps are ISO 8601, normally UTC with `Z`; None stays None."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # Canvas's times are UTC; one written without an offset means UTC too, never local time
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def as_id(value: Any) -> int | None:
    """A Canvas id as an int: Canvas sends integers, or strings when the client asked for
    `application/json+canvas-string-ids` (Api#stringify_json_ids); None stays None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _id(value: Any) -> int:
    """A required id (a KeyError/ValueError for garbage, as before)."""
    number = as_id(value)
    if number is None:
        raise ValueError(f"not a Canvas id: {value!r}")
    return number


@dataclass(frozen=True)
class Message:
    """One processing warning or error: Canvas's `[file, message]` pair."""
    file: str | None
    message: str


def _pairs(value: Any) -> list[Message]:
    out: list[Message] = []
    for item in value or []:
        if isinstance(item, (list, tuple)) and len(item) >= 2:
            out.append(Message(item[0], str(item[1])))
        elif isinstance(item, str):
            out.append(Message(None, item))
    return out


@dataclass
class SisImport:
    """One SIS import as Canvas reports it (reference §2.1)."""
    id: int
    workflow_state: WorkflowState
    progress: int
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    updated_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    batch_mode: bool | None = None
    batch_mode_term_id: int | None = None
    multi_term_batch_mode: bool | None = None
    override_sis_stickiness: bool | None = None
    add_sis_stickiness: bool | None = None
    clear_sis_stickiness: bool | None = None
    update_sis_id_if_login_claimed: bool | None = None
    skip_deletes: bool | None = None
    diffing_data_set_identifier: str | None = None
    diffing_remaster: bool | None = None
    diffed_against_import_id: int | None = None
    diffing_drop_status: str | None = None
    diffing_user_remove_status: str | None = None
    change_threshold: int | None = None
    diff_row_count_threshold: int | None = None
    diffing_threshold_exceeded: bool | None = None
    processing_errors: list[Message] = field(default_factory=list)
    processing_warnings: list[Message] = field(default_factory=list)
    errors_attachment: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    csv_attachments: list[dict[str, Any]] = field(default_factory=list)
    diffed_csv_attachments: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _PLAIN = (
        "batch_mode", "batch_mode_term_id", "multi_term_batch_mode", "override_sis_stickiness",
        "add_sis_stickiness", "clear_sis_stickiness", "update_sis_id_if_login_claimed",
        "skip_deletes", "diffing_data_set_identifier", "diffing_remaster",
        "diffed_against_import_id", "diffing_drop_status", "diffing_user_remove_status",
        "change_threshold", "diff_row_count_threshold", "diffing_threshold_exceeded",
        "errors_attachment", "user",
    )

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "SisImport":
        progress = obj.get("progress") or 0
        try:
            progress = int(float(progress))  # the docs call it a string; be lenient
        except (TypeError, ValueError):
            progress = 0
        kwargs: dict[str, Any] = {name: obj.get(name) for name in cls._PLAIN}
        for name in ("batch_mode_term_id", "diffed_against_import_id"):
            kwargs[name] = as_id(kwargs[name])
        return cls(
            id=_id(obj["id"]),
            workflow_state=WorkflowState.parse(obj.get("workflow_state")),
            progress=progress,
            created_at=parse_time(obj.get("created_at")),
            started_at=parse_time(obj.get("started_at")),
            ended_at=parse_time(obj.get("ended_at")),
            updated_at=parse_time(obj.get("updated_at")),
            data=obj.get("data") or {},
            processing_errors=_pairs(obj.get("processing_errors")),
            processing_warnings=_pairs(obj.get("processing_warnings")),
            csv_attachments=list(obj.get("csv_attachments") or []),
            diffed_csv_attachments=list(obj.get("diffed_csv_attachments") or []),
            raw=dict(obj),
            **kwargs,
        )

    # Conveniences over `data` (reference §2.3–2.6)
    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data.get("counts") or {})

    @property
    def statistics(self) -> dict[str, Any]:
        return dict(self.data.get("statistics") or {})

    @property
    def supplied_batches(self) -> list[str]:
        return list(self.data.get("supplied_batches") or [])

    @property
    def error_count(self) -> int:
        return int(self.counts.get("error_count") or 0)

    @property
    def warning_count(self) -> int:
        return int(self.counts.get("warning_count") or 0)

    @property
    def is_terminal(self) -> bool:
        return self.workflow_state.is_terminal

    @property
    def in_cleanup(self) -> bool:
        """True while batch mode's cleanup runs: progress has restarted from 0."""
        return self.workflow_state is WorkflowState.CLEANUP_BATCH


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    sis_term_id: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    workflow_state: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Term":
        return cls(id=_id(obj["id"]), name=str(obj.get("name") or ""),
                   sis_term_id=obj.get("sis_term_id"), start_at=parse_time(obj.get("start_at")),
                   end_at=parse_time(obj.get("end_at")), workflow_state=obj.get("workflow_state"),
                   raw=dict(obj))


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    parent_account_id: int | None
    root_account_id: int | None
    sis_account_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_root(self) -> bool:
        return self.root_account_id is None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Account":
        return cls(id=_id(obj["id"]), name=str(obj.get("name") or ""),
                   parent_account_id=as_id(obj.get("parent_account_id")),
                   root_account_id=as_id(obj.get("root_account_id")),
                   sis_account_id=obj.get("sis_account_id"), raw=dict(obj))


@dataclass(frozen=True)
class ImportErrorRow:
    """One row of the SIS Import Errors API (reference §1.8)."""
    sis_import_id: int | None
    file: str | None
    message: str
    row: int | None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "ImportErrorRow":
        return cls(as_id(obj.get("sis_import_id")), obj.get("file"), str(obj.get("message") or ""),
                   obj.get("row"))


@dataclass(frozen=True)
class Progress:
    """Canvas's Progress object, returned by restore_states."""
    id: int
    workflow_state: str
    completion: float | None
    url: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Progress":
        return cls(_id(obj["id"]), str(obj.get("workflow_state") or ""), obj.get("completion"),
                   obj.get("url"), dict(obj))
