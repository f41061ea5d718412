"""What the course's prose tells readers and students stays consistent (fast: reads notebooks, no TensorFlow)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO


def markdown_cells(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def test_residual_networks_release_says_to_keep_the_bias_that_chapter_4_leaves_out():
    # Chapter 4 teaches convolutions without bias before batch norm; the assignment's tests need the
    # default bias (23,600,006 parameters), so a student who follows chapter 4 must be told before the blocks.
    release = REPO / "assignments" / "residual_networks" / "Residual_Networks.ipynb"
    cells = nbformat.read(release, as_version=4).cells
    first_block = next(i for i, cell in enumerate(cells) if "def identity_block" in cell.source)
    notes = [cell.source for cell in cells[:first_block] if cell.cell_type == "markdown"
             and re.search(r"chapter 4", cell.source, re.I) and "use_bias=False" in cell.source]
    assert notes, "the release must warn, before the identity block, that chapter 4's use_bias=False fails its tests"
    assert "use_bias=True" in notes[0] and "23,600,006" in notes[0]


PROSE = sorted((REPO / "book").glob("*.ipynb")) + sorted((REPO / "book").glob("*.md")) + sorted(
    (REPO / "solutions").glob("*/*.ipynb"))


def prose_text(path: Path) -> str:
    text = " ".join(markdown_cells(path)) if path.suffix == ".ipynb" else path.read_text()
    return " ".join(text.split())  # one line: a number may wrap onto the next


def test_normalization_is_spelled_one_way():
    british = re.compile(r"\bnormalis(e|es|ed|ing|ation|ations)\b", re.I)
    found = {path.relative_to(REPO).as_posix(): british.findall(prose_text(path)) for path in PROSE}
    assert not {path: words for path, words in found.items() if words}, "use the American spelling, normalization"


def test_imagenet_has_one_size():
    # ImageNet's training set (ILSVRC 2012) has about 1.28 million images; every page gives that number.
    sizes = {path.relative_to(REPO).as_posix(): re.findall(r"\b(\d(?:\.\d+)?) million (?:\w+ ){0,2}(?:images|photos)\b",
                                                         prose_text(path)) for path in PROSE}
    stated = {size for found in sizes.values() for size in found}
    assert stated == {"1.28"}, {path: found for path, found in sizes.items() if found}


CHAPTERS = sorted((REPO / "book").glob("*.ipynb"))
HIDDEN = {"remove-input", "remove-cell", "hide-input"}
BUILD_TALK = re.compile(r"\bCI\b|fast run|inject\w* smaller|builds? this book|nbval|papermill|\bgrader\b", re.I)


def code_cells(path: Path):
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def shown(cell) -> bool:
    return not HIDDEN & set(cell.metadata.get("tags", []))


def test_chapters_hide_the_checks_that_serve_the_build():
    # Asserts and lecture checks stay (they fail the build when a number changes) but readers see only
    # their tables; a cell that only prints a helper's source shows the source, not the call.
    harness = re.compile(r"^\s*(assert\b|np\.testing\.assert|lecture\.check|check\()|inspect\.getsource", re.M)
    visible = {f"{path.name}, cell {cell.get('id')}": harness.findall(cell.source)
               for path in CHAPTERS for cell in code_cells(path) if shown(cell) and harness.search(cell.source)}
    assert not visible


def test_lecture_numbers_show_as_one_table_per_cell():
    # Several numbers in one place go through `with lecture.checks() as check:`, one table, not a line each.
    repeated = [f"{path.name}, cell {cell.get('id')}" for path in CHAPTERS for cell in code_cells(path)
                if cell.source.count("lecture.check(") > 1 or re.search(r"for .*:\n\s+lecture\.check\(", cell.source)]
    assert not repeated


def test_chapter_prose_does_not_talk_about_the_build():
    talk = {path.name: BUILD_TALK.findall(" ".join(markdown_cells(path))) for path in CHAPTERS}
    assert not {name: found for name, found in talk.items() if found}


# Every chapter ends with a Summary, Exercises and its folded checks.
FORMED = CHAPTERS
CLOSING = ["Summary", "Exercises", "How these numbers are checked"]


def sections(path: Path) -> list[tuple[str, list]]:
    """The level-2 sections that open a cell, as the closing ones do: (heading, its cells up to the next)."""
    found: list[tuple[str, list]] = []
    for cell in nbformat.read(path, as_version=4).cells:
        heading = re.match(r"## (.+)", cell.source) if cell.cell_type == "markdown" else None
        if heading:
            found.append((heading.group(1).strip(), []))
        if found:
            found[-1][1].append(cell)
    return found


@pytest.mark.parametrize("path", FORMED, ids=lambda path: path.name[:2])
def test_a_chapter_ends_with_its_summary_exercises_and_checks(path):
    assert [heading for heading, _ in sections(path)][-3:] == CLOSING


@pytest.mark.parametrize("path", FORMED, ids=lambda path: path.name[:2])
def test_every_exercise_has_a_folded_answer(path):
    cells = dict(sections(path))["Exercises"]
    prose = [cell.source for cell in cells if cell.cell_type == "markdown"]
    questions = re.findall(r"^(\d+)\. ", prose[0], re.M)
    answers = [source for source in prose if source.startswith(":::{dropdown} Answer")]
    assert questions and len(answers) == 1, "the questions, then their answers in one dropdown"
    assert re.findall(r"^(\d+)\. ", answers[0], re.M) == questions


@pytest.mark.parametrize("path", FORMED, ids=lambda path: path.name[:2])
def test_checks_and_provenance_show_only_in_the_closing_fold(path):
    shown_calls = re.compile(r"lecture\.check|results\.provenance|checked_so_far")
    *reading, (heading, closing) = sections(path)
    in_text = [cell.get("id") for _, cells in reading for cell in cells
               if cell.cell_type == "code" and shown(cell) and shown_calls.search(cell.source)]
    assert not in_text, "check tables and provenance lines interrupt the text"
    folded = [cell for cell in closing if cell.cell_type == "code" and "checked_so_far" in cell.source]
    assert heading == CLOSING[-1] and len(folded) == 1
    assert {"remove-input", "hide-output"} <= set(folded[0].metadata.get("tags", []))


@pytest.mark.parametrize("path", FORMED, ids=lambda path: path.name[:2])
def test_chapters_cite_papers_not_an_unnamed_lecture(path):
    assert not re.findall(r"[^.]*\bthe lectures?\b[^.]*", prose_text(path), re.I)


BIBLIOGRAPHY = REPO / "book" / "references.bib"


def bib_entries() -> list[tuple[str, str]]:
    return re.findall(r"^@\w+\{([^,\s]+),(.*?)^\}", BIBLIOGRAPHY.read_text(), re.M | re.S)


def test_every_citation_resolves_to_one_linked_entry():
    entries = bib_entries()
    keys = [key for key, _ in entries]
    assert len(keys) == len(set(keys)), "a key defined twice"
    unlinked = [key for key, body in entries if not re.search(r"\bdoi\s*=|doi:10\.|arxiv\.org/abs/", body)]
    assert not unlinked, "every entry gives a DOI or an arXiv link"
    cited = {key.strip() for path in PROSE for keys in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", prose_text(path))
             for key in keys.split(",")}
    assert cited and not cited - set(keys), cited - set(keys)


def test_efficient_networks_states_the_measured_training_of_both_networks():
    """Assignment 3's table of test images right, mean accuracy and seconds per epoch is what the two training
    benchmarks measured (benchmarks/results/train_*.json)."""
    import json
    import statistics

    results = REPO / "benchmarks" / "results"
    runs = {"small MobileNetV2": json.loads((results / "train_efficient_networks.json").read_text())["seeds"]["runs"],
            "ResNet-50": json.loads((results / "train_residual_networks.json").read_text())["runs"]}
    text = "\n".join(markdown_cells(REPO / "solutions" / "efficient_networks" / "Efficient_Networks.ipynb"))
    for network, measured in runs.items():
        assert [run["parameters"]["seed"] for run in measured] == [0, 1, 2]
        right = ", ".join(str(round(run["test_accuracy"] * 120)) for run in measured)
        mean = statistics.mean(run["test_accuracy"] for run in measured)
        epochs = [statistics.mean(epoch["seconds"] for epoch in run["epochs"][1:]) for run in measured]
        row = f"| {network} | {right} | {mean:.3f} | {min(epochs):.1f} to {max(epochs):.1f} |"
        assert row in text, f"assignment 3 should state {row}"
