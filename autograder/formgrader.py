"""nbgrader's formgrader on our grading folder, for manual grading.

Formgrader reads ``autograded/<student>/<assignment>/<Notebook>.ipynb`` under nbgrader's
``CourseDirectory.root`` and the gradebook at ``CourseDirectory.db_url``; both are our grading
folder's (:class:`autograder.course.GraderConfig`). A score typed there is nbgrader's ``manual_score``,
which our autograde never overwrites and every export reads (:mod:`autograder.gradebook`). The same
command by hand, from the grading folder::

    jupyter server --ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True \\
        --ServerApp.root_dir=. --CourseDirectory.root=. --CourseDirectory.db_url=sqlite:///$PWD/gradebook.db
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

EXTENSION = "nbgrader.server_extensions.formgrader"


def formgrader_command(course_dir: Path, db_url: str, ip: str = "127.0.0.1", port: int = 8765,
                       token: str | None = None) -> list[str]:
    """The ``jupyter server`` command serving formgrader at ``http://ip:port/formgrader`` over ``course_dir``;
    ``token`` "" serves without a token (only for a server on 127.0.0.1 that no one else can reach)."""
    course_dir = Path(course_dir).resolve()
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", f"--ip={ip}", f"--port={port}",
               "--ServerApp.port_retries=0",
               f"--ServerApp.jpserver_extensions={EXTENSION}=True",
               f"--ServerApp.root_dir={course_dir}", f"--CourseDirectory.root={course_dir}",
               f"--CourseDirectory.db_url={db_url}"]
    if os.geteuid() == 0:
        command.append("--allow-root")  # a grading host's root; the server listens on ``ip`` only
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    return command
