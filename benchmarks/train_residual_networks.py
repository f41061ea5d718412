"""Training benchmark of assignment 1: the solution notebook at the students' default parameters.

    python benchmarks/train_residual_networks.py           # defaults of the parameters cell (minutes)
    python benchmarks/train_residual_networks.py --fast    # the grader's fast parameters

Runs solutions/residual_networks/Residual_Networks.ipynb with papermill (its hidden-test sections
removed, as they need the grader's reference observations; the public tests stay), then reads
the time and accuracies of every epoch from `fit`'s log and the final test accuracy from the
evaluation cell. Writes benchmarks/results/train_residual_networks[_fast].json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
SOURCE = REPO / "solutions" / "residual_networks" / "Residual_Networks.ipynb"
HIDDEN = re.compile(r"\n*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
# Keras's verbose=2 epoch line: "68/68 - 41s - 598ms/step - accuracy: 0.41 - loss: 1.6 - val_accuracy: ..."
EPOCH = re.compile(r"^\d+/\d+ - (\d+)s - .*?- accuracy: ([\d.e+-]+) - loss: ([\d.e+-]+)"
                   r"(?: - val_accuracy: ([\d.e+-]+) - val_loss: ([\d.e+-]+))?", re.M)
TEST = re.compile(r"test loss ([\d.]+), test accuracy ([\d.]+)")


def grading_parameters() -> dict:
    sys.path.insert(0, str(REPO))
    from autograder.checks import load

    return load("residual_networks").grading_parameters


def default_parameters(notebook) -> dict:
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(cell.source, {}, values)  # the instructor's own parameters cell
    return values


def run(parameters: dict) -> tuple[nbformat.NotebookNode, float]:
    import papermill

    notebook = nbformat.read(SOURCE, as_version=4)
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
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in executed.cells}
    epochs = [
        {"seconds": int(m[0]), "accuracy": float(m[1]), "loss": float(m[2]),
         "test_accuracy": float(m[3]) if m[3] else None, "test_loss": float(m[4]) if m[4] else None}
        for m in EPOCH.findall(cell_text(cells["train"]))
    ]
    test = TEST.search(cell_text(cells["evaluate"]))
    durations = {gid: round(c.metadata.get("papermill", {}).get("duration") or 0.0, 1) for gid, c in cells.items() if gid}
    return {
        "parameters": parameters,
        "notebook_seconds": round(seconds, 1),
        "train_cell_seconds": durations.get("train"),
        "seconds_per_epoch": round(sum(e["seconds"] for e in epochs) / len(epochs), 1) if epochs else None,
        "epochs": epochs,
        "test_loss": float(test[1]) if test else None,
        "test_accuracy": float(test[2]) if test else None,
        "cell_seconds": {gid: s for gid, s in durations.items() if s >= 1.0},
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "load_average_1min": round(os.getloadavg()[0], 2)},
    }


def markdown(result: dict, title: str) -> str:
    lines = [f"# {title}", "", f"Parameters: `{json.dumps(result['parameters'])}`", "",
             f"- whole notebook: {result['notebook_seconds']} s (training cell {result['train_cell_seconds']} s)",
             f"- time per epoch: {result['seconds_per_epoch']} s",
             f"- final test accuracy: {result['test_accuracy']} (loss {result['test_loss']})",
             f"- machine: {result['machine']['cpus']} CPUs, load {result['machine']['load_average_1min']} at the end",
             "", "| epoch | seconds | train accuracy | test accuracy |", "|---|---|---|---|"]
    lines += [f"| {i} | {e['seconds']} | {e['accuracy']:.3f} | {e['test_accuracy'] if e['test_accuracy'] is not None else '-'} |"
              for i, e in enumerate(result["epochs"], start=1)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the grader's fast parameters instead of the defaults")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.environ.get("CNN_COURSE_DATA") and (REPO.parent / "shared" / "data" / "SHA256SUMS").is_file():
        os.environ["CNN_COURSE_DATA"] = str(REPO.parent / "shared" / "data")
    source = nbformat.read(SOURCE, as_version=4)
    parameters = {**default_parameters(source), **(grading_parameters() if args.fast else {})}
    executed, seconds = run(parameters)
    result = report(executed, seconds, parameters)
    name = "train_residual_networks" + ("_fast" if args.fast else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    text = markdown(result, "ResNet-50 on SIGNS, " + ("grading parameters" if args.fast else "default parameters"))
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
