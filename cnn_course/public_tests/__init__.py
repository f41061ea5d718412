"""Public tests of the graded assignments: student-visible checks run in the notebooks."""
