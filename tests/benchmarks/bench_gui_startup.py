"""Startup time of the SIS Desktop window vs a bare PySide6 window, measured the same way.

Each run starts a fresh interpreter; the parent notes the time just before launching, the
child prints the wall-clock time when its window's first showEvent arrives and when its
first frame is painted (what the user sees; work queued before it delays it), then quits.
Target: app ≤ 2.5 × bare (goal 1.5 ×), for both. Run:
python tests/benchmarks/bench_gui_startup.py [runs]   (QT_QPA_PLATFORM=xcb under Xvfb
measures a real X server; the default is offscreen)

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
    shown = painted = False
    def showEvent(self, event):
        super().showEvent(event)
        if not self.shown:
            self.shown = True
            print(f"sis-desktop-shown {time.time():.6f}", flush=True)
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print(f"sis-desktop-painted {time.time():.6f}", flush=True)
            QTimer.singleShot(0, self.close)
app = QApplication([])
w = Window()
w.setWindowTitle("bare")
w.resize(1280, 800)
w.show()
app.exec()
"""


def launch(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from launch to the first show and to the first painted frame."""
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60).stdout
    stamps = dict(line.split() for line in out.splitlines() if line.startswith("sis-desktop-"))
    try:
        return (float(stamps["sis-desktop-shown"]) - start,
                float(stamps["sis-desktop-painted"]) - start)
    except KeyError:
        raise RuntimeError(f"no timestamps from {cmd!r}: {out!r}") from None


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
    print(f"platform: {env['QT_QPA_PLATFORM']}, runs: {runs}")
    for i, what in enumerate(("shown", "painted")):
        b = statistics.median(r[i] for r in bare)
        a = statistics.median(r[i] for r in app)
        print(f"{what:>7}: bare PySide6 window median {b * 1000:.0f} ms "
              f"(min {min(r[i] for r in bare) * 1000:.0f}), SIS Desktop window median "
              f"{a * 1000:.0f} ms (min {min(r[i] for r in app) * 1000:.0f}), "
              f"ratio {a / b:.2f}x (target <= 2.5x, goal 1.5x)")


if __name__ == "__main__":
    main()
