"""The kinds of row check a rule table can list. Each is plain data; `engine` compiles them.

Message templates use `{column}` placeholders filled with the row's (stripped) values.
"""
from __future__ import annotations

from dataclasses import dataclass

PREFIX = "prefix"  # Canvas checks only the start of the value (Ruby `\A` without `\z`)
EXACT = "exact"    # the whole value, case-insensitive


@dataclass(frozen=True)
class Required:
    """Warning (row skipped) when every column in `columns` is blank."""

    columns: tuple[str, ...]
    message: str
    when: tuple[str, str] | None = None  # only when column `[0]`'s value starts with `[1]`


@dataclass(frozen=True)
class Status:
    """A value from `values` (case-insensitive). Blank → `blank_message` or `message`."""

    column: str
    values: tuple[str, ...]
    message: str
    match: str = PREFIX
    blank_message: str | None = None


@dataclass(frozen=True)
class OneOf:
    """When given, the value must be in `values`; warning `message` otherwise (not skipped
    unless `skip`). `allowed_blank=False` turns a blank into the same warning."""

    column: str
    values: tuple[str, ...]
    message: str
    case_sensitive: bool = True
    skip: bool = True
    notice: bool = False


@dataclass(frozen=True)
class Dates:
    """Every given column must be a date Canvas can parse; one warning per row, row kept."""

    columns: tuple[str, ...]
    message: str
    allow_delete: bool = False


@dataclass(frozen=True)
class Booleans:
    """Values Canvas reads as booleans; anything else gets a notice (it counts as false)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Special:
    """A named check implemented in `special.py` (self-observation, two contexts, …)."""

    name: str
    message: str = ""


@dataclass(frozen=True)
class Reference:
    """`column` names an object of `kind` ("course", "user", …) that must exist: earlier in
    this upload (in Canvas's processing order) or already in Canvas. Unresolved ones are
    counted and reported once per file and kind. `blank_ok` values are not references."""

    column: str
    kind: str
    skip_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Defines:
    """This file creates objects of `kind` keyed by `column` (later files may refer to them)."""

    column: str
    kind: str
