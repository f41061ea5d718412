"""Verdicts and the comparisons judges build them from (trusted side only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""


def passed(message: str = "") -> Verdict:
    return Verdict(True, message)


def failed(message: str) -> Verdict:
    return Verdict(False, message)


def expect_close(student, reference, what: str, *, atol: float = 1e-4, rtol: float = 1e-3) -> Verdict:
    """Arrays of the same shape and close values."""
    student, reference = np.asarray(student), np.asarray(reference)
    if student.shape != reference.shape:
        return failed(f"{what}: expected shape {reference.shape}, got {student.shape}.")
    if student.dtype.kind not in "biuf":
        return failed(f"{what}: expected numbers, got {student.dtype}.")
    if not np.all(np.isfinite(student)):
        return failed(f"{what}: your output contains NaN or infinite values.")
    if not np.allclose(student, reference, atol=atol, rtol=rtol):
        worst = float(np.max(np.abs(student.astype("float64") - reference.astype("float64"))))
        return failed(f"{what}: values differ from the expected ones (largest difference {worst:.3g}).")
    return passed(what)


def expect_equal(student, reference, what: str) -> Verdict:
    """Plain data (no arrays) equal after decoding; shows both when short."""
    if student == reference and type(student) is type(reference):
        return passed(what)
    shown_s, shown_r = json.dumps(student, default=str), json.dumps(reference, default=str)
    if len(shown_s) + len(shown_r) < 400:
        return failed(f"{what}: expected {shown_r}, got {shown_s}.")
    return failed(f"{what}: does not match the expected value.")


def all_of(*verdicts: Verdict) -> Verdict:
    """Pass only if every verdict passes; the message names the first failure."""
    for verdict in verdicts:
        if not verdict.passed:
            return verdict
    return passed("; ".join(v.message for v in verdicts if v.message))


def witnessed(verdict: Verdict, student, reference, what: str, **tolerance) -> Verdict:
    """``verdict`` on what an observation says (layers, calls, flags), upheld only if its witness
    matches too: a value (``student``) that computing the observed thing on the run's secret inputs
    and weights gives. A structure written by hand, or copied from another run, has no such value.
    Honest code whose structure matches always has the matching witness."""
    if not verdict.passed:
        return verdict
    check = expect_close(student, reference, what, **tolerance)
    if check.passed:
        return verdict
    return failed(f"{check.message} The observation describes the expected structure, but running it on the "
                  "grader's secret inputs does not give what that structure computes.")
