"""Mutants of the solutions that compute what the solution computes (equivalent mutants), with the reason.

``EQUIVALENT``: assignment -> mutant key (:attr:`devtools.mutation.Mutant.key`) -> why it is equivalent.
Every other mutant must lose points (benchmarks/mutation.py; a sample in test_mutation.py), and the
engine's probe compares each of these with the solution on random inputs and weights. Keys name the
line in the answer cell: when a solution changes, the table is checked again.
"""

INITIAL_WEIGHTS = (
    "Initial weights are not graded: each observer gives every weight a value of its own (by role and shape), so "
    "the function the block computes is the solution's; any initializer is accepted (the corpus's explicit "
    "glorot_uniform(seed=0) is a correct answer)."
)
LAST_AXIS = ("BatchNormalization's default axis -1 is axis 3 of these 4-D (batch, height, width, channels) tensors: "
             "the same channels are normalised.")
DEFAULT_STRIDE = "strides=1 is Conv2D's default: leaving it out builds the same layer."
DEFAULT_PADDING = "padding='valid' is Conv2D's default: leaving it out builds the same layer."
ONE_BY_ONE_PADDING = ("A 1x1 window never reaches past the border, so 'same' pads nothing and computes what 'valid' "
                      "computes, whatever the stride.")
ADDITION_COMMUTES = "Addition commutes: Add()([X_shortcut, X]) is Add()([X, X_shortcut])."
SAME_TENSOR = "X_shortcut = X just before: at this line both names hold the block's input, so the call is unchanged."
DEFAULT_SHUFFLE = "shuffle=True is image_dataset_from_directory's default: the same split and the same batches."
RELU_COMMUTES_WITH_MAX_POOLING = ("ReLU and max pooling commute (the maximum of rectified values is the rectified "
                                  "maximum): MaxPooling2D then ReLU is the same function.")

