"""Which transfer-learning regime for how much data, measured on the alpaca photos with one head for all.

Three regimes, each ending in the same head (:func:`head`: dropout 0.2 and one logit on globally
average-pooled features, trained with Adam on the cross-entropy), so they differ only in what is
under it and what trains:

- *head only*: ImageNet MobileNetV2 frozen; only the head trains (on its pooled features);
- *fine-tune the top*: MobileNetV2's last three blocks and its final convolution (1.5 million
  weights) train as well, starting from their ImageNet values, their batch normalization frozen.
  The frozen bottom's output is computed once and reused, so these runs see no augmentation;
- *from scratch*: a small CNN with random initial weights on 96-pixel photos.

The photos are split once, keeping the class proportions (:func:`splits`): a test fifth that scores
the final runs and nothing else; of the rest, a development fifth that chooses each regime's
learning rate and number of steps (:func:`select`); the remaining training pool, from which each
run draws its training photos. Every run of a regime takes the same number of gradient steps
whatever the size (a small subset is repeated), so sizes differ only in how many distinct photos
they hold. Each final run records which test photos it got right, for paired bootstrap intervals.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np

from cnn_course import features, images
from cnn_course.pretrained import mobilenet_v2_base

SETTINGS = {"sizes": (16, 32, 64, 128, 209), "image_side": 160, "cut": "block_13_project_BN", "scratch_side": 96,
            "batch_size": 32, "dropout": 0.2, "learning_rates": (1e-4, 1e-3, 1e-2), "steps": (25, 50, 100, 200, 300),
            "selection_sizes": (16, 64, 209), "selection_seed": 0}
SEEDS = 3  # runs per configuration, their spread shown
REGIMES = ("head only", "fine-tune the top", "from scratch")


def splits(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Indices of the training pool, the development photos and the test photos (a fifth of all, then
    a fifth of the rest; each keeps the class proportions). The test photos are those chapter 8 holds out."""
    rest, test = images.train_val_split(labels, val_fraction=0.2, seed=0)
    train, dev = images.train_val_split(labels[rest], val_fraction=0.2, seed=1)
    return {"train": rest[train], "dev": rest[dev], "test": test}


class Alpacas:
    """The photos, their splits, and what the frozen ImageNet MobileNetV2 makes of them."""

    def __init__(self, image_side: int, cut: str, scratch_side: int, **_):
        self.x, self.y = images.load_alpacas(image_side)
        self.split = splits(self.y)
        self.small = np.stack([images.resize(photo, scratch_side) for photo in self.x]).astype("float32")
        base = mobilenet_v2_base((image_side, image_side, 3))
        self.top = keras.Model(base.get_layer(cut).output, base.output)  # the layers that fine-tuning trains
        self.top_weights = self.top.get_weights()
        bottom = keras.Model(base.input, base.get_layer(cut).output)
        self.cut = features.extract_features(bottom, self.x, progress=False, pool=False)
        self.pooled = features.extract_features(self.top, self.cut, preprocess=None, progress=False)

    def inputs(self, regime: str) -> np.ndarray:
        """What the trained part of ``regime`` reads: pooled features, the frozen bottom's maps, or pixels."""
        return {"head only": self.pooled, "fine-tune the top": self.cut, "from scratch": self.small}[regime]

    def body(self, regime: str):
        """What builds the layers under the head that ``regime`` trains (``None``: the features are already pooled)."""
        return {"head only": None, "fine-tune the top": self.imagenet_top,
                "from scratch": lambda: scratch_body(self.small.shape[1:])}[regime]

    def imagenet_top(self) -> keras.Model:
        """The top at ImageNet's values, trainable but for its batch normalization."""
        self.top.set_weights(self.top_weights)
        for layer in self.top.layers:
            layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
        return self.top

    def train(self, regime: str, photos: np.ndarray, scored: np.ndarray, seed: int, **settings) -> dict[int, np.ndarray]:
        """:func:`train` ``regime`` on these photos."""
        return train(self.inputs(regime), self.y, photos, scored, seed, body=self.body(regime), **settings)


