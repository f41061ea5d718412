"""The course's assignments, discovered from their own files: one spec per assignment.

An assignment is a folder ``solutions/<id>/`` holding its nbgrader source notebook, plus its checks
module ``autograder.checks.<id>``; nothing else lists it. Each fact of the spec is declared once:

* **notebook**: the folder's one ``.ipynb``; the student release is the same name in ``assignments/<id>/``;
* **grade ids and points**: the notebook's nbgrader cells (answer cells, autograded test cells);
* **data**: the data-layer names its setup cell requires (:mod:`cnn_course.setup_cell`), which the
  student's copy downloads and the grader's sandbox mounts;
* **parameters**: the defaults of its ``parameters`` cell, which papermill overrides;
* **checks, grading parameters and limits**: ``CHECKS`` in the checks module named here
  (:class:`autograder.checks.AssignmentChecks`), the grader's side, never published (nbgrader copies every
  file of ``solutions/<id>/`` into the release).

Reading a spec takes the standard library and :mod:`cnn_course.setup_cell` only (no nbformat, TensorFlow
or sandbox), so the CLI, the release, the tests and the benchmarks list assignments cheaply.
``docs/adding_an_assignment.md`` says what to write for a new one.
"""

from __future__ import annotations

import ast
import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnn_course import setup_cell

SOURCES = "solutions"  # nbgrader's source folder: the instructor's notebooks, solutions and hidden tests
RELEASES = "assignments"  # nbgrader's release folder: what students get, generated from SOURCES
CHECKS_PACKAGE = "autograder.checks"  # an assignment's checks are the module CHECKS_PACKAGE.<id>
PARAMETERS_TAG = "parameters"  # papermill's tag of the cell whose assignments it overrides


class SpecError(ValueError):
    """An assignment's files do not make a spec (no notebook, two notebooks, a parameters cell that is not data)."""


@dataclass(frozen=True)
class AssignmentSpec:
    """What the course's files say about one assignment."""

    assignment_id: str
    source: Path  # the instructor's notebook, solutions/<id>/<notebook>.ipynb
    answer_ids: tuple[str, ...]  # nbgrader grade ids of the answer cells, in order
    tests: dict[str, float] = field(default_factory=dict)  # grade id of each autograded test cell -> its points
    data: tuple[str, ...] = ()  # data-layer names (files or folders) the setup cell requires
    parameters: dict[str, Any] = field(default_factory=dict)  # the parameters cell's defaults
    checks_module: str = ""  # where CHECKS is: CHECKS_PACKAGE.<id> unless told otherwise

    @property
    def notebook(self) -> str:
        """The notebook's name without ``.ipynb``, the same in the source, the release and a submission."""
        return self.source.stem

    @property
    def release(self) -> Path:
        return self.source.parents[2] / RELEASES / self.assignment_id / self.source.name

    @property
    def grade_ids(self) -> tuple[str, ...]:
        return tuple(self.tests)

    @property
    def max_score(self) -> float:
        return sum(self.tests.values())


def assignment_ids(repo: Path) -> list[str]:
    """Every assignment of the course at ``repo``: the folders of ``solutions/`` that hold a notebook."""
    folder = Path(repo) / SOURCES
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def checks_module(assignment_id: str) -> str:
    return f"{CHECKS_PACKAGE}.{assignment_id}"


def spec(repo: Path, assignment_id: str, checks: str | None = None) -> AssignmentSpec:
    """The spec of one assignment, read from ``solutions/<assignment_id>/`` of ``repo`` (``checks``: another
    checks module than ``autograder.checks.<assignment_id>``, as the grader's own test fixture has)."""
    folder = Path(repo).resolve() / SOURCES / assignment_id
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise SpecError(f"{folder} holds {len(notebooks)} notebooks ({', '.join(p.name for p in notebooks) or 'none'}); "
                        "an assignment is exactly one")
    cells = json.loads(notebooks[0].read_text(encoding="utf-8"))["cells"]
    answer_ids, tests = graded_cells(cells)
    setup = next((cell for cell in cells if setup_cell.is_setup_cell(cell)), None)
    return AssignmentSpec(
        assignment_id=assignment_id,
        source=notebooks[0],
        answer_ids=tuple(answer_ids),
        tests=tests,
        data=setup_cell.requires_of(_text(setup)) if setup else (),
        parameters=parameters_of(cells, notebooks[0]),
        checks_module=checks or checks_module(assignment_id),
    )


def specs(repo: Path) -> list[AssignmentSpec]:
    """The spec of every assignment of the course at ``repo``."""
    return [spec(repo, assignment_id) for assignment_id in assignment_ids(repo)]


def graded_cells(cells) -> tuple[list[str], dict[str, float]]:
    """The grade ids of a notebook's answer cells, and of its autograded test cells with their points."""
    answers, tests = [], {}
    for cell in cells:
        meta = nbgrader_metadata(cell)
        if meta.get("solution") and cell.get("cell_type") == "code":
            answers.append(meta["grade_id"])
        elif meta.get("grade") and not meta.get("solution"):
            tests[meta["grade_id"]] = float(meta.get("points", 0))
    return answers, tests


def nbgrader_metadata(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def parameters_of(cells, where: Path | str = "the notebook") -> dict[str, Any]:
    """The defaults of the ``parameters`` cell: each statement a name bound to a literal, as papermill expects."""
    cell = next((c for c in cells if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    values = {}
    for statement in ast.parse(_text(cell)).body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            with contextlib.suppress(ValueError):  # a value that is no literal
                values[targets[0].id] = ast.literal_eval(statement.value)
                continue
        raise SpecError(f"{where}: the parameters cell binds names to literals only, not {ast.unparse(statement)!r}")
    return values


def _text(cell) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)
