"""`make bench`: the book's experiments in full, and timings that are worth watching but are not tests.

    python benchmarks/run.py [--skip-book] [--skip-tests] [--skip-plain] [--skip-class] [--skip-mutation]

The book's experiments (benchmarks/book_experiments.py: results in cnn_course/results/, which the
chapters read; commit them), then into benchmarks/results/: per-chapter execution time, book build cold and warm, grading throughput (ours vs plain
nbgrader), a class of 100 generated students per assignment (benchmarks/class_scale.py), the
checks' mutation score (benchmarks/mutation.py) and the full test suite's wall
time, gathered into results/report.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402


def timed(command: list[str], **kwargs) -> tuple[float, int]:
    started = time.monotonic()
    code = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs).returncode
    return round(time.monotonic() - started, 1), code


def chapters() -> dict[str, float]:
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for notebook in sorted((REPO / "book").glob("*.ipynb")):
            seconds, code = timed([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                                   "--output-dir", tmp, str(notebook)])
            times[notebook.name] = seconds if code == 0 else float("nan")
    return times


def book_builds() -> dict[str, float]:
    shutil.rmtree(REPO / "_build", ignore_errors=True)
    cold, _ = timed([str(BIN / "jupyter-book"), "build", "."])
    warm, _ = timed([str(BIN / "jupyter-book"), "build", "."])
    size = sum(p.stat().st_size for p in (REPO / "_build" / "html").rglob("*") if p.is_file())
    return {"cold_seconds": cold, "warm_seconds": warm, "site_mb": round(size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-book", action="store_true", help="skip the book's experiments (about an hour)")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-plain", action="store_true", help="skip plain nbgrader (slow: full training)")
    parser.add_argument("--skip-class", action="store_true", help="skip the class of 100 per assignment (about 20 min)")
    parser.add_argument("--skip-mutation", action="store_true", help="skip the mutation score (about an hour)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.skip_book:  # first: the chapters timed below read what it writes
        subprocess.run([sys.executable, "benchmarks/book_experiments.py"], cwd=REPO, check=True)
    report = {"chapters_seconds": chapters(), "book": book_builds(), "grading": {}}
    for assignment in registry.assignment_ids(REPO):
        command = [sys.executable, "benchmarks/grading_throughput.py", "--assignment", assignment, "--copies", "4"]
        subprocess.run(command + (["--skip-plain"] if args.skip_plain else []), cwd=REPO, check=True)
        report["grading"][assignment] = json.loads((RESULTS / f"grading_{assignment}.json").read_text())
    if not args.skip_class:  # plain nbgrader is measured above
        subprocess.run([sys.executable, "benchmarks/class_scale.py", "--students", "100", "--plain", "0"], cwd=REPO,
                       check=True)
        report["class_scale"] = json.loads((RESULTS / "class_scale.json").read_text())
    if not args.skip_mutation:  # exits 1 on an unexplained survivor: reported, not fatal here
        (RESULTS / "mutation.json").unlink(missing_ok=True)
        subprocess.run([sys.executable, "benchmarks/mutation.py"], cwd=REPO)
        report["mutation"] = json.loads((RESULTS / "mutation.json").read_text())
    if not args.skip_tests:
        report["test_suite_seconds"], _ = timed(["make", "test"])
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2))
    lines = ["# Benchmarks", "", "| chapter | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in report["chapters_seconds"].items()]
    book = report["book"]
    lines += ["", f"Book build: cold {book['cold_seconds']} s, warm {book['warm_seconds']} s, "
                  f"site {book['site_mb']} MB", "", "| assignment | ours (nb/min) | plain nbgrader (nb/min) | ratio |",
              "|---|---|---|---|"]
    for name, grading in report["grading"].items():
        plain = grading.get("plain_nbgrader", {}).get("submissions_per_minute", "-")
        lines.append(f"| {name} | {grading['ours']['submissions_per_minute']} | {plain} | "
                     f"{grading.get('throughput_ratio', '-')} |")
    if "class_scale" in report:
        scale = report["class_scale"]
        lines += ["", f"A class of 100 per assignment: {scale['total_seconds']} s in all "
                      "(class_scale.png)", "", "| assignment | seconds | p50 | p95 | floor | cold p50 | same scores |",
                  "|---|---|---|---|---|---|---|"]
        for name, graded in scale["assignments"].items():
            cold = graded.get("cold", {})
            lines.append(f"| {name} | {graded['total_seconds']} | {graded['p50_seconds']} | {graded['p95_seconds']} | "
                         f"{graded['floor_seconds']} | {cold.get('p50_seconds', '-')} | {cold.get('same_scores', '-')} |")
    if "mutation" in report:
        lines += ["", "| assignment | mutants killed | equivalent | mutation score | correct answers with full marks |",
                  "|---|---|---|---|---|"]
        for name, result in report["mutation"]["assignments"].items():
            lines.append(f"| {name} | {result['killed']}/{result['total']} | {result['equivalent']} | "
                         f"{result['mutation_score']:.1%} | {result['corpus_full_marks']} |")
    if "test_suite_seconds" in report:
        lines += ["", f"`make test`: {report['test_suite_seconds']} s"]
    (RESULTS / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
