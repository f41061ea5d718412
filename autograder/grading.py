"""Grading one submission: a short pipeline of named steps.

read → collect answers → assemble → execute in the sandbox → extract observations → judge.
Each step is a function of its own (see :mod:`autograder.notebooks`, :mod:`autograder.sandbox`);
this module wires them together and turns every failure into a score and a reason.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat

from autograder import checks as checks_api
from autograder import observations, registry, untrusted, warm
from autograder.checks import GraderError
from autograder.disk import JobFolder
from autograder.enforcement import enforcement
from autograder.inert import inert_notebook
from autograder.lateness import Lateness
from autograder.notebooks import (
    MAX_EXECUTED_BYTES,
    MAX_NOTEBOOK_BYTES,
    AssignmentNotebook,
    Observations,
    SubmissionError,
    assemble,
    collect_answers,
    extract_observations,
    parse_submission,
    read_executed,
)
from autograder.references import References
from autograder.sandbox import Limits, Mount, Sandbox, hand_to_sandbox

log = logging.getLogger("autograder")
RUNNER = Path(__file__).with_name("runner.py")
MAX_STATUS_BYTES = 10_000
OUTPUT_FOLDER_MB = 2 * MAX_EXECUTED_BYTES >> 20  # room for the executed notebook while papermill rewrites it
KILL_REASONS = {
    "wall time": "it ran longer than the time limit of {wall:.0f} s",
    "memory": "it used more memory than the limit of {memory} MB",
    "processes": "it started more processes or threads than the limit of {tasks}",
    "disk": "it wrote more files than its disk quota of {disk} MB",
}
RUN_STATUSES = ("ok", "timeout", "dead_kernel", "error")  # the values runner.py writes as a run's "status"
RUN_REASONS = {
    "timeout": "a cell ran longer than the limit of {cell} s",
    "dead_kernel": "the Python kernel died (a crash, os._exit or running out of memory)",
}
NO_STATUS = ("Your notebook's run ended without a valid report of how it ended (the grader's status file was "
             "missing, malformed or contradicted by the time the run took), so the grader cannot tell whether every "
             "cell ran; a notebook that writes over the grader's files can cause this.")
GRADER_FAULT = ("The grader could not judge this test because of a fault in the grader, not in your work; "
                "your instructor has been told and will grade it.")


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str
    auto_points: float | None = None  # where an instructor set the score by hand: what the tests gave


@dataclass
class SubmissionResult:
    student: str
    assignment_id: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""  # why the run did not complete normally, if it did not
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    fingerprint: str = ""
    grader_errors: list[str] = field(default_factory=list)  # for the instructor: faults of the grader
    # limit -> what enforced it on the machine that ran the notebook (autograder.enforcement); {}: not run
    limits_enforced: dict[str, str] = field(default_factory=dict)
    lateness: Lateness = field(default_factory=Lateness)  # when it came, and the late penalty

    @property
    def raw_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def score(self) -> float:
        """The points the student gets: the tests' minus the late penalty."""
        return max(0.0, self.raw_score - self.lateness.penalty)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data["tests"]]
        data["lateness"] = Lateness(**data.get("lateness", {}))
        return cls(**data)


