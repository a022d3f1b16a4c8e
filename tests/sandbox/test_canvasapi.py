"""The sandbox as a real third-party client meets it: canvasapi (ucfopen), which nobody here
wrote, calls every SIS-import method it offers over HTTP, as it would against Canvas."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from canvasapi import Canvas
from canvasapi.exceptions import (BadRequest, Forbidden, InvalidAccessToken,
                                  ResourceDoesNotExist)
from canvasapi.progress import Progress
from canvasapi.sis_import import SisImport

from .polling import TERMINAL, wait_until

USERS = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,active\n"
pytestmark = pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")
COURSES = (b"course_id,short_name,long_name,term_id,status\n"
           b"C1,C1,Course One,F2026,active\n")


@pytest.fixture
def canvas(sandbox):
    return Canvas(sandbox.url, sandbox.token)


@pytest.fixture
def account(canvas):
    return canvas.get_account(1)


def finished(account, import_id, states=TERMINAL) -> SisImport:
    def done():
        current = account.get_sis_import(import_id)
        return current if current.workflow_state in states else None
    return wait_until(done, timeout=10)


def test_create_from_a_csv_path(account, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(USERS)
    created = account.create_sis_import(str(path))
    assert isinstance(created, SisImport) and created.workflow_state == "created"
    assert created.data == {"import_type": "instructure_csv"} and created.progress == 0
    done = finished(account, created.id)
    assert done.workflow_state == "imported"
    assert done.data["supplied_batches"] == ["user"] and done.data["counts"]["users"] == 1
    assert done.csv_attachments[0]["display_name"] == "users.csv"


def test_create_from_an_open_zip(account, tmp_path):
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.csv", USERS)
        archive.writestr("courses.csv", COURSES)
    with open(path, "rb") as handle:
        created = account.create_sis_import(handle)
    done = finished(account, created.id)
    assert done.workflow_state == "imported"
    assert done.data["supplied_batches"] == ["course", "user"]


def test_create_with_options(account, sandbox, tmp_path):
    sandbox.hold()
    path = tmp_path / "courses.csv"
    path.write_bytes(COURSES)
    created = account.create_sis_import(
        str(path), batch_mode=True, batch_mode_term_id="sis_term_id:F2026", change_threshold=10,
        override_sis_stickiness=True, clear_sis_stickiness=True, skip_deletes=True,
        diffing_data_set_identifier="ignored with a batch term")
    assert created.batch_mode is True and created.batch_mode_term_id == 2
    assert created.change_threshold == 10 and created.skip_deletes is True
    assert created.override_sis_stickiness is True and created.clear_sis_stickiness is True
    assert created.diffing_data_set_identifier is None


def test_get_one_import(account, sandbox):
    sandbox.hold()
    created = account.create_sis_import(io.BytesIO(USERS))
    again = account.get_sis_import(created.id)
    assert again.id == created.id and again.workflow_state == "created"
    assert again.account_id == 1  # canvasapi adds it; abort/restore need it


def test_list_more_than_a_hundred_through_localhost(sandbox):
    # Api#build_links names the host the client used; with `localhost` canvasapi's
    # PaginatedList only finds the next page when the Link header says `localhost` too.
    sandbox.hold()
    account = Canvas(f"http://localhost:{sandbox.port}", sandbox.token).get_account(1)
    ids = [account.create_sis_import(io.BytesIO(USERS)).id for _ in range(103)]
    listed = [i.id for i in account.get_sis_imports()]  # canvasapi asks per_page=100
    assert listed == sorted(ids, reverse=True)
    assert [i.id for i in account.get_sis_imports(per_page=50)] == listed


def test_list_filters(account, sandbox):
    sandbox.hold()
    first = account.create_sis_import(io.BytesIO(USERS))
    second = account.create_sis_import(io.BytesIO(USERS))
    second.abort()
    assert [i.id for i in account.get_sis_imports(workflow_state=["aborted"])] == [second.id]
    assert [i.id for i in account.get_sis_imports(workflow_state=["created"])] == [first.id]
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    assert list(account.get_sis_imports(created_since=later)) == []
    assert len(list(account.get_sis_imports(created_before=later))) == 2


def test_running_imports(account, sandbox):
    sandbox.hold("importing")
    created = account.create_sis_import(io.BytesIO(USERS))
    running = wait_until(lambda: list(account.get_sis_imports_running()))
    assert [i.id for i in running] == [created.id]
    assert running[0].workflow_state == "importing"
    sandbox.release()
    finished(account, created.id)
    assert list(account.get_sis_imports_running()) == []


def test_abort_one(account, sandbox):
    sandbox.hold()
    created = account.create_sis_import(io.BytesIO(USERS))
    aborted = created.abort()
    assert isinstance(aborted, SisImport) and aborted.workflow_state == "aborted"
    with pytest.raises(ResourceDoesNotExist):  # finished imports cannot be aborted
        created.abort()


def test_abort_all_pending(account, sandbox):
    sandbox.hold()
    created = [account.create_sis_import(io.BytesIO(USERS)) for _ in range(2)]
    assert account.abort_sis_imports_pending() is True
    for item in created:
        current = account.get_sis_import(item.id)
        assert current.workflow_state == "aborted" and current.progress == 100


def test_restore_states_and_follow_the_progress(account):
    created = account.create_sis_import(io.BytesIO(USERS))
    done = finished(account, created.id)
    progress = done.restore_states()
    assert isinstance(progress, Progress)
    assert progress.context_id == created.id and progress.tag == "sis_batch_state_restore"
    completed = wait_until(lambda: (p := progress.query()).workflow_state == "completed" and p)
    assert completed.completion == 100
    assert account.get_sis_import(created.id).workflow_state == "restored"


def test_terms_list_and_one_term(account):
    terms = list(account.get_enrollment_terms())
    assert [t.name for t in terms] == ["Default Term", "Spring 2027", "Fall 2026"]
    fall = account.get_enrollment_term(terms[2].id)
    assert fall.sis_term_id == "F2026" and fall.start_at == "2026-08-24T00:00:00Z"
    assert fall.overrides == {} and fall.course_count == 0


def test_bad_request_on_a_sub_account(canvas):
    with pytest.raises(BadRequest, match="root accounts"):
        canvas.get_account(2).create_sis_import(io.BytesIO(USERS))


def test_forbidden_when_sis_is_off(canvas):
    with pytest.raises(Forbidden, match="not enabled"):
        canvas.get_account(3).get_sis_imports()[0]


def test_resource_does_not_exist(account):
    with pytest.raises(ResourceDoesNotExist):
        account.get_sis_import(987654)


def test_invalid_access_token(sandbox):
    with pytest.raises(InvalidAccessToken):
        Canvas(sandbox.url, "not-the-token").get_account(1)
