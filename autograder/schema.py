"""Schemas: the exact form an observation must have before a judge may look at it.

An observation comes out of the student's kernel, so its form is not guaranteed by the observer
that should have made it. Each check declares a schema; :func:`validate` checks a decoded
observation against it (types, keys, lengths, array ranks and sizes, layer graphs without
cycles) and raises :class:`~autograder.observations.ObservationError` on the first mismatch.
A judge only ever sees validated data, so its walks are bounded and its indexing safe.

    Record({"values": Array(ndim=1, kinds="f"), "repeats": Integer()})
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from autograder.observations import ObservationError

MAX_ITEMS = 100_000  # entries of any one list or dict
MAX_TEXT = 20_000  # characters of any one string
# Integers a judge may meet: what int64 holds, so numpy and float arithmetic take them (a count, a
# size or an index is far smaller; a JSON number of thousands of digits is not an answer).
MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1


class Schema:
    def check(self, value, where: str):
        raise NotImplementedError


def validate(schema: Schema, value):
    """``value`` if it has the form ``schema`` describes, else ObservationError naming where it differs."""
    return schema.check(value, "observation")


def _fail(where: str, expected: str, value) -> ObservationError:
    return ObservationError(f"{where} should be {expected}, not {type(value).__name__}")


@dataclass(frozen=True)
class Number(Schema):
    """A finite float, or an integer within int64: judges compute with it as a float."""

    def check(self, value, where):
        if type(value) is int:
            return Integer().check(value, where)
        if type(value) is not float:
            raise _fail(where, "a number", value)
        if not math.isfinite(value):
            raise ObservationError(f"{where} should be a finite number, not {value}")
        return value


@dataclass(frozen=True)
class Integer(Schema):
    """An integer from ``minimum`` to ``maximum`` (by default the range of int64)."""

    minimum: int | None = None
    maximum: int | None = None

    def check(self, value, where):
        if type(value) is not int:
            raise _fail(where, "an integer", value)
        low = MIN_INTEGER if self.minimum is None else self.minimum
        high = MAX_INTEGER if self.maximum is None else self.maximum
        if not low <= value <= high:
            shown = value if abs(value) < 10**30 else f"an integer of {len(str(abs(value)))} digits"
            raise ObservationError(f"{where} is out of range ({shown})")
        return value


@dataclass(frozen=True)
class Flag(Schema):
    def check(self, value, where):
        if type(value) is not bool:
            raise _fail(where, "true or false", value)
        return value


@dataclass(frozen=True)
class Text(Schema):
    max_length: int = MAX_TEXT

    def check(self, value, where):
        if type(value) is not str:
            raise _fail(where, "a string", value)
        if len(value) > self.max_length:
            raise ObservationError(f"{where} is longer than {self.max_length} characters")
        return value


@dataclass(frozen=True)
class Nullable(Schema):
    inner: Schema

    def check(self, value, where):
        return None if value is None else self.inner.check(value, where)


@dataclass(frozen=True)
class OneOf(Schema):
    options: tuple[Schema, ...]

    def check(self, value, where):
        for option in self.options:
            try:
                return option.check(value, where)
            except ObservationError:
                continue
        raise ObservationError(f"{where} has none of the expected forms")


@dataclass(frozen=True)
class Array(Schema):
    ndim: int | None = None
    kinds: str = "biuf"
    max_size: int = 16 * 2**20

    def check(self, value, where):
        if not isinstance(value, np.ndarray):
            raise _fail(where, "an array", value)
        if self.ndim is not None and value.ndim != self.ndim:
            raise ObservationError(f"{where} should have {self.ndim} dimensions, not {value.ndim}")
        if value.dtype.kind not in self.kinds or value.size > self.max_size:
            raise ObservationError(f"{where} has an unexpected type or size ({value.dtype}, {value.size} values)")
        return value


@dataclass(frozen=True)
class ListOf(Schema):
    item: Schema
    max_length: int = MAX_ITEMS
    min_length: int = 0

    def check(self, value, where):
        if type(value) is not list:
            raise _fail(where, "a list", value)
        if len(value) > self.max_length:
            raise ObservationError(f"{where} has more than {self.max_length} items")
        if len(value) < self.min_length:
            raise ObservationError(f"{where} has fewer than {self.min_length} items")
        return [self.item.check(item, f"{where}[{index}]") for index, item in enumerate(value)]


@dataclass(frozen=True)
class Record(Schema):
    """A dict with exactly the ``required`` keys, plus any of the ``optional`` ones."""

    required: dict[str, Schema]
    optional: dict[str, Schema] = field(default_factory=dict)

    def check(self, value, where):
        if type(value) is not dict:
            raise _fail(where, "a dict", value)
        missing = set(self.required) - set(value)
        unknown = set(value) - set(self.required) - set(self.optional)
        if missing or unknown:
            parts = [f"missing {sorted(missing)[:5]}" if missing else "", f"unexpected {sorted(unknown)[:5]}"
                     if unknown else ""]
            raise ObservationError(f"{where} has the wrong keys ({', '.join(filter(None, parts))})")
        fields = {**self.required, **self.optional}
        return {key: fields[key].check(item, f"{where}.{key}") for key, item in value.items()}


@dataclass(frozen=True)
class MapOf(Schema):
    """A dict with string keys and values of one form."""

    value: Schema
    max_length: int = 1_000

    def check(self, value, where):
        if type(value) is not dict or len(value) > self.max_length:
            raise _fail(where, f"a dict of at most {self.max_length} entries", value)
        return {key: self.value.check(item, f"{where}.{key}") for key, item in value.items()}


@dataclass(frozen=True)
class Plain(Schema):
    """Numbers (as :class:`Number` admits them), strings, booleans, None and lists of them, nested at
    most ``depth`` levels (no arrays)."""

    depth: int = 3

    def check(self, value, where):
        if value is None or type(value) is bool:
            return value
        if type(value) in (int, float):
            return Number().check(value, where)
        if type(value) is str:
            return Text().check(value, where)
        if type(value) is list and self.depth > 0:
            return ListOf(Plain(self.depth - 1), 1_000).check(value, where)
        raise _fail(where, "plain data", value)


@dataclass(frozen=True)
class Graph(Schema):
    """A layer graph as :func:`autograder.kernel.graph` emits it, checked to be acyclic: every node's
    inputs come before it, so walks from the outputs back to the inputs always end. A model has at
    least one output, so a graph has too."""

    max_nodes: int = 20_000

    @property
    def layout(self) -> Record:
        """The form of the graph's data, before the checks that relate its nodes to each other."""
        node = Record({"type": Text(200), "config": MapOf(Plain(), 50), "inputs": ListOf(Integer(0), 1_000)},
                      {"training": Nullable(OneOf((Flag(), Text(100))))})
        return Record({"nodes": ListOf(node, self.max_nodes), "outputs": ListOf(Integer(0), 100, min_length=1)})

    def check(self, value, where):
        value = self.layout.check(value, where)
        for index, item in enumerate(value["nodes"]):
            if any(source >= index for source in item["inputs"]):
                raise ObservationError(f"{where}.nodes[{index}] takes an input that is not computed before it")
        if any(output >= len(value["nodes"]) for output in value["outputs"]):
            raise ObservationError(f"{where}.outputs names a node that does not exist")
        return value


# Shorthands for the forms observers use most.
ANY_ARRAY = Array()
FLOATS = Array(kinds="f")
SHAPE = ListOf(Nullable(Integer()), 16)