@dataclass
class Assignment:
    """Everything needed to grade submissions of one assignment; picklable for workers."""

    assignment_id: str
    notebook_name: str
    notebook: AssignmentNotebook
    source_path: Path
    checks_module: str
    limits: Limits
    data: tuple[str, ...]  # data-layer names the notebook requires (autograder.registry)
    data_mounts: list[Mount]
    references: References | None = None  # the solution's observations under this run's secret seed
    warm: bool = True  # fork each run from a warm sandbox (autograder.warm) where one can start

    @classmethod
    def load(cls, repo: Path, assignment_id: str, limits: Limits | None = None,
             checks_module: str | None = None) -> Assignment:
        spec = registry.spec(repo, assignment_id, checks_module)
        notebook = AssignmentNotebook.of(spec)
        checks_api.load(assignment_id, spec.checks_module).validate(spec.grade_ids)
        return cls(
            assignment_id=assignment_id,
            notebook_name=spec.notebook,
            notebook=notebook,
            source_path=spec.source,
            checks_module=spec.checks_module,
            limits=limits or Limits(),
            data=spec.data,
            data_mounts=_data_mounts(spec.data),
        )

    @property
    def checks(self) -> checks_api.AssignmentChecks:
        return checks_api.load(self.assignment_id, self.checks_module)

    def fingerprint(self) -> str:
        """Changes whenever anything that decides a score changes: sources, release, checks, kit,
        runner, grading parameters, limits, the helper package and the data checksums."""
        import cnn_course

        digest = hashlib.sha256()
        digest.update(self.source_path.read_bytes())
        digest.update(nbformat.writes(self.notebook.release).encode())
        modules = [importlib.import_module(self.checks_module), checks_api, importlib.import_module(
            "autograder.checks.judging"), importlib.import_module("autograder.schema")]
        for module in modules:
            digest.update(inspect.getsource(module).encode())
        for path in [*checks_api.kit_sources(), RUNNER]:
            digest.update(path.read_bytes())
        checks = self.checks
        digest.update(json.dumps([checks.grading_parameters, checks.wall_factor, checks.min_wall_seconds,
                                  asdict(self.limits)], sort_keys=True, default=str).encode())
        package = Path(cnn_course.__file__).resolve().parent
        for path in sorted(package.rglob("*")):
            if path.is_file() and (path.suffix == ".py" or path.name == "SHA256SUMS"):
                digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
        return digest.hexdigest()[:16]

    def on_this_machine(self) -> Assignment:
        """This assignment with its data files found by this machine's data layer (a cluster worker's)."""
        return replace(self, data_mounts=_data_mounts(self.data))

    def with_wall_limit(self, reference_seconds: float, override: float | None = None) -> Assignment:
        """This assignment with its wall limit: ``override``, else a multiple of the solution's run time
        (at least the assignment's minimum, at most the configured ``limits.wall_seconds``)."""
        checks = self.checks
        derived = max(checks.min_wall_seconds, checks.wall_factor * reference_seconds)
        wall = override or min(self.limits.wall_seconds, derived)
        return replace(self, limits=replace(self.limits, wall_seconds=round(wall)))


def _data_mounts(names) -> list[Mount]:
    from cnn_course import data

    mounts = []
    for name in names:
        path = data.resolve(name) if name in data.manifest() else data.resolve_dir(name)
        mounts.append(Mount(path, f"/data/{name}"))
    return mounts


def sandbox_for(assignment: Assignment, job_dir: Path | None = None, output_dir: Path | None = None) -> Sandbox:
    """The sandbox of one run: a fresh tmpfs at /home/student holding the assembled notebook from
    ``job_dir`` (read-only), the runner's output folder inside it (a warm sandbox, given neither, makes
    them for each run itself)."""
    import cnn_course

    package = Path(cnn_course.__file__).resolve().parent
    venv_bin = str(Path(shutil.which("python") or "python").parent)
    job = [Mount(job_dir / "assembled.ipynb", "/home/student/assembled.ipynb"),
           Mount(output_dir, "/home/student/out", writable=True)] if job_dir else []
    mounts = [
        Mount(package, str(package)),
        Mount(RUNNER, "/opt/grader/runner.py"),
        *job,
        *assignment.data_mounts,
    ]
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:{venv_bin}:/usr/bin:/bin",
        "HOME": "/home/student",
        "CNN_COURSE_DATA": "/data",
        "CNN_COURSE_OFFLINE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
    }
    return Sandbox(limits=assignment.limits, mounts=mounts, env=env, scratch=("/home/student",) if job_dir else ())


