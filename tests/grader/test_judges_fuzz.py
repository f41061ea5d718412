"""Property-based fuzzing of every judge: any observation its schema admits gets a verdict.

A judge runs in the trusted grader on what a student's kernel reported; once the observation has
passed its schema (:mod:`autograder.schema`), an exception in the judge would be a grader fault
that any student could trigger. Hypothesis draws observations across each schema's whole range
(:mod:`tests.grader.strategies`) and sends them the way a real one travels: encoded in the kernel,
through JSON, read as untrusted data, decoded and validated.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import checks as checks_api
from autograder import observations, schema, untrusted
from autograder.checks import decode_payload
from tests.conftest import ASSIGNMENTS
from tests.grader.strategies import mutants
from tests.grader.strategies import observations as observations_of

MODULES = {**{assignment: None for assignment in ASSIGNMENTS}, "tiny": "tests.grader.tiny_checks"}
CHECKS = [(checks_api.load(assignment, module), grade_id) for assignment, module in MODULES.items()
          for grade_id in checks_api.load(assignment, module).checks]
FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def as_received(value) -> dict | None:
    """``value`` as the trusted side receives it from a kernel: encoded, as JSON, read and decoded."""
    text = json.dumps({"value": observations.encode(value)})
    return decode_payload(untrusted.loads(text))


@pytest.mark.parametrize(("checks", "grade_id"), CHECKS, ids=[f"{c.assignment_id}/{g}" for c, g in CHECKS])
@FUZZ
@given(data=st.data())
def test_every_judge_gives_a_verdict_for_any_observation_its_schema_admits(checks, grade_id, data):
    spec = checks.checks[grade_id].schema
    reference = {"value": data.draw(observations_of(spec, complete=True), label="reference")}
    near = mutants(spec, reference["value"])  # most judges' comparisons are reached only by near misses
    drawn = data.draw(st.one_of(observations_of(spec), near, near, st.just(reference["value"])), label="student")
    student = as_received(drawn)
    schema.validate(spec, student["value"])  # the draw is admitted, so the judge itself is what runs
    verdict = checks.verdict(grade_id, student, reference)
    assert isinstance(verdict, checks_api.Verdict) and isinstance(verdict.message, str)
