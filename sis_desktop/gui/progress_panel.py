"""Progress of one import: bytes sent (speed, time left), then Canvas's own state and progress.

The panel only displays what it is told; the ImportController feeds it from its upload
task and the Followers. Buttons: Cancel (during the upload), Abort import and Stop following
(while Canvas works), Follow again (after polling lost contact).
"""
from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from .drop_zone import human_size


def duration(seconds: float) -> str:
    """75 → '1 min 15 s'; 3700 → '1 h 1 min'."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class RateMeter:
    """Bytes per second over the last few seconds of samples."""

    WINDOW = 3.0

    def __init__(self):
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, sent: int, now: float | None = None) -> float | None:
        now = time.monotonic() if now is None else now
        self.samples.append((now, sent))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.WINDOW:
            self.samples.popleft()
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        if t1 - t0 < 0.2:
            return None
        return (b1 - b0) / (t1 - t0)


class ProgressPanel(QWidget):
    """Upload bytes, then Canvas's state and progress, with elapsed time."""

    BAR_EVERY = 0.05   # seconds between repaints of the bytes bar (≤ 20 per second)
    TEXT_EVERY = 0.25  # seconds between rewrites of the speed/time-left text

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("progressPanel")
        self.clock = time.monotonic  # replaceable, for tests
        self._meter = RateMeter()
        self._started: float | None = None
        self._phase_text = ""

        self.stage = QLabel("Nothing is being uploaded.", self)
        self.stage.setObjectName("progressStage")
        self.stage.setWordWrap(True)
        font = self.stage.font()
        font.setBold(True)
        self.stage.setFont(font)

        self.upload_label = QLabel("Upload", self)
        self.upload_bar = QProgressBar(self)
        self.upload_bar.setObjectName("uploadProgressBar")
        self.upload_bar.setAccessibleName("Bytes sent")
        self.upload_detail = QLabel(self)
        self.upload_detail.setObjectName("uploadDetail")
        # changing text must not re-lay out the page on every block sent
        self.upload_detail.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._text_at = self._bar_at = float("-inf")

        self.canvas_label = QLabel("Progress", self)
        self.canvas_label.setObjectName("canvasProgressLabel")
        self.canvas_bar = QProgressBar(self)
        self.canvas_bar.setObjectName("canvasProgressBar")
        self.canvas_bar.setAccessibleName("Canvas progress")
        self.canvas_detail = QLabel(self)
        self.canvas_detail.setObjectName("canvasDetail")
        self.canvas_detail.setWordWrap(True)

        self.elapsed = QLabel(self)
        self.elapsed.setObjectName("elapsedLabel")

        self.cancel_button = QPushButton("&Cancel upload", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel upload")
        self.cancel_button.setToolTip("Stop sending; nothing reaches Canvas (Esc)")
        self.cancel_button.setShortcut(QKeySequence(Qt.Key_Escape))
        self.abort_button = QPushButton("&Abort import…", self)
        self.abort_button.setObjectName("abortButton")
        self.abort_button.setAccessibleName("Abort import")
        self.abort_button.setToolTip("Ask Canvas to abort this import")
        self.stop_button = QPushButton("&Stop following", self)
        self.stop_button.setObjectName("stopFollowingButton")
        self.stop_button.setAccessibleName("Stop following")
        self.stop_button.setToolTip("Stop checking the import; Canvas keeps working on it")
        self.resume_button = QPushButton("&Follow again", self)
        self.resume_button.setObjectName("resumeButton")
        self.resume_button.setAccessibleName("Follow again")
        self.resume_button.setToolTip("Check the import's state again")

        grid = QGridLayout()
        grid.addWidget(self.upload_label, 0, 0)
        grid.addWidget(self.upload_bar, 0, 1)
        grid.addWidget(self.upload_detail, 1, 1)
        grid.addWidget(self.canvas_label, 2, 0)
        grid.addWidget(self.canvas_bar, 2, 1)
        grid.addWidget(self.canvas_detail, 3, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.elapsed, 1)
        for b in (self.resume_button, self.stop_button, self.abort_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stage)
        layout.addLayout(grid)
        layout.addLayout(buttons)

        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self.reset()

    # ---- phases ----------------------------------------------------------------------
    def reset(self) -> None:
        self._clock.stop()
        self._started = None
        self.stage.setText("Nothing is being uploaded.")
        for w in (self.upload_bar, self.canvas_bar):
            w.setRange(0, 100)
            w.setValue(0)
        self.upload_detail.clear()
        self.canvas_detail.clear()
        self.elapsed.clear()
        self._buttons()

    def start_checking(self) -> None:
        """Before sending: Canvas's queue, the history and the files' checksums are read."""
        self.reset()
        self.stage.setText("Checking Canvas's queue and your history before sending…")
        self._buttons(cancel=True)

    def start_upload(self, total: int, names: list[str]) -> None:
        self.reset()
        self._meter = RateMeter()
        self._text_at = self._bar_at = float("-inf")
        self._started = self.clock()
        self._clock.start()
        what = names[0] if len(names) == 1 else f"{len(names)} files"
        self.stage.setText(f"Sending {what} to Canvas…")
        self.upload_bar.setRange(0, 1000)
        self.upload_detail.setText(f"0 of {human_size(total)}" if total else "Preparing…")
        self.canvas_detail.setText("Canvas starts once the upload is complete.")
        self._tick()
        self._buttons(cancel=True)

    def set_upload(self, sent: int, total: int) -> None:
        if total <= 0:
            return
        now = self.clock()
        rate = self._meter.add(sent, now)
        if sent < total and now - self._bar_at < self.BAR_EVERY:
            return
        self._bar_at = now
        self.upload_bar.setValue(int(1000 * sent / total))
        if sent < total and now - self._text_at < self.TEXT_EVERY:
            return
        self._text_at = now
        text = f"{human_size(sent)} of {human_size(total)}"
        if rate and rate > 0 and sent < total:
            text += f" · {human_size(rate)}/s · about {duration((total - sent) / rate)} left"
        elif sent >= total:
            text += " · waiting for Canvas to answer…"
        self.upload_detail.setText(text)

    def start_polling(self, sis_import) -> None:
        if self._started is None:
            self._started = self.clock()
            self._clock.start()
        self.upload_bar.setValue(self.upload_bar.maximum())
        if self.upload_detail.text() == "":
            self.upload_detail.setText("Sent.")
        else:
            self.upload_detail.setText(self.upload_detail.text().split(" · ")[0] + " sent.")
        self.set_import(sis_import)
        self._buttons(abort=True, stop=True)

    def set_import(self, sis_import) -> None:
        state = sis_import.workflow_state
        self.stage.setText(f"Import {sis_import.id}: {state.label}.")
        self.canvas_label.setText("Cleanup" if sis_import.in_cleanup else "Progress")
        self.canvas_bar.setValue(max(0, min(100, int(sis_import.progress))))
        detail = f"Canvas reports {sis_import.progress}%"
        if sis_import.in_cleanup:
            detail += " of the cleanup (progress restarts for this stage)"
        if state.value == "created":
            detail += "; the import waits its turn in Canvas's queue"
        self.canvas_detail.setText(detail + ".")
        if sis_import.is_terminal:
            self.finish(f"Import {sis_import.id}: {state.label}.")

    def finish(self, sentence: str) -> None:
        """A terminal state, an upload failure, or a cancel: stop the clock, show why."""
        self._tick()
        self._clock.stop()
        self.stage.setText(sentence)
        self._buttons()

    def lost_contact(self, sentence: str) -> None:
        """Polling failed: keep the last state, offer to follow again."""
        self._tick()
        self._clock.stop()
        self.canvas_detail.setText(f"Lost contact with Canvas: {sentence} "
                                   "The import goes on in Canvas; follow it again when the "
                                   "connection is back.")
        self._buttons(resume=True, abort=True)

    def resumed(self) -> None:
        self._clock.start()
        self._buttons(abort=True, stop=True)

    # ---- internals --------------------------------------------------------------------
    def _buttons(self, *, cancel=False, abort=False, stop=False, resume=False) -> None:
        self.cancel_button.setVisible(cancel)
        self.abort_button.setVisible(abort)
        self.stop_button.setVisible(stop)
        self.resume_button.setVisible(resume)

    def _tick(self) -> None:
        if self._started is not None:
            self.elapsed.setText(f"Elapsed: {duration(self.clock() - self._started)}")
