"""An instructor without root grades a class: an unprivileged Unix user runs `python -m autograder`,
warm and cold, over hostile students, with kernel limits from a cgroup delegated to that user.

The test itself needs root (to create the user and delegate the cgroup). The grader then runs as that
user in a mount namespace of its own, where this Python installation is reachable by others (on a
development machine it may live under /root); nothing else of the host changes for it.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.cgroups import PARENT_ENV, host
from tests.conftest import REPO, passwd_lock
from tests.grader import hostile

pytestmark = pytest.mark.slow
USER = "cnn-grader-test"
CASES = {**{name: case for name, case in hostile.cases(["/nonexistent"]).items()
            if name in ("infinite_loop", "memory_bomb", "fork_bomb", "disk_hog")},
         "cpu_hog": hostile.Case(6, answers={"answer_square": hostile.CPU_HOG}), "correct": hostile.Case(6)}


@pytest.fixture(scope="module")
def user(pytestconfig):
    """An unprivileged user of its own, removed afterwards."""
    assert os.geteuid() == 0, "this test creates a Unix user: run the test suite as root (as `make test` in CI does)"
    created = subprocess.run(["getent", "passwd", USER], capture_output=True).returncode != 0
    if created:
        with passwd_lock(pytestconfig):
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    yield pwd.getpwnam(USER).pw_uid
    if created:
        with passwd_lock(pytestconfig):
            subprocess.run(["userdel", USER], check=True)


@pytest.fixture(scope="module")
def delegated_cgroup(user):
    """A cgroup the user owns, as an administrator (or systemd's Delegate=yes) would give it; its path."""
    mounts = host.mounted(Path("/proc/self/mounts").read_text())
    name = f"{USER}-{os.getpid()}"
    folders = {mounts.v1[c] / name for c in ("memory", "pids", "cpu", "cpuacct") if c in mounts.v1} if "memory" in mounts.v1 \
        else {mounts.v2 / name}
    for folder in folders:
        folder.mkdir(exist_ok=True)
        for path in [folder, *folder.iterdir()]:
            os.chown(path, user, user)
    yield "/" + name
    for folder in folders:
        for child in sorted(folder.glob("*/"), reverse=True):
            child.rmdir()
        folder.rmdir()


def as_user(uid: int, argv: list[str], needed: list[Path], cgroup: str, stash: Path) -> list[str]:
    """``argv`` run as ``uid`` in a new mount namespace where each path in ``needed`` is reachable: a
    folder others may not enter (such as /root) is covered there by an empty tmpfs that holds only the
    needed paths below it (bound first under ``stash``, a folder of the caller's, then moved there)."""
    steps = ["mount --make-rprivate /"]
    mounts = host.mounted(Path("/proc/self/mounts").read_text())
    if "memory" not in mounts.v1:  # cgroup v2: the grader starts inside the cgroup delegated to it
        steps.append(f"echo $$ > {mounts.v2}{cgroup}/cgroup.procs")
    for closed, children in _closed_folders(needed).items():
        for index, child in enumerate(children):
            steps.append(f"mkdir -p {stash}/{index} && mount --bind {child} {stash}/{index}")
        steps.append(f"mount -t tmpfs -o mode=755 tmpfs {closed}")
        for index, child in enumerate(children):
            steps.append(f"mkdir -p {child} && mount --move {stash}/{index} {child}")
    steps.append(f'exec setpriv --reuid={uid} --regid={uid} --clear-groups -- "$@"')
    return ["unshare", "--mount", "--", "sh", "-c", " && ".join(steps), "as-user", *argv]


def _closed_folders(needed: list[Path]) -> dict[Path, list[Path]]:
    """Folders others may not enter on the way to ``needed``, each with its children that lead there."""
    closed: dict[Path, list[Path]] = {}
    for path in needed:
        for parent, child in zip(reversed(path.parents), [*reversed(path.parents)][1:] + [path]):
            if not os.stat(parent).st_mode & 0o001:
                closed.setdefault(parent, [])
                closed[parent] += [child] if child not in closed[parent] else []
                break
    return closed


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_an_unprivileged_instructor_grades_a_hostile_class(tiny_repo, user, delegated_cgroup, mode):
    base = Path(tempfile.mkdtemp(prefix="cnn-grader-nonroot-"))
    try:
        repo, course = base / "repo", base / "course"
        shutil.copytree(tiny_repo, repo)
        solution = json.loads((repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
        for name, case in CASES.items():
            folder = course / "submitted" / name / "tiny"
            folder.mkdir(parents=True)
            (folder / case.filename).write_bytes(hostile.build(solution, case))
        for path in [base, *base.rglob("*")]:
            os.chown(path, user, user, follow_symlinks=False)
        base.chmod(0o755)
        limits = hostile.LIMITS
        argv = [sys.executable, "-m", "autograder", "--repo", str(repo), "--course", str(course), "--workers", "2",
                "--cell-timeout", str(limits.cell_timeout), "--memory-mb", str(limits.memory_mb),
                "--disk-mb", str(limits.disk_mb), "--wall-time", str(limits.wall_seconds),
                "--checks", "tiny=tests.grader.tiny_checks", *(["--cold"] if mode == "cold" else []), "autograde", "tiny"]
        env = {"PATH": os.environ["PATH"], "HOME": str(base), PARENT_ENV: delegated_cgroup, "PYTHONDONTWRITEBYTECODE": "1"}
        needed = [Path(os.path.realpath(sys.base_prefix)), Path(sys.prefix), REPO]
        graded = subprocess.run(as_user(user, argv, needed, delegated_cgroup, base / "stash"), cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=600)
        assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
        results = {name: json.loads((course / "autograded" / name / "tiny" / "result.json").read_text()) for name in CASES}
        assert {name: r["score"] if "score" in r else sum(t["points"] for t in r["tests"]) for name, r in results.items()} \
            == {name: case.score for name, case in CASES.items()}
        for name, case in CASES.items():
            explanation = " ".join([results[name]["reason"], *(t["message"] for t in results[name]["tests"])])
            assert case.reason in explanation, (mode, name, explanation)
        assert results["correct"]["reason"] == results["cpu_hog"]["reason"] == ""
        assert results["correct"]["limits_enforced"]["memory"].startswith("cgroup"), results["correct"]["limits_enforced"]
        assert (course / "gradebook.db").stat().st_uid == user, "the grader ran as the unprivileged user"
    finally:
        shutil.rmtree(base, ignore_errors=True)
