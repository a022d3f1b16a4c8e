"""Smoke-test the built app folder (default dist/sis-desktop/) by running its own programs:

1. `sis-desktop-cli --version` prints this checkout's version;
2. `sis-desktop-cli validate` passes on the samples shipped inside the bundle;
3. `sis-desktop-cli sandbox` serves a shipped sample import that `import --wait` follows to
   "imported";
4. `sis-desktop --sandbox` reaches its main window through the real platform plugin (xcb
   under Xvfb on Linux; the native one on Windows/macOS, or `--qt-platform offscreen`) and
   saves a screenshot, which must not be blank.

On Linux without a display it re-runs itself under `xvfb-run -a`. Settings, history and
logs go to a temporary folder. Exit 0 when everything passed; otherwise one line per
failure. Needs PySide6 in the Python running it (to read the screenshot), not in the bundle.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout this script belongs to
TIMEOUT = 120


def version() -> str:
    text = (ROOT / "sis_desktop" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def program(app: Path, name: str) -> Path:
    return app / (f"{name}.exe" if os.name == "nt" else name)


def resources(app: Path) -> Path:
    found = list(app.glob("**/sis_desktop/resources/samples"))
    if not found:
        raise SystemExit(f"smoke_test: no sis_desktop/resources/samples inside {app}.")
    return found[0].parent


def run(args, env, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, **kwargs)


def blank_reason(png: Path) -> str | None:
    """Why the screenshot is unusable, or None when it shows a drawn window."""
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    if image.isNull():
        return "the screenshot could not be read"
    if image.width() < 400 or image.height() < 300:
        return f"the screenshot is only {image.width()}x{image.height()}"
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    if len(colours) < 16:
        return f"the screenshot is blank ({len(colours)} colours)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the built app's programs.")
    parser.add_argument("app", nargs="?", type=Path, default=ROOT / "dist" / "sis-desktop")
    parser.add_argument("--keep", type=Path, help="copy the screenshot here")
    parser.add_argument("--qt-platform", help="Qt platform plugin for the GUI check (default: "
                        "the native one; 'offscreen' where the screen cannot be captured, "
                        "as on hosted macOS runners)")
    args = parser.parse_args(argv)
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
            and not args.qt_platform and not os.environ.get("SIS_DESKTOP_SMOKE_XVFB"):
        if shutil.which("xvfb-run") is None:
            print("smoke_test: no display and no xvfb-run; install xvfb.", file=sys.stderr)
            return 2
        env = dict(os.environ, SIS_DESKTOP_SMOKE_XVFB="1")
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1280x900x24",
                                sys.executable, __file__, *(argv or sys.argv[1:])], env=env)

    app = args.app.resolve()
    cli, gui = program(app, "sis-desktop-cli"), program(app, "sis-desktop")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sis-desktop-smoke-") as tmp:
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "QT_QPA_PLATFORM", "QT_PLUGIN_PATH")}
        for name in ("CONFIG", "DATA", "LOG"):
            env[f"SIS_DESKTOP_{name}_DIR"] = os.path.join(tmp, name.lower())

        started = time.perf_counter()
        out = run([cli, "--version"], env)
        print(f"cli --version: {out.stdout.strip()!r} ({time.perf_counter() - started:.2f} s)")
        if out.stdout.strip() != f"sis-desktop-cli {version()}":
            failures.append(f"--version said {out.stdout.strip()!r} {out.stderr.strip()}")

        samples = resources(app) / "samples"
        for name in ("users.csv", "sample_import.zip"):
            out = run([cli, "validate", samples / name], env)
            print(f"validate {name}: exit {out.returncode}")
            if out.returncode != 0:
                failures.append(f"validate {name} exited {out.returncode}: {out.stderr.strip()}")

        server = subprocess.Popen([str(cli), "sandbox", "--speed", "100"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = server.stdout.readline()
            if not first.startswith("Canvas sandbox running at "):
                failures.append(f"the sandbox did not start: {first!r}")
            else:
                url = first.split(" at ", 1)[1].strip()
                out = run([cli, "--url", url, "--account", "1", "import", "--wait", "--json",
                           samples / "sample_import.zip"], env | {"CANVAS_API_TOKEN": "sandbox"})
                state = json.loads(out.stdout)["workflow_state"] if out.returncode == 0 else None
                print(f"sandbox import of sample_import.zip: {state or out.stderr.strip()}")
                if state not in ("imported", "imported_with_messages"):
                    failures.append(f"the sample import ended {state} (exit {out.returncode})")
        finally:
            if os.name == "nt":  # Ctrl+C there would reach this script's whole console
                server.terminate()
            else:
                server.send_signal(signal.SIGINT)
            try:
                server.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()

        shot = Path(tmp) / "screenshot.png"
        started = time.perf_counter()
        gui_env = env | {"SIS_DESKTOP_SCREENSHOT": str(shot)}
        if args.qt_platform:
            gui_env["QT_QPA_PLATFORM"] = args.qt_platform
        out = run([gui, "--sandbox"], gui_env)
        took = time.perf_counter() - started
        print(f"gui --sandbox: exit {out.returncode}, {out.stdout.strip()!r} ({took:.2f} s)")
        if out.returncode != 0 or not shot.is_file():
            failures.append(f"the GUI did not reach its window (exit {out.returncode}): "
                            f"{out.stderr.strip()[-400:]}")
        elif (reason := blank_reason(shot)) is not None:
            failures.append(reason)
        if args.keep and shot.is_file():
            shutil.copy2(shot, args.keep)

    for failure in failures:
        print(f"smoke_test: FAILED: {failure}", file=sys.stderr)
    print("smoke_test: " + ("failed" if failures else f"passed ({app})"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
