"""The background worker: takes queued imports one at a time and moves them through
Canvas's states (reference §5), paced by the sandbox's speed.

Each job is a generator that yields how long to wait before its next step, so a stopped
sandbox keeps the job where it was and a restarted one resumes it."""
from __future__ import annotations

import csv
import threading
import traceback
from collections import Counter
from typing import TYPE_CHECKING, Iterator

from . import diffing
from .content import analyze, exposed_copy
from .records import ErrorRow, ImportRecord, ProgressRecord, StoredFile, now
from .world import count_key, empty_counts, processing_order, statistics

if TYPE_CHECKING:
    from .server import Sandbox

SMALL_IMPORT_ROWS = 50   # Canvas runs imports up to this size inline (progress 0 → 100)
PICKUP = 0.5             # seconds at speed 1 before a queued import starts
SMALL_RUN = 1.5
LARGE_RUN = 3.0
CLEANUP_RUN = 1.0
STEP_LIMIT = 20
HOLD_POLL = 0.02
WORLD_ROW_LIMIT = 200_000  # rows per import remembered in the world; the rest only counted

Job = Iterator[float]


def world_limit_message(total: int) -> str:
    """The sandbox's own warning for an import larger than its world keeps."""
    return (f"Sandbox: only the first {WORLD_ROW_LIMIT:,} of these {total:,} rows were "
            f"applied to the sandbox's data; the rest were counted but not stored, so the "
            f"changes listed (created, deleted…) cover {WORLD_ROW_LIMIT:,} rows at most. "
            "Real Canvas imports every row.")
# states an object comes back from when Canvas counts it as "restored"
RESTORED_FROM = {"Course": ("completed", "deleted"),
                 "Enrollment": ("inactive", "completed", "rejected", "deleted")}


class Worker:
    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._job: Job | None = None
        self._restores: list[Job] = []

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            if not self._stop.is_set():
                return
            self._thread.join()  # a stopped worker finishes its current step first
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sandbox-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Pause after the current step; the job in hand is kept for `start()`."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wake(self) -> None:
        self._wake.set()

    def add_restore(self, job: Job) -> None:
        with self.sandbox.lock:
            self._restores.append(job)
        self.wake()

    def _next_job(self) -> Job | None:
        sb = self.sandbox
        with sb.lock:
            if self._restores:
                return self._restores.pop(0)
            if sb.held_at("created"):
                return None
            queued = [r for r in sb.imports.values() if r.workflow_state == "created"]
            if not queued:
                return None
            record = min(queued, key=lambda r: (r.created_at, r.id))
            return ImportJob(sb, record).run()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._job is None:
                self._wake.clear()
                self._job = self._next_job()
                if self._job is None:
                    self._wake.wait(0.25)
                    continue
            try:
                delay = next(self._job)
            except StopIteration:
                self._job = None
                continue
            if delay > 0:
                self._stop.wait(delay)


