"""ProgressPanel: bytes with speed and time left, Canvas state in words, cleanup label."""
from __future__ import annotations

import pytest

from sis_desktop.core.canvas.models import SisImport
from sis_desktop.gui.progress_panel import ProgressPanel, RateMeter, duration


def sis(state: str, progress: int = 0, **data) -> SisImport:
    return SisImport.from_json({"id": 42, "workflow_state": state, "progress": progress,
                                "data": data})


@pytest.fixture
def panel(qtbot):
    widget = ProgressPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_rate_meter():
    meter = RateMeter()
    assert meter.add(0, now=100.0) is None
    assert meter.add(2_000_000, now=101.0) == pytest.approx(2_000_000)


def test_upload_bytes_speed_and_time_left(panel):
    now = [0.0]
    panel.clock = lambda: now[0]
    panel.start_upload(10_000_000, ["big.zip"])
    assert "big.zip" in panel.stage.text()
    assert panel.cancel_button.isVisible() and not panel.abort_button.isVisible()
    now[0] = 1.0
    panel.set_upload(2_000_000, 10_000_000)
    now[0] = 2.0
    panel.set_upload(4_000_000, 10_000_000)
    assert panel.upload_bar.value() == 400
    text = panel.upload_detail.text()
    assert "4.0 MB of 10.0 MB" in text and "2.0 MB/s" in text and "about 3 s left" in text


def test_all_bytes_sent_waits_for_canvas(panel):
    panel.start_upload(1000, ["a.csv", "b.csv"])
    assert "2 files" in panel.stage.text()
    panel.set_upload(1000, 1000)
    assert "waiting for Canvas" in panel.upload_detail.text()


def test_states_in_words_and_cleanup_label(panel):
    panel.start_upload(10, ["users.csv"])
    panel.start_polling(sis("created"))
    assert "Queued" in panel.stage.text() and "queue" in panel.canvas_detail.text()
    assert panel.abort_button.isVisible() and panel.stop_button.isVisible()
    assert not panel.cancel_button.isVisible()
    panel.set_import(sis("importing", 40))
    assert panel.canvas_bar.value() == 40 and panel.canvas_label.text() == "Progress"
    panel.set_import(sis("cleanup_batch", 3))
    assert panel.canvas_label.text() == "Cleanup"
    assert panel.canvas_bar.value() == 3 and "restarts" in panel.canvas_detail.text()
    panel.set_import(sis("imported", 100))
    assert panel.stage.text() == "Import 42: Imported."
    assert not any(b.isVisible() for b in (panel.abort_button, panel.stop_button,
                                           panel.cancel_button, panel.resume_button))
    assert panel.elapsed.text().startswith("Elapsed:")


def test_lost_contact_offers_follow_again(panel):
    panel.start_polling(sis("importing", 10))
    panel.lost_contact("Could not reach Canvas.")
    assert panel.resume_button.isVisible() and not panel.stop_button.isVisible()
    assert "Could not reach Canvas." in panel.canvas_detail.text()
    panel.resumed()
    assert panel.stop_button.isVisible() and not panel.resume_button.isVisible()


@pytest.mark.parametrize("secs, text", [(5, "5 s"), (75, "1 min 15 s"), (3700, "1 h 1 min")])
def test_duration(secs, text):
    assert duration(secs) == text
