"""Checks of assignment 2: transfer learning with MobileNetV2 (alpaca / not alpaca).

Every observer builds what it needs afresh from the student's functions (never the notebook's
trained ``model2``), with fixed inputs and fixed head weights, so that a correct answer gives the
same observation as the solution. The pretrained base is the real ImageNet MobileNetV2 loaded
through the data layer (the notebook's setup cell requires ``weights``, so the sandbox holds them).
Settings (layers, trainable flags, compile arguments) only explain a lost point: each observation also
holds a witness that only running the student's code on the run's secrets gives (logits on secret
inputs, the augmenter under secret seeds, one secret training step with the student's optimizer and
loss, or of the model with its flags).
"""

from __future__ import annotations

import numpy as np

from autograder.checks import AssignmentChecks, all_of, expect_close, expect_equal, failed, passed, witnessed
from autograder.schema import FLOATS, SHAPE, Flag, Integer, ListOf, Nullable, Number, OneOf, Plain, Record, Text

FILES = Nullable(ListOf(Text(1000), 10_000))
MODE = Nullable(OneOf((Flag(), Text(100))))
COMPILED = Record({"optimizer": Text(200), "learning_rate": Number(), "loss": Text(200), "from_logits": Flag(),
                   "metrics": ListOf(ListOf(Plain(), 2), 20), "metric_names": ListOf(Nullable(Text(200)), 20),
                   "step": FLOATS})
WITNESS = Nullable(FLOATS)  # None where the model has no single MobileNetV2 base to run

CHECKS = AssignmentChecks(
    assignment_id="transfer_learning",
    # One epoch per stage on one batch of 16 photos, run eagerly (no graph tracing), no comparison.
    grading_parameters={"INITIAL_EPOCHS": 1, "FINE_TUNE_EPOCHS": 1, "BATCH_SIZE": 16, "MAX_IMAGES": 16,
                        "COMPARE_RANDOM_WEIGHTS": False, "RUN_EAGERLY": True},
)


# --- make_datasets ----------------------------------------------------------------------


@CHECKS.observer("test_make_datasets")
def observe_make_datasets(ns, kit):
    import os

    import numpy as np

    from cnn_course import data

    directory = str(data.resolve_dir("alpaca"))
    seed = int(kit.rng("split").integers(1, 2**31 - 1))  # a secret split: ignoring the seed cannot match it
    # Never the defaults (32 images of 256x256) and never square: an argument left out or its two
    # sizes swapped shows in the shape of a batch.
    batch_size = int(kit.rng("batch size").choice([8, 16, 24, 40]))
    image_size = [(96, 128), (128, 96), (112, 144), (144, 112)][int(kit.rng("image size").integers(4))]
    train, validation = ns["make_datasets"](directory, image_size=image_size, batch_size=batch_size, seed=seed)
    found = {}
    for name, dataset in (("train", train), ("validation", validation)):
        paths = getattr(dataset, "file_paths", None)
        found[f"{name}_files"] = None if paths is None else sorted(os.path.relpath(str(p), directory) for p in paths)
    found["class_names"] = [str(name) for name in (getattr(train, "class_names", None) or [])]
    images, labels = next(iter(train))
    found["batch_shapes"] = [list(images.shape), list(labels.shape)]
    found["first_batch"] = np.asarray(images, dtype="float32").mean(axis=(1, 2))  # each photo's mean colour
    return found


@CHECKS.judge("test_make_datasets", schema=Record({"train_files": FILES, "validation_files": FILES,
                                                  "class_names": ListOf(Text(200), 100),
                                                  "batch_shapes": ListOf(SHAPE, 2), "first_batch": FLOATS}))