def _warm_slot(assignment: Assignment, seed: int) -> warm.WarmSandbox | None:
    """This thread's warm sandbox for ``assignment`` in the grading run of ``seed`` (a zygote serves
    one run only); it preloads what the release imports (never what a student's notebook asks for).
    None when the assignment is graded cold or none can start."""
    if not assignment.warm:
        return None
    release = [cell.source for cell in assignment.notebook.release.cells if cell.cell_type == "code"]
    return warm.slot_for(sandbox_for(assignment), warm.preload_modules(release), seed)


@dataclass
class Execution:
    """What one sandboxed run of an assembled notebook left behind, read defensively."""

    found: Observations
    reason: str  # why the run did not complete normally, for the student ("" if it did)
    notebook_bytes: bytes  # the executed notebook as read (never re-read from disk)
    status: dict
    run: object  # sandbox.RunResult


def execute(assignment: Assignment, assembled: nbformat.NotebookNode, seed: int,
            work_root: Path | None = None) -> Execution:
    """Run the assembled notebook (of the grading run of ``seed``) in a fresh sandbox, forked from this
    thread's warm one for that run where it can, and read back what it produced."""
    limits = assignment.limits
    # The runner's arguments; its status file descriptor (third) is filled in by whoever runs it.
    arguments = ["/home/student/assembled.ipynb", "/home/student/out/executed.ipynb", "",
                 json.dumps(assignment.checks.grading_parameters), str(limits.cell_timeout), str(limits.output_chars)]
    slot = _warm_slot(assignment, seed)
    outcome = None
    if slot is not None:
        try:
            outcome = _execute_warm(slot, assembled, arguments)
        except warm.WarmUnavailable as error:
            warm.retire(slot, error)
    if outcome is None:
        outcome = _execute_cold(assignment, assembled, arguments, work_root)
    run, (notebook, data, unreadable), status = outcome
    found = extract_observations(notebook, [t.grade_id for t in assignment.notebook.tests])
    status = _believed(status, run, limits)
    reason = _run_reason(run, status, unreadable, limits)
    log.debug("run: killed=%s status=%s seconds=%.1f stderr tail:\n%s", run.killed, status.get("status"),
              run.seconds, untrusted.framed(run.stderr, 2000))
    return Execution(found, reason, data, status, run)


def _read_status(data: bytes) -> dict:
    """The runner's report of how the run ended, ``{"status": one of RUN_STATUSES, "message": str}``, from
    what its status pipe held; ``{}`` when that is not such a report (the sandbox wrote it: it is data)."""
    if len(data) > MAX_STATUS_BYTES:
        return {}
    try:
        status = untrusted.loads(data, max_depth=3)
    except (untrusted.UntrustedDataError, UnicodeDecodeError):
        return {}
    if not isinstance(status, dict) or status.get("status") not in RUN_STATUSES:
        return {}
    message = status.get("message")
    return {"status": status["status"], "message": message[:500] if isinstance(message, str) else ""}


def _believed(status: dict, run, limits: Limits) -> dict:
    """``status`` where the run's own measurements allow it, else ``{}``: a cell timeout is only believed
    of a run that lasted the cell timeout (the time is measured by the grader, the status is not)."""
    if status.get("status") == "timeout" and run.seconds < limits.cell_timeout:
        log.warning("a run reported a cell timeout after %.1f s, under the %s s limit: status ignored",
                    run.seconds, limits.cell_timeout)
        return {}
    return status


