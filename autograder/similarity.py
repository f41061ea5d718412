"""Similarity of answer cells across a class: which pairs of students wrote suspiciously alike code.

The steps, each a function of its own:

1. **Read** each submission with the grader's own reader (:func:`autograder.notebooks.read_submission`,
   no link followed, sizes bounded) and take its answer cells by ``grade_id``.
2. **Normalize** each cell (:mod:`autograder.normalize`): names, formatting, comments, docstrings and
   the order of independent statements no longer show.
3. **Fingerprint** each normalized cell: its overlapping runs of :data:`K` tokens, less those of the
   release's scaffold of that cell. A fingerprint weighs by its rarity in the class, ``log(n / m)`` for
   ``m`` of the ``n`` students who answered the cell, so what every correct answer shares weighs little.
4. **Compare** every pair: the weighted share of the fingerprints two students have in common, per cell
   and over all cells; **flag** a pair whose similarity stands out from the class's distribution.

A flag is a reason for an instructor to look, never proof: correct answers to a constrained task look alike.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from autograder.normalize import BUILTIN_NAMES, Normalized, kept_names, normalize
from autograder.notebooks import SubmissionError, collect_answers, read_submission
from autograder.spec import AssignmentNotebook

K = 6  # tokens per fingerprint
MAX_SHOWN_LINES = 400  # lines of one cell shown in the report
FLAG_SIMILARITY = 0.6  # a similarity (0 to 1) of a pair, or of a cell of a pair, is flagged from here on...
FLAG_DEVIATIONS = 4.0  # ...when it also lies this many robust deviations (MAD) above the class's median pair...
FLAG_MIN_SHARED = 20  # ...and the two have at least this many fingerprints in common (a one-liner alike is no sign)


@dataclass(frozen=True)
class CellSimilarity:
    grade_id: str
    similarity: float  # weighted share of fingerprints in common: 0 (none) to 1 (all)
    shared: int  # fingerprints in common
    flagged: bool


@dataclass(frozen=True)
class PairSimilarity:
    first: str
    second: str
    similarity: float  # over every cell either answered
    shared: int  # fingerprints in common, over every cell
    cells: tuple[CellSimilarity, ...]  # the cells both answered
    flagged: bool  # the pair or one of its cells stands out from the class


@dataclass
class ClassSimilarity:
    """Every pair of a class ranked, most similar first, and what could not be compared."""

    assignment_id: str
    answer_ids: list[str]
    answers: dict[str, dict[str, Normalized]]  # student -> grade_id -> answer (answered cells only)
    pairs: list[PairSimilarity]
    not_compared: dict[str, str] = field(default_factory=dict)  # student -> why

    @property
    def flagged(self) -> list[PairSimilarity]:
        return [pair for pair in self.pairs if pair.flagged]


# --- 1. read ------------------------------------------------------------------------------------


def class_similarity(assignment_id: str, notebook: AssignmentNotebook, notebooks: dict[str, Path | None]) -> ClassSimilarity:
    """Compare the answer cells of the submitted ``notebooks`` (student -> path, ``None``: none submitted)."""
    release_code = [_source(cell) for cell in notebook.release.cells if cell.get("cell_type") == "code"]
    sources, unreadable = read_answers(notebooks, notebook.answer_ids)
    scaffold = collect_answers(notebook.release, notebook.answer_ids)[0]
    return compare_class(assignment_id, notebook.answer_ids, sources, scaffold, kept_names(release_code), unreadable)


def read_answers(notebooks: dict[str, Path | None], answer_ids: list[str]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Each student's answer cells (grade_id -> code) and why a notebook could not be read."""
    answers, unreadable = {}, {}
    for student, path in notebooks.items():
        if path is None:
            unreadable[student] = "no notebook was submitted"
            continue
        try:
            answers[student] = collect_answers(read_submission(path), answer_ids)[0]
        except SubmissionError as error:
            unreadable[student] = str(error)
    return answers, unreadable


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


# --- 3. fingerprint, 4. compare (2., normalize: autograder.normalize) ---------------------------


def fingerprints(tokens: tuple[str, ...], k: int = K) -> frozenset[int]:
    """The hashes of the runs of ``k`` consecutive tokens (a shorter cell: its tokens as one run); as
    integers, which a set compares faster than tuples (within one process, as hashes are salted)."""
    if len(tokens) <= k:
        return frozenset([hash(tokens)]) if tokens else frozenset()
    return frozenset(hash(tokens[i:i + k]) for i in range(len(tokens) - k + 1))


