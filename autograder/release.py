"""Generating the student release from the instructor sources with nbgrader itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograder.gradebook import alembic_on_path


def nbgrader_config(root: Path, db_url: str):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = "assignments"
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.db"]
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    return config


def generate_release(root: Path, assignment_id: str) -> Path:
    """Run nbgrader's generate_assignment: solutions/<id>/ -> assignments/<id>/."""
    from nbgrader.apps import NbGraderAPI

    alembic_on_path()
    with tempfile.TemporaryDirectory() as tmp:
        api = NbGraderAPI(config=nbgrader_config(root, f"sqlite:///{tmp}/gradebook.db"))
        result = api.generate_assignment(assignment_id, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not generate {assignment_id}:\n{result.get('error') or result.get('log')}")
    return root / "assignments" / assignment_id


def assignment_ids(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
