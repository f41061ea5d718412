"""The results of `make bench` that chapters read: complete, and measured with today's settings."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from cnn_course import results
from cnn_course.experiments import augmentation, depth, ensembles, multicrop, transfer

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
    assert record["settings"]["seeds"] == experiment.SEEDS, f"`make bench` would run {name} with {experiment.SEEDS} seeds, not the record's"


def test_depth_results_hold_every_seed_of_every_run():
    record = results.load("depth")
    seeds = record["settings"]["seeds"]
    for kind in depth.KINDS:
        for d in record["settings"]["depths"]:
            runs = depth.select(record["results"], kind, d)
            assert sorted(run["seed"] for run in runs) == list(range(seeds))
            assert all(len(run["loss"]) == len(run["training_error"]) == record["settings"]["epochs"] for run in runs)
            assert all(0 <= run["test_error"] <= 1 and 0 <= min(run["training_error"]) for run in runs)
    assert record["provenance"]["seconds"] == record["settings"]["seconds"] and record["provenance"]["commit"]


def test_augmentation_results_score_every_run_with_settings_chosen_on_the_development_images():
    record = results.load("augmentation")
    measured, settings = record["results"], record["settings"]
    assert measured["images"] == {"train": 900, "dev": 180, "test": 120}
    assert measured["chosen"] == augmentation.chosen(measured["selection"])
    for regime in augmentation.REGIMES:
        tried = {(row["learning_rate"], row["shift"], row["size"], row["passes"]) for row in measured["selection"]
                 if row["regime"] == regime}
        assert tried == {(c["learning_rate"], c["shift"], size, passes) for c in augmentation.candidates(regime, **settings)
                         for size in settings["sizes"] for passes in settings["passes"]}
    assert sorted((run["regime"], run["size"], run["seed"]) for run in measured["runs"]) == sorted(
        (regime, size, seed) for regime in augmentation.REGIMES for size in settings["sizes"] for seed in range(settings["seeds"]))
    assert record["provenance"]["seconds"] == settings["seconds"] and record["provenance"]["commit"]


def test_ensemble_results_train_for_the_epochs_chosen_on_the_development_images():
    record = results.load("ensembles")
    measured, settings = record["results"], record["settings"]
    assert measured["images"] == {"train": 900, "dev": 180, "test": 120}
    assert measured["chosen"] == ensembles.chosen(measured["selection"])
    assert {(row["learning_rate"], row["epochs"]) for row in measured["selection"]} == {
        (rate, epoch) for rate in settings["learning_rates"] for epoch in range(1, settings["epochs"] + 1)}
    assert [run["seed"] for run in measured["runs"]] == list(range(settings["seeds"]))
    assert all(len(run["epochs"]) == measured["chosen"]["epochs"] for run in measured["runs"])
    assert record["provenance"]["seconds"] == settings["seconds"] and record["provenance"]["commit"]


def test_multicrop_results_choose_each_splits_weight_decay_among_the_settings():
    record = results.load("multicrop")
    runs, settings = record["results"], record["settings"]
    assert sorted((run["seed"], run["regime"]) for run in runs) == sorted(
        (seed, regime) for seed in range(settings["seeds"]) for regime in multicrop.REGIMES)
    assert all(run["l2"] in settings["l2_values"] for run in runs)


def test_transfer_results_score_every_run_on_the_test_photos_with_settings_chosen_on_the_development_photos():
    record = results.load("transfer")
    measured, settings = record["results"], record["settings"]
    assert measured["photos"] == {"train": 209, "dev": 53, "test": 65}
    assert measured["chosen"] == transfer.chosen(measured["selection"])
    assert {(row["learning_rate"], row["size"], row["steps"]) for row in measured["selection"]
            if row["regime"] == transfer.REGIMES[0]} == {(rate, size, steps) for rate in settings["learning_rates"]
                                                         for size in settings["selection_sizes"] for steps in settings["steps"]}
    runs = measured["runs"]
    assert sorted((run["regime"], run["size"], run["seed"]) for run in runs) == sorted(
        (regime, size, seed) for regime in transfer.REGIMES for size in settings["sizes"] for seed in range(settings["seeds"]))
    for run in runs:
        assert len(run["test_correct"]) == 65 and run["test_accuracy"] == pytest.approx(np.mean(run["test_correct"]))
    assert record["provenance"]["seconds"] == settings["seconds"] and record["provenance"]["commit"]


def test_a_bootstrap_interval_is_about_two_standard_errors_either_side_of_the_mean():
    values = np.r_[np.ones(30), np.zeros(70)]
    low, high = results.bootstrap_interval(values)
    half_width = 1.96 * values.std() / np.sqrt(len(values))
    assert low < 0.3 < high and abs((high - low) / 2 - half_width) < 0.01
    assert results.bootstrap_interval(np.full(20, 0.5)) == (0.5, 0.5)


def test_a_paired_difference_counts_the_photos_each_regime_gets_right():
    runs = [{"regime": regime, "size": 16, "seed": seed, "test_correct": correct}
            for regime, seed, correct in (("a", 0, [1, 1, 0, 1]), ("a", 1, [1, 0, 0, 1]),
                                          ("b", 0, [1, 0, 0, 0]), ("b", 1, [1, 0, 0, 0]))]
    gain, low, high = results.paired_difference(runs, "a", "b", 16)
    assert gain == pytest.approx((0 + 0.5 + 0 + 1) / 4) and low <= gain <= high and 0 <= low and high <= 1


def test_save_records_the_command_machine_and_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "FOLDER", tmp_path)
    path = results.save("example", [{"value": 1}], {"epochs": 2})
    assert path == tmp_path / "example.json"
    record = json.loads(path.read_text())
    assert record["results"] == [{"value": 1}] and record["settings"] == {"epochs": 2}
    assert record["command"].startswith("python ") and "Keras" in record["machine"]
    assert results.provenance(record).startswith(f"Measured by `{record['command']}` on {record['date']}")
    stored = results.save("example", [], {}, provenance={"commit": "abc", "seconds": 3})
    assert json.loads(stored.read_text())["provenance"] == {"commit": "abc", "seconds": 3}
    assert "provenance" not in record  # only when given
