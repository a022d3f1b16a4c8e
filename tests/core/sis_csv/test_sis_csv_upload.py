"""Upload-level behaviour: an upload in which Canvas would import nothing, values clipped in
messages, and which row warnings still let Canvas import the row."""
from __future__ import annotations

import codecs

import pytest

from sis_desktop.core.sis_csv import ERROR, WARNING, Finding, validate_paths
from sis_desktop.core.sis_csv.report import MAX_VALUE, clip

from helpers_sis_csv import check, make_zip, messages

USERS = "user_id,login_id,status\nu1,l1,active\n"
NOTHING = "Nothing in this upload would be imported"


def _nothing(report) -> list[Finding]:
    return [f for f in report.findings if f.message.startswith(NOTHING)]


@pytest.mark.parametrize("entries, why", [
    ({"README.txt": "read me"}, "README.txt is not a .csv file"),
    ({"inner.zip": b"PK\x05\x06" + b"\0" * 18}, "inner.zip is a zip inside the zip"),
    ({"users.csv": ""}, "users.csv is empty"),
    ({"users.csv": codecs.BOM_UTF8}, "users.csv is empty"),
    ({"users.csv": "\n\n"}, "users.csv has no header row"),
    ({"__MACOSX/._users.csv": "x", ".hidden.csv": USERS}, "upload.zip holds no files"),
])
def test_zip_that_imports_nothing_is_an_error(tmp_path, entries, why):
    report = validate_paths([make_zip(tmp_path / "upload.zip", entries)])
    (finding,) = _nothing(report)
    assert finding.severity == ERROR and finding.file is None and finding.row is None
    assert why in finding.message
    assert finding.message.endswith("Add SIS CSV files (users.csv, courses.csv, …) and try again.")
    assert not report.ok


def test_canvas_own_messages_stay_alongside(tmp_path):
    report = validate_paths([make_zip(tmp_path / "u.zip", {"a.txt": "x", "b.csv": ""})])
    assert report.findings_for("a.txt")[0] == Finding(WARNING, "a.txt", None,
                                                      "Skipping unknown file type")
    assert "a.txt is not a .csv file" in _nothing(report)[0].message
    assert "b.csv is empty" in _nothing(report)[0].message


def test_empty_zip_and_many_skipped_files(tmp_path):
    report = validate_paths([make_zip(tmp_path / "empty.zip", {})])
    assert "empty.zip holds no files" in _nothing(report)[0].message
    many = {f"notes{i}.txt": "x" for i in range(6)}
    message = _nothing(validate_paths([make_zip(tmp_path / "m.zip", many)]))[0].message
    assert message.count("is not a .csv file") == 3
    assert "and 3 more files Canvas would skip" in message


@pytest.mark.parametrize("files", [
    [("users.csv", "user_id,login_id,status\n")],                 # header only: type is processed
    [("users.csv", USERS), ("empty.csv", b"")],                   # one file is enough
    [("notes.txt", "x"), ("users.csv", USERS)],
])
def test_upload_with_something_to_import_passes(tmp_path, files):
    report = check(tmp_path, *files)
    assert _nothing(report) == [] and report.ok


def test_file_errors_are_not_repeated_as_nothing_imported(tmp_path):
    report = check(tmp_path, ("x.csv", "a,b\n1,2\n"))
    assert messages(report, ERROR) == ["Couldn't find Canvas CSV import headers"]


def test_clip():
    assert clip("abc") == "abc"
    assert clip("x" * MAX_VALUE) == "x" * MAX_VALUE
    clipped = clip("x" * (MAX_VALUE + 1))
    assert len(clipped) == MAX_VALUE and clipped.endswith("…")


def test_huge_values_are_clipped_in_row_messages(tmp_path):
    big = "u" * 500_000  # (over 1 MB is "Field too long": tests/reliability/test_validate_bounds.py)
    report = check(tmp_path, ("users.csv", f"user_id,login_id,status\n{big},,active\n"
                                           f"u2,,active\n"))
    first, second = messages(report, WARNING)
    assert first == f"No login_id given for user {'u' * (MAX_VALUE - 1)}…"
    assert second == "No login_id given for user u2"  # Canvas's words, untouched


def test_huge_values_are_clipped_in_aggregated_notices_and_headers(tmp_path):
    big = "r" * 1_000_000
    header = ",".join(["user_id", "login_id", "status", "z" * 100_000]
                      + [f"extra{i}" for i in range(30)])
    enrollments = f"course_id,user_id,role,status\nc1,{big},student,active\n"
    report = check(tmp_path, ("users.csv", f"{header}\nu1,l1,active\n"),
                   ("enrollments.csv", enrollments))
    assert report.findings and all(len(f.message) < 2_000 for f in report.findings)
    assert any("… (" in f.message and "more)" in f.message for f in report.findings)


@pytest.mark.parametrize("message, skips", [
    ("Bad date format for term t1", False),
    ("Bad date format for user u1 in course c1", False),
    ("The email address associated with user 'u1' is invalid (email: 'x')", False),
    ("No login_id given for user u1", True),
])
def test_skips_row(message, skips):
    assert Finding(WARNING, "x.csv", 2, message).skips_row is skips
    assert Finding(WARNING, "x.csv", None, message).skips_row is False


def test_invalid_email_warning_does_not_skip_the_row(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,status,email\n"
                                           "u1,l1,active,not an address\n"))
    (warning,) = report.warnings
    assert warning.message.startswith("The email address associated with user 'u1'")
    assert warning.skips_row is False
