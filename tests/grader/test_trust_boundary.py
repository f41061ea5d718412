"""The trusted side treats everything a sandbox wrote as untrusted bytes.

Fast tests (no kernel, no TensorFlow): the readers, the observation decoder, the schemas and the
judges are attacked directly, and a whole class is graded through the real pipeline with the
sandbox replaced by a stand-in that leaves a hostile artefact in each job folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from autograder import checks as checks_api
from autograder import notebooks, observations, registry, schema, spec, untrusted
from autograder.course import Course, GraderConfig
from autograder.grading import GRADER_FAULT, Execution, _read_status, judge_test
from autograder.notebooks import CHECK_KEY, Observations, extract_observations, read_executed, read_submission
from autograder.results import SubmissionResult
from autograder.sandbox import RunResult
from autograder.spec import Limits, RunContext
from tests.conftest import ASSIGNMENTS, REPO
from tests.grader import hostile

TINY = checks_api.load("tiny", "tests.grader.tiny_checks")
CORRECT = {"square": lambda x: x * x, "mean": lambda values: sum(values) / len(values), "repeats": 2}


# --- reading files a sandbox wrote ---------------------------------------------------------


def test_a_symbolic_link_is_never_followed(tmp_path):
    secret = tmp_path / "other_student.ipynb"
    secret.write_text('{"cells": []}')
    (tmp_path / "executed.ipynb").symlink_to(secret)
    notebook, data, why = read_executed(tmp_path / "executed.ipynb")
    assert notebook is None and data == b"" and "symbolic link" in why


def test_a_named_pipe_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "executed.ipynb")
    started = time.monotonic()
    _, _, why = read_executed(tmp_path / "executed.ipynb")
    assert time.monotonic() - started < 2 and "not a regular file" in why


def test_directories_and_oversized_files_are_refused(tmp_path):
    (tmp_path / "dir.ipynb").mkdir()
    assert "not a regular file" in read_executed(tmp_path / "dir.ipynb")[2]
    with pytest.raises(untrusted.UntrustedDataError, match="limit"):
        (tmp_path / "big").write_bytes(b" " * 2048)
        untrusted.read_bytes(tmp_path / "big", 1024)


def test_deep_json_is_refused_not_a_crash():
    for depth in (70, 200_000):
        with pytest.raises(untrusted.UntrustedDataError, match="nested"):
            untrusted.loads("[" * depth + "]" * depth)


MEASURE_READ = """
import resource, sys
from pathlib import Path
from autograder.notebooks import read_executed
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
notebook, _, why = read_executed(Path(sys.argv[1]))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024, why)
"""


@pytest.mark.parametrize("item", [b"{}", b"[]", b"0", b'"ab"', b'{"a":[]}'])
def test_a_notebook_of_millions_of_tiny_values_costs_the_grader_a_few_times_its_size(tmp_path, item):
    """Parsed, a 64 MB executed notebook of ``{}`` was 21 million dicts, 3.2 GB of the grader's memory."""
    head, tail = b'{"cells": [{"outputs": [', b"]}]}"
    count = (notebooks.MAX_EXECUTED_BYTES - len(head) - len(tail)) // (len(item) + 1)
    path = tmp_path / "executed.ipynb"
    path.write_bytes(head + b",".join([item] * count) + tail)
    run = subprocess.run([sys.executable, "-c", MEASURE_READ, str(path)], capture_output=True, text=True,
                         cwd=REPO, check=True, timeout=120)
    grown, why = run.stdout.split(" ", 1)
    assert f"more than {untrusted.MAX_JSON_VALUES:,} JSON values" in why
    assert int(grown) < 4 * path.stat().st_size, f"reading it took {int(grown) >> 20} MB"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_executed_notebook_of_the_assignments_still_reads(tmp_path, assignment):
    """The solution with outputs as a run leaves them: long printed arrays (commas in strings), an image."""
    source = registry.spec(REPO, assignment).source
    notebook = json.loads(source.read_text())
    printed = ", ".join(f"{v:.4f}" for v in np.linspace(0, 1, 20_000))[:100_000]
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": printed.splitlines(True) or [printed]},
                               {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0K" * 5000}}]
    path = tmp_path / source.name
    path.write_text(json.dumps(notebook))
    read, data, why = read_executed(path)
    assert why == "" and read == notebook and data == path.read_bytes()


def test_lone_surrogates_become_replacement_characters(tmp_path):
    path = tmp_path / "Tiny.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "x = '\ud800'", "metadata": {}}]}))
    source = read_submission(path)["cells"][0]["source"]
    assert source == "x = '\ufffd'" and source.encode("utf-8")


def test_a_version_3_notebook_is_upgraded(tmp_path):
    cell = {"cell_type": "code", "input": "def square(x):\n    return x * x", "language": "python",
            "metadata": {"nbgrader": {"grade_id": "answer_square", "solution": True}}, "outputs": []}
    path = tmp_path / "Tiny.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                "worksheets": [{"cells": [cell], "metadata": {}}]}))
    cells = read_submission(path)["cells"]
    assert "".join(cells[0]["source"]).startswith("def square") and cells[0]["metadata"]["nbgrader"]["grade_id"]


# --- observations ---------------------------------------------------------------------------


@pytest.mark.parametrize("array", [
    {"__ndarray__": "", "dtype": "<f4", "shape": [-2, -2]},
    {"__ndarray__": "", "dtype": "<f4", "shape": [10**9, 10**9]},
    {"__ndarray__": "AAAA", "dtype": "O", "shape": [1]},
    {"__ndarray__": "AAAA", "dtype": "(1000000000,)f8", "shape": [1]},
    {"__ndarray__": "AAAA", "dtype": "<f4", "shape": [2]},
    {"__ndarray__": "AAAA", "dtype": "<f4", "shape": [1], "extra": 1},
    {"__ndarray__": 5, "dtype": "<f4", "shape": [1]},
])
def test_malformed_arrays_are_observation_errors(array):
    with pytest.raises(observations.ObservationError):
        observations.decode({"values": array})


def test_a_cyclic_layer_graph_is_rejected_before_any_judge_walks_it():
    graph = {"nodes": [{"type": "InputLayer", "config": {}, "inputs": []},
                       {"type": "Add", "config": {}, "inputs": [1, 0]}], "outputs": [1]}
    with pytest.raises(observations.ObservationError, match="not computed before it"):
        schema.validate(schema.Graph(), graph)
    residual = checks_api.load("residual_networks")
    reference = {"value": {"case": "c", "graph": {"nodes": [{"type": "InputLayer", "config": {}, "inputs": []}],
                                                   "outputs": [0]}}}
    started = time.monotonic()
    verdict = residual.verdict("test_identity_block_layers", {"value": {"case": "c", "graph": graph}}, reference)
    assert not verdict.passed and "unexpected form" in verdict.message and time.monotonic() - started < 1


def _executed(payloads: list[tuple[str, object]], cell_of: str = "test_square") -> dict:
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {observations.MIME_TYPE: p}}
               for _, p in payloads]
    return {"cells": [{"cell_type": "code", "metadata": {CHECK_KEY: {"check": cell_of}}, "outputs": outputs,
                       "execution_count": 3, "source": ""}]}