class ImportJob:
    """One import's processing, as a generator of pauses."""

    def __init__(self, sandbox: "Sandbox", record: ImportRecord) -> None:
        self.sb = sandbox
        self.rec = record
        self.changes: Counter = Counter()

    def pace(self, seconds: float) -> float:
        return seconds / self.sb.speed

    def aborted(self) -> bool:
        with self.sb.lock:
            return self.rec.workflow_state == "aborted"

    def hold_point(self, state: str) -> Iterator[float]:
        while self.sb.held_at(state) and not self.aborted():
            yield HOLD_POLL

    def run(self) -> Job:
        try:
            yield from self._run()
        except Exception as exc:  # like Canvas: an unexpected exception fails the batch
            with self.sb.lock:
                self.rec.workflow_state = "failed"
                self.rec.data.update(error_message=str(exc), stack_trace=traceback.format_exc())
                self.rec.ended_at = now()
                self.rec.touch()

    def _run(self) -> Job:
        sb, rec = self.sb, self.rec
        yield self.pace(PICKUP)
        with sb.lock:
            if rec.workflow_state != "created" or sb.held_at("created"):
                return  # aborted meanwhile, or held: it stays queued
            rec.workflow_state, rec.progress, rec.started_at = "importing", 0, now()
            rec.touch()
        yield from self.hold_point("importing")
        if self.aborted():
            return
        failure = sb.take_forced_failure()
        if failure is not None:
            raise RuntimeError(failure)
        upload = analyze(rec.upload, sb.work_dir(rec.id), sb.next_report_number)
        with sb.lock:
            self.add_messages(upload.messages)
            if not upload.crashed:
                diffing.snapshot(rec, upload)
                self.add_messages(diffing.apply(sb, rec, upload))
            kinds = [k for k in processing_order() if any(f.type == k for f in upload.files)]
            rec.data.update(supplied_batches=kinds, counts=empty_counts(), completed_importers=[])
            rec.touch()
        if upload.crashed:
            yield from self.finish()
            return
        total = upload.row_count
        small = total <= SMALL_IMPORT_ROWS
        if small:
            with sb.lock:
                rec.data["running_immediately"] = True
            yield self.pace(SMALL_RUN)
            if self.aborted():
                return
        steps = 1 if small else min(STEP_LIMIT, max(2, total // 100))
        per_step = max(1, -(-total // steps))
        done = 0
        skip_deletes = bool(rec.options.get("skip_deletes"))
        for kind in kinds:
            applied = 0
            for csv_file in [f for f in upload.files if f.type == kind]:
                for number, row in csv_file.rows():
                    if done < WORLD_ROW_LIMIT:
                        with sb.lock:
                            warning = sb.world.apply(kind, row, rec.id, skip_deletes, self.record)
                            if warning:
                                self.add_messages_rows([(csv_file.name, warning, number)])
                            else:
                                applied += 1
                    else:
                        applied += 1
                    done += 1
                    if not small and done % per_step == 0:
                        with sb.lock:
                            rec.progress = max(rec.progress, min(99, done * 100 // total))
                            rec.touch()
                        yield self.pace(LARGE_RUN / steps)
                        if self.aborted():
                            return
            with sb.lock:
                counts = rec.data["counts"]
                counts[count_key(kind)] = counts.get(count_key(kind), 0) + applied
                rec.data["completed_importers"].append(kind)
        if self.aborted():
            return
        if total > WORLD_ROW_LIMIT:  # said in the result, so no figure below misleads
            with sb.lock:
                self.add_messages_rows([(None, world_limit_message(total), None)])
        if rec.options.get("batch_mode"):  # Canvas cleans up even after file failures
            yield from self.cleanup(upload, kinds)
            if self.rec.workflow_state == "aborted":
                return
        yield from self.finish(upload)

    # ----- bookkeeping
    def record(self, store: str, key, previous, status: str | None, stat: str) -> None:
        """Called by the world for each state change (under the sandbox lock)."""
        self.rec.changes.append((store, key, previous, status))
        status = (status or "").lower()
        if previous is None:
            action = "created"
        elif status.startswith("deleted"):
            action = "deleted"
        elif status.startswith("completed") and stat in ("Course", "Enrollment"):
            action = "concluded"
        elif status.startswith("inactive") and stat == "Enrollment":
            action = "deactivated"
        elif str(previous).startswith(RESTORED_FROM.get(stat, ("deleted",))):
            action = "restored"
        else:
            return
        self.changes[(stat, action)] += 1

    def add_messages(self, messages) -> None:
        for m in messages:
            self.rec.errors.append(ErrorRow(self.sb.next_id("error"), self.rec.id, m.file,
                                            m.message, m.row, m.failure))

    def add_messages_rows(self, rows) -> None:
        for name, message, number in rows:
            self.rec.errors.append(ErrorRow(self.sb.next_id("error"), self.rec.id, name,
                                            message, number, False))

    def has_failures(self) -> bool:
        return any(e.failure for e in self.rec.errors)

    # ----- batch mode
    def cleanup(self, upload, kinds) -> Job:
        """Batch mode: delete what this import left out of its term(s), like Canvas's
        remove_previous_imports (threshold check courses → sections → enrollments,
        deletions enrollments → sections → courses)."""
        sb, rec = self.sb, self.rec
        cleaned = {"course", "section", "enrollment"} & set(kinds)
        with sb.lock:
            if not cleaned:
                return
            if rec.options.get("multi_term_batch_mode"):
                terms = {k for k, t in sb.world.terms.items() if t.get("batch") == rec.id}
                if not terms:
                    self.abort_with("Terms not found. Terms must be included with "
                                    "multi_term_batch_mode", upload)
                    return
            elif rec.options.get("batch_mode_term_id") is not None:
                term_id = rec.options["batch_mode_term_id"]
                terms = {k for k, t in sb.world.terms.items() if t["id"] == term_id}
            else:
                return
            rec.workflow_state, rec.progress = "cleanup_batch", 0
            rec.touch()
            drop = rec.batch_enrollment_drop_status or "deleted"
            plan = sb.world.batch_candidates(terms, rec.id, cleaned, drop)
            threshold = rec.options.get("change_threshold")
            for _store, noun, stale, in_scope in plan:
                if threshold is not None and in_scope and \
                        len(stale) * 100 / in_scope > threshold:
                    self.abort_with(f"{len(stale)} {noun} would be deleted and exceeds the "
                                    f"set threshold of {threshold}%", upload)
                    return
        yield from self.hold_point("cleanup_batch")
        total = sum(len(stale) for _, _, stale, _ in plan)
        done = 0
        with sb.lock:
            within = sb.world.enrollments_by_container()
        for store, noun, stale, _ in reversed(plan):
            for key in stale:
                with sb.lock:
                    status = drop if store == "enrollments" else "deleted"
                    sb.world.drop(store, key, status, self.record)
                    rec.changes[-1] = rec.changes[-1] + ("batch",)
                    for inside in sb.world.live_enrollments_in(store, key, within):  # cascade
                        sb.world.drop("enrollments", inside, "deleted", self.record)
                        rec.changes[-1] = rec.changes[-1] + ("batch",)
                    done += 1
                    rec.progress = done * 100 // max(total, 1)
                    rec.touch()
            with sb.lock:
                rec.data["counts"][f"batch_{noun}_deleted"] = len(stale)
            if stale:
                yield self.pace(CLEANUP_RUN / len(plan))
            if self.aborted():
                return

    def abort_with(self, message: str, upload) -> None:
        """Canvas's batch_aborted: a warning without file, state aborted, progress 100."""
        rec = self.rec
        rec.errors.append(ErrorRow(self.sb.next_id("error"), rec.id, None, message, None, False))
        rec.workflow_state, rec.progress, rec.ended_at = "aborted", 100, now()
        self.finalize_data(upload)
        rec.touch()

    # ----- the end
    def finish(self, upload=None) -> Job:
        sb, rec = self.sb, self.rec
        with sb.lock:
            if rec.workflow_state == "aborted":
                return
            failures = self.has_failures()
            if failures:
                rec.workflow_state = "failed_with_messages"
            else:
                rec.workflow_state = "imported_with_messages" if rec.errors else "imported"
                rec.progress = 100
            rec.ended_at = now()
            late = sb.errors_file_delay > 0
            self.finalize_data(upload, errors_file=not late)
            rec.touch()
        if late and rec.errors:  # Canvas writes it in a separate job, after the end
            yield sb.errors_file_delay
            with sb.lock:
                rec.errors_attachment = write_errors_file(sb, rec)
                rec.touch()
        yield 0

    def finalize_data(self, upload, errors_file: bool = True) -> None:
        sb, rec = self.sb, self.rec
        counts = rec.data.setdefault("counts", empty_counts())
        counts["error_count"] = sum(1 for e in rec.errors if e.failure)
        counts["warning_count"] = sum(1 for e in rec.errors if not e.failure)
        rec.data.setdefault("supplied_batches", [])
        rec.data["statistics"] = statistics(self.changes)
        if upload is not None:
            for csv_file in upload.files:
                stored = sb.add_file(csv_file.name.rsplit("/", 1)[-1], exposed_copy(csv_file),
                                     "text/csv")
                rec.csv_attachments.append(stored)
            rec.data["downloadable_attachment_ids"] = [
                f.id for f in rec.csv_attachments + rec.diffed_csv_attachments]
        if rec.errors and errors_file:
            rec.errors_attachment = write_errors_file(sb, rec)


def write_errors_file(sb: "Sandbox", rec: ImportRecord) -> StoredFile:
    path = sb.work_dir(rec.id) / f"sis_errors_attachment_{rec.id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sis_import_id", "file", "message", "row"])
        for e in rec.errors:
            writer.writerow([rec.id, e.file or "", e.message, "" if e.row is None else e.row])
    return sb.add_file(path.name, path, "csv")


def restore_job(sb: "Sandbox", rec: ImportRecord, progress: ProgressRecord, *,
                batch_only: bool, undelete_only: bool, unconclude_only: bool) -> Job:
    """restore_states: revert this import's changes (newest first)."""
    yield PICKUP / sb.speed
    with sb.lock:
        rec.workflow_state = "restoring"
        progress.workflow_state = "running"
        rec.touch()
    yield SMALL_RUN / sb.speed
    with sb.lock:
        for change in reversed(rec.changes):
            store, key, before, after = change[:4]
            is_batch = len(change) > 4
            if batch_only and not is_batch:
                continue
            if undelete_only and not str(after).startswith("deleted"):
                continue
            if unconclude_only and not (store == "enrollments" and str(after).startswith("completed")):
                continue
            sb.world.revert(store, key, before)
        partial = batch_only or undelete_only or unconclude_only
        rec.workflow_state = "partially_restored" if partial else "restored"
        progress.workflow_state, progress.completion = "completed", 100.0
        progress.updated_at = now()
        rec.touch()
