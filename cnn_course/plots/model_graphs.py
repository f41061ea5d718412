"""A Keras functional model drawn as a graph of its layers (graphviz is not installed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.plots.shapes import box


def plot_model_graph(model, ax=None, show_shapes: bool = True, box_width: float = 2.6):
    """Draw a Keras functional model as a graph, inputs at the top: one box per layer (name,
    type and output shape), one arrow per tensor. Edges that skip layers are drawn curved."""
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
    width = max(len(ids) for ids in rows.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 2.3 * width + 1), 1.0 * len(rows) + 0.5))
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
        box(ax, (x, y), text, box_width, 0.8, color, fontsize=7.5)
        for parent in parents[node_id]:
            (px, py), skipped = position[parent], level[node_id] - level[parent]
            style = "arc3,rad=0" if skipped == 1 else f"arc3,rad={-0.35 if px >= x else 0.35}"
            ax.annotate("", xy=(x, y + 0.4), xytext=(px, py - 0.4),
                        arrowprops=dict(arrowstyle="->", linewidth=1.1, connectionstyle=style, shrinkA=0, shrinkB=0))
    xs = [p[0] for p in position.values()]
    ax.set_xlim(min(xs) - box_width, max(xs) + box_width)
    ax.set_ylim(-1.4 * (len(rows) - 1) - 0.7, 0.7)
    ax.axis("off")
    ax.set_title(model.name)
    return ax.figure
