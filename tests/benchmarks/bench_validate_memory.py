"""Benchmark: peak RSS and time of `sis-desktop-cli validate` on hostile 200 MB inputs.

Run by hand: `.venv/bin/python tests/benchmarks/bench_validate_memory.py [MB [SHAPE...]]`.
Each input runs in a fresh child; the peak RSS is `ru_maxrss` of that child (target: under
200 MB whatever the input). Shapes: one line with no newline, a header then one huge line,
a quoted field that never closes (short lines inside it), and a well-formed users.csv of
that size (2.76 million distinct users and logins at 200 MB: above engine.COMPACT_FROM the
claimed-login check keeps them as hashes, `sis_csv.compact`, not as strings), the same users
with an improper status on every row (listed 1,000 times, counted for the rest), accounts
nested one in the next (shortest rows: the most ids per MB), accounts whose every parent is
on the next row, and enrollments.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = b"user_id,login_id,first_name,last_name,email,status\n"


ACCOUNTS = b"account_id,parent_account_id,name,status\n"
SHAPES = ("no-newline", "second-line", "open-quote", "users", "users-all-bad", "accounts-nested",
          "accounts-parents-last", "enrollments")


def write(path: Path, shape: str, size: int) -> None:
    with open(path, "wb") as fh:
        if shape.startswith("accounts") or shape == "enrollments":
            _write_rows(fh, shape, size)
            return
        if shape != "no-newline":
            fh.write(HEADER)
        if shape == "open-quote":
            fh.write(b'u1,"')
        n = 0
        while fh.tell() < size:
            if shape.startswith("users"):
                status = "active" if shape == "users" else "enrolled"  # all-bad: every row warned
                fh.write(b"".join(f"u{i},l{i},F{i},L{i},u{i}@example.edu,{status}\n".encode()
                                  for i in range(n, n + 10_000)))
                n += 10_000
            elif shape == "open-quote":
                fh.write(b"ab\n" * (1 << 18))
            else:
                fh.write(b"x," * (1 << 19))


def _write_rows(fh, shape: str, size: int) -> None:
    """Accounts nested one in the next (parents first, or every parent on the next row),
    or enrollments of 100,000 users in 2,000 sections with dates."""
    if shape == "enrollments":
        fh.write(b"course_id,user_id,role,section_id,status,start_date,end_date\n")
    else:
        fh.write(ACCOUNTS)
    n = 0
    while fh.tell() < size:
        rows = range(n, n + 10_000)
        if shape == "accounts-nested":
            text = "".join(f"a{i},{f'a{i - 1}' if i else ''},N{i},active\n" for i in rows)
        elif shape == "accounts-parents-last":
            text = "".join(f"a{i},a{i + 1},N{i},active\n" for i in rows)
        else:
            text = "".join(f"C{i % 2000},u{i % 100_000},student,S{i % 2000},active,"
                           f"2027-01-10T00:00:00Z,2027-05-20T00:00:00Z\n" for i in rows)
        fh.write(text.encode())
        n += 10_000


def measure(path: Path) -> tuple[float, float, int]:
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "r = subprocess.run(sys.argv[1:], capture_output=True); "
              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    cli = Path(sys.executable).with_name("sis-desktop-cli")
    out = subprocess.run([sys.executable, "-c", script, str(cli), "validate", str(path)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def main() -> None:
    size = int(sys.argv[1] if len(sys.argv) > 1 else 200) << 20
    with tempfile.TemporaryDirectory() as folder:
        for shape in sys.argv[2:] or SHAPES:
            path = Path(folder) / f"{shape.split('-')[0]}.csv"
            write(path, shape, size)
            took, peak_mb, code = measure(path)
            print(f"{shape:<22} {path.stat().st_size / 2**20:6.0f} MB file: {took:6.2f} s, "
                  f"peak RSS {peak_mb:6.0f} MB, exit {code}")
            path.unlink()


if __name__ == "__main__":
    main()
