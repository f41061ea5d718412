"""Checks of the tiny fixture assignment used to test the grader itself."""

from autograder.checks import AssignmentChecks, expect_close, expect_equal

CHECKS = AssignmentChecks(assignment_id="tiny", notebook="Tiny", grading_parameters={"repeats": 2})


@CHECKS.observer("test_square")
def observe_square(ns, kit):
    import numpy as np

    return {"values": np.array([ns["square"](x) for x in (0.0, 1.5, -2.0, 3.0)], dtype="float64")}


@CHECKS.judge("test_square")
def judge_square(student, reference):
    return expect_close(student["values"], reference["values"], "square(x) for x in (0, 1.5, -2, 3)")


@CHECKS.observer("test_mean")
def observe_mean(ns, kit):
    return {"values": [float(ns["mean"](v)) for v in ([1, 2, 3], [2.5], [-1, 1, 6])]}


@CHECKS.judge("test_mean")
def judge_mean(student, reference):
    return expect_equal(student["values"], reference["values"], "mean of [1, 2, 3], [2.5] and [-1, 1, 6]")


@CHECKS.observer("test_repeats")
def observe_repeats(ns, kit):
    return {"repeats": ns["repeats"]}


@CHECKS.judge("test_repeats")
def judge_repeats(student, reference):
    return expect_equal(student["repeats"], reference["repeats"], "the grading parameters were injected")
