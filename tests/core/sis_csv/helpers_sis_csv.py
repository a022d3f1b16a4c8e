"""Small helpers shared by the sis_csv tests."""
from __future__ import annotations

import zipfile
from pathlib import Path

from sis_desktop.core.sis_csv import Report, validate_paths


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def check(folder: Path, *files: tuple[str, str | bytes], **kwargs) -> Report:
    """Validate the given (name, content) files as one upload."""
    return validate_paths([write(folder, name, text) for name, text in files], **kwargs)


def make_zip(path: Path, entries: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def messages(report: Report, severity: str | None = None) -> list[str]:
    return [f.message for f in report.findings if severity is None or f.severity == severity]


def triples(report: Report) -> list[tuple[str, int | None, str]]:
    return [(f.severity, f.row, f.message) for f in report.findings]
