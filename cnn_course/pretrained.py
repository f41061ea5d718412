"""Pretrained networks loaded from the data layer (never from a hub at run time)."""

from __future__ import annotations

from cnn_course import data


def mobilenet_v2_base(input_shape=(160, 160, 3), weights: str | None = "imagenet"):
    """MobileNetV2 (alpha 1.0) without its classifier, ImageNet weights from the data layer.

    ``weights=None`` gives the same architecture with random weights.
    """
    import keras

    path = str(data.resolve(data.MOBILENET_V2_WEIGHTS)) if weights == "imagenet" else weights
    return keras.applications.MobileNetV2(input_shape=input_shape, include_top=False, weights=path)