EQUIVALENT: dict[str, dict[str, str]] = {
    "residual_networks": {
        **dict.fromkeys([
            "identity_block:19:replace_argument: X -> X_shortcut in layers.Conv2D(...)(...)",
            "convolutional_block:20:replace_argument: X -> X_shortcut in layers.Conv2D(...)(...)",
        ], SAME_TENSOR),
        **dict.fromkeys([
            "identity_block:19:drop_keyword: drop strides=1 from layers.Conv2D(...)",
            "identity_block:23:drop_keyword: drop strides=1 from layers.Conv2D(...)",
            "identity_block:27:drop_keyword: drop strides=1 from layers.Conv2D(...)",
            "convolutional_block:24:drop_keyword: drop strides=1 from layers.Conv2D(...)",
            "convolutional_block:28:drop_keyword: drop strides=1 from layers.Conv2D(...)",
        ], DEFAULT_STRIDE),
        **dict.fromkeys([
            "identity_block:19:drop_keyword: drop padding='valid' from layers.Conv2D(...)",
            "identity_block:27:drop_keyword: drop padding='valid' from layers.Conv2D(...)",
            "convolutional_block:20:drop_keyword: drop padding='valid' from layers.Conv2D(...)",
            "convolutional_block:28:drop_keyword: drop padding='valid' from layers.Conv2D(...)",
            "convolutional_block:31:drop_keyword: drop padding='valid' from layers.Conv2D(...)",
        ], DEFAULT_PADDING),
        **dict.fromkeys([
            "identity_block:19:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "identity_block:19:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "identity_block:19:change_integer: seed: 0 -> 1",
            "identity_block:19:change_integer: seed: 0 -> -1",
            "identity_block:23:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "identity_block:23:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "identity_block:23:change_integer: seed: 0 -> 1",
            "identity_block:23:change_integer: seed: 0 -> -1",
            "identity_block:27:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "identity_block:27:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "identity_block:27:change_integer: seed: 0 -> 1",
            "identity_block:27:change_integer: seed: 0 -> -1",
            "convolutional_block:20:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "convolutional_block:20:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "convolutional_block:20:change_integer: seed: 0 -> 1",
            "convolutional_block:20:change_integer: seed: 0 -> -1",
            "convolutional_block:24:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "convolutional_block:24:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "convolutional_block:24:change_integer: seed: 0 -> 1",
            "convolutional_block:24:change_integer: seed: 0 -> -1",
            "convolutional_block:28:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "convolutional_block:28:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "convolutional_block:28:change_integer: seed: 0 -> 1",
            "convolutional_block:28:change_integer: seed: 0 -> -1",
            "convolutional_block:31:drop_keyword: drop kernel_initializer=initializer(seed=0) from layers.Conv2D(...)",
            "convolutional_block:31:drop_keyword: kernel_initializer: drop seed=0 from initializer(...)",
            "convolutional_block:31:change_integer: seed: 0 -> 1",
            "convolutional_block:31:change_integer: seed: 0 -> -1",
            "ResNet50:16:drop_keyword: drop kernel_initializer=glorot_uniform(seed=0) from layers.Conv2D(...)",
            "ResNet50:16:drop_keyword: kernel_initializer: drop seed=0 from glorot_uniform(...)",
            "ResNet50:16:change_integer: seed: 0 -> 1",
            "ResNet50:16:change_integer: seed: 0 -> -1",
            "ResNet50:28:drop_keyword: drop kernel_initializer=glorot_uniform(seed=0) from layers.Dense(...)",
            "ResNet50:28:drop_keyword: kernel_initializer: drop seed=0 from glorot_uniform(...)",
            "ResNet50:28:change_integer: seed: 0 -> 1",
            "ResNet50:28:change_integer: seed: 0 -> -1",
        ], INITIAL_WEIGHTS),
        **dict.fromkeys([
            "identity_block:19:replace_string: padding: 'valid' -> 'same'",
            "identity_block:27:replace_string: padding: 'valid' -> 'same'",
            "convolutional_block:20:replace_string: padding: 'valid' -> 'same'",
            "convolutional_block:28:replace_string: padding: 'valid' -> 'same'",
            "convolutional_block:31:replace_string: padding: 'valid' -> 'same'",
        ], ONE_BY_ONE_PADDING),
        **dict.fromkeys([
            "identity_block:20:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "identity_block:20:change_axis: axis=3 -> axis=-1",
            "identity_block:24:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "identity_block:24:change_axis: axis=3 -> axis=-1",
            "identity_block:28:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "identity_block:28:change_axis: axis=3 -> axis=-1",
            "convolutional_block:21:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "convolutional_block:21:change_axis: axis=3 -> axis=-1",
            "convolutional_block:25:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "convolutional_block:25:change_axis: axis=3 -> axis=-1",
            "convolutional_block:29:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "convolutional_block:29:change_axis: axis=3 -> axis=-1",
            "convolutional_block:33:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "convolutional_block:33:change_axis: axis=3 -> axis=-1",
            "ResNet50:17:drop_keyword: drop axis=3 from layers.BatchNormalization(...)",
            "ResNet50:17:change_axis: axis=3 -> axis=-1",
        ], LAST_AXIS),
        **dict.fromkeys([
            "identity_block:30:swap_elements: swap X and X_shortcut",
            "convolutional_block:35:swap_elements: swap X and X_shortcut",
        ], ADDITION_COMMUTES),
        **dict.fromkeys([
            'ResNet50:18:swap_statements: swap X = layers.Activation("relu")(X) and X = layers.MaxPooling2D(pool_size=3, strides=2)(X)',
        ], RELU_COMMUTES_WITH_MAX_POOLING),
    },
    "transfer_learning": {
        **dict.fromkeys([
            "make_datasets:20:drop_keyword: drop shuffle=True from dict(...)",
        ], DEFAULT_SHUFFLE),
    },
}
