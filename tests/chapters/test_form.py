"""Every chapter reads like a textbook chapter, cites what it claims, and says what its numbers show.

Fast: these tests read the notebooks' JSON, the bibliography and the saved results; no TensorFlow.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cnn_course import published, results
from tests.conftest import REPO

BOOK = REPO / "book"
# The chapters that have had their form pass (issue 22); the other chapters join this list with theirs.
CHAPTERS = [BOOK / name for name in ("01_why_case_studies.ipynb", "02_keras_functional_api.ipynb",
                                     "03_classic_networks.ipynb", "04_resnets.ipynb",
                                     "05_one_by_one_convolutions.ipynb")]
CLOSING = ("Summary", "Exercises", "How these numbers are checked")
ANSWERS = re.compile(r"^:::\{dropdown\} Answer\b|^```\{admonition\}.*\n:class: dropdown", re.M)
CITATION = re.compile(r"\{cite(?::[pt])?\}`([^`]+)`")
NUMBERED = re.compile(r"^\d+\. ", re.M)


def cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def markdown(path: Path) -> list[str]:
    return [cell.source for cell in cells(path) if cell.cell_type == "markdown"]


def sections(path: Path) -> list[str]:
    """The chapter's level-2 headings, in order."""
    return [line[3:].strip() for source in markdown(path) for line in source.splitlines() if line.startswith("## ")]


def section_text(path: Path, heading: str) -> str:
    """The Markdown from ``## heading`` to the next level-2 heading."""
    text = "\n".join(markdown(path))
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def prose(path: Path) -> str:
    text = " ".join(markdown(path)) if path.suffix == ".ipynb" else path.read_text()
    return " ".join(text.split())


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_every_chapter_ends_with_a_summary_then_exercises(path):
    headings = sections(path)
    assert "Summary" in headings and "Exercises" in headings, headings
    tail = headings[headings.index("Summary"):]
    assert tail == [heading for heading in CLOSING if heading in tail] and tail[1] == "Exercises", tail


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_every_exercise_has_a_folded_answer(path):
    exercises = section_text(path, "Exercises")
    folded = ANSWERS.search(exercises)
    assert folded, "the answers follow the exercises, folded (:::{dropdown} Answer)"
    questions, answers = exercises[:folded.start()], exercises[folded.start():]
    assert len(NUMBERED.findall(questions)) == len(NUMBERED.findall(answers)) > 0  # one answer per question


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_checked_numbers_are_listed_once_at_the_end_not_in_the_reading_flow(path):
    code = [cell for cell in cells(path) if cell.cell_type == "code"]
    checking = [cell for cell in code if re.search(r"lecture\.checks?\(|\bcheck\(", cell.source)]
    if not checking:  # chapter 2: it states Keras's own counts, asserted where they are printed
        assert "How these numbers are checked" not in sections(path)
        return
    assert all("remove-cell" in cell.metadata.get("tags", []) for cell in checking), "a check table interrupts the text"
    assert sections(path)[-1] == "How these numbers are checked"
    closing = code[-1]
    assert "lecture.checked_so_far()" in closing.source
    assert {"remove-input", "hide-output"} <= set(closing.metadata.get("tags", []))  # folded on the website


def bibliography() -> dict[str, str]:
    """Each entry of book/references.bib, by key, with its text."""
    text = (BOOK / "references.bib").read_text()
    return {match[1]: match[2] for match in re.finditer(r"^@\w+\{([^,]+),(.*?)^\}", text, re.M | re.S)}


def test_every_citation_resolves():
    keys = set(bibliography())
    pages = sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md"))
    cited = {path.name: {key.strip() for keys in CITATION.findall(prose(path)) for key in keys.split(",")} for path in pages}
    assert not {name: found - keys for name, found in cited.items() if found - keys}
    assert all(cited[path.name] for path in CHAPTERS if path.stem != "02_keras_functional_api")  # chapters cite papers
    assert "{bibliography}" in (BOOK / "references.md").read_text()


