"""Observations: the plain data a student's kernel reports and the trusted grader judges.

Only dicts with string keys, lists, strings, numbers, booleans, None and numpy arrays of
numeric dtypes travel. Arrays are base64 inside JSON. Decoding rejects anything else, so an
object with a rigged ``__eq__`` can never reach a comparison.
"""

from __future__ import annotations

import base64
import re

import numpy as np

MIME_TYPE = "application/vnd.cnn-grader.observation+json"
_NUMERIC_KINDS = set("biuf")
MAX_DEPTH = 20
MAX_ARRAY_DIMS = 8
MAX_ARRAY_BYTES = 64 * 2**20  # one array, decoded
_DTYPE = re.compile(r"[<>|=]?[biuf][1248]")  # plain numeric dtypes only, e.g. "<f4", "|u1"


class ObservationError(ValueError):
    """An observation that is malformed, too large or not plain data."""


def encode(value, depth: int = 0):
    """Turn an observation into JSON-compatible data (runs in the kernel too: stdlib + numpy)."""
    if depth > MAX_DEPTH:
        raise ObservationError("observation nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), depth + 1)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise ObservationError(f"arrays must be numeric, not {value.dtype}")
        array = np.ascontiguousarray(value)
        return {
            "__ndarray__": base64.b64encode(array.tobytes()).decode("ascii"),
            "dtype": array.dtype.str,
            "shape": list(array.shape),
        }
    if isinstance(value, (list, tuple)):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item, depth + 1) for key, item in value.items()}
    raise ObservationError(f"cannot observe a {type(value).__name__}")


def decode(data, depth: int = 0):
    """Rebuild an observation from untrusted JSON data, accepting plain types only."""
    if depth > MAX_DEPTH:
        raise ObservationError("observation nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [decode(item, depth + 1) for item in data]
    if kind is dict:
        if "__ndarray__" in data:
            return _decode_array(data)
        return {str(key): decode(item, depth + 1) for key, item in data.items()}
    raise ObservationError(f"unexpected {kind.__name__} in an observation")


def _decode_array(data: dict) -> np.ndarray:
    """An array from ``{"__ndarray__", "dtype", "shape"}``, every field checked before use."""
    if set(data) != {"__ndarray__", "dtype", "shape"}:
        raise ObservationError("malformed array: unexpected keys")
    dtype, shape, encoded = plain_dtype(data["dtype"]), data["shape"], data["__ndarray__"]
    if (type(shape) is not list or len(shape) > MAX_ARRAY_DIMS
            or not all(type(n) is int and 0 <= n <= MAX_ARRAY_BYTES for n in shape)):
        raise ObservationError(f"malformed array shape (at most {MAX_ARRAY_DIMS} non-negative sizes)")
    if not isinstance(encoded, str) or len(encoded) > MAX_ARRAY_BYTES * 4 // 3 + 4:
        raise ObservationError("array data missing or too large")
    size = 1
    for n in shape:
        size *= n
    if size * dtype.itemsize > MAX_ARRAY_BYTES:
        raise ObservationError("array too large")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ObservationError("malformed array data") from None
    if size * dtype.itemsize != len(raw):
        raise ObservationError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def plain_dtype(text) -> np.dtype:
    """The numeric dtype ``text`` names, as NumPy reads it: a name the pattern admits can still be no
    dtype at all (``"<f1"``: NumPy has no 1-byte float) or one of another size."""
    if not isinstance(text, str) or not _DTYPE.fullmatch(text):
        raise ObservationError("arrays must have a plain numeric dtype")
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError):
        raise ObservationError(f"{text} is not a numeric dtype") from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.itemsize != int(text[-1]):
        raise ObservationError(f"{text} is not a plain numeric dtype")
    return dtype
