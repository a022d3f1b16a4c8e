"""Turn one rule table plus one file's header into a fast row-checking loop.

The generated function `run(reader, last, clean, tick) -> (rows, blank)` consumes the data rows of
a `csv.reader` (header already read). It works on the raw lists (no dict per row), strips
only the columns its checks use, `continue`s past a row Canvas would skip, and formats a
message only when it emits one. `last[0]` is the latest raw line when it holds a quote
(see `engine`), `clean[0]` is true while no field needs stripping, `tick()` runs every
TICK rows (cancel check, progress).
"""
from __future__ import annotations

from typing import Callable

from . import special
from .checks import EXACT, Booleans, Dates, Defines, OneOf, Reference, Required, Special, Status
from .rules import FileType
from .values import (DATE_BAD, EMAIL, KNOWN_GOOD_DATES, PLAIN_LOGIN_MAX, cached_date_state,
                     cached_date_state_or_delete, is_boolean, login_problem)

TICK = 4096  # rows between cancel checks and progress reports
STRIP = " \t\n\v\f\r\x00"  # what Ruby's String#strip removes (not Unicode spaces)


class Builder:
    """Accumulates source lines and the constants they refer to."""

    def __init__(self, index: dict[str, int], env: dict[str, object]):
        self.index = index
        self.env = env
        self.lines: list[str] = []
        self.names: dict[str, object] = {}
        self.used: dict[str, None] = {}  # columns read, in order
        self.first_required = True
        self.missing: dict[str, None] = {}  # reference kinds counted in the loop

    def miss(self, kind: str, value: str) -> list[str]:
        """Lines counting an unresolved reference (samples only for the first few)."""
        self.missing[kind] = None
        # FULL[0]: past engine.MAX_IDS the id may be one no longer remembered: not counted
        return ["if not FULL[0]:", f"    m_{kind} += 1",
                f"    if m_{kind} <= 3: miss({kind!r}, n, {value})"]

    def known(self, kind: str) -> bool:
        """Whether earlier files defined ids of `kind` (if not, skip the look-up: the
        store cannot change while this file is read)."""
        return bool(self.env["R_" + kind])

    def col(self, name: str) -> str:
        """The local variable holding the stripped value of column `name`."""
        self.used[name] = None
        return "c_" + name

    def const(self, value: object) -> str:
        name = f"K{len(self.names)}"
        self.names[name] = value
        return name

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def skip_if(self, condition: str, message: str) -> None:
        """Lines that warn with `message` and skip the row when `condition` holds."""
        self.add(f"if {condition}:", f"    warn(n, {self.const(message)}, row)", "    continue")

    def has(self, column: str) -> bool:
        return column in self.index


def compile_checks(ftype: FileType, index: dict[str, int], env: dict[str, object],
                   needed: set[str], width: int = 0) -> Callable:
    """`index` maps each lower-cased header name to its first column, `width` is the
    header's length. `env` supplies warn/note/agg/miss/record_ok and the id stores (see `engine._FileRun`);
    `needed` is the set of reference kinds some file of this upload looks up."""
    b = Builder(index, env)
    for check in ftype.checks:
        _emit(b, check, ftype, needed)
    if "COLLECT" in env:  # the row passed every check: hand its ids to the collector
        columns, sink = env["COLLECT"]
        b.add(f"{b.const(sink)}(n, {', '.join(b.col(c) for c in columns)})")
    width = max(width, max(index.values(), default=-1) + 1)
    body = ["n += 1",
            "if '\"' in last[0]: record_ok(last[0], row, n)",
            f"if not n % {TICK}: tick()"]
    present = [c for c in b.used if c in index]
    if present:
        # One unpack for the usual row of exactly the header's width; others are padded
        # or cut first (Canvas: missing fields are blank, extra fields are ignored).
        wanted = {index[c]: c for c in present}
        targets = ", ".join(f"c_{wanted[i]}" if i in wanted else "_" for i in range(width))
        body += ["try:", f"    {targets}, = row",
                 "except ValueError:",
                 "    if not row:  # a blank line: not counted",
                 "        n -= 1",
                 "        continue",
                 f"    {targets}, = row + PAD[len(row)] if len(row) < {width} else row[:{width}]",
                 "if not clean[0]:  # some field of this chunk has spaces to strip"]
        body.extend(f"    c_{c} = c_{c}.strip(STRIP)" for c in present)
    else:
        body.insert(0, "if not row: continue")
    body.extend(f"c_{c} = ''" for c in b.used if c not in index)
    namespace = dict(env)
    namespace.update(b.names)
    namespace.update(STRIP=STRIP, PAD=[[""] * (width - k) for k in range(width + 1)],
                     date_state=cached_date_state, date_state_or_delete=cached_date_state_or_delete,
                     GOOD_DATES=KNOWN_GOOD_DATES,
                     is_boolean=is_boolean, email_match=EMAIL.fullmatch, login_problem=login_problem,
                     PLAIN_LOGIN_MAX=PLAIN_LOGIN_MAX,
                     DATE_BAD=DATE_BAD)
    bound = ", ".join(f"{name}={name}" for name in namespace)
    source = "\n".join([f"def run(reader, last, clean, tick, *, {bound}):",
                        "    n = 1", "    blank = 0",
                        *(f"    m_{kind} = 0" for kind in b.missing),
                        "    for row in reader:",
                        *("        " + line for line in body + b.lines),
                        *(f"    missed({kind!r}, m_{kind})" for kind in b.missing),
                        "    return n - 1 - blank, blank"])
    exec(compile(source, f"<sis_csv rules {ftype.name}>", "exec"), namespace)  # noqa: S102
    return namespace.pop("run")  # popped: no function ↔ globals cycle keeping the ids alive


