"""Every graded assignment through the real grader: solution, release and wrong variants."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import nbformat
import pytest

from autograder import registry
from autograder.course import Course, GraderConfig
from autograder.references import PLAIN_ENV, plain_folder
from autograder.spec import Limits
from tests.assignments.variants import apply, corpus, variants, with_answers
from tests.conftest import ASSIGNMENTS, REPO

pytestmark = pytest.mark.slow
# One answer in other styles per assignment, through the sandbox too (the whole corpus is graded
# in-process by test_mutation.py): every answer cell rewritten at once.
SANDBOXED_CORPUS = ["everything_other_style"]


@functools.cache
def graded(assignment_id: str, root: str):
    """Grade the solution, the release as handed out and every wrong variant, once per session."""
    course = Course(GraderConfig(repo=REPO, course_dir=__import__("pathlib").Path(root), workers=2,
                                 limits=Limits(wall_seconds=900, cell_timeout=600, memory_mb=6000)))
    assignment = course.assignment(assignment_id)
    source = nbformat.read(assignment.source_path, as_version=4)
    release = nbformat.read(registry.spec(REPO, assignment_id).release, as_version=4)
    submissions = {"solution": source, "release": release}
    submissions.update({f"variant-{name}": apply(source, v) for name, v in variants(assignment_id).items()})
    submissions.update({f"correct-{name}": with_answers(source, corpus(assignment_id)[name]) for name in SANDBOXED_CORPUS})
    for student, notebook in submissions.items():
        folder = course.root / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment.notebook_name}.ipynb")
    results = {r.student: r for r in course.autograde(assignment_id, progress=False)}
    return course, results


@pytest.fixture(scope="session")
def grading_root(tmp_path_factory):
    return tmp_path_factory.mktemp("assignments")


def _grade(assignment_id, grading_root):
    return graded(assignment_id, str(grading_root / assignment_id))


def _explain(result) -> str:
    return "; ".join(f"{t.grade_id}: {t.message}" for t in result.tests if not t.passed) or result.reason


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_scores_full_marks(assignment_id, grading_root):
    _, results = _grade(assignment_id, grading_root)
    solution = results["solution"]
    assert solution.max_score > 0
    assert solution.score == solution.max_score, _explain(solution)
    assert solution.reason == ""


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_release_scores_zero_without_crashing(assignment_id, grading_root):
    course, results = _grade(assignment_id, grading_root)
    release = results["release"]
    assert release.score == 0, _explain(release)
    assert release.reason == "", "the release must run to the end, failing only its tests"
    assert all(t.message for t in release.tests)
    assert course.gradebook().scores(assignment_id)["release"] == 0


@pytest.mark.parametrize("assignment_id,variant", [(a, v) for a in ASSIGNMENTS for v in variants(a)])
def test_wrong_variant_loses_exactly_its_points(assignment_id, variant, grading_root):
    course, results = _grade(assignment_id, grading_root)
    result = results[f"variant-{variant}"]
    failed = {t.grade_id for t in result.tests if not t.passed}
    expected = set(variants(assignment_id)[variant].fails)
    assert failed == expected, _explain(result)
    lost = sum(t.max_points for t in result.tests if t.grade_id in expected)
    assert result.score == result.max_score - lost
    assert course.gradebook().scores(assignment_id)[f"variant-{variant}"] == result.score


@pytest.mark.parametrize("assignment_id,name", [(a, n) for a in ASSIGNMENTS for n in SANDBOXED_CORPUS])
def test_correct_answer_in_other_styles_keeps_full_marks(assignment_id, name, grading_root):
    _, results = _grade(assignment_id, grading_root)
    result = results[f"correct-{name}"]
    assert result.score == result.max_score, _explain(result)
    assert result.reason == ""


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_runs_headlessly_with_papermill_and_plain_nbgrader_tests(assignment_id, grading_root, tmp_path):
    """The source notebook itself, public tests and in-kernel hidden tests included, in fast mode."""
    course, _ = _grade(assignment_id, grading_root)
    assignment = course.assignment(assignment_id)
    env = {**os.environ, PLAIN_ENV: str(plain_folder(course.root))}
    parameters = json.dumps(assignment.checks.grading_parameters)
    script = ("import json, sys, papermill; papermill.execute_notebook(sys.argv[1], sys.argv[2], "
              "parameters=json.loads(sys.argv[3]), kernel_name='python3', progress_bar=False)")
    run = subprocess.run([sys.executable, "-c", script, str(assignment.source_path), str(tmp_path / "out.ipynb"),
                          parameters], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
