"""ResultsView: summary, counts, statistics, every message from the errors endpoint, CSV."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QTableView, QTableWidget

from sis_desktop.core.canvas.models import SisImport
from sis_desktop.gui.results_view import ResultsView

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def view(qtbot):
    widget = ResultsView()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def finished_import(**extra) -> SisImport:
    stats = {"total_state_changes": 9, "Course": {"created": 2, "restored": 0, "deleted": 1,
                                                  "concluded": 1},
             "Pseudonym": {"created": 5, "restored": 0, "deleted": 0},
             "Group": {"created": 0, "restored": 0, "deleted": 0}}
    obj = {"id": 77, "workflow_state": "imported_with_messages", "progress": 100,
           "started_at": "2026-01-01T10:00:00Z", "ended_at": "2026-01-01T10:00:42Z",
           "data": {"counts": {"users": 5, "courses": 2, "groups": 0, "error_count": 0,
                               "warning_count": 2, "batch_courses_deleted": 0},
                    "statistics": stats},
           "processing_warnings": [["users.csv", "first"], ["courses.csv", "second"]]}
    obj.update(extra)
    return SisImport.from_json(obj)


def cells(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_summary_counts_statistics_without_client(view, qtbot):
    with qtbot.waitSignal(view.messages_loaded) as blocker:
        view.show_import(finished_import())
    assert blocker.args == [2]
    summary = view.findChild(QLabel, "resultsSummary").text()
    assert summary.startswith("Import 77: Imported with messages")
    assert "7 rows" in summary and "2 warnings" in summary and "took 42 s" in summary
    assert view.findChild(QLineEdit, "importIdField").text() == "77"
    counts = cells(view.findChild(QTableWidget, "countsTable"))
    assert ["Users", "5"] in counts and ["Courses", "2"] in counts
    assert ["Courses deleted by batch mode", "0"] in counts
    assert not any(row[0] == "Groups" for row in counts)  # zero rows are left out
    stats = cells(view.findChild(QTableWidget, "statisticsTable"))
    assert stats[0][:5] == ["Courses", "2", "0", "1", "1"]
    assert stats[1][0] == "Logins" and len(stats) == 2
    assert "9 state changes" in view.stats_note.text()
    assert "as listed in the import" in view.messages_status.text()
    assert view.findChild(QTableView, "messagesTable").model().rowCount() == 2


def test_copy_id(view, qtbot):
    view.show_import(finished_import())
    QApplication.clipboard().clear()
    view.findChild(QPushButton, "copyImportIdButton").click()
    assert QApplication.clipboard().text() == "77"


def test_every_message_from_errors_endpoint_and_save(view, qtbot, sandbox, tmp_path):
    client = sandbox.client()
    created = client.create_import([str(SAMPLES / "enrollments_with_warnings.csv")])
    done = client.poll(created.id, intervals=(0.02,))
    assert done.warning_count == 5
    view.set_client_factory(sandbox.client)
    with qtbot.waitSignal(view.messages_loaded, timeout=10000) as blocker:
        view.show_import(done)
    assert blocker.args == [5]
    assert "from Canvas's full error list" in view.messages_status.text()
    rows = [r.row for r in view.rows]
    assert rows == sorted(rows) and all(r.severity == "warning" for r in view.rows)
    view.filters.text.setText("wizard")
    assert view.proxy.rowCount() < 5
    view.filters.text.clear()
    view.filters.severity.setCurrentIndex(1)  # errors only
    assert view.proxy.rowCount() == 0
    dest = tmp_path / "out.csv"
    with qtbot.waitSignal(view.saved, timeout=10000):
        view.save_to(str(dest))
    with open(dest, newline="") as fh:
        saved = list(csv.DictReader(fh))
    assert len(saved) == 5 and saved[0]["sis_import_id"] == str(done.id)
    assert {r["severity"] for r in saved} == {"warning"}


def test_failed_import_shows_canvas_error_message(view, qtbot):
    si = SisImport.from_json({"id": 5, "workflow_state": "failed", "progress": 30,
                              "data": {"error_message": "Unexpected error in the sandbox"}})
    with qtbot.waitSignal(view.messages_loaded):
        view.show_import(si)
    assert view.summary.text().startswith("Import 5: Failed")
    assert [r.message for r in view.rows] == ["Unexpected error in the sandbox"]
    assert "Canvas sent no statistics" in view.stats_note.text()
