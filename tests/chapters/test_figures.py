"""The course's diagrams and charts as the website shows them: every text readable and none hidden.

The chapters show figures as SVG (``cnn_course.plots.inline``): a figure W inches wide is 96 W px wide and
the website shows it at most ``ARTICLE_PX`` wide (a laptop's 1366 px window), scaling a wider one down.
"""

from __future__ import annotations

import itertools

import keras
import matplotlib
import numpy as np
import pytest
from keras import layers
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Annotation, Text

from cnn_course import published, results
from cnn_course.models import inception
from cnn_course.models.landmarks import LandmarkStats
from cnn_course.plots import architectures, concept_diagrams, cost_charts, image_grids, imagenet_progress, model_graphs, training

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ARTICLE_PX = 729  # the widest a figure is shown in the article at 1366 px
MIN_TEXT_PX = 10


def shown_text_px(fig, fontsize: float) -> float:
    """How high text of ``fontsize`` points is on the website."""
    width_in = fig.get_tightbbox(fig.canvas.get_renderer()).width
    return fontsize * 96 / 72 * min(1.0, ARTICLE_PX / (96 * width_in))


def texts(fig) -> list[Text]:
    """The texts a reader sees: not empty, not hidden, no tick label of an axis turned off or outside its axis' range."""
    fig.canvas.draw()
    unseen = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or tick.get_loc() is None or not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    unseen.update((id(tick.label1), id(tick.label2)))
            if not ax.axison:
                unseen.add(id(axis.label))
    return [t for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in unseen and t.get_window_extent().width > 0]


