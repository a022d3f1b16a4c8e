"""Startup time of the SIS Desktop window vs a bare PySide6 QWidget, on the same X server.

    python tests/benchmarks/bench_gui_startup.py [--runs 5]

Starts its own Xvfb (needs Xvfb and xdotool), then, interleaved, launches each program in a
fresh interpreter and measures:

  mapped   from launch until `xdotool search --onlyvisible --pid PID` finds its window
           (the window is on screen; what the issue's figure measures);
  painted  from launch until the program's first frame is drawn (the app prints it with
           SIS_DESKTOP_SHOWN_EXIT=1; work queued before it delays what the user sees);
  CPU to paint  the CPU time the program used until that frame (steadier on a busy machine).

Best of `--runs` for each. Target: app ≤ 2.5 × bare (goal 1.5 ×).

Bytecode is cached in a temporary PYTHONPYCACHEPREFIX (even if PYTHONDONTWRITEBYTECODE is
set), as an installed app has its .pyc files; a first, untimed run of each fills it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

BARE = r"""
import os, time
from PySide6.QtWidgets import QApplication, QWidget
from PySide6.QtCore import QTimer
class Window(QWidget):
    painted = False
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print(f"sis-desktop-painted {time.time():.6f} {time.process_time():.6f}", flush=True)
            if os.environ.get("SIS_DESKTOP_SHOWN_EXIT"):
                QTimer.singleShot(0, self.close)
app = QApplication([])
w = Window()
w.setWindowTitle("bare")
w.resize(1280, 800)
w.show()
app.exec()
"""
POLL = 0.005  # seconds between two xdotool searches


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24",
                             "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        raise SystemExit("Xvfb did not start.")
    return xvfb, f":{number}"


def mapped(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from launch until the program's window is visible on the X server."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(proc.pid)],
                                   env=env, capture_output=True, timeout=10).returncode == 0
            if found:
                return time.perf_counter() - start
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[-1]!r} exited before its window was mapped")
            if time.perf_counter() - start > 60:
                raise RuntimeError(f"no window from {cmd!r} within 60 s")
            time.sleep(POLL)
    finally:
        proc.terminate()
        proc.wait()


def painted(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from launch to the first painted frame, and the CPU seconds the program used
    until then (the child prints both; CPU time is less sensitive to other load)."""
    start = time.time()
    out = subprocess.run(cmd, env=dict(env, SIS_DESKTOP_SHOWN_EXIT="1"), capture_output=True,
                         text=True, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith("sis-desktop-painted "):
            _, stamp, cpu = line.split()
            return float(stamp) - start, float(cpu)
    raise RuntimeError(f"no timestamp from {cmd!r}: {out!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for tool in ("Xvfb", "xdotool"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed (apt-get install xvfb xdotool).")
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as tmp:  # an empty profile/history: a first start
            env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
            for name in ("CONFIG", "DATA", "LOG"):
                env[f"SIS_DESKTOP_{name}_DIR"] = os.path.join(tmp, name.lower())
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
            programs = {"bare QWidget": [sys.executable, "-c", BARE],
                        "SIS Desktop": [sys.executable, "-m", "sis_desktop"]}
            for cmd in programs.values():  # fill the bytecode and disk caches
                painted(cmd, env)
            results: dict[str, dict[str, list[float]]] = {
                name: {"mapped": [], "painted": [], "CPU to paint": []} for name in programs}
            for _ in range(args.runs):  # interleaved, so drift hits both alike
                for name, cmd in programs.items():
                    results[name]["mapped"].append(mapped(cmd, env))
                    wall, cpu = painted(cmd, env)
                    results[name]["painted"].append(wall)
                    results[name]["CPU to paint"].append(cpu)
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(f"Xvfb {display} (xcb), best of {args.runs}; load {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs")
    for what in ("mapped", "painted", "CPU to paint"):
        bare, app = min(results["bare QWidget"][what]), min(results["SIS Desktop"][what])
        print(f"{what:>12}: bare QWidget {bare * 1000:4.0f} ms, SIS Desktop {app * 1000:4.0f} ms, "
              f"ratio {app / bare:.2f}x   (target <= 2.5x, goal <= 1.5x)")


if __name__ == "__main__":
    main()
