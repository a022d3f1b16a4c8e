"""File-level behaviour: encodings, parsing, empty files, huge fields, the Report API."""
from __future__ import annotations

import codecs
import threading

import pytest
from helpers_sis_csv import check, messages, triples, write

from sis_desktop.core.canvas.errors import Cancelled
from sis_desktop.core.sis_csv import UnreadablePath, validate_paths

USERS = "user_id,login_id,status\nu1,l1,active\n"


def test_utf8_with_bom_is_fine(tmp_path):
    report = check(tmp_path, ("users.csv", codecs.BOM_UTF8 + "user_id,login_id,status\nuö,Unö,active\n".encode()))
    assert report.findings == []
    assert report.files[0].type == "user"


def test_latin1_with_non_ascii_is_invalid_utf8(tmp_path):
    data = "user_id,login_id,status\nu1,l1,active\nu2,Jos\xe9,active\n".encode("latin-1")
    report = check(tmp_path, ("users.csv", data))
    assert triples(report)[0] == ("error", None, "Invalid UTF-8")
    assert "0xE9 on line 3" in report.notices[0].message
    assert report.files[0].type is None and report.files[0].rows == 0


def test_invalid_utf8_far_down_discards_row_messages(tmp_path):
    rows = "".join(f"u{i},,active\n" for i in range(3000))  # 3000 warnings that must vanish
    data = ("user_id,login_id,status\n" + rows).encode() + b"u9,\xa0,active\n"
    report = check(tmp_path, ("users.csv", data))
    assert messages(report, "error") == ["Invalid UTF-8"]
    assert not report.warnings


def test_pure_ascii_latin1_is_fine(tmp_path):
    report = check(tmp_path, ("users.csv", USERS.encode("latin-1")))
    assert report.findings == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_named(tmp_path, encoding):
    report = check(tmp_path, ("users.csv", USERS.encode(encoding)))
    assert messages(report, "error") == ["Invalid UTF-8"]
    assert "UTF-16" in messages(report, "notice")[0]


@pytest.mark.parametrize("data,word", [
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "Excel (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "old Excel"),
    (bytes(range(256)) * 8, "not UTF-8"),
])
def test_binary_junk_is_a_clear_error(tmp_path, data, word):
    report = check(tmp_path, ("users.csv", data))
    assert messages(report, "error") == ["Invalid UTF-8"]
    assert word in messages(report, "notice")[0]


@pytest.mark.parametrize("text,line", [
    ('xlist_course_id,"section_id,status\nX1,S1,active\n', None),
    ('xlist_course_id,section_id,status\nABC,"26076.20122\n', None),
    ("user_id,login_id,status\n" + "u1,l1,active\n" * 100 + 'u2,"l2"x,active\n', None),
    ('user_id,login_id,status\nu1,Dwayne "The Rock",active\n', "Row 2 has a quote"),
    ('user_id,login"id,status\nu1,l1,active\n', "The header row has a quote"),
])
def test_malformed_csv(tmp_path, text, line):
    report = check(tmp_path, ("x.csv", text))
    assert messages(report, "error") == ["Malformed CSV"]
    assert not report.warnings
    if line:
        assert messages(report, "notice")[0].startswith(line)


def test_quoted_fields_with_commas_quotes_and_newlines_are_fine(tmp_path):
    text = ('user_id,login_id,status,full_name\n'
            'u1,l1,active,"Chevy ""The Man"" Chase"\n'
            'u2,l2,active,"Doe, Jane"\n'
            'u3,l3,active,"two\nlines"\n')
    report = check(tmp_path, ("users.csv", text))
    assert report.findings == [] and report.files[0].rows == 3


def test_crlf_and_empty_header_cells(tmp_path):
    text = ("course_id,short_name,long_name,account_id,term_id,status,,\r\n"
            "test_1,TC 101,Test Course 1,,,active,invalid,\r\n")
    report = check(tmp_path, ("courses.csv", text))
    assert report.findings == [] and report.files[0].rows == 1


def test_empty_and_header_only_files(tmp_path):
    report = check(tmp_path, ("empty.csv", b""), ("bom.csv", codecs.BOM_UTF8),
                   ("users.csv", "user_id,login_id,status\n"), ("blank.csv", "\n\n"))
    assert not report.errors and not report.warnings
    by_name = {f.name: f for f in report.files}
    assert by_name["users.csv"].type == "user" and by_name["users.csv"].rows == 0
    assert by_name["empty.csv"].type is None
    assert "only a header row" in report.findings_for("users.csv")[0].message
    assert "empty" in report.findings_for("empty.csv")[0].message
    assert "no header row" in report.findings_for("blank.csv")[0].message


def test_lines_under_the_cap_are_read_whole(tmp_path):
    big = "x" * 900_000  # far beyond any real SIS value, still under the 1 MB cap
    report = check(tmp_path, ("users.csv", f"user_id,login_id,status,full_name\nu1,l1,active,{big}\n"
                                           f"u2,l2,active,\"{big}\"\n"))
    assert report.findings == [] and report.files[0].rows == 2


