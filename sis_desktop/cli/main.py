"""Entry point of `sis-desktop-cli`.

Each command lives in its own module under `sis_desktop/cli/` and exposes
`register(subparsers)`, which adds its parser(s) and sets `func=handler` where
`handler(args) -> int` returns the exit code. Exit codes: 0 fine; 1 the import ended
failed/aborted (or validation found errors); 2 bad usage or bad input; 3 Canvas refused
or could not be reached (nothing was created; also when `--timeout` ran out first); 4 an
import was created — or may have been, after a lost answer — but its outcome is unknown (the
wait stopped early, e.g. at `--timeout`): never send the same files again on exit 4, follow
the import instead; 130 Ctrl-C; 143 SIGTERM (handled like Ctrl-C: temp files are removed).
"""
from __future__ import annotations

import argparse
import logging
import importlib
import sys

from sis_desktop import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANVAS, EXIT_UNKNOWN = 0, 1, 2, 3, 4

# Each module registers these commands. Only the module of the command given is imported
# (`validate` need not load the HTTP stack); an unknown command or --help loads them all.
COMMAND_MODULES = {
    "sis_desktop.cli.imports": ("import", "status", "list", "abort", "errors", "restore"),
    "sis_desktop.cli.validate": ("validate",),
    "sis_desktop.cli.preview": ("preview",),
    "sis_desktop.cli.profiles": ("profiles",),
    "sis_desktop.cli.history": ("history",),
    "sis_desktop.cli.sandbox": ("sandbox",),
}


class UsageError(Exception):
    """Bad usage or bad input: printed as one sentence, exit 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (e.g. `kill`, a cron or systemd timeout): handled like Ctrl-C, so every
    `finally` runs and the temp zip of an upload is removed; exit 143."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with `command`, only the module that registers it is imported."""
    parser = argparse.ArgumentParser(
        prog="sis-desktop-cli",
        description="Upload Canvas SIS imports, check them before sending, and follow them.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    for flags, kw in GLOBAL_OPTIONS:
        parser.add_argument(*flags, **kw)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = [m for m, commands in COMMAND_MODULES.items() if command in commands]
    for name in modules or COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command, command_parser in sub.choices.items():
        if command not in NO_CONNECTION:
            _accept_global_options(command_parser)
    return parser


def seconds(text: str) -> float:
    """--timeout's value: a number of seconds above 0 (argparse type)."""
    import math
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return value


GLOBAL_OPTIONS = (
    (("--url",), {"help": "Canvas base URL, e.g. https://school.instructure.com"}),
    (("--account",), {"help": "root account id (default: the profile's)"}),
    (("--profile",), {"help": "a saved profile (see 'profiles list')"}),
    (("--timeout",), {"type": seconds, "metavar": "SECONDS",
                      "help": "give up after this many seconds in all (for cron); an import "
                              "already created carries on in Canvas"}),
)
NO_CONNECTION = ("profiles", "sandbox", "validate", "history")  # they never reach a Canvas


def command_of(argv: list[str]) -> str | None:
    """The command word of `argv` (the first word that is no option nor a global option's
    value), or None."""
    pre = argparse.ArgumentParser(add_help=False)
    for flags, _kw in GLOBAL_OPTIONS:
        pre.add_argument(*flags)
    try:
        _, rest = pre.parse_known_args(argv)
    except SystemExit:  # a global option without its value: let the full parser say so
        return None
    return next((word for word in rest if not word.startswith("-")), None)


def _accept_global_options(parser: argparse.ArgumentParser) -> None:
    """Let --url/--account/--profile/--timeout also follow the command (`list --url …
    --account …`). SUPPRESS as default: given before the command and not after, the first
    value stays."""
    for flags, kw in GLOBAL_OPTIONS:
        if not any(flag in parser._option_string_actions for flag in flags):
            parser.add_argument(*flags, **kw, default=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    import signal

    from sis_desktop.core import tempfiles
    from sis_desktop.core.canvas.deadline import Deadline
    from sis_desktop.core.canvas.errors import CanvasError
    from sis_desktop.core.logs import setup_logging

    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 file name is printed, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(argv))
    args = parser.parse_args(argv)
    args.deadline = Deadline(args.timeout) if args.timeout else None  # starts now
    try:
        setup_logging(logging.DEBUG)  # the file is small and rotating; HTTP lines help diagnosis
    except OSError as exc:  # an unwritable log folder must not stop an import
        print(f"sis-desktop-cli: warning: no log file ({exc.strerror}).", file=sys.stderr)
    tempfiles.sweep_stale()  # what a killed run (SIGKILL, power loss) left behind
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding program): leave its handler
        previous = None
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"sis-desktop-cli: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CanvasError as exc:
        print(f"sis-desktop-cli: {exc}", file=sys.stderr)
        return EXIT_CANVAS
    except OSError as exc:  # a local file or folder failed us (full disk, permissions…)
        from sis_desktop.core.files import shown
        where = f" ({shown(exc.filename)})" if exc.filename else ""
        print(f"sis-desktop-cli: a local file could not be used{where}: "
              f"{exc.strerror or exc}; free some disk space or check the permissions, then "
              "try again.", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("sis-desktop-cli: terminated.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("sis-desktop-cli: interrupted.", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
