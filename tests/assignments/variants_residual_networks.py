"""Wrong answers to assignment 1 (residual networks) and exactly the test cells each must fail."""

from tests.assignments.variants import Variant

ADD_THEN_RELU = 'X = layers.Add()([X, X_shortcut])\n    X = layers.Activation("relu")(X)'
RELU_THEN_ADD = 'X = layers.Activation("relu")(X)\n    X = layers.Add()([X, X_shortcut])'
BLOCK_TESTS = {
    "identity_block": {"test_identity_block_layers", "test_identity_block_inference", "test_identity_block_training"},
    "convolutional_block": {"test_convolutional_block_layers", "test_convolutional_block_inference",
                            "test_convolutional_block_training"},
}
TRAINING_TESTS = {"test_identity_block_training", "test_convolutional_block_training"}

VARIANTS = {
    # the stride s on the middle fxf convolution instead of the first 1x1 one
    "stride_on_middle_convolution": Variant(
        edits={"convolutional_block": [
            ('X = layers.Conv2D(F1, kernel_size=1, strides=s,', 'X = layers.Conv2D(F1, kernel_size=1, strides=1,'),
            ('X = layers.Conv2D(F2, kernel_size=f, strides=1,', 'X = layers.Conv2D(F2, kernel_size=f, strides=s,'),
        ]},
        fails=BLOCK_TESTS["convolutional_block"] | {"test_resnet50_model"},
    ),
    # the shortcut's 1x1 convolution without the stride: the two paths no longer have the same shape
    "no_stride_on_shortcut": Variant(
        edits={"convolutional_block": [("X_shortcut = layers.Conv2D(F3, kernel_size=1, strides=s,",
                                        "X_shortcut = layers.Conv2D(F3, kernel_size=1, strides=1,")]},
        fails=BLOCK_TESTS["convolutional_block"] | {"test_resnet50_model"},
    ),
    "identity_block_without_shortcut": Variant(
        edits={"identity_block": [(ADD_THEN_RELU, 'X = layers.Activation("relu")(X)')]},
        fails=BLOCK_TESTS["identity_block"] | {"test_identity_block_shortcut", "test_resnet50_model"},
    ),
    "identity_block_shortcut_after_relu": Variant(
        edits={"identity_block": [(ADD_THEN_RELU, RELU_THEN_ADD)]},
        fails=BLOCK_TESTS["identity_block"] | {"test_identity_block_shortcut", "test_resnet50_model"},
    ),
    "convolutional_block_shortcut_after_relu": Variant(
        edits={"convolutional_block": [(ADD_THEN_RELU, RELU_THEN_ADD)]},
        fails=BLOCK_TESTS["convolutional_block"] | {"test_resnet50_model"},
    ),
    # normalising the height axis: other parameters and other outputs; the shortcut test, which credits
    # the shortcut of a block that computes the right function, fails with it
    "batchnorm_axis_1": Variant(
        edits={cell: [("BatchNormalization(axis=3)", "BatchNormalization(axis=1)")] for cell in BLOCK_TESTS},
        fails=BLOCK_TESTS["identity_block"] | BLOCK_TESTS["convolutional_block"]
        | {"test_identity_block_shortcut", "test_resnet50_model"},
    ),
    "batchnorm_always_inference": Variant(
        edits={cell: [("training=training)", "training=False)")] for cell in BLOCK_TESTS},
        fails=TRAINING_TESTS,
    ),
    "batchnorm_without_training_argument": Variant(
        edits={cell: [(", training=training)", ")")] for cell in BLOCK_TESTS},
        fails=TRAINING_TESTS,
    ),
    "stage_4_with_five_blocks": Variant(
        edits={"ResNet50": [("blocks=6", "blocks=5")]},
        fails={"test_resnet50_stages", "test_resnet50_model"},
    ),
    # 16x16 feature maps after the stem instead of 15x15: the stand-in blocks used to hide it
    "stem_max_pooling_same_padding": Variant(
        edits={"ResNet50": [("layers.MaxPooling2D(pool_size=3, strides=2)(X)",
                             'layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(X)')]},
        fails={"test_resnet50_stem_and_head", "test_resnet50_stages", "test_resnet50_model"},
    ),
    "stem_without_max_pooling": Variant(
        edits={"ResNet50": [("    X = layers.MaxPooling2D(pool_size=3, strides=2)(X)\n", "")]},
        fails={"test_resnet50_stem_and_head", "test_resnet50_stages", "test_resnet50_model"},
    ),
}

# A correct answer spelled differently must keep every point: the checks look at what the blocks
# compute, not at how the code is written or in which order it creates its layers.
SHORTCUT_LINES = (
    '    X_shortcut = layers.Conv2D(F3, kernel_size=1, strides=s, padding="valid",\n'
    "                               kernel_initializer=initializer(seed=0))(X_shortcut)\n"
    "    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut, training=training)\n\n"
)
VARIANTS["correct_in_other_words"] = Variant(
    edits={
        "identity_block": [
            ("X = layers.Add()([X, X_shortcut])", "X = layers.Add()([X_shortcut, X])"),
            ('layers.Activation("relu")', "layers.ReLU()"),
            ("BatchNormalization(axis=3)", "BatchNormalization()"),
        ],
        "convolutional_block": [
            (SHORTCUT_LINES, ""),
            ("### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n" + SHORTCUT_LINES),
            (ADD_THEN_RELU, "X = keras.ops.relu(X_shortcut + X)"),
            ("BatchNormalization(axis=3)", "BatchNormalization(axis=-1)"),
        ],
    },
    fails=frozenset(),
)
