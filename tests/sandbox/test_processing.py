"""Processing: states, counts, messages, zips, batch mode, change_threshold, restore."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import requests

from sis_desktop.sandbox import Sandbox

from .polling import auth, get_import, imports_url, run_import, upload, wait_for_state, wait_until

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
USERS = b"user_id,login_id,first_name,last_name,email,status\nu1,l1,Ada,Lovelace,a@x.edu,active\n"


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_small_import_runs_immediately_to_imported(sandbox):
    done = run_import(sandbox, "users.csv", USERS)
    assert done["workflow_state"] == "imported" and done["progress"] == 100
    data = done["data"]
    assert data["supplied_batches"] == ["user"] and data["running_immediately"] is True
    assert data["counts"]["users"] == 1 and data["counts"]["error_count"] == 0
    assert set(data["counts"]) >= {"change_sis_ids", "user_observers", "warning_count"}
    stats = data["statistics"]
    assert len([k for k in stats if k != "total_state_changes"]) == 13
    assert stats["Pseudonym"]["created"] == 1 and stats["CommunicationChannel"]["created"] == 1
    assert stats["Enrollment"] == {"created": 0, "restored": 0, "deleted": 0, "concluded": 0,
                                   "deactivated": 0}
    assert done["started_at"] and done["ended_at"]
    assert [f["display_name"] for f in done["csv_attachments"]] == ["users.csv"]
    assert "processing_warnings" not in done and "errors_attachment" not in done


def test_sample_zip_imports_everything_in_canvas_order(sandbox):
    done = run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    assert done["workflow_state"] == "imported", done.get("processing_warnings")
    assert done["data"]["supplied_batches"] == ["account", "term", "course", "section", "user",
                                                "enrollment"]
    counts = done["data"]["counts"]
    assert (counts["accounts"], counts["terms"], counts["courses"], counts["sections"],
            counts["users"], counts["enrollments"]) == (3, 2, 3, 4, 6, 6)
    assert len(done["csv_attachments"]) == 6


def test_states_seen_by_a_poller(tmp_path):
    with Sandbox(speed=50, data_dir=tmp_path) as sb:
        sb.hold("importing")
        created = upload(sb, "users.csv", USERS).json()
        importing = wait_for_state(sb, created["id"], "importing")
        assert importing["progress"] == 0 and importing["started_at"] is not None
        assert importing["ended_at"] is None
        sb.release()
        assert wait_for_state(sb, created["id"])["workflow_state"] == "imported"


def test_large_import_has_rising_progress(tmp_path):
    rows = "".join(f"u{i},login{i},F,L,active\n" for i in range(400))
    data = ("user_id,login_id,first_name,last_name,status\n" + rows).encode()
    with Sandbox(speed=20, data_dir=tmp_path) as sb:
        import_id = upload(sb, "users.csv", data).json()["id"]
        seen = []

        def finished():
            body = get_import(sb, import_id)
            seen.append(body["progress"])
            return body if body["workflow_state"] == "imported" else None
        done = wait_until(finished, timeout=10)
    assert "running_immediately" not in done["data"]
    assert done["data"]["counts"]["users"] == 400
    assert seen == sorted(seen) and seen[-1] == 100


def test_row_problems_give_imported_with_messages_and_an_errors_file(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    done = run_import(sandbox, "enrollments_with_warnings.csv",
                      sample("enrollments_with_warnings.csv"))
    assert done["workflow_state"] == "imported_with_messages"
    warnings = done["processing_warnings"]
    assert ["enrollments_with_warnings.csv",
            "User not found for enrollment (User ID: U999, Course ID: ART110-F26, "
            "Section ID: ART110-F26-01)"] in warnings
    assert all(w[0] == "enrollments_with_warnings.csv" for w in warnings)
    assert done["data"]["counts"]["warning_count"] == len(warnings)
    assert done["data"]["counts"]["enrollments"] == 5 - len(warnings)
    attachment = done["errors_attachment"]
    assert attachment["content-type"] == "csv"
    assert attachment["display_name"] == f"sis_errors_attachment_{done['id']}.csv"
    assert "verifier=" in attachment["url"]
    text = requests.get(attachment["url"]).text  # the verifier is enough, like Canvas
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["sis_import_id", "file", "message", "row"]
    assert len(rows) - 1 == len(warnings)
    assert all(r[0] == str(done["id"]) for r in rows[1:])
    errors = requests.get(f"{imports_url(sandbox)}/{done['id']}/errors", headers=auth(sandbox))
    listed = errors.json()["sis_import_errors"]
    assert {e["message"] for e in listed} == {w[1] for w in warnings}
    assert all(set(e) >= {"sis_import_id", "file", "message", "row"} for e in listed)
    assert 'rel="last"' in errors.headers["Link"]
    assert requests.get(f"{imports_url(sandbox)}/{done['id']}/errors", headers=auth(sandbox),
                        params={"failure": "1"}).json()["sis_import_errors"] == []


def test_unknown_headers_fail_with_messages(sandbox):
    done = run_import(sandbox, "odd.csv", b"course_id,randomness,smelly\n1,2,3\n")
    assert done["workflow_state"] == "failed_with_messages"
    assert done["processing_errors"] == [["odd.csv", "Couldn't find Canvas CSV import headers"]]
    assert done["data"]["counts"]["error_count"] == 1
    assert done["progress"] < 100
    rows = requests.get(f"{sandbox.url}/api/v1/accounts/1/sis_import_errors",
                        headers=auth(sandbox), params={"failure": "true"}).json()
    assert rows["sis_import_errors"][0]["message"] == "Couldn't find Canvas CSV import headers"


def test_invalid_utf8_and_malformed_csv(sandbox):
    data = make_zip({"users.csv": b"user_id,login_id\nu1,l\xa0x\n",
                     "courses.csv": b'course_id,short_name\nABC,"26076.20122\n'})
    done = run_import(sandbox, "bad.zip", data)
    assert done["workflow_state"] == "failed_with_messages"
    assert sorted(done["processing_errors"]) == [["courses.csv", "Malformed CSV"],
                                                 ["users.csv", "Invalid UTF-8"]]


def test_forced_failure_gives_failed(sandbox):
    sandbox.fail_next_import("database went away")
    done = run_import(sandbox, "users.csv", USERS)
    assert done["workflow_state"] == "failed"
    assert done["data"]["error_message"] == "database went away"
    assert "stack_trace" in done["data"]
    assert run_import(sandbox, "users.csv", USERS)["workflow_state"] == "imported"


def test_not_a_zip_fails_with_a_null_file_message(sandbox):
    done = run_import(sandbox, "data.zip", b"this is not a zip")
    assert done["workflow_state"] == "failed_with_messages"
    [[file, message]] = done["processing_errors"]
    assert file is None
    assert message.startswith("Error while importing CSV. Please contact support. (Error report ")


def test_zip_bomb_is_refused(sandbox):
    bomb = make_zip({"users.csv": b"user_id,login_id\n" + b"u,l\n" * 200_000})
    done = run_import(sandbox, "bomb.zip", bomb)
    assert done["workflow_state"] == "failed_with_messages"
    assert done["processing_errors"][0][0] is None


def test_zip_walk_like_canvas(sandbox):
    data = make_zip({
        "2026/fall/users.csv": USERS,
        "__MACOSX/2026/._users.csv": b"\x00\x05junk",
        ".hidden.csv": b"junk",
        "readme.txt": b"hello",
        "empty.csv": b"",
    })
    done = run_import(sandbox, "nested.zip", data)
    assert done["workflow_state"] == "imported_with_messages"
    assert done["processing_warnings"] == [["readme.txt", "Skipping unknown file type"]]
    assert done["data"]["counts"]["users"] == 1


def test_other_top_level_extension_is_ignored(sandbox):
    done = run_import(sandbox, "data.xml", b"<xml/>")
    assert done["workflow_state"] == "imported"
    assert done["data"]["supplied_batches"] == []


def test_messages_are_capped_at_24_plus_a_summary(sandbox):
    run_import(sandbox, "courses.csv", b"course_id,short_name,long_name,status\nC1,C1,C,active\n")
    rows = "".join(f"C1,nobody{i},student,active\n" for i in range(30))
    done = run_import(sandbox, "enrollments.csv",
                      ("course_id,user_id,role,status\n" + rows).encode())
    warnings = done["processing_warnings"]
    assert len(warnings) == 25
    assert warnings[-1] == ["and 6 more warnings that were not included",
                            "Download the error file to see all warnings."]
    assert done["data"]["counts"]["warning_count"] == 30


def test_imports_run_one_at_a_time_in_order(sandbox):
    sandbox.hold()
    ids = [upload(sandbox, "users.csv", USERS).json()["id"] for _ in range(3)]
    sandbox.release()
    finals = [wait_for_state(sandbox, i) for i in ids]
    starts = [f["started_at"] for f in finals]
    ends = [sandbox.imports[i].ended_at for i in ids]
    assert all(f["workflow_state"] == "imported" for f in finals)
    assert starts == sorted(starts)
    assert all(sandbox.imports[b].started_at >= ends[a] for a, b in zip(range(2), ids[1:]))


def _batch(sandbox, data: bytes, name: str, **params) -> dict:
    params = {"batch_mode": "true", "batch_mode_term_id": "sis_term_id:F2026", **params}
    return run_import(sandbox, name, data, params)


def test_batch_mode_deletes_what_the_term_import_left_out(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    courses = b"course_id,short_name,long_name,account_id,term_id,status\n" \
              b"MATH101-F26,MATH 101,Calculus I,MATH,F2026,active\n"
    done = _batch(sandbox, courses, "courses.csv")
    assert done["workflow_state"] == "imported"
    assert done["batch_mode"] is True and done["batch_mode_term_id"] == 2
    counts = done["data"]["counts"]
    assert counts["batch_courses_deleted"] == 1  # ART110-F26; MATH102-S27 is another term
    assert "batch_enrollments_deleted" not in counts  # no enrollments supplied
    assert done["data"]["statistics"]["Course"]["deleted"] == 1
    assert sandbox.world.courses["ART110-F26"].status == "deleted"
    assert sandbox.world.courses["MATH102-S27"].status == "active"


def test_batch_mode_passes_through_cleanup_batch(tmp_path):
    with Sandbox(speed=50, data_dir=tmp_path) as sb:
        run_import(sb, "sample_import.zip", sample("sample_import.zip"))
        sb.hold("cleanup_batch")
        r = upload(sb, "enrollments.csv", b"course_id,user_id,role,status\n"
                   b"MATH101-F26,U002,student,active\n",
                   {"batch_mode": "1", "batch_mode_term_id": "2"})
        cleanup = wait_for_state(sb, r.json()["id"], "cleanup_batch")
        assert cleanup["progress"] == 0  # progress restarts for the cleanup stage
        importing = requests.get(f"{imports_url(sb)}/importing", headers=auth(sb)).json()
        assert [i["id"] for i in importing["sis_imports"]] == [cleanup["id"]]
        sb.release()
        done = wait_for_state(sb, cleanup["id"])
    assert done["workflow_state"] == "imported"
    assert done["data"]["counts"]["batch_enrollments_deleted"] == 5


def test_change_threshold_aborts_the_batch(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    enrollments = b"course_id,user_id,role,section_id,status\n" \
                  b"MATH101-F26,U001,teacher,MATH101-F26-01,active\n"
    done = _batch(sandbox, enrollments, "enrollments.csv", change_threshold="10")
    assert done["workflow_state"] == "aborted" and done["progress"] == 100
    assert done["ended_at"] is not None
    assert done["processing_warnings"] == [
        [None, "4 enrollments would be deleted and exceeds the set threshold of 10%"]]
    assert done["data"]["counts"]["warning_count"] == 1 and "errors_attachment" in done
    assert all(e.status == "active" for e in sandbox.world.enrollments.values())


def test_batch_enrollment_drop_status_and_restore(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    enrollments = b"course_id,user_id,role,section_id,status\n" \
                  b"MATH101-F26,U001,teacher,MATH101-F26-01,active\n"
    done = _batch(sandbox, enrollments, "enrollments.csv",
                  batch_mode_enrollment_drop_status="completed")
    assert done["data"]["statistics"]["Enrollment"]["concluded"] == 4
    assert sum(e.status == "completed" for e in sandbox.world.enrollments.values()) == 4
    r = requests.put(f"{imports_url(sandbox)}/{done['id']}/restore_states", headers=auth(sandbox),
                     data={"unconclude_only": "true"})
    progress = r.json()
    assert r.status_code == 200
    assert progress["context_id"] == done["id"] and progress["context_type"] == "SisBatch"
    assert progress["tag"] == "sis_batch_state_restore" and progress["completion"] == 0.0
    assert progress["workflow_state"] == "queued"
    assert progress["url"].endswith(f"/api/v1/progress/{progress['id']}")
    restored = wait_for_state(sandbox, done["id"], ("partially_restored", "restored"))
    assert restored["workflow_state"] == "partially_restored"
    assert all(e.status == "active" for e in sandbox.world.enrollments.values())
    final = requests.get(progress["url"], headers=auth(sandbox)).json()
    assert final["workflow_state"] == "completed"


def test_full_restore_undeletes_batch_deletes(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    courses = b"course_id,short_name,long_name,term_id,status\nMATH101-F26,M,Calc,F2026,active\n"
    done = _batch(sandbox, courses, "courses.csv")
    assert sandbox.world.courses["ART110-F26"].status == "deleted"
    requests.put(f"{imports_url(sandbox)}/{done['id']}/restore_states", headers=auth(sandbox))
    assert wait_for_state(sandbox, done["id"], "restored")["workflow_state"] == "restored"
    assert sandbox.world.courses["ART110-F26"].status == "active"


def test_multi_term_batch_mode_without_terms_aborts(sandbox):
    courses = b"course_id,short_name,long_name,status\nC1,C1,Course,active\n"
    done = run_import(sandbox, "courses.csv", courses, {"multi_term_batch_mode": "1",
                                                        "change_threshold": "50"})
    assert done["workflow_state"] == "aborted" and done["progress"] == 100
    assert done["processing_warnings"] == [
        [None, "Terms not found. Terms must be included with multi_term_batch_mode"]]


def test_multi_term_batch_mode_cleans_up_the_terms_in_the_import(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    data = make_zip({"terms.csv": sample("terms.csv"), "courses.csv":
                     b"course_id,short_name,long_name,term_id,status\n"
                     b"MATH101-F26,M,Calc,F2026,active\n"})
    done = run_import(sandbox, "spring.zip", data, {"multi_term_batch_mode": "true",
                                                    "change_threshold": "100"})
    assert done["workflow_state"] == "imported"
    assert done["data"]["counts"]["batch_courses_deleted"] == 2  # ART110-F26 and MATH102-S27


def test_batch_mode_without_courses_sections_or_enrollments_skips_cleanup(sandbox):
    done = _batch(sandbox, USERS, "users.csv", change_threshold="1")
    assert done["workflow_state"] == "imported"
    assert not any(k.startswith("batch_") for k in done["data"]["counts"])


def test_references_resolve_across_imports(sandbox):
    run_import(sandbox, "users.csv", USERS)
    run_import(sandbox, "courses.csv", b"course_id,short_name,long_name,status\nC1,C1,C,active\n")
    done = run_import(sandbox, "enrollments.csv",
                      b"course_id,user_id,role,status\nC1,u1,student,active\n")
    assert done["workflow_state"] == "imported"
    assert done["data"]["counts"]["enrollments"] == 1
    missing = run_import(sandbox, "sections.csv", b"section_id,course_id,name,status\nS1,NOPE,Sec,active\n")
    assert missing["processing_warnings"] == [
        ["sections.csv", "Section S1 references course NOPE which doesn't exist"]]


def test_skip_deletes_ignores_deleted_rows(sandbox):
    run_import(sandbox, "users.csv", USERS)
    deleted = b"user_id,login_id,first_name,last_name,status\nu1,l1,Ada,Lovelace,deleted\n"
    run_import(sandbox, "users.csv", deleted, {"skip_deletes": "true"})
    assert sandbox.world.users["u1"].status == "active"
    run_import(sandbox, "users.csv", deleted)
    assert sandbox.world.users["u1"].status == "deleted"


def test_aborting_a_running_import_stops_it(tmp_path):
    with Sandbox(speed=50, data_dir=tmp_path) as sb:
        sb.hold("importing")
        import_id = upload(sb, "users.csv", USERS).json()["id"]
        wait_for_state(sb, import_id, "importing")
        r = requests.put(f"{imports_url(sb)}/{import_id}/abort", headers=auth(sb))
        assert r.json()["workflow_state"] == "aborted"
        sb.release()
        follow = upload(sb, "users.csv", USERS).json()["id"]
        assert wait_for_state(sb, follow)["workflow_state"] == "imported"
        final = get_import(sb, import_id)
    assert final["workflow_state"] == "aborted" and final["ended_at"] is None
    assert "counts" not in final["data"]


def test_diffing_applies_only_the_difference(sandbox):
    users = b"user_id,login_id,first_name,last_name,status\n" \
            b"u1,l1,Ada,Lovelace,active\nu2,l2,Alan,Turing,active\nu3,l3,Grace,Hopper,active\n"
    opts = {"diffing_data_set_identifier": "users-2026"}
    first = run_import(sandbox, "users.csv", users, opts)
    assert "diffed_against_sis_batch_id" not in first["data"]
    changed = b"user_id,login_id,first_name,last_name,status\n" \
              b"u1,l1,Ada,Lovelace,active\nu2,l2,Alan M.,Turing,active\n"
    second = run_import(sandbox, "users.csv", changed, {**opts, "diffing_user_remove_status": "suspended"})
    assert second["data"]["diffed_against_sis_batch_id"] == first["id"]
    assert second["diffed_against_import_id"] is None  # as in real Canvas
    assert second["diffing_threshold_exceeded"] is False
    assert second["data"]["counts"]["users"] == 2  # u2 changed, u3 removed
    assert sandbox.world.users["u3"].status == "suspended"
    [diffed] = second["diffed_csv_attachments"]
    text = requests.get(diffed["url"]).text
    assert "u2" in text and "u3" in text and "u1" not in text


def test_diffing_skipped_over_the_size_threshold(sandbox):
    opts = {"diffing_data_set_identifier": "set", "change_threshold": "5"}
    run_import(sandbox, "users.csv", USERS, opts)
    bigger = USERS + b"u2,l2,Alan,Turing,b@x.edu,active\n"
    done = run_import(sandbox, "users.csv", bigger, opts)
    assert done["diffing_threshold_exceeded"] is True
    assert done["processing_warnings"] == [
        [None, "Diffing not performed because file size difference exceeded threshold"]]
    assert done["data"]["counts"]["users"] == 2


def test_diffing_remaster_does_not_diff(sandbox):
    opts = {"diffing_data_set_identifier": "set"}
    run_import(sandbox, "users.csv", USERS, opts)
    done = run_import(sandbox, "users.csv", USERS, {**opts, "diffing_remaster_data_set": "1"})
    assert done["diffing_remaster"] is True
    assert "diffed_against_sis_batch_id" not in done["data"]
    assert done["data"]["counts"]["users"] == 1


def test_passwords_are_not_exposed_in_csv_attachments(sandbox):
    data = b"user_id,login_id,password,first_name,last_name,status\nu1,l1,S3cret!pw,Ada,L,active\n"
    done = run_import(sandbox, "users.csv", data)
    [attachment] = done["csv_attachments"]
    text = requests.get(attachment["url"]).text
    assert "S3cret" not in text and "password" not in text and "u1,l1,Ada,L,active" in text


def test_role_names_the_sandbox_does_not_know(sandbox):
    run_import(sandbox, "sample_import.zip", sample("sample_import.zip"))
    done = run_import(sandbox, "enrollments.csv", b"course_id,user_id,role,status\n"
                      b"MATH101-F26,U002,wizard,active\nMATH101-F26,U003,TaEnrollment,active\n")
    assert done["processing_warnings"] == [
        ["enrollments.csv", 'Improper role "wizard" for an enrollment']]
    assert done["data"]["counts"]["enrollments"] == 1


def test_errors_attachment_can_arrive_after_the_terminal_state(sandbox):
    sandbox.errors_file_delay = 0.2
    done = run_import(sandbox, "odd.csv", b"course_id,randomness\n1,2\n")
    assert done["workflow_state"] == "failed_with_messages"
    assert "errors_attachment" not in done
    later = wait_until(lambda: get_import(sandbox, done["id"]).get("errors_attachment"))
    assert later["display_name"] == f"sis_errors_attachment_{done['id']}.csv"


def test_diffing_with_nothing_changed_imports_nothing(sandbox):
    opts = {"diffing_data_set_identifier": "same"}
    first = run_import(sandbox, "users.csv", USERS, opts)
    again = run_import(sandbox, "users.csv", USERS, opts)
    assert first["workflow_state"] == again["workflow_state"] == "imported"
    assert "diffed_against_sis_batch_id" not in again["data"]
    assert again["data"]["supplied_batches"] == [] and again["data"]["counts"]["users"] == 0


def test_world_limit_is_said_in_the_result(sandbox):
    """The sandbox keeps at most WORLD_ROW_LIMIT rows of an import; the result says so
    instead of showing "Logins created 200,000" for more users than that."""
    from sis_desktop.sandbox.processor import WORLD_ROW_LIMIT
    total = WORLD_ROW_LIMIT + 3
    body = "user_id,login_id,status\n" + "".join(f"u{i},l{i},active\n" for i in range(total))
    response = upload(sandbox, "users.csv", body.encode())
    assert response.status_code == 200, response.text
    done = wait_for_state(sandbox, response.json()["id"], timeout=180)  # a big import
    assert done["data"]["counts"]["users"] == total
    notes = [m for f, m in done["processing_warnings"] if m.startswith("Sandbox: only the first")]
    assert len(notes) == 1
    assert f"{WORLD_ROW_LIMIT:,} of these {total:,} rows" in notes[0]
    assert done["data"]["statistics"]["Pseudonym"]["created"] <= WORLD_ROW_LIMIT
