"""The exercises' targets: they say clearly whether a model matches, and never raise."""

from __future__ import annotations

import keras

from cnn_course import costs, exercises


def _model(*stack, input_shape=(6, 6, 3)):
    inputs = outputs = keras.Input(input_shape)  # no layers: the exercises' skeleton, outputs = inputs
    for layer in stack:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)


TARGET = exercises.ModelTarget("the separable layer", output_shape=(4, 4, 5), parameters=3 * 3 * 3 + 3 * 5,
                               multiplications=costs.depthwise_separable_cost(4, 3, 3, 5).total)


def test_a_matching_model_passes(capsys):
    model = _model(keras.layers.DepthwiseConv2D(3, use_bias=False), keras.layers.Conv2D(5, 1, use_bias=False))
    assert TARGET.check(model)
    assert capsys.readouterr().out.startswith("✓ the separable layer matches: output shape 4×4×5, parameters 42")


def test_the_untouched_skeleton_is_not_built_yet(capsys):
    assert not TARGET.check(_model())  # the skeleton: no layers between input and output
    out = capsys.readouterr().out
    assert out.startswith("Not built yet:") and "parameters 42" in out and "multiplications 672" in out


def test_a_wrong_model_says_what_differs(capsys):
    assert not TARGET.check(_model(keras.layers.Conv2D(5, 3, use_bias=False)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✗ the separable layer does not match yet:"
    assert lines[1:] == ["  parameters: yours 135, the target 42", "  multiplications: yours 2,160, the target 672"]


def test_only_the_stated_quantities_are_compared(capsys):
    shape_only = exercises.ModelTarget("a shape", output_shape=(4, 4, 5), multiplications=2160)
    assert shape_only.check(_model(keras.layers.Conv2D(5, 3)))
    assert "parameters" not in capsys.readouterr().out
    assert not exercises.ModelTarget("a shape", output_shape=(6, 6, 5), parameters=140).check(_model(keras.layers.Conv2D(5, 3)))
    assert "output shape: yours 4×4×5, the target 6×6×5" in capsys.readouterr().out