def compare_class(assignment_id: str, answer_ids: list[str], sources: dict[str, dict[str, str]],
                  scaffold: dict[str, str], kept: frozenset[str] = BUILTIN_NAMES,
                  not_compared: dict[str, str] | None = None) -> ClassSimilarity:
    """Every pair of students in ``sources`` (student -> grade_id -> code) compared per answer cell and
    over all cells, most similar first; ``scaffold`` is the release's code of each answer cell, whose
    fingerprints count for nothing (a cell with nothing else is unanswered)."""
    answers: dict[str, dict[str, Normalized]] = {}
    prints: dict[str, dict[str, frozenset]] = {}
    normalized: dict[str, Normalized] = {}  # source -> its normal form (many cells are the release's, untouched)
    for grade_id in answer_ids:
        given = fingerprints(normalize(scaffold.get(grade_id, ""), kept).tokens)
        for student, cells in sources.items():
            source = cells.get(grade_id, "")
            answer = normalized[source] = normalized.get(source) or normalize(source, kept)
            own = fingerprints(answer.tokens) - given
            if own:
                answers.setdefault(student, {})[grade_id] = answer
                prints.setdefault(student, {})[grade_id] = own
    weights = {grade_id: _rarity([cells[grade_id] for cells in prints.values() if grade_id in cells])
               for grade_id in answer_ids}
    masses = {student: {grade_id: sum(map(weights[grade_id].__getitem__, own)) for grade_id, own in cells.items()}
              for student, cells in prints.items()}
    pairs = [_pair(first, second, prints, weights, masses) for first, second in combinations(sorted(prints), 2)]
    pairs = _flag(pairs, answer_ids)
    pairs.sort(key=lambda pair: (not pair.flagged, -pair.similarity, pair.first, pair.second))
    missing = {student: "no answer cell holds more than the release's code" for student in sources
               if student not in prints}
    return ClassSimilarity(assignment_id, list(answer_ids), answers, pairs, {**(not_compared or {}), **missing})


def _rarity(cells: list[frozenset]) -> dict[int, float]:
    """Each fingerprint's weight, ``log(n / m)`` for ``m`` of ``n`` answers holding it."""
    counts = Counter(f for cell in cells for f in cell)
    return {f: math.log(len(cells) / m) for f, m in counts.items()}


def _pair(first: str, second: str, prints: dict, weights: dict, masses: dict) -> PairSimilarity:
    """The weighted share of fingerprints in common: per cell both answered, and over every cell
    (``masses``: each student's total weight per cell, so the union is never built)."""
    shared_weight = union_weight = 0.0
    cells = []
    for grade_id, weight in weights.items():
        a, b = prints[first].get(grade_id, frozenset()), prints[second].get(grade_id, frozenset())
        common = a & b
        shared = sum(map(weight.__getitem__, common))
        union = masses[first].get(grade_id, 0.0) + masses[second].get(grade_id, 0.0) - shared
        shared_weight, union_weight = shared_weight + shared, union_weight + union
        if a and b:
            cells.append(CellSimilarity(grade_id, shared / union if union > 0 else 0.0, len(common), False))
    return PairSimilarity(first, second, shared_weight / union_weight if union_weight > 0 else 0.0,
                          sum(c.shared for c in cells), tuple(cells), False)


def _flag(pairs: list[PairSimilarity], answer_ids: list[str]) -> list[PairSimilarity]:
    """Flag the similarities, overall and per cell, that stand out of the class (:data:`FLAG_SIMILARITY`,
    :data:`FLAG_DEVIATIONS`, :data:`FLAG_MIN_SHARED`)."""
    overall = _outlier_bar([pair.similarity for pair in pairs])
    per_cell = {grade_id: _outlier_bar([c.similarity for pair in pairs for c in pair.cells if c.grade_id == grade_id])
                for grade_id in answer_ids}
    flagged = []
    for pair in pairs:
        cells = tuple(CellSimilarity(c.grade_id, c.similarity, c.shared,
                                     c.similarity >= per_cell[c.grade_id] and c.shared >= FLAG_MIN_SHARED)
                      for c in pair.cells)
        stands_out = pair.similarity >= overall and pair.shared >= FLAG_MIN_SHARED
        flagged.append(PairSimilarity(pair.first, pair.second, pair.similarity, pair.shared, cells,
                                      stands_out or any(c.flagged for c in cells)))
    return flagged


def _outlier_bar(similarities: list[float]) -> float:
    """The similarity from which a pair stands out of ``similarities``."""
    if not similarities:
        return math.inf
    median = statistics.median(similarities)
    spread = 1.4826 * statistics.median(abs(s - median) for s in similarities)
    return max(FLAG_SIMILARITY, median + FLAG_DEVIATIONS * spread)


# --- the side-by-side view ----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    same: bool  # its normalized statement is also in the other student's cell


def side_by_side(first: Normalized, second: Normalized) -> tuple[list[Line], list[Line], bool]:
    """The two cells' lines, each marked where its normalized statement is in the other cell too, and
    whether either was cut to :data:`MAX_SHOWN_LINES`."""
    def lines(answer: Normalized, other: frozenset[str]) -> list[Line]:
        return [Line(number, text, answer.statements.get(number) in other)
                for number, text in enumerate(answer.source.splitlines()[:MAX_SHOWN_LINES], start=1)]

    cut = max(len(first.source.splitlines()), len(second.source.splitlines())) > MAX_SHOWN_LINES
    return lines(first, second.normal_statements), lines(second, first.normal_statements), cut
