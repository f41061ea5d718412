"""The book's experiments in full, several seeds each: results that chapters read and plot.

    python benchmarks/book_experiments.py [--only depth ensembles ...] [--seeds 3]

Writes cnn_course/results/<name>.json (commit them): what was measured, with the command, date,
machine, commit, settings and run time (benchmarks/provenance.py). Each chapter runs a small version
of its experiment live and asserts that it agrees with the file. Minutes on 2 cores (about 23 for
`depth`; 39 for `transfer`, on a busy machine).
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
    parser.add_argument("--seeds", type=int, default=3, help="seeds per configuration (their spread is shown)")
    args = parser.parse_args()
    for name in args.only:
        experiment = importlib.import_module(f"cnn_course.experiments.{name}")
        started = time.monotonic()
        measured = experiment.run(seeds=tuple(range(args.seeds)))
        seconds = round(time.monotonic() - started)
        path = results.save(name, measured, {**experiment.SETTINGS, "seeds": args.seeds, "seconds": seconds},
                            provenance={**provenance(), "seconds": seconds})
        print(f"{name}: {path} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
