"""Correct answers to assignment 3 (efficient networks) written in other styles: each must keep full marks.

``CORRECT``: name -> {answer cell grade_id: the whole cell's new source}. The checks judge what the
blocks, the cost, the rounding and the network compute, so another spelling of ReLU6, keras.ops, Sequential
pipelines, helper functions, explicit padding, a loop over a list of layers, other names or other
arithmetic must all score like the solution (see tests/assignments/test_mutation.py).
"""

SEPARABLE_KERAS_OPS = '''
def depthwise_separable_block(X, filters, strides=1):
    X = layers.DepthwiseConv2D(kernel_size=(3, 3), strides=(strides, strides), padding="same", use_bias=False)(X)
    X = keras.ops.relu6(layers.BatchNormalization(axis=-1)(X))
    X = layers.Conv2D(filters, kernel_size=(1, 1), padding="valid", use_bias=False)(X)
    return keras.ops.relu6(layers.BatchNormalization(axis=3)(X))
'''

INVERTED_KERAS_OPS = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    inputs = X
    if expansion > 1:
        X = layers.Conv2D(expansion * X.shape[-1], 1, use_bias=False)(X)
        X = keras.ops.relu6(layers.BatchNormalization()(X))
    X = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(X)
    X = keras.ops.relu6(layers.BatchNormalization()(X))
    X = layers.BatchNormalization()(layers.Conv2D(filters, 1, use_bias=False)(X))
    if strides == 1 and inputs.shape[-1] == filters:
        X = X + inputs
    return X
'''

# layers.Activation with the name and with the function, and the functional layers.add.
SEPARABLE_ACTIVATION_LAYERS = '''
def depthwise_separable_block(X, filters, strides=1):
    X = layers.DepthwiseConv2D(3, strides, "same", use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    X = layers.Activation("relu6")(X)
    X = layers.Conv2D(filters, (1, 1), use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    return layers.Activation(keras.activations.relu6)(X)
'''

INVERTED_ACTIVATION_LAYERS = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    n_C = X.shape[-1]
    shortcut = X
    if expansion != 1:
        X = layers.Conv2D(filters=expansion * n_C, kernel_size=1, use_bias=False)(X)
        X = layers.BatchNormalization()(X)
        X = layers.Activation("relu6")(X)
    X = layers.DepthwiseConv2D(kernel_size=3, strides=strides, padding="same", use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    X = layers.ReLU(max_value=6)(X)
    X = layers.Conv2D(filters=filters, kernel_size=1, use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    if strides == 1 and n_C == filters:
        X = layers.add([X, shortcut])
    return X
'''

# Each path a keras.Sequential pipeline, called once on the block's input.
SEPARABLE_SEQUENTIAL = '''
def depthwise_separable_block(X, filters, strides=1):
    depthwise = keras.Sequential([layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False),
                                  layers.BatchNormalization(), layers.ReLU(6.0)])
    pointwise = keras.Sequential([layers.Conv2D(filters, 1, use_bias=False), layers.BatchNormalization(),
                                  layers.ReLU(6.0)])
    return pointwise(depthwise(X))
'''

INVERTED_SEQUENTIAL = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    channels = X.shape[-1]
    stages = []
    if expansion > 1:
        stages += [layers.Conv2D(expansion * channels, 1, use_bias=False), layers.BatchNormalization(), layers.ReLU(6.0)]
    stages += [layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False), layers.BatchNormalization(),
               layers.ReLU(6.0), layers.Conv2D(filters, 1, use_bias=False), layers.BatchNormalization()]
    residual = keras.Sequential(stages)(X)
    return layers.Add()([X, residual]) if strides == 1 and channels == filters else residual
'''

# One helper for "convolution, BatchNormalization, maybe ReLU6", defined in the first block's cell and used by both.
HELPER_SEPARABLE = '''
def normalized(X, convolution, activate=True):
    """convolution(X), batch-normalised, then ReLU6 unless activate is False."""
    X = layers.BatchNormalization()(convolution(X))
    return layers.ReLU(6.0)(X) if activate else X


def depthwise_separable_block(X, filters, strides=1):
    X = normalized(X, layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False))
    return normalized(X, layers.Conv2D(filters, 1, use_bias=False))
