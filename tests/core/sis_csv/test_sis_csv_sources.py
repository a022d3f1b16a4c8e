"""The upload walker: bare CSVs, zips with folders, Mac junk, other files, bombs."""
from __future__ import annotations

import pytest
from helpers_sis_csv import make_zip, messages, triples, write

from sis_desktop.core.sis_csv import ArchiveError, iter_csv_sources, validate_paths

USERS = "user_id,login_id,status\nu1,l1,active\n"
ENROLLMENTS = "course_id,user_id,role,status\nC1,u1,student,active\n"


def test_bare_csv_is_one_source(tmp_path):
    path = write(tmp_path, "Users.CSV", USERS)
    [source] = list(iter_csv_sources(path))
    assert (source.name, source.is_csv, source.size) == ("Users.CSV", True, len(USERS))
    with source.open() as f:
        assert f.read() == USERS.encode()


def test_zip_is_walked_like_canvas(tmp_path):
    path = make_zip(tmp_path / "upload.zip", {
        "2024/fall/users.csv": USERS,
        "enrollments.csv": ENROLLMENTS,
        "__MACOSX/2024/._users.csv": b"\x00\x05\x16\x07junk",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "sub/.hidden.csv": "garbage",
        "Desktop DB": b"x",
        "readme.txt": "hello",
        "empty/": "",
    })
    sources = list(iter_csv_sources(path))
    assert [(s.name, s.is_csv) for s in sources] == [
        ("2024/fall/users.csv", True), ("enrollments.csv", True), ("readme.txt", False)]
    with sources[0].open() as f:
        assert f.read() == USERS.encode()
    report = validate_paths([path])
    assert [(f.name, f.type, f.rows) for f in report.files] == [
        ("2024/fall/users.csv", "user", 1), ("enrollments.csv", "enrollment", 1),
        ("readme.txt", None, 0)]
    assert ("warning", None, "Skipping unknown file type") in triples(report)
    assert report.findings_for("readme.txt")[0].message == "Skipping unknown file type"
    # the enrollment's user and course: user found in the zip's users.csv, course not
    assert any("reference courses" in m or "references courses" in m for m in messages(report))
    assert not any("references users" in m for m in messages(report))


def test_zip_bomb_ratio_is_refused(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"users.csv": USERS + "u2,l2,active\n" * 200_000})
    with pytest.raises(ArchiveError) as info:
        list(iter_csv_sources(path))
    assert "100×" in str(info.value)
    report = validate_paths([path])
    assert report.errors and "expands to" in report.errors[0].message
    assert report.files[0].name == "bomb.zip"


def test_not_a_zip(tmp_path):
    path = write(tmp_path, "upload.zip", b"this is not a zip at all")
    report = validate_paths([path])
    assert len(report.errors) == 1
    assert "is not a readable zip file" in report.errors[0].message


def test_other_extension_is_skipped(tmp_path):
    report = validate_paths([write(tmp_path, "users.xlsx", b"PK\x03\x04xx")])
    assert triples(report)[0] == ("warning", None, "Skipping unknown file type")
    assert "users.xlsx is not a .csv file" in report.errors[0].message


def test_several_csvs_are_one_upload(tmp_path):
    paths = [write(tmp_path, "e.csv", ENROLLMENTS), write(tmp_path, "u.csv", USERS)]
    report = validate_paths(paths)
    # users are processed before enrollments whatever the order given
    assert not any("users" in m for m in messages(report))
    assert [f.name for f in report.files] == ["e.csv", "u.csv"]


def test_broken_zip_entry_is_an_error_not_a_crash(tmp_path):
    path = make_zip(tmp_path / "u.zip", {"users.csv": USERS * 50, "e.csv": ENROLLMENTS})
    data = bytearray(path.read_bytes())
    start = data.index(b"users.csv") + len("users.csv")  # inside the first entry's data
    data[start + 5:start + 25] = b"\xff" * 20
    path.write_bytes(bytes(data))
    report = validate_paths([path])
    assert [f.file for f in report.errors] == ["users.csv"]
    assert report.errors[0].message.startswith("This file cannot be read")
    assert {f.name: f.type for f in report.files} == {"e.csv": "enrollment", "users.csv": None}


def test_archive_error_carries_canvas_message(tmp_path):
    path = write(tmp_path, "upload.zip", b"")
    with pytest.raises(ArchiveError) as info:
        list(iter_csv_sources(path))
    assert info.value.canvas_message.startswith("Error while importing CSV. Please contact support.")
