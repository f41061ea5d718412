"""Hypothesis strategies for observations: every value a schema admits, its edges included.

:func:`observations` reads a schema (:mod:`autograder.schema`) and draws values of that form: empty
and full lists, the largest and smallest numbers a schema takes, strings at their length limit,
arrays of every admitted dtype kind and byte order with odd shapes (0-sized, scalars), layer graphs
from one node up. With ``complete=True`` it draws what a solution's reference looks like: every
optional key present, no missing value, lists of at least two items where they may hold two, and
finite arrays.
"""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import observations as observed
from autograder import schema

# Words the judges branch on, so that drawn observations reach past their first comparison.
VOCABULARY = ("", "X", "relu", "softmax", "linear", "valid", "same", "horizontal", "not given", "Add", "ReLU",
              "Relu", "Softmax", "Activation", "Conv2D", "Dense", "BatchNormalization", "MaxPooling2D",
              "InputLayer", "StandIn", "identity_block", "convolutional_block", "RandomFlip", "RandomRotation",
              "Sequential", "Dropout", "Rescaling", "MobileNetV2 base", "Adam", "BinaryCrossentropy",
              "accuracy", "alpaca/a.jpg", "not alpaca/b.jpg", "\u00e9\U0001f600")
CONFIG_KEYS = ("activation", "filters", "kernel_size", "strides", "padding", "axis", "rate", "units", "name")
LAYER_TYPES = VOCABULARY[9:20]
ARRAY_SIDES = st.integers(0, 3)
MAX_STRATEGY_ITEMS = 4  # items drawn per list or dict, beyond a schema's minimum
CHARACTERS = st.characters(exclude_categories=("Cs",))  # lone surrogates never reach a judge (untrusted.loads)


def numbers() -> st.SearchStrategy:
    """What :class:`schema.Number` admits: finite floats (huge, tiny, -0.0) and integers within int64."""
    return st.one_of(st.floats(allow_nan=False, allow_infinity=False), integers(schema.Integer()),
                     st.sampled_from([sys.float_info.max, -sys.float_info.max, 5e-324, -0.0, 0.2, 1e-3]))


def integers(spec: schema.Integer) -> st.SearchStrategy:
    low = schema.MIN_INTEGER if spec.minimum is None else spec.minimum
    high = schema.MAX_INTEGER if spec.maximum is None else spec.maximum
    return st.one_of(st.integers(low, high), st.sampled_from([low, high]), st.integers(max(low, -3), min(high, 12)))


def texts(spec: schema.Text) -> st.SearchStrategy:
    at_limit = "x" * spec.max_length
    return st.one_of(st.sampled_from((*VOCABULARY, at_limit)), st.text(CHARACTERS, max_size=min(spec.max_length, 20)))


def arrays(spec: schema.Array, complete: bool) -> st.SearchStrategy:
    """Arrays of every dtype the spec's kinds name, in both byte orders, 0-sized and scalar shapes too."""
    dtypes = [np.dtype(f"{order}{kind}{size}") for kind in spec.kinds for size in (1, 2, 4, 8)
              for order in "<>" if _is_dtype(f"{order}{kind}{size}")]
    shapes = hnp.array_shapes(min_dims=0 if spec.ndim is None else spec.ndim,
                              max_dims=observed.MAX_ARRAY_DIMS if spec.ndim is None else spec.ndim,
                              min_side=0, max_side=3)

    def of(dtype):
        finite = dict(allow_nan=False, allow_infinity=False) if complete and dtype.kind == "f" else {}
        elements = hnp.from_dtype(dtype, **finite)
        return hnp.arrays(dtype, shapes, elements=elements)

    return st.sampled_from(dtypes).flatmap(of)


def _is_dtype(name: str) -> bool:
    try:
        observed.plain_dtype(name)
    except observed.ObservationError:
        return False
    return True


def graphs(spec: schema.Graph, complete: bool) -> st.SearchStrategy:
    """Acyclic layer graphs of the spec's layout: each node's inputs come before it; as few nodes and
    outputs as the layout admits (none, if it admits none), up to a few."""
    node, outputs = spec.layout.required["nodes"].item, spec.layout.required["outputs"]
    fields = {"type": st.sampled_from(LAYER_TYPES) | texts(node.required["type"]),
              "config": observations(node.required["config"], complete)}
    training = observations(node.optional["training"], complete)

    @st.composite
    def draw(draw_value):
        nodes = []
        for index in range(draw_value(st.integers(min(outputs.min_length, 1), 8))):
            inputs = draw_value(st.lists(st.integers(0, index - 1), max_size=3)) if index else []
            nodes.append({**draw_value(st.fixed_dictionaries(fields)), "inputs": inputs})
            if complete or draw_value(st.booleans()):
                nodes[-1]["training"] = draw_value(training)
        names = st.integers(0, len(nodes) - 1) if nodes else st.nothing()
        return {"nodes": nodes, "outputs": draw_value(st.lists(names, min_size=outputs.min_length, max_size=2))}

    return draw()


def plain(depth: int, complete: bool) -> st.SearchStrategy:
    leaves = st.one_of(st.none(), st.booleans(), numbers(), texts(schema.Text()))
    if depth == 0:
        return leaves
    return st.one_of(leaves, st.lists(plain(depth - 1, complete), max_size=MAX_STRATEGY_ITEMS))


