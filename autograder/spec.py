"""What an assignment is, for the grader: its course notebook, its checks, the data its sandbox may read
and the limits a run of it gets; and the context of one grading run (:class:`RunContext`). Plain data at
the bottom of the grader: nothing here runs a notebook."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat

from autograder import checks as checks_api
from autograder import registry

RUNNER = Path(__file__).with_name("runner.py")  # executes the assembled notebook inside the sandbox


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 900  # seconds the whole run may take
    cell_timeout: int = 300  # seconds one notebook cell may take (enforced by the runner)
    memory_mb: int = 4096  # MiB of memory for all the run's processes, files on its tmpfs included
    max_tasks: int = 512  # processes and threads
    output_chars: int = 100_000  # characters of output kept per cell (enforced by the runner)
    file_size_mb: int = 512  # MiB one file may grow to (RLIMIT_FSIZE; never more than disk_mb)
    # MiB the run may write into each writable folder (its job folder), and separately into its /tmp.
    disk_mb: int = 1024
    cpus: float = 1.0  # CPUs the run's processes may use together, enforced by the cpu cgroup quota


@dataclass
class Mount:
    """A host path the sandbox sees at ``target``."""

    source: Path
    target: str
    writable: bool = False


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float


@dataclass
class AssignmentNotebook:
    """The course's version of one notebook: release cells, answer ids and test cells."""

    release: nbformat.NotebookNode
    answer_ids: list[str]
    tests: list[TestCell]

    @classmethod
    def of(cls, spec: registry.AssignmentSpec) -> AssignmentNotebook:
        """The notebook of an assignment (:mod:`autograder.registry`): its source and its student release."""
        return cls.from_files(spec.source, spec.release)

    @classmethod
    def from_files(cls, source_path: Path, release_path: Path) -> AssignmentNotebook:
        source = nbformat.read(source_path, as_version=4)
        release = nbformat.read(release_path, as_version=4)
        answers, graded = registry.graded_cells(source.cells)
        tests = [TestCell(grade_id, points) for grade_id, points in graded.items()]
        release_ids = {registry.nbgrader_metadata(c).get("grade_id") for c in release.cells}
        missing = [gid for gid in answers + [t.grade_id for t in tests] if gid not in release_ids]
        if missing:
            raise ValueError(f"{release_path} is stale: cells {missing} are missing; regenerate the release")
        return cls(release, answers, tests)

    def answer_before(self, grade_id: str) -> str | None:
        """The answer cell a test follows in the release (the one it checks), or the first answer cell."""
        last = None
        for cell in self.release.cells:
            meta = registry.nbgrader_metadata(cell)
            if meta.get("grade_id") in self.answer_ids:
                last = meta["grade_id"]
            elif meta.get("grade_id") == grade_id:
                return last or (self.answer_ids[0] if self.answer_ids else None)
        return None


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
            data_mounts=data_mounts(spec.data),
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
        modules = [importlib.import_module(name) for name in (self.checks_module, "autograder.checks",
                   "autograder.checks.judging", "autograder.checks.graphs", "autograder.schema")]
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
        return replace(self, data_mounts=data_mounts(self.data))

    def run_limits(self, reference_seconds: float, override: float | None = None) -> Limits:
        """The limits of a grading run: the wall limit ``override``, else a multiple of the solution's run
        time (at least the assignment's minimum, at most the configured ``limits.wall_seconds``)."""
        checks = self.checks
        derived = max(checks.min_wall_seconds, checks.wall_factor * reference_seconds)
        wall = override or min(self.limits.wall_seconds, derived)
        return replace(self.limits, wall_seconds=round(wall))


@dataclass(frozen=True)
class RunContext:
    """What one grading run gives every notebook it runs: the secret seed the observers draw from, the
    solution's observations under that seed (grade_id -> ``{"value": ...}``; none while they are being
    built) and the limits of each run."""

    seed: int
    limits: Limits
    references: dict[str, dict] = field(default_factory=dict)


def data_mounts(names) -> list[Mount]:
    """The data-layer files and folders ``names``, each mounted read-only at ``/data/<name>``."""
    from cnn_course import data

    mounts = []
    for name in names:
        path = data.resolve(name) if name in data.manifest() else data.resolve_dir(name)
        mounts.append(Mount(path, f"/data/{name}"))
    return mounts
