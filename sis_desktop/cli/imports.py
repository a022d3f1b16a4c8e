"""CLI commands for SIS imports: import, status, list, abort, errors, restore."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from sis_desktop.cli.common import (StatusLine, TransferBar, client_from_args, is_tty,
                                    target_from_args, warn)
from sis_desktop.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN, UsageError
from sis_desktop.core.canvas.errors import AmbiguousUpload, CanvasError
from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.import_flow import (FAILED_STATES, HistoryRecorder, ImportJob,
                                          PrepareError, Target, abort_import, check_files,
                                          check_import, follow_import)
from sis_desktop.core.storage import atomic_writer
from sis_desktop.core.times import local_text, to_utc

STATES = [s.value for s in WorkflowState if s is not WorkflowState.UNKNOWN]
MAX_FINDINGS_SHOWN = 50  # before an upload; `validate` shows every one
ID_HELP = "the import's id, a number like 1234 (see 'list' or 'history')"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="upload CSV or zip files as one SIS import",
                       description="Check the files, upload them as one SIS import, and "
                                   "optionally wait for Canvas to finish it.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".csv or .zip file(s); several CSVs are zipped together")
    add_import_options(p)
    p.add_argument("--raw", action="store_true", help="send the file as the raw body instead of multipart")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the pre-flight check and the sha256 of the files: the fastest "
                        "upload, read once only to send it (history then has no checksum, so "
                        "the duplicate guard cannot recognise these files later)")
    p.add_argument("--force", action="store_true",
                   help="upload even when the pre-flight check finds errors, or when the same "
                        "files were sent to this account in the last 24 hours")
    p.add_argument("--wait", action="store_true", help="follow the import until Canvas finishes it")
    p.add_argument("--json", action="store_true", help="print only Canvas's import object as JSON")
    p.add_argument("--preview", action="store_true", help="check against Canvas's data first "
                   "(see 'preview'); stop when the change threshold would stop the cleanup, unless --force")
    p.set_defaults(func=import_command)

    p = sub.add_parser("status", help="show one import")
    p.add_argument("id", type=import_id, metavar="ID", help=ID_HELP)
    p.add_argument("--wait", action="store_true", help="follow it until it finishes")
    p.add_argument("--json", action="store_true", help="print only Canvas's import object as JSON")
    p.set_defaults(func=status_command)

    p = sub.add_parser("list", help="list recent imports, newest first")
    p.add_argument("--state", action="append", choices=STATES, metavar="S",
                   help=f"only this state (repeatable): {', '.join(STATES)}")
    p.add_argument("--since", metavar="ISO", help="created after this time, e.g. 2025-01-31T08:00:00Z "
                   "(without a zone: local time)")
    p.add_argument("--before", metavar="ISO", help="created before this time (same form)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N imports (default 20)")
    p.add_argument("--json", action="store_true", help="print Canvas's import objects as a JSON list")
    p.set_defaults(func=list_command)

    p = sub.add_parser("abort", help="abort one unfinished import, or all queued ones")
    p.add_argument("id", nargs="?", type=import_id, metavar="ID",
                   help="the import to abort (or give --all-pending)")
    p.add_argument("--all-pending", action="store_true", help="abort every import not yet started")
    p.set_defaults(func=abort_command)

    p = sub.add_parser("errors", help="all error rows of an import, as CSV")
    p.add_argument("id", type=import_id, metavar="ID", help=ID_HELP)
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=errors_command)

    p = sub.add_parser("restore", help="undo the state changes of an import")
    p.add_argument("id", type=import_id, metavar="ID", help=ID_HELP)
    p.add_argument("--batch-mode", action="store_true", help="only what batch mode deleted")
    p.add_argument("--undelete-only", action="store_true", help="only undo deletions")
    p.add_argument("--unconclude-only", action="store_true", help="only undo concluded enrollments")
    p.set_defaults(func=restore_command)


def add_import_options(p: argparse.ArgumentParser) -> None:
    """The Canvas import option flags (read back by `options_from_args`)."""
    g = p.add_argument_group("Canvas import options")
    g.add_argument("--import-type", default="instructure_csv", metavar="T",
                   help="the files' format; Canvas knows only instructure_csv (the default)")
    g.add_argument("--batch-mode", action="store_true", help="full batch update of one term (deletes what is missing)")
    g.add_argument("--batch-term-id", metavar="ID", help="term of the batch (Canvas id or sis_term_id:X)")
    g.add_argument("--multi-term-batch-mode", action="store_true", help="batch mode over every term in terms.csv")
    g.add_argument("--change-threshold", type=int, metavar="N", help="percent of deletions above which Canvas stops")
    g.add_argument("--batch-mode-enrollment-drop-status", metavar="S", help="deleted, completed or inactive")
    g.add_argument("--skip-deletes", action="store_true", help="skip rows whose status is deleted")
    g.add_argument("--override-sis-stickiness", action="store_true", help="overwrite changes made in the Canvas UI")
    g.add_argument("--add-sis-stickiness", action="store_true", help="treat this import's changes as UI changes")
    g.add_argument("--clear-sis-stickiness", action="store_true", help="clear the UI-changed state of touched fields")
    g.add_argument("--update-sis-id-if-login-claimed", action="store_true",
                   help="when a row's login_id belongs to a login with another SIS id, give "
                        "that login this row's SIS id")
    g.add_argument("--diffing-data-set-identifier", metavar="ID", help="diff against the last import of this data set")
    g.add_argument("--diffing-remaster-data-set", action="store_true",
                   help="start the data set again from this import (no diff); needs "
                        "--diffing-data-set-identifier")
    g.add_argument("--diffing-drop-status", metavar="S", help="deleted, completed, inactive or deleted_last_completed")
    g.add_argument("--diffing-user-remove-status", metavar="S", help="deleted or suspended")
    g.add_argument("--diff-row-count-threshold", type=int, metavar="N",
                   help="do not use the diff if it would change more than N rows")


def import_id(text: str) -> str:
    """An import id as given on the command line: a whole number (argparse type)."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not an import id; give its number, "
                                         "like 1234 (see 'sis-desktop-cli list')")
    return text.strip()


