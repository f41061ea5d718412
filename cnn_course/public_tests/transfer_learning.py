"""Public tests of assignment 2, transfer learning with MobileNetV2 (run them in the notebook).

They check what the instructions ask for and print what they found; passing them is a good
sign, not a guarantee: the grader runs further checks of its own.
"""

from __future__ import annotations

import numpy as np

from cnn_course.public_tests.common import ok

IMAGE_SIZE = (160, 160)
N_TRAIN, N_VALIDATION = 262, 65
FINE_TUNE_AT = 120
# Logits of the (correct) model for the two test images of `test_alpaca_model_preprocessing`,
# with the Dense layer's weights set by `_set_head_weights`.
EXPECTED_LOGITS = [-1.3015, -1.0958]


def find_base(model):
    """The MobileNetV2 base inside ``model`` (a nested Keras model named 'mobilenetv2...')."""
    import keras

    bases = [layer for layer in model.layers if isinstance(layer, keras.Model) and layer.name.startswith("mobilenetv2")]
    assert len(bases) == 1, (
        f"Expected exactly one MobileNetV2 base in the model, found {len(bases)}: "
        f"{[layer.name for layer in model.layers]}. Call the base returned by "
        "pretrained.mobilenet_v2_base once, as a layer."
    )
    return bases[0]


def _base_call_training(model, base):
    """The ``training`` argument recorded when ``base`` was called inside ``model``."""
    values = []
    for index, node in enumerate(base._inbound_nodes):
        if f"{id(base)}_ib-{index}" in getattr(model, "_nodes", {f"{id(base)}_ib-{index}"}):
            values.append(node.arguments.kwargs.get("training", "not given"))
    return values


def test_make_datasets(make_datasets, directory) -> None:
    import os

    train, validation = make_datasets(directory, image_size=IMAGE_SIZE, batch_size=32, seed=1)
    for name, dataset in (("training", train), ("validation", validation)):
        assert hasattr(dataset, "file_paths"), (
            f"The {name} dataset has no `file_paths`: return what image_dataset_from_directory "
            "returns, without .prefetch, .map, .cache or .take."
        )
    train_files = {os.path.relpath(p, directory) for p in train.file_paths}
    validation_files = {os.path.relpath(p, directory) for p in validation.file_paths}
    assert (len(train_files), len(validation_files)) == (N_TRAIN, N_VALIDATION), (
        f"Expected {N_TRAIN} training and {N_VALIDATION} validation images (validation_split=0.2), "
        f"got {len(train_files)} and {len(validation_files)}."
    )
    shared = train_files & validation_files
    assert not shared, (
        f"{len(shared)} photos are in both the training and the validation set: give both calls the "
        "same seed (and the same shuffle) so that the two subsets are complementary."
    )
    assert train.class_names == ["alpaca", "not alpaca"], f"Unexpected class names {train.class_names}."
    images, labels = next(iter(train))
    assert tuple(images.shape) == (32, 160, 160, 3), f"Expected a first batch of shape (32, 160, 160, 3), got {tuple(images.shape)}."
    assert tuple(labels.shape) == (32,), f"Expected 32 integer labels (label_mode 'int'), got shape {tuple(labels.shape)}."
    ok(f"{N_TRAIN} training and {N_VALIDATION} validation photos, no overlap, batches of 32 at 160 x 160")


def test_data_augmenter(data_augmenter) -> None:
    import keras

    augmenter = data_augmenter()
    assert isinstance(augmenter, keras.Sequential), f"Expected a keras.Sequential, got {type(augmenter).__name__}."
    kinds = [type(layer).__name__ for layer in augmenter.layers]
    assert kinds == ["RandomFlip", "RandomRotation"], f"Expected layers [RandomFlip, RandomRotation], got {kinds}."
    flip, rotation = augmenter.layers
    assert flip.get_config()["mode"] == "horizontal", f"RandomFlip mode should be 'horizontal', got {flip.get_config()['mode']!r}."
    assert rotation.get_config()["factor"] in (0.2, (-0.2, 0.2), [-0.2, 0.2]), (
        f"RandomRotation factor should be 0.2, got {rotation.get_config()['factor']!r}."
    )
    ok("RandomFlip('horizontal') then RandomRotation(0.2)")


