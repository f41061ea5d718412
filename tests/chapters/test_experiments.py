"""The book's experiments: their scoring, their splits, and a small rerun agreeing with `make bench`'s results."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_course import images, results
from cnn_course.experiments import augmentation, ensembles, multicrop, transfer


def test_ensemble_scores_average_the_members_probabilities():
    labels = np.array([0, 1, 1])
    probabilities = np.array([[[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]],   # member 1: right, wrong, right
                              [[0.4, 0.6], [0.1, 0.9], [0.3, 0.7]]])  # member 2: wrong, right, right
    scores = ensembles.scores(probabilities, labels)
    assert scores["member_accuracy"] == pytest.approx([2 / 3, 2 / 3])
    assert scores["ensemble_accuracy"] == 1.0  # the average, [0.65, 0.35], [0.35, 0.65], [0.25, 0.75], is right three times
    assert scores["ensemble_cross_entropy"] == pytest.approx(-np.mean(np.log([0.65, 0.65, 0.75])))
    assert scores["ensemble_cross_entropy"] <= np.mean(scores["member_cross_entropy"])  # Jensen


class FixedHead:
    """A stand-in head whose probability of label 1 is the feature itself."""

    def predict_proba(self, features):
        return features[:, 0]


def test_multicrop_compares_the_centre_crop_with_the_mean_of_ten():
    ten = np.full((2, 10, 1), 0.8)
    ten[0, 0, 0] = 0.3  # photo 0 (label 1): wrong from its centre crop alone, right from the ten crops' mean
    scores = multicrop.evaluate(FixedHead(), ten, np.array([1, 1]))
    assert scores["centre_accuracy"] == 0.5 and scores["ten_crops_accuracy"] == 1.0
    assert scores["ten_crops_cross_entropy"] < scores["centre_cross_entropy"]


def test_a_multicrop_split_is_a_stratified_subset_and_its_fifth():
    _, labels = images.alpaca_paths()
    train, test = multicrop.split(labels, seed=0, photos=200, test_fraction=0.2)
    assert len(train) + len(test) == 200 and not set(train) & set(test) and len(test) == 40
    share = labels.mean()
    assert abs(labels[test].mean() - share) < 0.05 and abs(labels[train].mean() - share) < 0.05


def test_multicrop_chooses_the_weight_decay_by_cross_validation_on_the_training_photos_alone():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 40)
    signal = labels[:, None] + rng.normal(0, 0.7, (80, 1))  # one informative feature ...
    noise = rng.normal(0, 1, (80, 60))  # ... among many that a weak decay overfits
    l2 = multicrop.chosen_l2(np.hstack([signal, noise]), labels, (1e-3, 1.0), folds=5)
    assert l2 == 1.0
    assert multicrop.chosen_l2(np.zeros((20, 2)), np.repeat([0, 1], 10), (1e-3, 1e-1), folds=5) == 1e-1  # a tie: the larger


def test_a_sixth_of_the_signs_training_images_is_held_out_for_development():
    labels = np.repeat(np.arange(6), 18)
    signs = {"x_train": np.arange(len(labels))[:, None], "y_train": labels, "x_test": np.zeros((6, 1)), "y_test": np.arange(6)}
    split = ensembles.development_split(signs)
    assert len(split["y_dev"]) == 18 and len(split["y_train"]) == 90 and np.bincount(split["y_dev"]).tolist() == [3] * 6
    assert not set(split["x_dev"][:, 0]) & set(split["x_train"][:, 0])  # disjoint
    assert split["x_test"] is signs["x_test"]  # the test images are untouched


def test_augmentation_settings_are_the_best_mean_development_accuracy_and_a_tie_goes_to_less_training():
    rows = [{"regime": "r", "learning_rate": rate, "shift": shift, "size": size, "passes": passes, "dev_accuracy": accuracy}
            for rate, shift, passes, size, accuracy in ((1e-3, 0.1, 30, 120, 0.7), (1e-3, 0.1, 30, 900, 0.9),  # mean 0.8
                                                        (1e-3, 0.1, 60, 120, 0.8), (1e-3, 0.1, 60, 900, 0.8),  # 0.8, more passes
                                                        (1e-3, 0.05, 60, 120, 0.6), (1e-3, 0.05, 60, 900, 0.99),  # 0.795
                                                        (3e-3, 0.05, 30, 120, 0.85), (3e-3, 0.05, 30, 900, 0.75))]  # 0.8, larger rate
    assert augmentation.chosen(rows) == {"r": {"learning_rate": 1e-3, "shift": 0.1, "passes": 30,
                                               "dev_accuracy": pytest.approx(0.8)}}
    assert [c["shift"] for c in augmentation.candidates("without augmentation", (1e-3,), (0.05, 0.1))] == [0.0]


def test_ensemble_settings_are_the_best_development_accuracy_and_a_tie_goes_to_fewer_epochs():
    rows = [{"learning_rate": 3e-3, "epochs": 12, "dev_accuracy": 0.9}, {"learning_rate": 1e-3, "epochs": 20, "dev_accuracy": 0.9},
            {"learning_rate": 3e-3, "epochs": 5, "dev_accuracy": 0.8}, {"learning_rate": 1e-3, "epochs": 12, "dev_accuracy": 0.9}]
    assert ensembles.chosen(rows) == {"learning_rate": 1e-3, "epochs": 12, "dev_accuracy": 0.9}


def test_transfer_photos_split_three_ways_and_the_test_fifth_is_the_one_chapter_8_holds_out():
    _, labels = images.alpaca_paths()
    split = transfer.splits(labels)
    assert sorted(np.concatenate(list(split.values()))) == list(range(len(labels)))  # disjoint, every photo once
    assert {name: len(indices) for name, indices in split.items()} == {"train": 209, "dev": 53, "test": 65}
    assert np.array_equal(split["test"], images.train_val_split(labels, val_fraction=0.2, seed=0)[1])
    for indices in split.values():
        assert abs(labels[indices].mean() - labels.mean()) < 0.02  # each keeps the class proportions


def test_transfer_settings_are_the_best_mean_development_accuracy_and_a_tie_goes_to_less_training():
    rows = [{"regime": "r", "learning_rate": rate, "size": size, "steps": steps, "dev_accuracy": accuracy}
            for rate, steps, size, accuracy in ((1e-3, 50, 16, 0.7), (1e-3, 50, 64, 0.9),  # mean 0.8
                                                (1e-3, 100, 16, 0.8), (1e-3, 100, 64, 0.8),  # 0.8, more steps
                                                (1e-4, 100, 16, 0.6), (1e-4, 100, 64, 0.99),  # 0.795
                                                (1e-2, 50, 16, 0.85), (1e-2, 50, 64, 0.75))]  # 0.8, larger rate
    assert transfer.chosen(rows) == {"r": {"learning_rate": 1e-3, "steps": 50, "dev_accuracy": pytest.approx(0.8)}}


def test_training_runs_go_through_every_photo_before_repeating_one():
    photos = np.array([3, 5, 7, 11, 13])
    rows = images.shuffled_passes(photos, 12, seed=0)
    assert len(rows) == 12 and sorted(rows[:5]) == sorted(rows[5:10]) == list(photos)


@pytest.mark.slow
def test_augmentation_rerun_agrees_with_the_saved_results():
    """The small version CI runs: seed 0 with augmentation at the smallest size, against make bench's runs."""
    record = results.load("augmentation")
    measured, settings = record["results"], record["settings"]
    size, setting = min(settings["sizes"]), measured["chosen"]["with augmentation"]
    signs = ensembles.development_split(ensembles.signs_images(settings["image_side"]))
    rerun = augmentation.train(signs, size, 0, **{**settings, **setting, "passes": (setting["passes"],)})[setting["passes"]]
    saved = {run["regime"]: run for run in measured["runs"] if run["size"] == size and run["seed"] == 0}
    assert abs(rerun["test_accuracy"] - saved["with augmentation"]["test_accuracy"]) <= 0.05, (rerun, saved)
    assert abs(rerun["dev_accuracy"] - saved["with augmentation"]["dev_accuracy"]) <= 0.05, (rerun, saved)
