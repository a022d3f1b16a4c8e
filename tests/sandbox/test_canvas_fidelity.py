"""Sandbox behaviour checked against Canvas's own source, one test per finding; each names
the Canvas method it follows (instructure/canvas-lms)."""
from __future__ import annotations

import requests

from sis_desktop.core.canvas.models import Account, SisImport, Term

from .polling import auth, imports_url, run_import, upload, wait_for_state

USERS = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,active\n"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
NO_CREDENTIALS = {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}


def test_urls_follow_the_host_the_client_used(sandbox):
    # lib/api.rb Api.build_links / Rails URL helpers (api_v1_account_sis_imports_url): the
    # request's host, and the route's path without the `.json` format.
    sandbox.hold()
    for _ in range(3):
        upload(sandbox, "users.csv", USERS)
    url = f"http://localhost:{sandbox.port}/api/v1/accounts/1/sis_imports.json"
    r = requests.get(url, headers=auth(sandbox), params={"per_page": 2, "workflow_state[]": "created"})
    links = r.headers["Link"].split(",")
    assert links[0] == (f"<http://localhost:{sandbox.port}/api/v1/accounts/1/sis_imports?"
                        f"workflow_state%5B%5D=created&page=1&per_page=2>; rel=\"current\"")
    assert all(".json" not in link and "127.0.0.1" not in link for link in links)
    sandbox.release()
    done = wait_for_state(sandbox, r.json()["sis_imports"][0]["id"])
    body = requests.get(f"http://localhost:{sandbox.port}/api/v1/accounts/1/sis_imports/{done['id']}",
                        headers=auth(sandbox)).json()
    assert body["csv_attachments"][0]["url"].startswith(f"http://localhost:{sandbox.port}/files/")
    progress = requests.put(f"http://localhost:{sandbox.port}/api/v1/accounts/1/sis_imports/"
                            f"{done['id']}/restore_states", headers=auth(sandbox)).json()
    assert progress["url"] == f"http://localhost:{sandbox.port}/api/v1/progress/{progress['id']}"


