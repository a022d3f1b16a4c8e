"""The validator parses and validates like Canvas; each test names the Canvas (or Ruby CSV)
code it follows."""
from __future__ import annotations

import json

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.sis_csv import CANVAS, ERROR, SIS_DESKTOP, WARNING
from sis_desktop.core.sis_csv.rowsep import RowSeparator, StrayLineBreak

from helpers_sis_csv import check, write

USERS_HEAD = "user_id,login_id,status"


def messages(report, severity=WARNING):
    """Canvas's own messages of this severity (the app's summary warnings, such as "rows
    referencing accounts not in this upload will be skipped", are left out)."""
    return [(f.row, f.message) for f in report.findings if f.severity == severity
            and (f.from_canvas or severity != WARNING)]


# ---- 7. Ruby's CSV: one row separator per file (csv/parser.rb detect_row_separator and
# "Unquoted fields do not allow new line"), caught by SIS::CSV::ImportRefactored as
# "Malformed CSV".

@pytest.mark.parametrize("text", [
    "user_id,login_id,status\nu1,l1,act\rive\n",        # bare CR inside an LF file
    "user_id,login_id,status\nu1,l1,active\r\n",        # a CRLF line in an LF file
    "user_id,login_id,status\r\nu1,l1,active\n",        # an LF line in a CRLF file
    "user_id,login_id,status\ru1,l1,active\nu2,l2,active\r",  # LF in a CR file
])
def test_stray_line_break_is_malformed(tmp_path, text):
    report = check(tmp_path, ("users.csv", text))
    assert messages(report, ERROR) == [(None, "Malformed CSV")]
    assert any("line break outside quotes" in f.message for f in report.notices)
    assert report.files[0].type is None


@pytest.mark.parametrize("text", [
    "user_id,login_id,status\nu1,l1,active\nu2,l2,active\n",
    "user_id,login_id,status\r\nu1,l1,active\r\n",
    "user_id,login_id,status\ru1,l1,active\r",
    'user_id,login_id,status,full_name\nu1,l1,active,"Two\r\nlines"\n',  # quoted: allowed
])
def test_one_line_ending_per_file_is_fine(tmp_path, text):
    report = check(tmp_path, ("users.csv", text))
    assert report.ok and report.files[0].rows >= 1


def test_row_separator_across_chunks():
    sep = RowSeparator()
    for chunk in ("a,b\r", "\nc,d\r", "\n", '"x\r', 'y",z\r\n'):
        sep.feed(chunk)
    assert sep.sep == "\r\n"
    with pytest.raises(StrayLineBreak) as caught:
        sep.feed("e,f\r\ng\rh\r\n")
    assert (caught.value.char, caught.value.sep) == ("\r", "\r\n")
    assert caught.value.explain(7).startswith("Line 6 holds a CR line break outside quotes")


def test_stray_line_break_far_down_names_its_line(tmp_path):
    rows = "".join(f"u{i},l{i},active\r\n" for i in range(2, 6000))
    report = check(tmp_path, ("users.csv", f"{USERS_HEAD}\r\n{rows}u6000,l6000,active\n"))
    assert messages(report, ERROR) == [(None, "Malformed CSV")]
    assert any(f.message.startswith("Line 6000 holds a LF line break") for f in report.notices)


def test_value_beyond_the_header_is_not_blank(tmp_path):
    # SIS::CSV::CSVBaseImporter#csv_rows: `next if row.to_hash.values.all?(&:nil?)`; a field
    # beyond the header sits under the nil header, so the row is processed.
    report = check(tmp_path, ("users.csv", f"{USERS_HEAD}\n,,,extra\n,,,\n,,,,later\n"))
    assert messages(report) == [(2, "No user_id given for a user")]
    assert report.files[0].rows == 1  # `,,,,later` is blank: only the first nil-header field counts


def test_duplicate_header_only_first_column_counts(tmp_path):
    # CSV::Row#to_hash keeps the first field of a repeated header name
    report = check(tmp_path, ("users.csv", "user_id,login_id,status,status\n,,,active\n"))
    assert messages(report) == [] and report.files[0].rows == 0


# ---- 8. Model validations that need nothing but the upload

def test_group_category_name_in_use(tmp_path):
    # GroupCategory validates_each :name ("… is already in use."), reported by
    # SIS::GroupCategoryImporter as "A group category did not pass validation …"
    report = check(tmp_path, ("group_categories.csv",
                              "group_category_id,category_name,account_id,course_id,status\n"
                              "gc1,Projects,,,active\n"
                              "gc2,Projects,,,active\n"       # same (root) context: refused
                              "gc3,Projects,A1,,active\n"     # another context: fine
                              "gc1,Renamed,,,active\n"        # gc1 frees its old name
                              "gc4,Projects,,,active\n"
                              "gc5,Gone,,,deleted\n"
                              "gc6,Gone,,,active\n"))        # deleted categories hold no name
    assert messages(report) == [(3, "A group category did not pass validation (group category: "
                                    "gc2, error: Name Projects is already in use.)")]


