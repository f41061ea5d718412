"""The grader survives every hostile submission, grades each exactly, and keeps the gradebook."""

from __future__ import annotations

import json
import subprocess

import pytest

from autograder.course import Course, GraderConfig
from tests.grader import hostile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tiny_repo, tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("hostile-course")
    secrets = hostile.secret_paths(tiny_repo, course_dir)
    cases = hostile.cases(secrets)
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    for name, case in cases.items():
        folder = course_dir / "submitted" / name / "tiny"
        folder.mkdir(parents=True)
        (folder / case.filename).write_bytes(hostile.build(solution, case))
        for filename, text in case.extra_files.items():
            (folder / filename).write_text(text)
    config = GraderConfig(repo=tiny_repo, course_dir=course_dir, limits=hostile.LIMITS, workers=2,
                          checks_modules={"tiny": "tests.grader.tiny_checks"})
    course = Course(config)
    results = {r.student: r for r in course.autograde("tiny", progress=False)}
    return course, cases, results


CASE_NAMES = sorted(hostile.cases(["/nonexistent"]))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_submission_gets_exact_score_and_reason(graded, name):
    _, cases, results = graded
    case, result = cases[name], results[name]
    explanation = " ".join([result.reason, *result.notes, *(t.message for t in result.tests)])
    assert result.score == case.score, f"{name}: {result.score} != {case.score}: {explanation}"
    assert result.max_score == 6, "points come from the course's notebook, not the student's"
    assert case.reason in explanation
    if result.score < result.max_score:
        assert all(t.message for t in result.tests if not t.passed), "every lost point is explained"


def test_gradebook_holds_every_student_with_the_same_scores(graded):
    course, _, results = graded
    scores = course.gradebook().scores("tiny")
    assert scores == {name: result.score for name, result in results.items()}


def test_no_process_survives_the_sandbox(graded):
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep {hostile.MARKER_SLEEP}" not in processes  # after a normal run
    assert f"sleep {hostile.MARKER_SLEEP}8" not in processes  # after a kill on timeout


def _printed(course, name) -> str:
    """Everything the executed notebook printed (outputs only, not the cells' code)."""
    notebook = json.loads((course.root / "autograded" / name / "tiny" / "Tiny.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", []))


def test_secrets_are_neither_readable_nor_writable(graded):
    course, _, _ = graded
    verdicts = [line for line in _printed(course, "reads_secrets").splitlines() if "READABLE" in line]
    assert verdicts == ["NOT READABLE"] * len(hostile.secret_paths(course.config.repo, course.root))
    assert "NOT WRITABLE" in _printed(course, "writes_gradebook")
    assert "OFFLINE" in _printed(course, "network_call") and "ONLINE" not in _printed(course, "network_call")


def test_huge_outputs_are_truncated(graded):
    course, _, _ = graded
    for name in ("huge_line_output", "huge_html_output"):
        kept = course.root / "autograded" / name / "tiny" / "Tiny.ipynb"
        assert kept.stat().st_size < 2 * 2**20
        assert "truncated by the grader" in kept.read_text()


def test_only_the_memory_bomb_comes_near_the_memory_limit(graded):
    """The memory limit leaves every other case room (see hostile.LIMITS), so none is stopped for memory."""
    _, _, results = graded
    peaks = {name: result.peak_memory_mb for name, result in results.items()}
    assert {name for name, peak in peaks.items() if peak > 0.75 * hostile.LIMITS.memory_mb} == {"memory_bomb"}, peaks
