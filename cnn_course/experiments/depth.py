"""Degradation: deeper plain networks train *worse*, deeper residual networks do not.

The networks are the ResNet paper's CIFAR-10 family (He et al., 2015, section 4.2), narrowed for a
CPU: :func:`cnn_course.models.resnet.cifar_net`, plain or with parameter-free shortcuts, so both
kinds have exactly the same weights. Every net is trained with SGD, momentum and a cosine
learning-rate decay to zero; after every epoch the network as it stands is scored in inference
mode on the whole training set (the paper's training error), and at the end on the test set.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_course.experiments import ensembles
from cnn_course.models import resnet

# The full experiment (`make bench`): the 20- and 56-layer plain/residual pairs of the paper's figures 1 and 6.
SETTINGS = {"depths": (20, 56), "width": 8, "image_side": 24, "epochs": 50, "batch_size": 64,
            "learning_rate": 0.05, "momentum": 0.9}
SEEDS = 3  # runs per configuration, their spread shown
KINDS = ("plain", "residual")


def signs_images(side: int) -> dict[str, np.ndarray]:
    """SIGNS resized to ``side`` x ``side``, each channel standardized with the training set's statistics."""
    images = ensembles.signs_images(side)
    mean, std = images["x_train"].mean(axis=(0, 1, 2)), images["x_train"].std(axis=(0, 1, 2))
    return {**images, "x_train": (images["x_train"] - mean) / std, "x_test": (images["x_test"] - mean) / std}


class TrainingSetScores(keras.callbacks.Callback):
    """After every epoch: loss and error of the network as it stands, in inference mode, on the whole training set."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y, self.loss, self.error = x, y, [], []

    def on_epoch_end(self, epoch, logs=None):
        loss, accuracy = self.model.evaluate(self.x, self.y, batch_size=256, verbose=0)
        self.loss.append(loss)
        self.error.append(1 - accuracy)


def train(kind: str, depth: int, images: dict, seed: int = 0, *, width: int, epochs: int, batch_size: int,
          learning_rate: float, momentum: float, stop_after: int | None = None, **_) -> dict:
    """Train one net with SGD, momentum and a cosine decay of the learning rate over ``epochs``
    (only the first ``stop_after`` of them, if given): its training loss and error per epoch, and its test error."""
    x, y = images["x_train"], images["y_train"]
    model = resnet.cifar_net(depth, residual=kind == "residual", width=width, input_shape=x.shape[1:],
                             classes=int(y.max()) + 1, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * -(-len(x) // batch_size))
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    scores = TrainingSetScores(x, y)
    model.fit(x, y, epochs=stop_after or epochs, batch_size=batch_size, callbacks=[scores], verbose=0)
    _, test_accuracy = model.evaluate(images["x_test"], images["y_test"], verbose=0)
    keras.backend.clear_session()
    return {"kind": kind, "depth": depth, "seed": seed, "loss": scores.loss, "training_error": scores.error,
            "test_error": 1 - test_accuracy}


def run(seeds=tuple(range(SEEDS)), runs=None, **settings) -> list[dict]:
    """Every (kind, depth) of ``settings`` (default :data:`SETTINGS`) for every seed, or only ``runs``."""
    settings = {**SETTINGS, **settings}
    images = signs_images(settings["image_side"])
    runs = runs or [(kind, depth) for depth in settings["depths"] for kind in KINDS]
    return [train(kind, depth, images, seed, **settings) for seed in seeds for kind, depth in runs]


def select(runs: list[dict], kind: str, depth: int) -> list[dict]:
    return [run for run in runs if run["kind"] == kind and run["depth"] == depth]


def final(runs: list[dict], kind: str, depth: int, metric: str = "training_error") -> list[float]:
    """``metric`` at the end of training, one value per seed."""
    return [run[metric][-1] if isinstance(run[metric], list) else run[metric] for run in select(runs, kind, depth)]
