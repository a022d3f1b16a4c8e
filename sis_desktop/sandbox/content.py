"""Reading an uploaded file like Canvas's importer: walk the zip, check each CSV's encoding
and quoting, detect its type from the header, and collect the data rows and messages.

Row rules come from the pre-flight validator (`sis_desktop.core.sis_csv`), the single
source of them; this module only does what is needed to read the files."""
from __future__ import annotations

import codecs
import csv
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator


UNKNOWN_FILE = "Skipping unknown file type"
INVALID_UTF8 = "Invalid UTF-8"
MALFORMED = "Malformed CSV"
NO_HEADERS = "Couldn't find Canvas CSV import headers"
CRASH = "Error while importing CSV. Please contact support. (Error report {n})"


@dataclass
class Message:
    file: str | None
    message: str
    row: int | None
    failure: bool


@dataclass
class CsvFile:
    """One importable CSV: its Canvas type and how to read its data rows again."""
    name: str
    type: str
    path: Path
    row_count: int
    skipped: set[int] = field(default_factory=set)       # rows Canvas would skip
    replaced: list[tuple[int, dict[str, str]]] | None = None  # the rows of a diff

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number counting the header as 1, {column: stripped non-blank value})."""
        if self.replaced is not None:
            yield from self.replaced
            return
        with open(self.path, encoding="utf-8-sig", newline="") as fh:
            for number, values in _numbered(csv.reader(fh)):
                if number == 1:
                    header = [cell.lower() for cell in values]
                    continue
                row = _clean(header, values)
                if row and number not in self.skipped:
                    yield number, row


@dataclass
class Upload:
    files: list[CsvFile] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    crashed: bool = False

    @property
    def row_count(self) -> int:
        return sum(f.row_count if f.replaced is None else len(f.replaced) for f in self.files)


def analyze(upload: Path, workdir: Path, report_number) -> Upload:
    """Read `upload` as Canvas would; extracted CSVs are copied under `workdir`.

    `report_number()` gives the next "Error report N" number."""
    from sis_desktop.core.sis_csv import ArchiveError, iter_csv_sources
    result = Upload()
    if not upload.name.lower().endswith((".zip", ".csv")):
        return result  # Canvas ignores other top-level types
    try:
        sources = list(iter_csv_sources(upload))
    except (ArchiveError, OSError):
        result.messages.append(Message(None, CRASH.format(n=report_number()), None, True))
        result.crashed = True
        return result
    workdir.mkdir(parents=True, exist_ok=True)
    for index, source in enumerate(sources):
        if not source.is_csv:
            result.messages.append(Message(source.name, UNKNOWN_FILE, None, False))
            continue
        target = workdir / f"{index}_{Path(source.name).name}"
        with source.open() as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
        parsed = _read_csv(source.name, target, result.messages)
        if parsed is not None:
            result.files.append(parsed)
    _add_row_findings(upload, result)
    return result


def _read_csv(name: str, path: Path, messages: list[Message]) -> CsvFile | None:
    """File-level checks in Canvas's order (UTF-8, quoting, header), streaming."""
    from sis_desktop.core.sis_csv import detect_type
    from sis_desktop.core.sis_csv.engine import canvas_blank

    if path.stat().st_size == 0:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        messages.append(Message(name, INVALID_UTF8, None, True))
        return None
    header: list[str] | None = None
    kind, rows = None, 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for number, values in _numbered(csv.reader(fh, strict=True)):
                if number == 1:
                    header = [cell.lower() for cell in values]
                    kind = detect_type(header)
                    blank = canvas_blank(values)  # Canvas's to_hash rule, extras included
                elif kind is not None and not blank(values):
                    rows += 1
    except csv.Error:
        messages.append(Message(name, MALFORMED, None, True))
        return None
    if header is None:
        return None  # only blank lines
    if kind is None:
        messages.append(Message(name, NO_HEADERS, None, True))
        return None
    return CsvFile(name, kind, path, rows)


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """Rows with their number; blank lines are neither yielded nor counted."""
    number = 0
    for values in reader:
        if values:
            number += 1
            yield number, values


def _clean(header: list[str], values: list[str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for column, value in zip(header, values):
        value = value.strip()
        if column and value and column not in cleaned:
            cleaned[column] = value
    return cleaned


def _add_row_findings(upload: Path, result: Upload) -> None:
    """Row-level messages from the validator; a row with a warning is skipped like Canvas
    does (except bad dates, which Canvas imports with the date left empty)."""
    from sis_desktop.core.sis_csv import validate_paths

    report = validate_paths([upload], listed_per_message=None)  # every skipped row
    known = {(m.file, m.message) for m in result.messages}
    by_file = {f.name: f for f in result.files}
    for finding in report.findings:
        if finding.severity not in ("error", "warning") or finding.file is None \
                or not finding.from_canvas:
            continue  # the validator's own findings (upload-level or not): not Canvas's words
        if finding.row is None:
            if not any(file == finding.file and finding.message.startswith(message)
                       for file, message in known):  # (the validator may add a hint)
                failure = finding.severity == "error"
                result.messages.append(Message(finding.file, finding.message, None, failure))
                if failure:
                    result.files = [f for f in result.files if f.name != finding.file]
            continue
        result.messages.append(Message(finding.file, finding.message, finding.row, False))
        csv_file = by_file.get(finding.file)
        if csv_file is not None and finding.skips_row:
            csv_file.skipped.add(finding.row)


SECRET_COLUMNS = ("password", "ssha_password")


def exposed_copy(csv_file: CsvFile) -> Path:
    """The file Canvas shows in csv_attachments: for users CSVs with password columns, a
    copy without them."""
    if csv_file.type != "user":
        return csv_file.path
    text = csv_file.path.read_text("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    keep = [i for i, name in enumerate(table[0]) if name.strip().lower() not in SECRET_COLUMNS]
    if len(keep) == len(table[0]):
        return csv_file.path
    target = csv_file.path.with_name(csv_file.path.stem + "_filtered.csv")
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for row in table:
            writer.writerow([row[i] for i in keep if i < len(row)])
    return target
