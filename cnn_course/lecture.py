"""Numbers the lectures state, checked live by the chapters that compute them.

A chapter gathers the numbers of a section in one cell, hidden on the website::

    with lecture.checks() as check:
        check("weight layers of VGG-16", tables.weight_depth(vgg16), 16)
        check("VGG-16 parameters", vgg16.count_params(), 138e6, rel_tol=0.005)

Each ``check`` asserts at once, so a changed number fails the build and ``make test``; leaving
the block shows the reader one small table, quantity | stated by | stated | computed | agrees (✓).
A number that is not the lecture's (a paper's, or a choice the chapter makes) names its
``source``. A chapter may instead hide those cells and show every number it checked in one
closing table, :func:`checked_so_far`, out of the reading flow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from IPython.display import Markdown, display

LECTURE = "lecture"
CHAPTER = "this chapter's choice"


class LectureNumberMismatch(AssertionError):
    """A number computed by a chapter no longer matches what the lecture states."""


@dataclass(frozen=True)
class Checked:
    """One number that matched: what it is, who states it, the value stated and the value computed."""

    what: str
    source: str
    stated: float
    computed: float
    rel_tol: float
    unit: str

    def row(self) -> str:
        suffix = f" {self.unit}" if self.unit else ""
        mark = "✓" if self.computed == self.stated or not self.rel_tol else f"✓ (within {100 * self.rel_tol:g}%)"
        return (f"| {self.what} | {self.source} | {_fmt(self.stated, approximate=bool(self.rel_tol))}{suffix} "
                f"| {_fmt(self.computed)}{suffix} | {mark} |")


# Every number checked in this kernel, by quantity and source (a cell run twice counts once).
_CHECKED: dict[tuple[str, str], Checked] = {}


class Checks:
    """The checks of one section: call it once per number; as a context manager it shows their table."""

    def __init__(self) -> None:
        self.checked: list[Checked] = []

    def __call__(self, what: str, computed: float, stated: float, *, rel_tol: float = 0.0, unit: str = "",
                 source: str = LECTURE) -> float:
        """Assert that ``computed`` matches ``stated`` (as ``source`` states it) and record both.

        ``rel_tol`` allows for numbers the source rounds ("about 60 million").
        """
        if not math.isclose(computed, stated, rel_tol=rel_tol, abs_tol=0 if rel_tol else 1e-9):
            raise LectureNumberMismatch(
                f"{what}: computed {computed:,} but the {source} states {stated:,}"
                + (f" (tolerance {rel_tol:.0%})" if rel_tol else "")
            )
        checked = Checked(what, source, stated, computed, rel_tol, unit)
        self.checked.append(checked)
        _CHECKED[what, source] = checked
        return computed

    def table(self) -> str:
        header = "| quantity | stated by | stated | computed | agrees |\n|---|---|---:|---:|:-:|\n"
        return header + "\n".join(checked.row() for checked in self.checked)

    def _repr_markdown_(self) -> str:
        return self.table()

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is None and self.checked:
            display(Markdown(self.table()))
        return False


def checks() -> Checks:
    """A new set of checks for one section (``with lecture.checks() as check: ...``)."""
    return Checks()


def checked_so_far() -> Checks:
    """Every number checked so far in this kernel, as one table (a chapter's closing section shows it)."""
    everything = Checks()
    everything.checked = list(_CHECKED.values())
    return everything


def check(what: str, computed: float, stated: float, **options) -> float:
    """Check a single number and show it as a table of one row (the options of :class:`Checks`)."""
    with checks() as one:
        return one(what, computed, stated, **options)


def _fmt(value: float, approximate: bool = False) -> str:
    if approximate and abs(value) >= 1e9 and float(value / 1e7).is_integer():
        return f"about {value / 1e9:g} billion"
    if approximate and abs(value) >= 1e6 and float(value / 1e5).is_integer():
        return f"about {value / 1e6:g} million"
    if approximate and abs(value) >= 1e4 and float(value / 1e3).is_integer():
        return f"about {value / 1e3:g} thousand"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}"
