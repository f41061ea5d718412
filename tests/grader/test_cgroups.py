"""Run cgroups: where they are made, what they write and read (v1 for real, v2 on a fake cgroup folder
tree, and for real where a cgroup2 hierarchy offers the memory controller), and the CPU quota."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.cgroups import Cgroups, host, remove_stale_groups, this_host, v2
from autograder.course import Course, GraderConfig
from autograder.spec import Limits
from tests.conftest import REPO
from tests.grader import hostile

# Six busy processes (this one and five forks) for as many seconds as argv[1] says.
HOG = """
import os, sys, time
end = time.monotonic() + float(sys.argv[1])
for _ in range(5):
    if os.fork() == 0:
        break
while time.monotonic() < end:
    pass
"""
FAKE_PID = "4194304"  # above any pid_max: a fake cgroup.procs line never names a real process
# A grader in the middle of a run: its cgroups made, their folders printed, until it is killed.
MID_RUN = """
import time
from autograder.cgroups import Cgroups
with Cgroups(memory_mb=64, max_tasks=16) as cgroups:
    print(*cgroups.group.folders, flush=True)
    time.sleep(60)
"""


def test_a_run_of_six_busy_processes_uses_one_cpu_at_most():
    with Cgroups(memory_mb=256, max_tasks=64, cpus=1.0) as cgroups:
        if "cpu" not in cgroups.paths or cgroups.cpu_seconds() is None:
            pytest.skip(f"no cpu and cpuacct cgroups here ({cgroups.version}: {sorted(cgroups.paths)})")
        hog = subprocess.Popen(cgroups.wrap([sys.executable, "-c", HOG, "3"]))
        time.sleep(0.5)  # the forks are up
        used, started = cgroups.cpu_seconds(), time.monotonic()
        time.sleep(2)
        cpus = (cgroups.cpu_seconds() - used) / (time.monotonic() - started)
        hog.kill()
    hog.wait()
    assert 0.3 < cpus <= 1.1, f"the run used {cpus:.2f} CPUs"


# About 4 s of one CPU's work, then the answer: a correct submission that needs its share of the machine.
BUSY_CORRECT = "total = 0\nfor i in range(40_000_000):\n    total += i\n" + hostile.SQUARE
# Twelve busy processes, each in a session of its own, spinning until the run ends (12 s on).
CPU_HOG = ("import os, time\nfor _ in range(12):\n    if os.fork() == 0:\n        os.setsid()\n"
           "        while True:\n            pass\ntime.sleep(12)\n" + hostile.SQUARE)


@pytest.mark.slow  # a cold run of the solution, then two side by side
def test_a_cpu_hog_beside_a_correct_submission_leaves_it_full_marks(tiny_repo, tmp_path):
    """Each run's cpu cgroup holds the hog's twelve processes to one run's share of the machine (with a
    quota of one CPU), so the correct run, busy for about 4 s of CPU, ends well within its wall limit."""
    cases = {"hog": hostile.Case(6, answers={"answer_square": CPU_HOG}),
             "correct": hostile.Case(6, answers={"answer_square": BUSY_CORRECT})}
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    for name, case in cases.items():
        folder = tmp_path / "submitted" / name / "tiny"
        folder.mkdir(parents=True)
        (folder / case.filename).write_bytes(hostile.build(solution, case))
    limits = Limits(wall_seconds=30, cell_timeout=25, memory_mb=1500, max_tasks=256, disk_mb=256, cpus=1.0)
    course = Course(GraderConfig(repo=tiny_repo, course_dir=tmp_path, limits=limits, workers=2, seed=5, wall_time=30,
                                 checks_modules={"tiny": "tests.grader.tiny_checks"}))
    results = {r.student: r for r in course.autograde("tiny", progress=False)}
    assert results["correct"].score == 6 and results["correct"].reason == "", results["correct"]
    assert results["hog"].score == 6, results["hog"]


# --- where run cgroups go ----------------------------------------------------------------------

def test_cpu_and_cpuacct_mounted_together_share_one_folder(tmp_path):
    mounts = (f"cgroup {tmp_path}/memory cgroup rw,memory 0 0\n"
              f"cgroup {tmp_path}/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n")
    for name in ("memory", "cpu,cpuacct"):
        (tmp_path / name).mkdir()
    found = host.placement(mounts, "4:memory:/\n3:cpu,cpuacct:/\n0::/\n", None, is_root=True)
    assert found.backend.version == "cgroup v1"
    with Cgroups(64, 16, cpus=0.25, backend=found.backend) as cgroups:
        assert cgroups.paths["cpu"] == cgroups.paths["cpuacct"] == (tmp_path / "cpu,cpuacct" / cgroups.paths["cpu"].name)
        assert (cgroups.paths["cpu"] / "cpu.cfs_quota_us").read_text() == "25000"
        assert (cgroups.paths["cpu"] / "cpu.cfs_period_us").read_text() == "100000"
        assert (cgroups.paths["memory"] / "memory.limit_in_bytes").read_text() == str(64 << 20)


def _fake_v2_cgroup(folder: Path, controllers: str = "cpuset cpu io memory pids", root: bool = False) -> Path:
    """The files of a v2 cgroup that holds one process (the grader), as the kernel shows them."""
    folder.mkdir(parents=True)
    files = {"cgroup.controllers": controllers, "cgroup.subtree_control": "", "cgroup.procs": FAKE_PID + "\n"}
    if not root:
        files["cgroup.type"] = "domain"
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_v2_placement_is_the_graders_own_delegated_cgroup_or_the_one_named(tmp_path):
    mounts = f"cgroup2 {tmp_path} cgroup2 rw,nosuid 0 0\n"
    scope = _fake_v2_cgroup(tmp_path / "user.slice" / "grader.scope")
    found = host.placement(mounts, "0::/user.slice/grader.scope\n", None, is_root=False)
    assert isinstance(found.backend, v2.V2Backend) and found.backend.delegated == scope
    named = _fake_v2_cgroup(tmp_path / "courses" / "cnn")
    for parent in ("/courses/cnn", str(named)):  # a path in the hierarchy, or the folder itself
        assert host.placement(mounts, "0::/user.slice/grader.scope\n", parent, is_root=False).backend.delegated == named
    _fake_v2_cgroup(tmp_path / "nomemory", controllers="cpu pids")
    refused = host.placement(mounts, "0::/nomemory\n", None, is_root=True)
    assert refused.backend is None and "no memory controller" in refused.detail


def test_v2_moves_the_grader_into_a_leaf_enables_controllers_and_writes_the_limits(tmp_path, monkeypatch):
    delegated = _fake_v2_cgroup(tmp_path / "delegated")
    writes = []
    real_write = v2.write
    monkeypatch.setattr(v2, "write", lambda path, value: (writes.append((str(path.relative_to(delegated)), str(value))),
                                                          real_write(path, value)))
    with Cgroups(memory_mb=64, max_tasks=16, cpus=0.5, backend=v2.V2Backend(delegated)) as cgroups:
        run = cgroups.paths["memory"]
        assert run.parent == delegated and run.name.startswith("run-")
        assert set(cgroups.paths) == {"memory", "pids", "cpu"} and cgroups.version == "cgroup v2"
        assert writes == [
            ("grader/cgroup.procs", FAKE_PID),  # first out of the way: the rule of no internal processes
            ("cgroup.subtree_control", "+memory"), ("cgroup.subtree_control", "+pids"),
            ("cgroup.subtree_control", "+cpu"),
            (f"{run.name}/memory.max", str(64 << 20)), (f"{run.name}/memory.swap.max", "0"),
            (f"{run.name}/pids.max", "16"), (f"{run.name}/cpu.max", "50000 100000"),
        ]
        assert cgroups.wrap(["true"])[:3] == ["/bin/sh", "-c", f'echo $$ > "{run}/cgroup.procs" && exec "$@"']


def test_v2_reads_oom_kills_forks_refused_peak_and_usage_and_kills_through_cgroup_kill(tmp_path):
    delegated = _fake_v2_cgroup(tmp_path / "delegated", root=True)  # a hierarchy's root: nothing is moved
    with Cgroups(memory_mb=64, max_tasks=16, backend=v2.V2Backend(delegated)) as cgroups:
        run = cgroups.paths["memory"]
        assert not (delegated / v2.GRADER_LEAF).exists()
        (run / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 1\noom_kill 0\n")
        (run / "pids.events").write_text("max 0\n")
        assert cgroups.limit_hit() is None, "reaching memory.max (reclaim) is no OOM kill"
        (run / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n")
        assert cgroups.limit_hit() == "memory"
        (run / "pids.events").write_text("max 3\n")
        assert cgroups.limit_hit() == "processes"
        (run / "memory.peak").write_text(f"{300 << 20}\n")
        assert cgroups.peak_mb(fallback_mb=900.0) == 300.0, "the cgroup's peak, not the watchdog's RSS sum"
        (run / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n")
        assert cgroups.cpu_seconds() == 2.5
        (run / "cgroup.procs").write_text("")
        (run / "cgroup.kill").write_text("")
        cgroups.kill_all()
        assert (run / "cgroup.kill").read_text() == "1"


def test_the_cgroups_of_a_grader_killed_mid_run_are_removed_by_the_next_grader():
    backend = this_host().backend
    if backend is None:
        pytest.skip(f"no run cgroups here: {this_host().detail}")
    grader = subprocess.Popen([sys.executable, "-c", MID_RUN], stdout=subprocess.PIPE, text=True, cwd=REPO)
    folders = [Path(folder) for folder in grader.stdout.readline().split()]
    grader.kill()  # SIGKILL: its `with` never removes them
    grader.wait()
    assert folders and all(folder.is_dir() for folder in folders), folders
    with Cgroups(memory_mb=64, max_tasks=16) as ours:
        remove_stale_groups(backend)
        assert not [folder for folder in folders if folder.exists()]
        assert all(folder.is_dir() for folder in ours.group.folders), "a live grader's cgroups are kept"


def test_v2_stale_run_cgroups_are_those_named_for_a_grader_that_is_gone(tmp_path):
    delegated = _fake_v2_cgroup(tmp_path / "delegated")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name in (f"run-{gone.stdout.strip()}-0123456789ab", f"run-{os.getpid()}-0123456789ab", v2.GRADER_LEAF):
        (delegated / name).mkdir()
    assert v2.V2Backend(delegated).stale_groups() == [delegated / f"run-{gone.stdout.strip()}-0123456789ab"]


def test_without_a_memory_cgroup_peak_memory_is_the_watchdogs():
    cgroups = Cgroups(memory_mb=64, max_tasks=16)  # never entered: holds nothing
    assert cgroups.paths == {} and cgroups.version == "none"
    assert cgroups.peak_mb(fallback_mb=123.0) == 123.0 and cgroups.limit_hit() is None


def _mount_cgroup2(target: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"none", os.fsencode(target), b"cgroup2", 0, None) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def test_v2_for_real_on_a_cgroup2_hierarchy_with_the_memory_controller():
    folder = Path(tempfile.mkdtemp(prefix="cnn-grader-cgroup2-"))
    try:
        try:
            _mount_cgroup2(folder)
        except OSError as error:
            pytest.skip(f"cannot mount a cgroup2 hierarchy here: {error}")
        try:
            offered = (folder / "cgroup.controllers").read_text().split()
            if "memory" not in offered:
                pytest.skip(f"the cgroup2 hierarchy offers only [{' '.join(offered)}]: memory, pids and cpu "
                            "are bound to cgroup v1 hierarchies on this host, so no v2 run cgroup can limit memory")
            _real_v2_memory_bomb(folder)
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    finally:
        folder.rmdir()


def _real_v2_memory_bomb(mount: Path) -> None:
    """In a cgroup of our own under the mount: a memory bomb is OOM-killed and reported as memory."""
    parent = mount / f"cnn-grader-test-{os.getpid()}"
    parent.mkdir()
    try:
        if "memory" not in (parent / "cgroup.controllers").read_text().split():
            pytest.skip("the cgroup2 root does not hand the memory controller to its children (subtree_control)")
        with Cgroups(memory_mb=64, max_tasks=32, backend=v2.V2Backend(parent)) as cgroups:
            bomb = subprocess.run(cgroups.wrap([sys.executable, "-c", "b = []\nwhile True: b.append(bytearray(8 << 20))"]))
            assert bomb.returncode != 0 and cgroups.limit_hit(bomb.returncode) == "memory"
            assert 32 < cgroups.peak_mb(fallback_mb=0) <= 65
    finally:
        parent.rmdir()