def test_ten_megabyte_line_is_too_long_not_held(tmp_path):
    big = "x" * 10_000_000
    report = check(tmp_path, ("users.csv", f"user_id,login_id,status,full_name\nu1,l1,active,{big}\n"))
    assert [m[:40] for m in messages(report, "error")] == ["Field too long: line 2 is longer than 1 "]


def test_ten_megabyte_line_without_newline_in_header(tmp_path):
    report = check(tmp_path, ("x.csv", "a" * 10_000_000))
    assert [m[:50] for m in messages(report, "error")] == [
        "Field too long: the header row is longer than 1 MB"]


def test_unreadable_paths(tmp_path):
    with pytest.raises(UnreadablePath, match="does not exist"):
        validate_paths([tmp_path / "missing.csv"])
    with pytest.raises(UnreadablePath, match="is a folder"):
        validate_paths([tmp_path])


def test_cancel_raises_cancelled(tmp_path):
    path = write(tmp_path, "users.csv", "user_id,login_id,status\n" + "u,l,active\n" * 20000)
    event = threading.Event()
    seen = []

    def progress(done, total):
        seen.append((done, total))
        event.set()

    with pytest.raises(Cancelled):
        validate_paths([path], cancelled=event, on_progress=progress)
    assert seen and seen[0][1] == path.stat().st_size


def test_progress_reaches_total(tmp_path):
    path = write(tmp_path, "users.csv", "user_id,login_id,status\n" + "".join(
        f"u{i},l{i},active\n" for i in range(20000)))
    seen = []
    validate_paths([path], on_progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))
    assert len(seen) >= 3


def test_report_api(tmp_path):
    report = check(tmp_path,
                   ("courses.csv", "course_id,short_name,long_name,status,term_id\nC1,S,L,active,T1\n"
                                   "C2,S,L,active,T2\n"),
                   ("users.csv", "user_id,login_id,status\nu1,l1,active\nu2,,active\n"),
                   ("bad.csv", "nothing,here\n"))
    assert report.counts_by_type() == {"course": 2, "user": 2}
    assert report.term_ids == {"T1", "T2"}
    assert any("belong to 2 terms" in f.message and f.file is None for f in report.notices)
    assert report.summary_line() == "3 files, 4 rows: 1 error, 1 warning, 3 notices."
    data = report.to_json()
    assert set(data) == {"files", "messages", "summary"}
    assert data["files"][0] == {"name": "courses.csv", "type": "course", "rows": 2}
    assert data["summary"] == {"errors": 1, "warnings": 1, "notices": 3}
    assert all(set(m) == {"severity", "file", "row", "message", "source"} for m in data["messages"])
    assert not report.ok


def test_no_cap_on_messages(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,status\n" + "u,,active\n" * 100))
    assert len(report.warnings) == 100
    assert report.warnings[-1].row == 101


def test_processing_messages_are_canvas_pairs(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,status,shoe\nu1,,active,1\n"),
                   ("x.csv", "a,b\n1,2\n"))
    errors, warnings = report.processing_messages()
    assert errors == [["x.csv", "Couldn't find Canvas CSV import headers"]]
    assert warnings == [["users.csv", "No login_id given for user u1"]]


def test_only_ruby_whitespace_is_stripped(tmp_path):
    # a non-breaking space is not whitespace to Ruby's strip
    report = check(tmp_path, ("users.csv", "user_id,login_id,status\nu1,l1,\u00a0active\nu2,\t ,active\n"))
    assert triples(report) == [("warning", 2, "Improper status for user u1"),
                               ("warning", 3, "No login_id given for user u2")]


def test_delete_only_where_canvas_understands_it(tmp_path):
    report = check(tmp_path, ("terms.csv", "term_id,name,status,end_date\nT1,Fall,active,<delete>\n"),
                   ("courses.csv", "course_id,short_name,long_name,status,end_date\nC1,S,L,active,<delete>\n"))
    assert [t for t in triples(report) if t[0] == "warning"] == [
        ("warning", 2, "Bad date format for term T1")]


def test_root_account_column_notice(tmp_path):
    report = check(tmp_path, ("e.csv", "course_id,user_id,role,status,root_account\nC1,u1,student,active,\n"))
    assert any("root_account" in m for m in messages(report, "notice"))


def test_quoted_field_spanning_read_chunks(tmp_path):
    long_text = "line of text without quotes\n" * 5000  # ~140 KB: several read chunks
    text = (f'user_id,login_id,status,full_name\nu1,l1,active,"{long_text}"\n'
            f'u2,,active,x\nu3,l3,active,"Chevy ""The Man"" Chase"\n')
    report = check(tmp_path, ("users.csv", text))
    assert triples(report) == [("warning", 3, "No login_id given for user u2")]
    assert report.files[0].rows == 3


def test_bare_quote_after_a_long_quote_free_stretch(tmp_path):
    text = "user_id,login_id,status\n" + "u,l,active\n" * 20000 + 'u9,a"b,active\n'
    report = check(tmp_path, ("users.csv", text))
    assert messages(report, "error") == ["Malformed CSV"]
    assert messages(report, "notice")[0].startswith("Row 20002 has a quote")