def judge_make_datasets(student, reference):
    for name in ("train", "validation"):
        if student[f"{name}_files"] is None:
            return failed(
                f"The {name} dataset has no `file_paths`: return the datasets exactly as "
                "image_dataset_from_directory gives them (no .prefetch, .map, .cache or .take)."
            )
    train, validation = set(student["train_files"]), set(student["validation_files"])
    ref_train, ref_validation = set(reference["train_files"]), set(reference["validation_files"])
    if (len(train), len(validation)) != (len(ref_train), len(ref_validation)):
        return failed(
            f"Expected {len(ref_train)} training and {len(ref_validation)} validation photos "
            f"(validation_split=0.2 of {len(ref_train | ref_validation)}), got {len(train)} and {len(validation)}."
        )
    shared = train & validation
    if shared:
        return failed(
            f"{len(shared)} photos are in both the training and the validation set: the two calls of "
            "image_dataset_from_directory must use the same seed so that the subsets are complementary."
        )
    if train | validation != ref_train | ref_validation:
        return failed("The two datasets do not hold exactly the photos of the folder you were given.")
    if train != ref_train:
        return failed("Your split is not the one image_dataset_from_directory makes with the `seed` argument the "
                      "grader passed: give seed=seed to both calls (a split that ignores it cannot be reproduced).")
    folders = {path.replace("\\", "/").split("/")[0] for path in validation}
    if len(folders) < 2:
        return failed(
            "The validation set holds photos of one class only: shuffle the files (shuffle=True) "
            "before the split, with the same seed in both calls."
        )
    return witnessed(all_of(
        expect_equal(student["class_names"], reference["class_names"], "class names"),
        expect_equal(student["batch_shapes"], reference["batch_shapes"],
                     "shapes of a batch of images and of its labels (the batch_size and image_size the grader "
                     "passed, label_mode 'int')"),
    ), student["first_batch"], reference["first_batch"], "the mean colour of each photo of the first training batch")


# --- data_augmenter ---------------------------------------------------------------------


@CHECKS.observer("test_data_augmenter")
def observe_data_augmenter(ns, kit):
    import numpy as np

    augmenter = ns["data_augmenter"]()
    rows = []
    for index, layer in enumerate(getattr(augmenter, "layers", None) or []):
        state = getattr(getattr(layer, "generator", None), "state", None)
        if state is not None:  # a secret seed per layer: the witness below depends on what the layers do
            state.assign(np.array([int(kit.rng("augmenter seed", index).integers(2**31)), 0], dtype=state.dtype))
        config = layer.get_config()
        row = {"type": type(layer).__name__}
        if "mode" in config:
            row["mode"] = str(config["mode"])
        if "factor" in config:
            factor = config["factor"]
            factor = [-float(factor), float(factor)] if isinstance(factor, (int, float)) else [float(f) for f in factor]
            row["factor"] = factor
        rows.append(row)
    images = (kit.random_input((2, 24, 24, 3), seed=9) + 1.0) * 127.5
    return {"type": type(augmenter).__name__, "layers": rows,
            "witness": np.asarray(augmenter(images, training=True), dtype="float32")}


@CHECKS.judge("test_data_augmenter", schema=Record({"type": Text(200), "layers": ListOf(
    Record({"type": Text(200)}, {"mode": Text(200), "factor": ListOf(Number(), 2)}), 100), "witness": FLOATS}))
def judge_data_augmenter(student, reference):
    if student["type"] != reference["type"]:
        return failed(f"data_augmenter() should return a keras.{reference['type']}, got a {student['type']}.")
    kinds = [row["type"] for row in student["layers"]]
    expected = [row["type"] for row in reference["layers"]]
    if kinds != expected:
        return failed(f"Expected the layers {expected}, in this order; got {kinds}.")
    for got, want in zip(student["layers"], reference["layers"]):
        if got.get("mode") != want.get("mode"):
            return failed(f"{got['type']} should use mode {want.get('mode')!r}, got {got.get('mode')!r}.")
        factor = got.get("factor", [])
        if "factor" in want and (len(factor) != len(want["factor"]) or not np.allclose(factor, want["factor"])):
            return failed(f"{got['type']} should use factor {want['factor'][-1]:g}, got {got.get('factor')}.")
    return witnessed(passed("RandomFlip('horizontal') then RandomRotation(0.2)"), student["witness"],
                     reference["witness"], "the augmenter on secret photos with secret random seeds")


# --- alpaca_model -----------------------------------------------------------------------

PREPROCESSING_LAYERS = {"Rescaling", "Lambda", "Normalization"}  # equivalent ways to scale pixels


