"""An :class:`~devtools.mutation.engine.Engine` in a child process, asked over a pipe."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from multiprocessing.connection import Pipe
from pathlib import Path

from devtools.mutation.engine import OBSERVER_SECONDS, REPO, SEEDS, Engine, Graded, affected_tests
from devtools.mutation.mutants import Mutant


class Worker:
    """An :class:`Engine` in a child process, so that a mutant that crashes the interpreter (a batch
    of two billion images) or hangs in native code costs a restart, not the whole run. Such a
    mutant fails every test it reaches, as it would in the sandbox where its kernel dies."""

    def __init__(self, assignment_id: str, seeds=SEEDS, repo: Path | None = None,
                 observer_seconds: float = OBSERVER_SECONDS):
        self.options = (assignment_id, tuple(seeds), str(repo) if repo else None, observer_seconds)
        self.seeds, self.observer_seconds = tuple(seeds), observer_seconds
        self.process = None
        self._start()

    def _start(self) -> None:
        self.connection, child = Pipe()
        command = ("import json, sys; from multiprocessing.connection import Connection; from devtools.mutation import worker; "
                   "worker.serve(Connection(int(sys.argv[1])), *json.loads(sys.argv[2]))")
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, str(child.fileno()), json.dumps(self.options)],
            pass_fds=[child.fileno()], stdout=subprocess.DEVNULL, cwd=REPO)
        child.close()
        ready = self._receive(timeout=1800)
        if isinstance(ready, BaseException) or ready is None:
            self.close()
            raise RuntimeError(f"the mutation worker did not start: {ready!r}")
        self.tests, self.calls, self.answers = ready["tests"], ready["calls"], ready["answers"]

    def _receive(self, timeout: float):
        if not self.connection.poll(timeout):
            return None
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            return None

    def _ask(self, request: tuple, timeout: float):
        self.connection.send(request)
        answer = self._receive(timeout)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def mutants(self) -> list[Mutant]:
        return self._ask(("mutants",), 600)

    def reference(self, seed: int) -> dict[str, dict]:
        """The solution's observations under ``seed``, decoded (see :meth:`Engine.reference`)."""
        return self._ask(("reference", seed), 600)

    def grade(self, replacements: dict[str, str], seeds=None) -> Graded:
        seeds = tuple(seeds or self.seeds)
        tests = affected_tests(self.tests, self.calls, self.answers, replacements)
        limit = 120 + self.observer_seconds * max(1, len(tests)) * len(seeds)
        started = time.monotonic()
        graded = self._ask(("grade", replacements, seeds), limit)
        if graded is None:  # the worker died or hung: start another
            code = self.process.poll()
            self.close()
            self._start()
            why = (f"the Python process died (exit code {code})" if code is not None
                   else f"it ran longer than {limit:.0f} s")
            graded = Graded({seed: {test: f"Your code stopped the notebook: {why}." for test in tests}
                             for seed in seeds}, tests, round(time.monotonic() - started, 2))
        return graded

    def differences(self, replacements: dict[str, str]) -> list[str]:
        return self._ask(("differences", replacements), 1800)

    def observations(self, replacements: dict[str, str], seed: int) -> tuple[dict[str, dict], dict[str, dict]]:
        """See :meth:`Engine.observations`."""
        return self._ask(("observations", replacements, seed), 1800)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.connection.send(("stop",))
                self.process.wait(5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(connection, assignment_id, seeds, repo, observer_seconds) -> None:
    """The worker's loop: build the engine once, then answer requests until told to stop."""
    try:
        engine = Engine(assignment_id, seeds, Path(repo) if repo else None, observer_seconds)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        connection.send(RuntimeError(f"{type(error).__name__}: {error}"))
        return
    connection.send({"tests": engine.tests, "calls": engine.calls, "answers": engine.answers})
    while True:
        request = connection.recv()
        try:
            if request[0] == "stop":
                return
            if request[0] == "mutants":
                connection.send(engine.mutants())
            elif request[0] == "grade":
                connection.send(engine.grade(request[1], request[2]))
            elif request[0] == "differences":
                connection.send(engine.differences(request[1]))
            elif request[0] == "reference":
                connection.send(engine.reference(request[1]))
            elif request[0] == "observations":
                connection.send(engine.observations(*request[1:]))
        except Exception as error:  # noqa: BLE001 - a fault of the engine, reported to the parent
            connection.send(RuntimeError(f"{type(error).__name__}: {error}"))
