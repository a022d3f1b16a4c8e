"""Past engine.MAX_IDS ids an upload stops remembering new ones (memory stays bounded
whatever the input): references to ids it no longer remembers are not reported as missing,
duplicates of ids it does remember still are, and one notice says from where."""
from __future__ import annotations

import pytest

from sis_desktop.core.sis_csv import engine

from helpers_sis_csv import check


@pytest.fixture
def small_budget(monkeypatch):
    monkeypatch.setattr(engine, "MAX_IDS", 5000)
    monkeypatch.setattr(engine, "COMPACT_FROM", 0)  # (the budget counts hashed stores)


def test_references_past_the_budget_are_not_reported_missing(tmp_path, small_budget):
    users = "user_id,login_id,status\n" + "".join(f"u{i},l{i},active\n" for i in range(20_000))
    users += "x1,L7,active\n"  # a login of a remembered user: still a claimed login
    enrollments = "course_id,user_id,role,status\n" + "".join(
        f"C1,u{i},student,active\n" for i in range(0, 20_000, 7)) + "C1,nobody,student,active\n"
    courses = "course_id,short_name,long_name,status\nC1,C1,Course 1,active\n"
    report = check(tmp_path, ("courses.csv", courses), ("users.csv", users),
                   ("enrollments.csv", enrollments))
    texts = [f.message for f in report.findings]
    assert not any("not in this upload" in t for t in texts), texts  # not even "nobody"
    assert any("has already claimed x1's" in t for t in texts)
    full = [f for f in report.findings if "stopped remembering new ones" in f.message]
    assert len(full) == 1 and full[0].file == "users.csv"
    assert 4000 < full[0].row < 10_000  # checked every 4,096 rows
    assert engine.MAX_IDS == 5000


def test_under_the_budget_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "COMPACT_FROM", 0)
    users = "user_id,login_id,status\n" + "".join(f"u{i},l{i},active\n" for i in range(20_000))
    enrollments = "course_id,user_id,role,status\nC1,u19999,student,active\nC1,nobody,student,active\n"
    report = check(tmp_path, ("users.csv", users), ("enrollments.csv", enrollments))
    texts = [f.message for f in report.findings]
    assert not any("stopped remembering" in t for t in texts)
    assert any("users that are not in this upload" in t and "nobody" in t for t in texts), texts


def test_ids_remembered_before_the_freeze_survive_the_end_of_their_file(tmp_path, small_budget):
    head = "user_id,login_id,status\n"
    report = check(tmp_path,
                   ("users_a.csv", head + "".join(f"a{i},la{i},active\n" for i in range(100))),
                   ("users_b.csv", head + "".join(f"b{i},lb{i},active\n" for i in range(20_000))),
                   ("users_c.csv", head + "x1,lb7,active\n"))  # b7's login, from before it
    assert any("SIS ID b7 has already claimed x1's" in f.message for f in report.findings)


def test_a_parent_defined_after_the_freeze_is_not_called_missing(tmp_path, small_budget):
    rows = "A0,P,N,active\n" + "".join(f"a{i},,N,active\n" for i in range(20_000)) + "P,,N,active\n"
    report = check(tmp_path, ("accounts.csv", "account_id,parent_account_id,name,status\n" + rows))
    assert not any("not in this upload" in f.message for f in report.findings)


def test_a_value_of_a_million_three_byte_characters(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "COMPACT_FROM", 0)
    course = "€" * 800_000  # 2.4 MB of UTF-8, under the 1 Mi-character field limit
    report = check(tmp_path, ("courses.csv", f"course_id,short_name,long_name,status\n"
                                             f"{course},C,C,active\n"),
                   ("sections.csv", f"section_id,course_id,name,status\nS1,{course},S,active\n"),
                   ("enrollments.csv", f"section_id,course_id,user_id,role,status\n"
                                       f"S1,{course},u1,student,active\n"))
    assert report.ok, report.findings
    assert not any(f.file == "sections.csv" for f in report.findings)  # its course is known
