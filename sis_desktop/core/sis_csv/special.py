"""Row checks too particular for a generic table entry, as small code generators.

Each generator appends lines to the row function being built (see `compiler.Builder`);
the messages stay here as data, worded as Canvas words them.
"""
from __future__ import annotations

from typing import Callable

# What a Defines store keeps per id (None: just presence).
DEFINE_VALUES = {"section": "course_id", "course": "term_id"}

MAX_ACCOUNT_DEPTH = 32  # parent levels followed looking for a loop (real trees: under 10)
BUILTIN_ROLES = frozenset({"teacher", "ta", "observer", "designer"})
BUILTIN_ROLE_NAMES = frozenset({"StudentEnrollment", "TeacherEnrollment", "TaEnrollment",
                                "DesignerEnrollment", "ObserverEnrollment"})


def _change_sis_id(b, check, needed) -> None:
    t, oi, ni, new = (b.col("type"), b.col("old_integration_id"), b.col("new_integration_id"),
                      b.col("new_id"))
    b.skip_if(f"{t}.lower() == 'group_category' and ({oi} or {ni})",
              "Group categories should not have integration IDs.")
    b.add(f"if {new} == '<delete>': agg({b.const('delete_new_id')}, n, {new})")


def _account(b, check, needed) -> None:
    a, p, name, status = (b.col("account_id"), b.col("parent_account_id"), b.col("name"),
                          b.col("status"))
    improper = b.const('Improper status "{status}" for account {account_id}, skipping')
    prefixes = b.const(("active", "deleted"))
    loop = "Setting account {account_id}'s parent to {parent_account_id} would create a loop"
    b.skip_if(f"{p} and {p} == {a}", loop)
    # Account's loop validation across rows: the parent's chain (as rows before set it)
    # leads back to this account. Only parents known in this upload are followed, only
    # from an account that is some account's parent already (a new one cannot close a
    # loop), and only MAX_ACCOUNT_DEPTH levels up: a file of a million nested accounts
    # must not take a million squared steps.
    b.add(f"q, d = {p} if {a} in L_account_kids or {a} in R_account_kids else '', 0",
          f"while q and q != {a} and d < {MAX_ACCOUNT_DEPTH}:",
          "    q, d = L_account_parent.get(q) or R_account_parent.get(q), d + 1")
    b.skip_if(f"q and q == {a}", loop)
    b.add(f"if {p} in L_account or {p} in R_account:",
          f"    L_account_parent[{a}] = {p}",
          f"    L_account_kids_add({p})",
          "else:",
          f"    L_account_parent[{a}] = None")
    b.add(f"if not {name}: agg({b.const('account_new_name')}, n, {a})",
          f"s = {status}.lower()",
          "if not s:",
          f"    agg({b.const('account_new_status')}, n, {a})",
          "elif s not in ('active', 'deleted'):",
          f"    if s.startswith({prefixes}): agg({b.const('status:status')}, n, {status})",
          "    else:",
          f"        warn(n, {improper}, row)",
          "        continue",
          f"if {p} and {p} not in R_account and {p} not in L_account: parent_later(n, {a}, {p})")


def _term_name(b, check, needed) -> None:
    b.skip_if(f"not {b.col('name')} and not {b.col('date_override_enrollment_type')}",
              check.message)


def _nul(b, check, needed) -> None:
    b.skip_if("NUL[0] and '\\x00' in ''.join(row)", check.message)


def _login_id(b, check, needed) -> None:
    messages = {
        "unicode": "Invalid Unicode characters in login_id '{login_id}'; skipping",
        "control": "Could not save the user with user_id: '{user_id}'. Invalid login_id: '{login_id}'",
        "long": "Could not save the user with user_id: '{user_id}'. Unknown reason: "
                "Unique ID is too long (maximum is 100 characters)",
    }
    k = b.const(messages)
    login = b.col("login_id")
    b.add(f"if not ({login}.isascii() and {login}.isprintable() and len({login}) <= PLAIN_LOGIN_MAX):",
          f"    p = login_problem({login})",
          "    if p:", f"        warn(n, {k}[p], row)", "        continue")