def _run_reason(run, status: dict, unreadable: str, limits: Limits) -> str:
    """Why the run did not complete normally, for the student ("" if it did)."""
    fill = {"wall": limits.wall_seconds, "memory": limits.memory_mb, "tasks": limits.max_tasks,
            "cell": limits.cell_timeout, "disk": limits.disk_mb}
    if run.returncode != 0 and not run.killed:
        log.warning("runner exit %s; sandbox stderr:\n%s", run.returncode, untrusted.framed(run.stderr))
    if run.killed:
        reason = "The grader stopped your notebook: " + KILL_REASONS.get(
            run.killed, "it exceeded a limit ({})").format(run.killed, **fill)
        if run.killed == "memory" and run.disk_full:
            reason += " (the files it wrote count too, and they had filled the disk quota of {disk} MB)".format(**fill)
        return reason + "."
    if status.get("status") in RUN_REASONS:
        return "Your notebook stopped early: " + RUN_REASONS[status["status"]].format(**fill) + "."
    if run.disk_full:
        return "Your notebook filled its disk quota of {disk} MB, so later writes failed.".format(**fill)
    if unreadable:
        return unreadable
    if not status:
        return NO_STATUS
    if run.returncode != 0:
        return f"The grader's runner failed (exit code {run.returncode})."
    return ""


def _execute_warm(slot: warm.WarmSandbox, assembled: nbformat.NotebookNode, arguments: list[str]):
    """A run forked from ``slot``: the run's result, its executed notebook as read, its status."""
    run, folder = slot.run(nbformat.writes(assembled), arguments, OUTPUT_FOLDER_MB, MAX_EXECUTED_BYTES)
    try:
        try:
            status = _read_status(untrusted.read_bytes(folder / "status.json", MAX_STATUS_BYTES))
        except untrusted.UntrustedDataError:
            status = {}
        return run, read_executed(folder / "executed.ipynb"), status
    finally:
        slot.discard(folder)


def _execute_cold(assignment: Assignment, assembled: nbformat.NotebookNode, arguments: list[str],
                  work_root: Path | None):
    """A run in a sandbox of its own, with a fresh Python: the same as :func:`_execute_warm`."""
    # The results get a folder of their own, so a notebook that fills its disk quota keeps them.
    output_limits = replace(assignment.limits, disk_mb=OUTPUT_FOLDER_MB)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-job-", dir=work_root) as job, \
            JobFolder(output_limits, parent=work_root, prefix="cnn-grader-out-") as output_dir:
        job_dir = Path(job)
        (job_dir / "assembled.ipynb").write_text(nbformat.writes(assembled), encoding="utf-8")
        hand_to_sandbox(output_dir)
        status_read, status_write = os.pipe()
        try:
            arguments = [*arguments[:2], str(status_write), *arguments[3:]]
            run = sandbox_for(assignment, job_dir, output_dir).run(
                ["python", "/opt/grader/runner.py", *arguments], "/home/student/work", pass_fds=(status_write,))
        finally:
            os.close(status_write)
        with os.fdopen(status_read, "rb", buffering=0) as pipe:
            os.set_blocking(status_read, False)
            status = pipe.read(MAX_STATUS_BYTES + 1) or b""
        return run, read_executed(output_dir / "executed.ipynb"), _read_status(status)


def grade_submission(assignment: Assignment, student: str, notebook_path: Path | None,
                     work_root: Path | None = None, keep: Path | None = None) -> SubmissionResult:
    """Grade one student's notebook file; keep the executed notebook at ``keep`` if given."""
    result, executed = grade_notebook(assignment, student, notebook_bytes(notebook_path), work_root)
    if keep is not None and executed:
        keep_executed(keep, executed)
    return result


def keep_executed(path: Path, executed: bytes) -> None:
    """Keep the executed notebook for the instructor as :func:`~autograder.inert.inert_notebook` made it:
    from the bytes we read (never a file the sandbox linked), with nothing that runs in a browser."""
    try:
        inert = inert_notebook(executed)
    except untrusted.UntrustedDataError as error:
        log.warning("not keeping the executed notebook %s: %s", path, error)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(inert)


def notebook_bytes(path: Path | None) -> bytes | SubmissionError | None:
    """A submitted notebook's bytes (read as untrusted), the error that reading it raised, or None."""
    if path is None:
        return None
    try:
        return untrusted.read_bytes(path, MAX_NOTEBOOK_BYTES)
    except untrusted.UntrustedDataError as error:
        return SubmissionError(f"The notebook could not be read: {error}.")


