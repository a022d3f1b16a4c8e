"""`sis-desktop-cli validate`: exit codes, the readable report and the exact --json shape."""
from __future__ import annotations

import json

from helpers_sis_csv import write

from sis_desktop.cli.main import main

GOOD = "user_id,login_id,status\nu1,l1,active\nu2,,active\n"


def test_readable_report_and_exit_0(tmp_path, capsys):
    path = write(tmp_path, "users.csv", GOOD)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "users.csv: user, 2 rows",
        "  warning row 3: No login_id given for user u2",
        "1 file, 2 rows: no errors, 1 warning, no notices."]


def test_errors_exit_1(tmp_path, capsys):
    path = write(tmp_path, "x.csv", "what,ever\n1,2\n")
    assert main(["validate", str(path)]) == 1
    assert "error   Couldn't find Canvas CSV import headers" in capsys.readouterr().out


def test_json_shape(tmp_path, capsys):
    users = write(tmp_path, "users.csv", GOOD + "".join(f"u{i},,active\n" for i in range(30)))
    bad = write(tmp_path, "bad.csv", b"user_id,login_id,status\nu1,\xff,active\n")
    assert main(["validate", "--json", str(users), str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["files", "messages", "summary"]
    assert data["files"] == [{"name": "users.csv", "type": "user", "rows": 32},
                             {"name": "bad.csv", "type": None, "rows": 0}]
    assert data["summary"] == {"errors": 1, "warnings": 31, "notices": 1}
    assert len(data["messages"]) == 33  # not capped at 24
    assert data["messages"][0] == {"severity": "warning", "file": "users.csv", "row": 3,
                                   "message": "No login_id given for user u2", "source": "canvas"}
    assert {"severity": "error", "file": "bad.csv", "row": None,
            "message": "Invalid UTF-8", "source": "canvas"} in data["messages"]
    assert all(m["source"] == "sis-desktop" for m in data["messages"] if m["severity"] == "notice")


def test_unreadable_path_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sis-desktop-cli: ") and "does not exist." in err
    assert "Traceback" not in err
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
