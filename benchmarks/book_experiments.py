"""The book's experiments in full, several seeds each: results that chapters read and plot.

    python benchmarks/book_experiments.py [--only depth ensembles ...] [--seeds N]

Writes cnn_course/results/<name>.json (commit them): what was measured, with the command, date,
machine, commit, settings and run time (benchmarks/provenance.py). Each chapter runs a small version
of its experiment live and asserts that it agrees with the file. Minutes on 2 cores (about 23 for
`depth`, 39 for `transfer`, 13 for `augmentation`, 4 for `ensembles`, each measured beside other work).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: `benchmarks` importable

from benchmarks.provenance import provenance  # noqa: E402
from cnn_course import results  # noqa: E402
from cnn_course.experiments import NAMES as EXPERIMENTS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=EXPERIMENTS, default=EXPERIMENTS)
    parser.add_argument("--seeds", type=int, help="seeds per configuration (default: the experiment's SEEDS)")
    args = parser.parse_args()
    for name in args.only:
        experiment = importlib.import_module(f"cnn_course.experiments.{name}")
        started = time.monotonic()
        seeds = experiment.SEEDS if args.seeds is None else args.seeds
        measured = experiment.run(seeds=tuple(range(seeds)))
        seconds = round(time.monotonic() - started)
        path = results.save(name, measured, {**experiment.SETTINGS, "seeds": seeds, "seconds": seconds},
                            provenance={**provenance(), "seconds": seconds})
        print(f"{name}: {path} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
