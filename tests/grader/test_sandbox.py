"""The sandbox stops a run for the reason it gives, and what a run writes stays within its quota.

Fast: plain Python one-liners in the sandbox, no notebooks, no TensorFlow.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.cgroups import Cgroups
from autograder.disk import JobFolder
from autograder.grading import _run_reason
from autograder.sandbox import RunResult, Sandbox, SandboxUnavailable, check_available
from autograder.spec import Limits, Mount

QUOTA_MB = 256
WRITER = """
import os, sys
chunk = b"x" * (4 << 20)
for n in range(3):  # 3 x 400 MB, going on after each failed file like a stubborn notebook
    try:
        with open(os.path.join(sys.argv[1], f"big{n}"), "wb") as f:
            for _ in range(100):
                f.write(chunk)
    except OSError as error:
        print(error, file=sys.stderr)
"""
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 << 20))\n"


def _can_mount() -> bool:
    folder = JobFolder(Limits(disk_mb=1))
    with folder:
        return folder.mode == "tmpfs"


def _memory_cgroup() -> bool:
    with Cgroups(memory_mb=64, max_tasks=16) as cgroups:
        return "memory" in cgroups.paths


@pytest.fixture(scope="module", autouse=True)
def bubblewrap():
    try:
        check_available()
    except SandboxUnavailable as error:
        pytest.skip(str(error))


needs_mount = pytest.mark.skipif(not _can_mount(), reason="this process may not mount a tmpfs (not root)")
needs_memory_cgroup = pytest.mark.skipif(not _memory_cgroup(), reason="no cgroup v1 memory controller to use")
BOTH_MODES = [pytest.param(True, marks=needs_mount, id="tmpfs"), pytest.param(False, id="watched")]


def run_in(job_dir: Path, code: str, *args: str, **limits) -> RunResult:
    """Run ``python -c code args`` with ``job_dir`` at /home/student, as the grader mounts it."""
    sandbox = Sandbox(
        limits=Limits(**{"wall_seconds": 60, **limits}),
        mounts=[Mount(job_dir, "/home/student", writable=True)],
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/home/student"},
    )
    return sandbox.run([sys.executable, "-c", code, *args], "/home/student")


@contextmanager
def host_tmp_growth():
    """Yields a list that holds, afterwards, the most the host's /tmp grew meanwhile (bytes)."""
    baseline = shutil.disk_usage(tempfile.gettempdir()).used
    peak, done = [0], threading.Event()

    def sample():
        while not done.wait(0.01):
            peak[0] = max(peak[0], shutil.disk_usage(tempfile.gettempdir()).used - baseline)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def _mounted(path: Path) -> bool:
    return any(line.split()[1] == str(path) for line in Path("/proc/mounts").read_text().splitlines())


@pytest.mark.alone  # measures the host's /tmp, which other tests write to
@pytest.mark.parametrize("mount", BOTH_MODES)
def test_writes_into_the_job_folder_stop_at_the_quota(mount):
    folder = JobFolder(Limits(disk_mb=QUOTA_MB), mount=mount)
    with host_tmp_growth() as growth, folder as job_dir:
        run = run_in(job_dir, WRITER, "/home/student", disk_mb=QUOTA_MB)
    assert folder.mode == ("tmpfs" if mount else "watched")
    assert run.killed == "disk" or run.disk_full, run
    assert run.killed != "memory"
    # A watched folder is measured every POLL_SECONDS: a writer overshoots by what it writes
    # meanwhile (16 to 92 MB measured here at about 1.5 GB/s); a tmpfs never grows past its size.
    allowance = 1.0 if mount else 2.0
    assert growth[0] <= allowance * (QUOTA_MB << 20), f"host /tmp grew {growth[0] / 2**20:.0f} MB"
    assert run.peak_disk_mb <= allowance * QUOTA_MB


@pytest.mark.alone  # measures the host's /tmp, which other tests write to
def test_writes_into_the_sandbox_tmp_stop_at_the_quota():
    with host_tmp_growth() as growth, JobFolder(Limits(disk_mb=QUOTA_MB)) as job_dir:
        run = run_in(job_dir, WRITER, "/tmp", disk_mb=QUOTA_MB)
    assert run.disk_full and run.killed is None, run
    assert "No space left on device" in run.stderr or "File too large" in run.stderr
    assert growth[0] <= QUOTA_MB << 20


