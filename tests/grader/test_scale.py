"""Grading fans out over Dask workers while one shared gradebook (a real PostgreSQL) stays consistent."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.course import Course, GraderConfig
from autograder.sandbox import Limits

pytestmark = pytest.mark.slow
EXPECTED = {"s1": 6.0, "s2": 3.0, "s3": 1.0, "s4": 6.0}


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on a Unix socket, started for these tests."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert binaries, "PostgreSQL is not installed: `make test` installs it (scripts/install-system-deps)"
    bin_dir = Path(binaries[-1])
    # Not under pytest's private temp folder: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="cnn-grader-pg-"))
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    as_user = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(socket_dir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    root.chmod(0o755)
    subprocess.run([*as_user, bin_dir / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust"],
                   check=True, capture_output=True)
    port = "54329"
    server = subprocess.Popen([*as_user, bin_dir / "postgres", "-D", data_dir, "-k", socket_dir, "-p", port,
                               "-c", "listen_addresses="], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        ready = subprocess.run([bin_dir / "pg_isready", "-h", socket_dir, "-p", port], capture_output=True)
        if ready.returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run([*as_user, bin_dir / "createdb", "-h", socket_dir, "-p", port, "-U", "postgres", "gradebook"],
                   check=True)
    yield f"postgresql+psycopg2://postgres@/gradebook?host={socket_dir}&port={port}"
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)


def _submissions(tiny_repo, course_dir):
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    release = (tiny_repo / "assignments" / "tiny" / "Tiny.ipynb").read_text()
    wrong_mean = json.loads(json.dumps(solution))
    for cell in wrong_mean["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer_mean":
            cell["source"] = "def mean(values):\n    return max(values)\n"
    texts = {"s1": json.dumps(solution), "s2": json.dumps(wrong_mean), "s3": release, "s4": json.dumps(solution)}
    for student, text in texts.items():
        folder = course_dir / "submitted" / student / "tiny"
        folder.mkdir(parents=True)
        (folder / "Tiny.ipynb").write_text(text)


def test_dask_cluster_grades_into_a_shared_postgresql_gradebook(postgres_url, tiny_repo, tmp_path):
    url = postgres_url
    _submissions(tiny_repo, tmp_path)
    config = GraderConfig(repo=tiny_repo, course_dir=tmp_path, db_url=url, workers=2, scheduler="local",
                          limits=Limits(wall_seconds=60, cell_timeout=10),
                          checks_modules={"tiny": "tests.grader.tiny_checks"})
    course = Course(config)
    results = course.autograde("tiny", progress=False)
    assert {r.student: r.score for r in results} == EXPECTED
    assert course.gradebook().scores("tiny") == EXPECTED
    assert not (tmp_path / "gradebook.db").exists()
