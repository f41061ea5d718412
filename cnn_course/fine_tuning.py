"""Fine-tuning a pretrained base: what its batch normalization layers do with the new data.

A batch normalization layer in training mode normalizes with the statistics of the current batch
and moves its moving mean and variance towards them; in inference mode it uses the stored ones.
To keep a pretrained base's ImageNet statistics while fine-tuning, its batch normalization layers
must stay in inference mode. In Keras 3 calling the base with ``training=False`` inside the model
is not enough once the base is unfrozen: ``fit`` calls the model with ``training=True``, and that
value is handed down to every layer inside, over the recorded ``False`` (``tf.keras`` 2 kept the
recorded value). A batch normalization layer that is frozen (``trainable = False``) always runs in
inference mode. :func:`batch_norm_after_fit_step` measures both.
"""

from __future__ import annotations

import numpy as np

BATCH_NORM_WEIGHTS = ("gamma", "beta", "moving_mean", "moving_variance")


def batch_norm_after_fit_step(base, images, labels, *, layer: str, freeze_batch_norm: bool,
                              learning_rate: float = 0.01, seed: int = 0) -> dict[str, float]:
    """Unfreeze ``base``, call it with ``training=False`` under a new logistic head, take one ``fit``
    step on ``images`` (preprocessed as ``base`` expects; ``labels`` 0 or 1), and return how far each
    weight of the batch normalization ``layer`` moved (the largest absolute change), and under
    ``"other layers"`` the largest change of any weight of the base outside batch normalization.

    With ``freeze_batch_norm`` every ``BatchNormalization`` layer of the base stays frozen while the
    other layers train. The base's weights and ``trainable`` flags are restored afterwards.
    """
    import keras

    norm = base.get_layer(layer)
    saved, flags = base.get_weights(), [(part, part.trainable) for part in [base, *base.layers]]
    before = {name: keras.ops.convert_to_numpy(getattr(norm, name)).copy() for name in BATCH_NORM_WEIGHTS}
    others = [weight for part in base.layers if not isinstance(part, keras.layers.BatchNormalization)
              for weight in part.weights]
    others_before = [keras.ops.convert_to_numpy(weight).copy() for weight in others]
    base.trainable = True  # unfrozen, as when fine-tuning
    for part in base.layers:
        if isinstance(part, keras.layers.BatchNormalization):
            part.trainable = not freeze_batch_norm
    try:
        keras.utils.set_random_seed(seed)
        image = keras.Input(base.input_shape[1:])
        pooled = keras.layers.GlobalAveragePooling2D()(base(image, training=False))
        model = keras.Model(image, keras.layers.Dense(1)(pooled))
        model.compile(keras.optimizers.SGD(learning_rate), keras.losses.BinaryCrossentropy(from_logits=True),
                      run_eagerly=True)  # one step: tracing a graph would cost more than running it
        model.fit(images, labels, batch_size=len(images), epochs=1, verbose=0)
        moved = {name: float(np.abs(keras.ops.convert_to_numpy(getattr(norm, name)) - before[name]).max())
                 for name in BATCH_NORM_WEIGHTS}
        moved["other layers"] = max(float(np.abs(keras.ops.convert_to_numpy(weight) - old).max())
                                    for weight, old in zip(others, others_before))
        return moved
    finally:
        for part, trainable in flags:
            part.trainable = trainable
        base.set_weights(saved)
