"""Checks of the tiny fixture assignment used to test the grader itself."""

from autograder.checks import AssignmentChecks, expect_close, expect_equal
from autograder.schema import FLOATS, Integer, ListOf, Number, Record

CHECKS = AssignmentChecks(assignment_id="tiny", grading_parameters={"repeats": 2})


@CHECKS.observer("test_square")
def observe_square(ns, kit):
    import numpy as np

    xs = np.round(kit.rng("square").uniform(-4, 4, size=4), 2)
    return {"values": np.array([ns["square"](float(x)) for x in xs], dtype="float64")}


@CHECKS.judge("test_square", schema=Record({"values": FLOATS}))
def judge_square(student, reference):
    return expect_close(student["values"], reference["values"], "square(x) for four secret values of x")


@CHECKS.observer("test_mean")
def observe_mean(ns, kit):
    rng = kit.rng("mean")
    lists = [[int(v) for v in rng.integers(-9, 10, size=n)] for n in (3, 1, 4)]
    return {"values": [float(ns["mean"](v)) for v in lists]}


@CHECKS.judge("test_mean", schema=Record({"values": ListOf(Number(), 3)}))
def judge_mean(student, reference):
    return expect_equal(student["values"], reference["values"], "the mean of three secret lists")


@CHECKS.observer("test_repeats")
def observe_repeats(ns, kit):
    return {"repeats": ns["repeats"]}


@CHECKS.judge("test_repeats", schema=Record({"repeats": Integer()}))
def judge_repeats(student, reference):
    return expect_equal(student["repeats"], reference["repeats"], "the grading parameters were injected")
