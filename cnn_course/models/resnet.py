"""Residual networks (He et al., 2015, "Deep residual learning for image recognition").

The chapter builds ResNet-34 from the *basic* block (two 3x3 convolutions). The deeper
ResNets use a three-layer bottleneck block instead; the graded assignment builds that one,
so it is deliberately not here.

Convolutions followed by batch normalization have no bias: BN subtracts the mean and adds its
own offset ``beta``, so a bias would be cancelled. The parameter counts then match the paper's.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# ResNet-34 (paper, table 1): basic blocks per stage and their filters.
RESNET34_STAGES = (3, 4, 6, 3)
RESNET34_FILTERS = (64, 128, 256, 512)


def conv_bn(x, filters: int, size: int, strides: int = 1, name: str = "conv", initializer: str = "glorot_uniform",
            momentum: float = 0.99):
    """A "same" convolution without bias, followed by batch normalization (no activation)."""
    x = layers.Conv2D(filters, size, strides=strides, padding="same", use_bias=False, kernel_initializer=initializer,
                      name=name)(x)
    return layers.BatchNormalization(momentum=momentum, name=f"{name}_bn")(x)


def projection_shortcut(x, filters: int, strides: int, name: str = "shortcut"):
    """A 1x1 convolution (with stride) + BN that gives ``x`` the main path's output shape."""
    return conv_bn(x, filters, 1, strides=strides, name=name)


def basic_block(x, filters: int, strides: int = 1, name: str = "block"):
    """Two 3x3 conv + BN layers, with ``x`` added back before the last ReLU.

    a[l+2] = relu(z[l+2] + shortcut(a[l])). The shortcut is the identity when the shapes
    match, and a :func:`projection_shortcut` when ``strides > 1`` or the channels change.
    """
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = projection_shortcut(x, filters, strides, name=f"{name}_shortcut")
    x = conv_bn(x, filters, 3, strides=strides, name=f"{name}_conv1")
    x = layers.ReLU(name=f"{name}_relu1")(x)
    x = conv_bn(x, filters, 3, name=f"{name}_conv2")
    x = layers.Add(name=f"{name}_add")([x, shortcut])
    return layers.ReLU(name=f"{name}_out")(x)


def stage(x, blocks: int, filters: int, strides: int, name: str):
    """``blocks`` basic blocks; the first one applies ``strides`` (and a projection shortcut)."""
    for index in range(blocks):
        x = basic_block(x, filters, strides=strides if index == 0 else 1, name=f"{name}_block{index + 1}")
    return x


def resnet(stages=RESNET34_STAGES, filters=RESNET34_FILTERS, input_shape=(224, 224, 3), classes: int = 1000,
           name: str = "resnet") -> keras.Model:
    """Stem (7x7/2 conv, 3x3/2 max-pool), stages of basic blocks, global average pool, softmax.

    Every stage after the first halves the height and width and doubles the filters.
    """
    inputs = keras.Input(input_shape, name="image")
    x = conv_bn(inputs, 64, 7, strides=2, name="conv1")
    x = layers.ReLU(name="conv1_relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for index, (blocks, stage_filters) in enumerate(zip(stages, filters)):
        x = stage(x, blocks, stage_filters, strides=1 if index == 0 else 2, name=f"conv{index + 2}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="fc")(x)
    return keras.Model(inputs, outputs, name=name)


def resnet34(input_shape=(224, 224, 3), classes: int = 1000) -> keras.Model:
    """ResNet-34: 1 stem conv + 2 x (3 + 4 + 6 + 3) block convs + 1 fully connected layer."""
    return resnet(RESNET34_STAGES, RESNET34_FILTERS, input_shape, classes, name="resnet34")


def trainable_parameters(model) -> int:
    """Trainable parameters of a model or layer (BN's moving mean and variance are statistics, not weights)."""
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))


# --- Small nets for the depth experiments ---------------------------------------------


def dense_residual_block(x, units: int, name: str = "block"):
    """The lecture's residual block on vectors: a[l+2] = relu(W[l+2] relu(W[l+1] a[l] + b) + b + a[l])."""
    shortcut = x
    x = layers.Dense(units, activation="relu", name=f"{name}_dense1")(x)
    x = layers.Dense(units, name=f"{name}_dense2")(x)  # z[l+2]
    x = layers.Add(name=f"{name}_add")([x, shortcut])
    return layers.ReLU(name=f"{name}_out")(x)


