"""Nothing a student receives carries solutions or hidden tests, and the release is not stale (the built
site: tests/site/test_site.py, where the build is made)."""

from __future__ import annotations

import ast
import copy
import json
import shutil
from functools import partial
from pathlib import Path

import nbformat
import pytest

from autograder import leaks, registry
from autograder.leaks import MARKERS, readable_text
from autograder.release import generate_release
from tests.conftest import ASSIGNMENTS, REPO

solution_lines = partial(leaks.solution_lines, REPO)


def student_files(assignment_id: str | None = None) -> list[Path]:
    """Release notebooks (all, or one assignment's) and the helper package students import.

    An assignment's solution is checked against its own release: two assignments may share
    a line legitimately (a compile call given in one, asked for in the other).
    """
    releases = REPO / "assignments" / (assignment_id or "")
    files = list(releases.rglob("*")) + list((REPO / "cnn_course").rglob("*.py"))
    return [f for f in files if f.is_file()]


@pytest.mark.parametrize("path", student_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_student_files_have_no_markers(path):
    assert not MARKERS.search(path.read_text(errors="replace"))
    assert not MARKERS.search(readable_text(path))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_no_solution_code_in_student_files(assignment_id):
    secret = solution_lines(assignment_id)
    assert secret, "the solution notebook has solution regions"
    for path in student_files(assignment_id):
        text = readable_text(path)
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{path.relative_to(REPO)} contains solution code: {leaked[:3]}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_release_is_exactly_what_nbgrader_generates(assignment_id, tmp_path):
    shutil.copytree(REPO / "solutions" / assignment_id, tmp_path / "solutions" / assignment_id)
    generate_release(tmp_path, assignment_id)
    for fresh in (tmp_path / "assignments" / assignment_id).iterdir():
        committed = REPO / "assignments" / assignment_id / fresh.name
        assert committed.is_file(), f"{committed} is missing: run `make release`"
        assert _normalised(committed) == _normalised(fresh), (
            f"{committed.relative_to(REPO)} is stale against solutions/: run `make release`")
    committed_names = {p.name for p in (REPO / "assignments" / assignment_id).iterdir()}
    assert committed_names == {p.name for p in (tmp_path / "assignments" / assignment_id).iterdir()}


def _normalised(path: Path):
    if path.suffix != ".ipynb":
        return path.read_bytes()
    return json.loads(path.read_text())


# --- answers defined in what students receive: by name, or by the same code under other names -----------------
STUDENT_CODE = [*sorted((REPO / "cnn_course").rglob("*.py")), *sorted((REPO / "book").glob("*.ipynb"))]
MIN_ANSWER_NODES = 30  # an answer body smaller than this (``return x + 1``) is too common to call a copy


def code_of(path: Path) -> list[tuple[str, str]]:
    """(where, Python source) of a module, or of each code cell of a notebook with its IPython magics as calls."""
    if path.suffix == ".py":
        return [(str(path.relative_to(REPO)), path.read_text())]
    from IPython.core.inputtransformer2 import TransformerManager

    cells = nbformat.read(path, as_version=4).cells
    return [(f"{path.relative_to(REPO)}, cell {index}", TransformerManager().transform_cell(cell.source))
            for index, cell in enumerate(cells) if cell.cell_type == "code"]


def definitions(source: str, where: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Every function and class ``source`` defines, nested ones and methods included."""
    tree = ast.parse(source, where)
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def answers() -> dict[str, tuple[str, ast.AST]]:
    """What the answer cells of every assignment's solution define at their top level: name -> (assignment, node)."""
    found = {}
    for spec in registry.specs(REPO):
        for cell in nbformat.read(spec.source, as_version=4).cells:
            if cell.cell_type == "code" and registry.nbgrader_metadata(cell).get("solution"):
                tree = ast.parse(cell.source, f"{spec.source.name}, answer cell")
                for node in tree.body:
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        found[node.name] = (spec.assignment_id, node)
    return found


class _Anonymised(ast.NodeTransformer):
    """Renames variables and arguments in order of appearance, and drops Keras's ``name=`` labels."""

    def __init__(self):
        self.aliases: dict[str, str] = {}

    def alias(self, name: str) -> str:
        return self.aliases.setdefault(name, f"v{len(self.aliases)}")

    def visit_Name(self, node):
        node.id = self.alias(node.id)
        return node

    def visit_arg(self, node):
        node.arg, node.annotation = self.alias(node.arg), None
        return node

    def visit_keyword(self, node):
        return None if node.arg == "name" else self.generic_visit(node)


def shape(definition: ast.AST) -> tuple[str, int]:
    """A definition's body with names and docstring left out, as ``ast.dump``, and its number of nodes."""
    body = list(copy.deepcopy(definition).body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str):
        body = body[1:]
    tree = _Anonymised().visit(ast.Module(body=body, type_ignores=[]))
    return ast.dump(tree), sum(1 for _ in ast.walk(tree))


@pytest.fixture(scope="module")
def student_definitions() -> list[tuple[str, ast.AST]]:
    return [(where, node) for path in STUDENT_CODE for where, source in code_of(path)
            for node in definitions(source, where)]


def test_no_student_code_defines_an_answer(student_definitions):
    """A course module or chapter defining an answer's name hands the answer out (or confuses it with one)."""
    names = answers()
    assert names, "the solution notebooks' answer cells define functions"
    clashes = [f"{where}: {node.name} (an answer of {names[node.name][0]})"
               for where, node in student_definitions if node.name in names]
    assert not clashes, "\n".join(clashes)


def test_no_student_code_has_an_answers_body(student_definitions):
    """The same code under other names is the same answer."""
    bodies = {}
    for name, (assignment_id, node) in answers().items():
        dump, size = shape(node)
        if size >= MIN_ANSWER_NODES:
            bodies[dump] = f"{assignment_id}'s {name}"
    copies = [f"{where}: {node.name} is {bodies[dump]}" for where, node in student_definitions
              if (dump := shape(node)[0]) in bodies]
    assert not copies, "\n".join(copies)
