"""What every assignment the registry discovers must satisfy, checked for each one (fast: no grading).

The rest of the contract is parametrised over the same discovery elsewhere: the release is exactly what
nbgrader generates and leaks nothing (tests/test_leaks.py), the solution scores full marks, the release zero
and each wrong variant loses exactly its points (tests/assignments/test_assignments.py), mutants die and the
corpus keeps full marks (tests/assignments/test_mutation.py), every judge survives fuzzing
(tests/grader/test_judges_fuzz.py). docs/adding_an_assignment.md says what to write.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import nbformat
import pytest
import yaml

from autograder import checks as checks_api
from autograder import registry
from autograder.sandbox import Limits
from autograder.spec import AssignmentNotebook
from cnn_course import data, setup_cell
from cnn_course.plots import figure_files, inline
from tests.assignments.test_assignments import SANDBOXED_CORPUS
from tests.assignments.variants import corpus, variants
from tests.conftest import ASSIGNMENTS, REPO


@pytest.fixture(params=ASSIGNMENTS)
def spec(request) -> registry.AssignmentSpec:
    return registry.spec(REPO, request.param)


def test_every_source_folder_and_every_checks_module_is_a_discovered_assignment():
    folders = sorted(p.name for p in (REPO / registry.SOURCES).iterdir() if p.is_dir())
    modules = [f"{checks_api.__name__}.{m.name}" for m in pkgutil.iter_modules(checks_api.__path__)]
    checked = sorted(module.CHECKS.assignment_id for module in map(importlib.import_module, modules)
                     if hasattr(module, "CHECKS"))
    assert ASSIGNMENTS and ASSIGNMENTS == folders == checked


def test_the_notebook_has_answers_and_graded_tests_and_a_current_release(spec):
    notebook = AssignmentNotebook.of(spec)  # raises where the release lacks a cell of the source
    assert spec.answer_ids and spec.tests
    assert all(points > 0 for points in spec.tests.values()), spec.tests
    assert [t.grade_id for t in notebook.tests] == list(spec.grade_ids)


def test_the_checks_cover_every_graded_cell(spec):
    checks = checks_api.load(spec.assignment_id, spec.checks_module)
    assert checks.assignment_id == spec.assignment_id
    checks.validate(spec.grade_ids)  # an observer, a judge and a schema for each test cell, and no other


def test_each_hidden_test_runs_its_own_check(spec):
    """Plain nbgrader runs the hidden block of each test cell: it must name this assignment and this cell."""
    cells = {registry.nbgrader_metadata(cell).get("grade_id"): cell.source
             for cell in nbformat.read(spec.source, as_version=4).cells}
    for grade_id in spec.grade_ids:
        hidden = f'run_in_kernel("{spec.assignment_id}", "{grade_id}", globals())'
        assert re.search(rf"### BEGIN HIDDEN TESTS\n(.*\n)*{re.escape(hidden)}\n(.*\n)*### END HIDDEN TESTS",
                         cells[grade_id] + "\n"), f"{grade_id}: no hidden block calling {hidden}"


def test_the_data_is_declared_once_in_the_setup_cell_and_found_offline(spec, monkeypatch):
    assert setup_cell.stale(spec.source) is None
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    data.require(*spec.data)  # what the student's setup cell checks and the grader's sandbox mounts
    for name in spec.data:
        assert name in data.manifest() or any(entry.startswith(f"{name}/") for entry in data.manifest()), name


def test_the_grading_parameters_are_parameters_of_the_notebook(spec):
    checks = checks_api.load(spec.assignment_id, spec.checks_module)
    grading = checks.grading_parameters
    assert grading and set(grading) <= set(spec.parameters), set(grading) - set(spec.parameters)
    for name, value in grading.items():
        default = spec.parameters[name]
        assert default is None or type(value) is type(default), f"{name}: {value!r} for a default of {default!r}"
    assert any(grading[name] != spec.parameters[name] for name in grading), "grading would run the full notebook"
    assert checks.wall_factor >= 1 and 0 < checks.min_wall_seconds < Limits.wall_seconds


def test_the_tests_have_wrong_variants_and_correct_answers_in_other_styles(spec):
    wrong, correct = variants(spec.assignment_id), corpus(spec.assignment_id)
    assert any(v.fails for v in wrong.values()) and all(set(v.fails) <= set(spec.grade_ids) for v in wrong.values())
    assert all(set(v.edits) <= set(spec.answer_ids) for v in wrong.values())
    assert len(correct) >= 10 and all(set(answers) <= set(spec.answer_ids) for answers in correct.values())
    for name in SANDBOXED_CORPUS:  # graded in the sandbox too: every answer cell rewritten at once
        assert set(correct[name]) == set(spec.answer_ids), name


def test_the_release_is_a_page_of_the_book(spec):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = {chapter["file"] for part in toc["parts"] for chapter in part["chapters"]}
    page = spec.release.relative_to(REPO).with_suffix("").as_posix()
    assert page in pages, f"add `- file: {page}` to the part 'Graded assignments' of _toc.yml"


def test_each_image_the_notebook_shows_is_released_beside_it_and_readable_on_a_phone(spec):
    """The website shows the release without running it: its figures are files beside it (the release draws
    them, cnn_course.plots.figure_files), each one's text at least MIN_TEXT_PX high on a phone's screen."""
    for name in figure_files.linked_images(spec.source):
        path = spec.release.parent / name
        assert path.is_file(), f"{spec.notebook} shows {name}, which is not in its release: run `make release`"
        text = inline.smallest_text(path.read_bytes())
        if text is not None:  # an SVG is shown as wide as it is drawn (96 px an inch, 72 units), at most the phone's column
            shown = min(inline.PHONE_ARTICLE_PX, text.width * 96 / 72)
            assert text.shown_px(shown) >= inline.MIN_TEXT_PX, f"{name}: {text.label!r} is {text.shown_px(shown):.1f} px high"


def test_the_release_draws_the_figures_it_links_to_and_nothing_else(tmp_path):
    notebook = tmp_path / "Notebook.ipynb"
    markdown = "![a block](identity_block.svg) ![elsewhere](https://example.org/a.svg) ![a photo](photo.png)"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": [markdown]},
                                              {"cell_type": "code", "source": ["# ![not shown](resnet50.svg)"]}]}))
    assert figure_files.linked_images(notebook) == ["identity_block.svg", "photo.png"]
    assert figure_files.draw_linked_figures(notebook) == [tmp_path / "identity_block.svg"]
    assert inline.smallest_text((tmp_path / "identity_block.svg").read_bytes()).label == "BatchNorm"
