"""The options of the create call (reference §1.1), declared once, checked before sending.

`ImportOptions.check()` raises `InvalidOptions` with a plain sentence when Canvas would
refuse the combination; `to_params()` gives exactly the parameters Canvas reads, with
booleans spelled as Canvas's `value_to_boolean` reads them ("true").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from .errors import InvalidOptions

IMPORT_TYPES = ("instructure_csv",)
DIFFING_DROP_STATUSES = ("deleted", "completed", "inactive", "deleted_last_completed")
BATCH_DROP_STATUSES = ("deleted", "completed", "inactive")
USER_REMOVE_STATUSES = ("deleted", "suspended")
MAX_DATA_SET_IDENTIFIER = 128
RECOMMENDED_CHANGE_THRESHOLD = 10  # percent; offered by the GUI when batch mode is switched on


class _Flags(dict):
    """Field names → the caller's names; a field it does not name keeps its own name."""

    def __missing__(self, key: str) -> str:
        return key


@dataclass
class ImportOptions:
    import_type: str = "instructure_csv"
    batch_mode: bool = False
    batch_mode_term_id: str | None = None  # Canvas id syntax: "123", "sis_term_id:T1", …
    multi_term_batch_mode: bool = False
    change_threshold: int | None = None
    skip_deletes: bool = False
    batch_mode_enrollment_drop_status: str | None = None
    override_sis_stickiness: bool = False
    add_sis_stickiness: bool = False
    clear_sis_stickiness: bool = False
    update_sis_id_if_login_claimed: bool = False
    diffing_data_set_identifier: str | None = None
    diffing_remaster_data_set: bool = False
    diffing_drop_status: str | None = None
    diffing_user_remove_status: str | None = None
    diff_row_count_threshold: int | None = None

    # ---- rules -----------------------------------------------------------------------
    def problems(self, flags: Mapping[str, str] | None = None) -> list[str]:
        """Every rule this combination breaks, as sentences (empty when it is fine).

        The sentences name the options as the desktop app labels them; with `flags` (field
        name → how the caller spells the option, e.g. the CLI's {"batch_mode_term_id":
        "--batch-term-id", …}) they name those instead."""
        out: list[str] = []

        def say(app: str, named: str) -> None:
            if flags is None:
                out.append(app)
            else:
                out.append(named.format_map(_Flags(flags)))

        if self.import_type not in IMPORT_TYPES:
            say(f"Import type {self.import_type!r} is not one Canvas knows; "
                f"use {IMPORT_TYPES[0]!r}.",
                f"{{import_type}} {self.import_type!r} is not one Canvas knows; "
                f"use {IMPORT_TYPES[0]!r}.")
        if self.multi_term_batch_mode and self.change_threshold is None:
            say("Multi-term batch mode needs a change threshold (a percentage), "
                "as Canvas requires.",
                "{multi_term_batch_mode} needs {change_threshold} N (a percentage), as Canvas "
                "requires.")
        if self.batch_mode and not self.multi_term_batch_mode and not (self.batch_mode_term_id or "").strip():
            say("A full batch update needs a term: choose the term whose data these "
                "files replace.",
                "{batch_mode} needs a term: give {batch_mode_term_id} ID (a Canvas term id, or "
                "sis_term_id:X) for the term whose data these files replace.")
        if self.change_threshold is not None and not (0 <= self.change_threshold <= 100):
            say("The change threshold is a percentage from 0 to 100.",
                "{change_threshold} is a percentage from 0 to 100.")
        if self.diff_row_count_threshold is not None and self.diff_row_count_threshold < 0:
            say("The diff row-count threshold cannot be negative.",
                "{diff_row_count_threshold} cannot be negative.")
        if (self.add_sis_stickiness or self.clear_sis_stickiness) and not self.override_sis_stickiness:
            say("Processing as UI changes or clearing the UI-changed state only works "
                "together with 'Override UI changes'.",
                "{add_sis_stickiness} and {clear_sis_stickiness} only work together with "
                "{override_sis_stickiness}.")
        if self.diffing_drop_status is not None and self.diffing_drop_status not in DIFFING_DROP_STATUSES:
            say(f"Diffing drop status must be one of {', '.join(DIFFING_DROP_STATUSES)}.",
                f"{{diffing_drop_status}} must be one of {', '.join(DIFFING_DROP_STATUSES)}.")
        if (self.batch_mode_enrollment_drop_status is not None
                and self.batch_mode_enrollment_drop_status not in BATCH_DROP_STATUSES):
            say("Batch-mode enrollment drop status must be one of "
                f"{', '.join(BATCH_DROP_STATUSES)}.",
                "{batch_mode_enrollment_drop_status} must be one of "
                f"{', '.join(BATCH_DROP_STATUSES)}.")
        if (self.diffing_user_remove_status is not None
                and self.diffing_user_remove_status not in USER_REMOVE_STATUSES):
            say(f"Diffing user remove status must be one of {', '.join(USER_REMOVE_STATUSES)}.",
                f"{{diffing_user_remove_status}} must be one of "
                f"{', '.join(USER_REMOVE_STATUSES)}.")
        ident = self.diffing_data_set_identifier
        if ident is not None and len(ident) > MAX_DATA_SET_IDENTIFIER:
            say(f"The diffing data set identifier is longer than {MAX_DATA_SET_IDENTIFIER} characters.",
                f"{{diffing_data_set_identifier}} is longer than {MAX_DATA_SET_IDENTIFIER} "
                "characters.")
        if self.diffing_remaster_data_set and not ident:
            say("Remastering a data set needs a diffing data set identifier.",
                "{diffing_remaster_data_set} needs {diffing_data_set_identifier} ID.")
        return out

    def check(self) -> "ImportOptions":
        problems = self.problems()
        if problems:
            raise InvalidOptions(" ".join(problems))
        return self

    @property
    def is_batch(self) -> bool:
        return self.batch_mode or self.multi_term_batch_mode

    # ---- wire format ---------------------------------------------------------------
    def to_params(self) -> list[tuple[str, str]]:
        """The parameters to send, in a stable order, after `check()`.

        Canvas ignores add/clear stickiness without override, and clear wins over add:
        we send only what Canvas will act on. Diffing is not sent with batch mode (Canvas
        skips the diffing branch in batch mode)."""
        self.check()
        p: list[tuple[str, str]] = [("import_type", self.import_type)]
        t = "true"
        if self.multi_term_batch_mode:
            p.append(("multi_term_batch_mode", t))  # presence switches batch mode on
        elif self.batch_mode:
            p += [("batch_mode", t), ("batch_mode_term_id", self.batch_mode_term_id.strip())]
        if self.change_threshold is not None:
            p.append(("change_threshold", str(int(self.change_threshold))))
        if self.is_batch and self.batch_mode_enrollment_drop_status:
            p.append(("batch_mode_enrollment_drop_status", self.batch_mode_enrollment_drop_status))
        if self.skip_deletes:
            p.append(("skip_deletes", t))
        if self.override_sis_stickiness:
            p.append(("override_sis_stickiness", t))
            if self.clear_sis_stickiness:
                p.append(("clear_sis_stickiness", t))
            elif self.add_sis_stickiness:
                p.append(("add_sis_stickiness", t))
        if self.update_sis_id_if_login_claimed:
            p.append(("update_sis_id_if_login_claimed", t))
        if self.diffing_data_set_identifier and not self.is_batch:
            p.append(("diffing_data_set_identifier", self.diffing_data_set_identifier))
            if self.diffing_remaster_data_set:
                p.append(("diffing_remaster_data_set", t))
            if self.diffing_drop_status:
                p.append(("diffing_drop_status", self.diffing_drop_status))
            if self.diffing_user_remove_status:
                p.append(("diffing_user_remove_status", self.diffing_user_remove_status))
            if self.diff_row_count_threshold:
                p.append(("diff_row_count_threshold", str(int(self.diff_row_count_threshold))))
        return p

    # ---- persistence (profiles' defaults, history) --------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "ImportOptions":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (d or {}).items() if k in known})
