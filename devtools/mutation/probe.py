"""The probe for survivors: how a mutant's answer functions differ from the solution's when called as the
observers called them, on random inputs and weights (outputs, weights and their trainable flags, compile
settings). Empty when they compute the same: the mutant is then likely equivalent."""

from __future__ import annotations

import traceback

from autograder.checks import kit
from devtools.mutation.operators import shortened

PROBE_SEED = 1  # the kit's seed for the probe's random weights and inputs


def error_text(error: BaseException) -> str:
    """An exception as the kernel reports it: its last line of traceback, at most 2000 characters."""
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


def describe_arguments(args, kwargs) -> str:
    def short(value):
        shape = getattr(value, "shape", None)
        return f"<tensor {tuple(shape)}>" if shape is not None and not isinstance(value, (list, tuple)) else (
            shortened(repr(value), 40))
    return ", ".join([short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()])


def compare(expected, mine, args, kwargs, trials: int) -> list[str]:
    """What differs between two results of the same call (tensors, models, datasets, plain values)."""
    import keras
    import numpy as np


    if isinstance(expected, (list, tuple)) and not isinstance(expected, keras.KerasTensor):
        if not isinstance(mine, (list, tuple)) or len(mine) != len(expected):
            return [f"returns {type(mine).__name__} instead of {len(expected)} results"]
        return [what for e, m in zip(expected, mine) for what in compare(e, m, args, kwargs, trials)]
    if isinstance(expected, keras.KerasTensor):
        inputs = [a for a in [*args, *kwargs.values()] if isinstance(a, keras.KerasTensor)]
        if not isinstance(mine, keras.KerasTensor):
            return [f"returns a {type(mine).__name__}, not a tensor"]
        try:
            inputs = inputs[0] if len(inputs) == 1 else inputs
            expected, mine = keras.Model(inputs, expected), keras.Model(inputs, mine)
        except Exception as error:  # noqa: BLE001
            return [f"cannot be made a model: {error_text(error)}"]
        return _compare_models(expected, mine, trials, by_role=True)
    if isinstance(expected, keras.Model):
        if not isinstance(mine, keras.Model):
            return [f"returns a {type(mine).__name__}, not a model"]
        found = _compare_models(expected, mine, trials, by_role=False)
        compiled = [_compiled(model) for model in (expected, mine)]
        if compiled[0] != compiled[1]:
            found.append(f"compiled with {compiled[1]}, not {compiled[0]}")
        return found
    if hasattr(expected, "element_spec"):  # a tf.data dataset
        seen = [(list(getattr(d, "file_paths", None) or []), getattr(d, "class_names", None), str(d.element_spec),
                 [tuple(part.shape) for part in next(iter(d))]) for d in (expected, mine)
                ] if hasattr(mine, "element_spec") else None
        return [] if seen and seen[0] == seen[1] else ["a different dataset (files, classes, order or batches)"]
    same = type(expected) is type(mine) and bool(np.all(expected == mine))
    return [] if same else [f"returns {shortened(repr(mine), 60)} instead of {shortened(repr(expected), 60)}"]


def _compiled(model) -> dict | None:
    """How a model was compiled (optimizer, learning rate, loss, metrics and their names), None if not."""
    if not getattr(model, "compiled", False):
        return None
    return kit(PROBE_SEED).compile_summary(model)


def fresh(value):
    """``value`` with every Keras model in it replaced by a copy (same layers, weights, trainable flags)."""
    import keras

    if isinstance(value, keras.Model):
        copied = keras.models.clone_model(value)  # from the layers' configs: their trainable flags too
        copied.set_weights(value.get_weights())
        return copied
    if isinstance(value, (list, tuple)):
        return type(value)(fresh(item) for item in value)
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    return value


def _compare_models(expected, mine, trials: int, by_role: bool) -> list[str]:
    """Same weights (shapes, trainable flags), same layers' settings where there are no weights, and
    the same outputs on random inputs, with the same weights (by role, or copied from the first)."""
    import numpy as np

    kernel = kit(PROBE_SEED)

    def weights(model):
        return sorted((tuple(w.shape), bool(w.trainable)) for w in model.weights)

    if weights(expected) != weights(mine):
        return ["other weights (shapes or trainable flags)"]
    if not expected.weights:
        configs = [[(type(layer).__name__, {k: v for k, v in layer.get_config().items() if k not in ("name", "seed")})
                    for layer in model.layers] for model in (expected, mine)]
        if configs[0] != configs[1]:
            return ["other layers or layer settings"]
    found = []
    same_order = [tuple(w.shape) for w in expected.weights] == [tuple(w.shape) for w in mine.weights]
    for trial in range(trials):
        if by_role or not same_order:
            kernel.set_weights_by_role(expected, trial)
            kernel.set_weights_by_role(mine, trial)
        elif trial == 0:
            mine.set_weights(expected.get_weights())
        inputs = [kernel.random_input((2, *shape[1:]), seed=trial) for shape in _input_shapes(expected)]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        # called as the observers call them: each layer keeps the mode it was built with
        a, b = np.asarray(expected(inputs)), np.asarray(mine(inputs))
        if a.shape != b.shape or not np.allclose(a, b, atol=1e-4, rtol=1e-3):
            found.append(f"other outputs on random inputs (trial {trial})")
            break
    return found


def _input_shapes(model) -> list[tuple]:
    return [tuple(int(n) if n is not None else 2 for n in tensor.shape) for tensor in model.inputs]
