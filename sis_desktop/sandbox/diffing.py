"""Diffing mode: an import with a `diffing_data_set_identifier` applies only what changed
since the last successful import of the same data set (reference §1.1, §2.3)."""
from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from .content import Message, Upload
from .records import ImportRecord

if TYPE_CHECKING:
    from .server import Sandbox

ROW_KEYS = {"account": ("account_id",), "term": ("term_id",), "course": ("course_id",),
            "section": ("section_id",), "user": ("user_id",),
            "enrollment": ("course_id", "section_id", "user_id", "role")}
SIZE_EXCEEDED = "Diffing not performed because file size difference exceeded threshold"
ROWS_EXCEEDED = "Diffing not performed because difference row count exceeded threshold"


def snapshot(rec: ImportRecord, upload: Upload) -> None:
    """Remember this import's full rows and size, for later imports to diff against."""
    if not rec.options.get("diffing_data_set_identifier"):
        return
    rec.snapshot = {}
    for f in upload.files:
        rec.snapshot.setdefault(f.type, []).extend(row for _, row in f.rows())
    rec.snapshot_size = sum(f.path.stat().st_size for f in upload.files)


def apply(sb: "Sandbox", rec: ImportRecord, upload: Upload) -> list[Message]:
    """Cut `upload` down to the difference when Canvas would diff. Call with the lock held.
    Returns batch-level warnings."""
    opts = rec.options
    if not opts.get("diffing_data_set_identifier") or opts.get("batch_mode") \
            or opts.get("diffing_remaster"):
        return []
    previous = [r for r in sb.imports.values() if r.id < rec.id and r.snapshot is not None
                and r.options.get("diffing_data_set_identifier") == opts["diffing_data_set_identifier"]
                and r.workflow_state in ("imported", "imported_with_messages")]
    if not previous:
        return []
    # Canvas: the latest that was diffed or remastered, else the first of the data set
    chained = [r for r in previous
               if r.options.get("diffing_remaster") or "diffed_against_sis_batch_id" in r.data]
    prev = max(chained, key=lambda r: r.id) if chained else min(previous, key=lambda r: r.id)
    threshold = opts.get("change_threshold")
    if threshold is not None and prev.snapshot_size:
        change = abs(1 - rec.snapshot_size / prev.snapshot_size) * 100
        if change > threshold:
            opts["diffing_threshold_exceeded"] = True
            return [Message(None, SIZE_EXCEEDED, None, False)]
    plans = {}
    for f in upload.files:
        plans.setdefault(f.type, []).append(f)
    diffs = {kind: _difference(kind, prev.snapshot.get(kind, []), rec.snapshot.get(kind, []), opts)
             for kind in plans}
    if not any(diffs.values()):
        upload.files.clear()  # nothing changed: Canvas ends the import at once
        return []
    limit = opts.get("diff_row_count_threshold")
    if limit and sum(len(rows) for rows in diffs.values()) > limit:
        opts["diffing_threshold_exceeded"] = True
        return [Message(None, ROWS_EXCEEDED, None, False)]
    rec.data["diffed_against_sis_batch_id"] = prev.id
    for kind, files in plans.items():
        rows = diffs[kind]
        files[0].replaced = list(enumerate(rows, start=2))
        for extra in files[1:]:
            extra.replaced = []
        path = sb.work_dir(rec.id) / f"diffed_{kind}.csv"
        _write(path, rows)
        rec.diffed_csv_attachments.append(sb.add_file(f"{kind}s.csv", path, "text/csv"))
    rec.data["diffed_attachment_ids"] = [f.id for f in rec.diffed_csv_attachments]
    return []


def _difference(kind: str, before: list[dict], after: list[dict], opts) -> list[dict]:
    seen = {frozenset(row.items()) for row in before}
    rows = [row for row in after if frozenset(row.items()) not in seen]
    key_cols = ROW_KEYS.get(kind)
    if key_cols is None:
        return rows
    present = {tuple(row.get(c) for c in key_cols) for row in after}
    status = {"enrollment": opts.get("diffing_drop_status") or "deleted",
              "user": opts.get("diffing_user_remove_status") or "deleted"}.get(kind, "deleted")
    for row in before:
        if tuple(row.get(c) for c in key_cols) not in present and \
                not (row.get("status") or "").lower().startswith("deleted"):
            rows.append({**row, "status": status})
    return rows


def _write(path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns or ["status"])
        writer.writeheader()
        writer.writerows(rows)
