"""Row rules for every file type: each message Canvas would give, with Canvas's row number."""
from __future__ import annotations

import pytest
from helpers_sis_csv import check, triples

W, N = "warning", "notice"

CASES = [
    # (file name, csv text, expected (severity, row, message) among the findings)
    ("users.csv", "user_id,login_id,status\n,l1,active\n", (W, 2, "No user_id given for a user")),
    ("users.csv", "user_id,login_id,status\nu1,,active\n", (W, 2, "No login_id given for user u1")),
    ("users.csv", "user_id,login_id,status\nu1,l1,\n", (W, 2, "No status given for user u1")),
    ("users.csv", "user_id,login_id,status\nu1,l1,gone\n", (W, 2, "Improper status for user u1")),
    ("users.csv", "user_id,login_id,status,first_name\nu1,l1,active,A\x00B\n",
     (W, 2, "Some of the fields contain NULL character")),
    ("users.csv", "user_id,login_id,status\nu1,bad\ufffdlogin,active\n",
     (W, 2, "Invalid Unicode characters in login_id 'bad\ufffdlogin'; skipping")),
    ("users.csv", "user_id,login_id,status\nu1,a\x07b,active\n",
     (W, 2, "Could not save the user with user_id: 'u1'. Invalid login_id: 'a\x07b'")),
    ("users.csv", "user_id,login_id,status\nu1," + "x" * 101 + ",active\n",
     (W, 2, "Could not save the user with user_id: 'u1'. Unknown reason: Unique ID is too long "
            "(maximum is 100 characters)")),
    ("users.csv", "user_id,login_id,status\nu1,Same,active\nu2,same,active\n",
     (W, 3, "An existing Canvas user with the SIS ID u1 has already claimed u2's user_id "
            "requested login information, skipping")),
    ("users.csv", "user_id,login_id,status,integration_id\nu1,l1,active,i1\nu2,l2,active,i1\n",
     (W, 3, "An existing Canvas user with the SIS ID u1 has already claimed u2's requested "
            "integration_id, skipping")),
    ("users.csv", "user_id,login_id,status,email\nu1,l1,active,invalid_at_example.com\n",
     (W, 2, "The email address associated with user 'u1' is invalid (email: 'invalid_at_example.com')")),
    ("users.csv", "user_id,login_id,status,declared_user_type\nu1,l1,active,wizard\n",
     (N, 2, 'declared_user_type "wizard" is not one of Canvas\'s values (administrative, observer, '
            "staff, student, student_other, teacher, <delete>); Canvas's reaction is not documented")),
    ("logins.csv", "user_id,login_id,existing_user_id\nu1,l1,\n",
     (W, 2, "No existing user provided for login with SIS ID u1")),
    ("logins.csv", "user_id,login_id,existing_user_id\n,l1,u0\n", (W, 2, "No user_id given for a user")),
    ("accounts.csv", "account_id,parent_account_id,name,status\n,,A,active\n",
     (W, 2, "No account_id given for an account")),
    ("accounts.csv", "account_id,parent_account_id,name,status\nA1,,A,closed\n",
     (W, 2, 'Improper status "closed" for account A1, skipping')),
    ("accounts.csv", "account_id,parent_account_id,name,status\nA1,A1,A,active\n",
     (W, 2, "Setting account A1's parent to A1 would create a loop")),
    ("terms.csv", "term_id,name,status\n,T,active\n", (W, 2, "No term_id given for a term")),
    ("terms.csv", "term_id,name,status\nT1,T,open\n", (W, 2, 'Improper status "open" for term T1')),
    ("terms.csv", "term_id,name,status\nT1,,active\n", (W, 2, "No name given for term T1")),
    ("terms.csv", "term_id,name,status,date_override_enrollment_type\nT1,T,active,studentenrollment\n",
     (W, 2, "Invalid date_override_enrollment_type")),
    ("terms.csv", "term_id,name,status,start_date\nT1,T,active,2012-13-05 00:00:00\n",
     (W, 2, "Bad date format for term T1")),
    ("abstract_courses.csv", "abstract_course_id,short_name,long_name,status\n,S,L,active\n",
     (W, 2, "No abstract_course_id given for an abstract course")),
    ("abstract_courses.csv", "abstract_course_id,short_name,long_name,status\nAC,S,,active\n",
     (W, 2, "No long_name given for abstract course AC")),
    ("abstract_courses.csv", "abstract_course_id,short_name,long_name,status\nAC,S,L,x\n",
     (W, 2, 'Improper status "x" for abstract course AC')),
    ("courses.csv", "course_id,short_name,long_name,status\n,S,L,active\n",
     (W, 2, "No course_id given for a course")),
    ("courses.csv", "course_id,short_name,long_name,status\nC1,,L,active\n",
     (W, 2, "No short_name given for course C1")),
    ("courses.csv", "course_id,short_name,long_name,status\nC1,S,,active\n",
     (W, 2, "No long_name given for course C1")),
    ("courses.csv", "course_id,short_name,long_name,status\nC1,S,L,\n",
     (W, 2, 'Improper status "" for course C1')),
    ("courses.csv", "course_id,short_name,long_name,status,course_format\nC1,S,L,active,hybrid\n",
     (W, 2, 'Invalid course_format "hybrid" for course C1')),
    ("courses.csv", "course_id,short_name,long_name,status,grade_passback_setting\nC1,S,L,active,weekly\n",
     (W, 2, 'Invalid grade_passback_setting "weekly" for course C1')),
    ("courses.csv", "course_id,short_name,long_name,status,start_date\nC1,S,L,active,2024-02-30\n",
     (W, 2, "Bad date format for course C1")),
    ("courses.csv", "course_id,short_name,long_name,status,homeroom_course\nC1,S,L,active,maybe\n",
     (N, None, 'row has a homeroom_course value Canvas does not read as yes/no (e.g. "maybe" at row 2); Canvas treats it as false.')),
    ("sections.csv", "section_id,course_id,name,status\n,C1,S,active\n",
     (W, 2, "No section_id given for a section in course C1")),
    ("sections.csv", "section_id,course_id,name,status\nS1,,S,active\n",
     (W, 2, "No course_id given for a section S1")),
    ("sections.csv", "section_id,course_id,name,status\nS1,C1,,active\n",
     (W, 2, "No name given for section S1 in course C1")),
    ("sections.csv", "section_id,course_id,name,status\nS1,C1,S,archived\n",
     (W, 2, 'Improper status "archived" for section S1 in course C1')),
    ("sections.csv", "section_id,course_id,name,status,end_date\nS1,C1,S,active,2024-01-01T25:00:00Z\n",
     (W, 2, "Bad date format for section S1")),
    ("xlists.csv", "xlist_course_id,section_id,status\n,S1,active\n",
     (W, 2, "No xlist_course_id given for a cross-listing")),
    ("xlists.csv", "xlist_course_id,section_id,status\nX1,,active\n",
     (W, 2, "No section_id given for a cross-listing")),
    ("xlists.csv", "xlist_course_id,section_id,status\nX1,S1,activeX\n",
     (W, 2, 'Improper status "activeX" for a cross-listing')),
    ("xlists.csv", "xlist_course_id,section_id,status\nX1,S1,\n",
     (W, 2, 'Improper status "" for a cross-listing')),
    ("enrollments.csv", "course_id,section_id,user_id,role,status\n,,u1,student,active\n",
     (W, 2, "No course_id or section_id given for an enrollment")),
    ("enrollments.csv", "course_id,user_id,role,status\nC1,,student,active\n",
     (W, 2, "No user_id given for an enrollment")),
    ("enrollments.csv", "course_id,user_id,role,status\nC1,u1,student,enrolled\n",
     (W, 2, 'Improper status "enrolled" for an enrollment')),
    ("enrollments.csv", "course_id,user_id,role,status,start_date\nC1,u1,student,active,2024-13-01\n",
     (W, 2, "Bad date format for user u1 in course C1")),
    ("enrollments.csv", "section_id,user_id,role,status,start_date\nS1,u1,student,active,2024-13-01\n",
     (W, 2, "Bad date format for user u1 in section S1")),
    ("admins.csv", "user_id,account_id,role,status\n,A1,AccountAdmin,active\n",
     (W, 2, "No user_id given for admin")),
    ("admins.csv", "user_id,account_id,role,status\nu1,A1,AccountAdmin,\n",
     (W, 2, "No status given for admin")),
    ("admins.csv", "user_id,account_id,role,status\nu1,A1,,active\n",
     (W, 2, "No role_id or role given for admin")),
    ("admins.csv", "user_id,account_id,role,status\nu1,A1,AccountAdmin,activeX\n",
     (W, 2, "Invalid status activeX for admin")),
    ("group_categories.csv", "group_category_id,category_name,status\n,Cat,active\n",
     (W, 2, "No sis_id given for a group category")),
    ("group_categories.csv", "group_category_id,category_name,status\nGC1,,active\n",
     (W, 2, "No name given for group category GC1")),
    ("group_categories.csv", "group_category_id,category_name,status\nGC1,Cat,\n",
     (W, 2, "No status given for group category GC1")),
    ("group_categories.csv", "group_category_id,category_name,status\nGC1,Cat,open\n",
     (W, 2, 'Improper status "open" for group category GC1, skipping')),
    ("group_categories.csv", "group_category_id,category_name,status,account_id,course_id\nGC1,Cat,active,A1,C1\n",
     (W, 2, "Only one context is allowed and both course_id and account_id where provided for "
            "group category GC1.")),
    ("groups.csv", "group_id,name,status\n,G,available\n", (W, 2, "No group_id given for a group.")),
    ("groups.csv", "group_id,name,status\nG1,,available\n", (W, 2, "No name given for group G1.")),
    ("groups.csv", "group_id,name,status\nG1,G,open\n", (W, 2, 'Improper status "open" for group G1.')),
    ("groups.csv", "group_id,name,status,account_id,course_id\nG1,G,available,A1,C1\n",
     (W, 2, "Only one context is allowed and both course_id and account_id where provided for group G1.")),
    ("group_memberships.csv", "group_id,user_id,status\n,u1,accepted\n",
     (W, 2, "No group_id given for a group user")),
    ("group_memberships.csv", "group_id,user_id,status\nG1,,accepted\n",
     (W, 2, "No user_id given for a group user")),
    ("group_memberships.csv", "group_id,user_id,status\nG1,u1,active\n",
     (W, 2, 'Improper status "active" for a group user')),
    ("tag_sets.csv", "tag_set_id,set_name,course_id,status\n,Set,C1,active\n",
     (W, 2, "No sis_id given for a differentiation tag set")),
    ("tag_sets.csv", "tag_set_id,set_name,course_id,status\nTS1,,C1,active\n",
     (W, 2, "No name given for differentiation tag set TS1")),
    ("tag_sets.csv", "tag_set_id,set_name,course_id,status\nTS1,Set,,active\n",
     (W, 2, "No course_id given for differentiation tag set TS1")),
    ("tag_sets.csv", "tag_set_id,set_name,course_id,status\nTS1,Set,C1,on\n",
     (W, 2, 'Improper status "on" for differentiation tag set TS1, skipping')),
    ("tags.csv", "tag_id,name,status,course_id\n,T,available,C1\n",
     (W, 2, "No tag_id given for a differentiation tag.")),
    ("tags.csv", "tag_id,name,status,course_id\nT1,,available,C1\n",
     (W, 2, "No name given for differentiation tag T1.")),
    ("tags.csv", "tag_id,name,status,course_id\nT1,T,active,C1\n",
     (W, 2, 'Improper status "active" for differentiation tag T1.')),
    ("tag_members.csv", "tag_id,user_id,status\n,u1,accepted\n",
     (W, 2, "No tag_id given for a differentiation tag user")),
    ("tag_members.csv", "tag_id,user_id,status\nT1,,accepted\n",
     (W, 2, "No user_id given for a differentiation tag user")),
    ("tag_members.csv", "tag_id,user_id,status\nT1,u1,x\n",
     (W, 2, 'Improper status "x" for a differentiation tag user')),
    ("grades.csv", "enrollment_id,grade_publishing_status\n,published\n", (W, 2, "No enrollment_id given")),
    ("grades.csv", "enrollment_id,grade_publishing_status\n12,\n",
     (W, 2, "No grade_publishing_status given for enrollment 12")),
    ("grades.csv", "enrollment_id,grade_publishing_status\n12,done\n",
     (W, 2, 'Improper grade_publishing_status "done" for enrollment 12')),
    ("observers.csv", "observer_id,student_id,status\n,s1,active\n",
     (W, 2, "No observer_id given for a user observer")),
    ("observers.csv", "observer_id,student_id,status\no1,,active\n",
     (W, 2, "No user_id given for a user observer")),
    ("observers.csv", "observer_id,student_id,status\ns1,s1,active\n",
     (W, 2, "Can't observe yourself user s1")),
    ("observers.csv", "observer_id,student_id,status\no1,s1,activeX\n",
     (W, 2, 'Improper status "activeX" for a user_observer')),
    ("change_sis_id.csv", "old_id,new_id,type\nA,B,\n", (W, 2, "No type given for change_sis_id")),
    ("change_sis_id.csv", "old_id,new_id,type\n,B,user\n",
     (W, 2, "No old_id or old_integration_id given for change_sis_id")),
    ("change_sis_id.csv", "old_id,new_id,type\nA,,user\n",
     (W, 2, "No new_id or new_integration_id given for change_sis_id")),
    ("change_sis_id.csv", "old_id,new_id,type\nA,B,Pupil\n", (W, 2, "Invalid type 'pupil' for change_sis_id")),
    ("change_sis_id.csv", "old_id,new_id,old_integration_id,new_integration_id,type\nA,B,,I2,group_category\n",
     (W, 2, "Group categories should not have integration IDs.")),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[f"{c[0]}:{c[2][2][:40]}" for c in CASES])
