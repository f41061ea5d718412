"""The classic networks: LeNet-5 (LeCun et al., 1998), AlexNet (Krizhevsky et al., 2012) and
the VGG family (Simonyan & Zisserman, 2014), in the form the lectures describe them.

Each builder is a short stack of Keras layers; the layer names follow ``keras.applications``
(``block1_conv1``, ``fc1``, ...) so tables and figures can refer to them.
"""

from __future__ import annotations

import keras
from keras import layers

# VGG's configurations (paper, table 1). An int is a 3x3 "same" convolution with that many
# filters, a (filters, 1) pair a 1x1 convolution (configuration C only), "M" a 2x2 max-pool.
# Every configuration ends with FC-4096, FC-4096 and a softmax. A-LRN, which is A plus local
# response normalization (no parameters) after the first layer, is left out.
VGG_CONFIGS = {
    "A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "B": (64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "C": (64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M", 512, 512, (512, 1), "M", 512, 512, (512, 1), "M"),
    "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "E": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}  # fmt: skip
VGG_NAMES = {"A": "VGG-11", "B": "VGG-13", "C": "VGG-16, 1×1 variant", "D": "VGG-16", "E": "VGG-19"}


def lenet5(input_shape=(32, 32, 1), classes: int = 10, activation: str = "tanh") -> keras.Model:
    """LeNet-5 as the lecture draws it: two 5x5 "valid" convolutions (6 and 16 filters), each
    followed by 2x2 average pooling, then fully connected layers of 120 and 84 units and a
    softmax. The 1998 network used sigmoid/tanh units, not ReLU, and average pooling."""
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(6, 5, activation=activation, name="conv1")(inputs)  # 28x28x6
    x = layers.AveragePooling2D(2, name="pool1")(x)  # 14x14x6
    x = layers.Conv2D(16, 5, activation=activation, name="conv2")(x)  # 10x10x16
    x = layers.AveragePooling2D(2, name="pool2")(x)  # 5x5x16
    x = layers.Flatten(name="flatten")(x)  # 400
    x = layers.Dense(120, activation=activation, name="fc1")(x)
    x = layers.Dense(84, activation=activation, name="fc2")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="lenet5")


def alexnet(input_shape=(227, 227, 3), classes: int = 1000, groups: int = 1) -> keras.Model:
    """AlexNet as the lecture draws it: 11x11/4 convolution, 3x3/2 max-pool, 5x5 "same",
    max-pool, three 3x3 "same" convolutions, max-pool, FC-4096, FC-4096, softmax.

    ``groups=2`` splits conv2, conv4 and conv5 into two halves that only see half of the input
    channels, as the original did to spread the network over two GPUs; it changes the
    parameter count, not the shapes. (Grouped convolutions only run on a GPU in TensorFlow;
    building the model to count its parameters works anywhere.)
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)  # 55x55x96
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)  # 27x27x96
    x = layers.Conv2D(256, 5, padding="same", groups=groups, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)  # 13x13x256
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", groups=groups, activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", groups=groups, activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)  # 6x6x256
    x = layers.Flatten(name="flatten")(x)  # 9216
    x = layers.Dropout(0.5, name="drop1")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dropout(0.5, name="drop2")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="alexnet")


def vgg_block(x, convs, block: int):
    """The convolutions of one VGG block (3x3 or 1x1, "same", ReLU) and its 2x2 max-pool."""
    for index, conv in enumerate(convs, start=1):
        filters, size = conv if isinstance(conv, tuple) else (conv, 3)
        x = layers.Conv2D(filters, size, padding="same", activation="relu", name=f"block{block}_conv{index}")(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def vgg_blocks(config) -> list[list]:
    """Split a configuration into its blocks: the convolutions before each max-pool."""
    blocks, current = [], []
    for item in config:
        if item == "M":
            blocks.append(current)
            current = []
        else:
            current.append(item)
    if current:
        raise ValueError("a VGG configuration must end with a max-pool ('M')")
    return blocks


def vgg_depth(config) -> int:
    """Weight layers of a configuration: its convolutions plus the three fully connected ones."""
    return sum(len(block) for block in vgg_blocks(config)) + 3


def vgg_layout(config) -> str:
    """A configuration in one line, block by block: ``64 / 128 / 256 256 1×1-256 / ...``."""
    def conv(item):
        return f"1×1-{item[0]}" if isinstance(item, tuple) else str(item)

    return " / ".join(" ".join(conv(item) for item in block) for block in vgg_blocks(config))


def vgg(config="D", input_shape=(224, 224, 3), classes: int = 1000, name: str | None = None) -> keras.Model:
    """A VGG network: five blocks of convolutions, each halving the grid with a max-pool,
    then FC-4096, FC-4096 (dropout 0.5 after each) and a softmax.

    ``config`` is a key of :data:`VGG_CONFIGS` ("D" is VGG-16, "E" is VGG-19) or a
    configuration of the same form.
    """
    layers_config = VGG_CONFIGS[config] if isinstance(config, str) else tuple(config)
    if name is None:
        name = f"vgg_{config.lower()}" if isinstance(config, str) else "vgg"
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for block, convs in enumerate(vgg_blocks(layers_config), start=1):
        x = vgg_block(x, convs, block)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dropout(0.5, name="drop1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    x = layers.Dropout(0.5, name="drop2")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def vgg16(input_shape=(224, 224, 3), classes: int = 1000) -> keras.Model:
    """VGG-16, configuration D: 13 convolutions and 3 fully connected layers."""
    return vgg("D", input_shape, classes, name="vgg16")
