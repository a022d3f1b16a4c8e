"""References inside the upload, in Canvas's processing order, and aggregated notices."""
from __future__ import annotations

from helpers_sis_csv import check, messages, triples


def test_unresolved_references_are_one_warning_per_file_and_kind(tmp_path):
    """Canvas skips an enrollment whose course or user is not found: a warning (our own
    wording, never sent on as a Canvas message), one per file and kind."""
    rows = "".join(f"C{i % 7},u{i},student,active\n" for i in range(412))
    report = check(tmp_path, ("enrollments.csv", "course_id,user_id,role,status\n" + rows))
    assert messages(report, "notice") == []
    warnings = [f for f in report.findings if f.severity == "warning"]
    assert len(warnings) == 2 and all(not f.from_canvas and f.row is None for f in warnings)
    assert warnings[1].message.startswith(
        "412 enrollments reference courses that are not in this upload: Canvas will skip "
        "those rows unless the courses already exist in Canvas (e.g. C0, C1, C2, …)")
    assert warnings[0].message.startswith("412 enrollments reference users that are not in "
                                          "this upload: Canvas will skip those rows")
    assert report.processing_messages() == ([], [])  # not what Canvas itself would say


def test_unknown_term_of_a_course_stays_a_notice(tmp_path):
    """Canvas ignores an unknown term_id (default term) and still imports the course."""
    report = check(tmp_path, ("courses.csv", "course_id,short_name,long_name,status,term_id\n"
                                             "C1,S,L,active,T9\n"))
    notes = messages(report, "notice")
    assert len(notes) == 1 and "must already exist in Canvas" in notes[0]
    assert not report.warnings


def test_references_resolved_in_processing_order_not_file_order(tmp_path):
    report = check(
        tmp_path,
        ("1.csv", "course_id,section_id,user_id,role,status\nC1,S1,u1,student,active\n"),
        ("2.csv", "section_id,course_id,name,status\nS1,C1,Sec,active\n"),
        ("3.csv", "course_id,short_name,long_name,status,account_id,term_id\nC1,S,L,active,A1,T1\n"),
        ("4.csv", "user_id,login_id,status\nu1,l1,active\n"),
        ("5.csv", "account_id,parent_account_id,name,status\nA1,,Arts,active\n"),
        ("6.csv", "term_id,name,status\nT1,Fall,active\n"))
    assert report.findings == [], triples(report)


def test_section_and_course_unrelated(tmp_path):
    report = check(
        tmp_path,
        ("sections.csv", "section_id,course_id,name,status\nS1,C1,Sec,active\nS2,C2,Sec,active\n"),
        ("xlists.csv", "xlist_course_id,section_id,status\nC9,S2,active\n"),
        ("enrollments.csv", "course_id,section_id,user_id,role,status\nC2,S1,u1,student,active\n"
                            "C9,S2,u1,student,active\nC2,S2,u1,student,active\n"))
    assert [t for t in triples(report) if t[0] == "warning" and t[1] is not None] == [
        ("warning", 2, "An enrollment listed a section (S1) and a course (C2) that are unrelated "
                       "for user (u1)")]


def test_skipped_rows_define_nothing(tmp_path):
    report = check(tmp_path,
                   ("courses.csv", "course_id,short_name,long_name,status\nC1,S,L,bogus\n"),
                   ("sections.csv", "section_id,course_id,name,status\nS1,C1,Sec,active\n"))
    assert "1 section references courses that are not in this upload: Canvas will skip that " \
           "row unless the courses already exist in Canvas (e.g. C1)." in messages(report, "warning")


def test_rejected_file_defines_nothing(tmp_path):
    report = check(tmp_path,
                   ("courses.csv", b"course_id,short_name,long_name,status\nC1,S,L,active\nC2,\xe9,L,active\n"),
                   ("sections.csv", "section_id,course_id,name,status\nS1,C1,Sec,active\n"))
    assert any("references courses" in m for m in messages(report, "warning"))


def test_account_parent_order(tmp_path):
    report = check(tmp_path, ("accounts.csv", "account_id,parent_account_id,name,status\n"
                                              "A2,A1,Child,active\nA1,,Parent,active\nA3,AX,Other,active\n"))
    rows = {f.row: f.message for f in report.notices}
    assert rows[2].startswith("Parent account A1 of A2 comes later in this upload")
    assert "Parent account didn't exist for A2" in rows[2]
    assert any(m.startswith("1 account references accounts that are not in this upload")
               for m in messages(report, "warning"))


def test_accounts_without_name_or_status_are_notices(tmp_path):
    report = check(tmp_path, ("accounts.csv", "account_id,parent_account_id,name,status\nA3,A2,,\n"))
    assert [f.from_canvas for f in report.warnings] == [False]  # only the missing parent A2
    notes = " ".join(messages(report, "notice"))
    assert "have no name" not in notes and "has no name" in notes and "has no status" in notes


def test_login_id_claimed_across_users_and_logins(tmp_path):
    report = check(tmp_path,
                   ("users.csv", "user_id,login_id,status\nu1,ana,active\n"),
                   ("logins.csv", "user_id,login_id,existing_user_id\nu2,ANA,u1\nu1,other,u1\n"))
    assert [t for t in triples(report) if t[0] == "warning"] == [
        ("warning", 2, "An existing Canvas user with the SIS ID u2 or login of ANA already exists, skipping"),
        ("warning", 3, "An existing Canvas user with the SIS ID u1 or login of other already exists, skipping")]


def test_user_integration_id_references(tmp_path):
    report = check(tmp_path,
                   ("users.csv", "user_id,login_id,status,integration_id\nu1,ana,active,I1\n"),
                   ("enrollments.csv", "course_id,user_integration_id,role,status\nC1,I1,student,active\n"
                                       "C1,I2,student,active\n"))
    assert any(m.startswith("1 enrollment references users (by integration_id)")
               for m in messages(report, "warning"))


def test_courses_unknown_term_is_explained(tmp_path):
    report = check(tmp_path, ("courses.csv", "course_id,short_name,long_name,status,term_id,blueprint_course_id\n"
                                             "C1,S,L,active,T9,dissociate\n"))
    [note] = messages(report, "notice")
    assert "terms that are not in this upload" in note and "default term" in note