def layout_problems(fig) -> list[str]:
    """Texts smaller than MIN_TEXT_PX as shown, texts that overlap, arrows and markers drawn over a text,
    legends drawn over data."""
    found = texts(fig)
    renderer = fig.canvas.get_renderer()
    problems = [f"{t.get_text()!r} is {shown_text_px(fig, t.get_fontsize()):.1f} px high"
                for t in found if shown_text_px(fig, t.get_fontsize()) < MIN_TEXT_PX]
    boxes = [(t.get_text(), t.get_window_extent(renderer).padded(-1)) for t in found]
    problems += [f"{a!r} overlaps {b!r}" for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]
    arrows = fig.findobj(FancyArrowPatch) + [note.arrow_patch for note in fig.findobj(Annotation) if note.arrow_patch]
    for arrow in arrows:
        path = arrow.get_transform().transform_path(arrow.get_path())
        problems += [f"an arrow crosses {name!r}" for name, box in boxes if path.intersects_bbox(box, filled=False)]
    for patch in fig.findobj(FancyBboxPatch):  # a box's label stays inside the box
        outline = patch.get_window_extent(renderer)
        inside = [(name, box) for name, box in boxes if outline.contains((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)]
        problems += [f"{name!r} sticks out of its box" for name, box in inside
                     if not (outline.contains(box.x0, box.y0) and outline.contains(box.x1, box.y1))]
    for markers in fig.findobj(PathCollection):  # scatter plots
        if not len(markers.get_sizes()):
            continue
        radius = np.sqrt(markers.get_sizes().max()) / 2 * fig.dpi / 72
        for x, y in markers.get_offset_transform().transform(markers.get_offsets()):
            problems += [f"a marker covers {name!r}" for name, box in boxes
                         if box.x0 - radius < x < box.x1 + radius and box.y0 - radius < y < box.y1 + radius]
    return problems + legends_over_data(fig)


def legends_over_data(fig) -> list[str]:
    """Legends (of an axes or of the figure) that hide a data point, an error bar or a bar of an axes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = set()
    legends = [legend for legend in [ax.get_legend() for ax in fig.axes] + fig.legends if legend is not None and legend.get_visible()]
    for box, ax in itertools.product([legend.get_window_extent(renderer) for legend in legends], fig.axes):
        for line in ax.get_lines():
            if line.get_visible() and line.get_marker() not in (None, "", "None", " "):
                if any(box.contains(x, y) for x, y in line.get_transform().transform(line.get_xydata())):
                    problems.add("the legend hides a data point")
        for bars in ax.collections:
            if isinstance(bars, LineCollection) and bars.get_visible():  # error bars
                if any(Path(bars.get_transform().transform(segment)).intersects_bbox(box, filled=False) for segment in bars.get_segments()):
                    problems.add("the legend hides an error bar")
        if any(isinstance(patch, Rectangle) and patch.get_visible() and patch.get_window_extent(renderer).overlaps(box) for patch in ax.patches):
            problems.add("the legend hides a bar")
    return sorted(problems)


def small_model():
    inputs = keras.Input((32, 32, 32), name="a")
    x = layers.Conv2D(32, 3, padding="same", name="conv1")(inputs)
    x = layers.ReLU(name="relu1")(x)
    x = layers.Conv2D(32, 3, padding="same", name="conv2")(x)
    x = layers.Add(name="add")([x, inputs])
    return keras.Model(inputs, layers.ReLU(name="relu2")(x), name="skip_connection")


def pair_model():
    shared = layers.Dense(8, name="shared_dense")
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    return keras.Model([left, right], layers.Concatenate(name="both")([shared(left), shared(right)]), name="pair")


LANDMARKS = [LandmarkStats(name, year, parameters, depth, 0, (1,), "") for name, year, parameters, depth in (
    ("LeNet-5", 1998, 61_706, 5), ("AlexNet", 2012, 62_378_344, 8), ("VGG-16", 2014, 138_357_544, 16),
    ("GoogLeNet", 2014, 6_998_552, 22), ("ResNet-50", 2015, 25_636_712, 50), ("MobileNetV2", 2018, 3_538_984, 53))]

# The networks of the accuracy-versus-cost chart as chapter 1 measures them: parameters, depth, multiplications.
ATLAS = [LandmarkStats(name, year, parameters, depth, multiplications, (224, 224, 3), "")
         for name, year, parameters, depth, multiplications in (
             ("AlexNet", 2012, 62_378_344, 8, 1_135_256_096), ("VGG-16", 2014, 138_357_544, 16, 15_470_264_320),
             ("GoogLeNet", 2014, 6_998_552, 22, 1_582_671_872), ("ResNet-50", 2015, 25_636_712, 50, 3_857_973_248),
             ("MobileNetV2", 2018, 3_538_984, 53, 300_774_272), ("ResNet-152", 2015, 60_419_944, 152, 11_282_415_616),
             ("MobileNet", 2017, 4_253_864, 28, 568_740_352), ("EfficientNet-B0", 2019, 5_330_571, 82, 385_814_752))]

FIGURES = {
    "googlenet": lambda: architectures.plot_googlenet(inception.GOOGLENET_MODULES, aux_after=inception.GOOGLENET_AUX_AFTER),
    "inception module": lambda: architectures.plot_inception_module(),
    "residual block": lambda: architectures.plot_residual_block(),
    "projection block": lambda: architectures.plot_residual_block(("3×3 conv/2\n+ BN", "ReLU", "3×3 conv\n+ BN"),
                                                                  shortcut="projection: 1×1 conv/2 + BN"),
    "volumes": lambda: architectures.plot_volumes([(28, 28, 192), (28, 28, 16), (28, 28, 32)], ["1×1 conv\n16 filters", "5×5 conv\n32 filters"]),
    "alexnet volumes": lambda: architectures.plot_volumes(
        [(227, 227, 3), (55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256), (13, 13, 256), (6, 6, 256)],
        ["conv\n11×11, s 4", "max 3, s 2", "conv 5×5\nsame", "max 3, s 2", "3 convs\n3×3 same", "max 3, s 2"], title="AlexNet"),
    "normal vs separable": lambda: architectures.plot_volume_chains(
        [([(6, 6, 3), (4, 4, 5)], ["normal conv\n5 filters 3×3×3"]),
         ([(6, 6, 3), (4, 4, 3), (4, 4, 5)], ["depthwise\n3 filters 3×3", "pointwise\n5 filters 1×1×3"])],
        titles=["normal convolution", "depthwise separable convolution"]),
    "identity block": architectures.plot_identity_block,
    "convolutional block": architectures.plot_convolutional_block,
    "resnet50": architectures.plot_resnet50,
    "transfer strategies": lambda: architectures.plot_transfer_strategies(n_layers=8, fine_tuned=3),
    "skip model graph": lambda: model_graphs.plot_model_graph(small_model()),
    "pair model graph": lambda: model_graphs.plot_model_graph(pair_model()),
    "landmarks": lambda: cost_charts.plot_landmarks(LANDMARKS),
    "accuracy versus cost": lambda: cost_charts.plot_accuracy_versus_cost(ATLAS, published.IMAGENET_TOP1),
    "ilsvrc timeline": lambda: imagenet_progress.plot_ilsvrc_timeline(published.ILSVRC_WINNERS, published.HUMAN_TOP5_ERROR),
    "data vs hand-engineering": lambda: concept_diagrams.plot_data_vs_hand_engineering(),
    "pipeline": lambda: training.plot_pipeline_timeline(0.05, 0.08, n_batches=6),
    "ensemble experiment": lambda: training.plot_ensemble_experiment(results.load("ensembles")["results"]["runs"],
                                                                     live=results.load("ensembles")["results"]["runs"][:1]),
    "augmentation experiment": lambda: training.plot_accuracy_by_size(results.load("augmentation")["results"]["runs"],
                                                                      ("without augmentation", "with augmentation"),
                                                                      "test_accuracy", dashed="training_accuracy"),
    "transfer regimes": lambda: training.plot_accuracy_by_size(results.load("transfer")["results"]["runs"],
                                                               ("head only", "fine-tune the top", "from scratch"),
                                                               "test_accuracy", baseline=0.57),
    "depth experiment": lambda: training.plot_depth_experiment(results.load("depth")["results"],
                                                               live=results.load("depth")["results"][:2]),
    "fold accuracies": lambda: training.plot_fold_accuracies({"ImageNet weights": [0.95, 0.97, 0.93, 0.96, 0.94],
                                                              "random weights": [0.55, 0.62, 0.6, 0.58, 0.66]}, baseline=0.57),
    "ensemble by size": lambda: training.plot_ensemble_by_size([0.59, 0.66, 0.58, 0.62, 0.72], [0.59, 0.69, 0.64, 0.63, 0.67]),
    "test-set selection": lambda: concept_diagrams.plot_test_set_selection(
        np.random.default_rng(0).binomial(120, 0.5, 50) / 120, best=0.583, fresh=0.499),
    "ten crops": lambda: image_grids.show_ten_crops(np.zeros((10, 16, 16, 3)), np.linspace(0.05, 0.97, 10),
                                                    title="10 crops of a test photo ('alpaca'): average P(alpaca) = 0.51"),
    "thumbnails": lambda: image_grids.show_images(np.zeros((8, 16, 16, 3)), list("abcdefgh"), ncols=4, size=1.8),
}


@pytest.mark.parametrize("name", FIGURES)
def test_figure_text_is_readable_and_nothing_overlaps(name):
    fig = FIGURES[name]()
    try:
        assert not layout_problems(fig), f"{name}: " + "; ".join(layout_problems(fig))
    finally:
        plt.close("all")


def test_the_landmarks_title_states_the_depths_drawn():
    fig = cost_charts.plot_landmarks(LANDMARKS)
    titles = [ax.get_title() for ax in fig.axes]
    plt.close(fig)
    assert "Depth: from 5 to 53 layers" in titles


def test_the_checks_see_what_they_look_for():
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.text(0.1, 0.5, "one", fontsize=12)
    ax.text(0.12, 0.5, "two", fontsize=12)
    ax.annotate("", xy=(0.13, 0.9), xytext=(0.13, 0.1), arrowprops=dict(arrowstyle="->"))
    ax.text(0.7, 0.5, "tiny", fontsize=5)
    ax.axis("off")
    problems = layout_problems(fig)
    plt.close(fig)
    for place in ("axes", "figure"):
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.errorbar([0, 1, 2], [0, 1, 2], yerr=1, fmt="o", label="points")
        ax.bar([1], [1.5], width=0.5, label="a bar")
        (ax if place == "axes" else fig).legend(loc="center")
        hidden = legends_over_data(fig)
        plt.close(fig)
        assert hidden == ["the legend hides a bar", "the legend hides a data point", "the legend hides an error bar"], (place, hidden)
    assert "'one' overlaps 'two'" in problems and "an arrow crosses 'one'" in problems
    assert any(p.startswith("'tiny' is") for p in problems)
