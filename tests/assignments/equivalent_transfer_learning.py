"""Mutants of the solution of assignment 'transfer_learning' that compute what it computes, with the reason (see
tests/assignments/equivalent_mutants.py)."""

from tests.assignments.equivalent_mutants import (
    DEFAULT_SHUFFLE,
)

EQUIVALENT: dict[str, str] = {
    **dict.fromkeys([
        "make_datasets:20:drop_keyword: drop shuffle=True from dict(...)",
    ], DEFAULT_SHUFFLE),
}
