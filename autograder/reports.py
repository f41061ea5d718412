"""What the grader hands back: per-student feedback, a class report (tables: :mod:`autograder.exports`) and a
similarity report."""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2

from autograder import untrusted
from autograder.lateness import SECRET_FILE, TIMESTAMP_FILE
from autograder.results import SubmissionResult
from autograder.similarity import MAX_SHOWN_LINES, ClassSimilarity, side_by_side

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder", "templates"),
    autoescape=True,  # messages may quote student output: never trust them as HTML
)


def feedback_html(result: SubmissionResult, name: str | None = None) -> str:
    """The student's feedback page, greeting them by ``name`` (their id if the name is unknown)."""
    return _templates.get_template("feedback.html.j2").render(result=result, name=name or result.student)


def write_feedback(results: list[SubmissionResult], course_dir: Path, notebook_name: str,
                   names: dict[str, str] | None = None) -> list[Path]:
    """One page per result, ``feedback/<student>/<assignment>/<notebook>.html`` as nbgrader lays it out;
    ``names`` is id -> display name (:func:`autograder.students.display_names`)."""
    names = names or {}
    paths = []
    for result in results:
        path = course_dir / "feedback" / result.student / result.assignment_id / f"{notebook_name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_html(result, names.get(result.student)), encoding="utf-8")
        _beside_page(course_dir / "submitted" / result.student / result.assignment_id, path.parent)
        paths.append(path)
    return paths


def _beside_page(submitted: Path, folder: Path) -> None:
    """The submission's ``timestamp.txt`` and ``submission_secret.txt`` beside its page, where nbgrader's
    exchange brought it: nbgrader's ``release_feedback`` publishes the page under a hash of the secret,
    by which the student's ``fetch_feedback`` finds it. Without a secret, neither (and none left over)."""
    copies = {}
    for name in (TIMESTAMP_FILE, SECRET_FILE):
        try:
            copies[name] = untrusted.read_bytes(submitted / name, 1024)
        except untrusted.UntrustedDataError:
            break
    for name in (TIMESTAMP_FILE, SECRET_FILE):
        if len(copies) == 2:
            (folder / name).write_bytes(copies[name])
        else:
            (folder / name).unlink(missing_ok=True)


@dataclass
class TestSummary:
    grade_id: str
    points: float
    failure_rate: float


def test_summaries(results: list[SubmissionResult]) -> list[TestSummary]:
    rows = {}
    for result in results:
        for test in result.tests:
            rows.setdefault(test.grade_id, [test.max_points, 0, 0])
            rows[test.grade_id][1] += not test.passed
            rows[test.grade_id][2] += 1
    return [TestSummary(gid, pts, failed / max(total, 1)) for gid, (pts, failed, total) in rows.items()]


def limits_enforced(results: list[SubmissionResult]) -> list[tuple[str, str]]:
    """(limit, what enforced it) over the class; where machines differed, each way with its count."""
    ways: dict[str, Counter] = {}
    for result in results:
        for limit, way in result.limits_enforced.items():
            ways.setdefault(limit, Counter())[way] += 1
    return [(limit, "; ".join(way if len(counts) == 1 else f"{way} ({n})" for way, n in counts.items()))
            for limit, counts in ways.items()]


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def report_figures(results: list[SubmissionResult], tests: list[TestSummary]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    max_score = max((r.max_score for r in results), default=1) or 1
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist([r.score for r in results], bins=min(20, int(max_score) + 1), range=(0, max_score), color="#3f6fb5")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    figures = [("Score distribution", _png(fig))]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(tests) + 1))
    ax.barh([t.grade_id for t in tests], [100 * t.failure_rate for t in tests], color="#c62828")
    ax.set_xlabel("students failing (%)")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    figures.append(("Failure rate per test", _png(fig)))
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist([r.seconds for r in results], bins=20, color="#6a994e")
    ax.set_xlabel("grading time per submission (s)")
    ax.set_ylabel("submissions")
    figures.append(("Grading times", _png(fig)))
    return figures


def write_report(results: list[SubmissionResult], assignment_id: str, path: Path,
                 names: dict[str, str] | None = None) -> Path:
    """The class report; ``names`` (id -> display name) puts each student's name beside the id."""
    tests = test_summaries(results)
    html = _templates.get_template("report.html.j2").render(
        assignment_id=assignment_id,
        results=sorted(results, key=lambda r: r.student),
        names=names or {},
        mean=statistics.fmean([r.score for r in results]) if results else 0.0,
        max_score=max((r.max_score for r in results), default=0),
        full_marks=sum(r.score == r.max_score for r in results),
        median_seconds=statistics.median([r.seconds for r in results]) if results else 0.0,
        figures=report_figures(results, tests) if results else [],
        tests=tests,
        limits=limits_enforced(results),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def write_similarity_report(result: ClassSimilarity, path: Path, top: int, names: dict[str, str] | None = None) -> Path:
    """The ``top`` most similar pairs and every flagged one, each cell side by side (:mod:`autograder.similarity`)."""
    pairs = [pair for rank, pair in enumerate(result.pairs) if rank < top or pair.flagged]
    views = {(pair.first, pair.second, cell.grade_id): side_by_side(result.answers[pair.first][cell.grade_id],
                                                                    result.answers[pair.second][cell.grade_id])
             for pair in pairs for cell in pair.cells}
    html = _templates.get_template("similarity.html.j2").render(result=result, pairs=pairs, views=views,
                                                                 names=names or {}, max_lines=MAX_SHOWN_LINES)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