@CHECKS.helper
def _grader_alpaca_model(ns, kit):
    """(model, the augmentation given): the student's alpaca_model for 160x160 photos, with an augmentation
    that is a keras.Sequential as in the notebook, built once per run for the checks of alpaca_model
    (each puts back what it changes)."""
    import keras

    def build():
        given = keras.Sequential([keras.layers.RandomFlip("horizontal")], name="grader_augmentation")
        return ns["alpaca_model"](image_shape=(160, 160), data_augmentation=given), given

    return kit.shared(ns, "alpaca_model", build)


@CHECKS.helper
def _grader_fix_head(model, kit, seed, dropout_off=False):
    """The same head in every run: the Dense layers get weights drawn from ``seed`` (the secret's), and
    for a training step the dropout is switched off."""
    import keras

    for index, layer in enumerate(l for l in model.layers if isinstance(l, keras.layers.Dense)):
        kit.set_weights(layer, seed=seed + index, scale=0.1)
    for layer in model.layers:
        if dropout_off and isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0


@CHECKS.helper
def _grader_fine_tuned_model(ns, kit):
    """(model, its compile settings): alpaca_model after the student's unfreeze_and_compile at a secret
    learning rate, built once per run; the settings read at once, with one step of its optimizer."""
    import keras

    def build():
        augmentation = keras.Sequential([keras.layers.RandomFlip("horizontal")], name="grader_augmentation")
        model = ns["alpaca_model"](image_shape=(160, 160), data_augmentation=augmentation)
        learning_rate = float(round(10 ** kit.rng("fine-tuning learning rate").uniform(-4, -2), 6))
        ns["unfreeze_and_compile"](model, base_learning_rate=learning_rate)
        step = kit.training_step(model.optimizer, model.loss, "fine-tuning compile")
        return model, {**kit.compile_summary(model), "step": step}

    return kit.shared(ns, "fine-tuned model", build)


@CHECKS.observer("test_alpaca_model_layers")
def observe_alpaca_model_layers(ns, kit):
    import keras
    import numpy as np

    model, given = _grader_alpaca_model(ns, kit)
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        row = {"type": kind}
        if layer is given:
            row["type"] = "the data_augmentation argument"
        elif isinstance(layer, keras.Model) and layer.name.startswith("mobilenetv2"):
            row["type"] = "MobileNetV2 base"
            row["output_shape"] = list(layer.output.shape)
        elif kind == "Dropout":
            row["rate"] = float(layer.rate)
        elif kind == "Dense":
            row["units"] = int(layer.units)
            row["activation"] = str(layer.get_config().get("activation"))
        rows.append(row)
    augmentation_modes = [kit.training_argument(call) for call in kit.calls(given)]
    bases = [layer for layer in model.layers if isinstance(layer, keras.Model) and layer.name.startswith("mobilenetv2")]
    inputs = kit.called_inputs(bases[0], model) if len(bases) == 1 else []
    witness = None
    if len(inputs) == 1:  # from the base on: what the base and the head compute, whatever the preprocessing
        with kit.restored(model):
            _grader_fix_head(model, kit, seed=21)
            witness = np.asarray(keras.Model(inputs[0], model.output)(
                kit.random_input((2, 160, 160, 3), seed=12), training=False), dtype="float32")
    return {
        "witness": witness,
        "layers": rows,
        "input_shape": list(model.input.shape),
        "output_shape": list(model.output.shape),
        "augmentation_modes": [m if m is None or isinstance(m, (bool, str)) else repr(m) for m in augmentation_modes],
    }


def _describe(rows):
    parts = []
    for row in rows:
        extra = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("type", "output_shape"))
        parts.append(f"{row['type']}({extra})" if extra else row["type"])
    return " -> ".join(parts)


@CHECKS.judge("test_alpaca_model_layers", schema=Record({
    "layers": ListOf(Record({"type": Text(200)}, {"output_shape": SHAPE, "rate": Number(), "units": Integer(),
                                                  "activation": Text(200)}), 1000),
    "input_shape": SHAPE, "output_shape": SHAPE, "augmentation_modes": ListOf(MODE, 100), "witness": WITNESS}))