def test_an_observation_counts_once_and_only_in_its_own_cell():
    good = {"grade_id": "test_square", "value": 1}
    twice = extract_observations(_executed([("a", good), ("b", good)]), ["test_square", "test_mean"])
    assert "more than one result" in twice.payloads["test_square"]["error"]
    foreign = extract_observations(_executed([("a", {"grade_id": "test_mean", "value": 1})]),
                                   ["test_square", "test_mean"])
    assert "test_mean" not in foreign.payloads and "not produced by its own check" in foreign.payloads[
        "test_square"]["error"]
    assert extract_observations(_executed([]), ["test_square"]).ran == {"test_square"}


# --- judges never fail on validated data ------------------------------------------------------


# Faults measured from outside: each value came out of a sandbox and was once a grader fault. The
# witness each observation carries is right, so that the fault is what is judged.
ONE_NODE = {"nodes": [{"type": "InputLayer", "config": {}, "inputs": []}], "outputs": [0]}
WITNESS = np.linspace(-1, 1, 4, dtype="float32")
SENT = observations.encode(WITNESS)  # the witness as it leaves the sandbox
COMPILED = {"optimizer": "Adam", "learning_rate": 0.001, "loss": "BinaryCrossentropy", "from_logits": True,
            "metrics": [["BinaryAccuracy", 0.0]], "metric_names": ["accuracy"]}
