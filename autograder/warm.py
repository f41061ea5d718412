"""Warm sandboxes: each grading thread keeps a zygote that has imported TensorFlow once.

A :class:`WarmSandbox` is the grader's side of :mod:`autograder.zygote`: it starts the zygote in
a bubblewrap sandbox (no network, read-only system, the course package, the assignment's data,
a private spool folder), sends it one run at a time, puts each run's processes in their own
cgroups, watches them like a cold sandbox run (wall time, memory, processes) and kills them at
a limit. Every run still gets its own namespaces and file systems (see the zygote); what the
zygote pays once is Python's start, the imports and papermill's kernel start.

:func:`slot_for` gives the calling thread its zygote for an assignment in one grading run (one
secret seed), started on first use; if a zygote cannot start here, it logs why once and returns
None, and the grader runs cold. A zygote never outlives its grading run: the thread's zygotes of
other runs are closed when it asks for one, :func:`close_run` closes a run's everywhere in the
process (the grader calls it on every Dask worker at the end of a run), and every zygote is closed
at exit. A zygote whose run could not be isolated is retired alone; another one is started for
the next submission.
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import select
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from autograder import untrusted
from autograder.cgroups import Cgroups
from autograder.disk import DiskWatch, _remove_tree, pid_name, remove_stale_folders
from autograder.sandbox import RunResult, Sandbox, StderrTail, _Watchdog, hand_to_sandbox, sandbox_uid
from autograder.spec import Mount

log = logging.getLogger("autograder")
ZYGOTE = Path(__file__).with_name("zygote.py")
START_SECONDS = 180  # for the zygote's imports, on a busy machine
REPLY_SECONDS = 30  # for any other answer of the zygote

# The running zygotes of this process: (thread id, kind) -> that thread's zygote of that kind.
_slots: dict[tuple[int, tuple], WarmSandbox] = {}
_slots_lock = threading.Lock()
_failed: dict[tuple, str] = {}  # why a kind of zygote could not start, so it is not tried again
SPOOL_PREFIX = "cnn-grader-warm-"  # + the grader's pid + a random part: a spool folder in the temp folder


class WarmUnavailable(RuntimeError):
    """The zygote did not start or stopped answering."""


class IsolationFailed(WarmUnavailable):
    """A run could not be isolated here: no warm sandbox of this kind is tried again."""


class _Run:
    """The process a run is watched through (what the watchdog needs of a Popen)."""

    def __init__(self, pid: int):
        self.pid = pid


class WarmSandbox:
    """One zygote in its sandbox; :meth:`run` executes one assembled notebook at a time."""

    def __init__(self, sandbox: Sandbox, preload: list[str], key: tuple = (), run: int | None = None):
        self.spool = Path(tempfile.gettempdir()) / pid_name(SPOOL_PREFIX)
        self.sandbox = Sandbox(
            limits=sandbox.limits,
            mounts=[*sandbox.mounts, Mount(ZYGOTE, "/opt/grader/zygote.py"), Mount(self.spool, "/jobs", writable=True)],
            env={**sandbox.env, "GRADER_PRELOAD": ",".join(preload)},
        )
        self.process: subprocess.Popen | None = None
        self.stderr: StderrTail | None = None  # the end of what the zygote and the current run wrote
        self.runs = 0
        self.key = key  # what slot_for found it by
        self.run_id = run  # the grading run (its seed) this zygote serves, and no other

    # --- the zygote ---------------------------------------------------------------------

    def start(self) -> None:
        remove_stale_folders(SPOOL_PREFIX)
        self.spool.mkdir(mode=0o700)
        if sandbox_uid() is not None:
            # The spool stays the grader's (a later grader sweeps it by its owner if this one is killed); the
            # sandbox user only passes through it to the job folders handed to it, each closed to others.
            self.spool.chmod(0o711)
        command = self.sandbox.command(["python", "/opt/grader/zygote.py"], "/", warm=True)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        start_new_session=True)
        self.stderr = StderrTail(self.process.stderr)
        ready = self._receive(START_SECONDS)
        if ready is None or "ready" not in ready:
            raise WarmUnavailable(f"the zygote did not start: {ready}")
        log.info("warm sandbox %s ready (imports took %.1f s)", self.spool.name, ready["ready"])

    def memory_mb(self) -> float:
        """The zygote's resident memory (what every run shares copy-on-write)."""
        try:
            processes = psutil.Process(self.process.pid).children(recursive=True)
            return max((p.memory_info().rss for p in processes), default=0) / 2**20
        except psutil.Error:
            return 0.0

    def close(self) -> None:
        if self.alive:
            log.info("warm sandbox %s: %d runs, zygote %.0f MB", self.spool.name, self.runs, self.memory_mb())
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _remove_tree(self.spool)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _send(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise WarmUnavailable(f"the zygote is gone: {error}") from error

    def _receive(self, timeout: float) -> dict | None:
        """The zygote's next message; None if it sent none within ``timeout``."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.process.stdout.readline()
        if not line:
            raise WarmUnavailable("the zygote stopped: " + self.stderr.text()[-2000:])
        return json.loads(line)

    def _reply(self, timeout: float = REPLY_SECONDS) -> dict:
        message = self._receive(timeout)
        if message is None:
            raise WarmUnavailable(f"the zygote did not answer within {timeout:.0f} s")
        return message

    # --- one run --------------------------------------------------------------------------

    def run(self, assembled: str, argv: list[str], output_mb: int, max_result_bytes: int) -> tuple[RunResult, Path]:
        """Run the runner on ``assembled``; the result and the job folder holding the result files
        (the caller removes it with :meth:`discard`)."""
        limits = self.sandbox.limits
        job = self.spool / f"job-{self.runs:05d}"
        self.runs += 1
        job.mkdir(mode=0o700)
        (job / "assembled.ipynb").write_text(assembled, encoding="utf-8")
        hand_to_sandbox(job)  # the zygote copies the run's results into it
        self.stderr.clear()
        with Cgroups(limits.memory_mb, limits.max_tasks, limits.cpus) as cgroups, DiskWatch([], limits.disk_mb << 20) as disk:
            started = time.monotonic()
            self._send({"job": job.name, "argv": argv, "disk_bytes": limits.disk_mb << 20,
                        "output_bytes": output_mb << 20, "max_result_bytes": max_result_bytes})
            started_run = self._reply()
            if "pid" not in started_run:
                raise IsolationFailed("a run could not be isolated: " + self.stderr.text()[-2000:])
            pid = started_run["pid"]
            cgroups.attach(pid)
            self._send({"go": True})
            watchdog = _Watchdog(_Run(pid), limits, cgroups, disk)
            watchdog.start()
            done = self._receive(limits.wall_seconds)
            if done is None:
                watchdog.kill("wall time")
                done = self._reply()
            watchdog.stop()
            cgroups.kill_all()
            summary = done.get("done", {})
            returncode = summary.get("returncode", summary.get("supervisor"))
            return RunResult(
                returncode=returncode if isinstance(returncode, int) else None,
                seconds=time.monotonic() - started,
                peak_memory_mb=cgroups.peak_mb(fallback_mb=watchdog.peak_mb),
                killed=watchdog.reason or cgroups.limit_hit(returncode),
                stderr=self.stderr.text()[-4000:],
                disk_full=bool(summary.get("disk_full")) or disk.full,
                peak_disk_mb=max(float(summary.get("peak_disk_bytes", 0)), disk.peak_bytes) / 2**20,
            ), job

    @staticmethod
    def discard(job: Path) -> None:
        _remove_tree(job)


def preload_modules(notebook_sources: list[str]) -> list[str]:
    """The modules a notebook imports at top level (the grader's own excepted), to import once."""
    names = []
    for source in notebook_sources:
        for match in re.finditer(r"^(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", source, re.M):
            name = match.group(1) or match.group(2)
            if not name.startswith(("autograder", "_")) and name not in names:
                names.append(name)
    return names


def slot_for(sandbox: Sandbox, preload: list[str], run: int) -> WarmSandbox | None:
    """This thread's running zygote for ``sandbox`` in the grading run ``run`` (started now if needed;
    the thread's zygotes of other runs are closed), or None if none can start here."""
    key = (tuple((str(m.source), m.target, m.writable) for m in sandbox.mounts), tuple(sorted(sandbox.env.items())),
           tuple(preload), sandbox.limits.file_size_mb, sandbox.limits.disk_mb)
    if key in _failed:
        return None
    thread = threading.get_ident()
    _close_where(lambda slot_key, slot: slot_key[0] == thread and slot.run_id != run)
    with _slots_lock:
        slot = _slots.get((thread, key))
    if slot is not None and slot.alive:
        return slot
    if slot is not None:
        log.warning("warm sandbox %s died; starting another", slot.spool.name)
        _forget(slot)
    slot = WarmSandbox(sandbox, preload, key, run)
    try:
        slot.start()
    except (WarmUnavailable, OSError, ValueError) as error:
        slot.close()
        _failed[key] = str(error)
        log.warning("no warm sandbox here, each submission starts its own Python (slower): %s", error)
        return None
    with _slots_lock:
        _slots[thread, key] = slot
    return slot


def retire(slot: WarmSandbox, error: WarmUnavailable) -> None:
    """Stop a zygote that failed; the next submission gets a fresh one. Only when a fresh zygote's
    first run cannot be isolated (this host cannot do it) is its kind never started again."""
    log.warning("warm sandbox %s failed; running this submission cold:\n%s", slot.spool.name,
                untrusted.framed(str(error)))  # the message carries the sandbox's stderr
    _forget(slot)
    if isinstance(error, IsolationFailed) and slot.runs <= 1:
        _failed[slot.key] = str(error)


def close_run(run: int) -> None:
    """Stop every zygote of the grading run ``run`` in this process (each thread's)."""
    _close_where(lambda _, slot: slot.run_id == run)


@atexit.register
def close_all() -> None:
    """Stop every zygote this process started (each thread's) and remove their spools."""
    _close_where(lambda *_: True)


def running() -> list[WarmSandbox]:
    """The zygotes of this process that are still running."""
    with _slots_lock:
        return [slot for slot in _slots.values() if slot.alive]


def _forget(slot: WarmSandbox) -> None:
    _close_where(lambda _, other: other is slot)


def _close_where(chosen: Callable[[tuple[int, tuple], WarmSandbox], bool]) -> None:
    """Take the zygotes that ``chosen(their (thread, kind), zygote)`` picks out of the table, and stop them."""
    with _slots_lock:
        taken = [_slots.pop(slot_key) for slot_key, slot in list(_slots.items()) if chosen(slot_key, slot)]
    for slot in taken:
        slot.close()
