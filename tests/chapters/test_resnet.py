"""The ResNet builders of chapter 4: block shapes, shortcuts and the ResNet-34 parameter count."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnn_course.models import resnet


def _block(input_shape, filters, strides):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, resnet.basic_block(inputs, filters, strides=strides, name="block"))


def test_basic_block_with_identity_shortcut_keeps_the_shape():
    block = _block((8, 8, 16), filters=16, strides=1)
    assert block.output_shape[1:] == (8, 8, 16)
    assert not [layer for layer in block.layers if "shortcut" in layer.name]
    # Two 3x3 convs without bias, two BNs with gamma and beta.
    assert resnet.trainable_parameters(block) == 2 * 3 * 3 * 16 * 16 + 2 * 2 * 16


def test_projection_shortcut_when_the_shape_changes():
    block = _block((8, 8, 16), filters=32, strides=2)
    assert block.output_shape[1:] == (4, 4, 32)
    shortcut = block.get_layer("block_shortcut")
    assert shortcut.kernel_size == (1, 1) and shortcut.strides == (2, 2) and shortcut.output.shape[1:] == (4, 4, 32)
    assert resnet.trainable_parameters(block) == 3 * 3 * 16 * 32 + 3 * 3 * 32 * 32 + 16 * 32 + 3 * 2 * 32


def test_projection_shortcut_for_more_channels_at_stride_one():
    block = _block((8, 8, 16), filters=32, strides=1)
    assert block.output_shape[1:] == (8, 8, 32)
    assert block.get_layer("block_shortcut").strides == (1, 1)


def test_zero_last_batch_norm_makes_the_block_the_identity():
    block = _block((4, 4, 8), filters=8, strides=1)
    last_bn = block.get_layer("block_conv2_bn")
    last_bn.set_weights([np.zeros_like(weight) if index < 2 else weight
                         for index, weight in enumerate(last_bn.get_weights())])  # gamma = beta = 0
    x = np.random.default_rng(0).uniform(0, 1, size=(2, 4, 4, 8)).astype("float32")
    np.testing.assert_allclose(block(x), x)


def test_resnet34_has_21_8_million_trainable_parameters():
    model = resnet.resnet34()
    assert resnet.trainable_parameters(model) == 21_797_672  # the count of the reference implementations
    assert model.output_shape == (None, 1000)
    assert [layer.name for layer in model.layers if layer.name.endswith("_shortcut")] == [
        "conv3_block1_shortcut", "conv4_block1_shortcut", "conv5_block1_shortcut"]
    rows = resnet.stage_layout(model)
    assert [row["blocks"] for row in rows if row["blocks"]] == list(resnet.RESNET34_STAGES)
    assert [row["output"] for row in rows][-2] == (7, 7, 512)


def test_dense_residual_block_is_the_identity_with_zero_weights():
    net = resnet.deep_dense_net(depth=2, units=4, input_dim=3, classes=2, residual=True)
    dense2 = net.get_layer("block1_dense2")
    dense2.set_weights([np.zeros_like(weight) for weight in dense2.get_weights()])
    probe = keras.Model(net.input, [net.get_layer("input_dense").output, net.get_layer("block1_out").output])
    before, after = probe(np.ones((1, 3), "float32"))
    np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError):
        resnet.deep_dense_net(depth=3, units=4, input_dim=3, classes=2, residual=True)


def test_plain_net_gradients_vanish_at_initialisation():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 8)).astype("float32"), rng.integers(0, 3, 16)
    plain = resnet.activation_gradient_norms(resnet.deep_dense_net(20, 16, 8, 3, residual=False), x, y)
    residual = resnet.activation_gradient_norms(resnet.deep_dense_net(20, 16, 8, 3, residual=True), x, y)
    assert len(plain) == len(residual) == 21
    assert plain[0] / plain[-1] < 1e-2 < residual[0] / residual[-1]


@pytest.mark.parametrize("residual", [False, True])
def test_cifar_net_has_6n_plus_2_weight_layers_on_its_main_path(residual):
    from cnn_course.tables import weight_depth

    net = resnet.cifar_net(20, residual=residual, width=4, input_shape=(12, 12, 3), classes=6)
    convolutions = [layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convolutions) + 1 == 20 == weight_depth(net) and net.output_shape == (None, 6)
    assert all(layer.kernel_initializer.__class__.__name__ == "HeNormal" and not layer.use_bias for layer in convolutions)
    assert net.get_layer("stage3_block1_conv1").output.shape[1:] == (3, 3, 16)


def test_cifar_nets_differ_only_by_their_parameter_free_shortcuts():
    plain, residual = (resnet.cifar_net(56, residual=r, width=4, input_shape=(8, 8, 3), classes=3) for r in (False, True))
    assert [w.shape for w in residual.weights] == [w.shape for w in plain.weights]
    assert resnet.trainable_parameters(residual) == resnet.trainable_parameters(plain)
    assert len([layer for layer in residual.layers if isinstance(layer, keras.layers.Add)]) == 3 * 9


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    x = np.arange(2 * 5 * 5 * 3, dtype="float32").reshape(2, 5, 5, 3)
    shortcut = resnet.ZeroPadShortcut(filters=8, strides=2)
    y = keras.ops.convert_to_numpy(shortcut(x))
    assert y.shape == (2, 3, 3, 8) == shortcut.compute_output_shape(x.shape)
    np.testing.assert_array_equal(y[..., :3], x[:, ::2, ::2])
    assert not y[..., 3:].any() and not shortcut.weights


def test_cifar_net_rejects_a_depth_that_is_not_6n_plus_2():
    with pytest.raises(ValueError, match="6n \\+ 2"):
        resnet.cifar_net(10, residual=True)
