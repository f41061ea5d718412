"""Correct answers to assignment 2 (transfer learning) written in other styles: each must keep full marks.

``CORRECT``: name -> {answer cell grade_id: the whole cell's new source}. The checks judge the split,
the augmentation, what the model computes, what is frozen and how it is compiled, so one call with
``subset="both"``, a ``Rescaling`` layer or a ``Lambda`` in place of ``preprocess_input``, freezing
layer by layer or other spellings must all score like the solution (see test_mutation.py).
"""

DATASETS_SUBSET_BOTH = '''
def make_datasets(directory, image_size=IMG_SIZE, batch_size=BATCH_SIZE, seed=SEED):
    return keras.utils.image_dataset_from_directory(
        directory, validation_split=0.2, subset="both", shuffle=True, seed=seed,
        image_size=image_size, batch_size=batch_size)
'''

DATASETS_EXPLICIT = '''
def make_datasets(directory, image_size=IMG_SIZE, batch_size=BATCH_SIZE, seed=SEED):
    datasets = []
    for subset in ("training", "validation"):
        datasets.append(keras.utils.image_dataset_from_directory(
            str(directory), labels="inferred", label_mode="int", color_mode="rgb", batch_size=batch_size,
            image_size=tuple(image_size), shuffle=True, seed=seed, validation_split=0.2, subset=subset,
            interpolation="bilinear"))
    train_dataset, validation_dataset = datasets
    return train_dataset, validation_dataset
'''

AUGMENTER_ADD = '''
def data_augmenter():
    augmenter = keras.Sequential()
    augmenter.add(keras.layers.RandomFlip(mode="horizontal"))
    augmenter.add(keras.layers.RandomRotation(factor=(-0.2, 0.2)))
    return augmenter
'''

AUGMENTER_LAYERS_IMPORTED = '''
from keras.layers import RandomFlip, RandomRotation


def data_augmenter():
    layers_in_order = [RandomFlip("horizontal"), RandomRotation(0.2, fill_mode="reflect")]
    return keras.Sequential(layers_in_order, name="augmentation")
'''

MODEL_RESCALING = '''
def alpaca_model(image_shape=IMG_SIZE, data_augmentation=None):
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    base = pretrained.mobilenet_v2_base((*image_shape, 3))
    base.trainable = False
    inputs = keras.Input((*image_shape, 3))
    x = data_augmentation(inputs)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(rate=0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation=None)(x))
'''

MODEL_LAMBDA = '''
def alpaca_model(image_shape=IMG_SIZE, data_augmentation=None):
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    shape = tuple(image_shape) + (3,)
    base_model = pretrained.mobilenet_v2_base(shape)
    base_model.trainable = False
    inputs = keras.Input(shape=shape)
    scaled = keras.layers.Lambda(keras.applications.mobilenet_v2.preprocess_input)(data_augmentation(inputs))
    features = keras.layers.GlobalAveragePooling2D()(base_model(scaled, training=False))
    logits = keras.layers.Dense(1, activation="linear")(keras.layers.Dropout(0.2)(features))
    return keras.Model(inputs=inputs, outputs=logits, name="alpaca")
'''

# Frozen layer by layer (the base's own flag stays True), pixels scaled with operators. Fine-tuning
# must then unfreeze layer by layer too: Keras leaves the layers' flags alone when `base.trainable =
# True` does not change the base's own flag, so this model only pairs with UNFREEZE_ENUMERATE.
MODEL_LAYER_BY_LAYER = '''
def alpaca_model(image_shape=IMG_SIZE, data_augmentation=None):
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    input_shape = tuple(image_shape) + (3,)
    base_model = pretrained.mobilenet_v2_base(input_shape)
    for layer in base_model.layers:
        layer.trainable = False
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = x / 127.5 - 1.0
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs)
'''

# Preprocessing before the augmentation: flips and rotations (reflecting at the borders, bilinear)
# commute with an affine map of the pixel values, so the model computes the same function.
MODEL_PREPROCESS_FIRST = '''
def alpaca_model(image_shape=IMG_SIZE, data_augmentation=None):
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    input_shape = tuple(image_shape) + (3,)
    inputs = keras.Input(shape=input_shape)
    x = keras.applications.mobilenet_v2.preprocess_input(inputs)
    x = data_augmentation(x)
    base_model = pretrained.mobilenet_v2_base(input_shape)
    base_model.trainable = False
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
'''

COMPILE_POSITIONAL = '''
def compile_model(model, learning_rate=BASE_LEARNING_RATE):
    optimizer = keras.optimizers.Adam(learning_rate)
    loss = keras.losses.BinaryCrossentropy(True)
    accuracy = keras.metrics.BinaryAccuracy("accuracy", threshold=0)
    model.compile(optimizer, loss, metrics=[accuracy])
    return model
'''

UNFREEZE_ENUMERATE = '''
def unfreeze_and_compile(model, base_learning_rate=BASE_LEARNING_RATE):
    base = [layer for layer in model.layers if isinstance(layer, keras.Model) and len(layer.layers) > 100][0]
    base.trainable = True
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= 120 and not isinstance(layer, keras.layers.BatchNormalization)
    model.compile(optimizer=keras.optimizers.RMSprop(base_learning_rate / 10),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)])
    return model
'''

# The base found by its name, the layer to start from in a constant.
FINE_TUNE_FROM = '''
FINE_TUNE_FROM = 120


def unfreeze_and_compile(model, base_learning_rate=BASE_LEARNING_RATE):
    base = next(layer for layer in model.layers if layer.name.startswith("mobilenetv2"))
    base.trainable = True
    for layer in base.layers[:FINE_TUNE_FROM]:
        layer.trainable = False
    for layer in base.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.trainable = False
    optimizer = keras.optimizers.RMSprop(learning_rate=base_learning_rate * 0.1)
    model.compile(optimizer=optimizer, loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)])
    return model
'''

CORRECT = {
    "subset_both": {"make_datasets": DATASETS_SUBSET_BOTH},
    "explicit_dataset_options": {"make_datasets": DATASETS_EXPLICIT},
    "augmenter_built_with_add": {"data_augmenter": AUGMENTER_ADD},
    "augmenter_imported_layers": {"data_augmenter": AUGMENTER_LAYERS_IMPORTED},
    "rescaling_layer": {"alpaca_model": MODEL_RESCALING},
    "lambda_layer": {"alpaca_model": MODEL_LAMBDA},
    "frozen_layer_by_layer": {"alpaca_model": MODEL_LAYER_BY_LAYER, "unfreeze_and_compile": UNFREEZE_ENUMERATE},
    "preprocessing_before_augmentation": {"alpaca_model": MODEL_PREPROCESS_FIRST},
    "positional_arguments": {"compile_model": COMPILE_POSITIONAL},
    "unfreeze_with_enumerate": {"unfreeze_and_compile": UNFREEZE_ENUMERATE},
    "fine_tune_from_constant": {"unfreeze_and_compile": FINE_TUNE_FROM},
    "everything_other_style": {"make_datasets": DATASETS_SUBSET_BOTH, "data_augmenter": AUGMENTER_ADD,
                               "alpaca_model": MODEL_LAYER_BY_LAYER, "compile_model": COMPILE_POSITIONAL,
                               "unfreeze_and_compile": UNFREEZE_ENUMERATE},
}
