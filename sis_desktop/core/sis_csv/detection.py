"""Which Canvas importer reads a CSV, decided by its header row like Canvas does
(first matching type in processing order wins), plus the advice Canvas does not give."""
from __future__ import annotations

from .report import clip
from .rules import FILE_TYPES, FileType

MAX_LISTED = 10  # column names listed in one notice


def normalise_header(header: list[str]) -> list[str]:
    """Canvas lower-cases header cells but does not trim them."""
    return [cell.lower() for cell in header]


def detect(header: list[str], *, institutional_tags: bool = False) -> FileType | None:
    names = set(normalise_header(header))
    for ftype in FILE_TYPES:
        if ftype.feature and not institutional_tags:
            continue
        if ftype.matches(names):
            return ftype
    return None


def detect_type(header: list[str], *, institutional_tags: bool = False) -> str | None:
    """Canvas's importer name for a CSV with this header row ("user", "enrollment", …),
    or None when Canvas would answer "Couldn't find Canvas CSV import headers"."""
    ftype = detect(header, institutional_tags=institutional_tags)
    return ftype.name if ftype else None


def header_advice(header: list[str], ftype: FileType | None, *,
                  institutional_tags: bool = False) -> list[str]:
    """Notices about a header row: stray spaces, duplicates, unknown columns, missing
    required columns and "first match wins" traps."""
    cells = normalise_header(header)
    names = set(cells)
    advice: list[str] = []
    spaced = [c for c in cells if c != c.strip() and c.strip()]
    for cell in spaced:
        advice.append(f'The header "{clip(cell)}" has spaces around it; Canvas does not trim header '
                      f'names, so it would not recognise this column. Remove the spaces.')
    stripped = [c.strip() for c in cells]
    if ftype is None:
        fixed = detect(stripped, institutional_tags=institutional_tags) if spaced else None
        if fixed is not None:
            advice.append(f"Without the spaces around header names Canvas would read this file "
                          f"as {fixed.plural}.")
        elif not institutional_tags and detect(stripped, institutional_tags=True):
            advice.append("This looks like an institutional tags file; Canvas reads those only "
                          "when the root account has the institutional_tags feature enabled.")
        else:
            advice.append("No Canvas SIS file type matches this header row; check the column "
                          "names against the SIS CSV format (e.g. users need user_id and "
                          "login_id, enrollments need course_id or section_id and user_id).")
        return advice
    seen: set[str] = set()
    duplicates = sorted({c for c in cells if c and (c in seen or seen.add(c))})
    if duplicates:
        advice.append(f"The column(s) {_quoted(duplicates)} appear more than once; Canvas uses "
                      f"the first of each.")
    known = set(ftype.columns)
    unknown = [c for c in dict.fromkeys(cells) if c and c not in known and c not in spaced]
    if unknown:
        advice.append(f"Canvas ignores the column(s) {_quoted(unknown)} in a {ftype.name} file.")
    if "root_account" in names and ftype.name in ("enrollment", "login", "admin"):
        advice.append("The root_account column is only for trusted-account setups; on a stock "
                      "Canvas, rows that fill it in are skipped silently.")
    missing = _missing_required(ftype, names)
    if missing:
        advice.append(f"There is no {_quoted(missing, ' or ')} column, so Canvas will reject "
                      f"every row of this file.")
    advice.extend(_traps(ftype, names, institutional_tags))
    return advice


def _missing_required(ftype: FileType, names: set[str]) -> list[str]:
    from .checks import Required, Status
    for check in ftype.checks:
        if isinstance(check, Required) and check.when is None \
                and not any(c in names for c in check.columns):
            return list(check.columns)
        if isinstance(check, Status) and check.column not in names:
            return [check.column]
    return []


def _traps(ftype: FileType, names: set[str], institutional_tags: bool) -> list[str]:
    """A later type the header also fits, when it looks more like that type."""
    advice = []
    mine = set(ftype.columns)
    for other in FILE_TYPES:
        if FILE_TYPES.index(other) <= FILE_TYPES.index(ftype):
            continue
        if other.feature and not institutional_tags:
            continue
        theirs = set(other.columns)
        if not other.matches(names):
            continue
        only_mine = names & mine - theirs
        only_theirs = names & theirs - mine
        if only_theirs and len(only_theirs) >= len(only_mine):
            culprits = sorted(names & ftype.trigger_columns - theirs) or sorted(only_mine)
            advice.append(
                f"Canvas reads this file as {ftype.plural} (the first type whose columns match), "
                f"but it looks like {other.plural}; if it holds {other.plural}, remove the "
                f"column(s) {_quoted(culprits)}.")
    return advice


def _quoted(items: list[str], sep: str = ", ") -> str:
    shown = sep.join(f'"{clip(i)}"' for i in items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"{sep}… ({more:,} more)" if more > 0 else "")
