"""Public tests of assignment 3, efficient networks (run them in the notebook).

They check what the instructions ask for and print what they found; passing them is a good
sign, not a guarantee: the grader runs further checks of its own, on other shapes and weights.
"""

from __future__ import annotations

import functools
import math
from collections import Counter

import numpy as np

from cnn_course import costs
from cnn_course.public_tests.common import block_model, ok, set_weights

# Outputs of a correct block at pixel (0, 0) of the first image, in inference mode, for the inputs and
# weights of `_block_output` below.
EXPECTED = {
    "depthwise_separable_block": [0.0692, 0.496, 0.0, 0.0, 0.4702, 0.7543],
    "inverted_residual_block, stride 1": [-8.246, -5.5397, 5.9211, 1.71],
    "inverted_residual_block, stride 2": [0.2704, 0.0495, 0.6564, -0.2809, -0.4279, 0.4272],
}
# small_mobilenet's parameters (as count_params() counts them) at alpha = 1 and 0.5.
SMALL_MOBILENET_PARAMETERS = {1.0: 232_390, 0.5: 70_262}


def _operations(model) -> list:
    """The model's layers and keras.ops in order, those of nested models (a Sequential inside a block) in their place."""
    import keras

    found = []
    for operation in getattr(model, "operations", None) or model.layers:  # a Sequential without an Input has layers only
        found += _operations(operation) if isinstance(operation, keras.Model) else [operation]
    return found


def _kinds(model) -> list[str]:
    """Layer (and keras.ops) types in order, Input and padding left out; ReLU(6.0), ReLU(max_value=6),
    Activation("relu6") and keras.ops.relu6 are all called "ReLU6", Add() and + both "Add". A layer called
    twice counts once."""
    kinds = []
    for layer in _operations(model):
        kind = type(layer).__name__
        config = layer.get_config() if kind in ("ReLU", "Activation") else {}
        if kind == "Relu6" or config.get("activation") == "relu6" or (kind == "ReLU" and config.get("max_value") == 6):
            kind = "ReLU6"
        elif kind == "Relu" or config.get("activation") == "relu":
            kind = "ReLU"
        if kind not in ("InputLayer", "ZeroPadding2D"):
            kinds.append(kind)
    return kinds


def _convolutions(model) -> list[tuple]:
    """(type, filters, kernel size, strides, bias) of every convolution, sorted."""
    rows = []
    for layer in _operations(model):
        kind = type(layer).__name__
        if kind in ("Conv2D", "DepthwiseConv2D"):
            config = layer.get_config()
            rows.append((kind, config.get("filters", "-"), tuple(config["kernel_size"]), tuple(config["strides"]),
                         config["use_bias"]))
    return sorted(rows, key=str)


def _check_layers(model, expected_kinds: dict, expected_convolutions: list, name: str) -> None:
    """The layers with weights and the additions, counted; ReLU6 and never a plain ReLU (how many ReLU6 the
    values tell: an activation layer may be called twice)."""
    kinds = Counter(_kinds(model))
    assert not kinds["ReLU"], f"{name}: found a plain ReLU; the blocks use ReLU6, layers.ReLU(6.0)."
    assert kinds["ReLU6"], f"{name}: found no ReLU6; the blocks use ReLU6, layers.ReLU(6.0)."
    counted = {kind: kinds[kind] for kind in ("Conv2D", "DepthwiseConv2D", "BatchNormalization", "Add") if kinds[kind]}
    assert counted == expected_kinds, (
        f"{name}: expected the layers {dict(sorted(expected_kinds.items()))}, found {dict(sorted(counted.items()))}."
    )
    convolutions = _convolutions(model)
    assert convolutions == sorted(expected_convolutions, key=str), (
        f"{name}: expected the convolutions (type, filters, kernel size, strides, bias) "
        f"{sorted(expected_convolutions, key=str)}, found {convolutions}."
    )


def _block_output(block, case: str, zero_batchnorm: bool = False, training: bool = False):
    """The fixed inputs of a case and the block's output on them, in inference mode unless ``training``."""
    if case == "depthwise_separable_block":
        model = block_model(block, (5, 5, 4), 6, strides=2)
    elif case == "inverted_residual_block, stride 1":
        model = block_model(block, (4, 4, 4), 3, 4)
    else:
        model = block_model(block, (5, 5, 4), 3, 6, strides=2)
    set_weights(model, seed=3, zero_batchnorm=zero_batchnorm)
    x = np.random.default_rng(3).uniform(-10, 10, size=(2, *model.input_shape[1:])).astype("float32")
    return x, np.asarray(model(x, training=training))


