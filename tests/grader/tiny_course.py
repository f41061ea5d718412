"""The command line on the tiny fixture assignment, as grader tests run it."""

from __future__ import annotations

from autograder.cli import main


def tiny_cli(tiny_repo, course_dir, *args) -> int:
    """``python -m autograder ARGS`` on ``course_dir`` with the tiny assignment's checks, two workers."""
    return main(["--repo", str(tiny_repo), "--course", str(course_dir), "--workers", "2",
                 "--checks", "tiny=tests.grader.tiny_checks", *args])