def _claimed_login(b, check, needed) -> None:
    u, login = b.col("user_id"), b.col("login_id")
    if any(b.has(c) for c in ("existing_user_id", "existing_integration_id",
                                 "existing_canvas_user_id")):
        msg = b.const("An existing Canvas user with the SIS ID {user_id} or login of {login_id} "
                      "already exists, skipping")
        b.add(f"k = {login}.lower()",
              f"if (R_login.get(k) or L_login.get(k) or {u} in R_user or {u} in L_user):",
              f"    warn(n, {msg}, row)", "    continue",
              f"L_login[k] = {u}")
        return
    msg = b.const("An existing Canvas user with the SIS ID {other} has already claimed "
                  "{user_id}'s user_id requested login information, skipping")
    # Claimed here unless another user has it: one search. (A user_id is never blank
    # here, see the Required check; and a login R_login gives this same user needs no
    # new entry, the stores merge at the end of the file.)
    claim = f"L_login.setdefault(k, {u})"
    b.add(f"k = {login}.lower()",
          f"o = R_login.get(k) or {claim}" if b.known("login") else f"o = {claim}",
          f"if o != {u}:", f"    warn(n, {msg}, row, other=o)", "    continue")
    if b.has("integration_id"):
        i = b.col("integration_id")
        imsg = b.const("An existing Canvas user with the SIS ID {other} has already claimed "
                       "{user_id}'s requested integration_id, skipping")
        b.add(f"if {i}:",
              f"    o = R_user_integration.get({i}) or L_user_integration.get({i})",
              f"    if o and o != {u}:", f"        warn(n, {imsg}, row, other=o)",
              "        continue",
              f"    L_user_integration[{i}] = {u}")
        if "integration_of" in needed:
            b.add(f"if {i}: L_integration_of[{u}] = {i}")


def _login_match(b, check, needed) -> None:
    """logins.csv (SIS::UserImporter, login_only): the login found by the existing_* values
    must carry all of them (`pseudo.attributes.slice(*login_hash.keys) == login_hash`).
    Decidable from the upload alone when existing_user_id and existing_integration_id are
    both given and the upload says whose integration_id that is, or which integration_id
    that user has."""
    if not (b.has("existing_user_id") and b.has("existing_integration_id")):
        return
    eu, ei = b.col("existing_user_id"), b.col("existing_integration_id")
    msg = b.const(check.message)
    b.add(f"if {eu} and {ei}:",
          f"    o = L_user_integration.get({ei}) or R_user_integration.get({ei})",
          f"    i = L_integration_of.get({eu}) or R_integration_of.get({eu})",
          f"    if (o and o != {eu}) or (i and i != {ei}):",
          f"        warn(n, {msg}, row)", "        continue")
    if b.has("integration_id"):  # the new login's own integration_id
        i, u = b.col("integration_id"), b.col("user_id")
        b.add(f"if {i}:", f"    L_user_integration[{i}] = {u}", f"    L_integration_of[{u}] = {i}")


def _group_category_name(b, check, needed) -> None:
    """GroupCategory's name validation (`… is already in use.`): one name per context among
    the context's live categories. A category renamed or deleted later frees its name."""
    gc, name, status = b.col("group_category_id"), b.col("category_name"), b.col("status")
    context = f"({b.col('account_id')}, {b.col('course_id')})"
    b.add(f"k = ({context}, {name})",
          "o = L_group_category_name.get(k) or R_group_category_name.get(k)",
          f"if o and o != {gc} and (L_group_category_key[o] if o in L_group_category_key "
          f"else R_group_category_key.get(o)) == k:",
          f"    warn(n, {b.const(check.message)}, row)", "    continue",
          f"live = not {status}.lower().startswith('deleted')",
          f"if live: L_group_category_name[k] = {gc}",
          f"L_group_category_key[{gc}] = k if live else None")


