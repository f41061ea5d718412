"""Assembling the notebook the grader runs: what comes from the course, what from the student."""

from __future__ import annotations

import copy

from autograder import checks as checks_api
from autograder.notebooks import SKIP_TAG, assemble
from autograder.observations import MIME_TYPE
from autograder.spec import AssignmentNotebook


def _notebook(tiny_repo, tag_everything: bool):
    notebook = AssignmentNotebook.from_files(tiny_repo / "solutions" / "tiny" / "Tiny.ipynb",
                                             tiny_repo / "assignments" / "tiny" / "Tiny.ipynb")
    notebook = copy.deepcopy(notebook)
    for cell in notebook.release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if tag_everything or grade_id == "demo":
            cell.metadata.setdefault("tags", []).append(SKIP_TAG)
    return notebook


def test_cells_tagged_skip_when_grading_are_not_run(tiny_repo):
    checks = checks_api.load("tiny", "tests.grader.tiny_checks")
    assembled = assemble(_notebook(tiny_repo, False), {"answer_square": "def square(x):\n    return x * x"}, checks, 1)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in assembled.cells}
    assert sources["demo"].startswith("# skipped by the grader")
    assert "print" not in sources["demo"] and "repeats = 3" in sources["parameters"]


def test_answers_and_tests_run_even_when_tagged(tiny_repo):
    checks = checks_api.load("tiny", "tests.grader.tiny_checks")
    assembled = assemble(_notebook(tiny_repo, True), {"answer_square": "def square(x):\n    return x * x"}, checks, 1)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in assembled.cells}
    assert sources["answer_square"] == "def square(x):\n    return x * x"
    assert "_grader.emit('test_square'" in sources["test_square"]
    assert "_grader.SEED = 1" in assembled.cells[0].source and "repeats = 3" in sources["parameters"]


SCALE = 3  # a name of this module, which no kernel has


def _kernel_payload(checks, grade_id: str, answers: str, seed: int, monkeypatch) -> dict:
    """What test cell ``grade_id`` displays in a kernel: the prelude, the answers, then the grader's test cell."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append(data))
    namespace = {"__name__": "__main__"}
    for source in (checks_api.prelude_source(seed), answers, checks.observer_source(grade_id)):
        exec(compile(source, "<cell>", "exec"), namespace)
    (payload,) = [data[MIME_TYPE] for data in shown]
    return payload


def test_in_process_observing_is_the_kernels_test_cell(monkeypatch):
    checks = checks_api.load("tiny", "tests.grader.tiny_checks")
    answer = "def square(x):\n    return x * x\n"
    in_kernel = _kernel_payload(checks, "test_square", answer, 5, monkeypatch)
    namespace = {"__name__": "__main__"}
    exec(answer, namespace)
    in_process = checks.observe_in(namespace, "test_square", checks_api.kit(5))
    assert "value" in in_process and in_process == in_kernel
    other_seed = checks.observe_in(namespace, "test_square", checks_api.kit(6))
    assert not checks.judge_payload("test_square", other_seed, checks_api.decode_payload(in_kernel)).passed


def test_an_observer_sees_the_notebooks_globals_not_its_modules_in_either_path(monkeypatch):
    checks = checks_api.AssignmentChecks("x", "X")

    @checks.observer("t")
    def observe_scaled(ns, kit):
        return SCALE * ns["square"](2.0)

    answer = "def square(x):\n    return x * x\n"
    in_kernel = _kernel_payload(checks, "t", answer, 1, monkeypatch)
    namespace = {"__name__": "__main__"}
    exec(answer, namespace)
    in_process = checks.observe_in(namespace, "t", checks_api.kit(1))
    assert in_process == in_kernel and "NameError" in in_kernel["error"]
    namespace["SCALE"] = 3  # a notebook global of that name is what both see
    assert checks.observe_in(namespace, "t", checks_api.kit(1))["value"] == 12.0
