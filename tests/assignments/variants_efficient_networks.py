"""Wrong answers to assignment 3 (efficient networks) and exactly the test cells each must fail."""

from tests.assignments.variants import Variant

PROJECTION = "X = layers.Conv2D(filters, 1, use_bias=False)(X)\n    X = layers.BatchNormalization()(X)\n"
RESIDUAL = "if strides == 1 and channels == filters:"
ADD = "    if strides == 1 and channels == filters:\n        X = layers.Add()([X_shortcut, X])\n"
# Whatever is wrong inside the inverted residual block: the block's tests, and the network built from it.
INVERTED = {"test_inverted_residual_block_layers", "test_inverted_residual_block_values",
            "test_inverted_residual_block_shortcut", "test_small_mobilenet_model"}

VARIANTS = {
    "separable_relu_instead_of_relu6": Variant(
        edits={"depthwise_separable_block": [("layers.ReLU(6.0)", "layers.ReLU()")]},
        fails={"test_depthwise_separable_block"},
    ),
    # the stride on the pointwise convolution: the same output shape, another function
    "separable_stride_on_pointwise": Variant(
        edits={"depthwise_separable_block": [
            ('DepthwiseConv2D(3, strides=strides, padding="same"', 'DepthwiseConv2D(3, padding="same"'),
            ("layers.Conv2D(filters, 1, use_bias=False)", "layers.Conv2D(filters, 1, strides=strides, use_bias=False)"),
        ]},
        fails={"test_depthwise_separable_block"},
    ),
    "inverted_relu_instead_of_relu6": Variant(
        edits={"inverted_residual_block": [("layers.ReLU(6.0)", "layers.ReLU()")]},
        fails=INVERTED,
    ),
    "activation_after_projection": Variant(
        edits={"inverted_residual_block": [(PROJECTION, PROJECTION + "    X = layers.ReLU(6.0)(X)\n")]},
        fails=INVERTED,
    ),
    # an addition of tensors of different shapes: the block raises where the stride or the channels change
    "residual_always": Variant(
        edits={"inverted_residual_block": [(RESIDUAL, "if True:")]},
        fails=INVERTED,
    ),
    "residual_never": Variant(
        edits={"inverted_residual_block": [(ADD, "")]},
        fails=INVERTED,
    ),
    # the layers test has no block with stride 1 that changes the channels; the network's first block does
    "residual_when_only_the_stride_matches": Variant(
        edits={"inverted_residual_block": [(RESIDUAL, "if strides == 1:")]},
        fails=INVERTED - {"test_inverted_residual_block_layers"},
    ),
    "expansion_when_expansion_is_1": Variant(
        edits={"inverted_residual_block": [("if expansion != 1:", "if True:")]},
        fails=INVERTED,
    ),
    "stride_on_projection": Variant(
        edits={"inverted_residual_block": [
            ('DepthwiseConv2D(3, strides=strides, padding="same"', 'DepthwiseConv2D(3, padding="same"'),
            ("layers.Conv2D(filters, 1, use_bias=False)", "layers.Conv2D(filters, 1, strides=strides, use_bias=False)"),
        ]},
        fails=INVERTED,
    ),
    "bias_left_on": Variant(
        edits={cell: [("use_bias=False", "use_bias=True")]
               for cell in ("depthwise_separable_block", "inverted_residual_block")},
        fails=INVERTED | {"test_depthwise_separable_block"},
    ),
    # frozen BatchNormalization layers never use the batch's statistics: right in inference mode only (a call
    # with training=False is not such a variant: the model's own training argument overrides it)
    "frozen_batch_normalization": Variant(
        edits={"inverted_residual_block": [("layers.BatchNormalization()(X)",
                                            "layers.BatchNormalization(trainable=False)(X)")]},
        fails={"test_inverted_residual_block_values", "test_small_mobilenet_model"},
    ),
    "cost_depthwise_at_input_resolution": Variant(
        edits={"inverted_residual_cost": [(
            "multiplications = size_out * size_out * (9 * expanded + expanded * channels_out)",
            "multiplications = size * size * 9 * expanded + size_out * size_out * expanded * channels_out")]},
        fails={"test_inverted_residual_cost"},
    ),
    "cost_expansion_when_expansion_is_1": Variant(
        edits={"inverted_residual_cost": [("if expansion != 1:", "if True:")]},
        fails={"test_inverted_residual_cost"},
    ),
    "scaled_channels_without_the_bump": Variant(
        edits={"scaled_channels": [("    if rounded < 0.9 * scaled:\n        rounded += divisor\n", "")]},
        fails={"test_scaled_channels", "test_small_mobilenet_width"},
    ),
    "scaled_channels_without_rounding": Variant(
        edits={"scaled_channels": [("int(scaled + divisor / 2) // divisor * divisor", "int(scaled)")]},
        fails={"test_scaled_channels", "test_small_mobilenet_width"},
    ),
    "network_ignores_alpha": Variant(
        edits={"small_mobilenet": [("X_input = keras.Input(input_shape)",
                                    "alpha = 1.0\n    X_input = keras.Input(input_shape)")]},
        fails={"test_small_mobilenet_width"},
    ),
    "last_convolution_1280_wide": Variant(
        edits={"small_mobilenet": [("scaled_channels(256, alpha)", "scaled_channels(1280, alpha)")]},
        fails={"test_small_mobilenet_model", "test_small_mobilenet_width"},
    ),
}
