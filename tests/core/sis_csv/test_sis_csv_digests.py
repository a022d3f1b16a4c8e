"""The validator takes each given file's size and sha256 in the pass that reads it, so a
caller that validates needs no hashing pass of its own (`Report.digests`)."""
from __future__ import annotations

import hashlib
import random
import zipfile
from pathlib import Path

from sis_desktop.core.checksums import PrefixHasher
from sis_desktop.core.sis_csv import validate_paths

from helpers_sis_csv import make_zip, write

USERS = "user_id,login_id,first_name,last_name,email,status\n"


def users(rows: int, start: int = 0) -> str:
    return USERS + "".join(f"U{n},login{n},\"Last, First\",L,u{n}@example.edu,active\n"
                           for n in range(start, start + rows))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_csvs_are_hashed_in_the_validation_pass_in_the_order_given(tmp_path):
    big = write(tmp_path, "users.csv", users(20000))  # ~1 MB: many read blocks
    enrollments = write(tmp_path, "enrollments.csv",
                        "course_id,user_id,role,status\nC1,U1,student,active\n")
    report = validate_paths([enrollments, big])
    assert [(d.path, d.size, d.sha256) for d in report.digests] == [
        (enrollments, enrollments.stat().st_size, sha(enrollments)),
        (big, big.stat().st_size, sha(big))]
    assert [d.reread for d in report.digests] == [0, 0]  # no byte read a second time


def test_files_the_validator_stops_reading_are_still_hashed_whole(tmp_path):
    latin1 = write(tmp_path, "latin.csv", USERS.encode() + "U1,l,Zoë,X,a@b.c,active\n".encode("latin-1") * 5000)
    unknown = write(tmp_path, "things.csv", "colour,size\n" + "red,1\n" * 5000)
    empty = write(tmp_path, "empty.csv", "")
    report = validate_paths([latin1, unknown, empty])
    assert report.errors  # the latin-1 and unknown files are rejected …
    assert [d.sha256 for d in report.digests] == [sha(latin1), sha(unknown), sha(empty)]  # … hashed anyway


def test_a_zip_is_hashed_whatever_order_its_members_are_read_in(tmp_path):
    # Canvas's order (users before enrollments) differs from the order in the zip
    archive = make_zip(tmp_path / "upload.zip", {
        "enrollments.csv": "course_id,user_id,role,status\nC1,U1,student,active\n" * 2000,
        "readme.txt": "not a csv",
        "users.csv": users(20000)})
    report = validate_paths([archive])
    digest, = report.digests
    assert (digest.size, digest.sha256) == (archive.stat().st_size, sha(archive))
    assert digest.reread < digest.size  # most of it came from the validation's reads


def test_a_broken_zip_is_hashed_too(tmp_path):
    broken = write(tmp_path, "broken.zip", b"PK\x03\x04 this is not really a zip")
    report = validate_paths([broken])
    assert report.errors and report.digests[0].sha256 == sha(broken)


def test_prefix_hasher_counts_only_bytes_that_extend_the_prefix(tmp_path):
    data = random.Random(3).randbytes(300_000)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    hasher = PrefixHasher(path)
    hasher.feed(100, data[100:200])          # a gap: ignored
    hasher.feed(0, data[:150])               # the start
    hasher.feed(50, data[50:250_000])        # overlaps what was hashed: only the new part counts
    hasher.feed(0, data[:10])                # already hashed
    digest = hasher.finish()
    assert digest.sha256 == hashlib.sha256(data).hexdigest() and digest.size == len(data)
    assert digest.reread == 50_000
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("a.csv", "x")
    assert PrefixHasher(tmp_path / "z.zip").finish().reread == (tmp_path / "z.zip").stat().st_size
