"""Forged observations: what a student who reads the grader's code and the run's seed can emit
without implementing anything.

Such a student can write every structural fact by hand (layer graphs, shapes, counts, flags,
compile settings), so :func:`forgeries` copies every non-array field from the true reference.
What they cannot write is an array of values that only running an implementation on the run's
secret inputs and weights produces: each array is replaced by what they can compute (zeros, the
run's own secret inputs and their ReLU, another run's values of the same shape).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from autograder.checks import kit

INPUT_SEEDS = range(16)  # the ``seed`` arguments observers pass to kernel.random_input


def _replace_arrays(value, replace: Callable[[np.ndarray, tuple], np.ndarray], path: tuple = ()):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim:
        return replace(value, path)
    if isinstance(value, dict):
        return {key: _replace_arrays(item, replace, path + (key,)) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_arrays(item, replace, path + (index,)) for index, item in enumerate(value)]
    return value


def _at(value, path: tuple):
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _secret_inputs(shape: tuple, seed: int) -> list[np.ndarray]:
    """The arrays kernel.random_input gives the observers under ``seed``, plain and rectified."""
    run_kit, found = kit(seed), []
    for input_seed in INPUT_SEEDS:
        x = run_kit.random_input(shape, seed=input_seed)
        found += [x, np.maximum(x, 0), (x + 1.0) * 127.5]
    return found


def forgeries(reference, other_run, seed: int) -> Iterator[tuple[str, object]]:
    """(name, forged observation) for one test: ``reference`` is the solution's observation under
    the run's ``seed``, ``other_run`` the solution's observation under another seed."""
    yield "a replay of another run's observation", other_run
    yield "structure by hand, arrays of zeros", _replace_arrays(reference, lambda a, _: np.zeros_like(a))

    def from_other_run(array, path):
        other = _at(other_run, path)
        return other if isinstance(other, np.ndarray) and other.shape == array.shape else np.zeros_like(array)

    yield "structure by hand, arrays from another run", _replace_arrays(reference, from_other_run)

    candidates: dict[tuple, list[np.ndarray]] = {}

    def secret_input_like(index: int):
        def replace(array, _):
            options = candidates.setdefault(array.shape, _secret_inputs(array.shape, seed))
            return options[index % len(options)]
        return replace

    for index in range(len(INPUT_SEEDS) * 3):
        yield f"structure by hand, arrays computed from the secret inputs ({index})", \
            _replace_arrays(reference, secret_input_like(index))
