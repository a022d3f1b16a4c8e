"""Run the rule tables over an upload: one streaming pass per file, in Canvas's order."""
from __future__ import annotations

import codecs
import collections
import csv
import io
import itertools
import os
import re
import threading
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from ..canvas.errors import Cancelled
from ..checksums import PrefixHasher
from . import special
from .compact import HashedMap, HashedSet, HashedStore
from .compiler import STRIP, compile_checks
from .detection import detect, header_advice
from .report import ERROR, NOTICE, SIS_DESKTOP, WARNING, FileReport, Finding, Report, clip
from .rowsep import RowSeparator, StrayLineBreak
from .rules import BY_NAME, KIND_WORDS, ORDER, FileType
from .sources import ArchiveError, Source, iter_csv_sources

CHUNK = 1 << 16
# Canvas stores no SIS value longer than 64 KB (most columns hold 255 characters): a
# field or a line over 1 MB can only be a mistake (often a quote that is never closed). The
# check of that file stops there with a "Field too long" error instead of holding it, so
# memory stays bounded whatever the file (tests/benchmarks/bench_validate_memory.py).
MAX_FIELD_CHARS = 1 << 20
MAX_LINE_CHARS = 1 << 20
FIELD_LIMIT = MAX_FIELD_CHARS
_FIELD = r'(?:"[^"]*(?:""[^"]*)*"|[^",\r\n]*)'
_RECORD = re.compile(_FIELD + r"(?:," + _FIELD + r")*(?:\r\n|\n|\r)?")
# A space next to a field boundary (comma, line start or end): the chunk needs stripping.
_SPACED = (" ,", ", ", " \n", "\n ", " \r", "\r ")
STORE_KINDS = ("account", "term", "abstract_course", "course", "section", "xlist", "user",
               "user_integration", "login", "group_category", "group", "differentiation_tag_set",
               "differentiation_tag", "institutional_tag_category", "institutional_tag",
               "integration_of", "group_category_name", "group_category_key", "changed_sis_id",
               "account_parent", "account_kids")
MAPPED_KINDS = frozenset({"course", "section", "xlist", "login", "user_integration",
                          "integration_of", "group_category_name", "group_category_key",
                          "changed_sis_id", "account_parent"})  # id → value


# Above these, ids are kept as hashes (`compact`): a file of this many bytes, an upload's
# store of this many ids. Below them Python's own set and dict are faster; above them they
# would cost ~3.4× the file in memory (a 200 MB users.csv: 680 MB instead of ~150 MB).
COMPACT_FROM = 32 << 20
LISTED_PER_MESSAGE = 1000  # rows a file lists with one message (see validate_paths)
# Ids an upload remembers at most (~150 MB as hashes): past them the stores are frozen and
# references and duplicates are no longer checked, so memory stays bounded whatever the input.
MAX_IDS = 3_500_000
COMPACT_ENTRIES = 400_000
_NATIVE_ONLY = frozenset({"group_category_key"})  # its values are tuples (and few)


def _new_stores(compact: bool = False, frozen: bool = False) -> dict[str, set | dict]:
    """Ids per reference kind: a set, or a dict when a value rides along (course → term)."""
    stores = {kind: _new_store(kind, compact or frozen) for kind in STORE_KINDS}
    if frozen:
        _freeze(stores)
    return stores


def _freeze(stores: dict) -> None:
    for store in stores.values():
        if isinstance(store, HashedStore):
            store.frozen = True


def _held(stores: dict) -> int:
    return sum(len(s) for s in stores.values() if isinstance(s, HashedStore))


def _new_store(kind: str, compact: bool):
    if compact and kind not in _NATIVE_ONLY:
        return HashedMap() if kind in MAPPED_KINDS else HashedSet()
    return {} if kind in MAPPED_KINDS else set()


def _merge_store(kind: str, store, new):
    """`store` with the ids of `new` added (one of the two objects, grown, or a compact
    store when together they hold more than COMPACT_ENTRIES ids)."""
    if not new:
        return store
    if not store:
        return new
    compact = isinstance(new, HashedStore) or len(store) + len(new) > COMPACT_ENTRIES
    if compact and kind not in _NATIVE_ONLY and not isinstance(store, HashedStore):
        converted = _new_store(kind, True)
        converted.update(store)
        store = converted
    if isinstance(store, HashedStore):
        frozen, store.frozen = store.frozen, False  # what the file remembered before a
        store.update(new)                           # freeze is kept, not dropped
        store.frozen = frozen
    else:
        store.update(new)
    return store
