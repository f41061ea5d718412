"""The classic model builders, the layer tables and the landmark measurements of chapters 1-3,
on counts checked by hand."""

from __future__ import annotations

import math

import keras
import matplotlib
import pytest
from keras import layers
from matplotlib.patches import FancyBboxPatch

from cnn_course import costs, tables
from cnn_course.models import classic, landmarks
from cnn_course.plots import cost_charts, model_graphs

matplotlib.use("Agg")

# VGG's fully connected layers after a 7x7x512 volume (224x224 input) and a 1000-way softmax.
VGG_HEAD_224 = (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)


@pytest.fixture(scope="module")
def vgg16():
    model = classic.vgg16()  # 138M parameters, about 0.55 GB: built once for the module
    yield model
    del model
    keras.backend.clear_session()


def test_lenet5_layer_by_layer():
    model = classic.lenet5()
    table = tables.layer_table(model)
    shapes = {row.name: row.output_shape for row in table}
    assert shapes["conv1"] == (28, 28, 6) and shapes["pool2"] == (5, 5, 16) and shapes["flatten"] == (400,)
    expected = {"conv1": 6 * (5 * 5 * 1 + 1), "conv2": 16 * (5 * 5 * 6 + 1), "fc1": 400 * 120 + 120,
                "fc2": 120 * 84 + 84, "predictions": 84 * 10 + 10}
    assert {row.name: row.parameters for row in table if row.parameters} == expected
    assert model.count_params() == table.parameters == 61_706
    assert tables.weight_depth(model) == 5


def test_alexnet_shapes_and_parameters():
    model = classic.alexnet()
    assert model.get_layer("conv1").output.shape[1:] == (55, 55, 96)
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 256)
    assert model.count_params() == 62_378_344
    assert tables.weight_depth(model) == 8
    # Two GPUs: conv2, conv4 and conv5 see half of their input channels; the famous 60,965,224.
    assert classic.alexnet(groups=2).count_params() == 60_965_224


def test_vgg16_parameters_and_activations(vgg16):
    assert vgg16.count_params() == 138_357_544
    table = tables.layer_table(vgg16)
    assert table.parameters == vgg16.count_params()
    assert table["fc1"].parameters == 7 * 7 * 512 * 4096 + 4096  # 102,760,448 weights + biases
    stored = table.without("Flatten", "Dropout")
    assert stored.activations == 15_237_608  # input + every conv, pool and dense output
    assert stored.activation_bytes == 4 * 15_237_608
    assert table["block1_conv1"].activations == 224 * 224 * 64
    assert table.multiplications == costs.keras_multiplications(vgg16)
    assert tables.weight_depth(vgg16) == 16


def test_vgg_configurations_match_the_paper():
    depths = {name: classic.vgg_depth(config) for name, config in classic.VGG_CONFIGS.items()}
    assert depths == {"A": 11, "B": 13, "C": 16, "D": 16, "E": 19}
    # The convolutions do not depend on the input size: build each at 32x32 (1x1x512 before the
    # head) and add the 224x224 head by hand. The paper's table 2 rounds these to millions.
    paper_millions = {"A": 133, "B": 133, "C": 134, "D": 138, "E": 144}
    for name in classic.VGG_CONFIGS:
        small = classic.vgg(name, input_shape=(32, 32, 3), classes=10)
        small_head = (512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 10 + 10)
        at_224 = small.count_params() - small_head + VGG_HEAD_224
        assert round(at_224 / 1e6) == paper_millions[name], name
        assert tables.weight_depth(small) == depths[name]
    assert [kind for kind in classic.vgg_blocks(classic.VGG_CONFIGS["C"])[2]] == [256, 256, (256, 1)]
    assert classic.vgg_layout(classic.VGG_CONFIGS["A"]) == "64 / 128 / 256 256 / 512 512 / 512 512"
    assert "1×1-512" in classic.vgg_layout(classic.VGG_CONFIGS["C"])
    with pytest.raises(ValueError):
        classic.vgg_blocks((64, "M", 128))