def subset(train: np.ndarray, labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` of the training photos, drawn with the class proportions kept (indices into all photos)."""
    return train[images.stratified_subset(labels[train], size, seed=seed)]


def scratch_body(input_shape) -> keras.Sequential:
    """Four 3x3 convolutions with max-pooling, from random initial weights: the body trained from scratch."""
    layers = keras.layers
    return keras.Sequential([keras.Input(input_shape), layers.Rescaling(1 / 255),
                             layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu")], name="scratch")


def head(features, dropout: float):
    """The head every regime trains: global average pooling (where ``features`` is still a map), dropout,
    one logit."""
    pooled = keras.layers.GlobalAveragePooling2D()(features) if len(features.shape) == 4 else features
    return keras.layers.Dense(1)(keras.layers.Dropout(dropout)(pooled))


def classifier(body: keras.Model | None, input_shape, dropout: float) -> keras.Model:
    """``body`` (or nothing, for pooled features) under :func:`head`."""
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, head(inputs if body is None else body(inputs), dropout))


def train(x: np.ndarray, y: np.ndarray, photos: np.ndarray, scored: np.ndarray, seed: int, *, body=None,
          learning_rate: float, steps, batch_size: int, dropout: float, **_) -> dict[int, np.ndarray]:
    """Train :func:`head` on what ``body()`` (random or pretrained layers, or ``None``) makes of ``x[photos]``,
    with Adam at ``learning_rate``; after each number of ``steps``, which of the ``scored`` photos it gets
    right (a boolean per photo)."""
    keras.utils.set_random_seed(seed)
    model = classifier(body() if body else None, x.shape[1:], dropout)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    rows, done, correct = images.shuffled_passes(photos, max(steps) * batch_size, seed), 0, {}
    for checkpoint in sorted(steps):
        chunk = rows[done * batch_size : checkpoint * batch_size]
        model.fit(x[chunk], y[chunk], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        logits = keras.ops.convert_to_numpy(model.predict_on_batch(x[scored]))[:, 0]
        correct[checkpoint], done = (logits > 0) == y[scored], checkpoint
    return correct


def select(data: Alpacas, regime: str, *, learning_rates, steps, selection_sizes, selection_seed: int,
           **settings) -> list[dict]:
    """Development accuracy of ``regime`` for every learning rate, selection size and number of steps (seed ``selection_seed``)."""
    found = []
    for learning_rate, size in itertools.product(learning_rates, selection_sizes):
        photos = subset(data.split["train"], data.y, size, selection_seed)
        correct = data.train(regime, photos, data.split["dev"], selection_seed, learning_rate=learning_rate,
                             steps=steps, **settings)
        found += [{"regime": regime, "learning_rate": learning_rate, "size": size, "steps": n,
                   "dev_accuracy": float(right.mean())} for n, right in correct.items()]
    return found


def chosen(selection: list[dict]) -> dict[str, dict]:
    """For each regime, the learning rate and number of steps with the best development accuracy averaged
    over the sizes; a tie goes to fewer steps, then to the smaller learning rate."""
    mean: dict = {}
    for row in selection:
        mean.setdefault((row["regime"], row["learning_rate"], row["steps"]), []).append(row["dev_accuracy"])
    best: dict = {}
    for (regime, learning_rate, steps), values in sorted(mean.items(), key=lambda item: (item[0][2], item[0][1])):
        if regime not in best or np.mean(values) > best[regime]["dev_accuracy"]:
            best[regime] = {"learning_rate": learning_rate, "steps": steps, "dev_accuracy": float(np.mean(values))}
    return best


def run(seeds=tuple(range(SEEDS)), sizes=None, regimes=REGIMES, **settings) -> dict:
    """Each regime's settings chosen on the development photos, then its test accuracy at every size and seed."""
    settings = {**SETTINGS, **settings}
    data = Alpacas(**settings)
    selection = [row for regime in regimes for row in select(data, regime, **settings)]
    best = chosen(selection)
    runs = []
    for seed, size, regime in itertools.product(seeds, sizes or settings["sizes"], regimes):
        photos, setting = subset(data.split["train"], data.y, size, seed), best[regime]
        right = data.train(regime, photos, data.split["test"], seed, **{
            **settings, "learning_rate": setting["learning_rate"], "steps": (setting["steps"],)})[setting["steps"]]
        runs.append({"regime": regime, "size": size, "seed": seed, "test_accuracy": float(right.mean()),
                     "test_correct": right.astype(int).tolist()})
    keras.backend.clear_session()
    return {"photos": {name: len(indices) for name, indices in data.split.items()}, "chosen": best,
            "selection": selection, "runs": runs}


def test_accuracies(runs: list[dict], regime: str, size: int) -> list[float]:
    """The test accuracy of ``regime`` at ``size``, one per seed."""
    return [run["test_accuracy"] for run in runs if run["regime"] == regime and run["size"] == size]

