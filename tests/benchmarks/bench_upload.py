"""Upload benchmark (run by hand; not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_upload.py [--size-mib 1024] [--runs 3]

Makes a 1 GiB big.zip of random blocks in a temp folder, starts a loopback server (its own
process) that reads and discards request bodies, then, side by side and round-robin, runs
`sis-desktop-cli import big.zip --no-validate --json` (whole process; it reads the file once
and hashes nothing), `create_import` alone (which takes the sha256 from the upload body, as
the app does for an upload nobody validated), a bare sha256 of the file, and
`curl -F attachment=@big.zip` against that server. Prints
best-of-N wall time, MB/s, CPU time, the ratios to curl and each uploader's peak RSS.
Targets: peak RSS < 150 MB, wall time within 1.5x of curl (goal 1.1x).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = r'''
import json, socket, socketserver, sys
CREATED = json.dumps({"id": 1, "workflow_state": "created", "progress": 0}).encode()

class Sink(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        buf = bytearray(4 << 20)
        view = memoryview(buf)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                return
            head += chunk
        head, rest = head.split(b"\r\n\r\n", 1)
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding"):
            sock.sendall(b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if headers.get(b"expect", b"").lower() == b"100-continue":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        left = int(headers.get(b"content-length", b"0")) - len(rest)
        while left > 0:
            n = sock.recv_into(view, min(left, len(buf)))
            if not n:
                return
            left -= n
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(CREATED)).encode() + b"\r\nConnection: close\r\n\r\n" + CREATED)

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

with Server(("127.0.0.1", 0), Sink) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
'''

CLIENT = r'''
import sys, time
from sis_desktop.core.canvas.client import CanvasClient
url, path, raw = sys.argv[1], sys.argv[2], sys.argv[3] == "raw"
client = CanvasClient(url, "bench-token", 1, timeout=(10, 600))
digests = []
start = time.perf_counter()
sis_import = client.create_import(path, raw=raw, on_hashed=digests.extend)
elapsed = time.perf_counter() - start
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
assert len(digests) == 1 and len(digests[0].sha256) == 64
print(elapsed, hwm / 1024, sis_import.id)
'''

HASH = r'''
import hashlib, sys
digest, buffer = hashlib.sha256(), bytearray(120 << 10)  # the upload body's block size
view = memoryview(buffer)
with open(sys.argv[1], "rb") as fh:
    while n := fh.readinto(buffer):
        digest.update(view[:n])
'''


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(16 << 20)
    with open(path, "wb") as fh:
        left = size_mib << 20
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)


def warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(16 << 20):
            pass


def timed(cmd: list[str], report: Path, env: dict[str, str]) -> dict[str, float | None]:
    """Wall seconds, CPU seconds (user+system) and peak RSS (MB) of one child process.

    A child's ru_maxrss counts the parent's memory image it was forked from, so the peak
    (and CPU) come from GNU time when installed; the client script also reports its own
    VmHWM, which is exact and wins."""
    gnu_time = shutil.which("time")  # the program, not the shell's keyword
    full = [gnu_time, "-f", "%M %U %S", "-o", str(report), *cmd] if gnu_time else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.strip()}")
    result: dict[str, float | None] = {"wall": wall, "cpu": None, "rss": None, "upload": None}
    if gnu_time:
        peak_kb, user, system = report.read_text().split()[-3:]
        result.update(rss=int(peak_kb) / 1024, cpu=float(user) + float(system))
    fields = out.split()
    if len(fields) == 3 and not out.lstrip().startswith("{"):  # "<upload s> <VmHWM MB> <id>"
        result.update(upload=float(fields[0]), rss=float(fields[1]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("curl"):
        print("curl is needed for the comparison.", file=sys.stderr)
        return 2
    cli = Path(sys.executable).parent / "sis-desktop-cli"
    if not cli.exists():
        print("sis-desktop-cli is not installed next to this Python (pip install -e .).",
              file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="sis-bench-"))
    server = None
    try:
        data = folder / "big.zip"
        make_file(data, args.size_mib)
        size_mb = data.stat().st_size / 1e6
        server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        target = f"{url}/api/v1/accounts/1/sis_imports"
        env = dict(os.environ, CANVAS_API_TOKEN="bench-token",
                   SIS_DESKTOP_CONFIG_DIR=str(folder / "config"),
                   SIS_DESKTOP_DATA_DIR=str(folder / "data"))
        cli_args = ["--url", url, "--account", "1", "import", str(data), "--no-validate", "--json"]
        uploaders = {
            "curl -F attachment=@big.zip": ["curl", "-sS", "-o", "/dev/null", "-H",
                                            "Authorization: Bearer bench-token",
                                            "-F", f"attachment=@{data}", target],
            "cli import --no-validate": [str(cli), *cli_args],
            "create_import (multipart)": [sys.executable, "-c", CLIENT, url, str(data), "multipart"],
            "sha256 of the file alone": [sys.executable, "-c", HASH, str(data)],
        }
        runs: dict[str, list[dict[str, float | None]]] = {name: [] for name in uploaders}
        for _ in range(args.runs):  # round-robin, each after a read that warms the page cache
            for name, cmd in uploaders.items():
                warm(data)
                runs[name].append(timed(cmd, folder / "time.txt", env))

        def best(name: str, key: str) -> float | None:
            values = [r[key] for r in runs[name] if r[key] is not None]
            return min(values) if values else None

        curl = "curl -F attachment=@big.zip"
        curl_wall, curl_cpu = best(curl, "wall"), best(curl, "cpu")
        print(f"file: {size_mb:,.0f} MB of random data; best of {args.runs}; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'uploader':<28}{'wall s':>8}{'x curl':>8}{'MB/s':>8}"
              f"{'CPU s':>8}{'x curl':>8}{'peak RSS MB':>13}")
        for name in uploaders:
            wall, cpu = best(name, "wall"), best(name, "cpu")
            peak = max((r["rss"] for r in runs[name] if r["rss"] is not None), default=None)
            print(f"{name:<28}{wall:>8.2f}{wall / curl_wall:>8.2f}{size_mb / wall:>8.0f}"
                  + (f"{cpu:>8.2f}{cpu / curl_cpu:>8.2f}" if cpu is not None and curl_cpu else f"{'n/a':>16}")
                  + (f"{peak:>13.1f}" if peak is not None else f"{'n/a':>13}"))
        print("wall s: whole process, start-up included (target <= 1.5x curl, goal 1.1x); CPU s: "
              "user+system (less sensitive to other load); peak RSS target < 150 MB. "
              "The CLI reads the file once and hashes nothing (--no-validate). sha256 alone: the "
              "floor of any upload that hashes what it sends.")
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