INVALID_UTF8 = "Invalid UTF-8"
MALFORMED = "Malformed CSV"
NO_HEADERS = "Couldn't find Canvas CSV import headers"
UNKNOWN_FILE = "Skipping unknown file type"

_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError,
                NotImplementedError)
ProgressCallback = Callable[[int, int], None]


class UnreadablePath(Exception):
    """A path given to `validate_paths` cannot be read; `str()` is one sentence."""


class _Malformed(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)


class _BadEncoding(Exception):
    pass


class _Unreadable(Exception):
    """The file's bytes cannot be read; `str()` is the sentence to show."""


class _LineTooLong(Exception):
    """A line longer than MAX_LINE_CHARS (raised by the line readers, not held)."""


def _too_long(line: int | None, *, field: bool) -> str:
    """The finding for a field or line over the limit (Canvas could not store it)."""
    if field:
        where = f"a field running up to line {line}" if line else "a field of the header row"
        what = f"{where} is longer than {MAX_FIELD_CHARS >> 20} MB"
    else:
        what = f"{f'line {line}' if line else 'the header row'} is longer than {MAX_LINE_CHARS >> 20} MB"
    return (f"Field too long: {what}; Canvas stores no SIS value that long, so this is most "
            "likely a quote that is never closed or data that is not a CSV. SIS Desktop "
            "stopped checking this file there.")


def _bounded_lines(text: io.TextIOBase):
    """The lines of `text`, refusing (not holding) one over MAX_LINE_CHARS."""
    while line := text.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong()
        yield line


def validate_paths(paths: Iterable[str | os.PathLike], *, cancelled: threading.Event | None = None,
                   on_progress: ProgressCallback | None = None,
                   institutional_tags: bool = False, collector=None,
                   listed_per_message: int | None = LISTED_PER_MESSAGE) -> Report:
    """Check one CSV, one zip, or several CSVs validated as one upload.

    `collector` (optional) takes the ids of every row the checks let through, in the same
    pass: `collector.columns(type_name)` names the columns wanted (or None), and
    `collector.sink(type_name, file_name)` returns `f(row_number, *values)`.

    A file lists at most `listed_per_message` rows with the same message (None: all of them);
    the rest are counted in `Report.unlisted` and named by one notice, so a file whose every
    row is wrong costs no more memory than its first thousand.

    Raises UnreadablePath (missing path, a folder, no permission) before reading anything,
    and `sis_desktop.core.canvas.errors.Cancelled` when `cancelled` is set. Calls
    `on_progress(bytes_read, total_bytes)` every few thousand rows (uncompressed bytes)."""
    paths = [Path(p) for p in paths]
    for path in paths:
        _check_readable(path)
    csv.field_size_limit(FIELD_LIMIT)
    upload = _Upload(cancelled, on_progress, institutional_tags)
    upload.collector = collector
    upload.listed_per_message = listed_per_message
    return upload.run(paths)


def _check_readable(path: Path) -> None:
    from ..files import file_problem
    problem = file_problem(path)  # missing, a folder, a FIFO, a symlink loop, no permission…
    if problem:
        raise UnreadablePath(problem)


@dataclass
class _Entry:
    source: Source
    report: FileReport
    findings: list[Finding] = field(default_factory=list)
    ftype: FileType | None = None
    header: list[str] | None = None
    problem: tuple[str, str | None] | None = None  # (error, explanation) found while detecting
    ignored: str | None = None  # why Canvas passes over this file, e.g. "x.csv is empty"
    unlisted: dict[str, int] = field(default_factory=dict)  # severity → rows not listed


