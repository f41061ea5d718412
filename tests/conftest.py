"""Shared fixtures: the repository, a tiny fast assignment for grader tests, temp courses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory) -> Path:
    """A course repository holding only the tiny fixture assignment, released by nbgrader."""
    from autograder.release import generate_release

    root = tmp_path_factory.mktemp("tiny-repo")
    shutil.copytree(REPO / "tests" / "grader" / "fixture", root, dirs_exist_ok=True)
    generate_release(root, "tiny")
    return root
