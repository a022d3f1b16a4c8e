"""The sandbox's HTTP API: auth, accounts, terms, create-time validation, list and pagination."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from .polling import auth, get_import, imports_url, upload, wait_for_state

USERS = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,active\n"
JSON_TYPE = "application/json; charset=utf-8"
ALWAYS_KEYS = {
    "id", "created_at", "started_at", "ended_at", "updated_at", "progress", "workflow_state",
    "data", "batch_mode", "batch_mode_term_id", "multi_term_batch_mode",
    "override_sis_stickiness", "add_sis_stickiness", "clear_sis_stickiness",
    "update_sis_id_if_login_claimed", "skip_deletes", "diffing_data_set_identifier",
    "diffing_remaster", "diffed_against_import_id", "diffing_drop_status",
    "diffing_user_remove_status", "change_threshold", "diff_row_count_threshold", "user",
}


def test_no_credentials_gives_canvas_401(sandbox):
    r = requests.get(imports_url(sandbox))
    assert r.status_code == 401
    assert r.json() == {"status": "unauthenticated",
                        "errors": [{"message": "user authorization required"}]}
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert r.headers["Content-Type"] == JSON_TYPE
    assert "X-Request-Cost" not in r.headers


def test_wrong_token_gives_invalid_access_token(sandbox):
    r = requests.get(imports_url(sandbox), headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json() == {"errors": [{"message": "Invalid access token."}]}
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'


def test_access_token_query_parameter_and_rate_headers(sandbox):
    r = requests.get(imports_url(sandbox), params={"access_token": sandbox.token})
    assert r.status_code == 200
    assert float(r.headers["X-Request-Cost"]) > 0
    assert 0 < float(r.headers["X-Rate-Limit-Remaining"]) <= 600


@pytest.mark.parametrize("ref", ["1", "self"])
def test_root_account(sandbox, ref):
    r = requests.get(f"{sandbox.url}/api/v1/accounts/{ref}.json", headers=auth(sandbox))
    body = r.json()
    assert r.status_code == 200 and body["id"] == 1
    assert body["root_account_id"] is None and body["parent_account_id"] is None


def test_sub_account_and_missing_account(sandbox):
    sub = requests.get(f"{sandbox.url}/api/v1/accounts/2", headers=auth(sandbox)).json()
    assert sub["root_account_id"] == 1 and sub["parent_account_id"] == 1
    r = requests.get(f"{sandbox.url}/api/v1/accounts/99", headers=auth(sandbox))
    assert r.status_code == 404
    assert r.json() == {"errors": [{"message": "The specified resource does not exist."}]}


def test_terms_are_wrapped_and_paginated(sandbox):
    r = requests.get(f"{sandbox.url}/api/v1/accounts/1/terms", headers=auth(sandbox),
                     params={"per_page": 2})
    terms = r.json()["enrollment_terms"]
    # TermsApiController#index orders start_at DESC, end_at DESC, id (NULL first)
    assert [(t["name"], t["sis_term_id"]) for t in terms] == [("Default Term", None),
                                                            ("Spring 2027", "S2027")]
    assert terms[0]["id"] == 1
    assert 'rel="next"' in r.headers["Link"] and 'rel="last"' in r.headers["Link"]
    page2 = requests.get(f"{sandbox.url}/api/v1/accounts/1/terms", headers=auth(sandbox),
                         params={"per_page": 2, "page": 2}).json()["enrollment_terms"]
    assert [t["sis_term_id"] for t in page2] == ["F2026"]


def test_users_self(sandbox):
    r = requests.get(f"{sandbox.url}/api/v1/users/self", headers=auth(sandbox))
    assert r.status_code == 200 and r.json()["id"] == 1 and r.json()["name"]


@pytest.mark.parametrize("account, status, body", [
    ("2", 400, {"errors": ["SIS imports can only be executed on root accounts"]}),
    ("3", 403, {"errors": ["SIS imports are not enabled for this account"]}),
])
def test_account_checks_on_sis_routes(sandbox, account, status, body):
    for r in (requests.get(imports_url(sandbox, account), headers=auth(sandbox)),
              upload(sandbox, "users.csv", USERS, account=account)):
        assert r.status_code == status and r.json() == body
    assert sandbox.imports == {}


def test_create_multipart_answers_created_with_every_key(sandbox):
    sandbox.hold()
    r = upload(sandbox, "users.csv", USERS)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == JSON_TYPE
    body = r.json()
    assert ALWAYS_KEYS <= set(body)
    assert body["workflow_state"] == "created" and body["progress"] == 0
    assert body["data"] == {"import_type": "instructure_csv"}
    assert body["batch_mode"] is None and body["skip_deletes"] is False
    assert body["update_sis_id_if_login_claimed"] is False
    assert body["created_at"].endswith("Z") and body["started_at"] is None
    assert "processing_errors" not in body and "csv_attachments" not in body


def test_missing_attachment(sandbox):
    r = requests.post(imports_url(sandbox), headers=auth(sandbox),
                      files={"other": ("users.csv", USERS)})
    assert r.status_code == 400
    assert r.json() == {"error": True, "error_message": "Missing attachment"}
    assert sandbox.imports == {}


def test_unknown_import_type_is_a_500(sandbox):
    r = upload(sandbox, "users.csv", USERS, params={"import_type": "ims_xml"})
    assert r.status_code == 500
    body = r.json()
    assert body["errors"] == [{"message": "An error occurred.", "error_code": "internal_server_error"}]
    assert isinstance(body["error_report_id"], int)
    assert sandbox.imports == {}


def test_raw_charset_other_than_utf8_is_refused(sandbox):
    r = requests.post(imports_url(sandbox), headers={**auth(sandbox),
                      "Content-Type": "text/csv; charset=ISO-8859-1"}, data=USERS)
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid content type, UTF-8 required"}
    assert sandbox.imports == {}


@pytest.mark.parametrize("content_type, params, stored", [
    ("text/csv", {}, "sis_import.csv"),
    ("text/csv; charset=utf-8", {}, "sis_import.csv"),
    ("text/plain", {}, "sis_import.csv"),
    ("application/zip", {}, "sis_import.zip"),
    ("application/octet-stream", {}, "sis_import.zip"),
    ("application/octet-stream", {"extension": "csv"}, "sis_import.csv"),
    ("text/csv; charset=latin1", {"extension": "csv"}, "sis_import.csv"),
])
def test_raw_post_extension_rules(sandbox, content_type, params, stored):
    sandbox.hold()
    r = requests.post(imports_url(sandbox), headers={**auth(sandbox), "Content-Type": content_type},
                      params=params, data=USERS)
    assert r.status_code == 200, r.text
    assert sandbox.imports[r.json()["id"]].upload.name == stored


def test_raw_csv_is_processed(sandbox):
    r = requests.post(imports_url(sandbox) + ".json", headers={**auth(sandbox),
                      "Content-Type": "text/csv"}, data=USERS)
    done = wait_for_state(sandbox, r.json()["id"])
    assert done["workflow_state"] == "imported"
    assert done["data"]["counts"]["users"] == 1


def test_batch_mode_without_term(sandbox):
    r = upload(sandbox, "users.csv", USERS, params={"batch_mode": "true"})
    assert r.status_code == 400
    assert r.json() == {"message": "Batch mode specified, but the given batch_mode_term_id "
                                   "cannot be found."}
    assert sandbox.imports == {}


def test_batch_mode_with_unknown_term_is_404(sandbox):
    r = upload(sandbox, "users.csv", USERS, params={"batch_mode": "1", "batch_mode_term_id": "77"})
    assert r.status_code == 404
    assert sandbox.imports == {}


@pytest.mark.parametrize("ref, term_id", [("2", 2), ("sis_term_id:S2027", 3), ("default", 1)])
def test_batch_mode_term_lookup(sandbox, ref, term_id):
    sandbox.hold()
    r = upload(sandbox, "users.csv", USERS, params={"batch_mode": "yes", "batch_mode_term_id": ref})
    assert r.status_code == 200
    assert r.json()["batch_mode"] is True and r.json()["batch_mode_term_id"] == term_id


@pytest.mark.parametrize("params, message", [
    ({"multi_term_batch_mode": "true"}, "change_threshold is required to use multi term_batch mode."),
    ({"diffing_drop_status": "gone"}, "Invalid diffing_drop_status"),
    ({"diffing_user_remove_status": "deleted_last_completed"}, "Invalid diffing_user_remove_status"),
    ({"batch_mode_enrollment_drop_status": "Deleted"}, "Invalid batch_mode_enrollment_drop_status"),
])
def test_late_validation_leaves_an_orphan_initializing_import(sandbox, params, message):
    r = upload(sandbox, "users.csv", USERS, params=params)
    assert r.status_code == 400 and r.json() == {"message": message}
    listed = requests.get(imports_url(sandbox), headers=auth(sandbox)).json()["sis_imports"]
    assert [i["workflow_state"] for i in listed] == ["initializing"]


def test_options_are_stored_like_canvas(sandbox):
    sandbox.hold()
    body = upload(sandbox, "users.csv", USERS, params={
        "skip_deletes": "2", "override_sis_stickiness": "on", "add_sis_stickiness": "t",
        "update_sis_id_if_login_claimed": "abc", "change_threshold": "10",
        "diffing_data_set_identifier": "spring", "diffing_drop_status": "deleted_last_completed",
        "diff_row_count_threshold": "0"}).json()
    assert body["skip_deletes"] is True
    assert body["override_sis_stickiness"] is True and body["add_sis_stickiness"] is True
    assert body["clear_sis_stickiness"] is None
    assert body["update_sis_id_if_login_claimed"] is False
    assert body["change_threshold"] == 10 and body["diff_row_count_threshold"] is None
    assert body["diffing_data_set_identifier"] == "spring" and body["diffing_remaster"] is False
    assert body["diffing_drop_status"] == "deleted_last_completed"
    assert body["batch_mode"] is None and body["multi_term_batch_mode"] is None
    assert body["diffing_threshold_exceeded"] is False


def test_multi_term_presence_alone_turns_batch_mode_on(sandbox):
    # SisImportsApiController#create: `elsif params[:multi_term_batch_mode]` (presence)
    sandbox.hold()
    body = upload(sandbox, "users.csv", USERS, params={
        "change_threshold": "10", "multi_term_batch_mode": "false"}).json()
    assert body["batch_mode"] is True and body["multi_term_batch_mode"] is False


def test_stickiness_flags_need_override(sandbox):
    sandbox.hold()
    body = upload(sandbox, "users.csv", USERS, params={"add_sis_stickiness": "1",
                                                       "clear_sis_stickiness": "1"}).json()
    assert body["add_sis_stickiness"] is None and body["clear_sis_stickiness"] is None


def test_form_fields_count_as_parameters(sandbox):
    sandbox.hold()
    r = requests.post(imports_url(sandbox), headers=auth(sandbox),
                      data={"skip_deletes": "true"}, files={"attachment": ("users.csv", USERS)})
    assert r.json()["skip_deletes"] is True


def test_list_is_newest_first_with_links_without_last(sandbox):
    sandbox.hold()
    ids = [upload(sandbox, "users.csv", USERS).json()["id"] for _ in range(3)]
    r = requests.get(imports_url(sandbox), headers=auth(sandbox), params={"per_page": 2})
    assert [i["id"] for i in r.json()["sis_imports"]] == [ids[2], ids[1]]
    link = r.headers["Link"]
    rels = [part.split('rel="')[1].rstrip('"') for part in link.split(",")]
    assert rels == ["current", "next", "first"]
    assert ", " not in link and "access_token" not in link
    page2 = requests.get(link.split(",")[1].split(">")[0][1:], headers=auth(sandbox))
    assert [i["id"] for i in page2.json()["sis_imports"]] == [ids[0]]
    assert 'rel="prev"' in page2.headers["Link"] and 'rel="next"' not in page2.headers["Link"]


def test_list_filters(sandbox):
    sandbox.hold()
    first = upload(sandbox, "users.csv", USERS).json()
    second = upload(sandbox, "users.csv", USERS).json()
    requests.put(f"{imports_url(sandbox)}/{first['id']}/abort", headers=auth(sandbox))

    def ids(**params):
        r = requests.get(imports_url(sandbox), headers=auth(sandbox), params=params)
        return [i["id"] for i in r.json()["sis_imports"]]
    assert ids(**{"workflow_state[]": ["aborted"]}) == [first["id"]]
    assert ids(**{"workflow_state[]": ["bogus"]}) == [second["id"], first["id"]]
    created = sandbox.imports[second["id"]].created_at
    assert ids(created_since=created.isoformat()) == []
    earlier = (created - timedelta(microseconds=1)).isoformat()
    assert ids(created_since=earlier) == [second["id"]]
    assert ids(created_before=created.isoformat()) == [first["id"]]
    assert ids(created_since="not a date") == [second["id"], first["id"]]
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert ids(created_before=future, per_page=500) == [second["id"], first["id"]]


def test_show_unknown_import_is_404(sandbox):
    r = requests.get(f"{imports_url(sandbox)}/12345", headers=auth(sandbox))
    assert r.status_code == 404


def test_abort_keeps_progress_and_finished_imports_cannot_be_aborted(sandbox):
    sandbox.hold()
    created = upload(sandbox, "users.csv", USERS).json()
    r = requests.put(f"{imports_url(sandbox)}/{created['id']}/abort", headers=auth(sandbox))
    assert r.status_code == 200
    assert r.json()["workflow_state"] == "aborted" and r.json()["progress"] == 0
    assert r.json()["ended_at"] is None
    again = requests.put(f"{imports_url(sandbox)}/{created['id']}/abort", headers=auth(sandbox))
    assert again.status_code == 404


def test_abort_all_pending(sandbox):
    sandbox.hold()
    ids = [upload(sandbox, "users.csv", USERS).json()["id"] for _ in range(2)]
    r = requests.put(f"{imports_url(sandbox)}/abort_all_pending", headers=auth(sandbox))
    assert r.status_code == 200 and r.json() == {"aborted": True}
    for import_id in ids:
        body = get_import(sandbox, import_id)
        assert body["workflow_state"] == "aborted" and body["progress"] == 100


def test_importing_lists_running_imports_only(sandbox):
    sandbox.hold("importing")
    first = upload(sandbox, "users.csv", USERS).json()
    second = upload(sandbox, "users.csv", USERS).json()
    wait_for_state(sandbox, first["id"], "importing")
    r = requests.get(f"{imports_url(sandbox)}/importing", headers=auth(sandbox))
    assert [i["id"] for i in r.json()["sis_imports"]] == [first["id"]]
    assert get_import(sandbox, second["id"])["workflow_state"] == "created"  # one at a time
    sandbox.release()
    assert wait_for_state(sandbox, second["id"])["workflow_state"] == "imported"


def test_restore_states_with_both_filters_is_raw_text(sandbox):
    sandbox.hold()
    created = upload(sandbox, "users.csv", USERS).json()
    r = requests.put(f"{imports_url(sandbox)}/{created['id']}/restore_states", headers=auth(sandbox),
                     params={"undelete_only": "1", "unconclude_only": "true"})
    assert r.status_code == 400
    assert r.text == "cannot set both undelete_only and unconclude_only"


def test_unknown_route_is_404_json(sandbox):
    r = requests.get(f"{sandbox.url}/api/v1/nothing/here", headers=auth(sandbox))
    assert r.status_code == 404 and r.headers["Content-Type"] == JSON_TYPE


def test_access_token_as_a_multipart_field(sandbox):
    sandbox.hold()
    r = requests.post(imports_url(sandbox), data={"access_token": sandbox.token},
                      files={"attachment": ("users.csv", USERS)})
    assert r.status_code == 200 and r.json()["workflow_state"] == "created"


def test_self_and_json_suffix_on_every_sis_route(sandbox):
    sandbox.hold()
    created = upload(sandbox, "users.csv", USERS).json()
    base = f"{sandbox.url}/api/v1/accounts/self/sis_imports"
    for method, path in [("GET", ".json"), ("GET", f"/{created['id']}.json"),
                         ("GET", "/importing.json"), ("GET", f"/{created['id']}/errors.json"),
                         ("PUT", f"/{created['id']}/abort.json"),
                         ("PUT", "/abort_all_pending.json")]:
        r = requests.request(method, base + path, headers=auth(sandbox))
        assert r.status_code == 200, (method, path, r.text)
    errors = requests.get(f"{sandbox.url}/api/v1/accounts/self/sis_import_errors.json",
                          headers=auth(sandbox))
    assert errors.json() == {"sis_import_errors": []}
