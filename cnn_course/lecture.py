"""Numbers the lectures state, checked live by the chapters that compute them."""

from __future__ import annotations

import math

from IPython.display import Markdown, display


class LectureNumberMismatch(AssertionError):
    """A number computed by a chapter no longer matches what the lecture states."""


def check(what: str, computed: float, stated: float, *, rel_tol: float = 0.0, unit: str = "") -> float:
    """Assert that ``computed`` matches the lecture's ``stated`` value and show both.

    ``rel_tol`` allows for numbers the lecture rounds ("about 60 million").
    """
    if not math.isclose(computed, stated, rel_tol=rel_tol, abs_tol=0 if rel_tol else 1e-9):
        raise LectureNumberMismatch(
            f"{what}: computed {computed:,} but the lecture states {stated:,}"
            + (f" (tolerance {rel_tol:.0%})" if rel_tol else "")
        )
    approx = "≈" if rel_tol and computed != stated else "="
    suffix = f" {unit}" if unit else ""
    display(Markdown(f"✔ **{what}**: computed {_fmt(computed)}{suffix} {approx} lecture's {_fmt(stated)}{suffix}"))
    return computed


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}"