def _change_sis_id_unique(b, check, needed) -> None:
    """SIS::ChangeSisIdImporter: a new_id (or new_integration_id) that an object of the type
    already has is refused. Within the upload: an id an earlier row gave to another object
    (and that no later row took away again)."""
    t = b.col("type")
    for old, new, column, template in (
            ("old_id", "new_id", "sis_source_id",
             "A new_id, '{new_id}', referenced an existing {type_lower} and the {type_lower} "
             "with {column} '{old_id}' was not updated"),
            ("old_integration_id", "new_integration_id", "integration_id",
             "A new_integration_id, '{new_integration_id}', referenced an existing "
             "{type_lower} and the {type_lower} with integration_id '{old_integration_id}' "
             "was not updated")):
        if not (b.has(old) and b.has(new)):
            continue
        o, nv = b.col(old), b.col(new)
        msg = b.const(template)
        b.add(f"if {o} and {nv} and {nv} != '<delete>':",
              f"    kn, ko = ({t}.lower(), {column!r}, {nv}), ({t}.lower(), {column!r}, {o})",
              "    if L_changed_sis_id.get(kn, R_changed_sis_id.get(kn)):",
              f"        warn(n, {msg}, row, column='sis_user_id' if {t}.lower() == 'user' "
              f"else {column!r})" if column == "sis_source_id" else f"        warn(n, {msg}, row)",
              "        continue",
              "    L_changed_sis_id[kn], L_changed_sis_id[ko] = True, False")


def _email(b, check, needed) -> None:
    if not b.has("email"):
        return
    e = b.col("email")
    msg = b.const("The email address associated with user '{user_id}' is invalid (email: '{email}')")
    # one C call: cheaper than any pre-check in Python (which the usual address would pass)
    b.add(f"if {e} and not email_match({e}): warn(n, {msg}, row)")


def _role_id(b, role_id: str) -> str:
    """The line noting a role_id that is not a number (Canvas looks it up as an id)."""
    return f"    if not {role_id}.isdigit(): agg({b.const('role_id')}, n, {role_id})"


def _role(b, check, needed) -> None:
    role, role_id = b.col("role"), b.col("role_id")
    builtin, names = b.const(BUILTIN_ROLES), b.const(BUILTIN_ROLE_NAMES)
    fast = b.const(frozenset(x for r in ("student", *BUILTIN_ROLES)
                             for x in (r, r.upper(), r.capitalize())) | BUILTIN_ROLE_NAMES)
    b.add(f"if {role}:",
          f"    if {role} not in {fast}:",
          f"        r = {role}.lower()",
          f"        if r not in {builtin} and not r.startswith('student') and {role} not in {names}:",
          f"            agg({b.const('custom_role')}, n, {role})",
          f"elif {role_id}:", _role_id(b, role_id),
          f"else: agg({b.const('no_role')}, n, '')")


def _enrollment_dates(b, check, needed) -> None:
    columns = [c for c in ("start_date", "end_date") if b.has(c)]
    if not columns:
        return
    course_msg = b.const(check.message)
    section_msg = b.const("Bad date format for user {user_id} in section {section_id}")
    values = [b.col(c) for c in columns]
    from .compiler import known_good_dates
    b.add(f"if not ({known_good_dates(values)}):",
          f"    d = max({', '.join(f'date_state({v})' for v in values)}, 0)",
          "    if d == DATE_BAD:",
          f"        warn(n, {course_msg} if {b.col('course_id')} else {section_msg}, row)",
          f"    elif d: agg({b.const('date')}, n, ' / '.join(x for x in ({', '.join(values)},) if x))")
    if len(values) == 2:
        b.add(f"if (not {values[0]}) != (not {values[1]}): "
              f"agg({b.const('one_date')}, n, {values[0]} or {values[1]})")


def _enrollment_refs(b, check, needed) -> None:
    c, s, u, ui = b.col("course_id"), b.col("section_id"), b.col("user_id"), b.col("user_integration_id")
    unrelated = b.const("An enrollment listed a section ({section_id}) and a course ({course_id}) "
                        "that are unrelated for user ({user_id})")
    def ind(lines, depth):
        return ["    " * depth + x for x in lines]
    def unknown(kind, v):
        return f"{v} not in R_{kind}" if b.known(kind) else "True"
    if b.has("user_integration_id"):
        b.add(f"if {ui}:",
              f"    if {unknown('user_integration', ui)}:", *ind(b.miss("user_integration", ui), 2),
              f"elif {unknown('user', u)}:", *ind(b.miss("user", u), 1))
    else:
        b.add(f"if {unknown('user', u)}:", *ind(b.miss("user", u), 1))
    if b.has("course_id"):
        b.add(f"if {c} and {unknown('course', c)}:", *ind(b.miss("course", c), 1))
    if b.has("section_id"):
        b.add(f"if {s}:",
              f"    sc = R_section.get({s})",
              "    if sc is None:", *ind(b.miss("section", s), 2),
              f"    elif {c} and sc != {c} and R_xlist.get({s}) != {c} and not FULL[0]:",
              f"        warn(n, {unrelated}, row)",
              "        continue")


