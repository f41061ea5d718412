"""The cost calculators and model builders of chapters 5-7, on cases checked by hand."""

from __future__ import annotations

import math

import pytest

from cnn_course import costs


def test_conv_output_size():
    assert costs.conv_output_size(6, 3) == 4  # the lecture's 6x6 input, 3x3 filter
    assert costs.conv_output_size(28, 5, padding=costs.same_padding(5)) == 28
    assert costs.conv_output_size(224, 7, padding=3, stride=2) == 112
    with pytest.raises(ValueError):
        costs.conv_output_size(3, 5)
    with pytest.raises(ValueError):
        costs.same_padding(4)


def test_conv_parameters():
    assert costs.conv_parameters(1, 192, 32) == 192 * 32 + 32
    assert costs.conv_parameters(1, 192, 32, bias=False) == 6144
    assert costs.conv_parameters(3, 3, 5) == (27 + 1) * 5


def test_inception_5x5_cost_is_120_million():
    # 28 x 28 x 32 outputs, each a 5 x 5 x 192 dot product.
    assert costs.conv_multiplications(28, 28, 32, 5, 192) == 120_422_400


def test_one_by_one_shrink_cost():
    assert costs.conv_multiplications(28, 28, 32, 1, 192) == 28 * 28 * 32 * 192 == 4_816_896


def test_bottleneck_cost():
    cost = costs.bottleneck_cost(28, 28, c_in=192, c_bottleneck=16, c_out=32, f=5)
    assert cost.reduce == 2_408_448  # 28*28*16*192
    assert cost.conv == 10_035_200  # 28*28*32*5*5*16
    assert cost.total == 12_443_648
    assert cost.total / costs.conv_multiplications(28, 28, 32, 5, 192) == pytest.approx(0.1033, abs=1e-4)


def test_lecture_depthwise_separable_example():
    # 6x6x3 input, 3x3 filters, 5 output channels, 4x4x5 output.
    assert costs.normal_conv_cost(n_out=4, f=3, c_in=3, c_out=5) == 2160
    cost = costs.depthwise_separable_cost(n_out=4, f=3, c_in=3, c_out=5)
    assert cost == (432, 240, 672)
    assert (cost.depthwise, cost.pointwise, cost.total) == (432, 240, 672)
    assert cost.total / 2160 == pytest.approx(0.3111, abs=1e-4)
    assert costs.cost_ratio(5, 3) == pytest.approx(1 / 5 + 1 / 9)


@pytest.mark.parametrize("n_out,f,c_in,c_out", [(4, 3, 3, 5), (14, 3, 512, 512), (7, 5, 32, 64), (1, 1, 1, 1)])
def test_cost_ratio_is_exact(n_out, f, c_in, c_out):
    exact = costs.depthwise_separable_cost(n_out, f, c_in, c_out).total / costs.normal_conv_cost(n_out, f, c_in, c_out)
    assert exact == pytest.approx(costs.cost_ratio(c_out, f))


def test_depthwise_separable_parameters():
    assert costs.depthwise_separable_parameters(3, 3, 5, bias=False) == 9 * 3 + 3 * 5
    assert costs.depthwise_separable_parameters(3, 3, 5) == 10 * 3 + 4 * 5


def test_compound_scaling():
    assert costs.compound_scaling(0) == (0, 1, 1, 1, 1)
    one = costs.compound_scaling(1)
    assert (one.depth, one.width, one.resolution) == pytest.approx((1.2, 1.1, 1.15))
    assert one.flops == pytest.approx(1.2 * 1.1**2 * 1.15**2) == pytest.approx(1.920, abs=1e-3)
    assert costs.compound_scaling(3).flops == pytest.approx(one.flops**3)
    assert costs.compound_scaling(2, alpha=2, beta=1, gamma=1).flops == 4



