"""Training benchmark of assignment 3: the solution notebook's settings chosen on its development split.

    python benchmarks/train_efficient_networks.py                   # the grid, then the chosen settings over 3 seeds
    python benchmarks/train_efficient_networks.py --resnet50        # and the time of an epoch of assignment 1's ResNet-50
    python benchmarks/train_efficient_networks.py --set epochs=1 train_subset=64 --grid   # a quick smoke run

Runs solutions/efficient_networks/Efficient_Networks.ipynb with papermill (hidden tests removed, public
tests kept, as benchmarks/train_residual_networks.py does) once per setting of GRID at seed 0, chooses the
setting whose development accuracy over the last epochs is highest (the test set plays no part), then
runs the chosen setting at the other seeds and reports the test accuracy over the seeds (mean, standard
deviation, lowest) and the seconds per epoch. With --resnet50 it also trains assignment 1's ResNet-50 for
two epochs on the same machine, for its time per epoch.
Writes benchmarks/results/train_efficient_networks.json (with its provenance) and .md, unless --set changes
a parameter.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402
from benchmarks import train_residual_networks as assignment1  # noqa: E402  (its report reads this notebook's cells too)
from benchmarks.provenance import provenance  # noqa: E402

SPEC = registry.spec(REPO, "efficient_networks")
GRID = [{"epochs": epochs, "learning_rate": rate} for epochs in (20, 40) for rate in (0.001, 0.003)]
SEEDS = (0, 1, 2)
# The steps and time per step of Keras's verbose=2 epoch line ("31/31 - 3s - 105ms/step - ..."): finer than its whole seconds.
STEPS = re.compile(r"^(\d+)/\d+ - \d+s - ([\d.]+)(ms|s|us)/step", re.M)
UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def run(source: Path, parameters: dict) -> dict:
    """One papermill run of ``source`` (its hidden tests removed) at ``parameters``: assignment 1's report of it."""
    executed, seconds = assignment1.run(parameters, source)
    result = assignment1.report(executed, seconds, parameters)
    train = next(cell for cell in executed.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "train")
    epochs = [int(steps) * float(per_step) * UNIT_SECONDS[unit] for steps, per_step, unit in STEPS.findall(assignment1.cell_text(train))]
    for epoch, seconds in zip(result["epochs"], epochs):
        epoch["seconds"] = round(seconds, 2)
    # The first epoch also compiles the model: the time of the others is the one that compares networks.
    result["seconds_per_epoch_after_the_first"] = round(statistics.mean(epochs[1:]), 2) if len(epochs) > 1 else None
    return result


def chosen(grid_runs: list[dict]) -> dict:
    """The grid's setting with the highest development accuracy over its last epochs (ties: the shorter run)."""
    best = max(grid_runs, key=lambda r: (r["val_accuracy_last_epochs"] or 0.0, -r["parameters"]["epochs"]))
    return {name: best["parameters"][name] for name in GRID[0]}


def markdown(result: dict) -> str:
    lines = ["# Small MobileNetV2 on SIGNS", "", "Development split, seed 0 (how the settings are chosen):", "",
             "| epochs | learning rate | dev accuracy, last epochs | dev accuracy, epoch kept | s/epoch |", "|---|---|---|---|---|"]
    lines += [f"| {r['parameters']['epochs']} | {r['parameters']['learning_rate']} | {r['val_accuracy_last_epochs']} "
              f"| {r['best_val_accuracy']} | {r['seconds_per_epoch_after_the_first']} |" for r in result["grid"]]
    lines += ["", f"Chosen: `{json.dumps(result['chosen'])}`", "",
              assignment1.markdown(result["seeds"], "The chosen settings over seeds").split("\n", 2)[2]]
    if result.get("resnet50"):
        r = result["resnet50"]
        lines += [f"ResNet-50 (assignment 1's notebook, {r['parameters']['epochs']} epochs, batches of "
                  f"{r['parameters']['batch_size']}): {r['seconds_per_epoch_after_the_first']} s per epoch after the first."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", help="override parameters (Python literals)")
    parser.add_argument("--grid", action="store_true", help="only the grid, no further seeds")
    parser.add_argument("--resnet50", action="store_true", help="also time two epochs of assignment 1's ResNet-50")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.environ.get("CNN_COURSE_DATA") and (REPO.parent / "shared" / "data" / "SHA256SUMS").is_file():
        os.environ["CNN_COURSE_DATA"] = str(REPO.parent / "shared" / "data")
    overrides = {name: ast.literal_eval(value) for name, value in (item.split("=", 1) for item in args.set)}
    base = {**SPEC.parameters, "seed": SEEDS[0]}
    result = {"provenance": provenance(), "grid": [], "chosen": None, "seeds": None}

    def save():  # the result of the notebook's own parameters only: a run with --set is printed, not kept
        if overrides:
            return
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "train_efficient_networks.json").write_text(json.dumps(result, indent=2))
        (RESULTS / "train_efficient_networks.md").write_text(markdown(result) if result["seeds"] else "")

    for setting in GRID:
        result["grid"].append(run(SPEC.source, {**base, **setting, **overrides}))
        save()
    result["chosen"] = chosen(result["grid"])
    runs = [r for r in result["grid"] if all(r["parameters"][k] == v for k, v in result["chosen"].items())]
    for seed in () if args.grid else SEEDS[1:]:
        runs.append(run(SPEC.source, {**base, **result["chosen"], **overrides, "seed": seed}))
    result["seeds"] = assignment1.summary(runs)
    save()
    if args.resnet50:
        resnet = {**assignment1.SPEC.parameters, "epochs": 2, **{k: v for k, v in overrides.items() if k != "epochs"}}
        result["resnet50"] = run(assignment1.SPEC.source, resnet)
        save()
    print(markdown(result), flush=True)


if __name__ == "__main__":
    main()
