"""Wrong answers to the graded assignments, as string edits of the instructor's solution.

Each assignment's ``variants_<assignment_id>.py`` defines ``VARIANTS``: name -> :class:`Variant`,
whose ``fails`` are exactly the test cells (grade_ids) the real grader must fail it on; its
``correct_<assignment_id>.py`` defines ``CORRECT``, correct answers in other styles (name -> answer cells); its
optional ``equivalent_<assignment_id>.py`` defines ``EQUIVALENT``, the mutants of its solution that compute
what the solution computes (mutant key -> why).
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    edits: dict[str, list[tuple[str, str]]]  # solution cell grade_id -> [(old, new), ...]
    fails: frozenset[str] | set[str]


def variants(assignment_id: str) -> dict[str, Variant]:
    """The assignment's wrong variants (``VARIANTS`` of ``variants_<assignment_id>``)."""
    return importlib.import_module(f"tests.assignments.variants_{assignment_id}").VARIANTS


def corpus(assignment_id: str) -> dict[str, dict[str, str]]:
    """The assignment's correct answers in other styles (``CORRECT`` of ``correct_<assignment_id>``)."""
    return importlib.import_module(f"tests.assignments.correct_{assignment_id}").CORRECT


def equivalent(assignment_id: str) -> dict[str, str]:
    """The assignment's equivalent mutants (``EQUIVALENT`` of ``equivalent_<assignment_id>``; none without one)."""
    try:
        module = importlib.import_module(f"tests.assignments.equivalent_{assignment_id}")
    except ModuleNotFoundError as missing:
        if missing.name != f"tests.assignments.equivalent_{assignment_id}":
            raise
        return {}
    return module.EQUIVALENT


def apply(notebook_node, variant: Variant):
    """A copy of the solution notebook with the variant's edits applied to its answer cells."""
    notebook = copy.deepcopy(notebook_node)
    pending = {grade_id: list(edits) for grade_id, edits in variant.edits.items()}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in pending:
            continue
        cell.source = edited(grade_id, cell.source, pending.pop(grade_id))
    if pending:
        raise ValueError(f"variant edits cells that do not exist: {sorted(pending)}")
    return notebook


def edited(grade_id: str, source: str, edits: list[tuple[str, str]]) -> str:
    """Answer cell ``grade_id``'s ``source`` with a variant's edits of it applied."""
    for old, new in edits:
        if old not in source:
            raise ValueError(f"variant edit of cell '{grade_id}': {old!r} not found")
        source = source.replace(old, new)
    return source


def with_answers(notebook_node, answers: dict[str, str]):
    """A copy of the solution notebook with whole answer cells replaced (``grade_id -> source``)."""
    notebook = copy.deepcopy(notebook_node)
    pending = dict(answers)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in pending:
            cell.source = pending.pop(grade_id)
    if pending:
        raise ValueError(f"answers for cells that do not exist: {sorted(pending)}")
    return notebook