def test_resnet50_costs_by_hand():
    rows = costs.bottleneck_resnet_costs()
    assert [row.part for row in rows] == ["stem", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"]
    assert [row.blocks for row in rows[1:-1]] == list(costs.RESNET50_STAGES)
    assert [row.output for row in rows] == [(56, 56, 64), (56, 56, 256), (28, 28, 512), (14, 14, 1024), (7, 7, 2048),
                                            (1000,)]
    stem = rows[0]
    assert (stem.parameters, stem.statistics) == (7 * 7 * 3 * 64 + 2 * 64, 2 * 64)
    assert stem.multiplications == 112 * 112 * 64 * 7 * 7 * 3
    assert rows[-1].parameters == 2048 * 1000 + 1000 and rows[-1].multiplications == 2048 * 1000
    # conv2_x: three blocks 64 -> 64 -> 256 at 56x56, the first from 64 channels with a projection, the others from 256.
    convs = 64 * 64 + 2 * 256 * 64 + 3 * 9 * 64 * 64 + 3 * 64 * 256 + 64 * 256
    bn_channels = 3 * (64 + 64 + 256) + 256
    assert rows[1].parameters == convs + 2 * bn_channels and rows[1].statistics == 2 * bn_channels
    assert rows[1].multiplications == 56 * 56 * convs
    # torchvision's resnet50 (no conv bias, stride in the 3x3): 25,557,032 parameters, 4.09 GFLOPS (multiply-adds).
    assert sum(row.parameters for row in rows) == 25_557_032
    v15 = costs.bottleneck_resnet_costs(stride_in_3x3=True)
    assert [row.parameters for row in v15] == [row.parameters for row in rows]
    assert sum(row.multiplications for row in v15) == pytest.approx(4.09e9, rel=1e-3)
    # The graded assignment: 64x64x3 input, 6 classes, Conv2D's default bias.
    assignment = costs.bottleneck_resnet_costs(64, 6, conv_bias=True)
    assert sum(row.parameters + row.statistics for row in assignment) == 23_600_006

# --- model builders: graph construction only, no training ---------------------------------


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_inception_module_shape_and_cost(keras):
    from cnn_course.models.inception import inception_module

    inputs = keras.Input((28, 28, 192))
    outputs = inception_module(inputs, 64, 96, 128, 16, 32, 32, name="3a")
    assert tuple(outputs.shape) == (None, 28, 28, 256)
    model = keras.Model(inputs, outputs)
    # The 5x5 branch: 1x1 to 16, then 5x5 to 32 -- the bottleneck counted above.
    five = costs.conv_multiplications(28, 28, 32, 5, 16) + costs.conv_multiplications(28, 28, 16, 1, 192)
    assert five == costs.bottleneck_cost(28, 28, 192, 16, 32, 5).total
    expected = (
        costs.conv_multiplications(28, 28, 64, 1, 192)
        + costs.bottleneck_cost(28, 28, 192, 96, 128, 3).total
        + five
        + costs.conv_multiplications(28, 28, 32, 1, 192)
    )
    assert costs.keras_multiplications(model) == expected
    assert model.count_params() == sum(
        costs.conv_parameters(f, c_in, c_out)
        for f, c_in, c_out in [(1, 192, 64), (1, 192, 96), (3, 96, 128), (1, 192, 16), (5, 16, 32), (1, 192, 32)]
    )


def test_googlenet_outputs(keras):
    from cnn_course.models.inception import googlenet

    model = googlenet()
    assert [tuple(o.shape) for o in model.outputs] == [(None, 1000)] * 3
    assert model.get_layer("inception_5b_concat").output.shape[1:] == (7, 7, 1024)
    # The paper's "1.5 billion multiply-adds" for the main network (side branches add little).
    assert costs.keras_multiplications(model) == pytest.approx(1.5e9, rel=0.07)
    assert googlenet(auxiliary=False).count_params() < model.count_params()


def convolution_weights(keras, model) -> int:
    """The weights of a model's convolutions, without batch normalization's."""
    kinds = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)
    return sum(layer.count_params() for layer in model.layers if isinstance(layer, kinds))