AUGMENTER = {"type": "Sequential", "layers": [{"type": "RandomFlip", "mode": "horizontal"},
                                              {"type": "RandomRotation", "factor": [-0.2, 0.2]}]}
MEASURED_FAULTS = {
    # name: (assignment, grade_id, the solution's observation, the student's as the notebook carried it, why)
    "dtype_without_numpy_type": ("transfer_learning", "test_alpaca_model_preprocessing",
                                 {"logits": np.zeros(4, "float32")},
                                 {"logits": {"__ndarray__": "AAAAAA==", "dtype": "<f1", "shape": [4]}},
                                 "<f1 is not a numeric dtype"),
    "graph_without_outputs": ("residual_networks", "test_identity_block_layers",
                              {"case": "c", "graph": ONE_NODE, "witness": WITNESS},
                              {"case": "c", "graph": {**ONE_NODE, "outputs": []}, "witness": SENT}, "fewer than 1 items"),
    "empty_augmentation_factor": ("transfer_learning", "test_data_augmenter", {**AUGMENTER, "witness": WITNESS},
                                  {**AUGMENTER, "witness": SENT, "layers": [
                                      AUGMENTER["layers"][0], {"type": "RandomRotation", "factor": []}]},
                                  "should use factor 0.2, got []"),
    "learning_rate_beyond_float": ("transfer_learning", "test_compile_model", {**COMPILED, "step": WITNESS},
                                   {**COMPILED, "step": SENT, "learning_rate": 10**4000},
                                   "out of range (an integer of 4001 digits)"),
    "difference_not_a_number": ("transfer_learning", "test_alpaca_model_inference_mode",
                                {"n_bases": 1, "recorded_training": [False], "moving_statistics_changed": False,
                                 "difference_from_inference": 0.0},
                                {"n_bases": 1, "recorded_training": [False], "moving_statistics_changed": False,
                                 "difference_from_inference": float("nan")}, "should be a finite number"),
}


@pytest.mark.parametrize("name", MEASURED_FAULTS)
def test_a_measured_fault_is_the_students_zero_with_the_true_reason_not_a_grader_fault(name):
    assignment_id, grade_id, reference, student, why = MEASURED_FAULTS[name]
    checks = checks_api.load(assignment_id)
    run = RunContext(1, Limits(), {grade_id: {"value": reference}})
    found = Observations(payloads={grade_id: {"grade_id": grade_id, "value": json.loads(json.dumps(student))}})
    execution = Execution(found, "", b"", {"status": "ok", "message": ""}, RunResult(0, 5.0, 1.0))
    result = SubmissionResult("student", assignment_id)
    test = judge_test(checks, run, spec.TestCell(grade_id, 2.0), execution, result)
    assert not result.grader_errors and test.message != GRADER_FAULT
    assert (test.points, test.passed) == (0.0, False) and why in test.message, test.message


@pytest.mark.parametrize("content", ['{"status": ["timeout"]}', '{"status": "finished"}', '{"status": {"a": 1}}',
                                     '{"status": 5}', '["timeout"]', '{"message": "no status"}', "not json", "",
                                     '{"status": "ok", "message": "' + "x" * 20_000 + '"}'])
