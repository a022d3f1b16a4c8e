"""A file lists at most LISTED_PER_MESSAGE rows with one message; the summary still counts
every row, and one notice says how many more there are."""
from __future__ import annotations

from sis_desktop.core.sis_csv import NOTICE, WARNING
from sis_desktop.core.sis_csv.engine import LISTED_PER_MESSAGE

from helpers_sis_csv import check

HEADER = "user_id,login_id,status\n"


def _users(bad: int, good: int = 3) -> str:
    rows = [f"u{i},l{i},bogus\n" for i in range(bad)] + [f"g{i},m{i},active\n" for i in range(good)]
    return HEADER + "".join(rows)


def test_rows_past_the_limit_are_counted_not_listed(tmp_path):
    bad = LISTED_PER_MESSAGE + 1500
    report = check(tmp_path, ("users.csv", _users(bad) + "x,m0,active\n"))
    status = [f for f in report.findings if f.message.startswith("Improper status")]
    assert len(status) == LISTED_PER_MESSAGE
    assert status[-1].row == LISTED_PER_MESSAGE + 1
    claimed = [f for f in report.findings if "already claimed" in f.message]
    assert len(claimed) == 1  # another message keeps its own count
    more = [f for f in report.findings if f.severity == NOTICE and "more rows" in f.message]
    assert [m.message for m in more] == [
        f"1,500 more rows got the same warning as row {LISTED_PER_MESSAGE + 1:,} "
        f"(\"Improper status for user u{LISTED_PER_MESSAGE - 1}\"); only the first "
        f"{LISTED_PER_MESSAGE:,} rows with each message are listed, the summary counts all "
        f"{bad:,}."]
    assert report.unlisted == {WARNING: 1500}
    assert report.summary()["warnings"] == bad + 1
    assert f"{bad + 1:,} warnings" in report.summary_line()


def test_at_the_limit_nothing_is_hidden(tmp_path):
    report = check(tmp_path, ("users.csv", _users(LISTED_PER_MESSAGE)))
    assert len(report.warnings) == LISTED_PER_MESSAGE and not report.unlisted
    assert not any("more rows" in f.message for f in report.findings)


def test_the_sandbox_asks_for_every_row(tmp_path):
    report = check(tmp_path, ("users.csv", _users(LISTED_PER_MESSAGE + 5)), listed_per_message=None)
    assert len(report.warnings) == LISTED_PER_MESSAGE + 5 and not report.unlisted
