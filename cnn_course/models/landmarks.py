"""The landmark networks of the case studies, measured from models built in Keras.

Nothing here is a hard-coded statistic: :func:`measure` builds each network (random
weights), reads its parameters, depth and multiplications, and throws the model away.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

import keras

from cnn_course import published
from cnn_course.costs import keras_multiplications
from cnn_course.models import classic, inception
from cnn_course.tables import weight_depth


@dataclass(frozen=True)
class Landmark:
    name: str
    year: int
    build: Callable[[], keras.Model]
    idea: str


@dataclass(frozen=True)
class LandmarkStats:
    name: str
    year: int
    parameters: int
    depth: int
    multiplications: int
    input_shape: tuple
    idea: str


LANDMARKS = (
    Landmark("LeNet-5", 1998, classic.lenet5, "conv → pool → conv → pool → FC"),
    Landmark("AlexNet", 2012, classic.alexnet, "the same recipe, much bigger; ReLU, GPUs"),
    Landmark("VGG-16", 2014, classic.vgg16, "only 3×3 convs and 2×2 pools, very uniform"),
    Landmark("GoogLeNet", 2014, lambda: inception.googlenet(auxiliary=False), "inception modules, 1×1 bottlenecks"),
    Landmark("ResNet-50", 2015, lambda: keras.applications.ResNet50(weights=None), "skip connections"),
    Landmark("MobileNetV2", 2018, lambda: keras.applications.MobileNetV2(weights=None),
             "depthwise separable convs, inverted residuals"),
)

# The other ImageNet networks the course covers, for the accuracy-versus-cost atlas.
MORE_LANDMARKS = (
    Landmark("ResNet-152", 2015, lambda: keras.applications.ResNet152(weights=None), "ResNet-50's recipe, 152 layers"),
    Landmark("MobileNet", 2017, lambda: keras.applications.MobileNet(weights=None), "depthwise separable convs"),
    Landmark("EfficientNet-B0", 2019, lambda: keras.applications.EfficientNetB0(weights=None),
             "compound scaling of a searched mobile network"),
)


def measure(landmark: Landmark) -> LandmarkStats:
    """Build ``landmark`` once and read its size."""
    model = landmark.build()
    stats = LandmarkStats(
        name=landmark.name,
        year=landmark.year,
        parameters=int(model.count_params()),
        depth=weight_depth(model),
        multiplications=keras_multiplications(model),
        input_shape=tuple(int(d) for d in model.inputs[0].shape[1:]),
        idea=landmark.idea,
    )
    del model
    keras.backend.clear_session()
    gc.collect()
    return stats


def measure_all(landmarks=LANDMARKS) -> list[LandmarkStats]:
    return [measure(landmark) for landmark in landmarks]


def accuracy_cost_table(stats, accuracies=published.IMAGENET_TOP1, papers_own=published.PAPERS_OWN) -> str:
    """A Markdown table of measured costs beside published top-1 accuracies, with where each accuracy comes from.

    A network without an ImageNet result (LeNet-5) shows a dash; a paper's own number measured another way
    (10 crops, dense evaluation, top-5) is given beside the single-crop one, never in its place.
    """
    lines = ["| network | input | parameters | multiplications per image | top-1, single crop | stated by "
             "| the paper's own number |",
             "| :--- | :--- | ---: | ---: | ---: | :--- | :--- |"]
    for s in stats:
        top1, own = accuracies.get(s.name), papers_own.get(s.name)
        accuracy = f"{top1.accuracy:g}%" if top1 else "—"
        if top1 is None:
            source = "no ImageNet result"
        else:
            source = top1.source if top1.kind == published.PAPER else f"{top1.source} ({'; '.join(filter(None, (top1.kind, top1.differs)))})"
        if own:
            other = f"{own.metric} {own.accuracy:.4g}% ({own.protocol}; {own.source})"
        else:
            other = "the same" if top1 and top1.kind == published.PAPER else ""
        lines.append(f"| {s.name} | {'×'.join(map(str, s.input_shape))} | {s.parameters:,} | {s.multiplications:,} "
                     f"| {accuracy} | {source} | {other} |")
    return "\n".join(lines)
