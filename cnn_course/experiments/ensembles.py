"""Ensembles: small CNNs trained on SIGNS from different random initializations, their probabilities averaged.

The members are trained side by side in one Keras model (one output and one loss per member,
no weights shared), which is the same as training them one by one on the same mini-batches.
A sixth of the training images is held out (:func:`development_split`); the members' learning rate
and number of epochs are chosen on it (:func:`select`, :func:`chosen`). After every epoch each
member's development and test scores are recorded, so a shorter live run can be compared epoch by
epoch with the full one.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_course import data
from cnn_course import images as image_tools

SETTINGS = {"members": 5, "epochs": 60, "image_side": 32, "batch_size": 64, "learning_rates": (1e-3, 3e-3),
            "selection_seed": 0}
SEEDS = 5  # runs per configuration, their spread shown


def signs_images(side: int) -> dict[str, np.ndarray]:
    """SIGNS resized to ``side`` x ``side``, pixel values in [0, 1]."""
    signs = data.signs_dataset()
    resize = lambda x: keras.ops.convert_to_numpy(keras.ops.image.resize(x / 255.0, (side, side))).astype("float32")  # noqa: E731
    return {"x_train": resize(signs["x_train"]), "y_train": signs["y_train"],
            "x_test": resize(signs["x_test"]), "y_test": signs["y_test"]}


def development_split(images: dict, fraction: float = 1 / 6) -> dict[str, np.ndarray]:
    """``images`` with ``fraction`` of the training images (of every class) moved to ``x_dev``/``y_dev``:
    the development images that choose an experiment's settings, so the test images never do."""
    train, dev = image_tools.train_val_split(images["y_train"], val_fraction=fraction, seed=0)
    return {**images, "x_train": images["x_train"][train], "y_train": images["y_train"][train],
            "x_dev": images["x_train"][dev], "y_dev": images["y_train"][dev]}


def small_cnn(input_shape, classes: int, name: str) -> keras.Sequential:
    """Two 3x3 convolutions with max-pooling, then a softmax layer: an ensemble member."""
    layers = keras.layers
    return keras.Sequential([keras.Input(input_shape),
                             layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                             layers.Flatten(), layers.Dense(classes, activation="softmax")], name=name)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(probabilities.argmax(-1) == labels))


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean of -log(probability given to the true class); one column per class."""
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1.0))))


def scores(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """Every member's and the ensemble's test accuracy and cross-entropy; ``probabilities`` is (members, N, classes)."""
    average = probabilities.mean(axis=0)
    return {"member_accuracy": [accuracy(p, labels) for p in probabilities],
            "member_cross_entropy": [cross_entropy(p, labels) for p in probabilities],
            "ensemble_accuracy": accuracy(average, labels), "ensemble_cross_entropy": cross_entropy(average, labels)}


class EpochScores(keras.callbacks.Callback):
    """Records :func:`scores` after every epoch: on the test images, and with ``dev_`` before each key on the
    development images."""

    def __init__(self, members, images: dict):
        super().__init__()
        self.members, self.images, self.epochs = members, images, []

    def on_epoch_end(self, epoch, logs=None):
        scored = {}
        for split, prefix in (("dev", "dev_"), ("test", "")):
            x, y = self.images[f"x_{split}"], self.images[f"y_{split}"]
            probabilities = np.stack([keras.ops.convert_to_numpy(member(x, training=False)) for member in self.members])
            scored.update({prefix + key: value for key, value in scores(probabilities, y).items()})
        self.epochs.append(scored)


def train(images: dict, seed: int = 0, *, members: int, epochs: int, batch_size: int, learning_rate: float, **_):
    """Train ``members`` small CNNs side by side with Adam: ``(side_by_side_model, member_models, scores_per_epoch)``."""
    keras.utils.set_random_seed(seed)
    x, y = images["x_train"], images["y_train"]
    nets = [small_cnn(x.shape[1:], int(y.max()) + 1, f"member_{i + 1}") for i in range(members)]
    inputs = keras.Input(x.shape[1:])
    side_by_side = keras.Model(inputs, [net(inputs) for net in nets])
    side_by_side.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=["sparse_categorical_crossentropy"] * members)
    recorder = EpochScores(nets, images)
    side_by_side.fit(x, [y] * members, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[recorder])
    return side_by_side, nets, recorder.epochs


def select(images: dict, *, learning_rates, selection_seed: int, **settings) -> list[dict]:
    """The members' mean development accuracy after every epoch, for every learning rate (one seed)."""
    found = []
    for learning_rate in learning_rates:
        *_, per_epoch = train(images, selection_seed, **{**settings, "learning_rate": learning_rate})
        keras.backend.clear_session()
        found += [{"learning_rate": learning_rate, "epochs": epoch,
                   "dev_accuracy": float(np.mean(scored["dev_member_accuracy"]))}
                  for epoch, scored in enumerate(per_epoch, start=1)]
    return found


def chosen(selection: list[dict]) -> dict:
    """The learning rate and number of epochs with the best development accuracy; a tie goes to fewer
    epochs, then to the smaller learning rate."""
    return max(sorted(selection, key=lambda row: (row["epochs"], row["learning_rate"])), key=lambda row: row["dev_accuracy"])


def run(seeds=tuple(range(SEEDS)), **settings) -> dict:
    """The members' settings chosen on the development images; then, for every seed, the scores after every epoch
    (``{"chosen": ..., "selection": [...], "runs": [{"seed": s, "epochs": [scores, ...]}, ...]}``)."""
    settings = {**SETTINGS, **settings}
    images = development_split(signs_images(settings["image_side"]))
    selection = select(images, **settings)
    best = chosen(selection)
    runs = []
    for seed in seeds:
        *_, per_epoch = train(images, seed, **{**settings, "learning_rate": best["learning_rate"], "epochs": best["epochs"]})
        keras.backend.clear_session()
        runs.append({"seed": seed, "epochs": per_epoch})
    return {"images": {split: len(images[f"y_{split}"]) for split in ("train", "dev", "test")}, "chosen": best,
            "selection": selection, "runs": runs}


def at_epoch(runs: list[dict], key: str, epoch: int = -1) -> np.ndarray:
    """``key`` of every seed's run at ``epoch`` (1-based; -1: the last): one row per seed."""
    return np.array([run["epochs"][epoch - 1 if epoch > 0 else epoch][key] for run in runs])