def judge_alpaca_model_layers(student, reference):
    if True in student["augmentation_modes"]:
        return failed("Your model calls data_augmentation(..., training=True), so it would flip and rotate photos "
                      "at inference too: call data_augmentation(x) and let Keras switch it off outside training.")
    keep = [row for row in student["layers"] if row["type"] not in PREPROCESSING_LAYERS]
    want = [row for row in reference["layers"] if row["type"] not in PREPROCESSING_LAYERS]
    if keep != want:
        return failed(f"Expected the layers {_describe(want)}; your model has {_describe(keep)}.")
    return witnessed(all_of(
        expect_equal(student["input_shape"], reference["input_shape"], "input shape (image_shape + (3,))"),
        expect_equal(student["output_shape"], reference["output_shape"], "output shape (one logit per image)"),
    ), _or_empty(student["witness"]), reference["witness"], "the base and the head on secret inputs")


def _or_empty(array):
    return np.zeros(0, "float32") if array is None else array


@CHECKS.observer("test_alpaca_model_frozen")
def observe_alpaca_model_frozen(ns, kit):
    import keras
    import numpy as np

    model, _ = _grader_alpaca_model(ns, kit)
    bases = [l for l in model.layers if isinstance(l, keras.Model) and l.name.startswith("mobilenetv2")]
    found = {"n_bases": len(bases), "trainable_shapes": [list(w.shape) for w in model.trainable_weights]}
    if len(bases) == 1:
        found["base_trainable"] = bool(bases[0].trainable)
        found["base_trainable_weights"] = len(bases[0].trainable_weights)
        # The witness: the Dense layer after one step on secret photos, which moves it by the features
        # the frozen base gives those photos (dropout off, so that the step is the same in every run).
        (inputs,) = kit.called_inputs(bases[0], model)
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        with kit.restored(model):
            _grader_fix_head(model, kit, seed=31, dropout_off=True)
            kit.train_once(keras.Model(inputs, model.output), (4, 160, 160, 3), "frozen")
            found["step"] = np.concatenate([np.asarray(w).ravel() for layer in dense for w in layer.weights])
    return found


@CHECKS.judge("test_alpaca_model_frozen", schema=Record(
    {"n_bases": Integer(), "trainable_shapes": ListOf(SHAPE, 10_000)},
    {"base_trainable": Flag(), "base_trainable_weights": Integer(), "step": FLOATS}))
def judge_alpaca_model_frozen(student, reference):
    if student["n_bases"] != 1:
        return failed(f"Expected one MobileNetV2 base in the model, found {student['n_bases']}.")
    if student.get("base_trainable_weights", -1) != 0:
        return failed(
            f"The base is not frozen ({student.get('base_trainable_weights', 'some')} trainable weights): "
            "set base_model.trainable = False before building the model."
        )
    return witnessed(expect_equal(student["trainable_shapes"], reference["trainable_shapes"],
                                  "shapes of the trainable weights (only the Dense kernel and bias)"),
                     _or_empty(student.get("step")), reference["step"],
                     "the Dense layer after one training step on secret photos")


@CHECKS.observer("test_alpaca_model_preprocessing")
def observe_alpaca_model_preprocessing(ns, kit):
    import numpy as np

    model, _ = _grader_alpaca_model(ns, kit)
    with kit.restored(model):
        _grader_fix_head(model, kit, seed=11)
        images = (kit.random_input((4, 160, 160, 3), seed=5) + 1.0) * 127.5  # pixels in [0, 255]
        return {"logits": np.asarray(model(images, training=False), dtype="float32")}


@CHECKS.judge("test_alpaca_model_preprocessing", schema=Record({"logits": FLOATS}))
def judge_alpaca_model_preprocessing(student, reference):
    verdict = expect_close(student["logits"], reference["logits"], "the model's logits for fixed photos",
                           atol=1e-3, rtol=1e-3)
    if not verdict.passed and np.shape(student["logits"]) == np.shape(reference["logits"]):
        return failed(
            verdict.message + " Scale the pixels with keras.applications.mobilenet_v2.preprocess_input "
            "exactly once, between the augmentation and the base, and use the ImageNet base from "
            "pretrained.mobilenet_v2_base."
        )
    return verdict


