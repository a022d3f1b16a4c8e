"""Benchmark: validate a 1,000,000-row enrollments.csv against a bare csv.reader pass.

Run by hand: `.venv/bin/python tests/benchmarks/bench_validate.py [ROWS]`.
Prints both times (best of 5, CPU and wall), their ratio (target ≤ 3×, goal 2×) and the
peak RSS, for enrollments.csv alone (every reference unresolved) and with the users.csv and
courses.csv it references (every reference looked up; the users are in random order, the
worst case for the lookups' memory locality).
"""
from __future__ import annotations

import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from sis_desktop.core.sis_csv import validate_paths

ROLES = ("student", "student", "student", "teacher", "ta")


def generate(folder: Path, rows: int) -> list[Path]:
    rng = random.Random(7)
    courses = [f"COURSE-{i:05d}" for i in range(max(rows // 200, 1))]
    users = [f"user{i:07d}" for i in range(max(rows // 5, 1))]
    paths = []
    with open(folder / "courses.csv", "w", newline="") as f:
        f.write("course_id,short_name,long_name,account_id,term_id,status\n")
        for c in courses:
            f.write(f"{c},{c},Course {c},ACC-1,2026-FALL,active\n")
    with open(folder / "users.csv", "w", newline="") as f:
        f.write("user_id,login_id,first_name,last_name,email,status\n")
        for u in users:
            f.write(f"{u},{u}@school.example,First {u},Last,{u}@school.example,active\n")
    with open(folder / "enrollments.csv", "w", newline="") as f:
        f.write("course_id,user_id,role,section_id,status,associated_user_id\n")
        for i in range(rows):
            c = courses[i % len(courses)]
            f.write(f"{c},{users[rng.randrange(len(users))]},{ROLES[i % 5]},,active,\n")
    paths = [folder / "courses.csv", folder / "users.csv", folder / "enrollments.csv"]
    return paths


def bare_pass(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            for _row in csv.reader(f):
                count += 1
    return count


REPEAT = 5


def cpu_wall(fn, *args) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    fn(*args)
    return time.process_time() - c0, time.perf_counter() - w0


def compare(paths: list[Path]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Best (CPU s, wall s) of REPEAT runs of each, the two interleaved so that both see the
    same machine load: CPU time is the fairer figure on a shared machine."""
    bare = checked = (float("inf"), float("inf"))
    for _ in range(REPEAT):
        bare = min(bare, cpu_wall(bare_pass, paths))
        checked = min(checked, cpu_wall(validate_paths, paths))
    return bare, checked


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), rows)
        size = sum(p.stat().st_size for p in paths)
        print(f"{rows:,} enrollment rows (+ users, courses), {size / 1e6:.1f} MB in {len(paths)} files")
        for label, subset in (("enrollments.csv alone", paths[2:]),
                              ("courses + users + enrollments", paths)):
            (bare_cpu, bare_wall), (check_cpu, check_wall) = compare(subset)
            print(f"{label}:")
            print(f"  csv.reader pass : {bare_cpu:6.2f} s CPU ({bare_wall:.2f} s wall)")
            print(f"  validate_paths  : {check_cpu:6.2f} s CPU ({check_wall:.2f} s wall)")
            print(f"  ratio           : {check_cpu / bare_cpu:6.2f}x CPU  (target <= 3x, goal 2x)")
        report = validate_paths(paths)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS          : {peak:6.0f} MB")
    print(report.summary_line())


if __name__ == "__main__":
    main()
