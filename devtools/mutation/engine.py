"""Grading mutants in one process: the solution notebook's definitions loaded once, each mutant's answer
cell run in a copy of that namespace, and the tests that call into it observed and judged by the grader's
own code (:meth:`AssignmentChecks.observe_in`, :meth:`AssignmentChecks.judge_payload`) under each seed."""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import signal
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks import decode_payload, kit
from autograder.normalize import top_level_names
from autograder.notebooks import SKIP_TAG, answers_from_source
from autograder.references import ReferenceError
from autograder.spec import Assignment
from devtools.mutation.mutants import Mutant, mutants
from devtools.mutation.probe import compare, describe_arguments, error_text, fresh

REPO = Path(__file__).resolve().parents[2]
SEEDS = (1, 2)  # every mutant is judged under each, so a verdict that depends on the draw shows up
OBSERVER_SECONDS = 300.0  # the time one observer may take on a mutant before it counts as failed


class ObserverTimeout(BaseException):  # not an Exception: code under test must not catch it
    """An observer ran longer than :data:`OBSERVER_SECONDS`."""


@dataclass
class Graded:
    """What the checks said about a notebook with some answer cells replaced."""

    failed: dict[int, dict[str, str]]  # seed -> grade_id -> message, for the tests that failed
    ran: list[str]  # tests observed; the others call nothing that changed, so they pass as the solution does
    seconds: float
    cell_errors: dict[str, str] = field(default_factory=dict)  # answer cell -> the error its code raised

    @property
    def killed_by(self) -> list[str]:
        return sorted({test for failures in self.failed.values() for test in failures})

    @property
    def full_marks(self) -> bool:
        return not self.killed_by

    @property
    def killed(self) -> bool:
        """Some test failed under every seed."""
        return all(self.failed.values())

    @property
    def depends_on_seed(self) -> bool:
        """Whether some test passed under one seed and failed under another: a verdict must never
        depend on the draw."""
        return len({frozenset(failures) for failures in self.failed.values()}) > 1