'''

HELPER_INVERTED = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    block_input, channels = X, X.shape[-1]
    if expansion != 1:
        X = normalized(X, layers.Conv2D(expansion * channels, 1, use_bias=False))
    X = normalized(X, layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False))
    X = normalized(X, layers.Conv2D(filters, 1, use_bias=False), activate=False)
    return layers.Add()([X, block_input]) if (strides, channels) == (1, filters) else X
'''

# 'same' padding written out: ZeroPadding2D, then a 'valid' depthwise convolution. With a stride of 2, Keras pads
# an even side with one row (or column) at the end and an odd side with one at each end, so this does too.
PADDING_SEPARABLE = '''
def pad_for_window_of_3(X, strides):
    """The zeros 'same' padding adds around X before a 3x3 window moved by strides."""
    def sides(n):
        return (0, 1) if strides == 2 and n % 2 == 0 else (1, 1)
    return layers.ZeroPadding2D((sides(X.shape[1]), sides(X.shape[2])))(X)


def depthwise_separable_block(X, filters, strides=1):
    X = layers.DepthwiseConv2D(3, strides=strides, padding="valid", use_bias=False)(pad_for_window_of_3(X, strides))
    X = layers.ReLU(6.0)(layers.BatchNormalization()(X))
    X = layers.Conv2D(filters, 1, use_bias=False)(X)
    return layers.ReLU(6.0)(layers.BatchNormalization()(X))
'''

PADDING_INVERTED = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    channels = X.shape[-1]
    X_shortcut = X
    if expansion != 1:
        X = layers.ReLU(6.0)(layers.BatchNormalization()(layers.Conv2D(expansion * channels, 1, use_bias=False)(X)))
    X = layers.DepthwiseConv2D(3, strides=strides, use_bias=False)(pad_for_window_of_3(X, strides))
    X = layers.ReLU(6.0)(layers.BatchNormalization()(X))
    X = layers.BatchNormalization()(layers.Conv2D(filters, 1, use_bias=False)(X))
    if strides == 1 and channels == filters:
        X = layers.Add()([X_shortcut, X])
    return X
'''

# The layers made first, in a list, and applied in a loop; the residual decided before anything is built.
LAYER_LIST_INVERTED = '''
def inverted_residual_block(X, expansion, filters, strides=1):
    in_channels = X.shape[-1]
    keeps_shape = strides == 1 and in_channels == filters
    relu6 = layers.ReLU(6.0)
    pipeline = [layers.Conv2D(expansion * in_channels, 1, use_bias=False), layers.BatchNormalization(), relu6] \\
        if expansion != 1 else []
    pipeline += [layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False),
                 layers.BatchNormalization(), relu6,
                 layers.Conv2D(filters, 1, use_bias=False), layers.BatchNormalization()]
    out = X
    for layer in pipeline:
        out = layer(out)
    return layers.Add()([out, X]) if keeps_shape else out