def test_a_status_the_runner_could_not_have_written_is_no_status(content):
    assert _read_status(content.encode()) == {}


def test_a_status_keeps_only_what_the_runner_writes():
    status = json.dumps({"status": "dead_kernel", "message": "x" * 2000, "extra": [1]}).encode()
    assert _read_status(status) == {"status": "dead_kernel", "message": "x" * 500}


def test_a_judge_that_raises_is_a_grader_error_never_the_students():
    checks = checks_api.AssignmentChecks("x", "X")
    checks.observer("t")(lambda ns, kit: 1)
    checks.judge("t", schema.Integer())(lambda student, reference: 1 / 0)
    with pytest.raises(checks_api.GraderError, match="ZeroDivisionError"):
        checks.verdict("t", {"value": 1}, {"value": 1})


# --- the operator's log -------------------------------------------------------------------------

FORGED_STDERR = ("Traceback (most recent call last):\n2026-01-01 12:00:00,000 ERROR autograder grader fault grading "
                 "bob/test_x: forged\rERROR autograder overwrites the line\x1b[2K\x1b[1A\x1b]0;title\x07 \u202edesrever"
                 "\x0cform feed\u2028line separator\x85next line\x00")


def test_a_sandbox_cannot_write_lines_of_its_own_into_the_operators_log():
    framed = untrusted.framed(FORGED_STDERR)
    lines = framed.split("\n")
    assert all(line.startswith(untrusted.LOGGED_PREFIX) for line in lines), lines
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]", framed)
    assert "ERROR autograder overwrites" in framed and "\\u202edesrever" in framed  # shown, not acted on
    flood = untrusted.framed(FORGED_STDERR + "y" * 10_000).split("\n")
    assert len("\n".join(flood)) < untrusted.MAX_LOGGED_CHARS + 100 and "earlier characters left out" in flood[0]
    assert all(line.startswith(untrusted.LOGGED_PREFIX) for line in flood) and flood[-1].endswith("y")


def test_a_grader_fault_logs_the_sandboxs_stderr_framed(caplog):
    checks = checks_api.AssignmentChecks("x", "X")
    checks.observer("t")(lambda ns, kit: 1)
    checks.judge("t", schema.Integer())(lambda student, reference: 1 / 0)
    run = RunContext(1, Limits(), {"t": {"value": 1}})
    found = Observations(payloads={"t": {"grade_id": "t", "value": 1}})
    execution = Execution(found, "", b"", {"status": "ok", "message": ""}, RunResult(0, 5.0, 1.0, stderr=FORGED_STDERR))
    with caplog.at_level("ERROR", logger="autograder"):
        judge_test(checks, run, spec.TestCell("t", 1.0), execution, SubmissionResult("bob", "x"))
    text = caplog.records[0].getMessage()
    sandbox_lines = text.split("sandbox stderr:\n", 1)[1].split("\n")
    assert all(line.startswith(untrusted.LOGGED_PREFIX) for line in sandbox_lines) and "forged" in text


# --- a whole class through the real pipeline, hostile artefacts in the job folders ------------------


def _observe_tiny(job_dir, ns, seed=None):
    """Observations of the tiny checks for ``ns`` under the seed the prelude of this job carries."""
    assembled = (job_dir / "assembled.ipynb").read_text()
    run_kit = checks_api.kit(seed if seed is not None else int(re.search(r"_grader.SEED = (\d+)", assembled).group(1)))
    cells = []
    for grade_id, check in TINY.checks.items():
        payload = {"grade_id": grade_id, "value": observations.encode(check.observe(ns, run_kit))}
        cells.append({"cell_type": "code", "metadata": {CHECK_KEY: {"check": grade_id}}, "execution_count": 1,
                      "source": "", "outputs": [{"output_type": "display_data", "metadata": {},
                                                 "data": {observations.MIME_TYPE: payload}}]})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _write(path, notebook):
    path.write_text(json.dumps(notebook))


