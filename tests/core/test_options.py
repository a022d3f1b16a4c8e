"""ImportOptions: Canvas's rules checked before sending, and the exact parameters sent."""
from __future__ import annotations

import pytest

from sis_desktop.core.canvas.errors import InvalidOptions
from sis_desktop.core.canvas.options import ImportOptions


def test_defaults_send_only_the_import_type():
    assert ImportOptions().to_params() == [("import_type", "instructure_csv")]


@pytest.mark.parametrize("options, fragment", [
    (ImportOptions(batch_mode=True), "needs a term"),
    (ImportOptions(batch_mode=True, batch_mode_term_id="   "), "needs a term"),
    (ImportOptions(multi_term_batch_mode=True), "change threshold"),
    (ImportOptions(change_threshold=101), "0 to 100"),
    (ImportOptions(change_threshold=-1), "0 to 100"),
    (ImportOptions(diff_row_count_threshold=-5), "cannot be negative"),
    (ImportOptions(add_sis_stickiness=True), "Override UI changes"),
    (ImportOptions(clear_sis_stickiness=True), "Override UI changes"),
    (ImportOptions(diffing_data_set_identifier="x", diffing_drop_status="gone"), "Diffing drop status"),
    (ImportOptions(batch_mode=True, batch_mode_term_id="1",
                   batch_mode_enrollment_drop_status="deleted_last_completed"), "Batch-mode enrollment"),
    (ImportOptions(diffing_data_set_identifier="x", diffing_user_remove_status="inactive"), "user remove"),
    (ImportOptions(diffing_data_set_identifier="x" * 129), "longer than 128"),
    (ImportOptions(diffing_remaster_data_set=True), "needs a diffing data set identifier"),
    (ImportOptions(import_type="ims_xml"), "not one Canvas knows"),
])
def test_each_broken_rule_is_one_sentence_and_nothing_is_sent(options, fragment):
    assert any(fragment in p for p in options.problems())
    with pytest.raises(InvalidOptions, match=fragment):
        options.to_params()


def test_batch_mode_sends_the_term_and_threshold():
    params = ImportOptions(batch_mode=True, batch_mode_term_id=" sis_term_id:F2026 ",
                           change_threshold=10, batch_mode_enrollment_drop_status="inactive",
                           skip_deletes=True).to_params()
    assert params == [("import_type", "instructure_csv"), ("batch_mode", "true"),
                      ("batch_mode_term_id", "sis_term_id:F2026"), ("change_threshold", "10"),
                      ("batch_mode_enrollment_drop_status", "inactive"), ("skip_deletes", "true")]


def test_multi_term_batch_mode_is_sent_by_presence_without_a_term():
    params = dict(ImportOptions(multi_term_batch_mode=True, change_threshold=5).to_params())
    assert params["multi_term_batch_mode"] == "true"
    assert "batch_mode" not in params and "batch_mode_term_id" not in params


def test_clear_stickiness_wins_over_add_and_both_need_override():
    params = ImportOptions(override_sis_stickiness=True, add_sis_stickiness=True,
                           clear_sis_stickiness=True).to_params()
    names = [n for n, _ in params]
    assert "override_sis_stickiness" in names and "clear_sis_stickiness" in names
    assert "add_sis_stickiness" not in names


def test_diffing_is_not_sent_with_batch_mode():
    params = dict(ImportOptions(batch_mode=True, batch_mode_term_id="2",
                                diffing_data_set_identifier="nightly").to_params())
    assert "diffing_data_set_identifier" not in params


def test_diffing_parameters():
    params = ImportOptions(diffing_data_set_identifier="nightly", diffing_remaster_data_set=True,
                           diffing_drop_status="deleted_last_completed",
                           diffing_user_remove_status="suspended",
                           diff_row_count_threshold=500, change_threshold=20).to_params()
    assert params[1:] == [("change_threshold", "20"),
                          ("diffing_data_set_identifier", "nightly"),
                          ("diffing_remaster_data_set", "true"),
                          ("diffing_drop_status", "deleted_last_completed"),
                          ("diffing_user_remove_status", "suspended"),
                          ("diff_row_count_threshold", "500")]


def test_dict_round_trip_ignores_unknown_keys():
    options = ImportOptions(batch_mode=True, batch_mode_term_id="3", change_threshold=10)
    again = ImportOptions.from_dict({**options.to_dict(), "from_a_newer_version": 1})
    assert again == options


def test_problems_can_name_the_callers_flags():
    """The desktop app's labels by default; the CLI's flags when it names them."""
    options = ImportOptions(batch_mode=True, add_sis_stickiness=True)
    app = " ".join(options.problems())
    assert "'Override UI changes'" in app and "choose the term" in app
    flags = {"batch_mode": "--batch-mode", "batch_mode_term_id": "--batch-term-id",
             "override_sis_stickiness": "--override-sis-stickiness",
             "add_sis_stickiness": "--add-sis-stickiness",
             "clear_sis_stickiness": "--clear-sis-stickiness"}
    cli = " ".join(options.problems(flags=flags))
    assert "--batch-term-id ID" in cli and "--override-sis-stickiness" in cli
    assert "Override UI changes" not in cli and "choose the term" not in cli
    assert len(options.problems(flags=flags)) == len(options.problems()) == 2
