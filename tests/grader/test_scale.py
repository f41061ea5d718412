"""Grading fans out over Dask workers while one shared gradebook (a real PostgreSQL) stays consistent."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.cgroups import remove_stale_groups, this_host
from autograder.course import Course, GraderConfig
from autograder.disk import remove_stale_folders
from autograder.sandbox import STAGE_PREFIX
from autograder.spec import Limits
from autograder.warm import SPOOL_PREFIX

pytestmark = pytest.mark.slow
EXPECTED = {"s1": 6.0, "s2": 3.0, "s3": 1.0, "s4": 6.0}


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


@pytest.fixture
def remote_cluster(tmp_path_factory):
    """A Dask scheduler and two worker processes that share nothing with the instructor's grading folder:
    their own working folder, HOME and data cache, and the grading folders hidden under an empty tmpfs."""
    hidden = Path(tempfile.gettempdir()) / "cnn-grader-courses"
    hidden.mkdir(exist_ok=True)
    root = tmp_path_factory.mktemp("cluster")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CNN_COURSE", "CNN_GRADER"))}
    env.update(PYTHONPATH=str(Path(__file__).resolve().parents[2]), HOME=str(root / "home"),
               CNN_COURSE_CACHE=str(root / "cache"), CNN_COURSE_OFFLINE="1")
    (root / "home").mkdir()
    dask = str(Path(sys.executable).with_name("dask"))
    with socket.socket() as probe:  # a free port for the scheduler
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)]
    for index in range(2):
        folder = root / f"worker{index}"
        folder.mkdir()
        hide = [shutil.which("bwrap"), "--dev-bind", "/", "/", "--tmpfs", str(hidden), "--"]
        processes.append(subprocess.Popen(
            [*hide, dask, "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
             "--local-directory", str(folder), "--name", f"worker{index}"],
            cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    from distributed import Client

    with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    yield f"tcp://127.0.0.1:{port}", processes, hidden
    for process in processes:
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)
        _wait_until_gone(process.pid)
    for prefix in (SPOOL_PREFIX, STAGE_PREFIX):  # what the killed workers could not remove, as the next grader would
        remove_stale_folders(prefix)


def _wait_until_gone(group: int, seconds: float = 30) -> None:
    """Wait until no process of the process group is left (its leader's exit does not wait for the rest)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_real_cluster_grades_from_bytes_even_when_a_worker_dies(remote_cluster, database, request, tiny_repo):
    import threading

    address, processes, hidden = remote_cluster
    course_dir = Path(tempfile.mkdtemp(dir=hidden, prefix=f"{database}-"))
    _submissions(tiny_repo, course_dir)
    for extra in ("s5", "s6", "s7", "s8"):  # a larger class, so that a worker dies with work in flight
        shutil.copytree(course_dir / "submitted" / "s1", course_dir / "submitted" / extra)
    expected = {**EXPECTED, "s5": 6.0, "s6": 6.0, "s7": 6.0, "s8": 6.0}
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    if url:  # a fresh database per run: drop what an earlier parameter left
        from sqlalchemy import create_engine, text

        with create_engine(url).begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    config = GraderConfig(repo=tiny_repo, course_dir=course_dir, db_url=url, scheduler=address,
                          limits=Limits(wall_seconds=60, cell_timeout=10),
                          checks_modules={"tiny": "tests.grader.tiny_checks"})
    course = Course(config)
    killed, done = threading.Event(), threading.Event()

    def kill_a_worker_after_the_first_grade():
        while not done.is_set():
            if list(course_dir.glob("autograded/*/tiny/result.json")):
                os.killpg(processes[1].pid, 9)
                killed.set()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=kill_a_worker_after_the_first_grade, daemon=True)
    watcher.start()
    results = course.autograde("tiny", progress=False)
    done.set()
    assert killed.is_set() and len(list(course_dir.glob("autograded/*/tiny/result.json"))) == len(expected)
    assert {r.student: r.score for r in results} == expected
    assert course.gradebook().scores("tiny") == expected
    assert all((course_dir / "autograded" / s / "tiny" / "Tiny.ipynb").is_file() for s in expected)
    backend = this_host().backend
    if backend is not None:  # the killed worker's run died with it; its empty cgroups go when the next grader starts
        remove_stale_groups(backend)
        assert backend.stale_groups() == []
    from distributed import Client

    with Client(address, timeout=60) as client:  # the long-lived workers keep no zygote of the finished run
        assert set(client.run(_zygotes_running).values()) == {0}
    shutil.rmtree(course_dir, ignore_errors=True)


def _zygotes_running() -> int:
    """On a worker: how many warm sandboxes it still runs."""
    from autograder import warm

    return len(warm.running())