def test_every_reference_links_to_the_paper():
    entries = bibliography()
    assert len(entries) >= 15
    unlinked = [key for key, text in entries.items() if not re.search(r"^\s*(doi|url)\s*=", text, re.M)]
    assert not unlinked


# Guards of the factual fixes (issue 22).

def test_the_challenge_heading_counts_the_editions_charted():
    words = {"Eight": 8, "Nine": 9, "Ten": 10}
    heading = next(h for h in sections(CHAPTERS[0]) if "ImageNet challenge" in h)
    assert words[heading.split()[0]] == len(published.ILSVRC_WINNERS) == 2017 - 2010 + 1


def test_every_reimplemented_accuracy_has_the_papers_own_number_and_says_how_it_differs():
    reimplemented = {name for name, entry in published.IMAGENET_TOP1.items() if entry.kind == published.REIMPLEMENTATION}
    assert reimplemented == set(published.PAPERS_OWN)
    assert published.PAPERS_OWN["GoogLeNet"].metric == "top-5"  # the paper gives no top-1
    assert "not the paper's" in published.IMAGENET_TOP1["GoogLeNet"].differs
    assert all("v1.5" in published.IMAGENET_TOP1[name].differs for name in ("ResNet-50", "ResNet-152"))
    text = prose(CHAPTERS[0])
    assert "10.07%" in text and "61.1 million" in text and "4.09 billion" in text
    differing = [name for name, entry in published.IMAGENET_TOP1.items() if entry.differs]
    assert len(differing) == 4 and "four rings sit at a cost that is not quite their network's" in text


def test_chapter_4_repeats_as_many_runs_live_as_it_says():
    numbers = {"one": 1, "two": 2, "three": 3}
    said = re.search(r"repeats (\w+) of them live", prose(CHAPTERS[3]))
    live = next(cell.source for cell in cells(CHAPTERS[3]) if "depth.run(" in cell.source)
    assert said and numbers[said[1]] == len(re.findall(r'\("(?:plain|residual)", \d+\)', live))


def test_chapter_4_quotes_the_depth_experiment_as_saved():
    record = results.load("depth")
    runs = record["results"]
    spread = {d: results.mean_and_spread([r["training_error"][-1] for r in runs if r["kind"] == "plain" and r["depth"] == d])
              for d in (8, 20)}
    text = prose(CHAPTERS[3])
    for mean, sd in spread.values():
        assert f"{100 * mean:.1f}% ± {100 * sd:.1f}%" in text
    steps = record["settings"]["epochs"] * -(-1080 // record["settings"]["batch_size"])
    assert f"{steps} steps" in text and "figure 6 in miniature" not in text


def test_no_chapter_validates_on_the_test_set():
    fits = [f"{path.name}: {cell.get('id')}" for path in sorted(BOOK.glob("*.ipynb")) for cell in cells(path)
            if cell.cell_type == "code" and re.search(r"validation_data=\(\s*x_test", cell.source)]
    assert not fits


def test_the_bias_is_credited_to_the_keras_port_not_the_original_resnet():
    pages = [CHAPTERS[3], REPO / "solutions" / "residual_networks" / "Residual_Networks.ipynb"]
    for path in pages:
        text = prose(path)
        assert "original ResNet-50 code" not in text and "no bias in its blocks' convolutions" in text, path.name


def test_assignment_1_and_chapter_4_give_one_account_of_what_shortcuts_solve():
    assignment = prose(REPO / "solutions" / "residual_networks" / "Residual_Networks.ipynb")
    assert "degradation" in assignment and "section 4.1" in assignment
    assert "degradation problem" in prose(CHAPTERS[3])


def test_the_bibliography_is_built():
    config = (REPO / "_config.yml").read_text()
    assert "sphinxcontrib.bibtex" in config and "book/references.bib" in config
    assert "book/references" in (REPO / "_toc.yml").read_text()
