"""Kernel-side kit: runs inside the student's (untrusted) kernel during grading.

Its source, with ``observations.py``, is sent into the kernel as a prelude cell, so it may use
only the standard library, numpy and (lazily) keras. Nothing here decides a score: it only
measures the student's code and emits observations for the trusted grader to judge.
"""

import traceback as _traceback

import numpy as np

from autograder.observations import MIME_TYPE, encode  # grader: prelude-skip


def emit(grade_id, observe, namespace):
    """Run ``observe(namespace, kit)`` and display its result as an observation."""
    import sys

    from IPython.display import display

    try:
        payload = {"grade_id": grade_id, "value": encode(observe(namespace, sys.modules[__name__]))}
    except BaseException as error:  # noqa: BLE001 - student code may raise anything
        if isinstance(error, KeyboardInterrupt):
            raise
        lines = _traceback.format_exception_only(type(error), error)
        payload = {"grade_id": grade_id, "error": "".join(lines).strip()[:2000]}
    display({MIME_TYPE: payload, "text/plain": f"<observation {grade_id}>"}, raw=True)


def set_weights(model, seed=0, scale=0.5):
    """Give every weight of ``model`` a deterministic value drawn from ``seed``, in layer order.

    Variances (BatchNorm moving_variance) are kept positive so outputs stay finite.
    """
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        values = rng.uniform(-scale, scale, size=shape).astype("float32")
        if "variance" in weight.path or "variance" in weight.name:
            values = np.abs(values) + 0.5
        weight.assign(values)
    return model


def random_input(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype("float32")


def layer_summary(model):
    """Type, name-free config and output shape of each layer, in order (Input layers skipped)."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        config = layer.get_config()
        keep = ("filters", "kernel_size", "strides", "padding", "axis", "units", "activation",
                "pool_size", "rate", "mode", "factor", "use_bias")
        rows.append({
            "type": kind,
            "config": {key: _plain(config[key]) for key in keep if key in config},
            "output_shape": _plain(_output_shape(layer)),
            "trainable": bool(layer.trainable),
        })
    return rows


def _output_shape(layer):
    try:
        return list(layer.output.shape)
    except Exception:  # noqa: BLE001 - layers used several times have no single output
        return None


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