PREPROCESSING_LAYERS = ("Rescaling", "Lambda", "Normalization")  # as the grader: equivalent ways to scale pixels


def test_alpaca_model_layers(alpaca_model) -> None:
    import keras

    augmentation = keras.Sequential([keras.layers.RandomFlip("horizontal")], name="given_augmentation")
    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=augmentation)
    assert isinstance(model, keras.Model), f"alpaca_model should return a keras Model, got {type(model).__name__}."
    assert tuple(model.input.shape) == (None, 160, 160, 3), f"Input shape should be (None, 160, 160, 3), got {tuple(model.input.shape)}."
    assert tuple(model.output.shape) == (None, 1), f"Output shape should be (None, 1), got {tuple(model.output.shape)}."
    assert augmentation in model.layers, "Use the `data_augmentation` argument as the first layer after the Input."
    base = find_base(model)
    # Scaling the pixels may be a layer (Rescaling, Lambda) or not (preprocess_input): both are fine.
    kinds = [type(layer).__name__ for layer in model.layers
             if type(layer).__name__ not in ("InputLayer", *PREPROCESSING_LAYERS)]
    expected = ["Sequential", "Functional", "GlobalAveragePooling2D", "Dropout", "Dense"]
    assert kinds == expected, f"Expected the layers {expected}, besides any layer that scales the pixels; got {kinds}."
    dropout, dense = model.layers[-2], model.layers[-1]
    assert dropout.rate == 0.2, f"Dropout rate should be 0.2, got {dropout.rate}."
    assert dense.units == 1, f"The Dense layer should have 1 unit, got {dense.units}."
    assert dense.get_config()["activation"] == "linear", "The Dense layer should output logits (no activation)."
    assert tuple(base.output.shape) == (None, 5, 5, 1280), f"Unexpected base output shape {tuple(base.output.shape)}."
    ok("Input -> augmentation -> preprocess_input -> MobileNetV2 -> pooling -> Dropout(0.2) -> Dense(1)")


def test_alpaca_model_frozen(alpaca_model) -> None:
    import keras

    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=keras.layers.Identity())
    base = find_base(model)
    assert len(base.trainable_weights) == 0, (
        f"Freeze the base (base_model.trainable = False): it has {len(base.trainable_weights)} trainable weights.")
    shapes = [tuple(w.shape) for w in model.trainable_weights]
    assert shapes == [(1280, 1), (1,)], f"Only the Dense layer's kernel and bias should be trainable, got shapes {shapes}."
    ok("base frozen; 2 trainable weights (the Dense kernel and bias)")


def _set_head_weights(model) -> None:
    dense = model.layers[-1]
    kernel = np.linspace(-0.1, 0.1, 1280, dtype="float32").reshape(1280, 1)
    dense.set_weights([kernel, np.array([0.1], dtype="float32")])


def _test_images() -> np.ndarray:
    return np.random.default_rng(2024).uniform(0, 255, size=(2, 160, 160, 3)).astype("float32")


def test_alpaca_model_preprocessing(alpaca_model) -> None:
    import keras

    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=keras.layers.Identity())
    _set_head_weights(model)
    logits = np.asarray(model(_test_images(), training=False)).reshape(-1)
    print("logits for the two test images:", np.round(logits, 4), "expected:", EXPECTED_LOGITS)
    assert np.allclose(logits, EXPECTED_LOGITS, atol=2e-3, rtol=1e-3), (
        "The model's output for fixed images differs from the expected one. Apply "
        "keras.applications.mobilenet_v2.preprocess_input (pixels [0, 255] -> [-1, 1]) exactly once, "
        "between the augmentation and the base."
    )
    ok("pixels are scaled to [-1, 1] before the base")


