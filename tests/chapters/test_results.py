"""The results of `make bench` that chapters read: complete, and measured with today's settings."""

from __future__ import annotations

import importlib
import json

import pytest

from cnn_course import results
from cnn_course.experiments import depth

NAMES = sorted(path.stem for path in results.FOLDER.glob("*.json"))


def test_every_experiment_has_its_results():
    from cnn_course.experiments import NAMES as EXPERIMENTS

    assert sorted(EXPERIMENTS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_results_say_how_when_and_where_and_match_the_experiments_settings(name):
    record = results.load(name)
    assert record["name"] == name and record["results"]
    assert record["command"].startswith("python benchmarks/book_experiments.py")
    assert record["date"][:2] == "20" and "cores" in record["machine"]
    experiment = importlib.import_module(f"cnn_course.experiments.{name}")
    saved = {key: record["settings"][key] for key in experiment.SETTINGS}
    assert saved == {key: list(v) if isinstance(v, tuple) else v for key, v in experiment.SETTINGS.items()}, \
        f"cnn_course/results/{name}.json was measured with other settings: run `python benchmarks/book_experiments.py --only {name}`"


def test_depth_results_hold_every_seed_of_every_run():
    record = results.load("depth")
    seeds = record["settings"]["seeds"]
    for kind in depth.KINDS:
        for d in record["settings"]["depths"]:
            runs = depth.select(record["results"], kind, d)
            assert sorted(run["seed"] for run in runs) == list(range(seeds))
            assert all(len(run["loss"]) == len(run["training_error"]) == record["settings"]["epochs"] for run in runs)


def test_save_records_the_command_machine_and_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "FOLDER", tmp_path)
    path = results.save("example", [{"value": 1}], {"epochs": 2})
    assert path == tmp_path / "example.json"
    record = json.loads(path.read_text())
    assert record["results"] == [{"value": 1}] and record["settings"] == {"epochs": 2}
    assert record["command"].startswith("python ") and "Keras" in record["machine"]
    assert results.provenance(record).startswith(f"Measured by `{record['command']}` on {record['date']}")
