"""Generating the student release from the instructor sources with nbgrader itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograder.gradebook import alembic_on_path
from autograder.registry import RELEASES, SOURCES, spec


def nbgrader_config(root: Path, db_url: str):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = SOURCES
    config.CourseDirectory.release_directory = RELEASES
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.db"]
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    return config


def generate_release(root: Path, assignment_id: str) -> Path:
    """Draw the figures the source notebook links to, then run nbgrader's generate_assignment, which copies
    them with the notebook: solutions/<id>/ -> assignments/<id>/."""
    from nbgrader.apps import NbGraderAPI

    from cnn_course.plots.figure_files import draw_linked_figures

    draw_linked_figures(spec(root, assignment_id).source)
    alembic_on_path()
    with tempfile.TemporaryDirectory() as tmp:
        api = NbGraderAPI(config=nbgrader_config(root, f"sqlite:///{tmp}/gradebook.db"))
        result = api.generate_assignment(assignment_id, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not generate {assignment_id}:\n{result.get('error') or result.get('log')}")
    return root / RELEASES / assignment_id
