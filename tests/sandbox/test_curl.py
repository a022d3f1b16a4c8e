"""The sandbox driven with curl exactly as Canvas's SIS Imports docs show."""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

from .polling import wait_for_state

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
CURL = shutil.which("curl") or "curl"


def curl(*args: str) -> tuple[int, dict[str, str], str]:
    """Run curl; returns (status, lower-cased headers, body)."""
    out = subprocess.run([CURL, "-sS", "-i", *args], capture_output=True, timeout=30,
                         check=True).stdout.decode("utf-8")
    head, _, body = out.partition("\r\n\r\n")
    while head.startswith("HTTP/1.1 100"):
        head, _, body = body.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_multipart_form_upload(sandbox):
    status, headers, body = curl(
        "-H", f"Authorization: Bearer {sandbox.token}",
        "-F", "import_type=instructure_csv",
        "-F", f"attachment=@{SAMPLES / 'users.csv'}",
        f"{sandbox.url}/api/v1/accounts/1/sis_imports.json")
    assert status == 200 and headers["content-type"] == "application/json; charset=utf-8"
    created = json.loads(body)
    assert created["workflow_state"] == "created"
    done = wait_for_state(sandbox, created["id"])
    assert done["workflow_state"] == "imported" and done["data"]["counts"]["users"] == 6


def test_raw_csv_post(sandbox):
    status, _, body = curl(
        "-H", "Content-Type: text/csv", "--data-binary", f"@{SAMPLES / 'users.csv'}",
        "-H", f"Authorization: Bearer {sandbox.token}",
        f"{sandbox.url}/api/v1/accounts/1/sis_imports.json?import_type=instructure_csv")
    assert status == 200
    import_id = json.loads(body)["id"]
    assert sandbox.imports[import_id].upload.name == "sis_import.csv"
    assert wait_for_state(sandbox, import_id)["data"]["counts"]["users"] == 6


def test_raw_zip_post_with_extension_and_batch_mode(sandbox, tmp_path):
    status, _, body = curl(
        "-H", "Content-Type: application/octet-stream",
        "--data-binary", f"@{SAMPLES / 'sample_import.zip'}",
        "-H", f"Authorization: Bearer {sandbox.token}",
        f"{sandbox.url}/api/v1/accounts/1/sis_imports.json?import_type=instructure_csv"
        "&extension=zip&batch_mode=1&batch_mode_term_id=2")
    assert status == 200
    created = json.loads(body)
    assert created["batch_mode"] is True and created["batch_mode_term_id"] == 2
    done = wait_for_state(sandbox, created["id"])
    assert done["workflow_state"] == "imported"
    assert done["data"]["counts"]["batch_courses_deleted"] == 0


def test_big_raw_upload_with_expect_continue(sandbox, tmp_path):
    big = tmp_path / "users.csv"
    rows = "".join(f"u{i},login{i},F,L,active\n" for i in range(80_000))
    big.write_text("user_id,login_id,first_name,last_name,status\n" + rows)
    sandbox.hold()
    status, _, body = curl(
        "-H", "Content-Type: text/csv", "--data-binary", f"@{big}",
        "-H", f"Authorization: Bearer {sandbox.token}",
        f"{sandbox.url}/api/v1/accounts/1/sis_imports.json")
    assert status == 200
    assert sandbox.imports[json.loads(body)["id"]].upload.stat().st_size == big.stat().st_size


def test_status_and_errors_with_curl(sandbox):
    _, _, body = curl("-H", f"Authorization: Bearer {sandbox.token}",
                      "-F", f"attachment=@{SAMPLES / 'enrollments_with_warnings.csv'}",
                      f"{sandbox.url}/api/v1/accounts/1/sis_imports.json")
    import_id = json.loads(body)["id"]
    wait_for_state(sandbox, import_id)
    status, headers, body = curl("-H", f"Authorization: Bearer {sandbox.token}",
                                 f"{sandbox.url}/api/v1/accounts/1/sis_imports/{import_id}/errors")
    assert status == 200 and 'rel="last"' in headers["link"]
    assert json.loads(body)["sis_import_errors"]
    status, headers, _ = curl(f"{sandbox.url}/api/v1/accounts/1/sis_imports/{import_id}")
    assert status == 401 and headers["www-authenticate"] == 'Bearer realm="canvas-lms"'


def test_sample_zip_holds_the_sample_csvs():
    with zipfile.ZipFile(SAMPLES / "sample_import.zip") as archive:
        names = sorted(archive.namelist())
    assert names == sorted(["accounts.csv", "terms.csv", "users.csv", "courses.csv",
                            "sections.csv", "enrollments.csv"])
    for name in names:
        with zipfile.ZipFile(SAMPLES / "sample_import.zip") as archive:
            assert archive.read(name) == (SAMPLES / name).read_bytes()