HOSTILE_ARTEFACTS = {
    # name: (what the stand-in sandbox leaves in the job folder, expected score, phrase in the explanation)
    "symlink_to_other_student": (lambda job, out, leak: (out / "executed.ipynb").symlink_to(leak), 0, "symbolic link"),
    "named_pipe": (lambda job, out, leak: os.mkfifo(out / "executed.ipynb"), 0, "not a regular file"),
    "deep_json": (lambda job, out, leak: (out / "executed.ipynb").write_text("[" * 200_000 + "]" * 200_000), 0, "nested"),
    "negative_shape": (lambda job, out, leak: _write(out / "executed.ipynb", _patched(
        _observe_tiny(job, CORRECT), 0, {"values": {"__ndarray__": "", "dtype": "<f8", "shape": [-2, -2]}})),
        4, "malformed"),
    "surrogate_output": (lambda job, out, leak: _write(out / "executed.ipynb", _patched(
        _observe_tiny(job, CORRECT), 1, {"values": ["\ud800"]})), 3, "unexpected form"),
    "replayed_from_another_run": (lambda job, out, leak: _write(out / "executed.ipynb",
                                                           _observe_tiny(job, CORRECT, seed=12345)), 1, "values"),
    "observations_swallowed": (lambda job, out, leak: _write(out / "executed.ipynb", _swallowed(
        _observe_tiny(job, CORRECT))), 0, "never reached the grader"),
    "judge_crash": (lambda job, out, leak: _write(out / "executed.ipynb", _patched(
        _observe_tiny(job, CORRECT), 2, {"repeats": -424242})), 5, "fault in the grader"),
    # The notebook loses one test's result; the status pipe carries a list (a 0.1 s run).
    "status_is_a_list": (lambda job, out, leak: _lost_one_result(job, out, b'{"status": ["timeout"]}'), 4,
                         "No result of this test reached the grader. Your notebook's run ended without a valid report"),
    # The notebook loses one test's result and plants a status file where the runner's used to be: ignored.
    "planted_timeout_status": (lambda job, out, leak: _lost_one_result(job, out, None, b'{"status": "timeout"}'), 4, ""),
}


def _lost_one_result(job, out, piped: bytes | None, planted: bytes | None = None) -> bytes | None:
    """Leave the executed notebook without the first test's result, a status file ``planted`` in the
    output folder if given; what the runner sends on its status pipe."""
    notebook = _observe_tiny(job, CORRECT)
    notebook["cells"][0]["outputs"] = []
    _write(out / "executed.ipynb", notebook)
    if planted is not None:
        (out / "status.json").write_bytes(planted)
    return piped


def _patched(notebook, index, value):
    notebook["cells"][index]["outputs"][0]["data"][observations.MIME_TYPE]["value"] = value
    return notebook


def _swallowed(notebook):
    for cell in notebook["cells"]:
        cell["outputs"] = []
    return notebook


class StandInSandbox:
    """Plays the sandbox: a correct run for most students, the student's hostile artefact for the others."""

    def __init__(self, job_dir, output_dir, leak):
        self.job_dir, self.output_dir, self.leak = job_dir, output_dir, leak

    def run(self, argv, workdir, pass_fds=()):
        assembled = (self.job_dir / "assembled.ipynb").read_text()
        marker = re.search(r"HOSTILE:(\w+)", assembled)
        status = None
        if marker:
            status = HOSTILE_ARTEFACTS[marker.group(1)][0](self.job_dir, self.output_dir, self.leak)
        else:
            _write(self.output_dir / "executed.ipynb", _observe_tiny(self.job_dir, CORRECT))
        return _status_ok(argv, status if isinstance(status, bytes) else None)


