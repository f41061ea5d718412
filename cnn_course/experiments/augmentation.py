"""Augmentation on and off, at several training-set sizes: a small CNN on SIGNS, scored on the test set.

Each run trains on a random subset of the training images for the same number of gradient steps
(the subset is repeated to make up ``passes`` epochs of the full training set), with or without
random shifts of every image in every step.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_course.experiments.ensembles import accuracy, signs_images, small_cnn

SETTINGS = {"sizes": (135, 270, 540, 1080), "passes": 60, "shift": 0.05, "image_side": 32, "batch_size": 64, "learning_rate": 3e-3}
REGIMES = ("without augmentation", "with augmentation")


def augmenter(shift: float, seed: int) -> keras.Sequential:
    """Shift every image by up to ``shift`` of its side in each direction, as CIFAR's pad-and-crop does."""
    layers = keras.layers
    return keras.Sequential([layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed)], name="augmenter")


def train(images: dict, size: int, augmented: bool, seed: int = 0, *, passes: int, shift: float, batch_size: int,
          learning_rate: float, **_) -> dict:
    """Train one small CNN on ``size`` random training images; its accuracy on them and on the test set."""
    x, y = images["x_train"], images["y_train"]
    subset = np.random.default_rng(seed).choice(len(x), size, replace=False)
    repeated = np.resize(subset, passes * len(x))  # the same number of steps whatever the size
    keras.utils.set_random_seed(seed)
    model = small_cnn(x.shape[1:], int(y.max()) + 1, "cnn")
    trainer = keras.Sequential([keras.Input(x.shape[1:]), augmenter(shift, seed), model]) if augmented else model
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    trainer.fit(x[repeated], y[repeated], epochs=1, batch_size=batch_size, verbose=0)
    scores = {f"{split}_accuracy": accuracy(keras.ops.convert_to_numpy(model(features, training=False)), labels)
              for split, features, labels in (("training", x[subset], y[subset]), ("test", images["x_test"], images["y_test"]))}
    keras.backend.clear_session()
    return {"size": size, "regime": REGIMES[augmented], "seed": seed, **scores}


def run(seeds=(0, 1, 2), sizes=None, **settings) -> list[dict]:
    settings = {**SETTINGS, **settings}
    images = signs_images(settings["image_side"])
    return [train(images, size, augmented, seed, **settings)
            for seed in seeds for size in sizes or settings["sizes"] for augmented in (False, True)]


def test_accuracies(runs: list[dict], size: int, regime: str) -> list[float]:
    return [run["test_accuracy"] for run in runs if run["size"] == size and run["regime"] == regime]