class Engine:
    """Grades replacements of an assignment's answer cells in this process (trusted code only).

    The namespace is built once from the solution notebook: its answer cells, and from the other
    cells only imports, definitions and assignments of constants (nothing that loads data, trains
    or plots; cells tagged ``skip-when-grading`` not at all), with the assignment's grading
    parameters injected after the ``parameters`` cell as papermill would. References are the
    solution's observations under each seed. A first run of the observers records which answer
    cells each test calls (a change elsewhere cannot change its observation), the kinds of values
    each answer function's locals hold, and copies of the arguments of its first calls (for the
    probe).
    """

    def __init__(self, assignment_id: str, seeds=SEEDS, repo: Path | None = None,
                 observer_seconds: float = OBSERVER_SECONDS):
        self.assignment = Assignment.load(Path(repo or REPO), assignment_id)
        self.checks = self.assignment.checks
        self.tests = [test.grade_id for test in self.assignment.notebook.tests]
        self.answers = answers_from_source(self.assignment.source_path, self.assignment.notebook.answer_ids)
        self.seeds, self.observer_seconds = tuple(seeds), observer_seconds
        self.namespace = self._definitions()
        self.calls: dict[str, set[str]] = {}  # test -> answer cells it calls when the solution runs
        self.kinds: dict[str, dict[str, set[str]]] = {}  # answer function -> local name -> type names
        self.recorded: dict[str, list[tuple]] = {}  # answer function -> (args, kwargs) of its first calls
        self._references: dict[int, dict[str, dict]] = {}
        self._trace(self.seeds[0])

    # --- the namespace

    def _definitions(self) -> dict:
        import nbformat

        namespace = {"__name__": "__main__"}
        for cell in nbformat.read(self.assignment.source_path, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or grade_id in self.checks.checks or (
                    SKIP_TAG in tags and grade_id not in self.answers and "parameters" not in tags):
                continue
            if grade_id in self.answers:
                exec(compile(self.answers[grade_id], _filename(grade_id), "exec"), namespace)
            else:
                for statement in ast.parse(_plain_python(cell.source)).body:
                    if _is_definition(statement, namespace):
                        exec(compile(ast.Module([statement], []), f"<cell {grade_id}>", "exec"), namespace)
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                namespace.update(self.checks.grading_parameters)
        return namespace

    def _fork(self, replacements: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """A copy of the namespace (the notebook's functions rebound to it, so that they look up the
        replaced ones) with the answer cells ``replacements`` names run in place of the solution's."""
        namespace = dict(self.namespace)
        for name, value in self.namespace.items():
            if isinstance(value, types.FunctionType) and value.__globals__ is self.namespace:
                namespace[name] = _rebound(value, namespace)
        errors = {}
        for cell, source in replacements.items():
            for name in top_level_names(self.answers[cell]):
                namespace.pop(name, None)
            try:
                exec(compile(source, _filename(cell), "exec"), namespace)
            except Exception as error:  # noqa: BLE001 - a broken answer fails its tests, as in the notebook
                errors[cell] = error_text(error)
        return namespace, errors

    # --- observing and judging

    def _observe(self, test: str, namespace: dict, run_kit) -> dict:
        """The payload test cell ``test`` reports in ``namespace``, as the grader reads it back."""
        try:
            with _time_limit(self.observer_seconds):
                return self.checks.observe_in(namespace, test, run_kit)
        except ObserverTimeout as error:
            return {"grade_id": test, "error": f"{type(error).__name__}: {error}"}

    def reference(self, seed: int) -> dict[str, dict]:
        """The solution's observations under ``seed``, decoded: ``{grade_id: {"value": ...}}``."""
        if seed not in self._references:
            namespace, run_kit = self._fork({})[0], kit(seed)
            self._references[seed] = self._decoded({t: self._observe(t, namespace, run_kit) for t in self.tests})
            _release_memory()
        return self._references[seed]

    def observations(self, replacements: dict[str, str], seed: int) -> tuple[dict[str, dict], dict[str, dict]]:
        """The payloads of the tests ``replacements`` affect (every test, for the solution) under ``seed``, with
        one kit for the run as grading makes it, so that checks share the student's models (``kit.shared``);
        and, for each test that took a shared model, its payload observed again with a kit of its own, each
        check building its own models as grading did before they were shared."""
        namespace, _ = self._fork(replacements)
        run_kit, test_now, sharing = kit(seed), [None], set()
        share = run_kit.shared

        def shared(*args):
            sharing.add(test_now[0])
            return share(*args)

        run_kit.shared = shared  # the kit's own functions find it too: a module's attribute is its global
        payloads = {}
        for test in self.affected(replacements) if replacements else self.tests:
            test_now[0] = test
            payloads[test] = self._observe(test, namespace, run_kit)
        alone = {test: self._observe(test, namespace, kit(seed)) for test in sorted(sharing)}
        del namespace
        _release_memory()
        return payloads, alone

    def _decoded(self, payloads: dict[str, dict]) -> dict[str, dict]:
        decoded = {test: decode_payload(payload) for test, payload in payloads.items()}
        problems = [f"{test}: {payload['error']}" for test, payload in decoded.items() if "value" not in payload]
        if problems:
            raise ReferenceError(f"The solution of {self.assignment.assignment_id} does not pass its own "
                                 "observers: " + "; ".join(problems))
        return decoded

    def affected(self, replacements: dict[str, str]) -> list[str]:
        return affected_tests(self.tests, self.calls, self.answers, replacements)

    def grade(self, replacements: dict[str, str], seeds=None) -> Graded:
        """Judge the notebook with ``replacements`` (answer grade_id -> source) under each seed."""
        started = time.monotonic()
        namespace, errors = self._fork(replacements)
        tests, failed = self.affected(replacements), {}
        for seed in seeds or self.seeds:
            reference, failed[seed], run_kit = self.reference(seed), {}, kit(seed)
            for test in tests:
                verdict = self.checks.judge_payload(test, self._observe(test, namespace, run_kit), reference[test])
                if not verdict.passed:
                    failed[seed][test] = verdict.message
        del namespace
        _release_memory()
        return Graded(failed, tests, round(time.monotonic() - started, 2), errors)

    # --- equivalence

    def differences(self, replacements: dict[str, str], trials: int = 3) -> list[str]:
        """How the replaced answer functions differ from the solution's when called as the observers
        called them (recorded when the solution ran), on random inputs and weights: empty if they
        compute the same on every call (outputs, weights and their trainable flags, compile settings)."""
        namespace, errors = self._fork(replacements)
        solution, _ = self._fork({})
        found = [f"{cell} raised {error}" for cell, error in errors.items()]
        for cell in replacements:
            for name in sorted(top_level_names(self.answers[cell]) & set(self.recorded)):
                for args, kwargs in self.recorded[name]:
                    call = f"{name}({describe_arguments(args, kwargs)})"
                    try:  # each gets its own copy of a model it might change (compile, unfreeze)
                        mine = namespace[name](*fresh(args), **fresh(kwargs))
                    except Exception as error:  # noqa: BLE001 - a mutant may raise anything
                        found.append(f"{call} raised {error_text(error)}")
                        continue
                    expected = solution[name](*fresh(args), **fresh(kwargs))
                    found += [f"{call}: {what}" for what in compare(expected, mine, args, kwargs, trials)]
        _release_memory()
        return found

    # --- mutants

    def mutants(self) -> list[Mutant]:
        """Every mutant of every answer cell, a name only ever replaced by one of the same kind."""
        return [m for cell, source in self.answers.items() for m in mutants(cell, source, self.kinds)]

    def _trace(self, seed: int) -> None:
        """Observe the solution once, recording which answer cells each test calls and the kinds of
        the answer functions' locals; these observations are also the references under ``seed``."""
        namespace, _ = self._fork({})
        called: set[str] = set()
        for name, value in list(namespace.items()):
            cell = _cell_of(value)
            if cell:
                namespace[name] = self._recording(value, cell, called)

        def profile(frame, event, arg):
            if event == "return" and frame.f_code.co_filename.startswith("<answer "):
                kinds = self.kinds.setdefault(frame.f_code.co_name, {})
                for local, value in frame.f_locals.items():
                    kinds.setdefault(local, set()).add(type(value).__name__)

        payloads = {}
        for test in self.tests:
            called.clear()
            run_kit = kit(seed)  # a kit of its own: each test builds what it shares with others, so its calls are recorded
            sys.setprofile(profile)
            try:
                payloads[test] = self._observe(test, namespace, run_kit)
            finally:
                sys.setprofile(None)
            self.calls[test] = set(called)
        self._references[seed] = self._decoded(payloads)
        _release_memory()

    def _recording(self, function, cell: str, called: set[str]):
        calls = self.recorded.setdefault(function.__name__, [])

        @functools.wraps(function)
        def recording(*args, **kwargs):
            called.add(cell)
            if len(calls) < 8:  # copies: the call may change a model it is given (compile, unfreeze)
                calls.append((fresh(args), fresh(kwargs)))
            return function(*args, **kwargs)

        return recording


def observer_seconds(assignment_id: str, repeats: int = 3) -> float:
    """The floor of grading one submission: every observer on the solution in a warm process
    (TensorFlow imported, the notebook's definitions loaded), the median of ``repeats`` seeds."""
    engine = Engine(assignment_id, seeds=SEEDS[:1])
    seconds = []
    for seed in range(repeats):
        namespace, _ = engine._fork({})
        started = time.monotonic()
        run_kit = kit(1000 + seed)
        for test in engine.tests:
            engine._observe(test, namespace, run_kit)
        seconds.append(time.monotonic() - started)
    return sorted(seconds)[len(seconds) // 2]


def affected_tests(tests: list[str], calls: dict[str, set[str]], answers: dict[str, str],
                   replacements: dict[str, str]) -> list[str]:
    """The tests whose observation can change when these answer cells are replaced: those that call
    into them (every test, if a replacement rebinds a name another answer cell defines)."""
    others = {name for cell, source in answers.items() if cell not in replacements for name in top_level_names(source)}
    if any(top_level_names(source) & others for source in replacements.values()):
        return list(tests)
    return [test for test in tests if calls.get(test, set()) & set(replacements)]


def _filename(cell: str) -> str:
    return f"<answer {cell}>"


def _cell_of(value) -> str | None:
    code = getattr(value, "__code__", None)
    name = getattr(code, "co_filename", "")
    return name[len("<answer "):-1] if name.startswith("<answer ") else None


def _is_definition(statement, namespace: dict) -> bool:
    """Imports, functions, classes, and names given a literal or an attribute of a module (a
    ``parameters`` cell, ``preprocess_input = keras.applications...``): never a call."""
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    if not (isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets)):
        return False
    try:
        ast.literal_eval(statement.value)
        return True
    except ValueError:
        pass
    root = statement.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and isinstance(namespace.get(root.id), types.ModuleType)


def _plain_python(source: str) -> str:
    """A cell's code with IPython's magics (``%pip install ...``) turned into the calls they stand for."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)


def _rebound(function, namespace: dict):
    copied = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                                function.__closure__)
    copied.__kwdefaults__ = function.__kwdefaults__
    copied.__dict__.update(function.__dict__)
    copied.__doc__, copied.__qualname__ = function.__doc__, function.__qualname__
    return copied


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`ObserverTimeout` after ``seconds`` (in the main thread; no limit elsewhere)."""
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ObserverTimeout(f"the observer ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
def _release_memory() -> None:
    import keras

    keras.backend.clear_session()
    gc.collect()
