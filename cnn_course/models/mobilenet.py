"""MobileNet v1 (Howard et al., 2017) and v2 (Sandler et al., 2018) from their blocks.

Layer for layer the same as ``keras.applications.MobileNet`` / ``MobileNetV2`` at width
multiplier 1.0 (biases off where batch normalization follows), so the parameter counts agree;
"same" padding replaces Keras's explicit zero padding, which changes no shape or parameter.
"""

from __future__ import annotations

import keras
from keras import layers

# MobileNet v1's 13 depthwise separable blocks: (pointwise filters, stride of the depthwise conv).
MOBILENET_V1_BLOCKS = (
    (64, 1),
    (128, 2), (128, 1),
    (256, 2), (256, 1),
    (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
    (1024, 2), (1024, 1),
)  # fmt: skip

# MobileNet v2's 17 bottleneck blocks (paper, table 2), one row per group:
# (expansion factor t, output channels c, repeats n, stride s of the first block).
MOBILENET_V2_GROUPS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def _bn_relu6(x, name):
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x)


def depthwise_separable_block(x, filters: int, stride: int = 1, name: str = "ds"):
    """Depthwise 3x3 convolution (one filter per channel) then pointwise 1x1 convolution to
    ``filters`` channels, each followed by batch normalization and ReLU6."""
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = _bn_relu6(x, f"{name}_dw")
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pw")(x)
    return _bn_relu6(x, f"{name}_pw")


def mobilenet_v1(input_shape=(224, 224, 3), classes: int = 1000, dropout: float = 1e-3) -> keras.Model:
    """MobileNet v1: a 3x3/2 convolution, 13 depthwise separable blocks, pooling, softmax."""
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = _bn_relu6(x, "conv1")
    for index, (filters, stride) in enumerate(MOBILENET_V1_BLOCKS, start=1):
        x = depthwise_separable_block(x, filters, stride, name=f"block_{index}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v1")


def inverted_residual_block(x, filters: int, stride: int = 1, expansion: int = 6, name: str = "bottleneck"):
    """MobileNet v2's bottleneck: expand, filter, project -- with a shortcut when shapes match.

    1x1 expansion to ``expansion * channels`` (ReLU6), 3x3 depthwise at ``stride`` (ReLU6),
    1x1 projection to ``filters`` with **no** activation (a ReLU in the narrow layer would
    destroy information). The input is added back when ``stride == 1`` and the channel
    counts agree. ``expansion=1`` skips the expansion convolution, as in the first block.
    """
    channels = x.shape[-1]
    shortcut = x
    if expansion != 1:
        x = layers.Conv2D(expansion * channels, 1, use_bias=False, name=f"{name}_expand")(x)
        x = _bn_relu6(x, f"{name}_expand")
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_depthwise")(x)
    x = _bn_relu6(x, f"{name}_depthwise")
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project")(x)
    x = layers.BatchNormalization(name=f"{name}_project_bn")(x)  # linear: no activation
    if stride == 1 and channels == filters:
        x = layers.Add(name=f"{name}_add")([shortcut, x])
    return x


def mobilenet_v2(input_shape=(224, 224, 3), classes: int = 1000, dropout: float = 0.0) -> keras.Model:
    """MobileNet v2: a 3x3/2 convolution, 17 bottleneck blocks, a 1x1 convolution to 1280, softmax."""
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = _bn_relu6(x, "conv1")
    index = 0
    for expansion, filters, repeats, stride in MOBILENET_V2_GROUPS:
        for repeat in range(repeats):
            x = inverted_residual_block(
                x, filters, stride if repeat == 0 else 1, expansion, name=f"block_{index}"
            )
            index += 1
    x = layers.Conv2D(1280, 1, use_bias=False, name="conv_last")(x)
    x = _bn_relu6(x, "conv_last")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2")