def _admin_role(b, check, needed) -> None:
    role, role_id = b.col("role"), b.col("role_id")
    b.add(f"if {role_id}:", _role_id(b, role_id),
          f"elif {role} != 'AccountAdmin': agg({b.const('custom_admin_role')}, n, {role})")


def _two_contexts(b, check, needed) -> None:
    b.skip_if(f"{b.col('account_id')} and {b.col('course_id')}", check.message)


def _tag_context(b, check, needed) -> None:
    b.add(f"if not ({b.col('tag_set_id')} or {b.col('course_id')}): "
          f"agg({b.const('tag_context')}, n, {b.col('tag_id')})")


def _self_observation(b, check, needed) -> None:
    b.skip_if(f"{b.col('observer_id')} == {b.col('student_id')}", check.message)


def _xlist(b, check, needed) -> None:
    if "section" in needed:
        b.add(f"L_xlist[{b.col('section_id')}] = {b.col('xlist_course_id')}")


GENERATORS: dict[str, Callable] = {
    "change_sis_id": _change_sis_id, "account": _account, "term_name": _term_name,
    "nul": _nul, "login_id": _login_id, "claimed_login": _claimed_login, "email": _email,
    "role": _role, "enrollment_dates": _enrollment_dates, "enrollment_refs": _enrollment_refs,
    "admin_role": _admin_role, "two_contexts": _two_contexts, "tag_context": _tag_context,
    "self_observation": _self_observation, "xlist": _xlist, "login_match": _login_match,
    "group_category_name": _group_category_name, "change_sis_id_unique": _change_sis_id_unique,
}

# Aggregated notices: one per file and key, "{count}" rows, "{samples}" the first values,
# "{first_row}" the first row number.
AGGREGATES = {
    "status": "{count} {rows} {have} a {column} Canvas accepts only because it starts with an "
              "allowed value (e.g. \"{sample}\" at row {first_row}); write exactly one of: {values}.",
    "date": "{count} {rows} {have} dates that are not ISO 8601 (e.g. \"{sample}\" at row "
            "{first_row}); Canvas's lenient parser may read them differently or ignore them. "
            "Use YYYY-MM-DDTHH:MM:SSZ.",
    "boolean": "{count} {rows} {have} a {column} value Canvas does not read as yes/no (e.g. "
               "\"{sample}\" at row {first_row}); Canvas treats it as false.",
    "custom_role": "{count} {rows} {use} roles that are not built-in ({samples}); they must exist "
                   "as account roles in Canvas (names are case-sensitive), otherwise Canvas warns "
                   "'Improper role \"…\" for an enrollment'.",
    "custom_admin_role": "{count} {rows} {use} admin roles other than AccountAdmin ({samples}); "
                         "they must exist as account roles in Canvas, otherwise Canvas warns "
                         "'Invalid role '…' for admin'.",
    "role_id": "{count} {rows} {have} a role_id that is not a number (e.g. \"{sample}\" at row "
               "{first_row}); Canvas looks role_id up as a numeric id.",
    "no_role": "{count} {rows} {give} neither role nor role_id (first at row {first_row}); "
               "give one of them.",
    "account_new_name": "{count} {rows} {have} no name (e.g. account {sample} at row {first_row}); "
                        "fine for accounts that already exist in Canvas, otherwise Canvas skips "
                        "them with 'No name given for account …, skipping'.",
    "account_new_status": "{count} {rows} {have} no status (e.g. account {sample} at row "
                          "{first_row}); fine for accounts that already exist in Canvas, "
                          "otherwise Canvas skips them with 'Improper status \"\" for account …'.",
    "tag_context": "{count} {rows} {give} neither tag_set_id nor course_id (e.g. tag {sample} at row "
                   "{first_row}); fine for existing tags, otherwise Canvas skips them with 'No "
                   "tag_set_id or course_id given for differentiation tag …. At least one is "
                   "required for new tags.'",
    "one_date": "{count} {rows} {give} only one of start_date and end_date (e.g. \"{sample}\" at "
                "row {first_row}); Canvas documents that an enrollment's dates take effect only "
                "when both are given.",
    "delete_new_id": "{count} {rows} {use} <delete> as new_id (first at row {first_row}); <delete> "
                     "is only understood in new_integration_id.",
}
