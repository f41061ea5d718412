"""Public tests of assignment 1, residual networks (run them in the notebook).

They check what the instructions ask for and print what they found; passing them is a good
sign, not a guarantee: the grader runs further checks of its own, on other shapes.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np

from cnn_course.public_tests.common import block_model, ok, set_weights

RESNET50_PARAMETERS = 23_600_006
# Outputs of a correct block at pixel (0, 0) of the first image, for the inputs and weights of
# `_block_output` below.
EXPECTED = {
    ("identity_block", False): [0.4259, 1.1317, 0.0, 0.806, 0.0, 0.0],
    ("identity_block", True): [0.454, 1.1171, 0.0, 1.0574, 0.1805, 0.0],
    ("convolutional_block", False): [1.3643, 0.4273, 0.9267, 0.0, 0.0, 0.0337],
    ("convolutional_block", True): [2.1892, 0.0, 2.4906, 0.2556, 2.6212, 0.0],
}


def _kinds(model) -> list[str]:
    """Layer (and keras.ops) types in order, Input left out; Activation("relu"), ReLU() and
    keras.ops.relu are all called "ReLU", Add() and + both "Add"."""
    kinds = []
    for layer in model.operations:
        kind = type(layer).__name__
        if kind == "Relu" or (kind == "Activation" and layer.get_config()["activation"] == "relu"):
            kind = "ReLU"
        if kind != "InputLayer":
            kinds.append(kind)
    return kinds


def _convolutions(model) -> list[tuple]:
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            config = layer.get_config()
            rows.append((config["filters"], tuple(config["kernel_size"]), tuple(config["strides"]), config["padding"]))
    return sorted(rows)


def _check_layers(model, expected_kinds: dict, expected_convolutions: list, name: str) -> None:
    kinds = Counter(_kinds(model))
    assert kinds == Counter(expected_kinds), (
        f"{name}: expected the layers {dict(sorted(expected_kinds.items()))}, found {dict(sorted(kinds.items()))}."
    )
    convolutions = _convolutions(model)
    assert convolutions == sorted(expected_convolutions), (
        f"{name}: expected Conv2D layers (filters, kernel size, strides, padding) {sorted(expected_convolutions)}, "
        f"found {convolutions}."
    )
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            axis = layer.get_config()["axis"]
            assert axis in (3, -1, [3], [-1]), f"{name}: BatchNormalization should normalize axis 3 (channels), not {axis}."


def _block_output(block, kind: str, training: bool):
    if kind == "identity_block":
        model = block_model(block, (4, 4, 6), 3, [2, 4, 6], training=training)
    else:
        model = block_model(block, (4, 4, 3), 3, [2, 4, 6], s=2, training=training)
    set_weights(model, seed=1)
    x = np.random.default_rng(1).uniform(-1, 1, size=(2, *model.input_shape[1:])).astype("float32")
    return np.asarray(model(x))


def _check_values(block, kind: str, training: bool) -> None:
    output = _block_output(block, kind, training)
    expected = np.array(EXPECTED[(kind, training)], "float32")
    assert output.shape[-1] == len(expected), f"{kind}: expected {len(expected)} channels, got {output.shape[-1]}."
    got = output[0, 0, 0]
    if training:
        other = _block_output(block, kind, training=False)[0, 0, 0]
        assert not np.allclose(got, other, atol=1e-5), (
            f"{kind}: training=True and training=False give the same output; pass training=training to every "
            "BatchNormalization call."
        )
    assert np.allclose(got, expected, atol=1e-4), (
        f"{kind}(..., training={training}): at pixel (0, 0) expected {np.round(expected, 4).tolist()}, "
        f"got {np.round(got, 4).tolist()}."
    )
    ok(f"{kind}(..., training={training}) gives the expected values")


# --- identity block ----------------------------------------------------------------------


def test_identity_block_layers(identity_block) -> None:
    model = block_model(identity_block, (4, 4, 6), 3, [2, 4, 6], training=False)
    assert tuple(model.output_shape) == (None, 4, 4, 6), (
        f"identity_block on a (4, 4, 6) input should keep its shape, got {tuple(model.output_shape)[1:]}."
    )
    _check_layers(model, {"Conv2D": 3, "BatchNormalization": 3, "ReLU": 3, "Add": 1},
                  [(2, (1, 1), (1, 1), "valid"), (4, (3, 3), (1, 1), "same"), (6, (1, 1), (1, 1), "valid")],
                  "identity_block(X, f=3, filters=[2, 4, 6])")
    ok("identity_block: 3 Conv2D, 3 BatchNormalization, 3 ReLU and 1 Add; shape kept")


def test_identity_block_inference(identity_block) -> None:
    _check_values(identity_block, "identity_block", training=False)


def test_identity_block_training(identity_block) -> None:
    _check_values(identity_block, "identity_block", training=True)


def test_identity_block_shortcut(identity_block) -> None:
    model = set_weights(block_model(identity_block, (4, 4, 6), 3, [2, 4, 6], training=False), zero_batchnorm=True)
    x = np.random.default_rng(2).uniform(-1, 1, size=(2, 4, 4, 6)).astype("float32")
    output = np.asarray(model(x))
    assert not np.allclose(output, 0), "With the main path switched off the block returns zeros: the shortcut is missing."
    assert np.allclose(output, np.maximum(x, 0), atol=1e-5), (
        "With the main path switched off (BatchNormalization gamma = beta = 0) the block should return ReLU(X): "
        "add X_shortcut = X before the last ReLU."
    )
    ok("with its main path switched off the block returns ReLU(X): the shortcut is there")


# --- convolutional block ------------------------------------------------------------------


def test_convolutional_block_layers(convolutional_block) -> None:
    model = block_model(convolutional_block, (6, 6, 3), 3, [2, 4, 6], s=2, training=False)
    assert tuple(model.output_shape) == (None, 3, 3, 6), (
        f"convolutional_block(s=2) on a (6, 6, 3) input should give (3, 3, 6), got {tuple(model.output_shape)[1:]}."
    )
    _check_layers(model, {"Conv2D": 4, "BatchNormalization": 4, "ReLU": 3, "Add": 1},
                  [(2, (1, 1), (2, 2), "valid"), (4, (3, 3), (1, 1), "same"), (6, (1, 1), (1, 1), "valid"),
                   (6, (1, 1), (2, 2), "valid")],
                  "convolutional_block(X, f=3, filters=[2, 4, 6], s=2)")
    ok("convolutional_block: 4 Conv2D (stride s on the first and on the shortcut), 4 BatchNormalization, 1 Add")


def test_convolutional_block_inference(convolutional_block) -> None:
    _check_values(convolutional_block, "convolutional_block", training=False)


def test_convolutional_block_training(convolutional_block) -> None:
    _check_values(convolutional_block, "convolutional_block", training=True)


# --- ResNet-50 ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _resnet50(ResNet50):
    return ResNet50(input_shape=(64, 64, 3), classes=6)


def test_resnet50_stages(ResNet50) -> None:
    model = _resnet50(ResNet50)
    adds = Counter(tuple(op.output.shape[1:]) for op in model.operations if type(op).__name__ == "Add")
    expected = {(15, 15, 256): 3, (8, 8, 512): 4, (4, 4, 1024): 6, (2, 2, 2048): 3}
    assert adds == Counter(expected), (
        f"Expected 3, 4, 6 and 3 residual blocks in stages 2 to 5 (outputs {list(expected)}), found "
        f"{dict(adds)} (output shape: number of blocks)."
    )
    ok("16 residual blocks: 3, 4, 6 and 3 in stages 2 to 5")


def test_resnet50_stem_and_head(ResNet50) -> None:
    model = _resnet50(ResNet50)
    kinds = _kinds(model)
    stem = ["ZeroPadding2D", "Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D"]
    head = ["AveragePooling2D", "Flatten", "Dense"]
    assert kinds[:5] == stem, f"The stem should be {stem}, found {kinds[:5]}."
    assert kinds[-3:] == head, f"The head should be {head}, found {kinds[-3:]}."
    ok("stem: zero padding, 7x7 convolution, BatchNormalization, ReLU, max pooling; head: pooling, flatten, softmax")


def test_resnet50_model(ResNet50) -> None:
    model = _resnet50(ResNet50)
    assert tuple(model.output_shape) == (None, 6), f"Expected output shape (None, 6), got {model.output_shape}."
    assert model.count_params() == RESNET50_PARAMETERS, (
        f"Expected {RESNET50_PARAMETERS:,} parameters, got {model.count_params():,}."
    )
    ok(f"ResNet50: output shape (None, 6), {RESNET50_PARAMETERS:,} parameters")
