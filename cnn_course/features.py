"""Transfer learning by feature extraction: run a frozen network once, train a small head on its output.

:func:`extract_features` turns images into one pooled feature vector each; :func:`fit_logistic_head`
trains a logistic-regression classifier on those vectors with plain full-batch gradient descent
(numpy only, deterministic, well under a second for a few hundred examples).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
from tqdm.std import tqdm

from cnn_course.progress import shown


def extract_features(base, images, batch_size: int = 32, preprocess="mobilenet_v2", progress: bool | None = None,
                     desc: str = "features", pool: bool = True) -> np.ndarray:
    """Run the frozen ``base`` over ``images`` in batches and average-pool: ``(N, channels)`` float32
    (with ``pool=False``, the feature maps as they are).

    ``images`` are ``(N, H, W, 3)`` with pixel values in [0, 255]. ``preprocess`` maps a float batch
    to what ``base`` expects: ``"mobilenet_v2"`` (the default) scales to [-1, 1] as MobileNetV2 was
    trained; a callable is used as is; ``None`` leaves the batch alone. The base runs in inference
    mode (as ``training=False``), so its batch-normalization layers use their stored statistics.
    ``progress`` draws a bar per batch; by default (``None``) unless ``$CNN_COURSE_PROGRESS`` is 0,
    as it is when the website executes the chapter (:mod:`cnn_course.progress`).
    """
    if preprocess == "mobilenet_v2":
        from keras.applications.mobilenet_v2 import preprocess_input as preprocess
    pooled = []
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc=desc, disable=not shown(progress), file=sys.stdout, ncols=80, mininterval=5):
        batch = np.asarray(images[start : start + batch_size], dtype=np.float32)
        if preprocess is not None:
            batch = preprocess(batch)
        maps = np.asarray(base.predict_on_batch(batch))
        pooled.append(maps.mean(axis=(1, 2)) if maps.ndim == 4 and pool else maps)
    return np.concatenate(pooled).astype(np.float32)


@dataclass
class LogisticHead:
    """A logistic-regression classifier on standardised features: ``p(y=1|x) = sigmoid(w.z + b)``."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    losses: list[float] = field(default_factory=list)

    def logits(self, features: np.ndarray) -> np.ndarray:
        return ((np.asarray(features) - self.mean) / self.scale) @ self.weights + self.bias

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability of label 1 for each row of ``features``."""
        return _sigmoid(self.logits(features))

    def predict(self, features: np.ndarray) -> np.ndarray:
        return (self.logits(features) >= 0).astype(np.int64)

    def accuracy(self, features: np.ndarray, labels: np.ndarray) -> float:
        return float(np.mean(self.predict(features) == np.asarray(labels)))


def fit_logistic_head(features, labels, epochs: int = 300, learning_rate: float = 0.5, l2: float = 1e-2,
                      init: LogisticHead | None = None) -> LogisticHead:
    """Train a :class:`LogisticHead` by full-batch gradient descent on the mean cross-entropy.

    Features are standardised with the training set's mean and standard deviation (kept in the
    head, so new features are scaled the same way); ``l2`` is the weight of ``||w||^2 / 2``.
    Each epoch is one gradient step over all examples. ``init`` continues training an existing
    head (with its scaling) instead of starting from zero weights.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if init is None:
        mean, std = x.mean(axis=0), x.std(axis=0)
        # Relative floor: features of any magnitude (even ~1e-12) are rescaled to unit spread.
        scale = np.maximum(std, 1e-6 * std.max() + np.finfo(float).tiny)
        weights, bias, losses = np.zeros(x.shape[1]), 0.0, []
    else:
        mean, scale = init.mean, init.scale
        weights, bias, losses = init.weights.copy(), init.bias, list(init.losses)
    z = (x - mean) / scale
    for _ in range(epochs):
        logits = z @ weights + bias
        p = _sigmoid(logits)
        # Cross-entropy written with logaddexp so it stays finite for confident predictions.
        losses.append(float(np.mean(np.logaddexp(0.0, logits) - y * logits) + 0.5 * l2 * weights @ weights))
        error = (p - y) / len(y)
        weights = weights - learning_rate * (z.T @ error + l2 * weights)
        bias = bias - learning_rate * error.sum()
    return LogisticHead(weights, float(bias), mean, scale, losses)


def cross_val_accuracy(features, labels, folds: int = 5, seed: int = 0, **fit_kwargs) -> np.ndarray:
    """Validation accuracy of :func:`fit_logistic_head` on each of ``folds`` stratified folds."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        fold_of[members] = np.arange(len(members)) % folds
    scores = []
    for fold in range(folds):
        val = fold_of == fold
        head = fit_logistic_head(features[~val], labels[~val], **fit_kwargs)
        scores.append(head.accuracy(features[val], labels[val]))
    return np.array(scores)


def _sigmoid(logits):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(logits)))
