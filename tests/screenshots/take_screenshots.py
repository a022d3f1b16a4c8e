"""Screenshots of the main window against the local sandbox, for the README and reviews.

Run by hand under a real X server (or Xvfb):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/screenshots/take_screenshots.py OUT_DIR

Writes, for each size (1280×800 and 800×600): the options pane with a full batch and the
advanced options open, the pre-flight of the four samples without accounts.csv (courses
referencing missing accounts), and the result of uploading them.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QScrollArea

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
FOUR = [SAMPLES / n for n in ("users.csv", "courses.csv", "sections.csv", "enrollments.csv")]
SIZES = ((1280, 800), (800, 600))


def wait_for(signal, timeout_ms: int = 30000) -> list:
    """Run the event loop until `signal` fires; its arguments."""
    loop, got = QEventLoop(), []
    signal.connect(lambda *args: (got.extend(args), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return got


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(window, path: Path) -> None:
    settle()
    window.grab().save(str(path))
    scroll = window.findChild(QScrollArea, "optionsScroll")
    bar = scroll.horizontalScrollBar() if scroll else None
    sideways = bool(bar and bar.isVisible() and bar.maximum() > 0)
    print(f"{path.name}: {window.width()}x{window.height()}, options scroll sideways: {sideways}")


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from sis_desktop.gui.main_window import MainWindow
    from sis_desktop.sandbox import Sandbox
    with tempfile.TemporaryDirectory() as folder, \
            Sandbox(speed=50.0, data_dir=Path(folder) / "sandbox") as sandbox:
        for width, height in SIZES:
            tag = f"{width}x{height}"
            # a history of its own per size: the second upload is no "same files again"
            os.environ["SIS_DESKTOP_DATA_DIR"] = str(Path(folder) / tag)
            window = MainWindow()
            window.poll_options = {"intervals": (0.05,)}
            window.show()
            window.resize(width, height)
            wait_for(window.profiles_loaded)
            window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
            wait_for(window.terms_loaded)
            panel = window.options_panel
            panel.batch_check.setChecked(True)
            panel.term_picker.select_param("sis_term_id:F2026")
            panel.set_advanced_visible(True)
            shoot(window, out / f"options-{tag}.png")
            panel.batch_check.setChecked(False)
            panel.set_advanced_visible(False)
            window.load_files([str(p) for p in FOUR])
            wait_for(window.preflight_done)
            shoot(window, out / f"preflight-{tag}.png")
            window.upload_button.click()
            wait_for(window.import_finished)
            if getattr(window.results, "_fetch", None) is not None:
                wait_for(window.results.messages_loaded)
            window.tabs.setCurrentWidget(window.import_page)
            shoot(window, out / f"result-{tag}.png")
            headline = getattr(window.results, "headline", None)
            print("  result:", headline.text() if headline is not None and headline.text()
                  else window.results.summary.text())
            window.close()
            window.deleteLater()
            settle(100)
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots-out"))
