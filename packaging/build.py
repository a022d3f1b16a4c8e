"""Build the standalone app for this platform: `dist/sis-desktop/` (one folder, no Python
needed) with `sis-desktop` (the GUI) and `sis-desktop-cli`.

    python -m pip install -e '.[bundle]'     # PyInstaller, from PyPI
    python packaging/build.py                # -> dist/sis-desktop/
    python packaging/smoke_test.py           # runs the built programs (Linux: under xvfb-run)

The same commands work on Windows and macOS (run them there: PyInstaller does not
cross-compile). The sources are staged the way the wheel lays them out (the top-level
resources/ folder becomes the package `sis_desktop.resources`), so the bundled app finds its
icons and samples through importlib.resources exactly as an installed one does.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # a build script of the checkout, not app code
SPEC = ROOT / "packaging" / "sis-desktop.spec"


def stage(target: Path) -> Path:
    """Copy the package and its resources into `target` in the installed layout."""
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "sis_desktop", target / "sis_desktop", ignore=ignore)
    shutil.copytree(ROOT / "resources", target / "sis_desktop" / "resources",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "screenshots"))
    return target


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the app folder goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bundle",
                        help="PyInstaller's work folder (default: build/bundle/)")
    args = parser.parse_args(argv)
    args.dist, args.work = args.dist.resolve(), args.work.resolve()  # the spec runs elsewhere
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("build.py: PyInstaller is not installed in this Python; run "
              "`python -m pip install -e '.[bundle]'` first.", file=sys.stderr)
        return 2

    started = time.perf_counter()
    staged = stage(args.work / "stage")
    env = dict(os.environ, SIS_DESKTOP_STAGE=str(staged))
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level",
               "WARN", "--distpath", str(args.dist), "--workpath", str(args.work / "pyinstaller"),
               str(SPEC)]
    result = subprocess.run(command, env=env, cwd=ROOT)
    if result.returncode != 0:
        print(f"build.py: PyInstaller failed (exit {result.returncode}).", file=sys.stderr)
        return 1
    app = args.dist / "sis-desktop"
    size = folder_size(app)
    print(f"Built {app} in {time.perf_counter() - started:.0f} s: "
          f"{size / 1e6:.0f} MB on disk, {sum(1 for _ in app.rglob('*'))} files.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
