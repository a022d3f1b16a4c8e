"""The `sandbox` fixture with the real CanvasClient, as the other suites use it."""
from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def test_client_round_trip(sandbox):
    with sandbox.client() as client:
        assert client.get_account().is_root
        assert [t.sis_term_id for t in client.list_terms()] == [None, "S2027", "F2026"]
        created = client.create_import([SAMPLES / "sample_import.zip"])
        assert created.workflow_state.value == "created"
        done = client.poll(created.id, intervals=[0.01])
        assert done.workflow_state.value == "imported"
        assert done.counts["enrollments"] == 6
        assert [i.id for i in client.list_imports()] == [created.id]


def test_client_raw_upload_and_errors(sandbox, tmp_path):
    with sandbox.client() as client:
        client.poll(client.create_import([SAMPLES / "sample_import.zip"]).id, intervals=[0.01])
        created = client.create_import([SAMPLES / "enrollments_with_warnings.csv"], raw=True)
        done = client.poll(created.id, intervals=[0.01])
        assert done.workflow_state.value == "imported_with_messages"
        rows = list(client.import_errors(done.id))
        assert len(rows) == done.warning_count == 4
        saved = client.download_errors_attachment(done, tmp_path / "errors.csv")
        assert saved.read_text().startswith("sis_import_id,file,message,row")