def _status_ok(argv, status: bytes | None = None) -> RunResult:
    """What the runner reports at the end of the run on its status pipe (its third argument): "ok" unless
    ``status`` says otherwise."""
    os.write(int(argv[4]), status or b'{"status": "ok"}')
    return RunResult(returncode=0, seconds=0.1, peak_memory_mb=1.0)


@pytest.fixture
def stand_in_sandbox(monkeypatch, tmp_path):
    leak = tmp_path / "leak.ipynb"
    leak.write_text(json.dumps({"cells": []}))
    monkeypatch.setattr("autograder.grading.sandbox_for", lambda assignment, limits, job_dir, output_dir: StandInSandbox(job_dir, output_dir, leak))
    original = TINY.checks["test_repeats"].judge

    def fragile_judge(student, reference):  # a grader bug, triggered by one observation only
        if student["repeats"] == -424242:
            raise RuntimeError("bug in the judge")
        return original(student, reference)

    monkeypatch.setattr(TINY.checks["test_repeats"], "judge", fragile_judge)


def test_one_class_with_every_hostile_artefact_grades_everyone_else(stand_in_sandbox, tiny_repo, tmp_path):
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    course_dir = tmp_path / "course"
    students = {"alice": "", "bob": "", **{name: f"# HOSTILE:{name}\n" for name in HOSTILE_ARTEFACTS}}
    for student, marker in students.items():
        folder = course_dir / "submitted" / student / "tiny"
        folder.mkdir(parents=True)
        notebook = hostile.build(solution, hostile.Case(0, answers={"answer_square": marker + hostile.SQUARE}))
        (folder / "Tiny.ipynb").write_bytes(notebook)
    course = Course(GraderConfig(repo=tiny_repo, course_dir=course_dir, warm=False, workers=2,
                                 checks_modules={"tiny": "tests.grader.tiny_checks"}))
    results = {r.student: r for r in course.autograde("tiny", progress=False)}
    assert course.gradebook().scores("tiny") == {s: r.score for s, r in results.items()}
    assert set(results) == set(students)
    assert results["alice"].score == results["bob"].score == 6
    for name, (_, score, phrase) in HOSTILE_ARTEFACTS.items():
        result = results[name]
        explanation = " ".join([result.reason, *(t.message for t in result.tests)])
        assert result.score == score, f"{name}: {explanation}"
        assert phrase in explanation, f"{name}: {explanation}"
        assert name == "judge_crash" or not result.grader_errors, f"{name}: {result.grader_errors}"
    assert "limit" not in results["planted_timeout_status"].reason, "a 0.1 s run did not reach a time limit"
    assert "limit" not in results["planted_timeout_status"].reason, "a planted status never stands in for the runner's"
    crash = results["judge_crash"]
    assert crash.grader_errors and [t.message for t in crash.tests if not t.passed] == [GRADER_FAULT]
    assert crash.fingerprint == "", "a grader fault is graded again on the next run"
    assert not (course_dir / "autograded" / "symlink_to_other_student" / "tiny" / "Tiny.ipynb").exists()


def test_the_grader_refuses_a_solution_that_does_not_run_cleanly(monkeypatch, tiny_repo, tmp_path):
    def broken(job_dir, output_dir):
        notebook = _observe_tiny(job_dir, CORRECT)
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": "import cnn_course",
                                  "outputs": [{"output_type": "error", "ename": "ModuleNotFoundError",
                                               "evalue": "No module named 'cnn_course'", "traceback": []}]})
        _write(output_dir / "executed.ipynb", notebook)

    def run(argv, job_dir, output_dir):
        broken(job_dir, output_dir)
        return _status_ok(argv)

    monkeypatch.setattr("autograder.grading.sandbox_for", lambda assignment, limits, job_dir, output_dir: type(
        "Broken", (), {"run": lambda self, argv, workdir, pass_fds=(): run(argv, job_dir, output_dir)})())
    course = Course(GraderConfig(repo=tiny_repo, course_dir=tmp_path, warm=False, checks_modules={"tiny": "tests.grader.tiny_checks"}))
    from autograder.references import ReferenceError

    with pytest.raises(ReferenceError, match="ModuleNotFoundError"):
        course.references(course.assignment("tiny"))