def test_alpaca_model_inference_mode(alpaca_model) -> None:
    import keras

    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=keras.layers.Identity())
    base = find_base(model)
    recorded = _base_call_training(model, base)
    assert recorded == [False], (
        f"Call the base as base_model(x, training=False) (recorded training argument: {recorded})."
    )
    ok("the base is called with training=False")


def _compile_summary(model) -> dict:
    loss = model.loss
    metrics = []
    for metric in model.get_compile_config().get("metrics") or []:
        if isinstance(metric, dict):
            metrics.append((metric.get("class_name"), metric.get("config", {}).get("threshold")))
        else:
            metrics.append((metric, None))
    return {
        "loss": type(loss).__name__ if not isinstance(loss, str) else loss,
        "from_logits": bool(getattr(loss, "get_config", lambda: {})().get("from_logits", False)),
        "optimizer": type(model.optimizer).__name__,
        "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
        "metrics": metrics,
    }


def _check_compiled(summary: dict, optimizer: str, learning_rate: float) -> None:
    assert summary["loss"] == "BinaryCrossentropy", f"Use keras.losses.BinaryCrossentropy, got {summary['loss']}."
    assert summary["from_logits"], "The model outputs logits (no sigmoid): use BinaryCrossentropy(from_logits=True)."
    assert summary["optimizer"] == optimizer, f"Use keras.optimizers.{optimizer}, got {summary['optimizer']}."
    assert np.isclose(summary["learning_rate"], learning_rate), (
        f"The learning rate should be {learning_rate:g}, got {summary['learning_rate']:g}."
    )
    assert summary["metrics"] == [("BinaryAccuracy", 0.0)], (
        "Use metrics=[keras.metrics.BinaryAccuracy(name='accuracy', threshold=0.0)]: the outputs are "
        f"logits, so the decision threshold is 0, not 0.5 (got {summary['metrics']})."
    )


def test_compile_model(compile_model) -> None:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    compile_model(model, learning_rate=0.002)
    _check_compiled(_compile_summary(model), "Adam", 0.002)
    ok("Adam(learning_rate), BinaryCrossentropy(from_logits=True), accuracy at threshold 0")


def test_fine_tuning_layers(unfreeze_and_compile, alpaca_model) -> None:
    import keras

    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=keras.layers.Identity())
    unfreeze_and_compile(model, base_learning_rate=0.001)
    base = find_base(model)
    assert base.trainable, "Unfreeze the base first: base_model.trainable = True."
    flags = [layer.trainable for layer in base.layers]
    first = flags.index(True) if True in flags else None
    assert first == FINE_TUNE_AT, f"The first trainable layer of the base should be layer {FINE_TUNE_AT}, got {first}."
    normalization = [isinstance(layer, keras.layers.BatchNormalization) for layer in base.layers]
    trainable_norms = [i for i, (flag, norm) in enumerate(zip(flags, normalization)) if flag and norm]
    assert not trainable_norms, (f"Keep the BatchNormalization layers of the base frozen: layers {trainable_norms[:5]}"
                                 f"{' ...' if len(trainable_norms) > 5 else ''} are trainable.")
    assert all(flag for flag, norm in zip(flags[FINE_TUNE_AT:], normalization[FINE_TUNE_AT:]) if not norm), (
        "Every layer of the base from layer 120 on, but the BatchNormalization layers, should be trainable.")
    n_weights = len(model.trainable_weights)
    print(f"{n_weights} trainable weight tensors after unfreezing")
    ok(f"layers 0-{FINE_TUNE_AT - 1} of the base frozen, layers {FINE_TUNE_AT}-{len(flags) - 1} trainable "
        "but their BatchNormalization layers")


def test_fine_tuning_compile(unfreeze_and_compile, alpaca_model) -> None:
    import keras

    model = alpaca_model(image_shape=IMAGE_SIZE, data_augmentation=keras.layers.Identity())
    unfreeze_and_compile(model, base_learning_rate=0.002)
    _check_compiled(_compile_summary(model), "RMSprop", 0.0002)
    ok("RMSprop(0.1 * base_learning_rate), BinaryCrossentropy(from_logits=True), accuracy at threshold 0")
