"""Training benchmark of assignment 1: the solution notebook at the students' default parameters.

    python benchmarks/train_residual_networks.py                  # defaults of the parameters cell (minutes)
    python benchmarks/train_residual_networks.py --seeds 0 1 2    # the same, once per seed (its spread)
    python benchmarks/train_residual_networks.py --fast           # the grader's fast parameters

Runs solutions/residual_networks/Residual_Networks.ipynb with papermill once per seed (its
hidden-test sections removed, as they need the grader's reference observations; the public tests
stay), then reads the time, training and validation accuracies of every epoch from `fit`'s log, the
epoch kept (lowest validation loss) and the final test accuracy from the evaluation cell.
Writes benchmarks/results/train_residual_networks[_fast].json and .md after every seed, with the
mean and standard deviation of the test accuracy over the seeds done so far.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402

SPEC = registry.spec(REPO, "residual_networks")
HIDDEN = re.compile(r"\n*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
# Keras's verbose=2 epoch line: "68/68 - 41s - 598ms/step - accuracy: 0.41 - loss: 1.6 - val_accuracy: ..."
EPOCH = re.compile(r"^\d+/\d+ - (\d+)s - .*?- accuracy: ([\d.e+-]+) - loss: ([\d.e+-]+)"
                   r"(?: - val_accuracy: ([\d.e+-]+) - val_loss: ([\d.e+-]+))?", re.M)
LAST_EPOCHS = 4  # the validation accuracy that compares recipes: its mean over each run's last epochs
BEST = re.compile(r"lowest validation loss ([\d.]+), at epoch (\d+)")
TEST = re.compile(r"test loss ([\d.]+), test accuracy ([\d.]+)")


def grading_parameters() -> dict:
    from autograder.checks import load

    return load(SPEC.assignment_id, SPEC.checks_module).grading_parameters


def run(parameters: dict, source: Path = SPEC.source) -> tuple[nbformat.NotebookNode, float]:
    """The notebook ``source`` (its hidden tests removed) run by papermill at ``parameters``; the seconds it took."""
    import papermill

    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = HIDDEN.sub("\n", cell.source).rstrip() + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        stripped, executed = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(notebook, stripped)
        started = time.monotonic()
        papermill.execute_notebook(str(stripped), str(executed), parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=tmp)
        seconds = time.monotonic() - started
        return nbformat.read(executed, as_version=4), seconds


def cell_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def report(executed, seconds: float, parameters: dict) -> dict:
    """One run: its epochs, the epoch kept on validation, the test accuracy and the time taken."""
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in executed.cells}
    epochs = [
        {"seconds": int(m[0]), "accuracy": float(m[1]), "loss": float(m[2]),
         "val_accuracy": float(m[3]) if m[3] else None, "val_loss": float(m[4]) if m[4] else None}
        for m in EPOCH.findall(cell_text(cells["train"]))
    ]
    best = BEST.search(cell_text(cells["train"]))
    test = TEST.search(cell_text(cells["evaluate"]))
    durations = {gid: round(c.metadata.get("papermill", {}).get("duration") or 0.0, 1) for gid, c in cells.items() if gid}
    return {
        "parameters": parameters,
        "notebook_seconds": round(seconds, 1),
        "best_epoch": int(best[2]) if best else None,
        "best_val_loss": float(best[1]) if best else None,
        "best_val_accuracy": epochs[int(best[2]) - 1]["val_accuracy"] if best and len(epochs) >= int(best[2]) else None,
        "val_accuracy_last_epochs": last_epochs_val_accuracy(epochs),
        "train_cell_seconds": durations.get("train"),
        "seconds_per_epoch": round(sum(e["seconds"] for e in epochs) / len(epochs), 1) if epochs else None,
        "epochs": epochs,
        "test_loss": float(test[1]) if test else None,
        "test_accuracy": float(test[2]) if test else None,
        "cell_seconds": {gid: s for gid, s in durations.items() if s >= 1.0},
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "load_average_1min": round(os.getloadavg()[0], 2)},
    }


def last_epochs_val_accuracy(epochs: list[dict]) -> float | None:
    """Mean validation accuracy over the last epochs: steadier than the best epoch's, for 108 images."""
    values = [e["val_accuracy"] for e in epochs[-LAST_EPOCHS:] if e["val_accuracy"] is not None]
    return round(statistics.mean(values), 4) if values else None


