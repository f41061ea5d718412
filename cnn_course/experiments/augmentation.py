"""Augmentation on and off, at several training-set sizes: a small CNN on SIGNS, settings chosen on a development split.

A sixth of the SIGNS training images is held out as development images (:func:`ensembles.development_split`);
the rest is the training pool, from which each run draws its training images with the class
proportions kept. Every run takes the same number of gradient steps whatever the size (``passes``
over the whole pool; a small subset is repeated), with or without random shifts of every image in
every step. Each regime's learning rate, number of passes and shift are chosen on the development
images (:func:`select`, :func:`chosen`); the test images score the chosen settings and nothing else.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np

from cnn_course import images as image_tools
from cnn_course.experiments.ensembles import accuracy, development_split, signs_images, small_cnn

SETTINGS = {"sizes": (120, 240, 480, 900), "image_side": 32, "batch_size": 64, "learning_rates": (1e-3, 3e-3),
            "passes": (15, 30, 60, 120), "shifts": (0.05, 0.1, 0.15), "selection_seed": 0}
SEEDS = 3  # runs per configuration, their spread shown
REGIMES = ("without augmentation", "with augmentation")


def augmenter(shift: float, seed: int) -> keras.Sequential:
    """Shift every image by up to ``shift`` of its side in each direction, as CIFAR's pad-and-crop does."""
    layers = keras.layers
    return keras.Sequential([layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed)], name="augmenter")


def subset(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` of the training pool's images, drawn with the class proportions kept."""
    return image_tools.stratified_subset(labels, size, seed=seed)


def train(images: dict, size: int, seed: int, *, shift: float, learning_rate: float, passes, batch_size: int,
          **_) -> dict[int, dict]:
    """Train one small CNN on ``size`` training images (shifted by up to ``shift``; 0: not at all); after each
    number of ``passes``, its accuracy on its own training images and on the development and test images."""
    x, y = images["x_train"], images["y_train"]
    photos = subset(y, size, seed)
    steps_per_pass = len(x) / batch_size
    order = image_tools.shuffled_passes(photos, round(max(passes) * steps_per_pass) * batch_size, seed)
    keras.utils.set_random_seed(seed)
    model = small_cnn(x.shape[1:], int(y.max()) + 1, "cnn")
    trainer = keras.Sequential([keras.Input(x.shape[1:]), augmenter(shift, seed), model]) if shift else model
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    scored, done = {}, 0
    for checkpoint in sorted(passes):
        end = round(checkpoint * steps_per_pass) * batch_size
        trainer.fit(x[order[done:end]], y[order[done:end]], epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
        scored[checkpoint] = {f"{split}_accuracy": accuracy(keras.ops.convert_to_numpy(model(features, training=False)), labels)
                              for split, features, labels in (("training", x[photos], y[photos]),
                                                              ("dev", images["x_dev"], images["y_dev"]),
                                                              ("test", images["x_test"], images["y_test"]))}
        done = end
    keras.backend.clear_session()
    return scored


def candidates(regime: str, learning_rates, shifts, **_) -> list[dict]:
    """The settings tried for ``regime``: every learning rate, and for augmentation every shift."""
    return [{"learning_rate": rate, "shift": shift}
            for rate, shift in itertools.product(learning_rates, shifts if regime == REGIMES[1] else (0.0,))]


def select(images: dict, regime: str, *, sizes, passes, selection_seed: int, **settings) -> list[dict]:
    """Development accuracy of ``regime`` for every candidate setting, size and number of passes (one seed)."""
    found = []
    for candidate, size in itertools.product(candidates(regime, **settings), sizes):
        scored = train(images, size, selection_seed, passes=passes, **{**settings, **candidate})
        found += [{"regime": regime, **candidate, "size": size, "passes": n, "dev_accuracy": score["dev_accuracy"]}
                  for n, score in scored.items()]
    return found


def chosen(selection: list[dict]) -> dict[str, dict]:
    """For each regime, the setting with the best development accuracy averaged over the sizes; a tie goes
    to fewer passes, then the smaller learning rate, then the smaller shift."""
    mean: dict = {}
    for row in selection:
        mean.setdefault((row["regime"], row["passes"], row["learning_rate"], row["shift"]), []).append(row["dev_accuracy"])
    best: dict = {}
    for (regime, passes, learning_rate, shift), values in sorted(mean.items(), key=lambda item: item[0][1:]):
        if regime not in best or np.mean(values) > best[regime]["dev_accuracy"]:
            best[regime] = {"learning_rate": learning_rate, "passes": passes, "shift": shift,
                            "dev_accuracy": float(np.mean(values))}
    return best


def run(seeds=tuple(range(SEEDS)), sizes=None, **settings) -> dict:
    """Each regime's settings chosen on the development images, then its accuracies at every size and seed."""
    settings = {**SETTINGS, **settings, **({"sizes": sizes} if sizes else {})}
    images = development_split(signs_images(settings["image_side"]))
    selection = [row for regime in REGIMES for row in select(images, regime, **settings)]
    best = chosen(selection)
    runs = []
    for seed, size, regime in itertools.product(seeds, settings["sizes"], REGIMES):
        setting = best[regime]
        scored = train(images, size, seed, **{**settings, **setting, "passes": (setting["passes"],)})
        runs.append({"size": size, "regime": regime, "seed": seed, **scored[setting["passes"]]})
    return {"images": {split: len(images[f"y_{split}"]) for split in ("train", "dev", "test")}, "chosen": best,
            "selection": selection, "runs": runs}


def test_accuracies(runs: list[dict], size: int, regime: str) -> list[float]:
    return [run["test_accuracy"] for run in runs if run["size"] == size and run["regime"] == regime]
