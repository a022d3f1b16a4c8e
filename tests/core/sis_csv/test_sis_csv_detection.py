"""File-type detection: Canvas's order, first match wins, and the advice around it."""
from __future__ import annotations

import pytest
from helpers_sis_csv import check, messages

from sis_desktop.core.sis_csv import FILE_TYPES, detect_type

HEADERS = [
    ("old_id,new_id,type", "change_sis_id"),
    ("old_integration_id,new_integration_id,type", "change_sis_id"),
    ("account_id,parent_account_id,name,status", "account"),
    ("term_id,name,status", "term"),
    ("abstract_course_id,short_name,long_name,status", "abstract_course"),
    ("course_id,short_name,long_name,status", "course"),
    ("section_id,course_id,name,status", "section"),
    ("xlist_course_id,section_id,status", "xlist"),
    ("user_id,login_id,status", "user"),
    ("user_id,login_id,existing_user_id", "login"),
    ("user_id,login_id,existing_canvas_user_id", "login"),
    ("course_id,user_id,role,status", "enrollment"),
    ("section_id,user_integration_id,role,status", "enrollment"),
    ("user_id,account_id,role,status", "admin"),
    ("group_category_id,category_name,status", "group_category"),
    ("tag_set_id,set_name,course_id,status", "differentiation_tag_set"),
    ("group_id,name,status", "group"),
    ("tag_id,name,status", "differentiation_tag"),
    ("group_id,user_id,status", "group_membership"),
    ("tag_id,user_id,status", "differentiation_tag_membership"),
    ("enrollment_id,grade_publishing_status", "grade_publishing_results"),
    ("observer_id,student_id,status", "user_observer"),
    ("User_ID,LOGIN_ID,Status", "user"),
    # first match wins
    ("course_id,short_name,long_name,status,term_id,name", "term"),
    ("course_id,user_id,role,status,name,section_id", "section"),
    ("course_id,user_id,role,status,login_id", "user"),
    ("group_id,user_id,status,course_id", "enrollment"),
    ("group_id,user_id,status,account_id", "admin"),
    ("account_id,name,status", None),
    ("course_id,randomness,smelly", None),
    ("category_id,name,status", None),
]


@pytest.mark.parametrize("header,expected", HEADERS)
def test_detect_type(header, expected):
    assert detect_type(header.split(",")) == expected


def test_institutional_tags_need_the_feature():
    assert detect_type(["category_id", "name", "status"]) is None
    assert detect_type(["category_id", "name", "status"], institutional_tags=True) == \
        "institutional_tag_category"
    assert detect_type(["institutional_tag_id", "category_id", "name", "description"],
                       institutional_tags=True) == "institutional_tag"
    assert detect_type(["institutional_tag_id", "user_id", "status"],
                       institutional_tags=True) == "institutional_tag_association"


def test_all_22_types_have_a_table():
    assert len(FILE_TYPES) == 22
    assert len({t.name for t in FILE_TYPES}) == 22


def test_unknown_header_is_canvas_failure(tmp_path):
    report = check(tmp_path, ("x.csv", "course_id,randomness,smelly\n1,2,3\n"))
    assert [(f.severity, f.message) for f in report.errors] == [
        ("error", "Couldn't find Canvas CSV import headers")]
    assert report.files[0].type is None


def test_accounts_without_parent_column_explained(tmp_path):
    report = check(tmp_path, ("accounts.csv", "account_id,name,status\nA1,Arts,active\n"))
    assert messages(report, "error") == ["Couldn't find Canvas CSV import headers"]
    assert any("No Canvas SIS file type matches" in m for m in messages(report, "notice"))


def test_courses_with_name_and_term_id_are_read_as_terms(tmp_path):
    report = check(tmp_path, ("courses.csv", "course_id,short_name,long_name,status,term_id,name\n"
                                             "C1,S,L,active,T1,Name\n"))
    assert report.files[0].type == "term"
    assert any("Canvas reads this file as terms" in m and "looks like courses" in m
               and '"name"' in m for m in messages(report, "notice"))


def test_group_memberships_with_course_id_are_read_as_enrollments(tmp_path):
    report = check(tmp_path, ("gm.csv", "group_id,user_id,status,course_id\nG1,u1,accepted,C1\n"))
    assert report.files[0].type == "enrollment"
    assert any("looks like group memberships" in m and '"course_id"' in m
               for m in messages(report, "notice"))


def test_plain_enrollments_file_has_no_trap_notice(tmp_path):
    report = check(tmp_path, ("e.csv", "course_id,user_id,role,status\nC1,u1,student,active\n"))
    assert not any("Canvas reads this file as" in m for m in messages(report))


def test_header_with_spaces(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id, status\nu1,l1,active\n"))
    notes = messages(report, "notice")
    assert any('" status" has spaces around it' in m for m in notes)
    assert "No status given for user u1" in messages(report, "warning")


def test_spaces_that_break_detection(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id , login_id,status\nu1,l1,active\n"))
    assert messages(report, "error") == ["Couldn't find Canvas CSV import headers"]
    assert any("Without the spaces around header names Canvas would read this file as users" in m
               for m in messages(report, "notice"))


def test_unknown_duplicate_and_missing_columns(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,shoe_size,login_id,,\nu1,l1,42,x,,\n"))
    notes = messages(report, "notice")
    assert any('ignores the column(s) "shoe_size"' in m for m in notes)
    assert any('"login_id" appear more than once' in m for m in notes)
    assert any('There is no "status" column' in m for m in notes)


def test_institutional_tags_file_without_feature_explained(tmp_path):
    report = check(tmp_path, ("cats.csv", "category_id,name,status\nK1,Cat,active\n"))
    assert messages(report, "error") == ["Couldn't find Canvas CSV import headers"]
    assert any("institutional_tags feature" in m for m in messages(report, "notice"))
    report = check(tmp_path, ("cats.csv", "category_id,name,status\n,Cat,active\n"),
                   institutional_tags=True)
    assert messages(report, "warning") == ["No category_id given for an institutional tag category"]


def test_semicolon_separated_file_gets_the_hint(tmp_path):
    """Excel in many locales saves "CSV" with semicolons: say so in Canvas's finding."""
    from helpers_sis_csv import check
    report = check(tmp_path, ("users.csv", "user_id;login_id;status\nu1;l1;active\n"))
    [error] = report.errors
    assert error.message.startswith("Couldn't find Canvas CSV import headers — the values in "
                                    "this file are separated by semicolons (;)")
    assert "commas" in error.message
    plain = check(tmp_path, ("other.csv", "what,is,this\n1,2,3\n"))
    assert plain.errors[0].message == "Couldn't find Canvas CSV import headers"
