"""Assignment 2 (transfer learning) trained for real: accuracy and time per epoch.

    python benchmarks/train_transfer_learning.py           # the students' default parameters
    python benchmarks/train_transfer_learning.py --fast    # the grader's parameters (run time only)
    python benchmarks/train_transfer_learning.py -p INITIAL_EPOCHS=5 -p FINE_TUNE_EPOCHS=5

Runs the instructor's solution notebook with papermill, reads the summary its last code cell
displays (validation accuracy after each stage and with random weights, seconds per epoch) and
writes benchmarks/results/train_transfer_learning[_fast].{json,md} plus the executed notebook.
The target: at least 0.90 validation accuracy after fine-tuning with the ImageNet weights, and
clearly less from random weights.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
TARGET_ACCURACY = 0.90
SUMMARY_CELL = "compare_random"

sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402

SPEC = registry.spec(REPO, "transfer_learning")


def parse_parameter(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return name.strip(), value.strip()


def without_hidden_tests(source: Path, target: Path) -> Path:
    """The solution with its hidden-test blocks removed (they need the grader's references)."""
    import re

    import nbformat

    notebook = nbformat.read(source, as_version=4)
    hidden = re.compile(r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = hidden.sub("\n", cell.source).strip("\n")
    nbformat.write(notebook, target)
    return target


def notebook_summary(executed: Path) -> dict:
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == SUMMARY_CELL:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    return ast.literal_eval(output["data"]["text/plain"])
    raise RuntimeError(f"{executed}: the summary cell '{SUMMARY_CELL}' displayed nothing")


def per_epoch(seconds: list[float]) -> dict:
    """The first epoch includes tracing the model into a graph: report it apart."""
    steady = seconds[1:] or seconds
    return {"first": seconds[0] if seconds else None, "median_after_first": round(statistics.median(steady), 2)
            if steady else None, "all": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the grader's parameters (CHECKS.grading_parameters)")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="override a notebook parameter (repeatable)")
    args = parser.parse_args()

    import papermill

    from autograder.checks import load

    shared = REPO.parent / "shared" / "data"
    if not os.environ.get("CNN_COURSE_DATA") and (shared / "SHA256SUMS").is_file():
        os.environ["CNN_COURSE_DATA"] = str(shared)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the kernel inherits it: no TensorFlow start-up chatter
    parameters = dict(load(SPEC.assignment_id, SPEC.checks_module).grading_parameters) if args.fast else {}
    parameters.update(parse_parameter(p) for p in args.parameter)

    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "train_transfer_learning" + ("_fast" if args.fast else "")
    executed = RESULTS / f"{name}.ipynb"
    source = without_hidden_tests(SPEC.source, RESULTS / f"{name}.input.ipynb")
    started = time.monotonic()
    papermill.execute_notebook(str(source), str(executed), parameters=parameters, kernel_name="python3",
                               progress_bar=False, cwd=str(RESULTS))
    wall = round(time.monotonic() - started, 1)
    summary = notebook_summary(executed)

    fine_tuned = summary["validation_accuracy_fine_tuned"]
    random_weights = summary.get("validation_accuracy_random_weights")
    report = {
        "parameters": parameters or "notebook defaults",
        "wall_seconds": wall,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "train_images": summary["train_images"],
        "validation_images": summary["validation_images"],
        "validation_accuracy_head": summary["validation_accuracy_head"],
        "validation_accuracy_fine_tuned": fine_tuned,
        "validation_accuracy_random_weights": random_weights,
        "seconds_per_epoch_head": per_epoch(summary["seconds_per_epoch_head"]),
        "seconds_per_epoch_fine_tuning": per_epoch(summary["seconds_per_epoch_fine_tuning"]),
    }
    if not args.fast and not args.parameter:
        report["meets_target"] = bool(fine_tuned >= TARGET_ACCURACY
                                      and (random_weights is None or random_weights < fine_tuned - 0.15))
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2))

    head, fine = report["seconds_per_epoch_head"], report["seconds_per_epoch_fine_tuning"]
    lines = [
        f"# Transfer learning (MobileNetV2, alpacas){' — grading parameters' if args.fast else ''}",
        "",
        f"Parameters: {report['parameters']}; {report['train_images']} training and "
        f"{report['validation_images']} validation photos; {os.cpu_count()} CPUs.",
        "",
        "| | value |",
        "|---|---|",
        f"| whole notebook (papermill) | {wall} s |",
        f"| seconds per epoch, classifier on frozen base | first {head['first']}, then median {head['median_after_first']} |",
        f"| seconds per epoch, fine-tuning | first {fine['first']}, then median {fine['median_after_first']} |",
        f"| validation accuracy after the classifier stage | {report['validation_accuracy_head']} |",
        f"| validation accuracy after fine-tuning | {fine_tuned} (target ≥ {TARGET_ACCURACY}) |",
        f"| validation accuracy, same recipe from random weights | {random_weights} |",
    ]
    if "meets_target" in report:
        lines += ["", f"Target met: {'yes' if report['meets_target'] else 'NO'}"]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if report.get("meets_target", True) else 1


if __name__ == "__main__":
    sys.exit(main())
