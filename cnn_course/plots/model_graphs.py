"""A Keras functional model drawn as a graph of its layers (graphviz is not installed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

from cnn_course.plots.shapes import box


def plot_model_graph(model, ax=None, show_shapes: bool = True, box_width: float = 2.6):
    """Draw a Keras functional model as a graph, inputs at the top: one box per layer (name,
    type and output shape), one arrow per tensor. An edge that skips layers runs beside the boxes it passes."""
    nodes_by_depth = model._nodes_by_depth  # Keras's topological order: larger keys are nearer the inputs
    level, parents, position = {}, {}, {}
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            parents[id(node)] = [id(parent) for parent in node.parent_nodes]
            level[id(node)] = 1 + max((level[p] for p in parents[id(node)]), default=-1)
    operation = {id(node): node.operation for nodes in nodes_by_depth.values() for node in nodes}
    rows: dict[int, list[int]] = {}
    for node_id in sorted(level, key=lambda n: level[n]):
        rows.setdefault(level[node_id], []).append(node_id)
    input_order = {id(tensor): index for index, tensor in enumerate(model.inputs)}
    uses = {}
    for _node_id, op in operation.items():
        uses[id(op)] = uses.get(id(op), 0) + 1

    def order(node_id):
        if parents[node_id]:
            return np.mean([position[p][0] for p in parents[node_id]])
        return input_order.get(id(operation[node_id].output), 0)

    for depth, node_ids in sorted(rows.items()):
        node_ids.sort(key=order)
        for index, node_id in enumerate(node_ids):
            position[node_id] = ((index - (len(node_ids) - 1) / 2) * (box_width + 0.6), -1.4 * depth)
    row_pitch, box_height, inch = 1.4, 0.8, 0.72  # one unit of the drawing is 0.72 inch on the page
    # An edge that skips rows runs down a rail beside the boxes it passes, out of the parent's side and
    # into the child's, so that it crosses no box.
    rails = []
    for node_id, (x, y) in position.items():
        for parent in parents[node_id]:
            (px, py), skipped = position[parent], level[node_id] - level[parent]
            if skipped == 1:
                continue
            between = [position[n][0] for d in range(level[parent] + 1, level[node_id]) for n in rows[d]]
            side = 1 if (px + x) / 2 >= np.mean([p[0] for p in position.values()]) else -1
            edge = max(side * v for v in [*between, px, x]) * side + side * (box_width / 2 + 0.35)
            rails.append(((px + side * box_width / 2, py), edge, (x + side * box_width / 2, y)))
    xs = [p[0] for p in position.values()]
    left = min([*(x - box_width / 2 for x in xs), *(rail for _, rail, _ in rails)]) - 0.25
    right = max([*(x + box_width / 2 for x in xs), *(rail for _, rail, _ in rails)]) + 0.25
    bottom, top = -row_pitch * (len(rows) - 1) - box_height / 2 - 0.1, box_height / 2 + 0.1
    if ax is None:
        _, ax = plt.subplots(figsize=((right - left) * inch, (top - bottom) * inch + 0.4))
    for node_id, (x, y) in position.items():
        layer = operation[node_id]
        text = f"{layer.name}: {type(layer).__name__}"
        details = ["shared"] if uses[id(layer)] > 1 else []
        if show_shapes:
            output = layer.output if not isinstance(layer.output, (list, tuple)) else layer.output[0]
            details.insert(0, "×".join(str(d) for d in output.shape[1:]))
        if details:
            text += "\n" + ", ".join(details)
        color = "#e8e8e8" if type(layer).__name__ == "InputLayer" else "#cfe2f3"
        if type(layer).__name__ in ("Add", "Concatenate", "Multiply"):
            color = "#f9d5a7"
        box(ax, (x, y), text, box_width, box_height, color, fontsize=9)
        for parent in parents[node_id]:
            (px, py), skipped = position[parent], level[node_id] - level[parent]
            if skipped == 1:
                ax.annotate("", xy=(x, y + box_height / 2), xytext=(px, py - box_height / 2),
                            arrowprops=dict(arrowstyle="->", linewidth=1.1, shrinkA=0, shrinkB=0))
    for start, rail, end in rails:
        ax.add_patch(FancyArrowPatch(path=Path([start, (rail, start[1]), (rail, end[1]), end]), arrowstyle="->",
                                     mutation_scale=10, linewidth=1.1, shrinkA=0, shrinkB=0))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.axis("off")
    ax.set_title(model.name)
    return ax.figure
