"""Charts of what networks cost: parameters and depth of the landmark networks, parameters and
activation memory layer by layer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_landmarks(stats, axes=None):
    """Parameters (log scale) and depth of the landmark networks against their year.

    ``stats`` are objects with ``name``, ``year``, ``parameters`` and ``depth``
    (``cnn_course.models.landmarks.measure_all()``).
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax_params, ax_depth = axes
    names = [s.name for s in stats]
    colors = plt.cm.tab10(np.arange(len(stats)))
    ax_params.scatter([s.year for s in stats], [s.parameters for s in stats], s=80, c=colors, zorder=3)
    for s, color in zip(stats, colors):
        ax_params.annotate(f"{s.name}\n{_short_count(s.parameters)}", (s.year, s.parameters), textcoords="offset points",
                           xytext=(6, 4), fontsize=8, color=color)
    ax_params.set_yscale("log")
    ax_params.set_ylim(min(s.parameters for s in stats) / 3, max(s.parameters for s in stats) * 5)
    ax_params.set_xlabel("year")
    ax_params.set_ylabel("parameters")
    ax_params.set_title("Parameters: up with AlexNet and VGG, then down again")
    ax_params.set_xlim(min(s.year for s in stats) - 1, max(s.year for s in stats) + 3)
    ax_params.grid(True, which="major", alpha=0.3)
    bars = ax_depth.bar(range(len(stats)), [s.depth for s in stats], color=colors)
    ax_depth.bar_label(bars, fontsize=9)
    ax_depth.set_xticks(range(len(stats)), [f"{n}\n({s.year})" for n, s in zip(names, stats)], fontsize=8)
    ax_depth.set_ylabel("weight layers on the longest path")
    ax_depth.set_title("Depth: from 5 to 50 layers")
    ax_depth.figure.tight_layout()
    return ax_depth.figure


def _short_count(count: float) -> str:
    for suffix, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= size:
            return f"{count / size:.3g}{suffix}"
    return f"{count:g}"


def plot_layer_costs(table, axes=None, title: str = ""):
    """Two bar charts over a model's layers: parameters and activation memory per layer.

    ``table`` is a :class:`cnn_course.tables.LayerTable`; layers with neither parameters nor
    activations are skipped.
    """
    rows = [row for row in table if row.parameters or row.activations]
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    ax_params, ax_memory = axes
    positions = np.arange(len(rows))
    kind_colors = {"Conv2D": "tab:blue", "Dense": "tab:red", "Input": "tab:gray"}
    colors = [kind_colors.get(row.kind, "tab:olive") for row in rows]
    ax_params.bar(positions, [row.parameters / 1e6 for row in rows], color=colors)
    ax_params.set_ylabel("parameters (millions)")
    ax_memory.bar(positions, [row.activation_bytes / 1e6 for row in rows], color=colors)
    ax_memory.set_ylabel("activation memory (MB)")
    ax_memory.set_xticks(positions, [row.name for row in rows], rotation=90, fontsize=8)
    from matplotlib.patches import Patch

    legend = [Patch(color=color, label=kind) for kind, color in kind_colors.items()]
    legend.append(Patch(color="tab:olive", label="pooling"))
    ax_params.legend(handles=legend, fontsize=8, loc="upper left")
    ax_params.set_title(title or f"{table.title}: where the parameters and the memory are")
    ax_memory.figure.tight_layout()
    return ax_memory.figure