def test_batch_term_is_looked_up_first_and_wins_over_multi_term(sandbox):
    # SisImportsApiController#create: api_find(@account.enrollment_terms.active,
    # batch_mode_term_id) before anything is created, then `if batch_mode_term … elsif
    # params[:multi_term_batch_mode]`.
    before = len(sandbox.imports)
    r = upload(sandbox, "users.csv", USERS, params={
        "batch_mode": "1", "batch_mode_term_id": "sis_term_id:NOPE",
        "multi_term_batch_mode": "1", "change_threshold": "5"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert len(sandbox.imports) == before
    sandbox.hold()
    body = upload(sandbox, "users.csv", USERS, params={
        "batch_mode": "1", "batch_mode_term_id": "sis_term_id:F2026",
        "multi_term_batch_mode": "1"}).json()  # no change_threshold needed: the term won
    assert body["batch_mode"] is True and body["batch_mode_term_id"] == 2
    assert body["multi_term_batch_mode"] is None and body["workflow_state"] == "created"


def test_diffing_identifier_is_ignored_with_a_batch_term(sandbox):
    # SisImportsApiController#create: `elsif params[:diffing_data_set_identifier].present?`
    # comes after the batch branches, so SisBatch#enable_diffing is never called.
    first = upload(sandbox, "users.csv", USERS, params={
        "batch_mode": "1", "batch_mode_term_id": "sis_term_id:F2026",
        "diffing_data_set_identifier": "set-a"}).json()
    assert first["diffing_data_set_identifier"] is None and first["diffing_remaster"] is None
    assert "diffing_threshold_exceeded" not in first
    wait_for_state(sandbox, first["id"])
    second = upload(sandbox, "users.csv", USERS, params={"diffing_data_set_identifier": "set-a"})
    done = wait_for_state(sandbox, second.json()["id"])
    # the batch-term import is not in the data set: nothing to diff against
    assert "diffed_against_sis_batch_id" not in done["data"]


def test_terms_show_subaccount_and_order(sandbox):
    # TermsApiController#show (api_find, includes course_count and overrides),
    # #require_root_account, and #index's `order("start_at DESC, end_at DESC, id ASC")`.
    base = f"{sandbox.url}/api/v1/accounts"
    term = requests.get(f"{base}/1/terms/3", headers=auth(sandbox)).json()
    assert term["name"] == "Spring 2027" and term["overrides"] == {} and term["course_count"] == 0
    by_sis = requests.get(f"{base}/1/terms/sis_term_id:F2026", headers=auth(sandbox)).json()
    assert by_sis["id"] == 2
    assert requests.get(f"{base}/1/terms/99", headers=auth(sandbox)).status_code == 404
    for path in ("2/terms", "2/terms/1"):
        r = requests.get(f"{base}/{path}", headers=auth(sandbox))
        assert (r.status_code, r.json()) == (400, {"message": "Terms only belong to root_accounts."})
    names = [t["name"] for t in requests.get(f"{base}/1/terms", headers=auth(sandbox))
             .json()["enrollment_terms"]]
    assert names == ["Default Term", "Spring 2027", "Fall 2026"]


def test_auth_scheme_and_account_before_401(sandbox):
    # lib/authentication_methods.rb AuthenticationMethods.access_token: only `Bearer` (exact
    # case) is read from the header; a missing token is refused by authorized_action, which
    # runs after SisImportsApiController's account before_actions.
    r = requests.get(imports_url(sandbox), headers={"Authorization": f"bearer {sandbox.token}"})
    assert (r.status_code, r.json()) == (401, NO_CREDENTIALS)
    expected = {"2": 400, "3": 403, "99": 404, "1": 401}
    for account, status in expected.items():
        assert requests.get(imports_url(sandbox, account)).status_code == status, account
    r = requests.get(f"{imports_url(sandbox)}/abc")
    assert (r.status_code, r.json()) == (401, NO_CREDENTIALS)
    r = requests.get(f"{imports_url(sandbox)}/abc", headers=auth(sandbox))
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = requests.get(f"{sandbox.url}/api/v1/progress/abc")
    assert (r.status_code, r.json()) == (401, NO_CREDENTIALS)
    r = requests.get(imports_url(sandbox, "99"), headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json() == {"errors": [{"message": "Invalid access token."}]}


def test_blank_drop_status_is_ignored(sandbox):
    # SisImportsApiController#create: `if params[:diffing_drop_status].present?`
    before = len(sandbox.imports)
    r = upload(sandbox, "users.csv", USERS, params={"diffing_drop_status": ""})
    assert r.status_code == 200 and r.json()["diffing_drop_status"] is None
    assert len(sandbox.imports) == before + 1
    assert all(rec.workflow_state != "initializing" for rec in sandbox.imports.values())


def test_string_ids_on_request_and_our_models_read_them(sandbox):
    # lib/api.rb Api#stringify_json_ids? / Api.recursively_stringify_json_ids
    headers = dict(auth(sandbox), Accept="application/json+canvas-string-ids")
    created = requests.post(imports_url(sandbox), headers=headers, params={
        "batch_mode": "1", "batch_mode_term_id": "2"},
        files={"attachment": ("users.csv", USERS)}).json()
    assert isinstance(created["id"], str) and created["batch_mode_term_id"] == "2"
    assert created["user"]["id"] == "1"
    done = wait_for_state(sandbox, int(created["id"]))
    body = requests.get(f"{imports_url(sandbox)}/{done['id']}", headers=headers).json()
    assert body["csv_attachments"][0]["id"] == str(done["csv_attachments"][0]["id"])
    model = SisImport.from_json(body)
    assert model.id == done["id"] and model.batch_mode_term_id == 2
    term = requests.get(f"{sandbox.url}/api/v1/accounts/1/terms", headers=headers).json()
    assert Term.from_json(term["enrollment_terms"][0]).id == 1
    sub = requests.get(f"{sandbox.url}/api/v1/accounts/2", headers=headers).json()
    assert sub["root_account_id"] == "1"
    assert Account.from_json(sub).root_account_id == 1 and not Account.from_json(sub).is_root
    plain = requests.get(f"{imports_url(sandbox)}/{done['id']}", headers=auth(sandbox)).json()
    assert plain["id"] == done["id"]


def test_row_with_a_value_beyond_the_header_is_processed(sandbox):
    # SIS::CSV::CSVBaseImporter#csv_rows skips a row only when row.to_hash's values are all
    # nil; a field beyond the header (nil header) keeps it, so Canvas warns about it.
    body = b"user_id,login_id,status\nu1,l1,active\n,,,stray\n"
    done = run_import(sandbox, "users.csv", body)
    assert done["workflow_state"] == "imported_with_messages"
    assert done["processing_warnings"] == [["users.csv", "No user_id given for a user"]]
    assert done["data"]["counts"]["users"] == 1
