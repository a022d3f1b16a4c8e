"""Value checks that approximate Canvas's parsers: dates, booleans, e-mail, login_id."""
from __future__ import annotations

import functools
import re
import stringprep
import unicodedata

DATE_OK, DATE_BAD, DATE_ODD = 0, 1, 2
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?", re.IGNORECASE)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def date_state(value: str, allow_delete: bool = False) -> int:
    """DATE_OK for blank or an ISO-8601-like date Canvas parses; DATE_BAD for one it rejects
    (month 13, day 32, hour 25, or `<delete>` where not allowed); DATE_ODD for a non-ISO
    string Canvas's lenient parser may read differently or ignore."""
    if not value:
        return DATE_OK
    m = _ISO.fullmatch(value)
    if m is None:
        if value == "<delete>":
            return DATE_OK if allow_delete else DATE_BAD
        return DATE_ODD
    month, day = int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return DATE_BAD
    if m.group(4) is not None and (int(m.group(4)) > 23 or int(m.group(5)) > 59
                                   or int(m.group(6) or 0) > 60):
        return DATE_BAD
    if month == 2 and day == 29:
        year = int(m.group(1))
        if year % 4 or (year % 100 == 0 and year % 400):
            return DATE_BAD
    return DATE_OK


# Real files repeat a handful of dates: the row loops first look a value up in KNOWN_GOOD
# (a set lookup, the usual case) and call these only for other values, which parse each
# distinct string once. Both are bounded, so a file of all-different timestamps keeps memory
# flat (it is then parsed value by value, as without the cache).
DATE_CACHE_SIZE = 4096
KNOWN_GOOD_DATES: set[str] = {""}  # values date_state() found DATE_OK (blank included)


@functools.lru_cache(maxsize=DATE_CACHE_SIZE)
def cached_date_state(value: str) -> int:
    """`date_state(value)`, remembered per distinct string (good ones in KNOWN_GOOD_DATES)."""
    state = date_state(value)
    if state == DATE_OK and len(KNOWN_GOOD_DATES) < DATE_CACHE_SIZE:
        KNOWN_GOOD_DATES.add(value)
    return state


@functools.lru_cache(maxsize=DATE_CACHE_SIZE)
def cached_date_state_or_delete(value: str) -> int:
    """`date_state(value, allow_delete=True)`, remembered per distinct string."""
    return cached_date_state(value) if value != "<delete>" else date_state(value, True)


BOOLEANS = frozenset({"yes", "y", "true", "t", "on", "1", "no", "n", "false", "f", "off", "0"})
_INT_START = re.compile(r"[+-]?\d")


def is_boolean(value: str) -> bool:
    """True when Canvas's `value_to_boolean` reads the value deliberately (yes/no words,
    or a leading integer); anything else silently counts as false."""
    return value.lower() in BOOLEANS or _INT_START.match(value) is not None


# An approximation of Canvas's e-mail validator: one @, something on both sides, no spaces
# or address-list punctuation.
EMAIL = re.compile(r"[^@\s<>,;()\[\]\\\"]+@[^@\s<>,;()\[\]\\\"]+")


MAX_LOGIN_ID = 100
PLAIN_LOGIN_MAX = MAX_LOGIN_ID  # ASCII, printable and this short: no need to look closer
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def login_problem(login_id: str) -> str | None:
    """"unicode" (characters StringPrep prohibits, e.g. U+FFFD), "control" (control
    characters), "long" (> 100 characters) or None."""
    if not login_id.isascii():
        for ch in login_id:
            if (ch == "\ufffd" or stringprep.in_table_c22(ch)
                    or stringprep.in_table_c3(ch) or stringprep.in_table_c4(ch)
                    or stringprep.in_table_c5(ch) or stringprep.in_table_c6(ch)
                    or stringprep.in_table_c7(ch) or stringprep.in_table_c8(ch)
                    or stringprep.in_table_c9(ch) or stringprep.in_table_a1(ch)):
                return "unicode"
        login_id = unicodedata.normalize("NFC", login_id)
    if _CONTROL.search(login_id):
        return "control"
    if len(login_id) > MAX_LOGIN_ID:
        return "long"
    return None
