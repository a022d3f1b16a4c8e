"""What the admin sees is what Canvas did (issue 12 §2-3): a partly failed import says
first what did not get in; errors come first in pre-flight and results."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from sis_desktop.gui.preflight_view import PreflightView

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
FOUR = [SAMPLES / n for n in ("users.csv", "courses.csv", "sections.csv", "enrollments.csv")]


@pytest.fixture
def connected(sandbox_window):
    return sandbox_window


def test_missing_accounts_warned_before_and_counted_after(connected, qtbot):
    """The four samples without accounts.csv: Canvas (the sandbox) skips the courses, and
    with them their sections and enrollments."""
    with qtbot.waitSignal(connected.preflight_done, timeout=10000) as checked:
        connected.load_files([str(p) for p in FOUR])
    report = checked.args[0]
    skip = [f for f in report.warnings if "Canvas will skip those rows" in f.message]
    assert len(skip) == 1 and skip[0].file == "courses.csv"
    assert "accounts that are not in this upload" in skip[0].message
    preflight = connected.preflight
    assert preflight.proxy.index(0, 3).data() == skip[0].message  # shown in the table

    with qtbot.waitSignal(connected.results.messages_loaded, timeout=15000):
        with qtbot.waitSignal(connected.import_finished, timeout=15000) as done:
            connected.findChild(QPushButton, "uploadButton").click()
    sis_import = done.args[0]
    assert sis_import.workflow_state.value == "imported_with_messages"
    sent = report.counts_by_type()
    lost = {k: sent[k] - sis_import.counts.get(k + "s", 0) for k in ("course", "section", "enrollment")}
    assert all(n > 0 for n in lost.values())
    results = connected.results
    total, missing = sum(sent.values()), sum(lost.values())
    assert results.headline.isVisible()
    assert results.headline.text() == (
        f"{missing} of {total} rows were not imported: {lost['course']} courses, "
        f"{lost['section']} sections, {lost['enrollment']} enrollments.")
    assert results.summary.text().startswith(f"Import {sis_import.id}: Imported with messages")


def test_clean_import_has_no_headline(connected, qtbot):
    with qtbot.waitSignal(connected.preflight_done, timeout=10000):
        connected.load_files([str(SAMPLES / "users.csv")])
    with qtbot.waitSignal(connected.import_finished, timeout=15000) as done:
        connected.findChild(QPushButton, "uploadButton").click()
    assert done.args[0].workflow_state.value == "imported"
    assert connected.results.headline.isHidden()


def test_results_list_errors_first_with_a_matching_arrow(connected, qtbot, sandbox, tmp_path):
    """Canvas's messages in file order mix warnings before errors: errors come first."""
    bad = tmp_path / "enrollments.csv"
    bad.write_text("course_id,user_id,role,status\nC404,u1,student,active\n"
                   "C404,u2,student,active\n")
    broken = tmp_path / "zz_groups.csv"
    broken.write_bytes(b"group_id,name,status\nG1,\xe9,available\n")  # a file Canvas rejects
    with qtbot.waitSignal(connected.preflight_done, timeout=10000):
        connected.load_files([str(bad), str(broken)])
    connected.preflight.upload_anyway.setChecked(True)
    with qtbot.waitSignal(connected.results.messages_loaded, timeout=15000):
        with qtbot.waitSignal(connected.import_finished, timeout=15000):
            connected.findChild(QPushButton, "uploadButton").click()
    results = connected.results
    severities = [r.severity for r in results.rows]
    assert "error" in severities and "warning" in severities
    assert severities.index("warning") < severities.index("error")  # Canvas's own order
    shown = [results.proxy.index(i, 0).data() for i in range(results.proxy.rowCount())]
    assert shown == sorted(shown, key=lambda s: s != "Error") and shown[0] == "Error"
    header = results.table.horizontalHeader()
    assert header.sortIndicatorSection() == 0
    assert header.sortIndicatorOrder() == Qt.DescendingOrder  # drawn as ▲: most serious first
    assert header_arrow(header) == "up"


def test_preflight_lists_errors_first_with_a_matching_arrow(qtbot, tmp_path):
    view = PreflightView()
    qtbot.addWidget(view)
    from sis_desktop.core.sis_csv import validate_paths
    first = tmp_path / "a_users.csv"
    first.write_text("user_id,login_id,status\nu1,l1,active\nu2,l2,bogus\n")  # a warning
    second = tmp_path / "b.csv"
    second.write_text("foo,bar\n1,2\n")  # an error
    report = validate_paths([first, second])
    order = [f.severity for f in report.findings if f.severity != "notice"]
    assert order.index("warning") < order.index("error")  # the report's file order
    view.show_report(report)
    shown = [view.proxy.index(i, 0).data() for i in range(view.proxy.rowCount())]
    assert shown[0] == "Error" and shown == sorted(shown, key=lambda s: s != "Error")
    header = view.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (0, Qt.DescendingOrder)
    assert header_arrow(header) == "up"
    # sorting the other way by hand shows warnings first, under the other arrow
    view.table.sortByColumn(0, Qt.AscendingOrder)
    assert view.proxy.index(0, 0).data() == "Warning" and header_arrow(header) == "down"


def header_arrow(header) -> str:
    """The arrow the header draws for its sort indicator, as QHeaderView paints it."""
    from PySide6.QtWidgets import QStyleOptionHeader
    option = QStyleOptionHeader()
    header.initStyleOptionForIndex(option, 0)
    return {QStyleOptionHeader.SortIndicator.SortUp: "up",
            QStyleOptionHeader.SortIndicator.SortDown: "down"}.get(option.sortIndicator, "none")
