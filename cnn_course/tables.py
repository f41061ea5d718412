"""Layer tables of Keras models: what each layer outputs, how many parameters it holds, how
much activation memory its output takes and how many multiplications it costs.

A table is a list of :class:`LayerRow` with totals, rendered as HTML in a notebook and as
Markdown by :meth:`LayerTable.to_markdown`. Counts are per example (batch size 1).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import keras

from cnn_course.costs import layer_multiplications

BYTES_PER_FLOAT32 = 4
# What the text calls the networks the course builds; their Keras names are identifiers ("vgg16").
MODEL_NAMES = {"lenet5": "LeNet-5", "alexnet": "AlexNet", "vgg16": "VGG-16", "googlenet": "GoogLeNet",
               "mobilenet_v1": "MobileNet", "mobilenet_v2": "MobileNetV2", "resnet50": "ResNet-50"}
WEIGHT_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Dense")


@dataclass(frozen=True)
class LayerRow:
    """One layer: its output shape (without the batch axis), parameters, output values
    ("activations") and multiplications, for one example."""

    name: str
    kind: str
    output_shape: tuple
    parameters: int
    activations: int
    multiplications: int = 0
    bytes_per_value: int = BYTES_PER_FLOAT32

    @property
    def activation_bytes(self) -> int:
        return self.activations * self.bytes_per_value


COLUMNS = {
    "layer": lambda row: row.name,
    "type": lambda row: row.kind,
    "output shape": lambda row: "×".join(str(d) for d in row.output_shape),
    "parameters": lambda row: f"{row.parameters:,}",
    "activations": lambda row: f"{row.activations:,}",
    "memory": lambda row: human_bytes(row.activation_bytes),
    "multiplications": lambda row: f"{row.multiplications:,}",
}
NUMERIC_COLUMNS = {"parameters", "activations", "memory", "multiplications"}


@dataclass
class LayerTable:
    """The rows of a model's layer table, with totals and renderers."""

    rows: list[LayerRow]
    title: str = ""
    columns: tuple[str, ...] = ("layer", "type", "output shape", "parameters", "activations", "memory")
    footnote: str = field(default="")

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> LayerRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r} in the table")

    @property
    def parameters(self) -> int:
        return sum(row.parameters for row in self.rows)

    @property
    def activations(self) -> int:
        return sum(row.activations for row in self.rows)

    @property
    def activation_bytes(self) -> int:
        return sum(row.activation_bytes for row in self.rows)

    @property
    def multiplications(self) -> int:
        return sum(row.multiplications for row in self.rows)

    def where(self, keep: Callable[[LayerRow], bool]) -> LayerTable:
        """The rows for which ``keep(row)`` is true (totals then cover only those)."""
        return replace(self, rows=[row for row in self.rows if keep(row)])

    def without(self, *kinds: str) -> LayerTable:
        """The table without layers of the given types, e.g. ``"Flatten", "Dropout"``: a
        reshape or (at inference) dropout passes its input on instead of storing new values."""
        return self.where(lambda row: row.kind not in kinds)

    def grouped(self, key: Callable[[LayerRow], str | None], title: str | None = None) -> LayerTable:
        """One row per group, in order of first appearance, with parameters, activations and
        multiplications summed; the output shape is that of the group's last layer. Rows
        whose key is ``None`` are dropped. ``title`` is the new caption (by default the old one, "grouped")."""
        groups: dict[str, list[LayerRow]] = {}
        for row in self.rows:
            name = key(row)
            if name is not None:
                groups.setdefault(name, []).append(row)
        return replace(
            self,
            title=title if title is not None else f"{self.title}, grouped" if self.title else "",
            rows=[
                LayerRow(
                    name=name,
                    kind=f"{len(rows)} layers" if len(rows) > 1 else rows[0].kind,
                    output_shape=rows[-1].output_shape,
                    parameters=sum(row.parameters for row in rows),
                    activations=sum(row.activations for row in rows),
                    multiplications=sum(row.multiplications for row in rows),
                    bytes_per_value=rows[0].bytes_per_value,
                )
                for name, rows in groups.items()
            ],
        )

    def with_columns(self, *columns: str) -> LayerTable:
        unknown = set(columns) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}; choose from {list(COLUMNS)}")
        return replace(self, columns=columns)

    def _cells(self) -> tuple[list[str], list[list[str]], list[str]]:
        header = list(self.columns)
        body = [[COLUMNS[column](row) for column in self.columns] for row in self.rows]
        totals = {
            "parameters": f"{self.parameters:,}",
            "activations": f"{self.activations:,}",
            "memory": human_bytes(self.activation_bytes),
            "multiplications": f"{self.multiplications:,}",
        }
        footer = [totals.get(column, "") for column in self.columns]
        footer[0] = "total"
        return header, body, footer

    def to_markdown(self) -> str:
        header, body, footer = self._cells()
        align = ["---:" if column in NUMERIC_COLUMNS else ":---" for column in header]
        lines = [_md_row(header), _md_row(align)]
        lines += [_md_row(cells) for cells in body]
        lines.append(_md_row([f"**{cell}**" if cell else "" for cell in footer]))
        if self.title:
            lines.insert(0, f"**{self.title}**\n")
        if self.footnote:
            lines.append(f"\n{self.footnote}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        header, body, footer = self._cells()

        def cells(values, tag="td", bold=False):
            out = []
            for column, value in zip(header, values):
                style = ' style="text-align:right"' if column in NUMERIC_COLUMNS else ' style="text-align:left"'
                text = html.escape(value)
                out.append(f"<{tag}{style}>{f'<b>{text}</b>' if bold and text else text}</{tag}>")
            return "".join(out)

        parts = ['<table class="layer-table">']  # the website pads its cells (_static/course.css)
        if self.title:
            parts.append(f"<caption>{html.escape(self.title)}</caption>")
        parts.append(f"<thead><tr>{cells(header, 'th')}</tr></thead><tbody>")
        parts += [f"<tr>{cells(values)}</tr>" for values in body]
        parts.append(f"<tr>{cells(footer, bold=True)}</tr></tbody></table>")
        if self.footnote:
            parts.append(f"<p><small>{html.escape(self.footnote)}</small></p>")
        return "".join(parts)

    def __repr__(self) -> str:
        return self.to_markdown()


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def human_bytes(count: float) -> str:
    """Decimal units, as the lectures use them: 1 MB = 10**6 bytes."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} B"


def _output_shape(layer) -> tuple:
    shape = layer.output.shape if not isinstance(layer.output, (list, tuple)) else layer.output[0].shape
    return tuple(int(d) for d in shape[1:])


def model_title(name: str) -> str:
    """How a caption names the Keras model called ``name``: "vgg16" is "VGG-16", "plain_20" is "plain 20"."""
    return MODEL_NAMES.get(name, name.replace("_", " "))


def layer_table(model: keras.Model, include_input: bool = True, bytes_per_value: int = BYTES_PER_FLOAT32,
                title: str = "") -> LayerTable:
    """The layer table of a built functional or Sequential model, one row per layer.

    "Activations" counts the values each layer outputs for one example, so a layer whose
    activation function is built in (``Conv2D(..., activation="relu")``) counts its output
    once, while separate BatchNormalization and ReLU layers count the same grid again.
    ``include_input`` adds a row for the input image, which must be held in memory too.
    ``title`` is the table's caption, by default "Layers of" the model's name (:func:`model_title`).
    """
    rows = []
    if include_input:
        for tensor in model.inputs:
            shape = tuple(int(d) for d in tensor.shape[1:])
            rows.append(LayerRow("input", "Input", shape, 0, math.prod(shape), 0, bytes_per_value))
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        shape = _output_shape(layer)
        rows.append(
            LayerRow(
                name=layer.name,
                kind=type(layer).__name__,
                output_shape=shape,
                parameters=int(layer.count_params()),
                activations=math.prod(shape),
                multiplications=layer_multiplications(layer),
                bytes_per_value=bytes_per_value,
            )
        )
    return LayerTable(rows, title=title or f"Layers of {model_title(model.name)}")


def weight_depth(model: keras.Model) -> int:
    """The number of weight layers (convolutions and fully connected layers) on the longest
    path from input to output: the "depth" in a name like ResNet-50 or VGG-16.

    Batch normalization, pooling and activations are not counted, and neither is a shortcut
    that runs beside a longer path (ResNet-50's 1x1 projections).
    """
    depth_of_node: dict[int, int] = {}
    nodes_by_depth = model._nodes_by_depth  # Keras's topological order: larger keys are nearer the inputs
    for level in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[level]:
            before = max((depth_of_node.get(id(parent), 0) for parent in node.parent_nodes), default=0)
            operation = node.operation
            if isinstance(operation, keras.Model):
                own = weight_depth(operation)
            else:
                own = int(type(operation).__name__ in WEIGHT_LAYERS)
            depth_of_node[id(node)] = before + own
    return max(depth_of_node.values(), default=0)
