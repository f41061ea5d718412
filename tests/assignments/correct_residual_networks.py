"""Correct answers to assignment 1 (residual networks) written in other styles: each must keep full marks.

``CORRECT``: name -> {answer cell grade_id: the whole cell's new source}. The checks judge what the
blocks and the model compute, so layers or ``keras.ops``, operators, helper functions, other names,
explicit initializers, another order of creating the layers, or a separate activation layer must
all score like the solution (see tests/assignments/test_mutation.py).
"""

IDENTITY_KERAS_OPS = '''
def identity_block(X, f, filters, training=True, initializer=random_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = keras.ops.relu(layers.BatchNormalization(axis=3)(X, training=training))
    X = layers.Conv2D(F2, f, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = keras.ops.relu(layers.BatchNormalization(axis=3)(X, training=training))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    return keras.ops.relu(keras.ops.add(X, X_shortcut))
'''

CONVOLUTIONAL_KERAS_OPS = '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))(X)
    shortcut = layers.BatchNormalization(axis=3)(shortcut, training=training)
    X = layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(X)
    X = keras.ops.relu(layers.BatchNormalization(axis=3)(X, training=training))
    X = layers.Conv2D(F2, f, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = keras.ops.relu(layers.BatchNormalization(axis=3)(X, training=training))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    return keras.ops.relu(keras.ops.add(shortcut, X))
'''

# One helper for "convolution, batch normalisation, maybe ReLU", defined in the first answer cell
# and used by both blocks.
HELPER_IDENTITY = '''
def conv_bn(X, filters, size, strides, padding, training, initializer, relu=True):
    X = layers.Conv2D(filters, kernel_size=(size, size), strides=(strides, strides), padding=padding,
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=-1)(X, training=training)
    return layers.ReLU()(X) if relu else X


def identity_block(X, f, filters, training=True, initializer=random_uniform):
    F1, F2, F3 = filters
    main = conv_bn(X, F1, 1, 1, "valid", training, initializer)
    main = conv_bn(main, F2, f, 1, "same", training, initializer)
    main = conv_bn(main, F3, 1, 1, "valid", training, initializer, relu=False)
    return layers.ReLU()(layers.Add()([main, X]))
'''

HELPER_CONVOLUTIONAL = '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    F1, F2, F3 = filters
    main = conv_bn(X, F1, 1, s, "valid", training, initializer)
    main = conv_bn(main, F2, f, 1, "same", training, initializer)
    main = conv_bn(main, F3, 1, 1, "valid", training, initializer, relu=False)
    shortcut = conv_bn(X, F3, 1, s, "valid", training, initializer, relu=False)
    return layers.ReLU()(layers.Add()([main, shortcut]))
'''

OTHER_NAMES_IDENTITY = '''
def identity_block(X, f, filters, training=True, initializer=random_uniform):
    n_squeeze, n_middle, n_out = filters
    skip = X
    h = layers.Conv2D(filters=n_squeeze, kernel_size=1, strides=1, padding="valid",
                      kernel_initializer=initializer(seed=0))(X)
    h = layers.BatchNormalization(axis=3)(h, training=training)
    h = layers.Activation(keras.activations.relu)(h)
    h = layers.Conv2D(filters=n_middle, kernel_size=f, strides=1, padding="same",
                      kernel_initializer=initializer(seed=0))(h)
    h = layers.BatchNormalization(axis=3)(h, training=training)
    h = layers.Activation(keras.activations.relu)(h)
    h = layers.Conv2D(filters=n_out, kernel_size=1, strides=1, padding="valid",
                      kernel_initializer=initializer(seed=0))(h)
    h = layers.BatchNormalization(axis=3)(h, training=training)
    out = h + skip
    return layers.Activation("relu")(out)
'''

# Initial weights are not graded: the observers give every weight its value.
EXPLICIT_INITIALIZERS_IDENTITY = '''
def identity_block(X, f, filters, training=True, initializer=random_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, (1, 1), kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, (f, f), padding="same", kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, (1, 1), kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.Add()([X, X_shortcut])
    return layers.Activation("relu")(X)
'''

EXPLICIT_INITIALIZERS_CONVOLUTIONAL = '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, (1, 1), strides=(s, s), kernel_initializer=keras.initializers.GlorotUniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, (f, f), padding="same", kernel_initializer="he_normal")(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, (1, 1), kernel_initializer="glorot_uniform")(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), kernel_initializer="zeros")(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut, training=training)
    return layers.Activation("relu")(layers.Add()([X, X_shortcut]))
'''

# The layers created first and called afterwards, shortcut first.
LAYERS_FIRST_CONVOLUTIONAL = '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut_conv = layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))
    shortcut_norm = layers.BatchNormalization()
    convs = [layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0)),
             layers.Conv2D(F2, f, padding="same", kernel_initializer=initializer(seed=0)),
             layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))]
    norms = [layers.BatchNormalization(axis=-1) for _ in convs]
    shortcut = shortcut_norm(shortcut_conv(X), training=training)
    for index, (conv, norm) in enumerate(zip(convs, norms)):
        X = norm(conv(X), training=training)
        if index < 2:
            X = layers.ReLU()(X)
    return layers.ReLU()(layers.Add()([shortcut, X]))
'''

RESNET50_SOFTMAX_LAYER = '''
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)
    X = layers.ZeroPadding2D(3)(X_input)
    X = layers.Conv2D(64, (7, 7), strides=(2, 2), kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
    X = stage(X, 3, [64, 64, 256], blocks=3, s=1)
    X = stage(X, 3, [128, 128, 512], blocks=4, s=2)
    X = stage(X, 3, [256, 256, 1024], blocks=6, s=2)
    X = stage(X, 3, [512, 512, 2048], blocks=3, s=2)
    X = layers.AveragePooling2D((2, 2))(X)
    X = layers.Flatten()(X)
    X = layers.Dense(classes)(X)
    X = layers.Softmax()(X)
    return keras.Model(inputs=X_input, outputs=X)
'''

# The four stages from a table, calling the blocks directly (no `stage` helper).
RESNET50_STAGE_TABLE = '''
STAGES = [([64, 64, 256], 3, 1), ([128, 128, 512], 4, 2), ([256, 256, 1024], 6, 2), ([512, 512, 2048], 3, 2)]


def ResNet50(input_shape=(64, 64, 3), classes=6):
    inputs = keras.Input(shape=input_shape)
    x = layers.ZeroPadding2D(padding=3)(inputs)
    x = layers.Conv2D(64, 7, strides=2, kernel_initializer=glorot_uniform(seed=0))(x)
    x = keras.ops.relu(layers.BatchNormalization(axis=-1)(x))
    x = layers.MaxPooling2D(3, 2)(x)
    for stage_filters, blocks, stride in STAGES:
        x = convolutional_block(x, 3, stage_filters, s=stride)
        for _ in range(blocks - 1):
            x = identity_block(x, 3, stage_filters)
    x = layers.Flatten()(layers.AveragePooling2D(2)(x))
    outputs = layers.Activation("softmax")(layers.Dense(classes, kernel_initializer=glorot_uniform(seed=0))(x))
    return keras.Model(inputs, outputs)
'''

RESNET50_KEYWORDS = '''
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(shape=input_shape)
    X = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(X_input)
    X = layers.Conv2D(filters=64, kernel_size=7, strides=2, padding="valid")(X)
    X = layers.BatchNormalization()(X)
    X = layers.Activation(activation="relu")(X)
    X = layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2), padding="valid")(X)
    for filters, blocks, s in (([64, 64, 256], 3, 1), ([128, 128, 512], 4, 2), ([256, 256, 1024], 6, 2),
                               ([512, 512, 2048], 3, 2)):
        X = stage(X, f=3, filters=filters, blocks=blocks, s=s)
    X = layers.AveragePooling2D(pool_size=(2, 2), padding="valid")(X)
    X = layers.Flatten()(X)
    X = layers.Dense(units=classes, activation=keras.activations.softmax)(X)
    return keras.Model(X_input, X)
'''

# A head that pools globally: on the 64x64 images stage 5 leaves a 2x2 map, so GlobalAveragePooling2D
# computes what AveragePooling2D(2) followed by Flatten computes. Written from scratch in its own style.
RESNET50_GLOBAL_POOLING = '''
def ResNet50(input_shape=(64, 64, 3), classes=6):
    """Stem, four stages of bottleneck blocks, global pooling and a softmax classifier."""
    image = keras.Input(input_shape)
    features = layers.ZeroPadding2D(3)(image)
    features = layers.Conv2D(64, (7, 7), strides=(2, 2))(features)
    features = layers.ReLU()(layers.BatchNormalization(axis=3)(features))
    features = layers.MaxPooling2D((3, 3), strides=(2, 2))(features)
    widths = {2: 64, 3: 128, 4: 256, 5: 512}
    depths = {2: 3, 3: 4, 4: 6, 5: 3}
    for number in range(2, 6):
        sizes = [widths[number], widths[number], 4 * widths[number]]
        features = convolutional_block(features, f=3, filters=sizes, s=1 if number == 2 else 2)
        for _ in range(depths[number] - 1):
            features = identity_block(features, 3, sizes)
    pooled = layers.GlobalAveragePooling2D()(features)
    probabilities = layers.Dense(classes, activation="softmax")(pooled)
    return keras.Model(inputs=image, outputs=probabilities)
'''

# Three spellings of the ReLU and the functional `layers.add`.
RELU_SPELLINGS_IDENTITY = '''
def identity_block(X, f, filters, training=True, initializer=random_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, kernel_size=1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.ReLU()(X)
    X = layers.Conv2D(F2, kernel_size=f, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = keras.ops.relu(X)
    X = layers.Conv2D(F3, kernel_size=1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X, training=training)
    X = layers.add([X, X_shortcut])
    return layers.Activation("relu")(X)
'''

CORRECT = {
    "keras_ops": {"identity_block": IDENTITY_KERAS_OPS, "convolutional_block": CONVOLUTIONAL_KERAS_OPS},
    "helper_function": {"identity_block": HELPER_IDENTITY, "convolutional_block": HELPER_CONVOLUTIONAL},
    "other_names_and_plus": {"identity_block": OTHER_NAMES_IDENTITY},
    "relu_spellings": {"identity_block": RELU_SPELLINGS_IDENTITY},
    "explicit_initializers": {"identity_block": EXPLICIT_INITIALIZERS_IDENTITY,
                              "convolutional_block": EXPLICIT_INITIALIZERS_CONVOLUTIONAL},
    "layers_created_first": {"convolutional_block": LAYERS_FIRST_CONVOLUTIONAL},
    "softmax_layer": {"ResNet50": RESNET50_SOFTMAX_LAYER},
    "stage_table": {"ResNet50": RESNET50_STAGE_TABLE},
    "keywords_everywhere": {"ResNet50": RESNET50_KEYWORDS},
    "global_average_pooling_head": {"ResNet50": RESNET50_GLOBAL_POOLING},
    "everything_other_style": {"identity_block": OTHER_NAMES_IDENTITY,
                               "convolutional_block": LAYERS_FIRST_CONVOLUTIONAL, "ResNet50": RESNET50_STAGE_TABLE},
}
