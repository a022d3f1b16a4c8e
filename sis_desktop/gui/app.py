"""`sis-desktop [FILE...] [--sandbox]`: start the desktop app.

Files on the command line are loaded as if dropped. `--sandbox` runs the local
Canvas-compatible server in this process (its own thread, a temporary data folder) and
selects an in-memory "Sandbox" profile for it; the server stops when the app quits.

The redacting log file (DEBUG, as the CLI) starts once the window's first frame is painted
(its imports would delay that frame), or a second after the window is shown if it never
paints. An uncaught exception writes a masked crash report and tells the user, in one
sentence, where it is (`report_crash`, installed as `sys.excepthook`).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from types import TracebackType
from typing import Any, Sequence

import sis_desktop

# Hidden, for tests/benchmarks/bench_gui_startup.py: print "sis-desktop-shown <epoch>" on
# the first show, "sis-desktop-painted <epoch> <CPU seconds>" once the first frame is drawn,
# and quit.
SHOWN_EXIT_ENV = "SIS_DESKTOP_SHOWN_EXIT"
# Hidden, for packaging/smoke_test.py: once the first frame is drawn, save a screenshot of the
# screen (through the platform plugin, e.g. xcb under Xvfb) to this PNG file and quit.
SCREENSHOT_ENV = "SIS_DESKTOP_SCREENSHOT"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sis-desktop", description="Upload SIS data to Canvas LMS.")
    parser.add_argument("files", nargs="*", metavar="FILE", help=".csv files or one .zip to load")
    parser.add_argument("--sandbox", action="store_true",
                        help="run a local practice Canvas and connect to it (nothing leaves "
                             "this computer)")
    parser.add_argument("--version", action=VersionAction, nargs=0,
                        help="show the version, Qt, platform and keyring, and exit")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add SIS Desktop to this user's application menu and to "
                             "\"Open with\" for .csv and .zip files (Linux), and exit")
    parser.add_argument("--remove-desktop-entry", action="store_true",
                        help="remove what --install-desktop-entry added, and exit")
    return parser.parse_args(argv)


class VersionAction(argparse.Action):
    """`--version`: what a bug report needs (version, PySide6/Qt, platform, keyring)."""

    def __call__(self, parser, namespace, values, option_string=None):
        import PySide6.QtCore  # noqa: F401 - so the real Qt version is reported
        from sis_desktop.core.diagnostics import install_kind, version_lines
        lines = version_lines()
        print(f"{parser.prog} {sis_desktop.__version__} ({install_kind()})", *lines[1:],
              sep="\n")
        parser.exit()


def desktop_entry(install: bool) -> int:
    """--install-desktop-entry / --remove-desktop-entry, without starting the GUI."""
    from sis_desktop.core import desktop_entry as entry
    if not entry.supported():
        print("sis-desktop: menu entries are for Linux desktops; on Windows and macOS the "
              "installer or the app bundle adds the app to the menu.", file=sys.stderr)
        return 2
    if not install:
        removed = entry.remove()
        print("Removed " + (", ".join(map(str, removed)) if removed else "nothing (no entry "
                                                                        "was installed)") + ".")
        return 0
    try:
        written = entry.install()
    except entry.DesktopEntryError as exc:
        print(f"sis-desktop: {exc}", file=sys.stderr)
        return 1
    print(f"Installed the menu entry {written[0]} and the icon {written[1]}.")
    return 0


SANDBOX_PORT = 29170  # the sandbox's usual port (below every OS's ephemeral range): a
# profile saved for it works the next time


def start_sandbox(folder: str, port: int = SANDBOX_PORT):
    """A running sandbox serving from its own thread, keeping its data in `folder`, on
    `port` when it is free, else on any free port; `sandbox.port_note` says which."""
    from sis_desktop.sandbox import Sandbox
    try:
        sandbox = Sandbox(port=port, data_dir=folder).start()
        sandbox.port_note = f"Sandbox running at {sandbox.url}."
    except OSError as exc:  # the port is taken (another app, or a second window)
        sandbox = Sandbox(port=0, data_dir=folder).start()
        sandbox.port_note = (f"Sandbox running at {sandbox.url}: its usual port {port} is "
                             f"busy ({exc.strerror or exc}), so a profile saved for "
                             f"127.0.0.1:{port} will not reach this one.")
    return sandbox


_crash_box: Any = None  # the crash message shown now (one at a time)


def report_crash(exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None, parent: Any = None) -> Any:
    """`sys.excepthook` of the app: save a masked crash report and say in one sentence where
    it is (never a traceback, never a token). Returns the QMessageBox shown, if any."""
    global _crash_box
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return None
    from sis_desktop.core.diagnostics import write_crash_report
    try:
        path = write_crash_report(exc_type, exc, tb)
        text = (f"Something unexpected went wrong; a report for the developers was saved to "
                f"{path}.")
    except Exception:  # noqa: BLE001 - the report itself failed (disk full, no folder…)
        logging.getLogger(__name__).error("crash report not written", exc_info=True)
        text = ("Something unexpected went wrong and no report could be saved; use Help → "
                "Copy diagnostics when you report it.")
    from PySide6.QtCore import Qt, QThread
    from PySide6.QtWidgets import QApplication, QMessageBox
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        print(f"sis-desktop: {text}", file=sys.stderr)
        return None
    if _crash_box is not None and _crash_box.isVisible():
        _crash_box.setText(text)  # one box at a time, telling about the latest report
        return _crash_box
    box = QMessageBox(QMessageBox.Icon.Critical, sis_desktop.APP_NAME, text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("crashBox")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # copy the path
    box.open()
    _crash_box = box
    return box


def start_logging() -> None:
    """The redacting log file at DEBUG, as the CLI; a folder that cannot be written to only
    costs the log."""
    from sis_desktop.core import logs
    try:
        logs.setup_logging(logging.DEBUG)
    except OSError as exc:
        print(f"sis-desktop: warning: no log file ({exc.strerror}).", file=sys.stderr)


def save_screenshot(window: Any, path: str) -> None:
    """Save what the screen shows (the window included) as PNG, say where, and close."""
    saved = window.screen().grabWindow(0).save(path, "PNG")
    print(f"sis-desktop-screenshot {path if saved else 'failed'}", flush=True)
    window.close()


def after_first_frame(window: Any, action: Any, fallback_ms: int = 1000) -> None:
    """Run `action` once, just after the window's first frame is painted (a turn of the
    event loop later, so the frame reaches the screen first), or `fallback_ms` after now if
    it never paints, e.g. started minimised."""
    from PySide6.QtCore import QTimer
    done: list[bool] = []

    def run() -> None:
        if not done:
            done.append(True)
            action()

    window.first_painted.connect(lambda: QTimer.singleShot(0, run))
    QTimer.singleShot(fallback_ms, run)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop_entry or args.remove_desktop_entry:
        return desktop_entry(install=args.install_desktop_entry)

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
        def painted() -> None:
            print(f"sis-desktop-painted {time.time():.6f} {time.process_time():.6f}", flush=True)
            QTimer.singleShot(0, window.close)
        window.first_shown.connect(lambda: print(f"sis-desktop-shown {time.time():.6f}",
                                                 flush=True))
        window.first_painted.connect(painted)
    if os.environ.get(SCREENSHOT_ENV):
        window.first_painted.connect(lambda: QTimer.singleShot(0, lambda: save_screenshot(
            window, os.environ[SCREENSHOT_ENV])))

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
        from sis_desktop.core.logs import register_secret
        register_secret(sandbox.token)
        window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
        print(f"sis-desktop: {sandbox.port_note}", file=sys.stderr)
        window.statusBar().showMessage(sandbox.port_note)

    import signal
    from sis_desktop.core import tempfiles

    # SIGTERM quits like the window's own Quit: tasks are cancelled below, so an upload's
    # temp zip is removed. The timer lets Python notice the signal while Qt's loop runs.
    previous_term = signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(500)
    tasks.start(tasks.CallTask(tempfiles.sweep_stale), window)  # a killed run's leftovers

    previous_hook = sys.excepthook
    sys.excepthook = lambda exc_type, exc, tb: report_crash(exc_type, exc, tb, window)
    window.show()
    after_first_frame(window, start_logging)  # secrets are masked before anything is written
    if args.files:
        window.load_files(args.files)
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        signal.signal(signal.SIGTERM, previous_term)
        tasks.runner().cancel_all()
        tasks.runner().wait(5000)
        if sandbox is not None:
            sandbox.stop()
        if folder is not None:
            folder.cleanup()
        from sis_desktop.core.logs import shutdown_logging
        shutdown_logging()


if __name__ == "__main__":
    raise SystemExit(main())
