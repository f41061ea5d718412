"""Hands-on exercises: the reader builds a small Keras model, and a target says whether it matches.

A chapter states the target once, computed from its own models or the cost calculators::

    target = exercises.ModelTarget("module 3b", output_shape=(28, 28, 480), parameters=388_736)
    target.check(my_module)

``check`` prints one clear message and returns whether everything matched. It never raises, so a
reader's half-finished cell (or the untouched skeleton) does not stop the notebook; a hidden cell
asserts ``target.check(solution)`` so the chapter's own solution is proved to hit the target.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnn_course.costs import keras_multiplications


@dataclass(frozen=True)
class ModelTarget:
    """What an exercise's model must come to: its output shape (without the batch axis) and,
    where given, its parameters (``count_params()``) and multiplications per example."""

    what: str
    output_shape: tuple[int, ...]
    parameters: int | None = None
    multiplications: int | None = None

    def measure(self, model) -> dict[str, object]:
        """The quantities of ``model`` this target states."""
        found: dict[str, object] = {"output shape": tuple(int(d) for d in model.output.shape[1:])}
        if self.parameters is not None:
            found["parameters"] = int(model.count_params())
        if self.multiplications is not None:
            found["multiplications"] = keras_multiplications(model)
        return found

    def expected(self) -> dict[str, object]:
        wanted = {"output shape": tuple(self.output_shape), "parameters": self.parameters,
                  "multiplications": self.multiplications}
        return {name: value for name, value in wanted.items() if value is not None}

    def check(self, model) -> bool:
        """Print whether ``model`` matches the target, and what differs if it does not."""
        found, wanted = self.measure(model), self.expected()
        counts = [value for name, value in found.items() if name != "output shape"]
        if counts and not any(counts):  # nothing with weights yet: the untouched skeleton
            print(f"Not built yet: {self.what} should have {_describe(wanted)}. Fill in the cell above and run both again.")
            return False
        wrong = [name for name in wanted if found[name] != wanted[name]]
        if not wrong:
            print(f"\N{CHECK MARK} {self.what} matches: {_describe(found)}.")
            return True
        print(f"\N{BALLOT X} {self.what} does not match yet:")
        for name in wrong:
            print(f"  {name}: yours {_show(found[name])}, the target {_show(wanted[name])}")
        return False


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "×".join(map(str, value))
    return f"{value:,}" if isinstance(value, int) else str(value)


def _describe(values: dict[str, object]) -> str:
    return ", ".join(f"{name} {_show(value)}" for name, value in values.items())
