"""Class-scale grading benchmark: a generated class per assignment graded by our grader on this machine.

    python benchmarks/class_scale.py --students 100 [--assignments residual_networks ...]
                                     [--workers 2] [--plain 4] [--compare-cold 8]

Each class is a realistic mix, every notebook distinct as real students' are: correct answers
(the solution and the correct-answer corpus, each with its own comments), wrong answers (the
hand-written wrong variants), untouched releases, broken notebooks (a syntax error, a name
error), and hostile ones (an endless loop, a memory bomb, a flood of output). Reports total wall
time, per-submission p50/p95 seconds, peak memory per submission, the measured floor (a warm
process with TensorFlow imported running only the observers on the solution), and plain
`nbgrader autograde` on a few of the same submissions, and the first few students graded again
cold (a fresh Python per run, as before warm sandboxes) with their scores compared. Writes
each assignment's result, with its provenance, into benchmarks/results/class_scale.json (keeping the
others') and class_scale.png.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402
from autograder.course import Course, GraderConfig  # noqa: E402
from benchmarks.provenance import provenance, recorded_assignments  # noqa: E402
from tests.assignments.variants import apply, corpus, variants, with_answers  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
SEED = 20261127  # the observers' seed, the same for the warm and the cold run (verdicts never depend on it)
MIX = {"correct": 0.55, "wrong": 0.25, "unanswered": 0.07, "broken": 0.08, "hostile": 0.05}
HOSTILE = {
    "endless_loop": "while True:\n    pass\n",
    "memory_bomb": "blocks = []\nwhile True:\n    blocks.append(bytearray(256 * 2**20))\n",
    "output_flood": "for _ in range(200):\n    print('x' * 100_000)\n",
}
BROKEN = {"syntax_error": "def oops(:\n    pass\n", "name_error": "undefined_helper()\n"}


def _answer_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c.cell_type == "code"}


def generate_class(assignment, release_path: Path, students: int, seed: int = 0) -> dict[str, tuple[str, nbformat.NotebookNode]]:
    """Student name -> (kind, notebook): the mix of MIX, each notebook made distinct."""
    rng = random.Random(seed)
    source = nbformat.read(assignment.source_path, as_version=4)
    release = nbformat.read(release_path, as_version=4)
    wrong = list(variants(assignment.assignment_id).values())
    correct = list(corpus(assignment.assignment_id).values())
    kinds = [kind for kind, share in MIX.items() for _ in range(round(share * students))]
    kinds = (kinds + ["correct"] * students)[:students]
    rng.shuffle(kinds)
    answer_ids = assignment.notebook.answer_ids
    made = {}
    for index, kind in enumerate(kinds):
        if kind == "correct":
            notebook = with_answers(source, correct[index % len(correct)]) if index % 2 else copy.deepcopy(source)
        elif kind == "wrong":
            notebook = apply(source, wrong[index % len(wrong)])
        elif kind == "unanswered":
            notebook = copy.deepcopy(release)
        else:
            notebook = copy.deepcopy(source)
            table = BROKEN if kind == "broken" else HOSTILE
            name = list(table)[index % len(table)]
            cell = _answer_cells(notebook)[answer_ids[index % len(answer_ids)]]
            cell.source = table[name] + cell.source
            kind = f"{kind}:{name}"
        first = _answer_cells(notebook)[answer_ids[0]]
        first.source = f"# student {index:03d}: {rng.getrandbits(64):x}\n" + first.source
        made[f"student{index:03d}"] = (kind, notebook)
    return made


def floor_seconds(assignment_id: str) -> float | None:
    """Observers alone on the solution in a warm process (TensorFlow imported), if the engine exists."""
    try:
        mutation = importlib.import_module("devtools.mutation")
    except ModuleNotFoundError:
        return None
    measure = getattr(mutation, "observer_seconds", None)
    return round(measure(assignment_id), 2) if measure else None


def grade_class(assignment_id: str, students: int, workers: int, root: Path, warm: bool = True,
                only: int | None = None) -> dict:
    """Grade the generated class (its first ``only`` students, if given) in a fresh grading folder."""
    folder_name = assignment_id + ("" if warm else "-cold")
    course = Course(GraderConfig(repo=REPO, course_dir=root / folder_name, workers=workers, warm=warm, seed=SEED))
    assignment = course.assignment(assignment_id)
    release = registry.spec(REPO, assignment_id).release
    kinds = {}
    for student, (kind, notebook) in list(generate_class(assignment, release, students).items())[:only]:
        folder = course.root / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment.notebook_name}.ipynb")
        kinds[student] = kind
    started = time.monotonic()
    course.references(assignment)
    references_seconds = time.monotonic() - started
    results = course.autograde(assignment_id)
    total = time.monotonic() - started
    seconds = sorted(r.seconds for r in results)
    by_kind: dict[str, list[float]] = {}
    for result in results:
        by_kind.setdefault(kinds[result.student].split(":")[0], []).append(result.seconds)
    return {
        "students": len(kinds),
        "total_seconds": round(total, 1),
        "references_seconds": round(references_seconds, 1),
        "p50_seconds": round(statistics.median(seconds), 1),
        "p95_seconds": round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))], 1),
        "peak_memory_mb": round(max(r.peak_memory_mb for r in results), 0),
        "seconds_by_kind": {k: round(statistics.mean(v), 1) for k, v in sorted(by_kind.items())},
        "grader_faults": sum(bool(r.grader_errors) for r in results),
        "scores": {r.student: r.score for r in results},
        "kinds": kinds,
    }


def plain_nbgrader(assignment_id: str, copies: int, root: Path) -> dict:
    from autograder.references import plain_folder
    from benchmarks.grading_throughput import plain_nbgrader as run

    return run(assignment_id, copies, root, plain_folder(root / assignment_id))


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["assignments"])
    first = report["assignments"][names[0]]
    fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=150)
    for row, name in enumerate(names):
        kinds = report["assignments"][name]["seconds_by_kind"]
        for column, (kind, seconds) in enumerate(kinds.items()):
            ax.barh(row + column * 0.15 - 0.3, seconds, height=0.14, label=kind if row == 0 else None,
                    color=f"C{column}")
        graded = report["assignments"][name]
        marks = [(graded.get("floor_seconds"), "k", "|", "floor: observers alone, warm"),
                 (graded["p50_seconds"], "C9", "o", "median, warm sandboxes"),
                 (graded.get("cold", {}).get("p50_seconds"), "0.5", "s", "median, cold (before)")]
        for seconds, color, marker, label in marks:
            if seconds:
                ax.plot([seconds], [row + 0.45], marker=marker, color=color, markersize=9, linestyle="none",
                        label=label if row == 0 else None)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("seconds per submission (mean, one worker)")
    minutes = report["total_seconds"] / 60
    ax.set_title(f"Grading {sum(a['students'] for a in report['assignments'].values())} submissions: "
                 f"{minutes:.1f} min with {first['workers']} workers on {first['machine']['cpus']} cores")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    ids = registry.assignment_ids(REPO)
    parser.add_argument("--assignments", nargs="+", choices=ids, default=ids, help="default: every assignment")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--plain", type=int, default=4, help="submissions for plain nbgrader (0: skip)")
    parser.add_argument("--compare-cold", type=int, default=8, metavar="N",
                        help="also grade the first N students cold (a fresh Python each) and compare scores (0: skip)")
    args = parser.parse_args()
    fresh = {}
    with tempfile.TemporaryDirectory(prefix="class-scale-") as tmp:
        for assignment_id in args.assignments:
            graded = grade_class(assignment_id, args.students, args.workers, Path(tmp))
            if args.compare_cold:
                cold = grade_class(assignment_id, args.students, args.workers, Path(tmp), warm=False,
                                   only=args.compare_cold)
                graded["cold"] = {key: cold[key] for key in ("students", "total_seconds", "p50_seconds", "p95_seconds")}
                graded["cold"]["same_scores"] = all(graded["scores"][s] == score for s, score in cold["scores"].items())
            graded["floor_seconds"] = floor_seconds(assignment_id)
            if args.plain:
                graded["plain_nbgrader"] = plain_nbgrader(assignment_id, args.plain, Path(tmp))
            fresh[assignment_id] = {**provenance(), "workers": args.workers, **graded}
    path = RESULTS / "class_scale.json"
    assignments = {**recorded_assignments(path), **fresh}
    report = {"assignments": assignments, "total_seconds": round(sum(a["total_seconds"] for a in assignments.values()), 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    plot(report, RESULTS / "class_scale.png")
    summary = {name: {k: v for k, v in a.items() if k not in ("scores", "kinds")} for name, a in report["assignments"].items()}
    print(json.dumps({"total_seconds": report["total_seconds"], **summary}, indent=2))


if __name__ == "__main__":
    main()
