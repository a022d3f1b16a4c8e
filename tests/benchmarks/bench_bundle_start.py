"""Start-up of the standalone bundle vs the venv install, and the bundle's size.

For each of `sis-desktop-cli --version` and the GUI's first painted frame
(SIS_DESKTOP_SHOWN_EXIT, as bench_gui_startup.py), prints the first run of each (the
coldest this script can make it without dropping the OS caches) and the median of the warm
runs that follow, interleaved. Run after packaging/build.py:

    python tests/benchmarks/bench_bundle_start.py [dist/sis-desktop] [runs]

QT_QPA_PLATFORM=xcb under Xvfb measures a real X server; the default is offscreen.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def program(folder: Path, name: str) -> str:
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"{name} not found in {folder}")


def cli_time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
    return time.perf_counter() - start


def gui_time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120).stdout
    stamps = dict(line.split() for line in out.splitlines() if line.startswith("sis-desktop-"))
    if "sis-desktop-painted" not in stamps:
        raise SystemExit(f"no painted frame from {cmd!r}: {out!r}")
    return float(stamps["sis-desktop-painted"]) - start


def main() -> None:
    bundle = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/sis-desktop").resolve()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    venv = Path(sys.executable).parent
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle: {bundle} — {size / 1e6:.0f} MB, {sum(1 for _ in bundle.rglob('*'))} files")
    env = dict(os.environ, SIS_DESKTOP_SHOWN_EXIT="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("CONFIG", "DATA", "LOG"):
            env[f"SIS_DESKTOP_{name}_DIR"] = os.path.join(tmp, name.lower())
        cases = {
            "cli --version": (cli_time, [program(bundle, "sis-desktop-cli"), "--version"],
                              [program(venv, "sis-desktop-cli"), "--version"]),
            "gui first frame": (gui_time, [program(bundle, "sis-desktop")],
                                [program(venv, "sis-desktop")]),
        }
        for what, (measure, bundle_cmd, venv_cmd) in cases.items():
            first_bundle, first_venv = measure(bundle_cmd, env), measure(venv_cmd, env)
            warm_bundle, warm_venv = [], []
            for _ in range(runs):
                warm_bundle.append(measure(bundle_cmd, env))
                warm_venv.append(measure(venv_cmd, env))
            print(f"{what:>16}: bundle first {first_bundle * 1000:.0f} ms, median "
                  f"{statistics.median(warm_bundle) * 1000:.0f} ms | venv first "
                  f"{first_venv * 1000:.0f} ms, median {statistics.median(warm_venv) * 1000:.0f} ms"
                  f" ({env['QT_QPA_PLATFORM']}, {runs} warm runs)")


if __name__ == "__main__":
    main()
