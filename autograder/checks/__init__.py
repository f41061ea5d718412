"""Checks: what each autograded test cell measures in the kernel and how it is judged.

An assignment's module (``autograder.checks.<assignment_id>``) defines ``CHECKS``, an
:class:`AssignmentChecks`. For every autograded test cell (nbgrader ``grade_id``) it registers

* an **observer** ``observe(ns, kit) -> data``: runs in the student's kernel, with the
  notebook's globals ``ns`` and the kernel kit (:mod:`autograder.kernel`); it returns plain
  data (numbers, strings, lists, dicts, numpy arrays) and never decides anything;
* a **judge** ``judge(student, reference) -> Verdict`` with the **schema** the observation must
  have (:mod:`autograder.schema`): runs in the trusted grader and compares the student's
  validated observation with the one the solution notebook produced under the same secret seed.

References come from running the instructor's solution through the same observers
(:mod:`autograder.references`), so no expected value is written by hand and none is ever
visible to student code.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import registry
from autograder import schema as schemas
from autograder.checks.judging import Verdict, all_of, expect_close, expect_equal, failed, passed, witnessed
from autograder.observations import ObservationError

__all__ = ["AssignmentChecks", "Check", "GraderError", "Verdict", "all_of", "expect_close", "expect_equal",
           "failed", "load", "module_name", "passed", "prelude_source", "run_in_kernel", "witnessed"]


class GraderError(RuntimeError):
    """A fault of the grader (a judge that raised, a missing reference), never of the student."""


@dataclass
class Check:
    grade_id: str
    observe: Callable[[dict, Any], Any] | None = None
    judge: Callable[[Any, Any], Verdict] | None = None
    schema: schemas.Schema | None = None


@dataclass
class AssignmentChecks:
    """The checks of one assignment, plus how the grader should run it (its notebook, grade ids and data are
    the notebook's own: :mod:`autograder.registry`)."""

    assignment_id: str
    grading_parameters: dict = field(default_factory=dict)  # injected by papermill
    wall_factor: float = 6.0  # a submission may run this many times as long as the solution did...
    min_wall_seconds: float = 60.0  # ...but never less than this (ten times a warm run of either solution)
    checks: dict[str, Check] = field(default_factory=dict)
    helpers: list[Callable] = field(default_factory=list)  # functions the observers call, sent with them

    def observer(self, grade_id: str):
        def register(function):
            self.checks.setdefault(grade_id, Check(grade_id)).observe = function
            return function

        return register

    def judge(self, grade_id: str, schema: schemas.Schema):
        """Register the judge of ``grade_id``; it only ever sees observations of form ``schema``."""
        def register(function):
            check = self.checks.setdefault(grade_id, Check(grade_id))
            check.judge, check.schema = function, schema
            return function

        return register

    def validate(self, grade_ids) -> None:
        """Every autograded test cell has an observer, a judge and a schema, and nothing else does."""
        missing = sorted(set(grade_ids) - set(self.checks))
        extra = sorted(set(self.checks) - set(grade_ids))
        incomplete = sorted(g for g, c in self.checks.items() if None in (c.observe, c.judge, c.schema))
        if missing or extra or incomplete:
            raise ValueError(
                f"{self.assignment_id}: checks do not match the test cells "
                f"(no check: {missing}, no test cell: {extra}, observer, judge or schema missing: {incomplete})"
            )

    def helper(self, function):
        """Register a function the observers call. Only an observer's own source runs in the kernel,
        so a helper's source is sent with every observer; in-process it is the module's function."""
        self.helpers.append(function)
        return function

    def observer_source(self, grade_id: str) -> str:
        """The code that replaces test cell ``grade_id`` when grading: the helpers, then the observer."""
        function = self.checks[grade_id].observe
        parts = [_undecorated_source(helper) for helper in self.helpers] + [_undecorated_source(function)]
        return "\n\n".join(parts) + f"\n\n_grader.emit({grade_id!r}, {function.__name__}, globals())\n"

    def verdict(self, grade_id: str, student: dict | None, reference: dict | None) -> Verdict:
        """Judge one test cell from decoded payloads (``{'value'|'error': ...}``).

        A missing or malformed observation is the student's; a judge that raises on a validated
        observation, or a missing reference, is the grader's (:class:`GraderError`).
        """
        if reference is None or "value" not in reference:
            why = (reference or {}).get("error", "no observation")
            raise GraderError(f"{self.assignment_id}/{grade_id}: the solution has no reference ({why})")
        if student is None:
            return failed("This test did not run: the notebook stopped before reaching it.")
        if "error" in student:
            return failed(f"Your code raised an error during this test: {student['error']}")
        check = self.checks[grade_id]
        try:
            value = schemas.validate(check.schema, student["value"])
        except ObservationError as error:
            return failed(f"Your code's result has an unexpected form: {error}.")
        try:
            return check.judge(value, reference["value"])
        except Exception as error:  # noqa: BLE001 - validated input: any exception is the grader's bug
            raise GraderError(f"{self.assignment_id}/{grade_id}: the judge raised "
                              f"{type(error).__name__}: {error}") from error


def _undecorated_source(function) -> str:
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    while lines and lines[0].lstrip().startswith("@"):
        lines.pop(0)
    return "\n".join(lines)


module_name = registry.checks_module


def load(assignment_id: str, module: str | None = None) -> AssignmentChecks:
    """The checks of an assignment, from ``autograder.checks.<id>`` or the named module."""
    return importlib.import_module(module or module_name(assignment_id)).CHECKS


def kit_sources() -> list[Path]:
    """The files whose code runs in the kernel as the kit (their source is the prelude)."""
    here = Path(__file__).resolve().parent.parent
    return [here / "observations.py", here / "kernel.py"]


def prelude_source(seed: int) -> str:
    """Source of the kit sent into the kernel before any student code runs, with the run's seed."""
    parts = []
    for path in kit_sources():
        text = path.read_text()
        parts.append("\n".join(l for l in text.splitlines() if not l.endswith("# grader: prelude-skip")))
    kit = "\n\n".join(parts)
    return (
        "import sys as _sys, types as _types\n"
        "_grader = _types.ModuleType('cnn_grader_kit')\n"
        f"exec(compile({kit!r}, 'cnn_grader_kit', 'exec'), _grader.__dict__)\n"
        f"_grader.SEED = {int(seed)}\n"
        "_sys.modules['cnn_grader_kit'] = _grader\n"
        "del _sys, _types\n"
    )


def run_in_kernel(assignment_id: str, grade_id: str, namespace: dict) -> None:
    """Plain-nbgrader fallback for a hidden test cell (see :func:`autograder.references.run_in_kernel`)."""
    from autograder import references

    references.run_in_kernel(assignment_id, grade_id, namespace)