def _check_values(block, case: str) -> np.ndarray:
    _, output = _block_output(block, case)
    expected = np.array(EXPECTED[case])
    assert output.shape[-1] == len(expected), f"{case}: expected {len(expected)} channels, got {output.shape[-1]}."
    got = output[0, 0, 0].astype(float)
    assert np.allclose(got, expected, atol=1e-3), (
        f"{case}: at pixel (0, 0) expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}."
    )
    ok(f"{case} gives the expected values")
    _, training = _block_output(block, case, training=True)
    assert not np.allclose(training, output, atol=1e-4), (
        f"{case}: in training mode (model(x, training=True)) the block gives what it gives in inference mode. Call "
        "BatchNormalization() without a training argument and leave it trainable, so that fit normalizes each batch "
        "with its own statistics."
    )
    ok(f"{case}: BatchNormalization follows Keras's training and inference modes")
    return output


# --- depthwise-separable block -------------------------------------------------------------


def test_depthwise_separable_block(depthwise_separable_block) -> None:
    model = block_model(depthwise_separable_block, (6, 6, 4), 5, strides=2)
    assert tuple(model.output_shape) == (None, 3, 3, 5), (
        f"depthwise_separable_block(X, 5, strides=2) on a (6, 6, 4) input should give (3, 3, 5), "
        f"got {tuple(model.output_shape)[1:]}."
    )
    _check_layers(model, {"DepthwiseConv2D": 1, "Conv2D": 1, "BatchNormalization": 2},
                  [("DepthwiseConv2D", "-", (3, 3), (2, 2), False), ("Conv2D", 5, (1, 1), (1, 1), False)],
                  "depthwise_separable_block(X, 5, strides=2)")
    ok("depthwise_separable_block: DepthwiseConv2D 3x3 and Conv2D 1x1 without bias, each with BatchNormalization and ReLU6")
    output = _check_values(depthwise_separable_block, "depthwise_separable_block")
    assert output.min() >= 0 and output.max() <= 6, "The block ends with ReLU6: its outputs lie between 0 and 6."
    ok("its outputs lie between 0 and 6 (ReLU6)")


# --- inverted residual block ---------------------------------------------------------------


def test_inverted_residual_block_layers(inverted_residual_block) -> None:
    model = block_model(inverted_residual_block, (4, 4, 4), 6, 4)
    assert tuple(model.output_shape) == (None, 4, 4, 4), (
        f"inverted_residual_block(X, 6, 4) on a (4, 4, 4) input should keep its shape, got {tuple(model.output_shape)[1:]}."
    )
    _check_layers(model, {"Conv2D": 2, "DepthwiseConv2D": 1, "BatchNormalization": 3, "Add": 1},
                  [("Conv2D", 24, (1, 1), (1, 1), False), ("DepthwiseConv2D", "-", (3, 3), (1, 1), False),
                   ("Conv2D", 4, (1, 1), (1, 1), False)],
                  "inverted_residual_block(X, expansion=6, filters=4)")
    ok("expansion 6: Conv2D 1x1 to 24 channels, DepthwiseConv2D 3x3, Conv2D 1x1 to 4, 3 BatchNormalization, ReLU6, 1 Add")
    model = block_model(inverted_residual_block, (4, 4, 4), 1, 6, strides=2)
    assert tuple(model.output_shape) == (None, 2, 2, 6), (
        f"inverted_residual_block(X, 1, 6, strides=2) on a (4, 4, 4) input should give (2, 2, 6), "
        f"got {tuple(model.output_shape)[1:]}."
    )
    _check_layers(model, {"Conv2D": 1, "DepthwiseConv2D": 1, "BatchNormalization": 2},
                  [("DepthwiseConv2D", "-", (3, 3), (2, 2), False), ("Conv2D", 6, (1, 1), (1, 1), False)],
                  "inverted_residual_block(X, expansion=1, filters=6, strides=2)")
    ok("expansion 1: no expansion convolution; stride 2 on the depthwise convolution")