@CHECKS.observer("test_alpaca_model_inference_mode")
def observe_alpaca_model_inference_mode(ns, kit):
    import keras
    import numpy as np

    model, _ = _grader_alpaca_model(ns, kit)
    bases = [l for l in model.layers if isinstance(l, keras.Model) and l.name.startswith("mobilenetv2")]
    if len(bases) != 1:
        return {"n_bases": len(bases)}
    base = bases[0]
    recorded = [value if isinstance(value, (bool, str)) else repr(value)
                for value in map(kit.training_argument, kit.calls(base, model))]  # the base's calls in this model
    called = kit.called_inputs(base, model)
    if len(called) != 1:
        return {"n_bases": 1, "recorded_training": recorded}
    # Unfrozen, a base in training mode would normalise with batch statistics and update them. From the
    # base on (whatever the preprocessing), with secret Dense weights and dropout off.
    network = keras.Model(called[0], model.output)
    with kit.restored(model):
        base.trainable = True
        _grader_fix_head(model, kit, seed=41, dropout_off=True)
        norms = [l for l in base.layers if isinstance(l, keras.layers.BatchNormalization)]
        before = [np.array(l.moving_mean) for l in norms]
        x = kit.random_input((4, 160, 160, 3), seed=6)
        default = np.asarray(network(x), dtype="float32")  # no training argument: the recorded value decides
        changed = any(not np.array_equal(a, np.array(l.moving_mean)) for a, l in zip(before, norms))
        inference = np.asarray(network(x, training=False))
    return {
        "n_bases": 1,
        "recorded_training": recorded,
        "moving_statistics_changed": bool(changed),
        "difference_from_inference": float(np.max(np.abs(default - inference))),
        "default": default,
    }


@CHECKS.judge("test_alpaca_model_inference_mode", schema=Record({"n_bases": Integer()}, {
    "recorded_training": ListOf(MODE, 100), "moving_statistics_changed": Flag(),
    "difference_from_inference": Number(), "default": FLOATS}))
def judge_alpaca_model_inference_mode(student, reference):
    if student["n_bases"] != 1:
        return failed(f"Expected one MobileNetV2 base in the model, found {student['n_bases']}.")
    if student.get("recorded_training") != reference["recorded_training"]:
        return failed(
            "Call the base in inference mode, base_model(x, training=False) "
            f"(the training argument of your call: {student.get('recorded_training')})."
        )
    if student.get("moving_statistics_changed", True) or student.get("difference_from_inference", 1.0) > 1e-4:
        return failed(
            "Called without a training argument, your model runs the base in training mode "
            "(its batch-normalisation statistics change): call it with training=False."
        )
    return witnessed(passed("the base is called with training=False"), _or_empty(student.get("default")),
                     reference["default"], "the model called without a training argument on secret inputs")


# --- compiling ----------------------------------------------------------------------------


@CHECKS.observer("test_compile_model")
def observe_compile_model(ns, kit):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    learning_rate = float(round(10 ** kit.rng("learning rate").uniform(-4, -2), 6))
    ns["compile_model"](model, learning_rate=learning_rate)
    return {**kit.compile_summary(model), "step": kit.training_step(model.optimizer, model.loss, "compile")}


def _judge_compiled(student, reference):
    if student["loss"] != reference["loss"]:
        return failed(f"Use the loss keras.losses.{reference['loss']}, got {student['loss']}.")
    if student["from_logits"] != reference["from_logits"]:
        return failed("The model outputs logits (its Dense layer has no activation): use "
                      "BinaryCrossentropy(from_logits=True).")
    if student["optimizer"] != reference["optimizer"]:
        return failed(f"Use the optimizer keras.optimizers.{reference['optimizer']}, got {student['optimizer']}.")
    if not np.isclose(student["learning_rate"], reference["learning_rate"], rtol=1e-5, atol=0):
        return failed(f"The learning rate should be {reference['learning_rate']:.3g} for the learning rate "
                      f"argument the grader passed, got {student['learning_rate']:.3g}.")
    if student["metrics"] != reference["metrics"]:
        return failed(
            "Use metrics=[keras.metrics.BinaryAccuracy(name='accuracy', threshold=0.0)]: the outputs are "
            f"logits, so the decision threshold is 0 (got {student['metrics']})."
        )
    if student["metric_names"] != reference["metric_names"]:
        return failed(
            "Name the metric 'accuracy': BinaryAccuracy(name='accuracy', threshold=0.0) (your metrics are named "
            f"{student['metric_names']}); the training history and its plots read 'accuracy' and 'val_accuracy'."
        )
    return witnessed(passed(f"{reference['optimizer']}, {reference['loss']}(from_logits=True), binary accuracy at 0"),
                     student["step"], reference["step"], "a small model after one step of your optimizer on your loss")


