"""Recording results in nbgrader's gradebook (SQLite by default, any SQLAlchemy URL)."""

from __future__ import annotations

import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SAWarning

from autograder.grading import Assignment, SubmissionResult


def _alembic_on_path() -> None:
    # nbgrader runs the `alembic` command to check the schema: make the venv's copy findable.
    import sys

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


class CourseGradebook:
    def __init__(self, url: str):
        self.url = url
        _alembic_on_path()

    def open(self):
        from nbgrader.api import Gradebook

        # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; they are harmless.
        warnings.filterwarnings("ignore", category=SAWarning)
        return Gradebook(self.url)

    def ensure_assignment(self, assignment: Assignment) -> None:
        """Mirror the assignment's notebook, grade cells and answer cells in the gradebook."""
        with self.open() as gb:
            gb.update_or_create_assignment(assignment.assignment_id)
            gb.update_or_create_notebook(assignment.notebook_name, assignment.assignment_id)
            for test in assignment.notebook.tests:
                gb.update_or_create_grade_cell(test.grade_id, assignment.notebook_name, assignment.assignment_id,
                                               max_score=test.points, cell_type="code")
            for answer in assignment.notebook.answer_ids:
                gb.update_or_create_solution_cell(answer, assignment.notebook_name, assignment.assignment_id)

    def record(self, result: SubmissionResult, assignment: Assignment, student: dict | None = None) -> None:
        """Scores, comments and lateness of ``result``; ``student``: its roster entry (name, LMS user id),
        kept in nbgrader's fields so that ``nbgrader export`` shows them (the whole name as last_name)."""
        student, late = student or {}, result.lateness
        with self.open() as gb:
            gb.update_or_create_student(result.student, last_name=student.get("name"),
                                        lms_user_id=student.get("lms_user"))
            when = {"timestamp": _utc(late.submitted_at)} if late.submitted_at else {}
            submission = gb.update_or_create_submission(result.assignment_id, result.student, **when)
            submission.extension = timedelta(days=late.extension_days) if late.extension_days else None
            if late.due:
                submission.assignment.duedate = _utc(late.due) - timedelta(days=late.extension_days)
            gb.find_submission_notebook(assignment.notebook_name, result.assignment_id,
                                        result.student).late_submission_penalty = late.penalty
            for test in result.tests:
                grade = gb.find_grade(test.grade_id, assignment.notebook_name, result.assignment_id, result.student)
                grade.auto_score = test.points
            comment_text = " ".join(filter(None, [result.reason, *result.notes])) or None
            for answer in assignment.notebook.answer_ids:
                comment = gb.find_comment(answer, assignment.notebook_name, result.assignment_id, result.student)
                comment.auto_comment = comment_text
            gb.db.commit()

    def scores(self, assignment_id: str) -> dict[str, float]:
        """id -> the tests' points (nbgrader's score, before any late penalty)."""
        with self.open() as gb:
            return {s.student.id: s.score for s in gb.find_assignment(assignment_id).submissions}


def _utc(iso: str) -> datetime | None:
    """An ISO time as nbgrader stores times: naive UTC."""
    return datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None) if iso else None
