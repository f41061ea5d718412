"""Sandboxed, parallel autograding of the course's nbgrader assignments."""
