"""Benchmark: `sis-desktop-cli validate --json` against a bare csv.reader, whole processes.

Run by hand: `.venv/bin/python tests/benchmarks/bench_validate.py [--rows 1000000] [--runs 3]`.

Writes files shaped like real SIS exports: enrollments.csv with
`course_id,user_id,role,section_id,status,start_date,end_date` (section ids filled, dates
like 2027-01-10T00:00:00Z from a handful of term dates, a few bad rows), users.csv (one user
per five enrollments) and courses.csv. Then, side by side in one run, best of `--runs`:

  - `sis-desktop-cli validate --json enrollments.csv` vs
    `python -c "sum(1 for _ in csv.reader(f))"` on the same file;
  - the three-file case (courses + users + enrollments) vs the bare reader over the three.

Each command is a fresh process (interpreter start-up included on both sides), timed as
wall time and user+system CPU (the fairer figure on a shared machine). Target ≤ 3×, goal ≤ 2×.
Prints the load average next to the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROLES = ("student",) * 17 + ("teacher", "ta", "observer")
DATES = ("2026-08-24T00:00:00Z", "2026-12-18T23:59:59Z", "2027-01-10T00:00:00Z",
         "2027-05-14T23:59:59Z", "2027-05-28T00:00:00-05:00", "")
BARE = ("import csv, sys\n"
        "n = 0\n"
        "for path in sys.argv[1:]:\n"
        "    with open(path, newline='', encoding='utf-8') as f:\n"
        "        n += sum(1 for _ in csv.reader(f))\n"
        "print(n)\n")


def generate(folder: Path, rows: int, users_count: int) -> dict[str, Path]:
    """courses.csv, users.csv, enrollments.csv in `folder`; a few rows in each are bad."""
    rng = random.Random(13)
    courses = [f"{term}-{dept}{num:03d}-{sec:02d}" for term in ("2026FA", "2027SP")
               for dept in ("MATH", "ENGL", "BIOL", "CHEM", "HIST", "ARTS", "PHYS", "ECON")
               for num in range(100, 100 + max(rows // 3200, 1)) for sec in (1, 2)]
    users = [f"U{100000 + i:07d}" for i in range(users_count)]
    paths = {name: folder / f"{name}.csv" for name in ("courses", "users", "enrollments")}
    with open(paths["courses"], "w", newline="", encoding="utf-8") as f:
        f.write("course_id,short_name,long_name,account_id,term_id,status,start_date,end_date\n")
        for n, c in enumerate(courses):
            term = c[:6]
            start, end = (DATES[0], DATES[1]) if term == "2026FA" else (DATES[2], DATES[3])
            status = "active" if n % 997 else "Actve"  # a typo Canvas skips
            f.write(f"{c},{c},\"{c.replace('-', ' ')}, Section {n % 3 + 1}\",DEPT-{c[7:11]},"
                    f"{term},{status},{start},{end}\n")
    with open(paths["users"], "w", newline="", encoding="utf-8") as f:
        f.write("user_id,integration_id,login_id,first_name,last_name,full_name,email,status\n")
        for n, u in enumerate(users):
            first, last = f"First{n % 3001}", f"O'Last{n % 7919}"
            email = f"{u.lower()}@school.example" if n % 50_000 else f"{u.lower()} at school"
            f.write(f"{u},INT-{u},{u.lower()},{first},{last},\"{last}, {first}\",{email},"
                    f"{'active' if n % 400 else 'deleted'}\n")
    with open(paths["enrollments"], "w", newline="", encoding="utf-8") as f:
        f.write("course_id,user_id,role,section_id,status,start_date,end_date\n")
        for n in range(rows):
            c = courses[n % len(courses)]
            u = users[rng.randrange(len(users))]
            start, end = (DATES[0], DATES[1]) if c.startswith("2026FA") else (DATES[2], DATES[3])
            if n % 250_000 == 1:
                end = "2027-13-01T00:00:00Z"  # a bad date: warned, row kept
            elif n % 20 == 0:
                start, end = DATES[-1], DATES[4]
            role = ROLES[n % len(ROLES)]
            if n % 333_333 == 2:
                role = "professor"  # a custom role that may not exist
            status = ("active", "active", "active", "inactive", "completed")[n % 5]
            if n % 400_000 == 3:
                u = ""  # a row Canvas skips
            f.write(f"{c},{u},{role},{c}-S,{status},{start},{end}\n")
    return paths


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall s, CPU s (user+system of the child) and stdout of one fresh process."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if proc.returncode not in (0, 1):  # validate exits 1 when it finds errors
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, proc.stdout


def cli_path() -> str:
    here = Path(sys.executable).parent / "sis-desktop-cli"
    found = here if here.exists() else shutil.which("sis-desktop-cli")
    if not found:
        raise SystemExit("sis-desktop-cli is not installed next to this Python; pip install -e . first.")
    return str(found)


def compare(label: str, files: list[Path], runs: int) -> tuple[float, float]:
    bare_cmd = [sys.executable, "-c", BARE, *map(str, files)]
    cli_cmd = [cli_path(), "validate", "--json", *map(str, files)]
    bare, cli = [], []
    out = ""
    for _ in range(runs):  # interleaved: both see the same load
        bare.append(run(bare_cmd)[:2])
        wall, cpu, out = run(cli_cmd)
        cli.append((wall, cpu))
    bw, bc = min(w for w, _ in bare), min(c for _, c in bare)
    cw, cc = min(w for w, _ in cli), min(c for _, c in cli)
    summary = json.loads(out)["summary"]
    print(f"{label}  (load {os.getloadavg()[0]:.2f})")
    print(f"  csv.reader process     : {bw:6.2f} s wall  {bc:6.2f} s CPU")
    print(f"  validate --json process: {cw:6.2f} s wall  {cc:6.2f} s CPU   "
          f"({summary['errors']} errors, {summary['warnings']} warnings, {summary['notices']} notices)")
    print(f"  ratio                  : {cw / bw:6.2f}x wall   {cc / bc:6.2f}x CPU   (target <= 3x, goal <= 2x)")
    return cw / bw, cc / bc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="enrollment rows")
    parser.add_argument("--users", type=int, default=None, help="user rows (default rows / 5)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sis-bench-") as tmp:
        paths = generate(Path(tmp), args.rows, args.users or max(args.rows // 5, 1))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in paths.values())
        print(f"{args.rows:,} enrollment rows; {sizes}; best of {args.runs}, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()}")
        compare("enrollments.csv alone", [paths["enrollments"]], args.runs)
        compare("courses + users + enrollments", list(paths.values()), args.runs)


if __name__ == "__main__":
    main()