def test_inverted_residual_block_values(inverted_residual_block) -> None:
    output = _check_values(inverted_residual_block, "inverted_residual_block, stride 2")
    assert output.min() < 0, (
        "The block's outputs are never negative: the projection is linear, with no activation after its BatchNormalization."
    )
    ok("the projection is linear: some outputs are negative")
    _check_values(inverted_residual_block, "inverted_residual_block, stride 1")


def test_inverted_residual_block_shortcut(inverted_residual_block) -> None:
    x, output = _block_output(inverted_residual_block, "inverted_residual_block, stride 1", zero_batchnorm=True)
    assert not np.allclose(output, 0), "With the main path switched off the block returns zeros: the shortcut is missing."
    assert np.allclose(output, x, atol=1e-5), (
        "With the main path switched off (BatchNormalization gamma = beta = 0) a block with stride 1 and as many "
        "filters as input channels should return X itself: add X_shortcut = X to the projection's output."
    )
    ok("stride 1, channels kept: with its main path switched off the block returns X (the shortcut is there)")
    for args, kwargs, why in (((3, 6), {}, "6 filters for 4 input channels"), ((3, 4), {"strides": 2}, "stride 2")):
        model = block_model(inverted_residual_block, (4, 4, 4), *args, **kwargs)
        assert "Add" not in _kinds(model), f"inverted_residual_block with {why} should have no shortcut (no Add)."
    ok("no shortcut when the stride is 2 or the channels change")


# --- cost --------------------------------------------------------------------------------------


def _weights(model) -> int:
    """Weights of the model's convolution kernels (its biases, if any, left out)."""
    return sum(math.prod(layer.kernel.shape) for layer in _operations(model)
               if type(layer).__name__ in ("Conv2D", "DepthwiseConv2D"))


def test_inverted_residual_cost(inverted_residual_cost, inverted_residual_block) -> None:
    cases = {(16, 24, 6, 24, 1): {"parameters": 8208, "multiplications": 2101248},
             (15, 16, 6, 24, 2): {"parameters": 4704, "multiplications": 548352}}
    for args, expected in cases.items():
        got = inverted_residual_cost(*args)
        assert got == expected, f"inverted_residual_cost{args}: expected {expected}, got {got}."
        assert all(type(value) is int for value in got.values()), f"inverted_residual_cost{args}: give integers, got {got}."
    ok(f"the costs of {len(cases)} blocks")
    size, channels_in, channels_out = 9, 16, 24
    for strides in (1, 2):
        side = math.ceil(size / strides)
        separable = costs.depthwise_separable_cost(side, 3, channels_in, channels_out).total
        parameters = costs.depthwise_separable_parameters(3, channels_in, channels_out, bias=False)
        got = inverted_residual_cost(size, channels_in, 1, channels_out, strides)
        assert got == {"parameters": parameters, "multiplications": separable}, (
            f"With expansion 1 the block is a depthwise-separable convolution: chapter 7's formulas give "
            f"{parameters} parameters and {separable} multiplications for inverted_residual_cost{(size, channels_in, 1, channels_out, strides)}, "
            f"got {got}."
        )
    ok("expansion 1 costs what chapter 7's depthwise-separable convolution costs")
    for args in ((8, 8, 6, 8, 1), (9, 8, 4, 12, 2)):
        model = block_model(inverted_residual_block, (args[0], args[0], args[1]), *args[2:4], strides=args[4])
        measured = {"parameters": _weights(model), "multiplications": costs.keras_multiplications(model)}
        got = inverted_residual_cost(*args)
        assert got == measured, (
            f"inverted_residual_cost{args} gives {got}, but your inverted_residual_block built on a "
            f"{(args[0], args[0], args[1])} input has {measured['parameters']} convolution weights and "
            f"costs.keras_multiplications counts {measured['multiplications']} multiplications."
        )
    ok("it agrees with your inverted_residual_block, counted by costs.keras_multiplications")


# --- width multiplier ---------------------------------------------------------------------------