def test_row_message(tmp_path, name, text, expected):
    report = check(tmp_path, (name, text))
    if expected[1] is None:
        assert any(f.severity == expected[0] and f.row is None and f.message.endswith(expected[2])
                   for f in report.findings), triples(report)
    else:
        assert expected in triples(report)
    assert not report.errors


def test_valid_rows_of_every_type_give_no_warning(tmp_path):
    report = check(
        tmp_path,
        ("change.csv", "old_id,new_id,type\nU0,U1,user\n"),
        ("accounts.csv", "account_id,parent_account_id,name,status\nA1,,Arts,active\nA2,A1,Music,active\n"),
        ("terms.csv", "term_id,name,status,start_date,end_date\nT1,Fall,active,2024-08-01T00:00:00Z,2024-12-20\n"),
        ("abstract.csv", "abstract_course_id,short_name,long_name,status\nAC1,Bio,Biology,active\n"),
        ("courses.csv", "course_id,short_name,long_name,account_id,term_id,status,start_date,course_format,"
                        "homeroom_course,grade_passback_setting,abstract_course_id\n"
                        "C1,BIO1,Biology 1,A2,T1,active,<delete>,online,yes,nightly_sync,AC1\n"),
        ("sections.csv", "section_id,course_id,name,status\nS1,C1,Section 1,active\n"),
        ("xlists.csv", "xlist_course_id,section_id,status\nC1,S1,ACTIVE\n"),
        ("users.csv", "user_id,login_id,status,email,integration_id\nu1,ana,active,ana@example.edu,I1\n"
                      "u2,bo,Active,,\n"),
        ("logins.csv", "user_id,login_id,existing_user_id\nu1b,ana2,u1\n"),
        ("enrollments.csv", "course_id,section_id,user_id,role,status,notify\nC1,S1,u1,Student,active,true\n"
                            "C1,,u2,teacher,completed,0\n"),
        ("admins.csv", "user_id,account_id,role,status\nu1,A1,AccountAdmin,active\n"),
        ("categories.csv", "group_category_id,category_name,status,course_id\nGC1,Projects,active,C1\n"),
        ("tag_sets.csv", "tag_set_id,set_name,course_id,status\nTS1,Levels,C1,active\n"),
        ("groups.csv", "group_id,name,status,group_category_id,course_id\nG1,Team,available,GC1,C1\n"),
        ("tags.csv", "tag_id,name,status,tag_set_id\nTG1,Advanced,available,TS1\n"),
        ("members.csv", "group_id,user_id,status\nG1,u1,accepted\n"),
        ("tag_members.csv", "tag_id,user_id,status\nTG1,u1,accepted\n"),
        ("grades.csv", "enrollment_id,grade_publishing_status,message\n77,Published,ok\n"),
        ("observers.csv", "observer_id,student_id,status\nu2,u1,active\n"),
    )
    assert [f.type for f in report.files] == [
        "change_sis_id", "account", "term", "abstract_course", "course", "section", "xlist", "user",
        "login", "enrollment", "admin", "group_category", "differentiation_tag_set", "group",
        "differentiation_tag", "group_membership", "differentiation_tag_membership",
        "grade_publishing_results", "user_observer"]
    assert report.errors == [] and report.warnings == [], triples(report)
    # only the references Canvas must resolve itself: change_sis_id's old user, login of u1's
    assert all("not in this upload" in f.message for f in report.notices), triples(report)


