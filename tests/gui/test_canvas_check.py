"""“Check against Canvas” in the GUI: the panel runs the preview as a task against the
sandbox, shows what a full batch deletes, and the full-batch confirmation shows it too."""
from __future__ import annotations

import csv

import pytest
from PySide6.QtWidgets import QLabel

from sis_desktop.core.canvas.models import Term
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.gui.canvas_check import CanvasCheckPanel
from sis_desktop.gui.full_batch_dialog import FullBatchConfirmDialog
from tests.core.test_preview import Upload, courses, enrollments, sections, seed

BATCH = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026", change_threshold=10)
FALL = Term(id=2, name="Fall 2026", sis_term_id="F2026")


@pytest.fixture
def second(sandbox, tmp_path):
    upload = Upload(tmp_path)
    seed(sandbox.client(), upload)
    return [str(p) for p in upload.files(courses=courses({"A": "F2026", "B": "F2026"}),
                                         sections=sections(["A", "B"]),
                                         enrollments=enrollments(["A", "B"]))]


@pytest.fixture
def panel(qtbot, sandbox, second):
    state = {"options": BATCH, "paths": second}
    widget = CanvasCheckPanel(lambda: (sandbox.client, state["paths"], state["options"]),
                              intervals=[0.02])
    widget.state = state
    qtbot.addWidget(widget)
    return widget


def test_check_shows_what_the_batch_deletes_and_the_verdict(qtbot, panel, tmp_path):
    stages = []
    with qtbot.waitSignal(panel.checked, timeout=20000):
        task = panel.start()
        task.progress.connect(lambda v: stages.append(v[0]))
    text = panel.summary.text()
    assert "Canvas will delete 1 course, 2 sections and 5 enrollments in Fall 2026." in text
    assert "change threshold of 10 % WILL STOP the cleanup" in text
    assert stages[0] in ("validating", "queued") and "comparing" in stages
    table = panel.table
    assert table.visible_count() == 8
    table.search.setText("c-s1")
    assert table.visible_count() == 1 + 3  # the section and its three enrollments
    with qtbot.waitSignal(table.saved, timeout=5000) as saved:
        table.save_to(str(tmp_path / "out.csv"))
    assert saved.args == [str(tmp_path / "out.csv")]
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8")))
    assert rows[0][:2] == ["type", "sis_id_user"] and len(rows) == 9
    assert ["course", "C", "C long name"] == rows[1][:3]
    assert "cannot know" in panel.limits.text()


def test_check_can_be_cancelled(qtbot, panel, sandbox):
    sandbox.speed = 0.001  # the report stays queued
    with qtbot.waitSignal(panel.check_failed, timeout=20000) as failed:
        panel.start()
        qtbot.waitUntil(lambda: "queued" in panel.stage_label.text(), timeout=10000)
        assert panel.cancel_button.isVisible() or not panel.isVisible()
        panel.cancel()
    assert failed.args == ["The check was cancelled."]
    assert panel.check_button.isEnabled()


def test_full_batch_dialog_offers_the_check_then_shows_it(qtbot, panel):
    section = panel.batch_section(panel.state["paths"], BATCH)
    dialog = FullBatchConfirmDialog(FALL, {"course": 2, "section": 4, "enrollment": 10}, BATCH,
                                    preview_section=section)
    qtbot.addWidget(dialog)
    headline = dialog.findChild(QLabel, "previewHeadline")
    assert headline.text() == "These files have not been checked against Canvas's data."
    assert not section.run_button.isHidden()
    with qtbot.waitSignal(panel.checked, timeout=20000):
        section.run_button.click()
    assert headline.text() == "Canvas will delete 1 course, 2 sections and 5 enrollments in Fall 2026."
    assert "WILL STOP" in dialog.findChild(QLabel, "previewVerdict").text()
    assert section.table.visible_count() == 8
    other = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026")
    stale = panel.batch_section(panel.state["paths"], other)
    qtbot.addWidget(stale)
    assert "other files or options" in stale.headline.text()


def test_main_window_tab_and_full_batch_dialog(qtbot, sandbox, tmp_path):
    from sis_desktop.gui.main_window import MainWindow
    from tests.gui.test_main_window import FAST_POLL, SAMPLES, load, upload_button

    window = MainWindow()
    qtbot.addWidget(window)
    window.poll_options = dict(FAST_POLL)
    window.show()
    check = window.canvas_check
    assert window.tabs.indexOf(check.parent()) == window.tabs.indexOf(window.preflight) + 1
    check.start()
    assert check.stage_label.text() == "Choose the files first."
    with qtbot.waitSignal(window.terms_loaded, timeout=10000):
        window.add_session_profile("Sandbox", sandbox.url, sandbox.account_id, sandbox.token)
    load(window, qtbot, [SAMPLES / "courses.csv"])
    check.intervals = [0.02]
    with qtbot.waitSignal(check.checked, timeout=20000):
        check.check_button.click()
    assert "Not a full batch" in check.summary.text()
    panel = window.options_panel
    panel.batch_check.setChecked(True)
    panel.term_picker.select_param("2")
    qtbot.waitUntil(lambda: upload_button(window).isEnabled(), timeout=5000)
    upload_button(window).click()
    qtbot.waitUntil(lambda: (d := window.findChild(FullBatchConfirmDialog)) is not None
                    and d.isVisible(), timeout=5000)
    dialog = window.findChild(FullBatchConfirmDialog)
    headline = dialog.findChild(QLabel, "previewHeadline")
    assert "other files or options" in headline.text()  # checked before batch mode was on
    with qtbot.waitSignal(check.checked, timeout=20000):
        dialog.findChild(type(check.check_button), "runPreviewButton").click()
    assert headline.text().startswith("Canvas will delete nothing in Fall 2026")
    dialog.reject()
    window.close()