class _Upload:
    def __init__(self, cancelled, on_progress, institutional_tags: bool):
        self.cancelled = cancelled
        self.on_progress = on_progress
        self.institutional_tags = institutional_tags
        self.stores = _new_stores()
        self.collector = None
        self.listed_per_message: int | None = None
        self.full = [False]  # past MAX_IDS (see _FileRun.count_ids); read by the row checks
        self.full_at: tuple[str, int] | None = None
        self.done = 0
        self.total = 0

    def run(self, paths: list[Path]) -> Report:
        report = Report()
        entries: list[_Entry] = []
        upload_findings: list[Finding] = []
        hollow: list[str] = []  # zips holding nothing Canvas would look at
        hashers = [PrefixHasher(path) for path in paths]
        for path, hasher in zip(paths, hashers):
            try:
                sources = list(iter_csv_sources(path, hasher=hasher))
            except ArchiveError as exc:
                report.files.append(FileReport(path.name, None, 0, path.stat().st_size))
                upload_findings.append(Finding(ERROR, path.name, None, str(exc), SIS_DESKTOP))
                continue
            except OSError as exc:
                raise UnreadablePath(f"{path} cannot be read ({exc.strerror or exc}).") from exc
            if not sources:
                hollow.append(f"{path.name} holds no files")
            for source in sources:
                entry = _Entry(source, FileReport(source.name, None, 0, source.size))
                entries.append(entry)
                report.files.append(entry.report)
        self.total = sum(e.source.size for e in entries if e.source.is_csv)
        for entry in entries:
            self._detect(entry)
        self.needed = _needed_kinds({e.ftype.name for e in entries if e.ftype})
        ordered = sorted(entries, key=lambda e: ORDER[e.ftype.name] if e.ftype else -1)
        for entry in ordered:
            self._check_cancelled()
            self._process(entry)
            self.done += entry.source.size if entry.source.is_csv else 0
            self._progress(0)
        for entry in entries:
            report.findings.extend(entry.findings)
        report.findings.extend(upload_findings)
        for entry in entries:
            for severity, count in entry.unlisted.items():
                report.unlisted[severity] = report.unlisted.get(severity, 0) + count
        report.findings.extend(_nothing_imported(report, entries, hollow))
        if self.full_at is not None:
            name, row = self.full_at
            report.findings.append(Finding(NOTICE, name, row, (
                f"This upload holds more than {MAX_IDS:,} ids: from this row on SIS Desktop "
                f"stopped remembering new ones, so references to them and duplicates of them "
                f"were not checked (each row's own values still were). Check big files "
                f"separately to have them checked in full.")))
        report.term_ids = {t for t in self.stores["course"].values() if t}
        report.findings.extend(_upload_advice(report))
        for hasher in hashers:  # usually nothing left to read: the pass above read every byte
            try:
                report.digests.append(hasher.finish())
            except OSError as exc:
                raise UnreadablePath(f"{hasher.path} cannot be read ({exc.strerror or exc}).") from exc
        return report

    # -- detection -------------------------------------------------------------------
    def _detect(self, entry: _Entry) -> None:
        source = entry.source
        if not source.is_csv:
            entry.findings.append(Finding(WARNING, source.name, None, UNKNOWN_FILE))
            entry.ignored = (f"{source.name} is a zip inside the zip, which Canvas skips as an "
                             f"unknown file type" if source.name.lower().endswith(".zip") else
                             f"{source.name} is not a .csv file (Canvas skips it as an unknown "
                             f"file type)")
            return
        try:
            with source.open() as raw:
                head = raw.read(CHUNK)
                if not head or head == codecs.BOM_UTF8:
                    entry.findings.append(Finding(NOTICE, source.name, None,
                                                  "This file is empty; Canvas ignores it."))
                    entry.ignored = f"{source.name} is empty"
                    return
                explanation = _encoding_trouble(head)
                if explanation:
                    entry.problem = (INVALID_UTF8, explanation)
                    return
                text = io.TextIOWrapper(io.BufferedReader(_Prefixed(head, raw)),
                                        encoding="utf-8-sig", newline="")
                header = _first_record(csv.reader(_bounded_lines(text), strict=True))
        except _LineTooLong:
            entry.problem = (_too_long(None, field=False), None)
            return
        except UnicodeDecodeError:
            entry.problem = (INVALID_UTF8, None)  # the full pass explains where
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                entry.problem = (_too_long(None, field=True), None)
                return
            entry.problem = (MALFORMED, f"The header row cannot be parsed ({exc}); check its quotes.")
            return
        except _READ_ERRORS as exc:  # a broken zip entry (CRC, zlib, encrypted …)
            entry.problem = (f"This file cannot be read ({type(exc).__name__}: {exc}).", None)
            return
        if header is None:
            entry.findings.append(Finding(NOTICE, source.name, None,
                                          "This file has no header row; Canvas ignores it."))
            entry.ignored = f"{source.name} has no header row"
            return
        first = head.lstrip(b"\r\n").split(b"\n", 1)[0].decode("utf-8-sig", "replace") + "\n"
        if '"' in first and not any("\n" in c or "\r" in c for c in header) \
                and not _RECORD.fullmatch(first):
            entry.problem = (MALFORMED, "The header row has a quote inside an unquoted field; "
                                        "Canvas rejects the whole file.")
            return
        entry.header = header
        entry.ftype = detect(header, institutional_tags=self.institutional_tags)

    # -- the full pass ---------------------------------------------------------------
    def _process(self, entry: _Entry) -> None:
        source = entry.source
        if not source.is_csv or (entry.header is None and entry.problem is None):
            return
        run = _FileRun(self, entry)
        try:
            run.read()
        except Cancelled:
            raise
        except _BadEncoding as exc:
            entry.findings[:] = [Finding(ERROR, source.name, None, INVALID_UTF8)]
            if str(exc):
                entry.findings.append(Finding(NOTICE, source.name, None, str(exc)))
            entry.report.type, entry.report.rows = None, 0
            return
        except _Malformed as exc:
            entry.findings[:] = [Finding(ERROR, source.name, None, MALFORMED),
                                 Finding(NOTICE, source.name, None, str(exc))]
            entry.report.type, entry.report.rows = None, 0
            return
        except _Unreadable as exc:
            entry.findings[:] = [Finding(ERROR, source.name, None, str(exc), SIS_DESKTOP)]
            entry.report.type, entry.report.rows = None, 0
            return
        except _READ_ERRORS as exc:
            entry.findings[:] = [Finding(ERROR, source.name, None,
                                         f"This file cannot be read ({type(exc).__name__}: {exc}).",
                                         SIS_DESKTOP)]
            entry.report.type, entry.report.rows = None, 0
            return
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            entry.findings[:] = [Finding(ERROR, source.name, None,
                                         f"The validator failed on this file ({type(exc).__name__}: "
                                         f"{exc}); please report this.", SIS_DESKTOP)]
            entry.report.type, entry.report.rows = None, 0
            return
        run.commit()

    def _check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled("Validation was cancelled.")

    def _progress(self, current: int) -> None:
        if self.on_progress is not None:
            self.on_progress(min(self.done + current, self.total), self.total)


