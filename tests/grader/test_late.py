"""Late work: policy.json's due dates, extensions and penalties, applied to one submission. Fast."""

from __future__ import annotations

import json

import pytest

from autograder.lateness import PolicyError, read_policy

DUE = "2024-03-01 23:59"  # Europe/Berlin: 22:59 UTC


def policy(tmp_path, **rules):
    (tmp_path / "policy.json").write_text(json.dumps({
        "timezone": "Europe/Berlin", "assignments": {"tiny": {"due": DUE, **rules}},
        "extensions": {"tiny": {"bob": 1}}}))
    return read_policy(tmp_path)


def test_per_day_penalty_counts_started_days_in_the_courses_time_zone(tmp_path):
    rules = policy(tmp_path, penalty="per_day", percent_per_day=10)
    on_time = rules.assess("tiny", "alice", "2024-03-01 22:30:00.000000 UTC", False, 5, 6)
    assert not on_time.late and on_time.penalty == 0 and on_time.due == "2024-03-01T22:59:00+00:00"
    late = rules.assess("tiny", "alice", "2024-03-02 00:30:00", False, 5, 6)  # Berlin time, 31 min late
    assert late.late_seconds == 31 * 60 and late.penalty == pytest.approx(0.6) and "1 day(s)" in late.why
    three_days = rules.assess("tiny", "alice", "2024-03-04T12:00:00+01:00", False, 5, 6)
    assert three_days.penalty == pytest.approx(1.8)
    assert rules.assess("tiny", "alice", "2024-04-01 00:00", False, 2, 6).penalty == 2  # never below zero
    extended = rules.assess("tiny", "bob", "2024-03-02 00:30:00", False, 5, 6)
    assert not extended.late and extended.due == "2024-03-02T22:59:00+00:00" and extended.extension_days == 1


def test_cutoff_scores_zero_after_it_and_none_only_flags(tmp_path):
    rules = policy(tmp_path, penalty="cutoff", cutoff="2024-03-03 23:59")
    before = rules.assess("tiny", "alice", "2024-03-03 12:00", False, 5, 6)
    assert before.late and before.penalty == 0
    after = rules.assess("tiny", "alice", "2024-03-04 00:00", False, 5, 6)
    assert after.penalty == 5 and "cut-off" in after.why
    assert rules.assess("tiny", "bob", "2024-03-04 00:00", False, 5, 6).penalty == 0  # the extension moves it
    flagged = policy(tmp_path, penalty="none").assess("tiny", "alice", "2024-03-09 00:00", False, 5, 6)
    assert flagged.late and flagged.penalty == 0


def test_an_lms_late_mark_without_a_time_is_flagged_not_charged(tmp_path):
    found = policy(tmp_path, penalty="per_day", percent_per_day=10).assess("tiny", "alice", "", True, 5, 6)
    assert found.late and found.penalty == 0 and "no submission time" in found.why
    assert not read_policy(tmp_path / "none").assess("tiny", "alice", "2030-01-01 00:00", False, 5, 6).late


@pytest.mark.parametrize("rules", [{"penalty": "weekly"}, {"penalty": "per_day"}, {"penalty": "cutoff"},
                                   {"due": "next friday"}, {"late": True}])
def test_a_malformed_policy_says_what_is_wrong(tmp_path, rules):
    with pytest.raises(PolicyError):
        policy(tmp_path, **rules)
