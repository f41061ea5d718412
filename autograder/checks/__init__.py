"""Checks: what each autograded test cell measures in the kernel and how it is judged.

An assignment's module (``autograder.checks.<assignment_id>``) defines ``CHECKS``, an
:class:`AssignmentChecks`. For every autograded test cell (nbgrader ``grade_id``) it registers

* an **observer** ``observe(ns, kit) -> data``: runs in the student's kernel, with the
  notebook's globals ``ns`` and the kernel kit (:mod:`autograder.kernel`); it returns plain
  data (numbers, strings, lists, dicts, numpy arrays) and never decides anything;
* a **judge** ``judge(student, reference) -> Verdict``: runs in the trusted grader and compares
  the student's observation with the one the solution notebook produced.

References come from running the instructor's solution through the same observers, so no
expected value is written by hand and none is ever visible to student code.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograder import observations

REFERENCES_ENV = "CNN_GRADER_REFERENCES"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""


def passed(message: str = "") -> Verdict:
    return Verdict(True, message)


def failed(message: str) -> Verdict:
    return Verdict(False, message)


@dataclass
class Check:
    grade_id: str
    observe: Callable[[dict, Any], Any] | None = None
    judge: Callable[[Any, Any], Verdict] | None = None


@dataclass
class AssignmentChecks:
    """The checks of one assignment, plus how the grader should run it."""

    assignment_id: str
    notebook: str  # notebook name without .ipynb, as in solutions/<assignment_id>/
    grading_parameters: dict = field(default_factory=dict)  # injected by papermill
    data_files: tuple[str, ...] = ()  # data-layer names (files or folders) the sandbox may read
    checks: dict[str, Check] = field(default_factory=dict)

    def observer(self, grade_id: str):
        def register(function):
            self.checks.setdefault(grade_id, Check(grade_id)).observe = function
            return function

        return register

    def judge(self, grade_id: str):
        def register(function):
            self.checks.setdefault(grade_id, Check(grade_id)).judge = function
            return function

        return register

    def validate(self, grade_ids) -> None:
        """Every autograded test cell has an observer and a judge, and nothing else does."""
        missing = sorted(set(grade_ids) - set(self.checks))
        extra = sorted(set(self.checks) - set(grade_ids))
        incomplete = sorted(g for g, c in self.checks.items() if c.observe is None or c.judge is None)
        if missing or extra or incomplete:
            raise ValueError(
                f"{self.assignment_id}: checks do not match the test cells "
                f"(no check: {missing}, no test cell: {extra}, observer or judge missing: {incomplete})"
            )

    def observer_source(self, grade_id: str) -> str:
        """The code that replaces test cell ``grade_id`` when grading."""
        function = self.checks[grade_id].observe
        source = textwrap.dedent(inspect.getsource(function))
        lines = source.splitlines()
        while lines and lines[0].lstrip().startswith("@"):
            lines.pop(0)
        body = "\n".join(lines)
        return f"{body}\n\n_grader.emit({grade_id!r}, {function.__name__}, globals())\n"

    def verdict(self, grade_id: str, student: dict | None, reference: dict | None) -> Verdict:
        """Judge one test cell from the raw observation payloads (``{'value'|'error': ...}``)."""
        if reference is None or "value" not in reference:
            why = (reference or {}).get("error", "no observation")
            raise RuntimeError(f"{self.assignment_id}/{grade_id}: the solution has no reference ({why})")
        if student is None:
            return failed("This test did not run: the notebook stopped before reaching it.")
        if "error" in student:
            return failed(f"Your code raised an error during this test: {student['error']}")
        judge = self.checks[grade_id].judge
        try:
            return judge(student["value"], reference["value"])
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
            return failed(f"Your code's result has an unexpected form ({type(error).__name__}: {error}).")


def module_name(assignment_id: str) -> str:
    return f"{__name__}.{assignment_id}"


def load(assignment_id: str, module: str | None = None) -> AssignmentChecks:
    """The checks of an assignment, from ``autograder.checks.<id>`` or the named module."""
    return importlib.import_module(module or module_name(assignment_id)).CHECKS


def prelude_source() -> str:
    """Source of the kit sent into the kernel before any student code runs."""
    here = Path(__file__).resolve().parent.parent
    parts = []
    for name in ("observations.py", "kernel.py"):
        text = (here / name).read_text()
        parts.append("\n".join(l for l in text.splitlines() if not l.endswith("# grader: prelude-skip")))
    kit = "\n\n".join(parts)
    return (
        "import sys as _sys, types as _types\n"
        "_grader = _types.ModuleType('cnn_grader_kit')\n"
        f"exec(compile({kit!r}, 'cnn_grader_kit', 'exec'), _grader.__dict__)\n"
        "_sys.modules['cnn_grader_kit'] = _grader\n"
        "del _sys, _types\n"
    )


# --- references -------------------------------------------------------------------------


def references_dir() -> Path:
    default = Path.home() / ".cache" / "cnn-course" / "references"
    return Path(os.environ.get(REFERENCES_ENV) or default)


def save_references(assignment_id: str, payloads: dict, folder: Path | None = None) -> Path:
    path = (folder or references_dir()) / f"{assignment_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payloads))
    return path


def load_references(assignment_id: str, folder: Path | None = None) -> dict:
    path = (folder or references_dir()) / f"{assignment_id}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"No reference observations for '{assignment_id}' at {path}. "
            f"Create them with: python -m autograder references {assignment_id}"
        )
    return {gid: _decoded(p) for gid, p in json.loads(path.read_text()).items()}


def _decoded(payload: dict) -> dict:
    if "value" in payload:
        return {**payload, "value": observations.decode(payload["value"])}
    return payload


def run_in_kernel(assignment_id: str, grade_id: str, namespace: dict) -> None:
    """Plain-nbgrader fallback for a hidden test cell: observe and judge in the kernel.

    Only for ``nbgrader autograde`` without our grader; it trusts the kernel, which
    ``python -m autograder`` never does.
    """
    from autograder import kernel

    checks = load(assignment_id)
    check = checks.checks[grade_id]
    try:
        value = observations.decode(json.loads(json.dumps(observations.encode(check.observe(namespace, kernel)))))
        student = {"value": value}
    except Exception as error:  # noqa: BLE001
        student = {"error": f"{type(error).__name__}: {error}"}
    verdict = checks.verdict(grade_id, student, load_references(assignment_id).get(grade_id))
    assert verdict.passed, verdict.message


# --- judging helpers --------------------------------------------------------------------


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
