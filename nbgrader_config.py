"""nbgrader configuration for the course repository.

Instructor sources (with solutions and hidden tests) live in ``solutions/<assignment>/``;
``nbgrader generate_assignment`` writes the student release to ``assignments/<assignment>/``.
Grading happens in a separate course folder created by ``python -m autograder``.
"""

c = get_config()  # noqa: F821 (provided by traitlets)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///.grading/gradebook.db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