def test_mobilenet_v1_costs_by_hand(keras):
    # Chapter 7 counts keras.applications' MobileNet block by block with the depthwise separable formulas.
    v1 = keras.applications.MobileNet(weights=None)
    assert v1.count_params() == 4_253_864
    first = keras.Model(v1.get_layer("conv_dw_1").input, v1.get_layer("conv_pw_1_relu").output)
    assert convolution_weights(keras, first) == costs.depthwise_separable_parameters(3, 32, 64, bias=False) == 288 + 2048
    assert costs.keras_multiplications(first) == costs.depthwise_separable_cost(112, 3, 32, 64).total
    depthwise = [layer for layer in v1.layers if isinstance(layer, keras.layers.DepthwiseConv2D)]
    n, c_in, total = 112, 32, costs.normal_conv_cost(112, 3, 3, 32) + 1024 * 1000  # the stem and the classifier
    for layer in depthwise:
        filters, stride = v1.get_layer(layer.name.replace("_dw_", "_pw_")).filters, layer.strides[0]
        n //= stride
        total += costs.depthwise_separable_cost(n, 3, c_in, filters).total
        c_in = filters
    assert len(depthwise) == 13 and total == costs.keras_multiplications(v1) == 568_740_352


def test_mobilenet_v2_block_costs_by_hand(keras):
    v2 = keras.applications.MobileNetV2(weights=None)
    assert v2.count_params() == 3_538_984
    assert math.isclose(costs.keras_multiplications(v2), 300e6, rel_tol=0.01)
    assert sum(layer.name.endswith("_project") for layer in v2.layers) == 17
    # The third block, 56x56x24 in and out: expanded 6 times, with its shortcut.
    block = keras.Model(v2.get_layer("block_2_expand").input, v2.get_layer("block_2_add").output)
    assert isinstance(block.layers[-1], keras.layers.Add)
    assert convolution_weights(keras, block) == 24 * 144 + 9 * 144 + 144 * 24 == 8208
    assert costs.keras_multiplications(block) == 56 * 56 * 8208 == 25_740_288
    # A strided block has no shortcut: the shapes differ.
    assert tuple(v2.get_layer("block_1_project_BN").output.shape[1:]) == (56, 56, 24)
    assert "block_1_add" not in {layer.name for layer in v2.layers}


def test_keras_multiplications_of_the_lecture_example(keras):
    def cost(*stack):
        return costs.keras_multiplications(keras.Sequential([keras.Input((6, 6, 3)), *stack]))

    assert cost(keras.layers.Conv2D(5, 3)) == 2160
    assert cost(keras.layers.DepthwiseConv2D(3), keras.layers.Conv2D(5, 1)) == 672
    assert cost(keras.layers.SeparableConv2D(5, 3)) == 672
    assert cost(keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(10)) == 9 * 3 * 10



def test_resnet50_costs_match_keras_part_by_part(keras):
    reference = keras.applications.ResNet50(weights=None)
    parts = {"stem": ("conv1_", "pool1_"), "head": ("avg_pool", "predictions")}
    for row in costs.bottleneck_resnet_costs(conv_bias=True):
        prefixes = parts.get(row.part, (row.part.removesuffix("x"),))
        members = [layer for layer in reference.layers if layer.name.startswith(prefixes)]
        assert tuple(members[-1].output.shape[1:]) == row.output
        assert sum(layer.count_params() for layer in members) == row.parameters + row.statistics, row.part
        assert sum(costs.layer_multiplications(layer) for layer in members) == row.multiplications, row.part
    trainable = sum(int(weight.numpy().size) for weight in reference.trainable_weights)
    assert trainable == sum(row.parameters for row in costs.bottleneck_resnet_costs(conv_bias=True))
