"""Recording results in nbgrader's gradebook (SQLite by default, any SQLAlchemy URL), and reading the
instructor's manual grades back.

Our autograde writes only nbgrader's ``auto_score`` and ``auto_comment``. A manual grade (nbgrader's
formgrader, or ``python -m autograder override``) lives in ``manual_score`` and ``manual_comment``,
which no re-grade touches; as in nbgrader, a manual score, where set, is the test's final score.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SAWarning

from autograder.results import SubmissionResult
from autograder.spec import Assignment


@dataclass
class ManualGrades:
    """One submission's manual grades: test grade_id -> points, and the instructor's comments."""

    scores: dict[str, float] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    def apply(self, result: SubmissionResult) -> SubmissionResult:
        """``result`` with each manual score in place of the test's automatic points (a copy)."""
        tests = [replace(t, points=self.scores[t.grade_id], auto_points=t.points)
                 if t.grade_id in self.scores else t for t in result.tests]
        notes = [*result.notes, *(f"Your instructor's comment: {c}" for c in self.comments)]
        return replace(result, tests=tests, notes=notes)


def alembic_on_path() -> None:
    """nbgrader runs the `alembic` command to check the schema: make the venv's copy findable."""
    import sys

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


class CourseGradebook:
    def __init__(self, url: str):
        self.url = url
        alembic_on_path()

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
                grade.needs_manual_grade = False  # formgrader flags only what no test scored
            comment_text = " ".join(filter(None, [result.reason, *result.notes])) or None
            for answer in assignment.notebook.answer_ids:
                comment = gb.find_comment(answer, assignment.notebook_name, result.assignment_id, result.student)
                comment.auto_comment = comment_text
            gb.db.commit()

    def scores(self, assignment_id: str) -> dict[str, float]:
        """id -> the tests' points (nbgrader's score: manual over auto, before any late penalty)."""
        with self.open() as gb:
            return {s.student.id: s.score for s in gb.find_assignment(assignment_id).submissions}

    def manual_grades(self, assignment_id: str) -> dict[str, ManualGrades]:
        """id -> that student's manual grades of ``assignment_id`` (only students who have some)."""
        from nbgrader.api import MissingEntry

        found: dict[str, ManualGrades] = {}
        with self.open() as gb:
            try:
                submissions = gb.find_assignment(assignment_id).submissions
            except MissingEntry:
                return {}
            for submission in submissions:
                grades = ManualGrades()
                for notebook in submission.notebooks:
                    grades.scores.update({g.name: g.manual_score for g in notebook.grades if g.manual_score is not None})
                    grades.comments += [c.manual_comment for c in notebook.comments if c.manual_comment]
                if grades.scores or grades.comments:
                    found[submission.student.id] = grades
        return found

    def override(self, assignment: Assignment, student: str, grade_id: str, points: float | None,
                 comment: str | None = None) -> None:
        """Set (``points`` None: clear) the manual score of one test, as formgrader's grade handler does, and
        put ``comment`` on the answer cell the test follows (nbgrader keeps comments on answer cells)."""
        tests = {t.grade_id: t.points for t in assignment.notebook.tests}
        if grade_id not in tests:
            raise ValueError(f"no test {grade_id!r} in {assignment.assignment_id}: one of {', '.join(tests)}")
        if points is not None and not 0 <= points <= tests[grade_id]:
            raise ValueError(f"{grade_id} is worth 0 to {tests[grade_id]:g} points, not {points:g}")
        with self.open() as gb:
            grade = gb.find_grade(grade_id, assignment.notebook_name, assignment.assignment_id, student)
            grade.manual_score = points
            grade.needs_manual_grade = points is None and grade.auto_score is None
            answer = assignment.notebook.answer_before(grade_id)
            if comment is not None and answer:
                gb.find_comment(answer, assignment.notebook_name, assignment.assignment_id,
                                student).manual_comment = comment or None
            gb.db.commit()


def _utc(iso: str) -> datetime | None:
    """An ISO time as nbgrader stores times: naive UTC."""
    return datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None) if iso else None