# ---- import -------------------------------------------------------------------------------
def options_from_args(args: argparse.Namespace) -> ImportOptions:
    """The flags as ImportOptions; a UsageError naming every broken rule."""
    options = ImportOptions(
        import_type=args.import_type, batch_mode=args.batch_mode,
        batch_mode_term_id=args.batch_term_id, multi_term_batch_mode=args.multi_term_batch_mode,
        change_threshold=args.change_threshold, skip_deletes=args.skip_deletes,
        batch_mode_enrollment_drop_status=args.batch_mode_enrollment_drop_status,
        override_sis_stickiness=args.override_sis_stickiness,
        add_sis_stickiness=args.add_sis_stickiness, clear_sis_stickiness=args.clear_sis_stickiness,
        update_sis_id_if_login_claimed=args.update_sis_id_if_login_claimed,
        diffing_data_set_identifier=args.diffing_data_set_identifier,
        diffing_remaster_data_set=args.diffing_remaster_data_set,
        diffing_drop_status=args.diffing_drop_status,
        diffing_user_remove_status=args.diffing_user_remove_status,
        diff_row_count_threshold=args.diff_row_count_threshold)
    problems = options.problems(flags=OPTION_FLAGS)  # sentences that name the flags
    if problems:
        raise UsageError(" ".join(problems))
    return options


# ImportOptions field -> its flag (each is the field's name, but for --batch-term-id)
OPTION_FLAGS = {f.name: "--" + f.name.replace("_", "-") for f in fields(ImportOptions)}
OPTION_FLAGS["batch_mode_term_id"] = "--batch-term-id"


def check_paths(raw_paths: list[str]) -> list[Path]:
    try:
        return [f.path for f in check_files(raw_paths)]
    except PrepareError as exc:
        raise UsageError(str(exc)) from None


def validate(job: ImportJob, *, force: bool, batch: bool = True) -> None:
    """Pre-flight check: print findings to stderr; errors stop the upload unless --force.
    The check's pass over the bytes also gives the files' sha256 (for history and the
    duplicate guard). Advice only for a full batch is left out of other imports."""
    from sis_desktop.core.sis_csv import UnreadablePath, batch_only

    try:
        report = job.validate()
    except UnreadablePath as exc:
        raise UsageError(str(exc)) from None
    findings = [*report.errors, *report.warnings,
                *(f for f in report.notices if batch or not batch_only(f))]
    for finding in findings[:MAX_FINDINGS_SHOWN]:
        where = finding.file or ""
        if finding.row:
            where += f", row {finding.row}"
        prefix = f"{finding.severity}: {where}: " if where else f"{finding.severity}: "
        message = finding.message if len(finding.message) <= 300 else finding.message[:300] + "…"
        print(prefix + message, file=sys.stderr)
    if len(findings) > MAX_FINDINGS_SHOWN:
        print(f"… and {len(findings) - MAX_FINDINGS_SHOWN:,} more; 'sis-desktop-cli validate' "
              "lists them (up to 1,000 rows per message).", file=sys.stderr)
    if report.errors and not force:
        count = len(report.errors)
        raise UsageError(f"The pre-flight check found {count} error{'s' if count != 1 else ''}; "
                         "fix the files, or pass --force to upload anyway.")


