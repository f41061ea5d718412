"""Degradation: deeper plain networks train *worse*, deeper residual networks do not.

The networks are the ResNet paper's CIFAR-10 family (He et al., 2015, section 4.2), narrowed for a
CPU: :func:`cnn_course.models.resnet.cifar_net`. Every convolution is He-initialized and followed
by batch normalization, so the signal neither vanishes nor explodes at the start; what is left
when the deep plain net still trains worse is the paper's *degradation problem*.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_course.experiments import ensembles
from cnn_course.models import resnet

# The full experiment (`make bench`): the paper's plain/residual pairs at three depths.
SETTINGS = {"depths": (8, 20, 44), "width": 8, "image_side": 24, "epochs": 10, "batch_size": 64,
            "learning_rate": 0.05, "momentum": 0.9}
KINDS = ("plain", "residual")


def signs_images(side: int) -> dict[str, np.ndarray]:
    """SIGNS resized to ``side`` x ``side``, each channel standardized with the training set's statistics."""
    images = ensembles.signs_images(side)
    mean, std = images["x_train"].mean(axis=(0, 1, 2)), images["x_train"].std(axis=(0, 1, 2))
    return {**images, "x_train": (images["x_train"] - mean) / std, "x_test": (images["x_test"] - mean) / std}


def train(kind: str, depth: int, images: dict, seed: int = 0, *, width: int, epochs: int, batch_size: int,
          learning_rate: float, momentum: float, **_) -> dict:
    """Train one net with SGD and momentum; its training loss and error per epoch, and its final test error."""
    x, y = images["x_train"], images["y_train"]
    model = resnet.cifar_net(depth, residual=kind == "residual", width=width, input_shape=x.shape[1:],
                             classes=int(y.max()) + 1, seed=seed)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0).history
    _, test_accuracy = model.evaluate(images["x_test"], images["y_test"], verbose=0)
    keras.backend.clear_session()
    return {"kind": kind, "depth": depth, "seed": seed, "loss": history["loss"],
            "training_error": [1 - a for a in history["accuracy"]], "test_error": 1 - test_accuracy}


def run(seeds=(0, 1, 2), runs=None, **settings) -> list[dict]:
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