def summary(runs: list[dict]) -> dict:
    """The runs of every seed, with the mean and standard deviation of their test accuracies."""
    tests = [r["test_accuracy"] for r in runs if r["test_accuracy"] is not None]
    epoch_seconds = [e["seconds"] for r in runs for e in r["epochs"]]
    last = [r["val_accuracy_last_epochs"] for r in runs if r["val_accuracy_last_epochs"] is not None]
    return {
        "seeds": [r["parameters"]["seed"] for r in runs],
        "val_accuracy_last_epochs_mean": round(statistics.mean(last), 4) if last else None,
        "test_accuracy_mean": round(statistics.mean(tests), 4) if tests else None,
        "test_accuracy_sd": round(statistics.stdev(tests), 4) if len(tests) > 1 else None,
        "test_accuracy_min": min(tests) if tests else None,
        "seconds_per_epoch": round(statistics.mean(epoch_seconds), 1) if epoch_seconds else None,
        "runs": runs,
    }


def markdown(result: dict, title: str) -> str:
    runs = result["runs"]
    sd = result["test_accuracy_sd"]
    lines = [f"# {title}", "", f"Parameters (seed aside): `{json.dumps(runs[0]['parameters'])}`", "",
             f"- test accuracy over seeds {result['seeds']}: mean {result['test_accuracy_mean']}"
             + (f", standard deviation {sd}" if sd is not None else "") + f", lowest {result['test_accuracy_min']}",
             f"- validation accuracy, mean over the last {LAST_EPOCHS} epochs of every run (how recipes are compared): "
             f"{result['val_accuracy_last_epochs_mean']}",
             f"- time per epoch: {result['seconds_per_epoch']} s (load average per run below: the machine may be shared)",
             "", f"| seed | epoch kept: val accuracy (epoch) | val accuracy, last {LAST_EPOCHS} epochs | test accuracy "
             "| s/epoch | training cell s | load at the end |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['parameters']['seed']} | {r['best_val_accuracy']} ({r['best_epoch']}) | {r['val_accuracy_last_epochs']} "
              f"| {r['test_accuracy']} | {r['seconds_per_epoch']} | {r['train_cell_seconds']} | {r['machine']['load_average_1min']} |"
              for r in runs]
    for r in runs:
        lines += ["", f"Seed {r['parameters']['seed']}:", "",
                  "| epoch | seconds | train accuracy | val accuracy |", "|---|---|---|---|"]
        lines += [f"| {i} | {e['seconds']} | {e['accuracy']:.3f} | {e['val_accuracy'] if e['val_accuracy'] is not None else '-'} |"
                  for i, e in enumerate(r["epochs"], start=1)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the grader's fast parameters instead of the defaults")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="run once per seed (the notebook's `seed` parameter); default: the parameters cell's seed")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.environ.get("CNN_COURSE_DATA") and (REPO.parent / "shared" / "data" / "SHA256SUMS").is_file():
        os.environ["CNN_COURSE_DATA"] = str(REPO.parent / "shared" / "data")
    parameters = {**SPEC.parameters, **(grading_parameters() if args.fast else {})}
    name = "train_residual_networks" + ("_fast" if args.fast else "")
    title = "ResNet-50 on SIGNS, " + ("grading parameters" if args.fast else "default parameters")
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in args.seeds if args.seeds is not None else [parameters["seed"]]:
        seeded = {**parameters, "seed": seed}
        executed, seconds = run(seeded)
        runs.append(report(executed, seconds, seeded))
        result = summary(runs)  # written after every seed, so a long run leaves what it finished
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
        text = markdown(result, title)
        (RESULTS / f"{name}.md").write_text(text)
        print(text, flush=True)


if __name__ == "__main__":
    main()