def duplicate_guard(job: ImportJob, *, force: bool) -> None:
    """The same files sent to this account in the last 24 hours stop the upload (exit 2)
    unless --force; only checked when the pre-flight pass already hashed the files."""
    duplicates = job.safety_check(duplicates_only=True).duplicates
    if not duplicates:
        return
    from sis_desktop.core.history import duplicate_warning
    sentence = duplicate_warning(duplicates, ask=False)
    if force:
        warn(f"{sentence}; sending again because of --force.")
        return
    raise UsageError(f"{sentence}. Pass --force to send them again.")


def import_command(args: argparse.Namespace) -> int:
    try:
        files = check_files(args.paths)
    except PrepareError as exc:
        raise UsageError(str(exc)) from None
    options = options_from_args(args)
    target = target_from_args(args)
    job = ImportJob(target, [], options, raw=args.raw, files=files,
                    recorder=HistoryRecorder(on_warning=warn), checksum=not args.no_validate)
    if not args.no_validate:
        validate(job, force=args.force, batch=options.is_batch)
        duplicate_guard(job, force=args.force)
    if args.preview:  # check against Canvas's data; may stop here (exit code)
        from sis_desktop.cli.preview import preview_gate
        if (stop := preview_gate(args, job.paths, options, target)) is not None:
            return stop
    bar = TransferBar(sys.stderr) if not args.json and is_tty(sys.stderr) else None
    sent = [0, -1]

    def progress(done: int, total: int) -> None:
        sent[:] = [done, total]
        if bar:
            bar.update(done, total)
    try:
        try:
            job.upload(on_progress=progress)
        finally:
            if bar:
                bar.finish()
        sis_import = job.sis_import
        if job.ambiguous:
            print(f"sis-desktop-cli: {job.ambiguous}", file=sys.stderr)
        if not args.json:
            print(f"Import {sis_import.id} created: {sis_import.workflow_state.label}.", flush=True)
        if args.wait:
            return _wait(job.target, sis_import, job.recorder, as_json=args.json)
        return _finish(sis_import, args.json, waited=False)
    except AmbiguousUpload as exc:  # Canvas's list could not tell: the import may exist
        print(f"sis-desktop-cli: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    except KeyboardInterrupt:
        if job.sis_import is not None:  # Canvas has it: say so, never "interrupted" alone
            return _stopped(job.sis_import, "interrupted", as_json=args.json)
        if sent[0] == sent[1]:  # the whole body went out: Canvas may have created it
            print("sis-desktop-cli: interrupted after the whole file was sent; the import may "
                  "exist. Check 'sis-desktop-cli list' before sending it again.", file=sys.stderr)
            return EXIT_UNKNOWN
        raise


# ---- status / list --------------------------------------------------------------------------
def status_command(args: argparse.Namespace) -> int:
    target = target_from_args(args)
    recorder = HistoryRecorder(on_warning=warn)
    sis_import = check_import(target, args.id, recorder)
    if args.wait and not sis_import.is_terminal:
        return _wait(target, sis_import, recorder, as_json=args.json)
    return _finish(sis_import, args.json, waited=sis_import.is_terminal)


def list_command(args: argparse.Namespace) -> int:
    since, before = _iso_arg(args.since, "--since"), _iso_arg(args.before, "--before")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be 1 or more.")
    client = client_from_args(args)
    imports = list(client.list_imports(states=args.state, created_since=since,
                                       created_before=before, limit=args.limit))
    if args.json:
        print(json.dumps([i.raw for i in imports], indent=2))
        return EXIT_OK
    if not imports:
        print("No imports match.")
        return EXIT_OK
    print(f"{'ID':>8}  {'STATE':<24}  {'PROG':>4}  {'CREATED (local time)':<24}  {'ERR':>5}  {'WARN':>5}")
    for i in imports:
        created = local_text(i.created_at, seconds=True) or "-"
        print(f"{i.id:>8}  {i.workflow_state.value:<24}  {i.progress:>3}%  {created:<24}  "
              f"{i.error_count:>5}  {i.warning_count:>5}")
    return EXIT_OK


# ---- abort / errors / restore --------------------------------------------------------------------
def abort_command(args: argparse.Namespace) -> int:
    if bool(args.id) == bool(args.all_pending):
        raise UsageError("Give either an import ID or --all-pending.")
    if args.all_pending:
        client = client_from_args(args)
        done = client.abort_all_pending()
        print("Every queued import was aborted." if done else
              "Canvas did not confirm the abort of the queued imports; check the list.")
        return EXIT_OK
    sis_import = abort_import(target_from_args(args), args.id, HistoryRecorder(on_warning=warn))
    print(f"Import {sis_import.id}: {sis_import.workflow_state.label}.")
    return EXIT_OK


def errors_command(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else None
    if output is not None and output.is_dir():
        raise UsageError(f"'{output}' is a folder; give a file name for the CSV, like errors.csv.")
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"The folder of '{output}' does not exist; create it or choose another.")
    client = client_from_args(args)
    rows = client.import_errors(args.id)
    if output is None:
        _write_errors(rows, sys.stdout)
        return EXIT_OK
    try:
        with atomic_writer(output) as fh:  # a broken download leaves no half-written file
            count = _write_errors(rows, fh)
    except OSError as exc:
        raise UsageError(f"Could not write '{output}' ({exc.strerror or exc}).") from None
    print(f"{count} error row{'s' if count != 1 else ''} written to {output}.", file=sys.stderr)
    return EXIT_OK


def restore_command(args: argparse.Namespace) -> int:
    if args.undelete_only and args.unconclude_only:
        raise UsageError("Choose either --undelete-only or --unconclude-only, not both.")
    client = client_from_args(args)
    progress = client.restore_states(args.id, batch_mode=args.batch_mode,
                                     undelete_only=args.undelete_only,
                                     unconclude_only=args.unconclude_only)
    print(f"Canvas is restoring the states of import {args.id} (job {progress.id}, "
          f"{progress.workflow_state or 'queued'}); follow it with 'status {args.id} --wait'.")
    return EXIT_OK


# ---- helpers ----------------------------------------------------------------------------------------
def _wait(target: Target, sis_import: SisImport, recorder: HistoryRecorder, *,
          as_json: bool) -> int:
    """Follow an import Canvas has accepted to its end. When the wait stops early (Canvas
    unreachable, --timeout, Ctrl-C), the import still exists: what was last seen is printed,
    with how to follow it, and the exit code says "created, outcome unknown"."""
    line = None if as_json else StatusLine(sys.stderr)
    last = [sis_import]

    def seen(current: SisImport) -> None:
        last[0] = current
        if line:
            line.update(current)
    stopped: str | None = None
    try:
        final = follow_import(target, sis_import.id, recorder=recorder, on_update=seen)
    except CanvasError as exc:
        stopped = str(exc)
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        if line:
            line.finish()
    if stopped is None:
        return _finish(final, as_json, waited=True)
    return _stopped(last[0], stopped, as_json=as_json)


def _stopped(current: SisImport, why: str, *, as_json: bool) -> int:
    """The wait for an import Canvas accepted ended early: its id, its last state, how to
    follow it, and exit 4 ("created, outcome unknown")."""
    print(f"sis-desktop-cli: stopped waiting ({why.rstrip('.')}). Import {current.id} was "
          f"created and was last seen {current.workflow_state.label.lower()} "
          f"({current.progress}%); follow it with 'sis-desktop-cli status {current.id} --wait'.",
          file=sys.stderr)
    if as_json:
        print(json.dumps(current.raw, indent=2))
    return EXIT_UNKNOWN


def _finish(sis_import: SisImport, as_json: bool, *, waited: bool) -> int:
    if as_json:
        print(json.dumps(sis_import.raw, indent=2))
    else:
        _summary(sis_import)
    return EXIT_FAILED if waited and sis_import.workflow_state in FAILED_STATES else EXIT_OK


def _summary(i: SisImport) -> None:
    print(f"Import {i.id}: {i.workflow_state.label} ({i.progress}%), "
          f"{i.error_count} error(s), {i.warning_count} warning(s).")
    for kind, messages in (("error", i.processing_errors), ("warning", i.processing_warnings)):
        for m in messages:
            print(f"  {kind}: {m.file + ': ' if m.file else ''}{m.message}")


def _write_errors(rows, stream) -> int:
    writer = csv.writer(stream)
    writer.writerow(["sis_import_id", "file", "message", "row"])
    count = 0
    for row in rows:
        writer.writerow([row.sis_import_id, row.file or "", row.message,
                         "" if row.row is None else row.row])
        count += 1
    return count


def _iso_arg(value: str | None, flag: str) -> str | None:
    """An ISO date and time from the command line, sent to Canvas in UTC. One written
    without a zone means this computer's local time (said in the help)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} needs a date and time like 2025-01-31T08:00:00Z, "
                         f"not '{value}'.") from None
    if when.tzinfo is None:
        when = when.astimezone()  # explicitly: local time
    return to_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")
