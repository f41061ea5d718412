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
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograder import checks as checks_api
from autograder import kernel as kernel_kit
from autograder import observations
from autograder.notebooks import (
    AssignmentNotebook,
    SubmissionError,
    answers_from_source,
    assemble,
    collect_answers,
    extract_observations,
    read_submission,
)
from autograder.sandbox import Limits, Mount, Sandbox

RUNNER = Path(__file__).with_name("runner.py")
KILL_REASONS = {
    "wall time": "it ran longer than the time limit of {wall:.0f} s",
    "memory": "it used more memory than the limit of {memory} MB",
    "processes": "it started more processes or threads than the limit of {tasks}",
}
RUN_REASONS = {
    "timeout": "a cell ran longer than the limit of {cell} s",
    "dead_kernel": "the Python kernel died (a crash, os._exit or running out of memory)",
}


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str


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

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data["tests"]]
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
    data_mounts: list[Mount]
    references: dict = field(default_factory=dict)

    @classmethod
    def load(cls, repo: Path, assignment_id: str, limits: Limits | None = None,
             checks_module: str | None = None) -> "Assignment":
        checks_module = checks_module or checks_api.module_name(assignment_id)
        checks = checks_api.load(assignment_id, checks_module)
        source = repo / "solutions" / assignment_id / f"{checks.notebook}.ipynb"
        release = repo / "assignments" / assignment_id / f"{checks.notebook}.ipynb"
        notebook = AssignmentNotebook.from_files(source, release)
        checks.validate([t.grade_id for t in notebook.tests])
        return cls(
            assignment_id=assignment_id,
            notebook_name=checks.notebook,
            notebook=notebook,
            source_path=source,
            checks_module=checks_module,
            limits=limits or Limits(),
            data_mounts=_data_mounts(checks.data_files),
        )

    @property
    def checks(self) -> checks_api.AssignmentChecks:
        return checks_api.load(self.assignment_id, self.checks_module)

    def fingerprint(self) -> str:
        """Changes whenever anything that decides a score changes."""
        digest = hashlib.sha256()
        digest.update(self.source_path.read_bytes())
        digest.update(nbformat.writes(self.notebook.release).encode())
        for module in (importlib.import_module(self.checks_module), checks_api, kernel_kit, observations):
            digest.update(inspect.getsource(module).encode())
        digest.update(RUNNER.read_bytes())
        digest.update(json.dumps(self.checks.grading_parameters, sort_keys=True).encode())
        return digest.hexdigest()[:16]


def _data_mounts(names) -> list[Mount]:
    from cnn_course import data

    mounts = []
    for name in names:
        path = data.resolve(name) if name in data.manifest() else data.resolve_dir(name)
        mounts.append(Mount(path, f"/data/{name}"))
    return mounts


def sandbox_for(assignment: Assignment, job_dir: Path) -> Sandbox:
    import cnn_course

    package = Path(cnn_course.__file__).resolve().parent
    venv_bin = str(Path(shutil.which("python") or "python").parent)
    mounts = [
        Mount(package, str(package)),
        Mount(RUNNER, "/opt/grader/runner.py"),
        Mount(job_dir, "/home/student", writable=True),
        *assignment.data_mounts,
    ]
    import sys

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
    return Sandbox(limits=assignment.limits, mounts=mounts, env=env)


def execute(assignment: Assignment, assembled: nbformat.NotebookNode, parameters: dict, job_dir: Path):
    """Run the assembled notebook in a fresh sandbox; return (observations, run reason)."""
    nbformat.write(assembled, job_dir / "assembled.ipynb")
    (job_dir / "work").mkdir()
    limits = assignment.limits
    argv = [
        "python", "/opt/grader/runner.py", "/home/student/assembled.ipynb", "/home/student/executed.ipynb",
        "/home/student/status.json", json.dumps(parameters), str(limits.cell_timeout), str(limits.output_chars),
    ]
    run = sandbox_for(assignment, job_dir).run(argv, "/home/student/work")
    found = extract_observations(job_dir / "executed.ipynb", observations.MIME_TYPE)
    reason = ""
    fill = {"wall": limits.wall_seconds, "memory": limits.memory_mb, "tasks": limits.max_tasks,
            "cell": limits.cell_timeout}
    if run.killed:
        reason = "The grader stopped your notebook: " + KILL_REASONS[run.killed].format(**fill) + "."
    else:
        status = _read_status(job_dir / "status.json")
        if status in RUN_REASONS:
            reason = "Your notebook stopped early: " + RUN_REASONS[status].format(**fill) + "."
        elif run.returncode != 0:
            reason = f"The grader's runner failed (exit code {run.returncode})."
    if found.errors and not reason:
        reason = " ".join(found.errors)
    return found, reason, run


