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


def test_assignment_2_fine_tunes_as_this_chapter_teaches(repo):
    """The solution's unfreeze_and_compile, run on a stand-in base, keeps every BatchNormalization layer
    frozen (the setting the test above shows keeps the stored statistics) and trains the rest from 120 on."""
    from autograder.notebooks import answers_from_source
    from cnn_course.public_tests import transfer_learning as public_tests

    source = repo / "solutions" / "transfer_learning" / "Transfer_Learning_MobileNetV2.ipynb"
    namespace = {"keras": keras, "BASE_LEARNING_RATE": 0.001, "find_base": public_tests.find_base}
    exec(answers_from_source(source, ["unfreeze_and_compile"])["unfreeze_and_compile"], namespace)
    inputs = keras.Input((4,))
    x = inputs
    for _ in range(70):  # 140 layers, every other one a BatchNormalization, as in MobileNetV2's blocks
        x = keras.layers.BatchNormalization()(keras.layers.Dense(4)(x))
    base = keras.Model(inputs, x, name="mobilenetv2_stand_in")
    base.trainable = False
    model = keras.Sequential([keras.Input((4,)), base, keras.layers.Dense(1)])
    namespace["unfreeze_and_compile"](model)
    for index, layer in enumerate(base.layers):
        normalization = isinstance(layer, keras.layers.BatchNormalization)
        assert layer.trainable == (index >= 120 and not normalization), (index, layer.name)
    assert base.trainable and any(layer.trainable for layer in base.layers)
