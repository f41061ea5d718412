"""The assignment registry: a spec is read from an assignment's own files, cheaply, and a broken one is refused."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from autograder import registry
from autograder.cli import main
from cnn_course import setup_cell
from tests.conftest import ASSIGNMENTS, REPO


def graded(grade_id: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    meta = {"grade_id": grade_id, "grade": False, "solution": False, "locked": True, **nbgrader}
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def write_notebook(path, parameters: str = "epochs = 14  # passes\nsize = (160, 160)\nsubset = None\n"):
    cells = [nbformat.v4.new_code_cell(setup_cell.source(("signs", "weights")), metadata=setup_cell.metadata(True)),
             nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
             graded("square", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION\n",
                    solution=True, locked=False),
             graded("test_square", "assert square(3) == 9\n", grade=True, points=2),
             graded("test_square_again", "assert square(2) == 4\n", grade=True, points=0.5)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_a_spec_is_what_the_notebook_says(tmp_path):
    write_notebook(tmp_path / "solutions" / "squares" / "Squares.ipynb")
    spec = registry.spec(tmp_path, "squares")
    assert (spec.notebook, spec.release) == ("Squares", tmp_path / "assignments" / "squares" / "Squares.ipynb")
    assert spec.answer_ids == ("square",) and spec.tests == {"test_square": 2.0, "test_square_again": 0.5}
    assert spec.grade_ids == ("test_square", "test_square_again") and spec.max_score == 2.5
    assert spec.data == ("signs", "weights")
    assert spec.parameters == {"epochs": 14, "size": (160, 160), "subset": None}
    assert spec.checks_module == "autograder.checks.squares"
    assert registry.spec(tmp_path, "squares", "tests.grader.tiny_checks").checks_module == "tests.grader.tiny_checks"


def test_a_folder_is_an_assignment_when_it_holds_a_notebook_and_only_one(tmp_path):
    write_notebook(tmp_path / "solutions" / "squares" / "Squares.ipynb")
    (tmp_path / "solutions" / "notes").mkdir()
    (tmp_path / "solutions" / "notes" / "README.md").write_text("not an assignment")
    assert registry.assignment_ids(tmp_path) == ["squares"]
    write_notebook(tmp_path / "solutions" / "squares" / "Squares_copy.ipynb")
    with pytest.raises(registry.SpecError, match="holds 2 notebooks"):
        registry.spec(tmp_path, "squares")
    assert registry.assignment_ids(tmp_path / "elsewhere") == []


@pytest.mark.parametrize("parameters", ["epochs = 2 * 7\n", "epochs = batch = 1\n", "epochs, batch = 1, 2\n",
                                        "import math\n", "epochs += 1\n"])
def test_a_parameters_cell_that_is_not_names_bound_to_literals_is_refused(tmp_path, parameters):
    write_notebook(tmp_path / "solutions" / "squares" / "Squares.ipynb", parameters)
    with pytest.raises(registry.SpecError, match="binds names to literals only"):
        registry.spec(tmp_path, "squares")


def test_reading_every_spec_imports_neither_nbformat_nor_numpy_nor_the_sandbox():
    program = ("import sys; from pathlib import Path; from autograder import registry; "
               f"assert registry.specs(Path({str(REPO)!r})); "
               "print(sorted(m for m in ('nbformat', 'numpy', 'tensorflow', 'autograder.sandbox', 'autograder.checks') "
               "if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_command_line_lists_every_assignment_and_refuses_a_broken_one(tmp_path, capsys):
    assert main(["--repo", str(REPO), "assignments"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in listed] == ASSIGNMENTS
    for line, spec in zip(listed, registry.specs(REPO), strict=True):
        assert f"{spec.notebook}.ipynb, {len(spec.tests)} tests" in line and spec.checks_module in line
    write_notebook(tmp_path / "solutions" / "squares" / "Squares.ipynb")
    write_notebook(tmp_path / "solutions" / "broken" / "One.ipynb")
    write_notebook(tmp_path / "solutions" / "broken" / "Two.ipynb")
    assert main(["--repo", str(tmp_path), "assignments"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("squares: Squares.ipynb, 2 tests worth 2.5 points, data signs, weights")
    assert err.startswith("broken: ") and "holds 2 notebooks" in err
