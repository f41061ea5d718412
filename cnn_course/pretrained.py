"""Pretrained networks, with ImageNet weights from the course's data layer or, on request, from Keras.

Where the ImageNet weights of MobileNetV2 come from is chosen by the ``source`` argument, or else by
``$CNN_COURSE_WEIGHTS``:

- ``"course"`` (the default): the course's copy, found (or downloaded once, verified) by the data layer.
  It works offline and in the grader's sandbox, and gives every reader the same numbers. It is the
  224-pixel file, used at every input size.
- ``"keras"``: the official Keras file, downloaded by Keras itself (``weights="imagenet"``, through
  ``keras.utils.get_file`` into ``~/.keras/models``) the first time; needs the internet once. Keras
  picks the file trained at the input size (160 px for the assignment), so results differ a little
  from the course's.
"""

from __future__ import annotations

import logging
import os

from cnn_course import data

WEIGHTS_ENV = "CNN_COURSE_WEIGHTS"
SOURCES = ("course", "keras")
log = logging.getLogger(__name__)


def weights_source(source: str | None = None) -> str:
    """``source``, or ``$CNN_COURSE_WEIGHTS``, or ``"course"``: where the ImageNet weights come from."""
    chosen = (source or os.environ.get(WEIGHTS_ENV) or "course").strip().lower()
    if chosen not in SOURCES:
        raise ValueError(f"Unknown source of ImageNet weights {chosen!r} (from {'the argument' if source else WEIGHTS_ENV}): "
                         f"use one of {', '.join(SOURCES)}.")
    return chosen


def imagenet_weights(source: str | None = None) -> str:
    """What to pass as Keras's ``weights``: the course's verified file, or ``"imagenet"`` for Keras's download."""
    if weights_source(source) == "keras":
        log.info("MobileNetV2 ImageNet weights: the official Keras file (downloaded by Keras)")
        return "imagenet"
    path = str(data.resolve(data.MOBILENET_V2_WEIGHTS))
    log.info("MobileNetV2 ImageNet weights: the course's copy %s", path)
    return path


def mobilenet_v2_base(input_shape=(160, 160, 3), weights: str | None = "imagenet", source: str | None = None):
    """MobileNetV2 (alpha 1.0) without its classifier, with ImageNet weights (see the module's docstring).

    ``weights=None`` gives the same architecture with random weights; any other value than
    ``"imagenet"`` is passed to Keras as it is (a path to a weights file).
    """
    import keras

    path = imagenet_weights(source) if weights == "imagenet" else weights
    return keras.applications.MobileNetV2(input_shape=input_shape, include_top=False, weights=path)