def mutants(spec: schema.Schema, value) -> st.SearchStrategy:
    """``value`` (a reference) with one part changed, still of the form ``spec``: a part redrawn, a list
    shortened, an optional key dropped, a layer retyped. A student's observation that matches the
    reference but for one detail reaches the judges' later comparisons, where random ones never get."""
    positions = list(_positions(spec, value, ()))
    # Half the changes are to a list, a dict or an array: where judges index, zip and broadcast.
    composite = [p for p in positions if isinstance(p[2], (list, dict, np.ndarray))]

    @st.composite
    def draw(draw_value):
        path, part_spec, part = draw_value(st.sampled_from(composite) | st.sampled_from(positions))
        return _replaced(value, path, draw_value(_changes(part_spec, part)))

    return draw()


def _positions(spec: schema.Schema, value, path: tuple):
    """Every part of ``value`` with its path and the schema it has there."""
    yield path, spec, value
    if isinstance(spec, schema.Nullable) and value is not None:
        yield from _positions(spec.inner, value, path)
    elif isinstance(spec, schema.OneOf):
        yield from _positions(next(o for o in spec.options if _admits(o, value)), value, path)
    elif isinstance(spec, schema.ListOf):
        for index, item in enumerate(value):
            yield from _positions(spec.item, item, (*path, index))
    elif isinstance(spec, schema.Record):
        fields = {**spec.required, **spec.optional}
        for key, item in value.items():
            yield from _positions(fields[key], item, (*path, key))
    elif isinstance(spec, schema.MapOf):
        for key, item in value.items():
            yield from _positions(spec.value, item, (*path, key))


def _admits(spec: schema.Schema, value) -> bool:
    try:
        schema.validate(spec, value)
    except observed.ObservationError:
        return False
    return True


def _changes(spec: schema.Schema, value) -> st.SearchStrategy:
    """What the part ``value`` of form ``spec`` may become."""
    options = [observations(spec)]
    if isinstance(spec, schema.ListOf) and len(value) > spec.min_length:
        options.append(st.integers(spec.min_length, len(value) - 1).map(lambda n: value[:n]))
    if isinstance(spec, schema.Record) and set(value) & set(spec.optional):
        options.append(st.sampled_from(sorted(set(value) & set(spec.optional))).map(
            lambda gone: {key: item for key, item in value.items() if key != gone}))
    if isinstance(spec, schema.Graph) and value["nodes"]:
        options.append(st.tuples(st.integers(0, len(value["nodes"]) - 1), st.sampled_from(LAYER_TYPES)).map(
            lambda change: _replaced(value, ("nodes", change[0], "type"), change[1])))
    if isinstance(spec, schema.Array):
        options.append(hnp.arrays(value.dtype, value.shape))
    return st.one_of(options)


def _replaced(value, path: tuple, part):
    """A copy of ``value`` with ``part`` at ``path`` (containers along the path copied, the rest shared)."""
    if not path:
        return part
    head, rest = path[0], path[1:]
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _replaced(value[head], rest, part)
    return copy


_built: dict[tuple[int, bool], tuple[schema.Schema, st.SearchStrategy]] = {}


def observations(spec: schema.Schema, complete: bool = False) -> st.SearchStrategy:
    """Values of the form ``spec`` describes, across its whole admitted range (built once per schema:
    Hypothesis validates every new strategy, which costs more than drawing from it)."""
    key = (id(spec), complete)
    if key not in _built:
        _built[key] = spec, _strategy(spec, complete)
    return _built[key][1]


def _strategy(spec: schema.Schema, complete: bool) -> st.SearchStrategy:
    if isinstance(spec, schema.Number):
        return numbers()
    if isinstance(spec, schema.Integer):
        return integers(spec)
    if isinstance(spec, schema.Flag):
        return st.booleans()
    if isinstance(spec, schema.Text):
        return texts(spec)
    if isinstance(spec, schema.Nullable):
        inner = observations(spec.inner, complete)
        return inner if complete else st.one_of(st.none(), inner)
    if isinstance(spec, schema.OneOf):
        return st.one_of([observations(option, complete) for option in spec.options])
    if isinstance(spec, schema.Array):
        return arrays(spec, complete)
    if isinstance(spec, schema.ListOf):
        low = max(spec.min_length, min(2, spec.max_length) if complete else 0)
        return st.lists(observations(spec.item, complete), min_size=low,
                        max_size=min(spec.max_length, low + MAX_STRATEGY_ITEMS))
    if isinstance(spec, schema.Record):
        required = {key: observations(item, complete) for key, item in spec.required.items()}
        optional = {key: observations(item, complete) for key, item in spec.optional.items()}
        if complete:
            return st.fixed_dictionaries({**required, **optional})
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(spec, schema.MapOf):
        return st.dictionaries(st.sampled_from(CONFIG_KEYS) | st.text(CHARACTERS, max_size=5), observations(spec.value, complete),
                               max_size=min(spec.max_length, MAX_STRATEGY_ITEMS))
    if isinstance(spec, schema.Plain):
        return plain(spec.depth, complete)
    if isinstance(spec, schema.Graph):
        return graphs(spec, complete)
    raise TypeError(f"no strategy for the schema {spec!r}")
