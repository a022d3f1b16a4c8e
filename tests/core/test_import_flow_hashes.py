"""The import flow takes the files' sha256 from a pass that reads them anyway: the
validation's, or the upload's when there is no validation (`--no-validate`). It never reads
a file only to hash it."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sis_desktop.core.canvas import upload
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.history import History
from sis_desktop.core.import_flow import ImportJob, Target


@pytest.fixture
def no_hashing_pass(monkeypatch):
    def refuse(path, **kw):
        raise AssertionError(f"{path} was read only to hash it")
    monkeypatch.setattr(upload, "sha256_file", refuse)


def users_csv(folder: Path, name: str, rows: int) -> Path:
    path = folder / name
    path.write_text("user_id,login_id,status\n" + "".join(f"U{n},u{n},active\n" for n in range(rows)),
                    encoding="utf-8")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def job_for(sandbox, paths) -> ImportJob:
    target = Target(sandbox.url, sandbox.account_id, "p1", "Sandbox", sandbox.client)
    return ImportJob(target, paths, ImportOptions())


def test_validating_gives_the_hashes(sandbox, tmp_path, no_hashing_pass):
    files = [users_csv(tmp_path, "users.csv", 5000), users_csv(tmp_path, "more.csv", 3)]
    job = job_for(sandbox, files)
    job.validate()
    assert [f.sha256 for f in job.files] == [sha(p) for p in files]
    assert all(d.reread == 0 for d in job.report.digests)
    job.upload()  # and the upload reads them once more only to send them
    found = History().find_duplicates(sandbox.url, sandbox.account_id, [sha(p) for p in files])
    assert [e.import_id for e in found] == [job.import_id]  # the duplicate guard will see them


@pytest.mark.parametrize("count", [1, 2])
def test_without_validation_the_upload_gives_the_hashes(sandbox, tmp_path, no_hashing_pass, count):
    files = [users_csv(tmp_path, f"u{n}.csv", 2000 * (n + 1)) for n in range(count)]
    job = job_for(sandbox, files)
    sis_import = job.upload()
    assert sis_import.id and [f.sha256 for f in job.files] == [sha(p) for p in files]


def test_an_upload_without_checksum_hashes_nothing(sandbox, tmp_path, monkeypatch):
    """`import --no-validate`'s job: no pass and no hashing at all; the import is still
    recorded, with its sizes."""
    def no_hashing(*args, **kwargs):
        raise AssertionError("hashed")
    monkeypatch.setattr(upload, "_SideDigest", no_hashing)
    monkeypatch.setattr(upload.hashlib, "sha256", no_hashing)
    files = [users_csv(tmp_path, "u0.csv", 3000), users_csv(tmp_path, "u1.csv", 10)]
    target = Target(sandbox.url, sandbox.account_id, "p1", "Sandbox", sandbox.client)
    for paths in (files[:1], files):  # one file as is; two zipped
        job = ImportJob(target, paths, ImportOptions(), checksum=False)
        sis_import = job.upload()
        assert sis_import.id and [f.sha256 for f in job.files] == [None] * len(paths)
        entry = History().recent()[0]
        assert entry.import_id == sis_import.id
        assert [(f["size"], f["sha256"]) for f in entry.files] == [(p.stat().st_size, None)
                                                                  for p in paths]