def known_good_dates(values: list[str]) -> str:
    """The condition that every date value is one already seen to be fine (the usual case:
    set lookups, no call)."""
    return " and ".join(f"{v} in GOOD_DATES" for v in values)


def _fail(b: Builder, template: str, *, skip: bool = True) -> list[str]:
    """Lines that emit a warning (and skip the row); the first check also spots blank rows."""
    t = b.const(template)
    lines = []
    if skip and b.first_required:
        lines.append("if is_blank(row):")
        lines.append("    blank += 1")
        lines.append("    continue")
    lines.append(f"warn(n, {t}, row)")
    if skip:
        lines.append("continue")
    return lines


def _block(b: Builder, condition: str, body: list[str]) -> None:
    b.add(f"if {condition}:", *("    " + line for line in body))


def _emit(b: Builder, check: object, ftype: FileType, needed: set[str]) -> None:
    if isinstance(check, Required):
        cond = " or ".join(b.col(c) for c in check.columns)
        cond = f"not ({cond})"
        if check.when:
            cond += f" and {b.col(check.when[0])}.lower().startswith({check.when[1]!r})"
        _block(b, cond, _fail(b, check.message))
        b.first_required = False
    elif isinstance(check, Status):
        v = b.col(check.column)
        values = b.const(frozenset(check.values))
        fast = b.const(_variants(check.values))  # common spellings: no .lower() needed
        if check.match == EXACT:
            if check.blank_message:
                _block(b, f"not {v}", _fail(b, check.blank_message))
            _block(b, f"{v} not in {fast} and {v}.lower() not in {values}",
                   _fail(b, check.message))
            return
        blank = _fail(b, check.blank_message or check.message)
        prefixes = b.const(tuple(check.values))
        key = b.const(f"status:{check.column}")
        _block(b, f"{v} not in {fast}", [
            f"s = {v}.lower()",
            f"if s not in {values}:",
            "    if not s:", *("        " + x for x in blank),
            f"    if s.startswith({prefixes}): agg({key}, n, {v})",
            "    else:", *("        " + x for x in _fail(b, check.message))])
    elif isinstance(check, OneOf):
        v = b.col(check.column)
        values = check.values if check.case_sensitive else tuple(x.lower() for x in check.values)
        k = b.const(frozenset(values))
        got = v if check.case_sensitive else f"{v}.lower()"
        if check.notice:
            body = [f"note(n, {b.const(check.message)}, row)"]
        else:
            body = _fail(b, check.message, skip=check.skip)
        _block(b, f"{v} and {got} not in {k}", body)
    elif isinstance(check, Dates):
        parse = "date_state_or_delete" if check.allow_delete else "date_state"
        values = [b.col(c) for c in check.columns if b.has(c)]
        if not values:
            return
        key = b.const("date")
        _block(b, f"not ({known_good_dates(values)})", [
            f"d = max({', '.join(f'{parse}({v})' for v in values)}, 0)",
            "if d == DATE_BAD:", *("    " + x for x in _fail(b, check.message, skip=False)),
            f"elif d: agg({key}, n, ' / '.join(x for x in ({', '.join(values)},) if x))"])
    elif isinstance(check, Booleans):
        for column in check.columns:
            if b.has(column):
                v = b.col(column)
                _block(b, f"{v} and not is_boolean({v})",
                       [f"agg({b.const('boolean:' + column)}, n, {v})"])
    elif isinstance(check, Reference):
        if not b.has(check.column):
            return
        v = b.col(check.column)
        cond = f"{v} and {v} not in R_{check.kind}" if b.known(check.kind) else v
        if check.skip_values:
            cond += f" and {v}.lower() not in {b.const(frozenset(check.skip_values))}"
        _block(b, cond, b.miss(check.kind, v))
    elif isinstance(check, Defines):
        if check.kind in needed and b.has(check.column):
            v = b.col(check.column)
            value = special.DEFINE_VALUES.get(check.kind)
            if value:
                b.add(f"L_{check.kind}[{v}] = {b.col(value)}")
            else:
                b.add(f"L_{check.kind}_add({v})")
    elif isinstance(check, Special):
        special.GENERATORS[check.name](b, check, needed)
    else:  # pragma: no cover - a table typo
        raise TypeError(f"unknown check {check!r}")


def _variants(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(x for v in values for x in (v, v.upper(), v.capitalize()))