def test_scaled_channels(scaled_channels) -> None:
    cases = {(32, 1.0): 32, (32, 0.5): 16, (32, 0.35): 16, (16, 0.35): 8, (24, 0.75): 24, (96, 0.75): 72,
             (256, 1.3): 336, (100, 1.0, 16): 96, (40, 1.0, 16): 48}
    for args, expected in cases.items():
        got = scaled_channels(*args)
        assert got == expected and type(got) is int, (
            f"scaled_channels{args}: expected the integer {expected}, got {got!r}."
        )
    ok(f"scaled_channels rounds {len(cases)} widths as MobileNetV2 does")


# --- small MobileNet ------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _small_mobilenet(small_mobilenet, **kwargs):
    return small_mobilenet(**kwargs)


def _check_network(model, alpha: float, widths: tuple[int, int], adds: dict) -> None:
    """The stem's and the head's widths ``(stem, head)`` at ``alpha``, the shortcuts, the blocks and the parameters."""
    operations = _operations(model)
    assert tuple(model.output_shape) == (None, 6), f"Expected the output shape (None, 6), got {model.output_shape}."
    convolutions = [layer.get_config() for layer in operations if type(layer).__name__ == "Conv2D"]
    stem, head = widths
    assert (convolutions[0]["filters"], tuple(convolutions[0]["strides"])) == (stem, (2, 2)), (
        f"At alpha = {alpha} the stem is a 3x3 Conv2D with {stem} filters and stride 2, found {convolutions[0]['filters']} "
        f"filters and stride {tuple(convolutions[0]['strides'])}.")
    dense = [layer for layer in operations if type(layer).__name__ == "Dense"]
    assert len(dense) == 1 and tuple(dense[0].kernel.shape) == (head, 6), (
        f"At alpha = {alpha} the head ends with one Dense layer on the {head} pooled channels of the last 1x1 "
        f"convolution, found Dense kernels {[tuple(layer.kernel.shape) for layer in dense]}.")
    probabilities = np.asarray(model(np.random.default_rng(0).uniform(0, 1, (2, *model.input_shape[1:])), training=False))
    assert np.allclose(probabilities.sum(axis=-1), 1, atol=1e-4) and probabilities.min() >= 0, (
        "The network's outputs should be probabilities (a softmax): each row positive, summing to 1.")
    found = Counter(tuple(op.output.shape[1:]) for op in operations if type(op).__name__ == "Add")
    assert found == Counter(adds), (
        f"At alpha = {alpha} expected shortcuts (Add) with outputs {adds} (shape: how many), found {dict(found)}."
    )
    frozen = [layer.name for layer in operations if not getattr(layer, "trainable", True)]
    assert not frozen, f"Every layer of the network trains; these are frozen (trainable=False): {frozen}."
    depthwise = sum(type(layer).__name__ == "DepthwiseConv2D" for layer in operations)
    assert depthwise == 9, f"Expected 9 inverted residual blocks (9 DepthwiseConv2D), found {depthwise}."
    assert model.count_params() == SMALL_MOBILENET_PARAMETERS[alpha], (
        f"At alpha = {alpha} expected {SMALL_MOBILENET_PARAMETERS[alpha]:,} parameters, got {model.count_params():,}."
    )


def test_small_mobilenet_model(small_mobilenet) -> None:
    _check_network(_small_mobilenet(small_mobilenet), 1.0, (32, 256), {(16, 16, 24): 1, (8, 8, 32): 2, (4, 4, 64): 1})
    ok(f"small_mobilenet(): stem, 9 inverted residual blocks with 4 shortcuts, head; "
        f"{SMALL_MOBILENET_PARAMETERS[1.0]:,} parameters")


def test_small_mobilenet_width(small_mobilenet) -> None:
    _check_network(_small_mobilenet(small_mobilenet, alpha=0.5), 0.5, (16, 128), {(16, 16, 16): 1, (8, 8, 16): 2, (4, 4, 32): 1})
    ok(f"small_mobilenet(alpha=0.5): every width scaled by scaled_channels; {SMALL_MOBILENET_PARAMETERS[0.5]:,} parameters")
    model = _small_mobilenet(small_mobilenet, input_shape=(32, 32, 3), classes=4, alpha=0.75)
    assert tuple(model.output_shape) == (None, 4), (
        f"small_mobilenet(input_shape=(32, 32, 3), classes=4) should output (None, 4), got {model.output_shape}.")
    ok("input_shape and classes are used")