def _read_status(path: Path) -> str:
    try:
        status = json.loads(path.read_text()[:10_000]).get("status")
        return status if isinstance(status, str) else ""
    except (OSError, ValueError, AttributeError):
        return ""


def grade_submission(assignment: Assignment, student: str, notebook_path: Path | None,
                     work_root: Path | None = None, keep: Path | None = None) -> SubmissionResult:
    """Grade one student's notebook; never raises for anything the student did."""
    started = time.monotonic()
    result = SubmissionResult(student, assignment.assignment_id)
    checks = assignment.checks
    tests = assignment.notebook.tests
    try:
        if notebook_path is None:
            raise SubmissionError(f"No notebook named {assignment.notebook_name}.ipynb was submitted.")
        answers, result.notes = collect_answers(read_submission(notebook_path), assignment.notebook.answer_ids)
        if not answers:
            raise SubmissionError(
                "None of the assignment's answer cells were found: is this the right notebook, "
                f"{assignment.notebook_name}.ipynb, with its cells' metadata intact?"
            )
    except SubmissionError as error:
        result.reason = str(error)
        result.tests = [TestResult(t.grade_id, 0.0, t.points, False, "Not graded: " + str(error)) for t in tests]
        result.seconds = time.monotonic() - started
        return result

    assembled = assemble(assignment.notebook, answers, checks)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-", dir=work_root) as tmp:
        job_dir = Path(tmp)
        job_dir.chmod(0o777)
        found, result.reason, run = execute(assignment, assembled, checks.grading_parameters, job_dir)
        if keep is not None and (job_dir / "executed.ipynb").is_file():
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(job_dir / "executed.ipynb", keep)
    result.peak_memory_mb = round(run.peak_memory_mb, 1)
    for test in tests:
        verdict = checks.verdict(test.grade_id, decode_payload(found.payloads.get(test.grade_id)),
                                 assignment.references.get(test.grade_id))
        message = verdict.message
        if not verdict.passed and test.grade_id not in found.payloads and result.reason:
            message = f"This test did not run. {result.reason}"
        result.tests.append(TestResult(test.grade_id, test.points if verdict.passed else 0.0,
                                       test.points, verdict.passed, message))
    result.seconds = round(time.monotonic() - started, 2)
    return result


def decode_payload(payload: dict | None) -> dict | None:
    """An observation payload with its value decoded, or an error if it is malformed."""
    if payload is None or "value" not in payload:
        return payload if payload is None or isinstance(payload.get("error"), str) else {"error": "no value"}
    try:
        return {"value": observations.decode(payload["value"])}
    except observations.ObservationError as error:
        return {"error": f"the observation is malformed ({error})"}


def build_references(assignment: Assignment, work_root: Path | None = None) -> dict:
    """Observations of the instructor's solution, run through the same sandbox and observers."""
    answers = answers_from_source(assignment.source_path, assignment.notebook.answer_ids)
    assembled = assemble(assignment.notebook, answers, assignment.checks)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-ref-", dir=work_root) as tmp:
        job_dir = Path(tmp)
        job_dir.chmod(0o777)
        found, reason, _ = execute(assignment, assembled, assignment.checks.grading_parameters, job_dir)
    missing = [t.grade_id for t in assignment.notebook.tests if "value" not in found.payloads.get(t.grade_id, {})]
    if missing:
        errors = {gid: found.payloads.get(gid, {}).get("error", "no observation") for gid in missing}
        raise RuntimeError(f"The solution of {assignment.assignment_id} fails its own checks: {errors} {reason}")
    return found.payloads
