"""The inception module and GoogLeNet (Szegedy et al., 2014, "Going deeper with convolutions").

Local response normalization, which the paper uses after the first convolutions, is left out;
it has no parameters, so the counts match the paper's architecture.
"""

from __future__ import annotations

import keras
from keras import layers

# GoogLeNet's modules (paper, table 1): name -> (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
GOOGLENET_MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
# The auxiliary classifiers read the outputs of these modules.
GOOGLENET_AUX_AFTER = ("4a", "4d")


def _conv(x, filters, size, name, strides=1):
    return layers.Conv2D(filters, size, strides=strides, padding="same", activation="relu", name=name)(x)


def inception_module(
    x,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    pool_proj: int,
    name: str = "inception",
):
    """Four "same" branches on ``x``, concatenated along the channels.

    1x1 conv | 1x1 reduce -> 3x3 conv | 1x1 reduce -> 5x5 conv | 3x3 max-pool -> 1x1 projection.
    The output has the input's height and width and
    ``filters_1x1 + filters_3x3 + filters_5x5 + pool_proj`` channels.
    """
    branch_1x1 = _conv(x, filters_1x1, 1, f"{name}_1x1")
    branch_3x3 = _conv(x, filters_3x3_reduce, 1, f"{name}_3x3_reduce")
    branch_3x3 = _conv(branch_3x3, filters_3x3, 3, f"{name}_3x3")
    branch_5x5 = _conv(x, filters_5x5_reduce, 1, f"{name}_5x5_reduce")
    branch_5x5 = _conv(branch_5x5, filters_5x5, 5, f"{name}_5x5")
    # Pooling keeps all input channels; the 1x1 projection stops them from piling up.
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = _conv(branch_pool, pool_proj, 1, f"{name}_pool_proj")
    return layers.Concatenate(axis=-1, name=f"{name}_concat")([branch_1x1, branch_3x3, branch_5x5, branch_pool])


def auxiliary_classifier(x, classes: int, name: str):
    """GoogLeNet's side branch: 5x5/3 average pool, 1x1 conv (128), FC 1024, dropout 0.7, softmax."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = _conv(x, 128, 1, f"{name}_conv")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation="softmax", name=name)(x)


def googlenet(input_shape=(224, 224, 3), classes: int = 1000, auxiliary: bool = True) -> keras.Model:
    """GoogLeNet (Inception v1): a stem, nine inception modules, average pooling and softmax.

    With ``auxiliary=True`` the model has three outputs: the main classifier and the two side
    branches (``aux_1`` after 4a, ``aux_2`` after 4d), used only during training.
    """
    inputs = keras.Input(input_shape, name="image")
    x = _conv(inputs, 64, 7, "conv1_7x7", strides=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv(x, 64, 1, "conv2_reduce")
    x = _conv(x, 192, 3, "conv2_3x3")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    aux_outputs = []
    for module, filters in GOOGLENET_MODULES.items():
        if module in ("4a", "5a"):  # halve the grid before stages 4 and 5
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{module[0]}")(x)
        x = inception_module(x, *filters, name=f"inception_{module}")
        if auxiliary and module in GOOGLENET_AUX_AFTER:
            aux_outputs.append(auxiliary_classifier(x, classes, name=f"aux_{len(aux_outputs) + 1}"))
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    main = layers.Dense(classes, activation="softmax", name="main")(x)
    return keras.Model(inputs, [main, *aux_outputs] if auxiliary else main, name="googlenet")
