"""`sis-desktop-cli history`: the local record of imports this app sent."""
from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import urlsplit

from sis_desktop.cli.main import EXIT_OK, EXIT_USAGE
from sis_desktop.core.history import History, HistoryEntry, HistoryError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "history", help="list the imports this app sent (newest first)",
        description="List the imports this app sent, newest first, with their last known "
                    "state and the Canvas (host and account) each one went to.")
    # The global --profile also works (`--profile X history`); SUPPRESS keeps it when this
    # one is not given.
    parser.add_argument("--profile", default=argparse.SUPPRESS,
                        help="only imports sent with this profile")
    parser.add_argument("--limit", type=_positive, default=50,
                        help="how many to list (default 50)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of objects instead of a table")
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        history = History()
    except HistoryError as exc:
        print(f"sis-desktop-cli: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if history.notice:
        print(f"sis-desktop-cli: {history.notice}", file=sys.stderr)
    entries = history.recent(profile=getattr(args, "profile", None), limit=args.limit)
    if args.json:
        print(json.dumps([e.to_json() for e in entries], indent=2))
    elif not entries:
        print("No imports in the history yet." if getattr(args, "profile", None) is None
              else f"No imports in the history for profile {args.profile}.")
    else:
        print(_table(entries))
    return EXIT_OK


def _table(entries: list[HistoryEntry]) -> str:
    head = ("IMPORT", "SENT (UTC)", "PROFILE", "CANVAS (ACCOUNT)", "STATE", "PROGRESS",
            "ERR/WARN", "FILES")
    rows = [head]
    for e in entries:
        sent = e.created_at.strftime("%Y-%m-%d %H:%M") if e.created_at else "?"
        where = f"{urlsplit(e.url).netloc or e.url} ({e.account_id})"  # the same id differs per Canvas
        rows.append((str(e.import_id), sent, e.profile or "-", where, e.workflow_state.value,
                     f"{e.progress}%", f"{e.error_count}/{e.warning_count}",
                     ", ".join(e.file_names) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]
                     for r in rows)
