"""`sis-desktop-cli validate PATH... [--json]`: the pre-flight check, offline.

Exit 0 when Canvas would reject no file, 1 when it would, 2 when a path cannot be read.
"""
from __future__ import annotations

import argparse
import json
import sys

from sis_desktop.core.sis_csv import Report, UnreadablePath, validate_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check SIS CSV files (or a zip) before uploading them",
        description="Predict how Canvas will react to a SIS upload: one CSV, one zip, or "
                    "several CSVs checked as one upload. Nothing is sent anywhere.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a .csv or .zip file")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with files, every message (its `source`: "
                             "canvas, or sis-desktop for the app's own checks) and a summary")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from sis_desktop.cli.main import EXIT_FAILED, EXIT_OK, UsageError

    try:
        report = validate_paths(args.paths)
    except UnreadablePath as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(report))
    return EXIT_FAILED if report.errors else EXIT_OK


def render(report: Report) -> str:
    """The readable report: per file its type and rows, then its messages; an error or
    warning that is the app's own check, not Canvas's message, is tagged [SIS Desktop]."""
    lines: list[str] = []
    for file in report.files:
        kind = file.type or "not imported"
        lines.append(f"{file.name}: {kind}, {file.rows:,} row{'s' if file.rows != 1 else ''}")
        for finding in report.findings_for(file.name):
            where = f"row {finding.row}: " if finding.row is not None else ""
            lines.append(f"  {finding.severity:<7} {_tag(finding)}{where}{finding.message}")
    general = [f for f in report.findings if f.file is None]
    if general:
        lines.append("Whole upload:")
        lines.extend(f"  {f.severity:<7} {_tag(f)}{f.message}" for f in general)
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def _tag(finding) -> str:
    return "" if finding.from_canvas or finding.severity == "notice" else "[SIS Desktop] "
