"""Benchmark: peak RSS and time of `sis-desktop-cli validate` on hostile 200 MB inputs.

Run by hand: `.venv/bin/python tests/benchmarks/bench_validate_memory.py [MB]`.
Each input runs in a fresh child; the peak RSS is `ru_maxrss` of that child (target: under
200 MB whatever the input). Shapes: one line with no newline, a header then one huge line,
a quoted field that never closes (short lines inside it), and a well-formed users.csv of
that size (2.76 million distinct users and logins at 200 MB: above engine.COMPACT_FROM the
claimed-login check keeps them as hashes, `sis_csv.compact`, not as strings).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = b"user_id,login_id,first_name,last_name,email,status\n"


def write(path: Path, shape: str, size: int) -> None:
    with open(path, "wb") as fh:
        if shape != "no-newline":
            fh.write(HEADER)
        if shape == "open-quote":
            fh.write(b'u1,"')
        n = 0
        while fh.tell() < size:
            if shape == "users":
                fh.write(b"".join(f"u{i},l{i},F{i},L{i},u{i}@example.edu,active\n".encode()
                                  for i in range(n, n + 10_000)))
                n += 10_000
            elif shape == "open-quote":
                fh.write(b"ab\n" * (1 << 18))
            else:
                fh.write(b"x," * (1 << 19))


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
        for shape in ("no-newline", "second-line", "open-quote", "users"):
            path = Path(folder) / "users.csv"
            write(path, shape, size)
            took, peak_mb, code = measure(path)
            print(f"{shape:<12} {path.stat().st_size / 2**20:6.0f} MB file: {took:6.2f} s, "
                  f"peak RSS {peak_mb:6.0f} MB, exit {code}")
            path.unlink()


if __name__ == "__main__":
    main()
