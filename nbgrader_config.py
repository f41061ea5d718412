"""nbgrader configuration for the course repository.

Instructor sources (with solutions and hidden tests) live in ``solutions/<assignment>/``;
``nbgrader generate_assignment`` writes the student release to ``assignments/<assignment>/``.
Grading happens in a separate course folder, ``python -m autograder``'s (``.grading/`` or
``$CNN_GRADER_COURSE``); nbgrader's own commands (``nbgrader collect``, ``nbgrader db``) share its
gradebook, so that folder is created here if it does not exist yet (SQLite cannot create it).
``python -m autograder feedback`` writes its pages there as nbgrader's ``release_feedback`` reads them:
``nbgrader release_feedback ASSIGNMENT --CourseDirectory.root=.grading``.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets)
grading = Path(os.environ.get("CNN_GRADER_COURSE", ".grading"))
grading.mkdir(parents=True, exist_ok=True)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = os.environ.get("CNN_GRADER_DB") or f"sqlite:///{(grading / 'gradebook.db').resolve()}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