'''

COST_OTHER_MATH = '''
def inverted_residual_cost(size, channels_in, expansion, channels_out, strides=1):
    hidden = channels_in * expansion
    side = -(-size // strides)  # ceil(size / strides) in integers
    layers_cost = [(9 * hidden, side), (hidden * channels_out, side)]  # (weights, output side) per convolution
    if expansion > 1:
        layers_cost.insert(0, (channels_in * hidden, size))
    return {"parameters": sum(weights for weights, _ in layers_cost),
            "multiplications": sum(weights * side ** 2 for weights, side in layers_cost)}
'''

COST_TERM_BY_TERM = '''
def inverted_residual_cost(size, channels_in, expansion, channels_out, strides=1):
    n_out = math.ceil(size / strides)
    expanded_channels = expansion * channels_in
    expand_parameters = 0 if expansion == 1 else channels_in * expanded_channels
    depthwise_parameters = 3 * 3 * expanded_channels
    project_parameters = expanded_channels * channels_out
    multiplications = (size**2 * expand_parameters + n_out**2 * depthwise_parameters
                       + n_out**2 * project_parameters)
    return {"parameters": int(expand_parameters + depthwise_parameters + project_parameters),
            "multiplications": int(multiplications)}
'''

SCALED_FLOOR = '''
def scaled_channels(channels, alpha, divisor=8):
    target = alpha * channels
    rounded = divisor * math.floor(target / divisor + 0.5)
    rounded = max(rounded, divisor)
    if rounded < 0.9 * target:  # never more than 10% below the target
        rounded = rounded + divisor
    return int(rounded)
'''

SCALED_NEAREST_MULTIPLES = '''
def scaled_channels(channels, alpha, divisor=8):
    value = channels * alpha
    below = max(divisor, int(value // divisor) * divisor)
    nearest = below + divisor if value - below >= divisor / 2 else below
    return nearest + divisor if nearest < 0.9 * value else nearest
'''

# The blocks' strides listed per block; a separate Softmax layer; keywords everywhere.
NETWORK_STRIDE_LIST = '''
def small_mobilenet(input_shape=(64, 64, 3), classes=6, alpha=1.0):
    X_input = keras.Input(shape=input_shape)
    X = layers.Conv2D(filters=scaled_channels(32, alpha), kernel_size=(3, 3), strides=(2, 2), padding="same",
                      use_bias=False)(X_input)
    X = layers.ReLU(max_value=6.0)(layers.BatchNormalization(axis=-1)(X))
    for t, c, n, s in BLOCKS:
        for stride in [s] + [1] * (n - 1):
            X = inverted_residual_block(X, expansion=t, filters=scaled_channels(c, alpha), strides=stride)
    X = layers.Conv2D(filters=scaled_channels(256, alpha), kernel_size=1, use_bias=False)(X)
    X = layers.Activation("relu6")(layers.BatchNormalization()(X))
    X = layers.GlobalAveragePooling2D()(X)
    X = layers.Dense(units=classes)(X)
    X = layers.Softmax()(X)
    return keras.Model(inputs=X_input, outputs=X)
'''

# Widths computed first, the stem and the head as helpers.
NETWORK_HELPERS = '''
def conv_bn_relu6(X, filters, kernel_size, strides=1):
    X = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False)(X)
    return keras.ops.relu6(layers.BatchNormalization()(X))


def small_mobilenet(input_shape=(64, 64, 3), classes=6, alpha=1.0):
    """Stem, the inverted residual blocks of BLOCKS, a 1x1 convolution and a softmax classifier."""
    images = keras.Input(input_shape)
    features = conv_bn_relu6(images, scaled_channels(32, alpha), 3, strides=2)
    plan = [(t, scaled_channels(c, alpha), s if i == 0 else 1) for t, c, n, s in BLOCKS for i in range(n)]
    for expansion, width, stride in plan:
        features = inverted_residual_block(features, expansion, width, stride)
    features = conv_bn_relu6(features, scaled_channels(256, alpha), 1)
    pooled = layers.GlobalAveragePooling2D()(features)
    return keras.Model(images, layers.Activation("softmax")(layers.Dense(classes)(pooled)))
'''

CORRECT = {
    "keras_ops": {"depthwise_separable_block": SEPARABLE_KERAS_OPS, "inverted_residual_block": INVERTED_KERAS_OPS},
    "activation_layers": {"depthwise_separable_block": SEPARABLE_ACTIVATION_LAYERS,
                          "inverted_residual_block": INVERTED_ACTIVATION_LAYERS},
    "sequential_pipelines": {"depthwise_separable_block": SEPARABLE_SEQUENTIAL,
                             "inverted_residual_block": INVERTED_SEQUENTIAL},
    "helper_function": {"depthwise_separable_block": HELPER_SEPARABLE, "inverted_residual_block": HELPER_INVERTED},
    "zero_padding_then_valid": {"depthwise_separable_block": PADDING_SEPARABLE,
                                "inverted_residual_block": PADDING_INVERTED},
    "layer_list_loop": {"inverted_residual_block": LAYER_LIST_INVERTED},
    "cost_other_math": {"inverted_residual_cost": COST_OTHER_MATH},
    "cost_term_by_term": {"inverted_residual_cost": COST_TERM_BY_TERM},
    "scaled_channels_floor": {"scaled_channels": SCALED_FLOOR},
    "scaled_channels_nearest_multiples": {"scaled_channels": SCALED_NEAREST_MULTIPLES},
    "network_stride_list": {"small_mobilenet": NETWORK_STRIDE_LIST},
    "network_helpers": {"small_mobilenet": NETWORK_HELPERS},
    "everything_other_style": {"depthwise_separable_block": PADDING_SEPARABLE,
                               "inverted_residual_block": LAYER_LIST_INVERTED,
                               "inverted_residual_cost": COST_OTHER_MATH, "scaled_channels": SCALED_NEAREST_MULTIPLES,
                               "small_mobilenet": NETWORK_HELPERS},
}