def test_skipped_row_reports_only_its_first_problem(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,status,email\nu1,,bogus,bad\n"))
    assert triples(report) == [(W, 2, "No login_id given for user u1")]


def test_bad_date_keeps_the_row_and_prefix_status_is_a_notice(tmp_path):
    report = check(tmp_path, ("terms.csv", "term_id,name,status,start_date\nT1,Fall,activeX,2024-13-01\n"
                                           "T2,Spring,active,next week\n"))
    assert (W, 2, "Bad date format for term T1") in triples(report)
    notes = [f.message for f in report.notices]
    assert any('"activeX" at row 2' in m and "active, deleted" in m for m in notes)
    assert any('"next week" at row 3' in m and "ISO 8601" in m for m in notes)
    assert report.files[0].rows == 2


def test_row_numbers_count_like_canvas(tmp_path):
    text = ('user_id,login_id,status\n\nu1,l1,active\n,,\n"u2","multi\nline",bogus\nu3,,active\n')
    report = check(tmp_path, ("users.csv", text))
    # the blank line is not counted; ",," is numbered but not counted as a row
    assert triples(report)[:2] == [(W, 4, "Improper status for user u2"),
                                   (W, 5, "No login_id given for user u3")]
    assert report.files[0].rows == 3


def test_whitespace_is_stripped_and_short_rows_are_padded(tmp_path):
    report = check(tmp_path, ("users.csv", "user_id,login_id,status,email\n  u1 , l1 ,  active  \nu2,l2\n"))
    assert triples(report) == [(W, 3, "No status given for user u2")]


def test_role_advice_is_aggregated(tmp_path):
    rows = "".join(f"C1,u{i},Dean,active\n" for i in range(5)) + "C1,u9,,active\n" + "C1,u8,TaEnrollment,active\n"
    report = check(tmp_path, ("enrollments.csv", "course_id,user_id,role,status\n" + rows))
    notes = [f.message for f in report.notices]
    assert any(m.startswith("5 rows use roles that are not built-in (Dean)") for m in notes)
    assert any(m.startswith("1 row gives neither role nor role_id") for m in notes)
    assert all(not f.from_canvas for f in report.warnings)  # only "not in this upload" ones


def test_admin_custom_role_and_two_contexts_notice(tmp_path):
    report = check(tmp_path, ("admins.csv", "user_id,account_id,role,status\nu1,,Helpdesk,active\n"),
                   ("tags.csv", "tag_id,name,status\nT1,Tag,available\n"))
    notes = " ".join(f.message for f in report.notices)
    assert "admin roles other than AccountAdmin (Helpdesk)" in notes
    assert "neither tag_set_id nor course_id" in notes


def test_change_sis_id_delete_as_new_id_is_a_notice(tmp_path):
    report = check(tmp_path, ("c.csv", "old_id,new_id,type\nA,<delete>,user\n"))
    assert any("<delete> as new_id" in m for m in (f.message for f in report.notices))
    assert not report.warnings


def test_enrollment_with_one_date_is_a_notice(tmp_path):
    report = check(tmp_path, ("e.csv", "course_id,user_id,role,status,start_date,end_date\n"
                                       "C1,u1,student,active,2024-01-01,\nC1,u2,student,active,2024-01-01,2024-02-01\n"))
    assert any(m.startswith("1 row gives only one of start_date and end_date") and "row 2" in m
               for m in (f.message for f in report.notices))
    assert all(not f.from_canvas for f in report.warnings)  # only "not in this upload" ones
