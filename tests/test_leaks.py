"""Nothing a student receives carries solutions or hidden tests, and the release is not stale (the built
site: tests/site/test_site.py, where the build is made)."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import pytest

from autograder import leaks
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
