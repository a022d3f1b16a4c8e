"""The sandbox's Account Reports API: states, JSON, parameters, CSV columns, 400/404/409,
and downloads that go through a second host refusing Authorization."""
from __future__ import annotations

import csv
import io
import zipfile

import requests

from sis_desktop.sandbox.reports import COLUMNS

from .polling import auth, run_import, wait_until

USERS = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,active\n"
COURSES = (b"course_id,short_name,long_name,term_id,status\n"
           b"C1,C1,Course one,F2026,active\nC2,C2,Course two,S2027,active\n")


def reports_url(sandbox, kind="provisioning_csv", account="1") -> str:
    return f"{sandbox.url}/api/v1/accounts/{account}/reports/{kind}"


def start(sandbox, kind="provisioning_csv", **params) -> requests.Response:
    data = {f"parameters[{k}]": v for k, v in params.items()}
    return requests.post(reports_url(sandbox, kind), data=data, headers=auth(sandbox), timeout=5)


def finished(sandbox, kind, report_id) -> dict:
    def done():
        body = requests.get(f"{reports_url(sandbox, kind)}/{report_id}", headers=auth(sandbox),
                            timeout=5).json()
        return body if body["status"] not in ("created", "running") else None
    return wait_until(done)


def test_report_runs_to_complete_with_canvas_json(sandbox):
    run_import(sandbox, "users.csv", USERS)
    r = start(sandbox, users="true", skip_message="true")
    assert r.status_code == 200
    created = r.json()
    assert created["status"] == "created" and created["progress"] == 0
    assert created["parameters"] == {"users": "true", "skip_message": "true"}
    assert "attachment" not in created and created["file_url"] is None
    done = finished(sandbox, "provisioning_csv", created["id"])
    assert done["status"] == "complete" and done["progress"] == 100
    assert done["parameters"]["extra_text"] == "Term: All Terms; Reports: users "
    assert done["message"].startswith("Provisioning report successfully generated")
    assert done["attachment"]["content-type"] == "text/csv" and done["started_at"] and done["ended_at"]
    # the download: Canvas host (token) → 302 to another host that refuses Authorization
    hop = requests.get(done["attachment"]["url"], headers=auth(sandbox), allow_redirects=False,
                       timeout=5)
    assert hop.status_code == 302
    target = hop.headers["Location"]
    assert target.split("/")[2] != sandbox.url.split("/")[2]
    refused = requests.get(target, headers=auth(sandbox), allow_redirects=False, timeout=5)
    assert refused.status_code == 400 and b"Only one auth mechanism allowed" in refused.content
    body = requests.get(target, timeout=5)
    rows = list(csv.reader(io.StringIO(body.text)))
    assert rows[0] == COLUMNS[("provisioning_csv", "users")].split(",")
    assert rows[1][1] == "u1" and rows[1][-1] == "true"
    assert requests.get(done["attachment"]["url"], timeout=5).status_code == 401


def test_several_files_come_as_a_zip_in_canvas_order_with_the_term_filter(sandbox):
    run_import(sandbox, "courses.csv", COURSES)
    r = start(sandbox, "sis_export_csv", courses="true", terms="true", users="true",
              enrollment_term_id="sis_term_id:F2026")
    done = finished(sandbox, "sis_export_csv", r.json()["id"])
    assert done["attachment"]["content-type"] == "application/zip"
    url = requests.get(done["file_url"], headers=auth(sandbox), allow_redirects=False,
                       timeout=5).headers["Location"]
    archive = zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=5).content))
    assert archive.namelist() == ["users.csv", "terms.csv", "courses.csv"]
    courses = list(csv.DictReader(io.StringIO(archive.read("courses.csv").decode())))
    assert [c["course_id"] for c in courses] == ["C1"]  # C2 is in Spring 2027
    assert list(courses[0]) == COLUMNS[("sis_export_csv", "courses")].split(",")


def test_bad_term_unknown_type_duplicate_and_list(sandbox):
    bad = start(sandbox, courses="true", enrollment_term_id="sis_term_id:NOPE")
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid enrollment_term_id 'sis_term_id:NOPE'"}
    unknown = start(sandbox, "grade_export_csv", courses="true")
    assert unknown.status_code == 404
    assert unknown.json() == {"errors": [{"message": "The specified resource does not exist."}]}
    slow = sandbox.speed
    sandbox.speed = 0.001  # keep the first run queued
    try:
        first = start(sandbox, courses="true")
        again = start(sandbox, courses="true")
    finally:
        sandbox.speed = slow
    assert again.status_code == 409 and again.json()["id"] == first.json()["id"]
    assert again.headers["Location"].endswith(f"/reports/provisioning_csv/{first.json()['id']}")
    listed = requests.get(reports_url(sandbox), headers=auth(sandbox), timeout=5).json()
    assert [r["id"] for r in listed] == [first.json()["id"]]
    gone = requests.delete(f"{reports_url(sandbox)}/{first.json()['id']}", headers=auth(sandbox),
                           timeout=5)
    assert gone.json()["status"] == "deleted"
    assert requests.get(f"{reports_url(sandbox)}/{first.json()['id']}", headers=auth(sandbox),
                        timeout=5).status_code == 404


def test_no_files_selected_ends_in_error(sandbox):
    r = start(sandbox, include_deleted="true")
    done = finished(sandbox, "provisioning_csv", r.json()["id"])
    assert done["status"] == "error" and "attachment" not in done
    assert done["message"] == "Generating the report, Provisioning, failed."


def test_report_urls_name_the_host_the_client_used(sandbox):
    """Like Rails' URL helpers (and the SIS import routes): a client that said `localhost`
    gets `localhost` links back, so a strict client's same-host check holds."""
    run_import(sandbox, "users.csv", USERS)
    local = sandbox.url.replace("127.0.0.1", "localhost")
    created = requests.post(f"{local}/api/v1/accounts/1/reports/provisioning_csv",
                            data={"parameters[users]": "true"}, headers=auth(sandbox),
                            timeout=5).json()

    def done():
        body = requests.get(f"{local}/api/v1/accounts/1/reports/provisioning_csv/{created['id']}",
                            headers=auth(sandbox), timeout=5).json()
        return body if body["status"] == "complete" else None
    body = wait_until(done)
    assert body["file_url"].startswith(local + "/")
    assert body["attachment"]["url"].startswith(local + "/")
