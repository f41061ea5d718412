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
visible to student code. Outside a sandbox (mutation testing, the plain-nbgrader fallback),
:meth:`AssignmentChecks.observe_in` and :meth:`AssignmentChecks.judge_payload` observe and judge
exactly as a graded run does, with the run's kit from :func:`kit`.
"""

from __future__ import annotations

import importlib
import inspect
import json
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import registry, untrusted
from autograder import schema as schemas
from autograder.checks.judging import Verdict, all_of, expect_close, expect_equal, failed, passed, witnessed
from autograder.observations import ObservationError, decode
from autograder.references import load_plain

__all__ = ["AssignmentChecks", "Check", "GraderError", "Verdict", "all_of", "expect_close", "expect_equal",
           "failed", "kit", "load", "module_name", "passed", "prelude_source", "run_in_kernel", "witnessed"]
KIT_NAME = "cnn_grader_kit"  # the kit's module in the kernel
PRELUDE_NAME = "_grader"  # the name the prelude gives the kit in the notebook's globals


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
        so a helper's source is sent with every observer (and defined alongside it by :meth:`observe_in`)."""
        self.helpers.append(function)
        return function

    def observer_definitions(self, grade_id: str) -> str:
        """The helpers' and the observer's source, as test cell ``grade_id`` defines them in the kernel."""
        parts = [_undecorated_source(helper) for helper in self.helpers] + [_undecorated_source(self.checks[grade_id].observe)]
        return "\n\n".join(parts)

    def observer_source(self, grade_id: str) -> str:
        """The code that replaces test cell ``grade_id`` when grading: the helpers, then the observer."""
        name = self.checks[grade_id].observe.__name__
        return self.observer_definitions(grade_id) + f"\n\n{PRELUDE_NAME}.emit({grade_id!r}, {name}, globals())\n"

    def observe_in(self, namespace: dict, grade_id: str, run_kit: types.ModuleType) -> dict:
        """Test cell ``grade_id`` run as in the kernel, in this process: its observer defined in the notebook's
        globals ``namespace`` and called with ``run_kit`` (:func:`kit`); the payload as the grader reads it
        back from an executed notebook. It runs the code of ``namespace`` unguarded: trusted code only."""
        exec(compile(self.observer_definitions(grade_id), f"<test cell {grade_id}>", "exec"), namespace)
        observe = namespace[self.checks[grade_id].observe.__name__]
        return untrusted.loads(json.dumps(run_kit.observation(grade_id, observe, namespace, run_kit)))

    def judge_payload(self, grade_id: str, payload: dict | None, reference: dict | None) -> Verdict:
        """:meth:`verdict` on a payload as read back from a run (``{"value": encoded}``, ``{"error": ...}``)."""
        return self.verdict(grade_id, decode_payload(payload), reference)

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


def decode_payload(payload: dict | None) -> dict | None:
    """An observation payload with its value decoded, or an error if it is malformed."""
    if payload is None:
        return None
    if "value" in payload:
        try:
            return {"value": decode(payload["value"])}
        except ObservationError as error:
            return {"error": f"the observation is malformed ({error})"}
    error = payload.get("error")
    return {"error": untrusted.clean_text(error[:2000]) if isinstance(error, str) else "no value"}


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


def kit_source() -> str:
    """The kit's code as the kernel runs it: :func:`kit_sources` without their grader-only lines."""
    parts = []
    for path in kit_sources():
        text = path.read_text()
        parts.append("\n".join(line for line in text.splitlines() if not line.endswith("# grader: prelude-skip")))
    return "\n\n".join(parts)


def prelude_source(seed: int) -> str:
    """Source of the kit sent into the kernel before any student code runs, with the run's seed."""
    return (
        "import sys as _sys, types as _types\n"
        f"{PRELUDE_NAME} = _types.ModuleType({KIT_NAME!r})\n"
        f"exec(compile({kit_source()!r}, {KIT_NAME!r}, 'exec'), {PRELUDE_NAME}.__dict__)\n"
        f"{PRELUDE_NAME}.SEED = {int(seed)}\n"
        f"_sys.modules[{KIT_NAME!r}] = {PRELUDE_NAME}\n"
        "del _sys, _types\n"
    )


def kit(seed: int) -> types.ModuleType:
    """The kit of a run of ``seed`` in this process, made as the prelude makes it in the kernel: a module
    of its own, so that no seed or shared model passes from one run to another through a global."""
    module = types.ModuleType(KIT_NAME)
    exec(compile(kit_source(), KIT_NAME, "exec"), module.__dict__)
    module.SEED = int(seed)
    return module


def run_in_kernel(assignment_id: str, grade_id: str, namespace: dict) -> None:
    """Plain-nbgrader fallback for a hidden test cell: observe and judge in the kernel.

    Only for ``nbgrader autograde`` without our grader; it trusts the kernel, which
    ``python -m autograder`` never does.
    """
    checks = load(assignment_id)
    references = load_plain(assignment_id)
    payload = checks.observe_in(namespace, grade_id, kit(references.seed))
    verdict = checks.judge_payload(grade_id, payload, references.payloads.get(grade_id))
    assert verdict.passed, verdict.message
