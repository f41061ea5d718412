"""Results of the book's longer experiments, measured by `make bench` and shipped with the package.

An experiment that needs longer than a chapter may take to execute runs in full in
``benchmarks/book_experiments.py``, which saves what it measured, with how, when and where, to
``cnn_course/results/<name>.json``. The chapter reads and plots that file, labelled as such, and
runs a small version of the same experiment live that must agree with it.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).with_name("results")


def machine() -> str:
    """The measuring machine in a few words: processor, cores and Keras backend."""
    import keras

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Keras {keras.__version__} on {keras.backend.backend()}"


def save(name: str, results: list | dict, settings: dict, provenance: dict | None = None) -> Path:
    """Write ``results`` with the settings and command that produced them, the date and the machine
    (``provenance``: more of how the run went, such as its commit and seconds, stored as given)."""
    record = {
        "name": name,
        "command": " ".join(["python", *sys.argv]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "settings": settings,
        **({"provenance": provenance} if provenance else {}),
        "results": results,
    }
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{name}.json"
    path.write_text(json.dumps(record, indent=1, default=_plain) + "\n")
    return path


def load(name: str) -> dict:
    """The record of experiment ``name`` as :func:`save` wrote it (read from the installed package)."""
    text = resources.files("cnn_course").joinpath("results", f"{name}.json").read_text()
    return json.loads(text)


def provenance(record: dict) -> str:
    """One sentence (Markdown) for a page: what ran, when and where."""
    return f"Measured by `{record['command']}` on {record['date']} ({record['machine']})."


def mean_and_spread(values) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (0 for a single seed)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def bootstrap_interval(values, level: float = 0.95, resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (one per test example, e.g. the difference
    between two models' correctness on it): how far the mean could move with other test examples."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def paired_difference(runs: list[dict], regime: str, baseline: str, size: int) -> tuple[float, float, float]:
    """How much more often ``regime`` than ``baseline`` is right on the same test examples at training-set
    ``size`` (each run's ``test_correct``, averaged over seeds per example): the mean, and its 95%
    :func:`bootstrap_interval` over the test examples."""
    def correct(name):
        return np.mean([run["test_correct"] for run in runs if run["regime"] == name and run["size"] == size], axis=0)

    gain = correct(regime) - correct(baseline)
    return (float(gain.mean()), *bootstrap_interval(gain))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value).__name__}")
