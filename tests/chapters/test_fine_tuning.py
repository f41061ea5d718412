"""Batch normalization while fine-tuning: which settings keep a base's stored statistics."""

from __future__ import annotations

import keras
import numpy as np

from cnn_course import fine_tuning


def _base():
    image = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(image)
    return keras.Model(image, keras.layers.BatchNormalization(name="bn")(x))


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(3, 2, size=(8, 6, 6, 3)).astype("float32"), np.array([0, 1] * 4)


def test_unfrozen_batch_norm_moves_in_a_fit_step_despite_training_false():
    base = _base()
    weights = [w.copy() for w in base.get_weights()]
    moved = fine_tuning.batch_norm_after_fit_step(base, *_data(), layer="bn", freeze_batch_norm=False)
    assert moved["moving_mean"] > 0 and moved["gamma"] > 0  # Keras 3: fit's training=True wins
    assert all(np.array_equal(a, b) for a, b in zip(weights, base.get_weights()))  # restored
    assert base.trainable and base.get_layer("bn").trainable


def test_frozen_batch_norm_keeps_its_statistics_while_the_rest_trains():
    base = _base()
    base.trainable = False
    moved = fine_tuning.batch_norm_after_fit_step(base, *_data(), layer="bn", freeze_batch_norm=True)
    assert moved.pop("other layers") > 0  # the convolution trains
    assert moved == {"gamma": 0.0, "beta": 0.0, "moving_mean": 0.0, "moving_variance": 0.0}
    assert not base.trainable  # the flag is restored too
