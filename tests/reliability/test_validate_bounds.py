"""validate holds no field and no line beyond what Canvas could ever store: an over-long
field or line is a "Field too long" finding (the check of that file stops there), peak RSS
stays under 200 MB even for a 200 MB one-line file, big files keep their ids as hashes, a
file lists at most 1,000 rows per message, and a FIFO is refused, not read."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sis_desktop.core.sis_csv import ERROR, validate_paths
from sis_desktop.core.sis_csv.engine import MAX_FIELD_CHARS, MAX_LINE_CHARS

from tests.conftest import installed_script

HEADER = "user_id,login_id,first_name,last_name,status\n"
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, peak_kb)
print(done.stdout)
"""


def _peak_rss(*argv: str) -> tuple[int, int, str]:
    """Exit code, peak RSS in bytes and stdout of a command, measured in a fresh parent."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *argv], capture_output=True,
                          text=True, timeout=300)
    first, _, out = done.stdout.partition("\n")
    code, peak_kb = map(int, first.split())
    return code, peak_kb * 1024, out


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux")
@pytest.mark.parametrize("shape", ["no-newline", "second-line", "open-quote"])
def test_validate_of_a_200_mb_file_stays_under_200_mb_rss(tmp_path, shape):
    path = tmp_path / "users.csv"
    block = b"x" * (1 << 20)
    with open(path, "wb") as fh:
        if shape != "no-newline":
            fh.write(HEADER.encode())
        if shape == "open-quote":
            fh.write(b'u1,"')
            block = b"ab\n" * (1 << 18)
        while fh.tell() < 200 << 20:
            fh.write(block)
    code, peak, out = _peak_rss(str(installed_script("sis-desktop-cli")), "validate", str(path))
    assert code == 1, out
    assert "Field too long" in out
    assert peak < 200 << 20, f"peak RSS {peak / 2**20:.0f} MB"


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux")
def test_validate_of_a_big_well_formed_users_file_keeps_its_ids_compactly(tmp_path):
    """A 64 MB users.csv of 880,000 distinct users and logins: kept as Python strings, the
    claimed-login check alone would need ~250 MB; above engine.COMPACT_FROM they are
    hashes (a 200 MB file peaks at ~156 MB, tests/benchmarks/bench_validate_memory.py).
    The two claimed logins near the end still name the user who has each one."""
    path = tmp_path / "users.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        i = 0
        while fh.tell() < 64 << 20:
            fh.write("".join(f"u{n},l{n},F{n},L{n},active\n" for n in range(i, i + 10_000)))
            i += 10_000
        fh.write("x1,L17,F,L,active\nx2,l2,F,L,active\n")  # logins compare case-blind
    code, peak, out = _peak_rss(str(installed_script("sis-desktop-cli")), "validate", str(path))
    assert code == 0, out  # warnings only
    assert f"users.csv: user, {i + 2:,} rows" in out
    assert "An existing Canvas user with the SIS ID u17 has already claimed x1's" in out
    assert "An existing Canvas user with the SIS ID u2 has already claimed x2's" in out
    assert peak < 128 << 20, f"peak RSS {peak / 2**20:.0f} MB"


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux")
def test_validate_of_a_file_whose_every_row_is_wrong_lists_a_thousand(tmp_path):
    """64 MB of users with an improper status (a wrong column mapping does this): listing
    one finding a row would take ~560 MB; the first 1,000 are listed, the rest counted."""
    path = tmp_path / "users.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        i = 0
        while fh.tell() < 64 << 20:
            fh.write("".join(f"u{n},l{n},F{n},L{n},enrolled\n" for n in range(i, i + 10_000)))
            i += 10_000
    code, peak, out = _peak_rss(str(installed_script("sis-desktop-cli")), "validate", str(path))
    assert out.count("Improper status for user") == 1001, out[-2000:]  # 1,000 + the notice
    assert f"{i - 1000:,} more rows got the same warning as row 1,001" in out
    assert f"1 file, {i:,} rows: no errors, {i:,} warnings, 1 notice." in out
    assert code == 0
    assert peak < 128 << 20, f"peak RSS {peak / 2**20:.0f} MB"


@pytest.mark.parametrize("order", ["parents-first", "parents-last"])
def test_validate_of_a_very_deep_account_tree_ends(tmp_path, order):
    """300,000 accounts nested one in the next, then one row closing a loop near the top.
    The loop check follows parents only from an account that already has children, and
    only 32 levels up: this takes seconds, where following every chain to its root would
    take hours (and the subprocess timeout would fail the test)."""
    count = 300_000
    if order == "parents-first":
        rows = [f"a{i},{f'a{i - 1}' if i else ''},N,active\n" for i in range(count)]
    else:
        rows = [f"a{i},a{i + 1},N,active\n" for i in range(count)]
    rows.append("a1,a5,N,active\n")  # a5 is a1's descendant (parents first) or ancestor
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,parent_account_id,name,status\n" + "".join(rows), encoding="utf-8")
    done = subprocess.run([str(installed_script("sis-desktop-cli")), "validate", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr
    loop = "Setting account a1's parent to a5 would create a loop"
    assert (loop in done.stdout) == (order == "parents-first"), done.stdout[-1500:]
    if order == "parents-last":
        assert "comes later in this upload" in done.stdout
        assert f"{count - 1000 - 1:,} more accounts (not listed one by one)" in done.stdout


def test_a_field_over_the_limit_is_a_finding(tmp_path):
    path = tmp_path / "users.csv"
    field = "a short line inside one quoted field\n" * (MAX_FIELD_CHARS // 36)  # over the cap
    path.write_text(HEADER + "u1,l1,A,B,active\n" + f'u2,l2,"{field}",B,active\n'
                    + "u3,l3,A,B,active\n")
    report = validate_paths([path])
    (finding,) = report.errors
    assert finding.severity == ERROR
    assert finding.message.startswith("Field too long: a field running up to line ")
    assert "is longer than 1 MB" in finding.message


def test_a_field_just_under_the_limit_is_fine(tmp_path):
    path = tmp_path / "users.csv"
    field = "a short line inside one quoted field\n" * (MAX_FIELD_CHARS // 38)  # under the cap
    path.write_text(HEADER + f'u1,l1,"{field}",B,active\n')
    report = validate_paths([path])
    assert report.errors == [] and report.files[0].rows == 1


def test_a_line_over_the_limit_is_a_finding_even_with_short_fields(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "u1,l1,A,B,active\n" + "a," * (MAX_LINE_CHARS // 2 + 10) + "\n")
    (finding,) = validate_paths([path]).errors
    assert finding.message.startswith("Field too long: line 3 is longer than 1 MB")


def test_an_over_long_header_is_a_finding(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("user_id," * (MAX_LINE_CHARS // 8 + 10))
    (finding,) = validate_paths([path]).errors
    assert finding.message.startswith("Field too long: the header row is longer than 1 MB")


@pytest.mark.skipif(os.name == "nt", reason="FIFOs are POSIX")
def test_validate_refuses_a_fifo_in_core(tmp_path):
    from sis_desktop.core.sis_csv import UnreadablePath
    fifo = tmp_path / "users.csv"
    os.mkfifo(fifo)
    with pytest.raises(UnreadablePath, match="named pipe"):
        validate_paths([fifo])
