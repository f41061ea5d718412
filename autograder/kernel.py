"""Kernel-side kit: runs inside the student's (untrusted) kernel during grading.

Its source, with ``observations.py``, is sent into the kernel as a prelude cell, so it may use
only the standard library, numpy and (lazily) keras. Nothing here decides a score: it only
measures the student's code and emits observations for the trusted grader to judge.

Every input, weight and case an observer draws comes from :func:`rng`, seeded by the grading
run's secret :data:`SEED`: an observation copied from another run matches nothing.
"""

import contextlib as _contextlib
import traceback as _traceback
import zlib as _zlib

import numpy as np

from autograder.observations import MIME_TYPE, encode  # grader: prelude-skip

SEED = 0  # the grading run's secret seed; the prelude sets it before any student code runs


def rng(*salt):
    """A random generator that depends on the run's secret seed and on ``salt`` (names, numbers)."""
    return np.random.default_rng([SEED, *(_zlib.crc32(repr(part).encode()) for part in salt)])


def observation(grade_id, observe, namespace, kit):
    """The payload of test ``grade_id``: what ``observe(namespace, kit)`` returns, encoded, or the error it raised."""
    try:
        return {"grade_id": grade_id, "value": encode(observe(namespace, kit))}
    except BaseException as error:  # noqa: BLE001 - student code may raise anything
        if isinstance(error, KeyboardInterrupt):
            raise
        lines = _traceback.format_exception_only(type(error), error)
        return {"grade_id": grade_id, "error": "".join(lines).strip()[:2000]}


def emit(grade_id, observe, namespace):
    """Run ``observe(namespace, kit)`` and display its result as an observation."""
    import sys

    from IPython.display import display

    payload = observation(grade_id, observe, namespace, sys.modules[__name__])
    display({MIME_TYPE: payload, "text/plain": f"<observation {grade_id}>"}, raw=True)


def set_weights(model, seed=0, scale=0.5):
    """Give every weight of ``model`` a deterministic value drawn from ``seed``, in layer order.

    Variances (BatchNorm moving_variance) are kept positive so outputs stay finite.
    """
    generator = rng("set_weights", seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        values = generator.uniform(-scale, scale, size=shape).astype("float32")
        if "variance" in weight.path or "variance" in weight.name:
            values = np.abs(values) + 0.5
        weight.assign(values)
    return model


def set_weights_by_role(model, seed=0, scale=0.5):
    """Like :func:`set_weights`, but a weight's values depend only on its role (kernel, bias, gamma,
    moving_mean, ...), its shape and ``seed``, not on the order the layers were created in: two
    correct answers that build the same layers in another order get the same weights.

    Normalisation layers get positive scales and variances and small shifts and means, so that
    about half of the units after them stay active and the output depends on every layer.
    """
    for weight in model.weights:
        role, shape = weight.name.split("/")[-1], tuple(weight.shape)
        values = rng("weights", seed, role, shape).uniform(-scale, scale, size=shape).astype("float32")
        if "variance" in role or role == "gamma":
            values = np.abs(values) + 0.5
        elif role in ("beta", "moving_mean"):
            values = values * 0.2
        weight.assign(values)
    return model


def set_weights_keeping_signal(model, seed=0):
    """Like :func:`set_weights_by_role`, scaled for a deep network run on batch statistics: kernels
    by fan-in (He), normalisation near the identity, shifts small."""
    for weight in model.weights:
        role, shape = weight.name.split("/")[-1], tuple(weight.shape)
        values = rng("weights", seed, role, shape).uniform(-1, 1, size=shape)
        if role == "kernel":
            values *= np.sqrt(6.0 / max(1, int(np.prod(shape[:-1]))))
        elif "variance" in role or role == "gamma":
            values = 1.0 + 0.2 * values
        else:
            values *= 0.1
        weight.assign(values.astype("float32"))
    return model


_SHARED = {}


def shared(namespace, key, build):
    """``build()``, called once per run (the notebook's ``namespace`` and the seed) for every observer
    that asks for ``key``: one student model shared by several checks (an error ``build`` raised is
    raised to each)."""
    entry = _SHARED.get(key)
    if entry is None or entry[0] is not namespace or entry[1] != SEED:
        try:
            entry = (namespace, SEED, build(), None)
        except Exception as error:  # noqa: BLE001 - the student's code may raise anything
            entry = (namespace, SEED, None, error)
        _SHARED[key] = entry
    if entry[3] is not None:
        raise entry[3]
    return entry[2]


def _nested_layers(model):
    for layer in getattr(model, "layers", None) or []:
        yield layer
        yield from _nested_layers(layer)


@_contextlib.contextmanager
def restored(model):
    """Inside, a check may change a shared ``model`` (weights, moving statistics, trainable flags,
    dropout rates); on leaving, all are put back, so that the next check sees what the student built."""
    weights = [np.array(weight) for weight in model.weights]
    settings = [(layer, layer.trainable, getattr(layer, "rate", None)) for layer in _nested_layers(model)]
    trainable = model.trainable
    try:
        yield model
    finally:
        model.trainable = trainable
        for layer, flag, rate in settings:  # outer layers first: a nested model's flag resets its layers'
            layer.trainable = flag
            if rate is not None:
                layer.rate = rate
        for weight, value in zip(model.weights, weights):
            weight.assign(value)


def witness(model, shape, salt, deep=False):
    """What ``model`` computes on a secret input of ``shape`` with secret weights (by role): a value
    only running the model gives, which binds an observation of its structure. In inference mode;
    a ``deep`` model in training mode, whose batch statistics keep its output depending on its input."""
    seed = int(rng("witness", salt).integers(2**31))
    (set_weights_keeping_signal if deep else set_weights_by_role)(model, seed)
    return np.asarray(model(random_input(shape, seed=seed), training=deep), dtype="float32")


def training_step(optimizer, loss, salt):
    """The weights of a small secret logistic model after one step of ``optimizer`` on ``loss``
    (the objects a student's compile made), on a secret batch: what that optimizer, learning rate and
    loss do, which no description of them gives."""
    import keras

    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(1)])
    set_weights(model, seed=int(rng("step weights", salt).integers(2**31)))
    x = random_input((16, 6), seed=int(rng("step inputs", salt).integers(2**31)))
    y = (rng("step labels", salt).random((16, 1)) < 0.5).astype("float32")
    model.compile(optimizer=optimizer, loss=loss, run_eagerly=True, jit_compile=False)
    model.train_on_batch(x, y)
    return np.concatenate([np.asarray(w).ravel() for w in model.weights]).astype("float32")


