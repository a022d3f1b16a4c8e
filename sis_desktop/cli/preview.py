"""`sis-desktop-cli preview PATH... [import options] [--max-age MINUTES] [--refresh]
[--details] [--json]`: compare an upload with Canvas's own data (a provisioning report)
before sending it, and `import --preview` (via `preview_gate`).

Exit 0 when the batch's cleanup would run (or there is no batch), 1 when `change_threshold`
would stop it, 2 for bad usage, 3 when Canvas refused or could not be reached.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

from sis_desktop.cli.main import EXIT_FAILED, EXIT_OK, UsageError

MAX_LISTED = 50  # unresolved rows / deletions printed without --details


def register(sub: argparse._SubParsersAction) -> None:
    from sis_desktop.cli.imports import add_import_options

    p = sub.add_parser(
        "preview", help="compare files with Canvas's data: what a full batch deletes, what changes",
        description="Fetch (or reuse) Canvas's provisioning report and compare the upload with "
                    "it: what a full batch would delete, whether the change threshold stops "
                    "it, what each row creates or changes, and references that exist nowhere. "
                    "Nothing is imported.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".csv or .zip file(s), as for import")
    add_import_options(p)
    add_preview_options(p)
    p.add_argument("--details", action="store_true", help="list every object (ids) that would be deleted")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=preview_command)


def add_preview_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-age", type=_minutes, default=60, metavar="MINUTES",
                   help="reuse a finished report younger than this (default 60)")
    p.add_argument("--refresh", action="store_true", help="always run a new report")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of minutes (0 or more)")
    return value


def run(args: argparse.Namespace, paths: list[Path], options, client, *, quiet: bool):
    """The preview for these paths and options; progress lines on stderr unless quiet."""
    from sis_desktop.core.preview import default_cache_dir, run_preview
    from sis_desktop.core.sis_csv import UnreadablePath

    def stage(name: str, report) -> None:
        if quiet:
            return
        text = {"validating": "Reading the files…",
                "queued": "Canvas report queued…",
                "running": "Canvas is writing the report"
                           + (f" ({report.current_line:,} rows)…" if report and report.current_line else "…"),
                "reused": "Reusing a recent Canvas report…",
                "downloading": "Downloading the report…",
                "comparing": "Comparing with Canvas's data…"}.get(name)
        if text and text != last[0]:
            last[0] = text
            print(text, file=sys.stderr)

    last = [""]
    try:
        return run_preview(paths, options, client, cache_dir=default_cache_dir(),
                           max_age=timedelta(minutes=getattr(args, "max_age", 60) or 0),
                           refresh=getattr(args, "refresh", False), on_stage=stage)
    except UnreadablePath as exc:
        raise UsageError(str(exc)) from None


def preview_command(args: argparse.Namespace) -> int:
    from sis_desktop.cli.common import client_from_args
    from sis_desktop.cli.imports import check_paths, options_from_args

    paths = check_paths(args.paths)
    options = options_from_args(args)
    client = client_from_args(args)
    result = run(args, paths, options, client, quiet=args.json)
    if args.json:
        json.dump(result.to_json(details=args.details), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result, details=args.details))
    return EXIT_FAILED if result.batch and result.batch.threshold.would_stop else EXIT_OK


def preview_gate(args: argparse.Namespace, paths: list[Path], options, target) -> int | None:
    """For `import --preview` (`target`: the import's Target, or anything with `.client()`):
    print the preview to stderr; EXIT_FAILED when the change threshold would stop the
    cleanup (unless --force), else None (go on with the import)."""
    client = target.client()
    try:
        result = run(args, paths, options, client, quiet=False)
    finally:
        client.close()
    sys.stderr.write(render(result, details=False))
    if result.batch and result.batch.threshold.would_stop:
        if getattr(args, "force", False):
            print("Importing anyway (--force): Canvas will import the rows and then stop the "
                  "cleanup, deleting nothing.", file=sys.stderr)
            return None
        print("Not importing: the change threshold would stop the cleanup. Fix the files or the "
              "threshold, or pass --force.", file=sys.stderr)
        return EXIT_FAILED
    return None


def render(result, *, details: bool) -> str:
    """The preview as text for people."""
    out: list[str] = []
    fetched = result.report
    age = fetched.age_seconds
    how = {"cache": "reused from this computer", "canvas": "reused from Canvas",
           "new": "new"}.get(fetched.source, fetched.source)
    out.append(f"Canvas data: {fetched.report.report or 'provisioning_csv'} report "
               f"{fetched.report.id} ({how}), {_age(age)} old.")
    batch = result.batch
    if batch is not None:
        out.append(batch.sentence())
        t = batch.threshold
        for kind, info in t.per_type.items():
            out.append(f"  {kind}: {info['deleted']:,} of {info['population']:,} "
                       f"({info['percent']:.2f} %)" + ("  exceeds the threshold" if info["exceeds"] else ""))
        if t.percent is None:
            out.append("  No change threshold is set: Canvas will delete all of this.")
        elif t.would_stop:
            out.append(f"  The change threshold ({t.percent} %) WOULD STOP the cleanup: Canvas "
                       "imports the rows but deletes nothing, and ends the import as aborted.")
        else:
            out.append(f"  Within the change threshold ({t.percent} %): the cleanup will run.")
        if batch.cascaded:
            out.append(f"  Also deleted with their sections or courses (not counted by Canvas): "
                       f"{len(batch.cascaded):,} enrollments.")
        shown = batch.items if details else batch.items[:MAX_LISTED]
        if shown:
            out.append("To be removed:")
            for d in shown:
                out.append("  " + _describe(d))
            if len(batch.items) > len(shown):
                out.append(f"  … and {len(batch.items) - len(shown):,} more (--details lists all).")
        if details and batch.cascaded:
            out.append("Deleted with their section or course:")
            out.extend("  " + _describe(d) for d in batch.cascaded)
    else:
        out.append("Not a full batch: Canvas deletes nothing that is not in the files.")
    if result.changes:
        out.append("Changes:")
        for kind in result.changes:
            out.append(f"  {kind}: {result.change_counts(kind)}")
    if result.references:
        out.append(result.references_sentence())
    for note in result.notes[:MAX_LISTED if not details else None]:
        out.append(f"  note: {note.file}, row {note.row}: {note.message}")
    if result.unresolved:
        out.append(f"References that exist neither in the files nor in Canvas "
                   f"({len(result.unresolved):,} rows; Canvas will skip them):")
        for u in result.unresolved[:MAX_LISTED if not details else None]:
            out.append(f"  {u.file}, row {u.row}: {u.message}")
        if not details and len(result.unresolved) > MAX_LISTED:
            out.append(f"  … and {len(result.unresolved) - MAX_LISTED:,} more.")
    out.append("What this cannot know:")
    out.extend(f"  - {line}" for line in result.limits)
    return "\n".join(out) + "\n"


def _describe(d) -> str:
    if d.type == "course":
        return f"course {d.id}" + (f" ({d.name})" if d.name and d.name != d.id else "")
    if d.type == "section":
        return f"section {d.id} of course {d.course_id}" + (f" ({d.name})" if d.name else "")
    where = f"section {d.section_id}" if d.section_id else f"course {d.course_id}"
    verb = "" if d.new_status == "deleted" else f" → {d.new_status}"
    return f"enrollment of {d.id} as {d.role or 'student'} in {where}{verb}"


def _age(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"

