"""A class's grading workspace in nbgrader's layout, and grading it in parallel.

    <course>/submitted/<student>/<assignment>/<Notebook>.ipynb   what students handed in
    <course>/autograded/<student>/<assignment>/                  executed notebook + result.json
    <course>/feedback/<student>/<assignment>/<Notebook>.html     what students get back
    <course>/references/<assignment>.json                        the solution's observations
    <course>/reports/                                            class report, grades.csv
    <course>/gradebook.db                                        nbgrader's gradebook
    <course>/policy.json                                         due dates, extensions, late penalties

Only the parent process writes the gradebook, one result at a time, as each submission
finishes: an interrupted run keeps every grade it recorded and resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm.auto import tqdm

from autograder import references as refs
from autograder import untrusted, warm
from autograder.enforcement import require_kernel_limits
from autograder.grading import (
    GRADER_FAULT,
    build_references,
    grade_on_worker,
    grade_submission,
    keep_executed,
    notebook_bytes,
)
from autograder.lateness import LATE_MARKER_FILE, TIMESTAMP_FILE, Lateness, Policy, read_policy
from autograder.results import SubmissionResult, TestResult
from autograder.sandbox import check_available
from autograder.spec import Assignment, Limits, RunContext
from autograder.students import is_student_id, read_roster

log = logging.getLogger("autograder")


@dataclass
class GraderConfig:
    repo: Path
    course_dir: Path
    db_url: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    limits: Limits = field(default_factory=Limits)
    scheduler: str | None = None  # None: threads here; "local": a Dask LocalCluster; or an address
    checks_modules: dict[str, str] = field(default_factory=dict)  # assignment -> module, if not the default
    wall_time: float | None = None  # seconds per submission; None: the assignment's multiple of the solution's
    seed: int | None = None  # the secret seed of the observers; None: a fresh one per run (only set to debug)
    warm: bool = True  # fork runs from warm sandboxes (autograder.warm); False: a fresh Python per run
    # Grade even where no kernel limit bounds a run's memory (only the watchdog's polling): False refuses
    # to grade there (autograder.enforcement.UnenforcedLimits).
    allow_unenforced_limits: bool = False

    @property
    def gradebook_url(self) -> str:
        return with_installed_driver(self.db_url) if self.db_url else f"sqlite:///{(self.course_dir / 'gradebook.db').resolve()}"


# PostgreSQL drivers SQLAlchemy knows, in the order a bare ``postgresql://`` URL tries them: (dialect, module).
POSTGRESQL_DRIVERS = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))
POSTGRESQL_DRIVER_HINT = 'pip install "psycopg[binary]" (or psycopg2-binary)'


class MissingDatabaseDriver(RuntimeError):
    """A gradebook URL names a database whose Python driver is not installed."""


def with_installed_driver(url: str) -> str:
    """``url`` with the PostgreSQL driver that is installed, where it names none (``postgresql://...``).

    SQLAlchemy reads a bare ``postgresql://`` as one fixed driver (psycopg 3 since 2.1); this takes whichever
    of psycopg and psycopg2 is installed, and names what to install when neither is.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in {"postgresql", "postgres"}:
        return url
    for dialect, module in POSTGRESQL_DRIVERS:
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{dialect}://{rest}"
    raise MissingDatabaseDriver(f"--db {scheme}://...: no PostgreSQL driver is installed; {POSTGRESQL_DRIVER_HINT}")


class Course:
    def __init__(self, config: GraderConfig):
        self.config = config
        self.root = config.course_dir
        self._assignments: dict[str, Assignment] = {}
        self._references: dict[str, refs.References] = {}
        self._policy = Policy()  # read from policy.json by each autograde

    # --- layout -------------------------------------------------------------------------

    def assignment(self, assignment_id: str) -> Assignment:
        if assignment_id not in self._assignments:
            self._assignments[assignment_id] = replace(Assignment.load(
                self.config.repo, assignment_id, self.config.limits, self.config.checks_modules.get(assignment_id)),
                warm=self.config.warm)
        return self._assignments[assignment_id]

    def students(self, assignment_id: str) -> list[str]:
        submitted = self.root / "submitted"
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir()
                      if (p / assignment_id).is_dir() and is_student_id(p.name))

    def notebook_path(self, assignment_id: str, notebook_name: str, student: str) -> tuple[Path | None, list[str]]:
        """The submitted notebook; a single notebook under another name is graded with a note."""
        folder = self.root / "submitted" / student / assignment_id
        expected = folder / f"{notebook_name}.ipynb"
        if untrusted.is_regular_file(expected):
            return expected, []
        others = sorted(p for p in folder.glob("*.ipynb") if untrusted.is_regular_file(p))
        if len(others) == 1:
            return others[0], [f"Graded '{others[0].name}': the expected name is '{expected.name}'."]
        return None, []

    def result_path(self, assignment_id: str, student: str) -> Path:
        return self.root / "autograded" / student / assignment_id / "result.json"

    def results(self, assignment_id: str) -> list[SubmissionResult]:
        """Each graded submission's final result: the instructor's manual scores and comments from the
        gradebook (:mod:`autograder.gradebook`) over the tests' points, late penalty assessed on them."""
        results = []
        for student in self.students(assignment_id):
            path = self.result_path(assignment_id, student)
            if path.is_file():
                results.append(SubmissionResult.from_json(path.read_text()))
        manual = self.gradebook().manual_grades(assignment_id) if results else {}
        if manual:
            self._policy = read_policy(self.root)
        for index, result in enumerate(results):
            if result.student in manual:
                results[index] = final = manual[result.student].apply(result)
                final.lateness = self.assess_lateness(final)
        return results

    # --- references ---------------------------------------------------------------------

    def references(self, assignment: Assignment, rebuild: bool = False) -> refs.References:
        """The solution's observations under this run's secret seed, built once per Course."""
        cached = self._references.get(assignment.assignment_id)
        if cached is None or rebuild:
            seed = self.config.seed if self.config.seed is not None else refs.new_seed()
            log.info("building reference observations for %s", assignment.assignment_id)
            cached = build_references(assignment, RunContext(seed, assignment.limits))
            folder = self.root / "references"
            cached.save(folder / f"{assignment.assignment_id}.json")
            cached.save(refs.plain_folder(self.root) / f"{assignment.assignment_id}.json")  # for checks.run_in_kernel
            self._references[assignment.assignment_id] = cached
        return cached

    def run_context(self, assignment: Assignment) -> RunContext:
        """This run's seed and references, and its wall limit derived from the solution's run."""
        references = self.references(assignment)
        return RunContext(references.seed, assignment.run_limits(references.seconds, self.config.wall_time),
                          references.payloads)

    # --- grading ------------------------------------------------------------------------

    def autograde(self, assignment_id: str, force: bool = False, students: list[str] | None = None,
                  progress: bool = True) -> list[SubmissionResult]:
        """Grade every (changed) submission in parallel and record each grade as it lands."""
        require_kernel_limits(self.config.limits, self.config.allow_unenforced_limits)
        self._policy = read_policy(self.root)
        fingerprint = self.assignment(assignment_id).fingerprint() + f"-wall{self.config.wall_time}"
        pending = []
        for student in students or self.students(assignment_id):
            path, notes = self.notebook_path(assignment_id, self.assignment(assignment_id).notebook_name, student)
            key = f"{fingerprint}:{_file_digest(path)}"
            if not force and self._up_to_date(assignment_id, student, key):
                self._reassess(assignment_id, student)  # policy.json may have changed: no new run needed
                continue
            pending.append((student, path, notes, key))
        if not pending:
            return []  # nothing to grade: no references built, no sandbox started
        check_available()  # a host that cannot start a sandbox is refused before anything is graded
        assignment = self.assignment(assignment_id)
        run = self.run_context(assignment)
        self.gradebook().ensure_assignment(assignment)
        done = []
        bar = tqdm(total=len(pending), desc=f"Grading {assignment_id}", unit="nb", disable=not progress)
        for (student, _, notes, key), result in self._run(assignment, run, pending):
            result.notes = notes + result.notes
            result.fingerprint = "" if result.grader_errors else key  # a grader fault is graded again next run
            result.lateness = self.assess_lateness(result)
            self._save(result)
            done.append(result)
            bar.set_postfix_str(f"{student}: {result.score:g}/{result.max_score:g}")
            bar.update()
        bar.close()
        return done

    def _run(self, assignment: Assignment, run: RunContext, pending: list):
        try:
            yield from self._run_pending(assignment, run, pending)
        finally:
            warm.close_run(run.seed)  # this machine's zygotes of this run

    def _run_pending(self, assignment: Assignment, run: RunContext, pending: list):
        keep = lambda student: self.root / "autograded" / student / assignment.assignment_id / (  # noqa: E731
            f"{assignment.notebook_name}.ipynb")
        if self.config.scheduler:
            yield from self._run_dask(assignment, run, pending, keep)
            return
        with ThreadPoolExecutor(max_workers=max(1, self.config.workers)) as pool:
            futures = {pool.submit(grade_submission, assignment, run, s, p, None, keep(s)): item
                       for item in pending for s, p, *_ in [item]}
            for future in as_completed(futures):
                yield futures[future], _outcome(assignment, futures[future][0], future)

    def _run_dask(self, assignment: Assignment, run: RunContext, pending: list, keep):
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        if self.config.scheduler == "local":
            cluster = LocalCluster(n_workers=max(1, self.config.workers), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            cluster, client = None, Client(self.config.scheduler)
        try:
            # Workers share nothing with this machine: they get bytes and return bytes.
            shared = client.scatter(assignment, broadcast=True)
            futures = {client.submit(grade_on_worker, shared, run, student, notebook_bytes(path), pure=False,
                                     retries=1): (student, path, *rest)
                       for student, path, *rest in pending}
            for future in dask_completed(futures):
                student = futures[future][0]
                outcome = _outcome(assignment, student, future)
                if isinstance(outcome, tuple):
                    outcome, executed = outcome
                    if executed:
                        keep_executed(keep(student), executed)
                yield futures[future], outcome
        finally:
            with contextlib.suppress(Exception):  # a worker that is gone took its zygotes along
                client.run(warm.close_run, run.seed)
            client.close()
            if cluster is not None:
                cluster.close()

    def assess_lateness(self, result: SubmissionResult) -> Lateness:
        """``result``'s lateness under policy.json, from the submission's timestamp.txt and late.txt."""
        folder = self.root / "submitted" / result.student / result.assignment_id
        try:
            stamp = untrusted.read_bytes(folder / TIMESTAMP_FILE, 200).decode("utf-8").strip()
            self._policy.parse_time(stamp)
        except (untrusted.UntrustedDataError, UnicodeDecodeError, ValueError):
            stamp = ""
        return self._policy.assess(result.assignment_id, result.student, stamp,
                                   untrusted.is_regular_file(folder / LATE_MARKER_FILE), result.raw_score, result.max_score)

    def _reassess(self, assignment_id: str, student: str) -> None:
        result = SubmissionResult.from_json(self.result_path(assignment_id, student).read_text())
        lateness = self.assess_lateness(result)
        if lateness != result.lateness:
            result.lateness = lateness
            self.gradebook().ensure_assignment(self.assignment(assignment_id))
            self._save(result)

    def _up_to_date(self, assignment_id: str, student: str, key: str) -> bool:
        path = self.result_path(assignment_id, student)
        try:
            return json.loads(path.read_text()).get("fingerprint") == key
        except (OSError, ValueError):
            return False

    def _save(self, result: SubmissionResult) -> None:
        roster = read_roster(self.root)
        self.gradebook().record(result, self.assignment(result.assignment_id), roster.get(result.student, {}))
        path = self.result_path(result.assignment_id, result.student)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(result.to_json())
        os.replace(tmp, path)

    def gradebook(self):
        from autograder.gradebook import CourseGradebook

        return CourseGradebook(self.config.gradebook_url)


def _outcome(assignment: Assignment, student: str, future) -> SubmissionResult:
    """The future's result; if grading itself crashed, a result that says so (logged for the instructor)."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - one submission must never stop the others
        log.exception("grading %s's %s crashed", student, assignment.assignment_id)
        result = SubmissionResult(student, assignment.assignment_id,
                                  reason="The grader failed on this submission; your instructor has been told.")
        result.tests = [TestResult(t.grade_id, 0.0, t.points, False, GRADER_FAULT) for t in assignment.notebook.tests]
        result.grader_errors = [f"{type(error).__name__}: {error}"]
        return result


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "missing"
    from autograder.notebooks import MAX_NOTEBOOK_BYTES
    from autograder.untrusted import UntrustedDataError, read_bytes

    try:
        return hashlib.sha256(read_bytes(path, MAX_NOTEBOOK_BYTES)).hexdigest()[:16]
    except UntrustedDataError:
        return "unreadable"
