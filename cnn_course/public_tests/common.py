"""What the public tests of every assignment share: how they report a pass, fixed weights, one block as a model."""

from __future__ import annotations

import zlib

import numpy as np


def ok(what: str) -> None:
    """Report a passed check."""
    print(f"\N{CHECK MARK} {what}")


def set_weights(model, seed: int = 0, zero_batchnorm: bool = False):
    """Fixed weights that depend on each weight's role and shape only (not on layer order); with
    ``zero_batchnorm`` every BatchNormalization's gamma and beta are 0, so it outputs zeros."""
    for weight in model.weights:
        role, shape = weight.name.split("/")[-1], tuple(weight.shape)
        rng = np.random.default_rng([seed, zlib.crc32(f"{role}{shape}".encode())])
        values = rng.uniform(-0.5, 0.5, size=shape).astype("float32")
        if "variance" in role or role == "gamma":
            values = np.abs(values) + 0.5
        elif role in ("beta", "moving_mean"):
            values = values * 0.2
        if zero_batchnorm and role in ("gamma", "beta"):
            values = np.zeros(shape, "float32")
        weight.assign(values)
    return model


def block_model(block, shape, *args, **kwargs):
    """A model of ``block(X, *args, **kwargs)`` on an input of ``shape`` (without the batch axis)."""
    import keras

    X = keras.Input(shape)
    return keras.Model(X, block(X, *args, **kwargs))