@CHECKS.judge("test_compile_model", schema=COMPILED)
def judge_compile_model(student, reference):
    return _judge_compiled(student, reference)


# --- fine-tuning ----------------------------------------------------------------------------


@CHECKS.observer("test_fine_tuning_layers")
def observe_fine_tuning_layers(ns, kit):
    import keras
    import numpy as np

    model, _ = _grader_fine_tuned_model(ns, kit)
    bases = [l for l in model.layers if isinstance(l, keras.Model) and l.name.startswith("mobilenetv2")]
    if len(bases) != 1:
        return {"n_bases": len(bases)}
    base = bases[0]
    found = {
        "n_bases": 1,
        "base_trainable": bool(base.trainable),
        "layer_trainable": [bool(layer.trainable) for layer in base.layers],
        "layer_types": [type(layer).__name__ for layer in base.layers],
        "n_trainable_weights": len(model.trainable_weights),
    }
    called = kit.called_inputs(base, model)
    if len(called) == 1:
        # The witness: how far one step on secret photos moves each layer of the base (a frozen layer
        # not at all; a trainable BatchNormalization its moving averages too). Dropout off, secret head.
        with kit.restored(model):
            _grader_fix_head(model, kit, seed=51, dropout_off=True)
            before = [[np.array(w) for w in layer.weights] for layer in base.layers]
            kit.train_once(keras.Model(called[0], model.output), (2, 160, 160, 3), "fine-tuning", learning_rate=0.05)
            found["moved"] = np.array([max((float(np.max(np.abs(np.array(w) - old)))
                                            for w, old in zip(layer.weights, olds)), default=0.0)
                                       for layer, olds in zip(base.layers, before)], dtype="float32")
    return found


@CHECKS.judge("test_fine_tuning_layers", schema=Record({"n_bases": Integer()}, {
    "base_trainable": Flag(), "layer_trainable": ListOf(Flag(), 10_000), "layer_types": ListOf(Text(200), 10_000),
    "n_trainable_weights": Integer(), "moved": FLOATS}))
def judge_fine_tuning_layers(student, reference):
    if student["n_bases"] != 1:
        return failed(f"Expected one MobileNetV2 base in the model, found {student['n_bases']}.")
    if not student.get("base_trainable"):
        return failed("The base is still frozen: set base.trainable = True, then freeze its first layers.")
    flags, want, kinds = student.get("layer_trainable", []), reference["layer_trainable"], reference["layer_types"]
    if flags != want:
        first = flags.index(True) if True in flags else None
        expected = want.index(True) if True in want else len(want)
        if first != expected:
            return failed(f"The first trainable layer of the base should be layer {expected}, got {first}: "
                          f"freeze base.layers[:{expected}] and only those.")
        wrong = [i for i, (got, wanted) in enumerate(zip(flags, want)) if got != wanted]
        if len(flags) == len(want) and all(flags[i] and kinds[i] == "BatchNormalization" for i in wrong):
            return failed(
                f"{len(wrong)} BatchNormalization layers of the base are trainable (the first is layer {wrong[0]}): "
                "keep every BatchNormalization layer frozen when you unfreeze the last layers, or their moving "
                "averages follow the small batches of alpaca photos (chapter 8 measures what that costs)."
            )
        return failed(f"Every layer of the base from layer {expected} on should be trainable but the "
                      "BatchNormalization layers, and no layer before it.")
    return witnessed(expect_equal(student.get("n_trainable_weights"), reference["n_trainable_weights"],
                                  "number of trainable weight tensors after unfreezing"),
                     _or_empty(student.get("moved")), reference["moved"],
                     "how far one training step on secret photos moves each layer of the base")


@CHECKS.observer("test_fine_tuning_compile")
def observe_fine_tuning_compile(ns, kit):
    return _grader_fine_tuned_model(ns, kit)[1]


@CHECKS.judge("test_fine_tuning_compile", schema=COMPILED)
def judge_fine_tuning_compile(student, reference):
    return _judge_compiled(student, reference)
