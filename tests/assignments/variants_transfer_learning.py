"""Wrong answers to assignment 2 (transfer learning) and the test cells each must fail."""

from tests.assignments.variants import Variant

VARIANTS = {
    # The base keeps its weights trainable: feature extraction would update 2.2 M parameters.
    "base_not_frozen": Variant(
        edits={"alpaca_model": [("    base_model.trainable = False\n", "")]},
        fails={"test_alpaca_model_frozen"},
    ),
    # The base is called in training mode: batch normalisation would use batch statistics.
    "base_training_true": Variant(
        edits={"alpaca_model": [("base_model(x, training=False)", "base_model(x, training=True)")]},
        fails={"test_alpaca_model_inference_mode"},
    ),
    # The training argument is left out altogether.
    "base_training_missing": Variant(
        edits={"alpaca_model": [("base_model(x, training=False)", "base_model(x)")]},
        fails={"test_alpaca_model_inference_mode"},
    ),
    # Pixels in [0, 255] go straight into a network trained on [-1, 1].
    "no_preprocess_input": Variant(
        edits={"alpaca_model": [("    x = keras.applications.mobilenet_v2.preprocess_input(x)\n", "")]},
        fails={"test_alpaca_model_preprocessing"},
    ),
    # Pixels scaled to [0, 1] instead of [-1, 1].
    "wrong_scaling": Variant(
        edits={"alpaca_model": [("x = keras.applications.mobilenet_v2.preprocess_input(x)",
                                 "x = keras.layers.Rescaling(1 / 255)(x)")]},
        fails={"test_alpaca_model_preprocessing"},
    ),
    # Fine-tuning unfreezes from layer 100 instead of 120.
    "fine_tune_at_100": Variant(
        edits={"unfreeze_and_compile": [("fine_tune_at = 120", "fine_tune_at = 100")]},
        fails={"test_fine_tuning_layers"},
    ),
    # Fine-tuning lets the BatchNormalization layers from 120 on train: in fit they normalise with the
    # statistics of each batch and their moving averages follow the alpaca photos.
    "batchnorm_unfrozen": Variant(
        edits={"unfreeze_and_compile": [(
            "    for layer in base.layers[fine_tune_at:]:\n"
            "        if isinstance(layer, keras.layers.BatchNormalization):\n"
            "            layer.trainable = False\n", "")]},
        fails={"test_fine_tuning_layers"},
    ),
    # The loss applies no sigmoid to the logits the model outputs.
    "from_logits_false": Variant(
        edits={"compile_model": [("BinaryCrossentropy(from_logits=True)", "BinaryCrossentropy(from_logits=False)")]},
        fails={"test_compile_model"},
    ),
    # Fine-tuning keeps the first stage's learning rate.
    "fine_tune_learning_rate": Variant(
        edits={"unfreeze_and_compile": [("learning_rate=0.1 * base_learning_rate", "learning_rate=base_learning_rate")]},
        fails={"test_fine_tuning_compile"},
    ),
    # The shortcut metric, which thresholds the logits at 0.5.
    "accuracy_string": Variant(
        edits={"compile_model": [('metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]',
                                  'metrics=["accuracy"]')]},
        fails={"test_compile_model"},
    ),
    # Different seeds for the two subsets: some photos land in both.
    "datasets_different_seeds": Variant(
        edits={"make_datasets": [
            ('directory, subset="validation", **options)',
             'directory, subset="validation", **{**options, "seed": seed + 1})'),
        ]},
        fails={"test_make_datasets"},
    ),
    # A vertical flip turns alpacas upside down.
    "vertical_flip": Variant(
        edits={"data_augmenter": [('RandomFlip("horizontal")', 'RandomFlip("vertical")')]},
        fails={"test_data_augmenter"},
    ),
    # The first nested model is taken for the base: in the notebook it is the augmentation (a Sequential),
    # so fine-tuning unfreezes nothing of MobileNetV2.
    "base_is_first_nested_model": Variant(
        edits={"unfreeze_and_compile": [("base = find_base(model)",
                                         "base = [layer for layer in model.layers if isinstance(layer, keras.Model)][0]")]},
        fails={"test_fine_tuning_layers"},
    ),
    # No dropout before the classifier.
    "no_dropout": Variant(
        edits={"alpaca_model": [("    x = keras.layers.Dropout(0.2)(x)\n", "")]},
        fails={"test_alpaca_model_layers"},
    ),
}
