"""PreflightView: counts, filterable errors/warnings, grouped notices, the error block."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit

from sis_desktop.core.sis_csv.report import FileReport, Finding, Report
from sis_desktop.gui.preflight_view import PreflightView


def report(with_error: bool) -> Report:
    findings = [Finding("warning", "users.csv", 3, "No login_id given for user u3"),
                Finding("warning", "enrollments.csv", 7, "Improper role \"wizard\" for an enrollment"),
                Finding("notice", "enrollments.csv", None, "Users not in this upload must exist"),
                Finding("notice", "enrollments.csv", None, "Users not in this upload must exist")]
    if with_error:
        findings.insert(0, Finding("error", "groups.csv", None, "Couldn't find Canvas CSV import headers"))
    return Report(files=[FileReport("users.csv", "user", 12), FileReport("enrollments.csv", "enrollment", 40),
                         FileReport("notes.csv", None, 0)], findings=findings)


@pytest.fixture
def view(qtbot):
    widget = PreflightView()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_counts_table_and_grouped_notices(view):
    view.show_report(report(False))
    assert view.findChild(QLabel, "preflightSummary").text() == report(False).summary_line()
    counts = view.findChild(QLabel, "preflightCounts").text()
    assert "12 users" in counts and "40 enrollments" in counts and "Not imported: notes.csv" in counts
    assert view.proxy.rowCount() == 2
    notices = view.findChild(QLabel, "preflightNotices").text()
    assert "enrollments.csv: Users not in this upload must exist (×2)" in notices
    assert not view.blocking() and not view.findChild(QCheckBox, "uploadAnywayCheck").isVisible()


def test_filter_by_severity_and_text(view):
    view.show_report(report(True))
    severity = view.findChild(QComboBox, "findingsSeverityFilter")
    text = view.findChild(QLineEdit, "findingsTextFilter")
    assert view.proxy.rowCount() == 3
    severity.setCurrentIndex(severity.findData("error"))
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, 1).data() == "groups.csv"
    severity.setCurrentIndex(severity.findData("warning"))
    text.setText("WIZARD")
    assert view.proxy.rowCount() == 1 and view.proxy.index(0, 2).data() == "7"
    text.setText("users.csv")  # the file column counts too
    assert view.proxy.rowCount() == 1
    severity.setCurrentIndex(0)
    text.clear()
    assert view.proxy.rowCount() == 3


def test_errors_block_until_upload_anyway(view, qtbot):
    view.show_report(report(True))
    anyway = view.findChild(QCheckBox, "uploadAnywayCheck")
    assert view.blocking() and anyway.isVisible()
    with qtbot.waitSignal(view.changed):
        anyway.setChecked(True)
    assert not view.blocking()
    view.show_report(report(True))  # a new report asks again
    assert view.blocking()
    view.clear()
    assert not view.blocking() and not anyway.isVisible()


def test_progress_while_checking(view):
    view.show_running(["a.csv", "b.csv"])
    view.show_progress(50, 200)
    assert view.summary.text() == "Checking 2 files… 25%"
    view.show_report(report(False))
    view.show_progress(200, 200)  # late progress never hides the report
    assert view.summary.text() == report(False).summary_line()
