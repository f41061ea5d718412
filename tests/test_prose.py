"""What the course's prose tells readers and students stays consistent (fast: reads notebooks, no TensorFlow)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

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
