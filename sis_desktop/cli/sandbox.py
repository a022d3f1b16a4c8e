"""`sis-desktop-cli sandbox`: run the local Canvas stand-in in the foreground."""
from __future__ import annotations

import argparse
import math
import threading

DEFAULT_TOKEN = "sandbox"  # the documented, public token of the local stand-in


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run a local Canvas-compatible SIS Imports server for trying things out",
        description="Run a local Canvas stand-in on 127.0.0.1 (root account 1, sub-account 2, "
                    "account 3 without SIS imports). Stop it with Ctrl+C.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    parser.add_argument("--token", default=DEFAULT_TOKEN,
                        help="the API token it accepts (default: sandbox; one you give is "
                             "never printed)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="processing speed; 1 is like a real Canvas, 10 is ten times faster")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace, *, ready: threading.Event | None = None,
           stop: threading.Event | None = None) -> int:
    """Serve until Ctrl+C (or until `stop` is set, for tests)."""
    from sis_desktop.cli.main import UsageError
    from sis_desktop.core.paths import data_dir
    from sis_desktop.sandbox import Sandbox

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535.")
    if not 0 < args.speed < math.inf:  # also refuses nan
        raise UsageError("--speed must be greater than 0.")
    if not args.token or any(c.isspace() for c in args.token):
        raise UsageError("--token must be a non-empty word without spaces.")
    sandbox = Sandbox(port=args.port, token=args.token, speed=args.speed,
                      data_dir=data_dir() / "sandbox")
    try:
        sandbox.start()
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); "
                         "choose another --port.") from exc
    print(f"Canvas sandbox running at {sandbox.url}", flush=True)
    print(f"  account id: {sandbox.account_id}", flush=True)
    # the built-in token is public (README); one given with --token is the user's and
    # stays out of the output, like every other token
    shown = sandbox.token if sandbox.token == DEFAULT_TOKEN else "the one given with --token"
    print(f"  token:      {shown}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    if ready is not None:
        ready.set()
    waiter = stop or threading.Event()
    try:
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    print("Sandbox stopped.", flush=True)
    return 0