def deep_dense_net(depth: int, units: int, input_dim: int, classes: int, residual: bool, seed: int = 0) -> keras.Model:
    """``depth`` hidden Dense layers of ``units`` (Keras's default Glorot initialization),
    plain or paired into residual blocks; one extra Dense layer maps the input to ``units``."""
    if residual and depth % 2:
        raise ValueError("a residual net pairs its layers into blocks: depth must be even")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((input_dim,))
    x = layers.Dense(units, activation="relu", name="input_dense")(inputs)
    if residual:
        for index in range(depth // 2):
            x = dense_residual_block(x, units, name=f"block{index + 1}")
    else:
        for index in range(depth):
            x = layers.Dense(units, activation="relu", name=f"dense{index + 1}")(x)
    outputs = layers.Dense(classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=f"{'residual' if residual else 'plain'}_{depth}")


def kernel_gradient_norms(model: keras.Model, x, y) -> np.ndarray:
    """The norm of the loss gradient for every Dense/Conv kernel, from input to output."""
    kernels = [weight for weight in model.trainable_weights if weight.path.endswith("kernel")]
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    return np.array([float(tf.norm(g)) for g in tape.gradient(loss, kernels)])


def hidden_activations(model: keras.Model) -> list[str]:
    """Names of the layers whose outputs are the hidden activations a[1], a[2], ... of a
    :func:`deep_dense_net` (inside a residual block: after its first layer, then after the add)."""
    return [layer.name for layer in model.layers
            if layer.name == "input_dense" or layer.name.startswith("dense") or layer.name.endswith(("_dense1", "_out"))]


def activation_gradient_norms(model: keras.Model, x, y) -> np.ndarray:
    """The norm of dLoss/da[l] for every hidden activation a[l], from input to output:
    the error signal that backpropagation carries back to layer l."""
    names = hidden_activations(model)
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names] + [model.output])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        *activations, predictions = probe(x, training=True)
        loss = loss_fn(y, predictions)
    return np.array([float(tf.norm(g)) for g in tape.gradient(loss, activations)])


class ZeroPadShortcut(layers.Layer):
    """The paper's parameter-free shortcut (its option A): the identity, subsampled by ``strides``,
    with zero channels appended up to ``filters``."""

    def __init__(self, filters: int, strides: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.strides = filters, strides

    def call(self, x):
        x = x[:, ::self.strides, ::self.strides, :]
        return keras.ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, self.filters - x.shape[-1]]])

    def compute_output_shape(self, input_shape):
        side = lambda n: None if n is None else -(-n // self.strides)  # noqa: E731
        return (input_shape[0], side(input_shape[1]), side(input_shape[2]), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}


def cifar_net(depth: int, residual: bool, width: int = 16, input_shape=(32, 32, 3), classes: int = 10,
              seed: int = 0) -> keras.Model:
    """The ResNet paper's CIFAR-10 nets (section 4.2): ``depth = 6n + 2`` weight layers.

    A 3x3 convolution, then three stages of ``n`` pairs of 3x3 convolutions with ``width``,
    ``2 width`` and ``4 width`` filters (the grid halved where a stage starts), global average
    pooling and a fully connected layer giving logits. Every convolution is He-initialized and
    followed by batch normalization, whose moving statistics (used in inference mode) follow the
    batches faster than Keras's default. ``residual`` adds each pair's input back before its last
    ReLU, through a parameter-free shortcut where the shape changes (:class:`ZeroPadShortcut`,
    as in the paper), so the plain and residual nets have exactly the same weights.
    """
    if depth % 6 != 2:
        raise ValueError(f"depth must be 6n + 2 (8, 14, 20, 32, 44, 56, ...), not {depth}")
    keras.utils.set_random_seed(seed)
    he_conv_bn = functools.partial(conv_bn, initializer="he_normal", momentum=0.9)
    inputs = keras.Input(input_shape, name="image")
    x = layers.ReLU(name="conv1_relu")(he_conv_bn(inputs, width, 3, name="conv1"))
    for stage_index in range(3):
        filters = width * 2**stage_index
        for block in range(depth // 6):
            strides = 2 if stage_index and not block else 1
            name = f"stage{stage_index + 1}_block{block + 1}"
            y = layers.ReLU(name=f"{name}_relu1")(he_conv_bn(x, filters, 3, strides, f"{name}_conv1"))
            y = he_conv_bn(y, filters, 3, name=f"{name}_conv2")
            if residual:
                same_shape = strides == 1 and x.shape[-1] == filters
                shortcut = x if same_shape else ZeroPadShortcut(filters, strides, name=f"{name}_shortcut")(x)
                y = layers.Add(name=f"{name}_add")([y, shortcut])
            x = layers.ReLU(name=f"{name}_out")(y)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=f"{'residual' if residual else 'plain'}_{depth}")


def stage_layout(model: keras.Model) -> list[dict]:
    """One row per part of a :func:`resnet`: its name, output shape, blocks and trainable parameters."""
    parts = ["conv1", "pool1"] + sorted({layer.name.split("_")[0] for layer in model.layers
                                         if layer.name.startswith("conv") and "_block" in layer.name})
    rows = []
    for part in parts:
        members = [layer for layer in model.layers if layer.name == part or layer.name.startswith(f"{part}_")]
        blocks = {layer.name.split("_")[1] for layer in members if "_block" in layer.name}
        rows.append({"part": part, "output": tuple(members[-1].output.shape[1:]), "blocks": len(blocks),
                     "parameters": sum(trainable_parameters(layer) for layer in members)})
    head = [model.get_layer("avg_pool"), model.get_layer("fc")]
    rows.append({"part": "avg_pool + fc", "output": tuple(head[-1].output.shape[1:]), "blocks": 0,
                 "parameters": sum(trainable_parameters(layer) for layer in head)})
    return rows