def test_weight_depth_follows_the_longest_path():
    inputs = keras.Input((8, 8, 4))
    main = layers.Conv2D(8, 3, padding="same")(inputs)
    main = layers.BatchNormalization()(main)
    main = layers.Conv2D(8, 3, strides=2, padding="same")(main)
    shortcut = layers.Conv2D(8, 1, strides=2)(inputs)  # runs beside two convolutions
    x = layers.Add()([main, shortcut])
    outputs = layers.Dense(2)(layers.Flatten()(x))
    assert tables.weight_depth(keras.Model(inputs, outputs)) == 3
    assert tables.weight_depth(keras.applications.ResNet50(weights=None)) == 50


def test_layer_table_totals_grouping_and_rendering():
    model = classic.lenet5()
    table = tables.layer_table(model)
    assert table.activations == sum(math.prod(row.output_shape) for row in table)
    assert table["input"].activations == 32 * 32
    assert tables.layer_table(model, include_input=False).activations == table.activations - 32 * 32
    by_kind = table.grouped(lambda row: row.kind)
    assert [row.name for row in by_kind] == ["Input", "Conv2D", "AveragePooling2D", "Flatten", "Dense"]
    assert by_kind["Dense"].parameters == 48_120 + 10_164 + 850
    assert by_kind.parameters == table.parameters
    assert table.where(lambda row: row.kind == "Conv2D").multiplications == 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150
    markdown = table.with_columns("layer", "parameters").to_markdown()
    assert "| conv1 | 156 |" in markdown and "**61,706**" in markdown
    html = table._repr_html_()
    assert '<table class="layer-table">' in html and "<caption>Layers of LeNet-5</caption>" in html  # a caption for people
    assert table.grouped(lambda row: row.kind).title == "Layers of LeNet-5, grouped"
    with pytest.raises(KeyError):
        table["no such layer"]
    with pytest.raises(ValueError):
        table.with_columns("colour")
    assert tables.human_bytes(96e6) == "96.0 MB"


def test_landmark_measurement():
    lenet = landmarks.measure(landmarks.LANDMARKS[0])
    assert (lenet.name, lenet.parameters, lenet.depth, lenet.input_shape) == ("LeNet-5", 61_706, 5, (32, 32, 1))
    assert [landmark.year for landmark in landmarks.LANDMARKS] == sorted(landmark.year for landmark in landmarks.LANDMARKS)


def test_figures_draw(vgg16):
    cost_charts.plot_layer_costs(tables.layer_table(vgg16).without("Flatten", "Dropout"))
    inputs = keras.Input((4, 4, 2), name="a")
    x = layers.Conv2D(2, 3, padding="same")(inputs)
    graph = model_graphs.plot_model_graph(keras.Model(inputs, layers.Add()([x, inputs])))
    boxes = [patch for patch in graph.axes[0].patches if isinstance(patch, FancyBboxPatch)]
    assert len(boxes) == 3  # input, conv, add
    stats = [landmarks.LandmarkStats("a", 2000, 10, 2, 5, (1,), ""), landmarks.LandmarkStats("b", 2010, 1e6, 8, 9, (1,), "")]
    cost_charts.plot_landmarks(stats)
    matplotlib.pyplot.close("all")


def test_googlenet_side_branch_has_two_fully_connected_layers():
    # Szegedy et al. 2014: average pool, 1x1 conv (128), FC 1024, dropout, FC with softmax over the classes.
    from cnn_course.models import inception

    inputs = keras.Input((14, 14, 512))
    branch = keras.Model(inputs, inception.auxiliary_classifier(inputs, classes=1000, name="aux"))
    dense = [layer for layer in branch.layers if isinstance(layer, layers.Dense)]
    assert [layer.units for layer in dense] == [1024, 1000]
    assert dense[-1].activation is keras.activations.softmax
