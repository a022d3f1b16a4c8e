"""Startup time of the SIS Desktop window vs a bare PySide6 window, measured the same way.

Each run starts a fresh interpreter; the parent notes the time just before launching, the
child prints the wall-clock time when its window's first showEvent arrives, then quits.
Target: app ≤ 2.5 × bare (goal 1.5 ×). Run: python tests/benchmarks/bench_gui_startup.py [runs]

Bytecode is cached in a temporary PYTHONPYCACHEPREFIX (even if PYTHONDONTWRITEBYTECODE is
set), as an installed app has its .pyc files; the first, untimed run of each fills it.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = r"""
import time
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
class Window(QMainWindow):
    shown = False
    def showEvent(self, event):
        super().showEvent(event)
        if not self.shown:
            self.shown = True
            print(f"sis-desktop-shown {time.time():.6f}", flush=True)
            QTimer.singleShot(0, self.close)
app = QApplication([])
w = Window()
w.setWindowTitle("bare")
w.resize(1280, 800)
w.show()
app.exec()
"""


def launch(cmd: list[str], env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith("sis-desktop-shown "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no timestamp from {cmd!r}: {out!r}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    env = dict(os.environ, SIS_DESKTOP_SHOWN_EXIT="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:  # an empty profile/history, like a first start
        for name in ("CONFIG", "DATA", "LOG"):
            env[f"SIS_DESKTOP_{name}_DIR"] = os.path.join(tmp, name.lower())
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        bare_cmd = [sys.executable, "-c", BARE]
        app_cmd = [sys.executable, "-m", "sis_desktop"]
        launch(bare_cmd, env), launch(app_cmd, env)  # warm the disk cache
        bare, app = [], []
        for _ in range(runs):  # interleaved, so drift hits both alike
            bare.append(launch(bare_cmd, env))
            app.append(launch(app_cmd, env))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"platform: {env['QT_QPA_PLATFORM']}, runs: {runs}")
    print(f"bare PySide6 window: median {b * 1000:.0f} ms (min {min(bare) * 1000:.0f})")
    print(f"SIS Desktop window:  median {a * 1000:.0f} ms (min {min(app) * 1000:.0f})")
    print(f"ratio: {a / b:.2f}x (target <= 2.5x, goal 1.5x)")


if __name__ == "__main__":
    main()
