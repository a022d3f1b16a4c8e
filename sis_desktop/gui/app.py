"""`sis-desktop [FILE...] [--sandbox]`: start the desktop app.

Files on the command line are loaded as if dropped. `--sandbox` runs the local
Canvas-compatible server in this process (its own thread, a temporary data folder) and
selects an in-memory "Sandbox" profile for it; the server stops when the app quits.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Sequence

import sis_desktop

# Hidden, for tests/benchmarks/bench_gui_startup.py: print "sis-desktop-shown <epoch>" on
# the first show and quit.
SHOWN_EXIT_ENV = "SIS_DESKTOP_SHOWN_EXIT"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sis-desktop", description="Upload SIS data to Canvas LMS.")
    parser.add_argument("files", nargs="*", metavar="FILE", help=".csv files or one .zip to load")
    parser.add_argument("--sandbox", action="store_true",
                        help="run a local practice Canvas and connect to it (nothing leaves "
                             "this computer)")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {sis_desktop.__version__}")
    return parser.parse_args(argv)


def start_sandbox(folder: str):
    """A running sandbox serving from its own thread, keeping its data in `folder`."""
    from sis_desktop.sandbox import Sandbox
    sandbox = Sandbox(data_dir=folder)
    sandbox.start()
    return sandbox


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    from sis_desktop.core import logs
    try:
        logs.setup_logging()  # secrets are masked before anything is written
    except OSError as exc:  # an unwritable log folder must not stop the app
        print(f"sis-desktop: warning: no log file ({exc.strerror}).", file=sys.stderr)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from . import icons, tasks
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(sis_desktop.APP_NAME)
    app.setApplicationVersion(sis_desktop.__version__)
    app.setOrganizationName("sis-desktop")
    app.setDesktopFileName("sis-desktop")
    app.setWindowIcon(icons.app_icon())

    window = MainWindow()
    if os.environ.get(SHOWN_EXIT_ENV):
        def shown() -> None:
            print(f"sis-desktop-shown {time.time():.6f}", flush=True)
            QTimer.singleShot(0, window.close)
        window.first_shown.connect(shown)

    sandbox = None
    folder = None
    if args.sandbox:
        folder = tempfile.TemporaryDirectory(prefix="sis-desktop-sandbox-")
        try:
            sandbox = start_sandbox(folder.name)
        except OSError as exc:
            print(f"sis-desktop: the sandbox could not start ({exc.strerror or exc}).",
                  file=sys.stderr)
            return 1
        window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)

    window.show()
    if args.files:
        window.load_files(args.files)
    try:
        return app.exec()
    finally:
        tasks.runner().cancel_all()
        tasks.runner().wait(5000)
        if sandbox is not None:
            sandbox.stop()
        if folder is not None:
            folder.cleanup()
        logs.shutdown_logging()


if __name__ == "__main__":
    raise SystemExit(main())