def test_sandbox_tmp_is_sized_by_the_disk_limit():
    code = "import os; s = os.statvfs('/tmp'); assert s.f_blocks * s.f_frsize == 64 << 20, s"
    with JobFolder(Limits(disk_mb=64)) as job_dir:
        run = run_in(job_dir, code, disk_mb=64)
    assert run.returncode == 0 and not run.disk_full, run.stderr


def test_a_run_within_the_quota_is_not_full():
    with JobFolder(Limits(disk_mb=QUOTA_MB)) as job_dir:
        run = run_in(job_dir, "open('/home/student/small', 'wb').write(b'x' * (50 << 20))", disk_mb=QUOTA_MB)
    assert run.returncode == 0 and run.killed is None and not run.disk_full, run
    assert 50 <= run.peak_disk_mb < 60


def test_a_memory_bomb_is_reported_as_memory():
    with JobFolder(Limits()) as job_dir:
        run = run_in(job_dir, MEMORY_BOMB, memory_mb=300)
    assert run.killed == "memory", run
    assert not run.disk_full


def test_a_memory_kill_outranks_the_runners_cell_timeout():
    """A run stopped for memory is explained by memory, even when the runner also saw a cell run out of time
    (the kill came after the cell limit); the cell limit is the reason only when nothing stopped the run."""
    limits = Limits(cell_timeout=6, memory_mb=1500)
    run = RunResult(returncode=0, seconds=7.0, peak_memory_mb=1500.0, killed="memory")
    assert "more memory than the limit of 1500 MB" in _run_reason(run, {"status": "timeout"}, "", limits)
    run.killed = None
    assert "a cell ran longer than the limit of 6 s" in _run_reason(run, {"status": "timeout"}, "", limits)


@pytest.mark.parametrize("mount", BOTH_MODES)
@needs_memory_cgroup
def test_page_cache_at_the_memory_limit_is_not_memory(mount):
    # 200 MB into a tmpfs stays under 300 MB of memory; 450 MB into a disk-backed folder fills the
    # memory cgroup with page cache that the kernel reclaims at the limit (memory.failcnt grows).
    size_mb = 200 if mount else 450
    code = f"f = open('/home/student/cache', 'wb')\nfor _ in range({size_mb}):\n    f.write(b'x' * (1 << 20))\n"
    folder = JobFolder(Limits(), mount=mount)
    with folder as job_dir:
        run = run_in(job_dir, code, memory_mb=300)
    assert run.returncode == 0 and run.killed is None, run
    assert not run.disk_full


def test_wall_time_is_reported_as_wall_time():
    with JobFolder(Limits()) as job_dir:
        run = run_in(job_dir, "import time; time.sleep(60)", wall_seconds=1)
    assert run.killed == "wall time", run
    assert run.seconds < 10


@pytest.mark.parametrize("mount", BOTH_MODES)
def test_job_folder_leaves_no_mount_and_no_folder(mount):
    folder = JobFolder(Limits(disk_mb=16), mount=mount)
    with folder as job_dir:
        assert _mounted(job_dir) == mount
        (job_dir / "locked" / "deeper").mkdir(parents=True)
        (job_dir / "locked" / "deeper" / "file").write_text("x")
        (job_dir / "locked").chmod(0)  # a student may take permissions away
    assert not job_dir.exists() and not _mounted(job_dir)

    with pytest.raises(RuntimeError), JobFolder(Limits(disk_mb=16), mount=mount) as job_dir:
        busy = open(job_dir / "held", "w")  # an open file keeps the mount busy: detached instead
        raise RuntimeError("the body failed")
    busy.close()
    assert not job_dir.exists() and not _mounted(job_dir)


@needs_mount
def test_tmpfs_job_folder_refuses_writes_past_its_size():
    with JobFolder(Limits(disk_mb=8)) as job_dir:
        with pytest.raises(OSError, match="No space left"):
            (job_dir / "big").write_bytes(b"x" * (9 << 20))


def test_a_flood_on_stderr_costs_the_grader_no_memory(tmp_path):
    """1 GiB written to the sandbox's stderr: the run ends normally, the grader keeps only its tail."""
    flood = "import os\nfor _ in range(1024):\n    os.write(2, b'E' * (1 << 20))\nos.write(2, b'THE END')\n"
    result = Sandbox(limits=Limits(wall_seconds=60)).run([sys.executable, "-c", flood], "/")
    assert result.returncode == 0 and result.killed is None
    assert result.stderr.endswith("THE END") and len(result.stderr) <= 4000


def test_a_bubblewrap_too_old_to_bound_scratch_file_systems_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho bubblewrap 0.6.1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(SandboxUnavailable, match="older than 0.7"):
        check_available()
