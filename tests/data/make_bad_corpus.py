"""Builds the bad-input corpus under tests/data/bad/ (small files, committed) and, for the
tests, the large ones into a temporary folder (never committed).

    .venv/bin/python tests/data/make_bad_corpus.py        # rewrites tests/data/bad/

Each entry of `SMALL` is a file name and a function returning its bytes; `make_big(dest)`
writes the 10 MB single-line CSVs and the zip bomb.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

BAD_DIR = Path(__file__).resolve().parent / "bad"
USERS_HEADER = "user_id,login_id,first_name,last_name,email,status\n"
USERS_ROWS = ("u1,u1,Ada,Lovelace,ada@example.edu,active\n"
              "u2,u2,Alan,Turing,alan@example.edu,active\n")
BIG_LINE_BYTES = 10 * 1024 * 1024
BOMB_RATIO = 100


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _users() -> bytes:
    return (USERS_HEADER + USERS_ROWS).encode()


SMALL = {
    "empty.csv": lambda: b"",
    "header_only.csv": lambda: USERS_HEADER.encode(),
    # a PNG signature and NUL bytes, named .csv
    "binary.csv": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "utf16.csv": lambda: (USERS_HEADER + USERS_ROWS).encode("utf-16"),  # with its BOM
    "latin1.csv": lambda: (USERS_HEADER + "u3,u3,Jos\xe9,Mu\xf1oz,jose@example.edu,active\n"
                           ).encode("latin-1"),
    "open_quote.csv": lambda: (USERS_HEADER
                               + 'u4,u4,"Grace,Hopper,grace@example.edu,active\n').encode(),
    "not_a_zip.zip": lambda: b"This is a text file wearing a .zip name.\n",
    "readme_only.zip": lambda: _zip({"README.txt": b"No CSV files in here.\n"}),
    "nested.zip": lambda: _zip({"inner.zip": _zip({"users.csv": _users()})}),
    "name with spaces \u00e9l\u00e8ves \u5b66\u751f.csv": lambda: _users(),
}


def write_small(dest: Path = BAD_DIR) -> list[Path]:
    """Write every small bad file into `dest`; return their paths."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SMALL.items():
        path = dest / name
        path.write_bytes(build())
        written.append(path)
    return written


def make_big_line(path: Path, size: int = BIG_LINE_BYTES) -> Path:
    """A users.csv whose second line is one `size`-byte field with no newline at all."""
    with open(path, "wb") as fh:
        fh.write(USERS_HEADER.encode())
        block = b"x" * (1024 * 1024)
        left = size
        while left > 0:
            fh.write(block[:left])
            left -= len(block)
    return path


def make_one_line(path: Path, size: int = BIG_LINE_BYTES) -> Path:
    """A `size`-byte file that is one line: no newline anywhere, so all of it is the header."""
    with open(path, "wb") as fh:
        block = b"user_id" + b"y" * (1024 * 1024 - 7)
        left = size
        while left > 0:
            fh.write(block[:left])
            left -= len(block)
    return path


def make_zip_bomb(path: Path, uncompressed: int = 20 * 1024 * 1024) -> Path:
    """A zip whose one CSV expands to ≥ BOMB_RATIO × the zip's size (Canvas refuses those)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("users.csv", "w", force_zip64=True) as member:
            member.write(USERS_HEADER.encode())
            block = b"u,u,a,b,c@example.edu,active\n" * 4096
            written = len(USERS_HEADER)
            while written < uncompressed:
                member.write(block)
                written += len(block)
    ratio = uncompressed / path.stat().st_size
    assert ratio >= BOMB_RATIO, f"zip bomb ratio only {ratio:.0f}x"
    return path


def make_big(dest: Path) -> dict[str, Path]:
    """The large cases, written into `dest` (a tmp folder)."""
    return {
        "big_line": make_big_line(dest / "big_line.csv"),
        "one_line": make_one_line(dest / "one_line.csv"),
        "zip_bomb": make_zip_bomb(dest / "bomb.zip"),
    }


if __name__ == "__main__":
    for written_path in write_small(Path(sys.argv[1]) if len(sys.argv) > 1 else BAD_DIR):
        print(written_path)