def test_login_existing_ids_must_name_one_login(tmp_path):
    # SIS::UserImporter (login_only): the found pseudonym must match every existing_* value
    report = check(tmp_path,
                   ("users.csv", "user_id,login_id,status,integration_id\n"
                                 "u1,l1,active,i1\nu2,l2,active,i2\nu3,l3,active,\n"),
                   ("logins.csv", "user_id,login_id,existing_user_id,existing_integration_id\n"
                                  "x1,lx1,u1,i1\n"     # same login: fine
                                  "x2,lx2,u1,i2\n"     # i2 belongs to u2
                                  "x3,lx3,u3,i1\n"     # i1 belongs to u1
                                  "x4,lx4,u1,zz\n"     # u1's integration_id is i1
                                  "x5,lx5,u3,new\n"))  # u3 has none in the upload: unknown
    text = "An existing user does not match existing user ids provided for login with SIS ID {}, skipping"
    assert messages(report) == [(3, text.format("x2")), (4, text.format("x3")),
                                (5, text.format("x4"))]


def test_change_sis_id_new_id_already_taken(tmp_path):
    # SIS::ChangeSisIdImporter: a new_id that an object of that type already has
    report = check(tmp_path, ("change_sis_ids.csv",
                              "old_id,new_id,old_integration_id,new_integration_id,type\n"
                              "A,N,,,course\n"
                              "B,N,,,course\n"     # N was given to A's course just before
                              "C,N,,,section\n"    # another type: fine
                              "U1,M,,,user\n"
                              "U2,M,,,user\n"
                              ",,I1,J,user\n"
                              ",,I2,J,user\n"
                              "N,P,,,course\n"     # N moves on to P …
                              "D,N,,,course\n"))   # … so N is free again
    assert messages(report) == [
        (3, "A new_id, 'N', referenced an existing course and the course with sis_source_id "
            "'B' was not updated"),
        (6, "A new_id, 'M', referenced an existing user and the user with sis_user_id 'U2' "
            "was not updated"),
        (8, "A new_integration_id, 'J', referenced an existing user and the user with "
            "integration_id 'I2' was not updated")]


def test_account_parent_loop_across_rows(tmp_path):
    # The Account model's parent-loop validation ("… would create a loop", reported verbatim
    # by SIS::AccountImporter) when a row re-parents an account under its own descendant
    report = check(tmp_path, ("accounts.csv", "account_id,parent_account_id,name,status\n"
                                              "A,,Alpha,active\nB,A,Beta,active\n"
                                              "C,B,Gamma,active\nA,C,Alpha,active\n"
                                              "D,X,Delta,active\nX,D,Ex,active\n"))
    assert messages(report) == [(5, "Setting account A's parent to C would create a loop")]


# ---- 9. The app's own findings are marked apart from Canvas's

def test_source_in_validate_json(tmp_path, capsys):
    empty = write(tmp_path, "empty.csv", "")
    assert main(["validate", "--json", str(empty)]) == 1
    data = json.loads(capsys.readouterr().out)
    nothing = [m for m in data["messages"] if m["message"].startswith("Nothing in this upload")]
    assert nothing and nothing[0]["severity"] == ERROR and nothing[0]["source"] == SIS_DESKTOP
    bad = write(tmp_path, "bad.csv", "user_id,login_id,status\nu1,,active\n")
    assert main(["validate", "--json", str(bad)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["messages"][0]["source"] == CANVAS
    assert main(["validate", str(empty)]) == 1
    assert "error   [SIS Desktop] Nothing in this upload" in capsys.readouterr().out


def test_account_parent_loop_across_files(tmp_path):
    # the second file re-parents A under its own grandchild from the first file
    report = check(tmp_path,
                   ("a1.csv", "account_id,parent_account_id,name,status\n"
                              "A,,Alpha,active\nB,A,Beta,active\nC,B,Gamma,active\n"),
                   ("a2.csv", "account_id,parent_account_id,name,status\nA,C,Alpha,active\n"
                              "N,C,New,active\n"))
    assert messages(report) == [(2, "Setting account A's parent to C would create a loop")]


def test_parents_that_come_later_past_the_listing_limit_are_counted(tmp_path):
    from sis_desktop.core.sis_csv.engine import LISTED_PER_MESSAGE
    n = LISTED_PER_MESSAGE + 500
    rows = "".join(f"a{i},a{i + 1},N,active\n" for i in range(n))  # each parent: the next row
    rows += "".join(f"m{i},gone{i},N,active\n" for i in range(5))  # parents nowhere
    report = check(tmp_path, ("accounts.csv", "account_id,parent_account_id,name,status\n" + rows))
    texts = [f.message for f in report.findings]
    later = [t for t in texts if t.startswith("Parent account ")]
    assert len(later) == LISTED_PER_MESSAGE
    assert ("499 more accounts (not listed one by one) name a parent account that comes later "
            "in this upload") in " ".join(texts)
    missing = [t for t in texts if "account that are not in this upload" in t
               or "accounts that are not in this upload" in t]
    assert len(missing) == 1 and missing[0].startswith("6 ")  # a1500's parent, and the 5
    assert "(e.g. gone2, gone3, gone4, …)" in missing[0]  # the last ones past the limit