class _FileRun:
    """The state of one file's pass: its findings, aggregated notices and new ids, kept
    apart until the file turns out readable (Canvas rejects a bad file as a whole)."""

    def __init__(self, upload: _Upload, entry: _Entry):
        self.upload = upload
        self.entry = entry
        self.name = entry.source.name
        self.findings: list[Finding] = []
        self.aggregates: dict[str, list] = {}
        self.missing: dict[str, list] = {}
        self.parents: list[tuple[int, str, str]] = []  # the first `limit` (see parent_later)
        self.more_parents = array("q")  # then only the hash of each parent
        self.parent_samples: list[tuple[int, str]] = []  # the first three past the limit
        self.last_parents: collections.deque = collections.deque(maxlen=3)  # and the last
        self.listed: dict[str, list] = {}  # template → [rows with it, its last listed finding]
        self.limit = upload.listed_per_message
        self.local = _new_stores(compact=entry.source.size >= COMPACT_FROM,
                                 frozen=upload.full[0])
        self.nul = [False]
        self.rows = 0

    def count_ids(self, line: int) -> None:
        """Past MAX_IDS ids held (upload and this file), freeze every store: see MAX_IDS."""
        upload = self.upload
        if upload.full[0] or _held(upload.stores) + _held(self.local) <= MAX_IDS:
            return
        upload.full[0] = True
        upload.full_at = (self.name, line)
        _freeze(upload.stores)
        _freeze(self.local)

    # callbacks used by the generated row checks
    def warn(self, n: int, template: str, row: list[str], **extra: str) -> None:
        self._row_finding(WARNING, n, template, row, extra)

    def note(self, n: int, template: str, row: list[str]) -> None:
        self._row_finding(NOTICE, n, template, row, {})

    def _row_finding(self, severity: str, n: int, template: str, row: list[str],
                     extra: dict) -> None:
        seen = self.listed.get(template)
        if seen is None:
            seen = self.listed[template] = [0, None, severity]
        seen[0] += 1
        if self.limit is None or seen[0] <= self.limit:
            seen[1] = Finding(severity, self.name, n, self._format(template, row, extra))
            self.findings.append(seen[1])

    def _unlisted(self) -> list[Finding]:
        """One notice per message some rows of this file got beyond the listing limit."""
        out = []
        for count, last, severity in self.listed.values():
            if self.limit is None or count <= self.limit:
                continue
            more = count - self.limit
            self.entry.unlisted[severity] = self.entry.unlisted.get(severity, 0) + more
            out.append(Finding(NOTICE, self.name, None, (
                f"{more:,} more rows got the same {severity} as row {last.row:,} "
                f"(\"{clip(last.message, 160)}\"); only the first {self.limit:,} rows with "
                f"each message are listed, the summary counts all {count:,}.")))
        return out

    def agg(self, key: str, n: int, sample: str) -> None:
        slot = self.aggregates.get(key)
        if slot is None:
            self.aggregates[key] = [1, n, [clip(sample)]]
        else:
            slot[0] += 1
            if len(slot[2]) < 3:
                sample = clip(sample)
                if sample not in slot[2]:
                    slot[2].append(sample)

    def miss(self, kind: str, n: int, value: str) -> None:
        self.agg("missing:" + kind, n, value)

    def missed(self, kind: str, count: int) -> None:
        """The loop's final count of unresolved references of `kind`."""
        if count:
            self.aggregates["missing:" + kind][0] = count

    def parent_later(self, n: int, account: str, parent: str) -> None:
        """A row whose parent account is not known yet: at the end of the file it either
        came later (a notice) or is missing. Past the listing limit only its hash is kept."""
        if self.upload.full[0]:
            return  # the account may be one no longer remembered: not checked
        if self.limit is None or len(self.parents) < self.limit:
            self.parents.append((n, account, parent))
        else:
            self.more_parents.append(hash(parent))
            if len(self.parent_samples) < 3:
                self.parent_samples.append((n, parent))
            else:
                self.last_parents.append((n, parent))

    def _format(self, template: str, row: list[str], extra: dict) -> str:
        values = _RowValues(self.index, row)
        values.update((k, clip(v)) for k, v in extra.items())
        return template.format_map(values)

    # the pass
    def read(self) -> None:
        entry, upload = self.entry, self.upload
        if entry.problem is not None:
            error, explanation = entry.problem
            if error == INVALID_UTF8:
                raise _BadEncoding(explanation or self._locate_bad_utf8())
            if error == MALFORMED:
                raise _Malformed(explanation or "")
            raise _Unreadable(error)
        header = entry.header
        ftype = entry.ftype
        self.index = {}
        for i, cell in enumerate(header):
            self.index.setdefault(cell.lower(), i)
        if ftype is None:
            self._scan_encoding()
            self.findings.append(Finding(ERROR, self.name, None,
                                         NO_HEADERS + _semicolon_hint(header)))
            for text in header_advice(header, None, institutional_tags=upload.institutional_tags):
                self.findings.append(Finding(NOTICE, self.name, None, text))
            return
        for text in header_advice(header, ftype, institutional_tags=upload.institutional_tags):
            self.findings.append(Finding(NOTICE, self.name, None, text))
        env = {"warn": self.warn, "note": self.note, "agg": self.agg, "miss": self.miss,
               "parent_later": self.parent_later, "missed": self.missed,
               "is_blank": canvas_blank(header),
               "record_ok": _check_record}
        for kind in STORE_KINDS:
            env["R_" + kind] = upload.stores[kind]
            env["L_" + kind] = self.local[kind]
            if kind not in MAPPED_KINDS:
                env[f"L_{kind}_add"] = self.local[kind].add
        env["NUL"] = self.nul
        env["FULL"] = upload.full
        columns = upload.collector and upload.collector.columns(ftype.name)
        if columns:
            env["COLLECT"] = (tuple(columns), upload.collector.sink(ftype.name, self.name))
        self._rows(compile_checks(ftype, self.index, env, upload.needed, len(header)))

    def _rows(self, run) -> None:
        counter = _Counter(self.entry.source.open())
        text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding="utf-8-sig",
                                newline="")
        last = [""]
        clean = [False]
        reader = csv.reader(itertools.chain.from_iterable(
            _chunks(text, last, clean, self.nul, RowSeparator())), strict=True)
        upload = self.upload

        def tick() -> None:
            upload._check_cancelled()
            upload._progress(counter.count)
            self.count_ids(reader.line_num)

        try:
            _first_record(reader)  # the header, already known
            self.rows, _blank = run(reader, last, clean, tick)
        except UnicodeDecodeError as exc:
            raise _BadEncoding(self._locate_bad_utf8()) from exc
        except StrayLineBreak as exc:  # the chunk after the lines the reader has taken
            raise _Malformed(exc.explain(reader.line_num + 1)) from exc
        except _LineTooLong:
            raise _Unreadable(_too_long(reader.line_num + 1, field=False)) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _Unreadable(_too_long(reader.line_num, field=True)) from None
            raise _Malformed(f"Canvas cannot parse this file near line {reader.line_num} ({exc}); "
                             f"check its quotes: a field containing commas, quotes or line "
                             f"breaks must be in double quotes, with inner quotes doubled.") from exc
        finally:
            text.close()

    def _scan_encoding(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.entry.source.open() as raw:
            line = 1
            while chunk := raw.read(CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise _BadEncoding(_utf8_explanation(chunk[exc.start:exc.start + 1],
                                                         line + chunk.count(b"\n", 0, exc.start)))
                line += chunk.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise _BadEncoding("The file ends in the middle of a UTF-8 character.") from exc

    def _locate_bad_utf8(self) -> str:
        try:
            self._scan_encoding()
        except _BadEncoding as exc:
            return str(exc)
        return ""

    def commit(self) -> None:
        """The file is readable: publish its findings, counts and new ids."""
        entry, upload = self.entry, self.upload
        ftype = entry.ftype
        entry.report.type = ftype.name if ftype else None
        entry.report.rows = self.rows
        for n, account, parent in self.parents:
            if parent in self.local["account"]:
                account, parent = clip(account), clip(parent)
                self.findings.append(Finding(NOTICE, self.name, n, (
                    f"Parent account {parent} of {account} comes later in this upload; Canvas "
                    f"processes rows top-down, so unless {parent} already exists in Canvas this "
                    f"row gets \"Parent account didn't exist for {account}\". Put parents first.")))
            elif not upload.full[0]:  # (once full, a parent may be one no longer remembered)
                self.miss("account", n, parent)
        if self.more_parents:
            self._more_parents()
        self.findings.extend(self._aggregated())
        self.findings.extend(self._unlisted())
        if ftype is not None and not self.rows and not any(
                f.severity != NOTICE for f in self.findings):
            self.findings.append(Finding(NOTICE, self.name, None,
                                         "This file has only a header row; nothing in it will be "
                                         "imported."))
        entry.findings.extend(self.findings)
        for kind, values in self.local.items():
            upload.stores[kind] = _merge_store(kind, upload.stores[kind], values)
        if upload.full[0]:
            _freeze(upload.stores)  # a store made by the merge too
        self.local = {}

    def _more_parents(self) -> None:
        """The rows past the listing limit whose parent was not known: counted, not listed."""
        accounts = self.local["account"]
        if isinstance(accounts, HashedSet):
            defined = accounts.has_hash
        else:
            defined = {hash(a) for a in accounts}.__contains__
        later = sum(1 for h in self.more_parents if defined(h))
        if later:
            self.findings.append(Finding(NOTICE, self.name, None, (
                f"{later:,} more accounts (not listed one by one) name a parent account that "
                f"comes later in this upload; Canvas processes rows top-down, so unless those "
                f"parents already exist in Canvas these rows get \"Parent account didn't "
                f"exist\". Put parents first.")))
        missing = 0 if self.upload.full[0] else len(self.more_parents) - later
        for n, parent in (*self.parent_samples, *self.last_parents):  # samples, if missing
            if missing and not defined(hash(parent)):
                self.miss("account", n, parent)
                missing -= 1
        if missing:
            self.aggregates.setdefault("missing:account", [0, None, []])[0] += missing
        self.more_parents = array("q")

    def _aggregated(self) -> list[Finding]:
        ftype = self.entry.ftype
        out = []
        for key, (count, first_row, samples) in self.aggregates.items():
            base, _, detail = key.partition(":")
            one = count == 1
            sample_text = ", ".join(samples) + (", …" if len(samples) == 3 and count > 3 else "")
            eg = f" (e.g. {sample_text})" if samples else ""
            if base == "missing":
                what = KIND_WORDS[detail]
                noun = ftype.plural if count != 1 else _singular(ftype.plural)
                verb = "reference" if count != 1 else "references"
                if (ftype.name, detail) in REFERENCES_KEEP_ROW:
                    text = (f"{count:,} {noun} {verb} {what} that are not in this upload; they "
                            f"must already exist in Canvas{eg}.")
                    if detail == "term":
                        text += (" (Canvas silently ignores an unknown term_id and uses the "
                                 "default term.)")
                else:  # Canvas skips the row when the reference is not found
                    rows = "those rows" if count != 1 else "that row"
                    text = (f"{count:,} {noun} {verb} {what} that are not in this upload: "
                            f"Canvas will skip {rows} unless the {what} already exist in "
                            f"Canvas{eg}.")
                    out.append(Finding(WARNING, self.name, None, text, SIS_DESKTOP))
                    continue
            else:
                status_values = _status_values(ftype, detail) if base == "status" else ""
                text = special.AGGREGATES[base].format(
                    count=f"{count:,}", rows="row" if one else "rows",
                    have="has" if one else "have", use="uses" if one else "use",
                    give="gives" if one else "give", column=detail, sample=samples[0],
                    samples=sample_text, first_row=first_row, values=status_values)
            out.append(Finding(NOTICE, self.name, None, text))
        return out


SEMICOLON_HINT = (" — the values in this file are separated by semicolons (;), as Excel "
                  "saves CSV in many languages; Canvas needs commas: save it as “CSV UTF-8 "
                  "(Comma delimited)”.")


def _semicolon_hint(header: list[str]) -> str:
    """The hint for a header row split by semicolons (more of them than commas), else ""."""
    semicolons = sum(cell.count(";") for cell in header)
    return SEMICOLON_HINT if semicolons and semicolons >= len(header) - 1 else ""


def _status_values(ftype: FileType, column: str) -> str:
    from .checks import Status
    for check in ftype.checks:
        if isinstance(check, Status) and check.column == column:
            return ", ".join(check.values)
    return "active, deleted"


def _singular(plural: str) -> str:
    return {"cross-listings": "cross-listing", "group memberships": "group membership",
            "user observers": "user observer", "group categories": "group category",
            "grade publishing results": "grade publishing result"}.get(plural, plural.rstrip("s"))


class _RowValues(dict):
    """Placeholders for message templates: `{column}` is the row's stripped value;
    `{column_lower}` its lower-case form; unknown columns are empty."""

    def __init__(self, index: dict[str, int], row: list[str]):
        super().__init__()
        self.index, self.row = index, row

    def __missing__(self, key: str) -> str:
        if key.endswith("_lower"):
            return self[key[:-6]].lower()
        i = self.index.get(key)
        return clip(self.row[i].strip()) if i is not None and i < len(self.row) else ""


def canvas_blank(header: list[str]) -> Callable[[list[str]], bool]:
    """Canvas's CSVBaseImporter#csv_rows skips a row when `row.to_hash.values.all?(&:nil?)`.
    Ruby's CSV::Row#to_hash keeps one value per header name, the first column's; empty header
    cells and fields beyond the header all have the header nil, so only the first of those
    counts too. Values are stripped (Ruby's String#strip) and empty ones are nil."""
    first: dict[str | None, int] = {}
    for i, cell in enumerate(header):
        first.setdefault(cell.lower() if cell else None, i)
    first.setdefault(None, len(header))
    columns = sorted(first.values())

    def is_blank(row: list[str]) -> bool:
        width = len(row)
        return not any(row[i].strip(STRIP) for i in columns if i < width)
    return is_blank


def _chunks(text: io.TextIOBase, last: list[str], clean: list[bool], nul: list[bool],
            rowsep: RowSeparator):
    """The file's lines, one iterable per ~64 KB chunk so that `csv.reader` iterates them in
    C. A chunk holding a double quote is iterated line by line instead, keeping the latest
    line in `last[0]` for the strict quote check; otherwise `last[0]` is empty. `clean[0]`
    is true while the chunk has no field with surrounding spaces, tabs or NULs (vertical
    tab and form feed are not looked for); `nul[0]` turns true once a NUL was seen.
    `rowsep` sees every chunk first (Ruby's one row separator per file)."""
    parts: list[str] = []  # text since the last line break
    while True:
        chunk = text.read(CHUNK)
        if not chunk:
            if parts:
                rest = "".join(parts)
                rowsep.feed(rest)
                nul[0] = nul[0] or "\x00" in rest
                yield _tracked(rest, last, clean)
            return
        cut = max(chunk.rfind("\n"), chunk.rfind("\r")) + 1
        if not cut:
            parts.append(chunk)
            if sum(map(len, parts)) > MAX_LINE_CHARS:  # a line that never ends is not held
                raise _LineTooLong()
            continue
        if parts and sum(map(len, parts)) + _first_break(chunk) > MAX_LINE_CHARS:
            raise _LineTooLong()
        body = "".join(parts) + chunk[:cut] if parts else chunk[:cut]
        parts = [chunk[cut:]] if cut < len(chunk) else []
        rowsep.feed(body)
        has_nul = "\x00" in body
        nul[0] = nul[0] or has_nul
        if '"' in body:
            yield _tracked(body, last, clean)
        else:
            last[0] = ""
            clean[0] = not (has_nul or "\t" in body or (" " in body and (
                body[0] == " " or any(p in body for p in _SPACED))))
            yield io.StringIO(body, newline="")


def _first_break(text: str) -> int:
    found = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    return min(found) if found else len(text)


def _tracked(body: str, last: list[str], clean: list[bool]):
    clean[0] = False
    for line in io.StringIO(body, newline=""):
        last[0] = line
        yield line
    last[0] = ""


def _check_record(line: str, row: list[str], n: int) -> None:
    """Ruby's CSV rejects a quote inside an unquoted field, Python's accepts it: re-check a
    one-line record that contains a quote. (Multi-line records were checked by `strict`.)"""
    fields = "".join(row)
    if '"' not in fields:  # every quote delimited a quoted field: nothing to re-check
        return
    if "\n" in fields or "\r" in fields or _RECORD.fullmatch(line):
        return
    raise _Malformed(f"Row {n} has a quote inside an unquoted field; Canvas rejects the whole "
                     f"file. Put fields containing quotes in double quotes and double the inner "
                     f"quotes.")


def _first_record(reader) -> list[str] | None:
    for row in reader:
        if row:
            return row
    return None


def _encoding_trouble(head: bytes) -> str | None:
    """A sentence when the start of the file shows it is not UTF-8 text at all."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ("This file is UTF-16 encoded; Canvas needs UTF-8. Save it as UTF-8 "
                "(in Excel: \"CSV UTF-8 (Comma delimited)\").")
    if head.startswith(b"PK\x03\x04"):
        return ("This is a zip or Excel (.xlsx) file with a .csv name, not a CSV; export the "
                "sheet as \"CSV UTF-8\".")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "This is an old Excel (.xls) file with a .csv name, not a CSV; export it as \"CSV UTF-8\"."
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        if sample[1::2].count(0) * 2 >= len(sample[1::2]) or sample[0::2].count(0) * 2 >= len(sample[0::2]):
            return ("This file looks UTF-16 encoded (every other byte is zero); Canvas needs "
                    "UTF-8. Save it as UTF-8.")
        return "This looks like a binary file, not a CSV."
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the chunk's end
            return _utf8_explanation(head[exc.start:exc.start + 1],
                                     head.count(b"\n", 0, exc.start) + 1)
    return None


def _utf8_explanation(byte: bytes, line: int) -> str:
    shown = f"0x{byte[0]:02X}" if byte else "a byte"
    return (f"Byte {shown} on line {line} is not UTF-8 (the file is probably Latin-1 or "
            f"Windows-1252); save it as UTF-8, e.g. in Excel as \"CSV UTF-8 (Comma delimited)\".")


def _needed_kinds(types: set[str]) -> set[str]:
    """Reference kinds some file of this upload looks up (only these ids are kept)."""
    from .checks import Reference
    kinds: set[str] = set()
    for name in types:
        for check in BY_NAME[name].checks:
            if isinstance(check, Reference):
                kinds.add(check.kind)
    if "account" in types:
        kinds.add("account")
    if "course" in types:
        kinds.add("course")
    if "enrollment" in types:
        kinds |= {"user", "user_integration", "course", "section"}
    if "login" in types:
        kinds |= {"user", "user_integration", "integration_of"}
    return kinds


# (file type, referenced kind) where Canvas still imports the row when the reference is not
# found (reference §3: an unknown term or abstract course is ignored); every other unresolved
# reference makes Canvas skip the row.
REFERENCES_KEEP_ROW = frozenset({("course", "term"), ("course", "abstract_course")})

MAX_REASONS = 3  # files named in the "nothing would be imported" sentence


def _nothing_imported(report: Report, entries: list[_Entry], hollow: list[str]) -> list[Finding]:
    """One upload-level error when Canvas would import no file at all (only empty, non-CSV
    or header-less files), unless a file error already explains the failure. A header-only
    CSV counts as imported: its type is processed (e.g. a full batch that empties it)."""
    if report.errors or any(f.type for f in report.files):
        return []
    reasons = hollow + [e.ignored for e in entries if e.ignored]
    if not reasons:
        reasons = ["the upload holds no files"]
    why = "; ".join(reasons[:MAX_REASONS])
    more = len(reasons) - MAX_REASONS
    if more > 0:
        why += f"; and {more:,} more file{'s' if more != 1 else ''} Canvas would skip"
    return [Finding(ERROR, None, None,
                    f"Nothing in this upload would be imported: {why}. Add SIS CSV files "
                    f"(users.csv, courses.csv, …) and try again.", SIS_DESKTOP)]


MANY_TERMS = "The courses in this upload belong to "  # how the full-batch notice starts


def batch_only(finding: Finding) -> bool:
    """True for advice that matters only in a full batch update (the "N terms" notice):
    a front end sending without batch mode can leave it out."""
    return finding.file is None and finding.message.startswith(MANY_TERMS)


def _upload_advice(report: Report) -> list[Finding]:
    """Notices about the upload as a whole (e.g. full-batch risk)."""
    out = []
    if len(report.term_ids) > 1:
        terms = ", ".join(sorted(report.term_ids)[:5]) + (", …" if len(report.term_ids) > 5 else "")
        out.append(Finding(NOTICE, None, None, (
            f"{MANY_TERMS}{len(report.term_ids)} terms ({terms}). With "
            f"full batch mode, Canvas deletes the batch term's SIS courses, sections and "
            f"enrollments that are missing from this upload; make sure each term is complete "
            f"here, or import one term at a time.")))
    return out


class _Counter(io.RawIOBase):
    """A raw stream that counts the bytes read through it (for progress)."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self) -> None:
        self.stream.close()
        super().close()


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