def grade_on_worker(assignment: Assignment, student: str,
                    notebook: bytes | SubmissionError | None) -> tuple[SubmissionResult, bytes]:
    """:func:`grade_notebook` on a cluster worker: data files found by name through this machine's data layer."""
    return grade_notebook(assignment.on_this_machine(), student, notebook)


def grade_notebook(assignment: Assignment, student: str, notebook: bytes | SubmissionError | None,
                   work_root: Path | None = None) -> tuple[SubmissionResult, bytes]:
    """Grade one student's notebook (its bytes); the result and the executed notebook's bytes.

    Never raises for anything the student did."""
    started = time.monotonic()
    result = SubmissionResult(student, assignment.assignment_id)
    checks = assignment.checks
    tests = assignment.notebook.tests
    try:
        if isinstance(notebook, SubmissionError):
            raise notebook
        if notebook is None:
            raise SubmissionError(f"No notebook named {assignment.notebook_name}.ipynb was submitted.")
        answers, result.notes = collect_answers(parse_submission(notebook), assignment.notebook.answer_ids)
        if not answers:
            raise SubmissionError(
                "None of the assignment's answer cells were found: is this the right notebook, "
                f"{assignment.notebook_name}.ipynb, with its cells' metadata intact?"
            )
    except SubmissionError as error:
        result.reason = str(error)
        result.tests = [TestResult(t.grade_id, 0.0, t.points, False, "Not graded: " + str(error)) for t in tests]
        result.seconds = time.monotonic() - started
        return result, b""

    seed = assignment.references.seed
    execution = execute(assignment, assemble(assignment.notebook, answers, checks, seed), seed, work_root)
    result.reason = execution.reason
    result.peak_memory_mb = round(execution.run.peak_memory_mb, 1)
    result.limits_enforced = enforcement(assignment.limits)
    result.tests = [judge_test(assignment, test, execution, result) for test in tests]
    result.seconds = round(time.monotonic() - started, 2)
    return result, execution.notebook_bytes


def judge_test(assignment: Assignment, test, execution: Execution, result: SubmissionResult) -> TestResult:
    """One test cell's points and message; a fault of the grader is logged and never blamed on the student."""
    found, grade_id = execution.found, test.grade_id
    try:
        verdict = assignment.checks.verdict(grade_id, decode_payload(found.payloads.get(grade_id)),
                                            assignment.references.payloads.get(grade_id))
    except GraderError as error:
        log.error("grader fault grading %s/%s: %s\nsandbox stderr:\n%s", result.student, grade_id, error,
                  untrusted.framed(execution.run.stderr), exc_info=error.__cause__)
        result.grader_errors.append(f"{grade_id}: {error}")
        return TestResult(grade_id, 0.0, test.points, False, GRADER_FAULT)
    message = verdict.message
    if not verdict.passed and grade_id not in found.payloads:
        if result.reason:
            lead = "This test did not run." if execution.run.killed or execution.status.get(
                "status") in RUN_REASONS else "No result of this test reached the grader."
            message = f"{lead} {result.reason}"
        elif grade_id in found.ran:
            message = ("This test ran, but its result never reached the grader: something in your notebook "
                       "interferes with how results are displayed (for example a replaced `display`).")
    return TestResult(grade_id, test.points if verdict.passed else 0.0, test.points, verdict.passed, message)


def decode_payload(payload: dict | None) -> dict | None:
    """An observation payload with its value decoded, or an error if it is malformed."""
    if payload is None:
        return None
    if "value" in payload:
        try:
            return {"value": observations.decode(payload["value"])}
        except observations.ObservationError as error:
            return {"error": f"the observation is malformed ({error})"}
    error = payload.get("error")
    return {"error": untrusted.clean_text(error[:2000]) if isinstance(error, str) else "no value"}
