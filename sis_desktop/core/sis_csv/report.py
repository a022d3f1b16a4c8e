"""What a validation run found: per-file facts and a flat list of findings."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..checksums import FileDigest

ERROR, WARNING, NOTICE = "error", "warning", "notice"
SEVERITIES = (ERROR, WARNING, NOTICE)
# Who would say it: Canvas itself (its own words), or SIS Desktop (its own checks and advice).
CANVAS, SIS_DESKTOP = "canvas", "sis-desktop"
MAX_VALUE = 80  # characters of a file's value quoted in a message
# Row warnings after which Canvas still imports the row (the date or e-mail is left out).
ROW_KEPT = ("Bad date format for ", "The email address associated with user ")


def clip(value: str, limit: int = MAX_VALUE) -> str:
    """A value as quoted in a message: at most `limit` characters, ending in "…" when cut."""
    return value if len(value) <= limit else value[:limit - 1] + "…"


@dataclass(frozen=True)
class Finding:
    """One message. `severity`: "error" = Canvas would reject the file (its failure text);
    "warning" = Canvas would skip or flag the row (its exact text); "notice" = local advice
    Canvas itself would not give. `row` counts like Canvas (header = 1), None for file-level.
    `source`: CANVAS for Canvas's own message, SIS_DESKTOP for the app's checks (every notice,
    and errors such as "Nothing in this upload would be imported"); defaults by severity."""

    severity: str
    file: str | None
    row: int | None
    message: str
    source: str = ""

    def __post_init__(self) -> None:
        if not self.source:
            object.__setattr__(self, "source", SIS_DESKTOP if self.severity == NOTICE else CANVAS)

    @property
    def from_canvas(self) -> bool:
        return self.source == CANVAS

    @property
    def skips_row(self) -> bool:
        """True for a row warning after which Canvas skips the row (most of them; not
        "Bad date format …" nor an invalid e-mail address, where the row is still imported)."""
        return (self.severity == WARNING and self.row is not None
                and not self.message.startswith(ROW_KEPT))

    def to_json(self) -> dict:
        return {"severity": self.severity, "file": self.file, "row": self.row,
                "message": self.message, "source": self.source}


@dataclass
class FileReport:
    """One CSV (or other entry) of the upload. `type` is Canvas's importer name
    ("user", "enrollment", …) or None when the file is not imported at all.
    `rows` counts data rows, without blank ones."""

    name: str
    type: str | None
    rows: int = 0
    size: int = 0

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "rows": self.rows}


@dataclass
class Report:
    """Result of `validate_paths`. Findings are grouped by file (in the order files were
    found), and within a file by row. `digests` holds each given path's size and sha256,
    taken from the bytes the validation read (callers need no separate hashing pass)."""

    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    term_ids: set[str] = field(default_factory=set)
    # one per path given, in that order: sha256 and size taken while validating (no extra pass)
    digests: list[FileDigest] = field(default_factory=list)
    # severity → row findings counted but not listed (see sis_csv.validate_paths)
    unlisted: dict[str, int] = field(default_factory=dict)

    @property
    def sha256s(self) -> dict[str, str]:
        """{path as given: sha256} of `digests` (what the import flow takes the hashes from)."""
        return {str(d.path): d.sha256 for d in self.digests}

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def notices(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == NOTICE]

    @property
    def ok(self) -> bool:
        """True when Canvas would reject no file."""
        return not any(f.severity == ERROR for f in self.findings)

    def counts_by_type(self) -> dict[str, int]:
        """Data rows per Canvas importer type, e.g. {"user": 120, "enrollment": 4000}."""
        counts: dict[str, int] = {}
        for f in self.files:
            if f.type:
                counts[f.type] = counts.get(f.type, 0) + f.rows
        return counts

    def findings_for(self, name: str) -> list[Finding]:
        return [f for f in self.findings if f.file == name]

    def summary(self) -> dict[str, int]:
        errors = self.unlisted.get(ERROR, 0)
        warnings = self.unlisted.get(WARNING, 0)
        notices = self.unlisted.get(NOTICE, 0)
        for f in self.findings:
            if f.severity == ERROR:
                errors += 1
            elif f.severity == WARNING:
                warnings += 1
            else:
                notices += 1
        return {"errors": errors, "warnings": warnings, "notices": notices}

    def summary_line(self) -> str:
        """One sentence, e.g. "3 files, 1,204 rows: no errors, 2 warnings, 1 notice."."""
        rows = sum(f.rows for f in self.files)
        s = self.summary()
        parts = [_plural(s["errors"], "error"), _plural(s["warnings"], "warning"),
                 _plural(s["notices"], "notice")]
        return f"{_plural(len(self.files), 'file')}, {_plural(rows, 'row')}: {', '.join(parts)}."

    def processing_messages(self) -> tuple[list[list], list[list]]:
        """What Canvas would list as `processing_errors` and `processing_warnings`:
        `[file, message]` pairs, not capped at Canvas's 24 (a file lists at most 1,000 rows
        per message, see `sis_csv.validate_paths`; the app's own findings are left out)."""
        errors = [[f.file, f.message] for f in self.findings
                  if f.severity == ERROR and f.from_canvas]
        warnings = [[f.file, f.message] for f in self.findings
                    if f.severity == WARNING and f.from_canvas]
        return errors, warnings

    def to_json(self) -> dict:
        """The `validate --json` shape: files, every message, summary."""
        return {"files": [f.to_json() for f in self.files],
                "messages": [f.to_json() for f in self.findings],
                "summary": self.summary()}


def _plural(n: int, word: str) -> str:
    if n == 0:
        return f"no {word}s"
    return f"{n:,} {word}" + ("" if n == 1 else "s")
