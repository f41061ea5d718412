"""The hub guide's nbgrader exchange, end to end, with nbgrader's own commands as the guide gives them:
the instructor releases, two students fetch and submit, the instructor collects, grades with our grader
and returns the feedback with nbgrader's ``release_feedback``; each student's ``fetch_feedback`` finds their page.

The course is a fresh copy of the repository's layout (its ``nbgrader_config.py``, ``solutions/``,
``assignments/``) holding the tiny assignment; the exchange, the course's name and every home folder are
temporary. nbgrader 0.9.6 takes a student's name from the process's user id (``pwd``, not ``$USER``), so
each student runs nbgrader as their own user, in a user namespace of bubblewrap (the grader's sandbox)
with a passwd file that names them, as a hub's users are.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, passwd_lock
from tests.grader.tiny_course import tiny_cli

pytestmark = pytest.mark.slow

COURSE_ID = "cnn-case-studies"


class Hub:
    """A JupyterHub's users on one machine: each runs nbgrader in their own home, as their own user (the
    instructor as this process's), with the hub's config."""

    students = ("alice", "bob")

    def __init__(self, root: Path):
        self.root = root
        self.exchange = root / "srv" / "nbgrader" / "exchange"
        self.exchange.mkdir(parents=True)
        self.exchange.chmod(0o777)  # the guide: sudo chmod ugo+rw
        self.config_dir = root / "etc" / "jupyter"  # stands for /etc/jupyter
        self.config_dir.mkdir(parents=True)
        (self.config_dir / "nbgrader_config.py").write_text(
            f'c = get_config()\nc.CourseDirectory.course_id = "{COURSE_ID}"\nc.Exchange.root = "{self.exchange}"\n')
        self.passwd = root / "passwd"
        self.passwd.write_text("".join(f"{user}:x:{1000 + n}:1000::{self.home(user)}:/bin/sh\n"
                                       for n, user in enumerate(self.students)))

    def home(self, user: str) -> Path:
        home = self.root / "home" / user
        home.mkdir(parents=True, exist_ok=True)
        return home

    def nbgrader(self, user: str, *args: str, cwd: Path | None = None) -> str:
        """``nbgrader ARGS`` as ``user`` in ``cwd`` (their home by default); its log."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
        env.update(USER=user, LOGNAME=user, HOME=str(self.home(user)), JUPYTER_CONFIG_DIR=str(self.config_dir))
        command = [str(Path(sys.executable).with_name("nbgrader")), *args]
        if user in self.students:
            uid = str(1000 + self.students.index(user))
            command = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(self.passwd), "/etc/passwd",
                       "--unshare-user", "--uid", uid, "--gid", "1000", "--", *command]
        done = subprocess.run(command, cwd=cwd or self.home(user), env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"nbgrader {' '.join(args)} as {user}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr


@pytest.fixture
def course_repo(tiny_repo, tmp_path) -> Path:
    """A fresh checkout's course layout: the repository's nbgrader_config.py, no grading folder yet."""
    repo = tmp_path / "course"
    shutil.copytree(tiny_repo, repo)
    shutil.copy(REPO / "nbgrader_config.py", repo)
    return repo


@pytest.fixture
def passwd_unchanged(pytestconfig):
    """No other test changes the host's /etc/passwd meanwhile: the students' own is bound over it."""
    with passwd_lock(pytestconfig, fcntl.LOCK_SH):
        yield


def test_the_guides_exchange_path_returns_each_student_their_feedback(course_repo, tmp_path, passwd_unchanged):
    hub, grading = Hub(tmp_path), course_repo / ".grading"
    assert not grading.exists()

    hub.nbgrader("instructor", "release_assignment", "tiny", cwd=course_repo)
    solution = (course_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text()
    for student in hub.students:
        hub.nbgrader(student, "fetch_assignment", "tiny")
        if student == "bob":  # alice hands in the notebook as released, unanswered
            (hub.home("bob") / "tiny" / "Tiny.ipynb").write_text(solution)
        hub.nbgrader(student, "submit", "tiny")

    hub.nbgrader("instructor", "collect", "tiny", cwd=course_repo)  # failed on a fresh clone: no .grading/
    assert (grading / "gradebook.db").is_file()
    stamps = {s: (course_repo / "submitted" / s / "tiny" / "timestamp.txt").read_text() for s in hub.students}

    assert tiny_cli(course_repo, grading, "collect", "tiny", str(course_repo / "submitted")) == 0
    for student, stamp in stamps.items():
        kept = grading / "submitted" / student / "tiny"
        assert (kept / "timestamp.txt").read_text().strip() == stamp.strip()
        assert (kept / "submission_secret.txt").read_bytes() == (
            course_repo / "submitted" / student / "tiny" / "submission_secret.txt").read_bytes()
    assert tiny_cli(course_repo, grading, "autograde", "tiny") == 0
    assert tiny_cli(course_repo, grading, "feedback", "tiny") == 0

    log = hub.nbgrader("instructor", "release_feedback", "tiny", "--CourseDirectory.root=.grading", cwd=course_repo)
    assert log.count("Releasing feedback for student") == 2
    for student in stamps:
        log = hub.nbgrader(student, "fetch_feedback", "tiny")
        assert "Could not find feedback" not in log, log
        fetched = list((hub.home(student) / "tiny" / "feedback").glob("*/Tiny.html"))
        assert len(fetched) == 1, log
        assert fetched[0].parent.name == stamps[student].strip()  # the student's own submission
        assert fetched[0].read_bytes() == (grading / "feedback" / student / "tiny" / "Tiny.html").read_bytes()
        page = fetched[0].read_text()
        assert f"Hello <bdi>{student}</bdi>" in page
        assert ("Score: 6 / 6" in page) == (student == "bob"), "bob answered everything, alice nothing"