def train_once(network, shape, salt, learning_rate=0.1):
    """One SGD step of ``network`` (one logit per example) on a secret batch of ``shape`` with secret
    binary labels, eagerly (nothing to trace or compile)."""
    import keras

    network.compile(optimizer=keras.optimizers.SGD(learning_rate), run_eagerly=True, jit_compile=False,
                    loss=keras.losses.BinaryCrossentropy(from_logits=True))
    labels = (rng(salt, "labels").random((int(shape[0]), 1)) < 0.5).astype("float32")
    network.train_on_batch(random_input(shape, seed=int(rng(salt, "inputs").integers(2**31))), labels)
    return network


def calls(layer, model=None):
    """The calls of ``layer`` (Keras nodes): every one, or those inside ``model`` (a nested base model's)."""
    return [node for index, node in enumerate(layer._inbound_nodes)
            if model is None or f"{id(layer)}_ib-{index}" in getattr(model, "_nodes", {f"{id(layer)}_ib-{index}"})]


def training_argument(call):
    """The ``training`` argument a call of a layer was given, or "not given"."""
    return getattr(getattr(call, "arguments", None), "kwargs", {}).get("training", "not given")


def called_inputs(layer, model):
    """The tensors ``layer`` (e.g. a nested base model) is called on inside ``model``."""
    return [node.input_tensors[0] for node in calls(layer, model)]


def graph(model):
    """The operations that compute ``model``'s outputs, as plain data: ``{"nodes": [...], "outputs": [...]}``.

    Each node is ``{"type", "config", "inputs", "training"}`` (``inputs``: indices of other nodes;
    ``training``: the argument the call was given, or "not given"); a node is one
    call of a layer or operation (``keras.ops`` on symbolic tensors included), Input nodes have type
    "InputLayer". Unlike ``model.layers`` it shows how the tensors flow, e.g. what an ``Add`` adds.
    """
    nodes, index = [], {}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        key = (id(operation), node_index)
        if key not in index:
            node = operation._inbound_nodes[node_index]
            inputs = [visit(t) for t in node.input_tensors]
            index[key] = len(nodes)
            entry = {"type": type(operation).__name__, "config": _config_summary(operation), "inputs": inputs}
            training = training_argument(node)
            if training is None or isinstance(training, (bool, str)):
                entry["training"] = training
            nodes.append(entry)
        return index[key]

    outputs = [visit(t) for t in model.outputs]
    return {"nodes": nodes, "outputs": outputs}


def normalization_modes(model):
    """The ``training`` argument each BatchNormalization call in ``model`` was given ("not given" if none)."""
    return [node.get("training", "not given") for node in graph(model)["nodes"]
            if node["type"] == "BatchNormalization"]


def distinct_sizes(salt, count, low=2, high=9):
    """``count`` different integers in [low, high), secret per run: a swapped pair is never equal."""
    return [int(n) for n in rng("sizes", salt).choice(np.arange(low, high), size=count, replace=False)]


def compile_summary(model):
    """Optimizer, learning rate, loss (with from_logits) and metrics a model was compiled with."""
    config = model.get_compile_config()
    loss, metrics = config.get("loss"), []
    for metric in config.get("metrics") or []:
        if isinstance(metric, dict):
            metrics.append([str(metric.get("class_name")), metric.get("config", {}).get("threshold")])
        else:
            metrics.append([str(metric), None])
    names = [m.get("config", {}).get("name") if isinstance(m, dict) else m for m in config.get("metrics") or []]
    return {
        "metric_names": [name if name is None else str(name) for name in names],  # the history's keys
        "optimizer": type(model.optimizer).__name__,
        "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
        "loss": str(loss.get("class_name")) if isinstance(loss, dict) else str(loss),
        "from_logits": bool(loss.get("config", {}).get("from_logits")) if isinstance(loss, dict) else False,
        "metrics": metrics,
    }


def random_input(shape, seed=0):
    """Inputs in [-1, 1] drawn from the run's secret seed: no one can know them before the run."""
    shape = tuple(int(n) for n in shape)
    return rng("input", seed, shape).uniform(-1, 1, size=shape).astype("float32")


def _config_summary(layer):
    """The name-free hyper-parameters of a layer (or keras.ops operation) that define what it computes."""
    try:
        config = layer.get_config()
    except Exception:  # noqa: BLE001 - some operations have no config
        return {}
    keep = ("filters", "kernel_size", "strides", "padding", "axis", "units", "activation",
            "pool_size", "rate", "mode", "factor", "use_bias")
    return {key: _plain(config[key]) for key in keep if key in config}


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
