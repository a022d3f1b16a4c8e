"""Dates are parsed once per distinct string; repeated values are still judged row by row,
and the cache stays bounded."""
from __future__ import annotations

from helpers_sis_csv import check

from sis_desktop.core.sis_csv import values

HEADER = "course_id,user_id,role,section_id,status,start_date,end_date\n"


def test_a_repeated_bad_date_is_warned_on_every_row_and_good_ones_never(tmp_path):
    rows = []
    for n in range(300):
        end = "2027-13-01T00:00:00Z" if n % 100 == 7 else "2027-05-14T23:59:59Z"
        rows.append(f"C1,U{n},student,S1,active,2027-01-10T00:00:00Z,{end}\n")
    report = check(tmp_path, ("enrollments.csv", HEADER + "".join(rows)))
    bad = [f.row for f in report.warnings if f.message.startswith("Bad date format")]
    assert bad == [9, 109, 209]
    courses = "course_id,short_name,long_name,status,start_date,end_date\n" + "".join(
        f"C{n},C,Course,active,2026-{n % 12 + 1:02d}-31,<delete>\n" for n in range(24))
    report = check(tmp_path, ("courses.csv", courses))
    # day 31 of a 30-day month is bad; <delete> is fine for course dates, every time
    assert [f.row for f in report.warnings] == [
        n + 2 for n in range(24) if n % 12 + 1 in (2, 4, 6, 9, 11)]
    terms = "term_id,name,status,start_date,end_date\nT1,Term,active,2026-01-01,<delete>\n"
    report = check(tmp_path, ("terms.csv", terms))  # but not for a term's
    assert [f.message for f in report.warnings] == ["Bad date format for term T1"]


def test_the_caches_stay_bounded(tmp_path):
    rows = "".join(f"C1,U{n},student,S1,active,2027-01-10T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                   f"{n % 60:02d}Z,\n" for n in range(values.DATE_CACHE_SIZE + 500))
    check(tmp_path, ("enrollments.csv", HEADER + rows))
    assert len(values.KNOWN_GOOD_DATES) <= values.DATE_CACHE_SIZE
    assert values.cached_date_state.cache_info().currsize <= values.DATE_CACHE_SIZE
