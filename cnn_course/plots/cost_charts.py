"""Charts of what networks cost: parameters and depth of the landmark networks, parameters and
activation memory layer by layer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.plots.shapes import legend_below


def plot_landmarks(stats, axes=None):
    """Parameters (log scale) and depth of the landmark networks against their year, one chart above the other.

    ``stats`` are objects with ``name``, ``year``, ``parameters`` and ``depth``
    (``cnn_course.models.landmarks.measure_all()``).
    """
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(7.4, 7.4))
    ax_params, ax_depth = axes
    names = [s.name for s in stats]
    colors = plt.cm.tab10(np.arange(len(stats)))
    ax_params.scatter([s.year for s in stats], [s.parameters for s in stats], s=80, c=colors, zorder=3)
    ax_params.set_yscale("log")
    ax_params.set_ylim(min(s.parameters for s in stats) / 3, max(s.parameters for s in stats) * 8)
    ax_params.set_xlabel("year")
    ax_params.set_ylabel("parameters")
    ax_params.set_title("Parameters: up with AlexNet and VGG, then down again")
    ax_params.set_xlim(min(s.year for s in stats) - 1.5, max(s.year for s in stats) + 3)
    ax_params.grid(True, which="major", alpha=0.3)
    _label_points(ax_params, [(s.year, s.parameters) for s in stats],
                  [f"{s.name}\n{_short_count(s.parameters)}" for s in stats], colors)
    bars = ax_depth.bar(range(len(stats)), [s.depth for s in stats], color=colors)
    ax_depth.bar_label(bars, fontsize=9)
    ax_depth.set_xticks(range(len(stats)), [f"{n}\n({s.year})" for n, s in zip(names, stats)], fontsize=9)
    ax_depth.set_ylabel("weight layers on the longest path")
    depths = [s.depth for s in stats]
    ax_depth.set_title(f"Depth: from {min(depths)} to {max(depths)} layers")
    ax_depth.set_ylim(0, max(depths) * 1.12)
    ax_depth.figure.tight_layout()
    return ax_depth.figure


# Where a point's label may go, in points from the point, tried in this order: right, left, below, above.
_LABEL_OFFSETS = (((7, 3), "left", "bottom"), ((-7, 3), "right", "bottom"), ((7, -4), "left", "top"),
                  ((-7, -4), "right", "top"), ((0, 9), "center", "bottom"), ((0, -9), "center", "top"))


def _label_points(ax, points, labels, colors, fontsize=9, layout=True):
    """Write each label beside its point, on the first side where it covers no point and no earlier label.

    The figure is laid out first (``layout``), as the labels are placed where the points are then.
    """
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    if layout:
        figure.tight_layout()
    centres = ax.transData.transform(points)
    radius = np.sqrt(80) / 2 * figure.dpi / 72 + 2  # the markers' radius (s=80) and a little air
    placed = []
    for (x, y), label, color in zip(points, labels, colors):
        for offset, ha, va in _LABEL_OFFSETS:
            text = ax.annotate(label, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va,
                               fontsize=fontsize, color=color)
            box = text.get_window_extent(renderer)
            covered = any(box.x0 - radius < cx < box.x1 + radius and box.y0 - radius < cy < box.y1 + radius for cx, cy in centres)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and ax.get_window_extent(renderer).contains(box.x1, box.y1)
            if inside and not covered and not any(box.padded(2).overlaps(other) for other in placed):
                placed.append(box)
                break
            text.remove()
        else:  # no free side: keep the first
            offset, ha, va = _LABEL_OFFSETS[0]
            ax.annotate(label, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va, fontsize=fontsize, color=color)


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
        _, axes = plt.subplots(2, 1, figsize=(7.4, 6), sharex=True)
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


def plot_accuracy_versus_cost(stats, accuracies, axes=None):
    """ImageNet top-1 accuracy against parameters and against multiplications per image, side by side (log x).

    ``stats`` as for :func:`plot_landmarks` (with ``multiplications``); ``accuracies`` maps a name to an
    object with ``accuracy`` (percent) and ``kind`` (:mod:`cnn_course.published`). Networks without an
    accuracy are left out; a paper's own number is a filled dot, a reimplementation's a ring.
    """
    from cnn_course.published import PAPER

    shown = [s for s in stats if s.name in accuracies]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7.6, 5.4), sharey=True)
    colors = plt.cm.tab10(np.arange(len(shown)))
    tops = [accuracies[s.name].accuracy for s in shown]
    own = np.array([accuracies[s.name].kind == PAPER for s in shown])
    for ax, cost, label in ((axes[0], "parameters", "parameters"), (axes[1], "multiplications", "multiplications per image")):
        x = np.array([getattr(s, cost) for s in shown], dtype=float)
        ax.scatter(x[own], np.array(tops)[own], s=80, c=colors[own], zorder=3, label="the paper's own number")
        ax.scatter(x[~own], np.array(tops)[~own], s=80, facecolors="white", edgecolors=colors[~own], linewidths=2,
                   zorder=3, label="reference reimplementation")
        ax.set_xscale("log")
        ax.set_xlim(x.min() / 2.5, x.max() * 2.5)
        ax.set_xlabel(f"{label} (log scale)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("ImageNet top-1 accuracy (%)")
    axes[0].set_ylim(min(tops) - 3, max(tops) + 3)
    axes[0].set_title("accuracy against size")
    axes[1].set_title("accuracy against computation")
    axes[0].figure.tight_layout()
    for ax, cost in ((axes[0], "parameters"), (axes[1], "multiplications")):
        _label_points(ax, [(getattr(s, cost), top) for s, top in zip(shown, tops)], [s.name for s in shown], colors,
                      layout=False)
    legend_below(axes[0], fontsize=9, frameon=False)
    return axes[0].figure
