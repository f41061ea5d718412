"""The sizes of the case-study networks: measured live by chapter 1, saved so that chapter 10
can revisit the accuracy-versus-cost chart without building every network again."""

from __future__ import annotations

from dataclasses import asdict

from cnn_course.models import landmarks

NETWORKS = landmarks.LANDMARKS + landmarks.MORE_LANDMARKS
SETTINGS = {"networks": [network.name for network in NETWORKS]}
SEEDS = 1  # deterministic


def run(seeds=tuple(range(SEEDS)), **_) -> list[dict]:
    """Every network's measured size (deterministic: ``seeds`` are ignored)."""
    return [as_row(stats) for stats in landmarks.measure_all(NETWORKS)]


def as_row(stats: landmarks.LandmarkStats) -> dict:
    return {**asdict(stats), "input_shape": list(stats.input_shape)}


def saved(record: dict) -> list[landmarks.LandmarkStats]:
    """The sizes as :func:`run` saved them, back as :class:`~cnn_course.models.landmarks.LandmarkStats`."""
    return [landmarks.LandmarkStats(**{**row, "input_shape": tuple(row["input_shape"])}) for row in record["results"]]
