"""Property tests: arbitrary bytes never crash the validator (as a .csv or inside a zip)."""
from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sis_desktop.core.sis_csv import validate_paths
from sis_desktop.core.sis_csv.report import SEVERITIES

HEADERS = [b"user_id,login_id,status,email\n", b"course_id,user_id,role,status,start_date\n",
           b"account_id,parent_account_id,name,status\n", b"old_id,new_id,type\n",
           b"observer_id,student_id,status\n", b"\xef\xbb\xbfsection_id,course_id,name,status\n"]
ALPHABET = st.sampled_from([b"a", b"1", b",", b'"', b"\n", b"\r", b" ", b"\x00", b"\xc3\xa9",
                            b"\xff", b"active", b"<delete>", b"2024-13-01", b"@"])
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_sane_for(tmp_path, name: str, data: bytes) -> None:
    """Validating `data` saved as `name` gives well-formed findings, never a crash."""
    path = tmp_path / name
    path.write_bytes(data)
    report = validate_paths([path])
    for finding in report.findings:
        assert finding.severity in SEVERITIES
        assert finding.message and "validator failed" not in finding.message
    for file in report.files:
        assert file.rows >= 0


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_as_csv(tmp_path, data):
    _assert_sane_for(tmp_path, "fuzz.csv", data)


@FUZZ
@given(header=st.sampled_from(HEADERS), body=st.lists(ALPHABET, max_size=80))
def test_csv_like_bytes(tmp_path, header, body):
    _assert_sane_for(tmp_path, "fuzz.csv", header + b"".join(body))


@FUZZ
@given(entries=st.dictionaries(st.sampled_from(["a.csv", "d/b.csv", "c.txt", "__MACOSX/x.csv"]),
                               st.binary(max_size=200), max_size=3))
def test_random_bytes_inside_a_zip(tmp_path, entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    _assert_sane_for(tmp_path, "fuzz.zip", buffer.getvalue())


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_as_zip(tmp_path, data):
    _assert_sane_for(tmp_path, "fuzz.zip", data)
