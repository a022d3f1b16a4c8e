"""Pre-flight validator for Canvas SIS CSV uploads (no Qt).

    report = validate_paths(["users.csv", "enrollments.csv"], cancelled=event,
                            on_progress=lambda done, total: ...)
    report.errors, report.warnings, report.notices, report.to_json()

Severity: "error" = Canvas would reject the file (its failure message), "warning" = Canvas
would skip or flag the row (its exact words), "notice" = advice Canvas would not give.
Each finding's `source` says whose words they are: "canvas" or "sis-desktop" (the app's own
checks, e.g. "Nothing in this upload would be imported", and every notice).
Cancelling raises `sis_desktop.core.canvas.errors.Cancelled`.
"""
from .detection import detect_type
from .engine import UnreadablePath, batch_only, validate_paths
from .report import CANVAS, ERROR, NOTICE, SIS_DESKTOP, WARNING, FileReport, Finding, Report
from .rules import BY_NAME, FILE_TYPES, FileType
from .sources import ArchiveError, Source, iter_csv_sources

__all__ = ["validate_paths", "batch_only", "detect_type", "iter_csv_sources", "Report", "Finding",
           "FileReport", "Source", "ArchiveError", "UnreadablePath", "FileType", "FILE_TYPES",
           "BY_NAME", "ERROR", "WARNING", "NOTICE", "CANVAS", "SIS_DESKTOP"]
