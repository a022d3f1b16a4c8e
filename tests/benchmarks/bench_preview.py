"""Benchmark: preview a full batch of one term (1,000,000 enrollments, 200,000 users)
against Canvas's provisioning report of the same size, the report already on disk.

Run by hand: `.venv/bin/python tests/benchmarks/bench_preview.py [ENROLLMENTS]`
(users = enrollments / 5). Each measurement runs in a fresh child process, so the peak
RSS printed is that of the measured work alone (plus the interpreter). Prints the
preview's wall and CPU time and peak RSS beside a bare `csv.reader` pass over the same
files (the upload's CSVs and the report's zip). Goal: ≤ 3× the bare pass, ≤ 300 MB.
"""
from __future__ import annotations

import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROLES = ("student", "student", "student", "teacher", "ta")
DROPPED = 0.01  # share of Canvas's enrollments the upload leaves out


def generate(folder: Path, enrollments: int) -> None:
    rng = random.Random(7)
    n_users = max(enrollments // 5, 1)
    n_courses = max(enrollments // 200, 2)
    users = [f"user{i:07d}" for i in range(n_users)]
    courses = [f"COURSE-{i:05d}" for i in range(n_courses)]
    kept_courses = courses[:-1]  # the upload leaves the last course out
    up = folder / "upload"
    up.mkdir()
    with open(up / "users.csv", "w", newline="") as f:
        f.write("user_id,login_id,first_name,last_name,email,status\n")
        for u in users:
            f.write(f"{u},{u}@school.example,First {u},Last,{u}@school.example,active\n")
    with open(up / "courses.csv", "w", newline="") as f:
        f.write("course_id,short_name,long_name,account_id,term_id,status\n")
        for c in kept_courses:
            f.write(f"{c},{c},Course {c},,F2026,active\n")
    with open(up / "sections.csv", "w", newline="") as f:
        f.write("section_id,course_id,name,status\n")
        for c in kept_courses:
            f.write(f"{c}-S1,{c},Section 1,active\n{c}-S2,{c},Section 2,active\n")
    rows = []
    for i in range(enrollments):
        c = courses[i % n_courses]
        rows.append((c, f"{c}-S{1 + i % 2}", users[rng.randrange(n_users)], ROLES[i % 5]))
    with open(up / "enrollments.csv", "w", newline="") as f:
        f.write("course_id,user_id,role,section_id,status\n")
        for c, s, u, r in rows:
            if c != courses[-1] and rng.random() >= DROPPED:
                f.write(f"{c},{u},{r},{s},active\n")
    # Canvas's side: the provisioning report (zip), every object created by SIS
    files: dict[str, io.StringIO] = {}

    def table(name: str, header: str) -> csv.writer:
        files[name] = io.StringIO()
        files[name].write(header + "\n")
        return csv.writer(files[name], lineterminator="\n")

    w = table("users", "canvas_user_id,user_id,integration_id,authentication_provider_id,login_id,"
                       "first_name,last_name,full_name,sortable_name,short_name,email,status,created_by_sis")
    for i, u in enumerate(users):
        w.writerow([1000 + i, u, "", "", f"{u}@school.example", "First", "Last", u, u, u,
                    f"{u}@school.example", "active", "true"])
    w = table("terms", "canvas_term_id,term_id,name,status,start_date,end_date,created_by_sis")
    w.writerow([1, "", "Default Term", "active", "", "", "false"])
    w.writerow([2, "F2026", "Fall 2026", "active", "", "", "true"])
    w = table("courses", "canvas_course_id,course_id,integration_id,short_name,long_name,"
                         "canvas_account_id,account_id,canvas_term_id,term_id,status,start_date,"
                         "end_date,course_format,canvas_blueprint_course_id,blueprint_course_id,created_by_sis")
    for i, c in enumerate(courses):
        w.writerow([5000 + i, c, "", c, f"Course {c}", 1, "", 2, "F2026", "active", "", "", "",
                    "", "", "true"])
    w = table("sections", "canvas_section_id,section_id,canvas_course_id,course_id,integration_id,"
                          "name,status,start_date,end_date,canvas_account_id,account_id,created_by_sis")
    for i, c in enumerate(courses):
        for k in (1, 2):
            w.writerow([20000 + 2 * i + k, f"{c}-S{k}", 5000 + i, c, "", f"Section {k}", "active",
                        "", "", 1, "", "true"])
    w = table("enrollments", "canvas_course_id,course_id,canvas_user_id,user_id,role,role_id,"
                             "canvas_section_id,section_id,status,canvas_associated_user_id,"
                             "associated_user_id,created_by_sis,base_role_type,"
                             "limit_section_privileges,canvas_enrollment_id")
    index = {c: i for i, c in enumerate(courses)}
    for n, (c, s, u, r) in enumerate(rows):
        i = index[c]
        w.writerow([5000 + i, c, 1000 + int(u[4:]), u, r, 3, 20000 + 2 * i + int(s[-1]), s,
                    "active", "", "", "true", "StudentEnrollment", "false", 900000 + n])
    with zipfile.ZipFile(folder / "report.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("users", "terms", "courses", "sections", "enrollments"):
            archive.writestr(f"{name}.csv", files[name].getvalue())


def upload_paths(folder: Path) -> list[Path]:
    return [folder / "upload" / f"{n}.csv" for n in ("users", "courses", "sections", "enrollments")]


def child_bare(folder: Path) -> dict:
    count = 0
    c0 = time.process_time()
    for path in upload_paths(folder):
        with open(path, newline="", encoding="utf-8") as f:
            for _row in csv.reader(f):
                count += 1
    upload_cpu = time.process_time() - c0
    with zipfile.ZipFile(folder / "report.zip") as archive:
        for name in archive.namelist():
            with io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="") as f:
                for _row in csv.reader(f):
                    count += 1
    return {"rows": count, "upload_cpu": upload_cpu, "report_cpu": time.process_time() - c0 - upload_cpu}


def child_preview(folder: Path) -> dict:
    from datetime import datetime, timezone

    from sis_desktop.core.canvas.options import ImportOptions
    from sis_desktop.core.canvas.reports import AccountReport, FetchedReport
    from sis_desktop.core.preview import UploadIds, compare
    from sis_desktop.core.sis_csv import validate_paths

    options = ImportOptions(batch_mode=True, batch_mode_term_id="sis_term_id:F2026",
                            change_threshold=10)
    ids = UploadIds()
    c0 = time.process_time()
    report = validate_paths(upload_paths(folder), collector=ids)
    validated = time.process_time() - c0
    fetched = FetchedReport(folder / "report.zip", AccountReport(
        id=1, report="provisioning_csv", status="complete",
        created_at=datetime.now(timezone.utc)), "cache")
    result = compare(ids, options, [f.type for f in report.files if f.type], fetched)
    return {"deletes": result.batch.deletes, "would_stop": result.batch.threshold.would_stop,
            "validate_cpu": validated, "compare_cpu": time.process_time() - c0 - validated}


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM starts afresh at exec; ru_maxrss may carry the
    forking parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, folder: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder), *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        folder = Path(sys.argv[3])
        c0, w0 = time.process_time(), time.perf_counter()
        if sys.argv[2] == "generate":
            generate(folder, int(sys.argv[4]))
            info = {}
        else:
            info = child_bare(folder) if sys.argv[2] == "bare" else child_preview(folder)
        info.update(cpu=time.process_time() - c0, wall=time.perf_counter() - w0,
                    rss_mb=peak_rss_mb())
        print(json.dumps(info))
        return
    enrollments = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = measure("generate", folder, str(enrollments))  # in a child: this process stays small
        print(f"{enrollments:,} enrollments, {enrollments // 5:,} users (upload and report); "
              f"generated in {made['wall']:.1f} s")
        bare = measure("bare", folder)
        preview = measure("preview", folder)
        print(f"bare csv.reader pass : wall {bare['wall']:6.2f} s  cpu {bare['cpu']:6.2f} s  "
              f"peak RSS {bare['rss_mb']:6.1f} MB  ({bare['rows']:,} rows)")
        print(f"preview              : wall {preview['wall']:6.2f} s  cpu {preview['cpu']:6.2f} s  "
              f"peak RSS {preview['rss_mb']:6.1f} MB  deletes {preview['deletes']}, "
              f"would stop: {preview['would_stop']}")
        print(f"  of which the upload: bare {bare['upload_cpu']:.2f} s, validation with the id "
              f"collector {preview['validate_cpu']:.2f} s; the report: bare "
              f"{bare['report_cpu']:.2f} s, comparison {preview['compare_cpu']:.2f} s")
        print(f"ratio (cpu)          : {preview['cpu'] / bare['cpu']:.2f}x   (goal ≤ 3x, ≤ 300 MB)")


if __name__ == "__main__":
    main()