def test_reading_never_blocks_the_grading_thread(tmp_path):
    """A FIFO opened by a thread that must not hang: the whole read returns within a second."""
    os.mkfifo(tmp_path / "status.json")
    done = threading.Event()

    def read():
        with pytest.raises(untrusted.UntrustedDataError, match="not a regular file"):
            untrusted.read_bytes(tmp_path / "status.json", 10_000)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(2)


# --- fuzz: random and mutated executed notebooks through the whole trusted side ------------------


def _mutate(value, rng, depth=0):
    """``value`` with random damage: keys dropped, values retyped, lists reordered or nested deeper."""
    junk = [None, True, -1, 2**70, 1e308, float("nan"), "", "\ud800", [], {}, [[[[]]]], {"__ndarray__": "A"},
            {"__ndarray__": "AAAA", "dtype": "<f4", "shape": [1]}, {"grade_id": "test_square", "value": {}}]
    roll = rng.random()
    if roll < 0.08:
        return junk[int(rng.integers(len(junk)))]
    if isinstance(value, dict) and value:
        value = dict(value)
        key = list(value)[int(rng.integers(len(value)))]
        if roll < 0.2:
            del value[key]
        else:
            value[key] = _mutate(value[key], rng, depth + 1)
        return value
    if isinstance(value, list) and value:
        value = list(value)
        index = int(rng.integers(len(value)))
        if roll < 0.2:
            value.insert(index, value[index])  # a duplicate
        elif roll < 0.3:
            value.reverse()
        else:
            value[index] = _mutate(value[index], rng, depth + 1)
        return value
    return value


def test_fuzzed_executed_notebooks_never_crash_or_hang_the_trusted_side(tmp_path):
    (tmp_path / "assembled.ipynb").write_text("_grader.SEED = 7\n")
    reference = _observe_tiny(tmp_path, CORRECT)
    references = {c["metadata"][CHECK_KEY]["check"]: c["outputs"][0]["data"][observations.MIME_TYPE]
                  for c in reference["cells"]}
    references = {gid: {"value": observations.decode(p["value"])} for gid, p in references.items()}
    from autograder.checks import decode_payload

    rng = np.random.default_rng(0)
    started = time.monotonic()
    for trial in range(400):
        notebook = reference
        for _ in range(int(rng.integers(1, 6))):
            notebook = _mutate(notebook, rng)
        data = json.dumps(notebook).encode()
        if trial % 7 == 0:  # damaged bytes too
            cut = int(rng.integers(len(data)))
            data = data[:cut] + bytes(rng.integers(0, 256, size=int(rng.integers(0, 8)), dtype=np.uint8)) + data[cut:]
        path = tmp_path / f"executed-{trial}.ipynb"
        path.write_bytes(data)
        parsed, _, why = read_executed(path)
        found = extract_observations(parsed, list(TINY.checks))
        for grade_id in TINY.checks:
            verdict = TINY.verdict(grade_id, decode_payload(found.payloads.get(grade_id)), references[grade_id])
            assert isinstance(verdict.message, str) and (why or parsed is not None)
    assert time.monotonic() - started < 60


def test_only_a_regular_file_itself_counts_as_one(tmp_path):
    """A submitted notebook or a late.txt marker is a regular file, never a link to one, a pipe or a folder."""
    regular = tmp_path / "late.txt"
    regular.write_text("late\n")
    (tmp_path / "link.txt").symlink_to(regular)
    os.mkfifo(tmp_path / "pipe.txt")
    assert untrusted.is_regular_file(regular)
    assert not any(untrusted.is_regular_file(tmp_path / name) for name in ("link.txt", "pipe.txt", "missing.txt", "."))
