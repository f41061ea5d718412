"""Which transfer-learning regime for how much data: the usual advice, measured on the alpaca photos.

Three ways to use a few labelled photos, at several training-set sizes (random subsets of the
same training photos, each keeping the class proportions; the same held-out fifth of the photos
scores them all; at the largest size every seed trains on all of them):

- *head only*: ImageNet MobileNetV2 frozen, a logistic head on its pooled features (chapter 8);
- *fine-tune the top*: MobileNetV2's last three blocks and its final convolution (1.5 million
  weights) trained as well, starting from their ImageNet values, under a new dense head; their
  batch normalization frozen (chapter 8). The frozen bottom's output is computed once and
  reused, so these runs see no augmentation;
- *from scratch*: a small CNN with random initial weights.

Every run of a regime takes the same number of gradient steps whatever the size (a small
subset is repeated), so sizes differ only in how many distinct photos they hold.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_course import features, images
from cnn_course.pretrained import mobilenet_v2_base

SETTINGS = {"sizes": (16, 32, 64, 128, 262), "image_side": 160, "cut": "block_13_project_BN", "batch_size": 32,
            "fine_tune_steps": 200, "fine_tune_learning_rate": 1e-4, "scratch_side": 96, "scratch_steps": 300,
            "scratch_learning_rate": 1e-3}
REGIMES = ("head only", "fine-tune the top", "from scratch")


class Alpacas:
    """The photos, the fixed validation split, and what the frozen ImageNet MobileNetV2 makes of them."""

    def __init__(self, image_side: int, cut: str, scratch_side: int, **_):
        self.x, self.y = images.load_alpacas(image_side)
        self.small = np.stack([images.resize(photo, scratch_side) for photo in self.x])
        self.train, self.val = images.train_val_split(self.y, val_fraction=0.2, seed=0)
        base = mobilenet_v2_base((image_side, image_side, 3))
        self.top = keras.Model(base.get_layer(cut).output, base.output)  # the layers that fine-tuning trains
        self.top_weights = self.top.get_weights()
        bottom = keras.Model(base.input, base.get_layer(cut).output)
        self.cut = features.extract_features(bottom, self.x, progress=False, pool=False)
        self.pooled = features.extract_features(self.top, self.cut, preprocess=None, progress=False)


def subset(train: np.ndarray, labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` of the training photos, drawn with the class proportions kept (indices into all photos)."""
    return train[images.stratified_subset(labels[train], size, seed=seed)]


def repeated(subset: np.ndarray, steps: int, batch_size: int) -> np.ndarray:
    return np.resize(subset, steps * batch_size)


def head_only_accuracy(pooled: np.ndarray, labels: np.ndarray, subset: np.ndarray, val: np.ndarray) -> float:
    """A logistic head on the frozen network's pooled features of ``subset``, scored on ``val``."""
    head = features.fit_logistic_head(pooled[subset], labels[subset])
    return head.accuracy(pooled[val], labels[val])


def head_only(data: Alpacas, subset: np.ndarray, seed: int, **_) -> float:
    return head_only_accuracy(data.pooled, data.y, subset, data.val)


def _binary_accuracy(model, x, y) -> float:
    logits = keras.ops.convert_to_numpy(model(x, training=False))[:, 0]
    return float(np.mean((logits > 0) == y))


def fine_tune_top(data: Alpacas, subset: np.ndarray, seed: int, *, fine_tune_steps: int, fine_tune_learning_rate: float,
                  batch_size: int, **_) -> float:
    keras.utils.set_random_seed(seed)
    data.top.set_weights(data.top_weights)  # ImageNet's values again
    for layer in data.top.layers:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    inputs = keras.Input(data.cut.shape[1:])
    x = keras.layers.GlobalAveragePooling2D()(data.top(inputs, training=False))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dropout(0.2)(x)))
    model.compile(optimizer=keras.optimizers.Adam(fine_tune_learning_rate), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    rows = repeated(subset, fine_tune_steps, batch_size)
    model.fit(data.cut[rows], data.y[rows], batch_size=batch_size, epochs=1, verbose=0)
    return _binary_accuracy(model, data.cut[data.val], data.y[data.val])


def scratch_cnn(input_shape) -> keras.Sequential:
    """Four 3x3 convolutions with max-pooling, global average pooling, dropout and one logit."""
    layers = keras.layers
    return keras.Sequential([keras.Input(input_shape), layers.Rescaling(1 / 255),
                             layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.GlobalAveragePooling2D(),
                             layers.Dropout(0.3), layers.Dense(1)], name="scratch")


def from_scratch(data: Alpacas, subset: np.ndarray, seed: int, *, scratch_steps: int, scratch_learning_rate: float,
                 batch_size: int, **_) -> float:
    keras.utils.set_random_seed(seed)
    model = scratch_cnn(data.small.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(scratch_learning_rate), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    rows = repeated(subset, scratch_steps, batch_size)
    model.fit(data.small[rows].astype("float32"), data.y[rows], batch_size=batch_size, epochs=1, verbose=0)
    return _binary_accuracy(model, data.small[data.val].astype("float32"), data.y[data.val])


TRAIN = dict(zip(REGIMES, (head_only, fine_tune_top, from_scratch)))


def run(seeds=(0, 1, 2), sizes=None, regimes=REGIMES, **settings) -> list[dict]:
    """Validation accuracy of every regime at every size, for every seed."""
    settings = {**SETTINGS, **settings}
    data = Alpacas(**settings)
    runs = []
    for seed in seeds:
        for size in sizes or settings["sizes"]:
            photos = subset(data.train, data.y, size, seed)
            for regime in regimes:
                runs.append({"regime": regime, "size": size, "seed": seed,
                             "val_accuracy": TRAIN[regime](data, photos, seed, **settings)})
    keras.backend.clear_session()
    return runs
