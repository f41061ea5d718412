"""Figures shared by chapters and assignments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def show_images(images, titles=None, ncols: int = 4, size: float = 2.4, suptitle: str | None = None):
    """Draw images (HxWxC arrays, uint8 or float in [0, 1] or [0, 255]) in a grid."""
    images = list(images)
    nrows = max(1, int(np.ceil(len(images) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for index, (ax, image) in enumerate(zip(axes.flat, images)):
        image = np.asarray(image)
        if image.dtype != np.uint8:
            image = image / 255.0 if image.max() > 1.0 else image
            image = np.clip(image, 0, 1)
        ax.imshow(image.squeeze(), cmap="gray" if image.ndim == 2 or image.shape[-1] == 1 else None)
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(*histories, metrics=("loss", "accuracy"), labels=None, boundaries=()):
    """Plot training curves of one or more Keras ``History`` objects (or their ``.history`` dicts).

    Several histories are drawn one after another (e.g. feature extraction then fine-tuning);
    ``boundaries`` marks the epochs where a new phase starts.
    """
    logs = [getattr(h, "history", h) for h in histories]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for split in (metric, f"val_{metric}"):
            values = [v for log in logs for v in log.get(split, [])]
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", label=split)
        for epoch in boundaries:
            ax.axvline(epoch + 0.5, color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend()
    fig.tight_layout()
    return fig


# --- Diagrams for chapters 5-7 (1x1 convolutions, inception, MobileNet) ---------------------
# Drawn with matplotlib patches: graphviz/pydot (keras.utils.plot_model) are not installed.


def plot_matrices(matrices, titles=None, fmt: str = "{:g}", cmap: str = "Blues", size: float = 2.6):
    """Draw small 2-D arrays side by side with every value written in its cell."""
    matrices = [np.atleast_2d(np.asarray(m)) for m in matrices]
    # Cells keep one size across panels, so a 1x1 filter looks small next to a 6x6 image.
    columns = [m.shape[1] for m in matrices]
    width = size * sum(columns) / max(m.shape[0] for m in matrices) + 0.6 * len(matrices)
    fig, axes = plt.subplots(1, len(matrices), figsize=(width, size), squeeze=False,
                             gridspec_kw={"width_ratios": columns})
    for index, (ax, matrix) in enumerate(zip(axes.flat, matrices)):
        low, high = min(0, matrix.min()), max(matrix.max(), 1e-9)
        ax.imshow(matrix, cmap=cmap, vmin=low, vmax=high)
        for (row, col), value in np.ndenumerate(matrix):
            dark = value > low + 0.6 * (high - low)
            ax.text(col, row, fmt.format(value), ha="center", va="center", fontsize=8, color="white" if dark else "black")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=10)
    fig.tight_layout()
    return fig


def _cuboid(ax, x, side, thickness, color, label):
    """A volume drawn as a cuboid: ``side`` is its height/width, ``thickness`` its channels."""
    from matplotlib.patches import Polygon

    depth = 0.35 * side  # oblique offset for the receding (width) edge
    front = [(x, 0), (x + thickness, 0), (x + thickness, side), (x, side)]
    top = [(x, side), (x + thickness, side), (x + thickness + depth, side + depth), (x + depth, side + depth)]
    right = [(x + thickness, 0), (x + thickness + depth, depth), (x + thickness + depth, side + depth), (x + thickness, side)]
    for face, alpha in ((front, 0.9), (top, 0.6), (right, 0.45)):
        ax.add_patch(Polygon(face, closed=True, facecolor=color, edgecolor="black", alpha=alpha, linewidth=1))
    ax.text(x + (thickness + depth) / 2, -0.35, label, ha="center", va="top", fontsize=10)
    return x + thickness + depth


def plot_volumes(volumes, operations=(), title: str | None = None, colors=None, ax=None):
    """Draw a chain of activation volumes ``(height, width, channels)`` with the operation
    between each pair written on the arrow. Sizes are drawn on a log scale so that 1 and 1024
    channels both fit; the labels give the real shape."""
    volumes = [tuple(int(v) for v in volume) for volume in volumes]
    operations = list(operations) + [""] * (len(volumes) - 1 - len(operations))
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 * len(volumes), 3.2))
    colors = colors or plt.cm.tab10.colors
    x, top = 0.0, 0.0
    for index, (h, w, c) in enumerate(volumes):
        side = 1.0 + np.log2(max(h, 1)) * 0.45
        thickness = 0.15 + np.log2(max(c, 1)) * 0.22
        end = _cuboid(ax, x, side, thickness, colors[index % len(colors)], f"{h}×{w}×{c}")
        top = max(top, side * 1.35)
        if index < len(volumes) - 1:
            ax.annotate("", xy=(end + 2.0, side / 2), xytext=(end + 0.2, side / 2),
                        arrowprops=dict(arrowstyle="->", linewidth=1.5))
            ax.text(end + 1.1, side / 2 + 0.15, operations[index], ha="center", va="bottom", fontsize=9, wrap=True)
        x = end + 2.2
    ax.set_xlim(-0.3, x - 1.9)
    ax.set_ylim(-1.0, top + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


def _box(ax, center, text, width, height, color, fontsize=9, rotation=0):
    from matplotlib.patches import FancyBboxPatch

    x, y = center
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, rotation=rotation)


def _arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", linewidth=1.2, shrinkA=0, shrinkB=0))


def plot_inception_module(filters=(64, 96, 128, 16, 32, 32), input_shape=(28, 28, 192), ax=None):
    """The inception module's four branches, with the shape each one produces.

    ``filters`` = (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj), as in
    :func:`cnn_course.models.inception.inception_module`.
    """
    n1, r3, n3, r5, n5, pool = filters
    h, w, c = input_shape
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.2))
    colors = {"1x1": "#fde9a9", "conv": "#a9cdfd", "pool": "#f6b5b5", "io": "#d9d9d9", "concat": "#b9e4b0"}
    xs = [1.5, 4.0, 6.5, 9.0]
    _box(ax, (5.25, 6.0), f"previous activation\n{h}×{w}×{c}", 3.2, 0.8, colors["io"])
    branches = [
        [(f"1×1 conv, {n1}", colors["1x1"])],
        [(f"1×1 conv, {r3}", colors["1x1"]), (f"3×3 conv, {n3}", colors["conv"])],
        [(f"1×1 conv, {r5}", colors["1x1"]), (f"5×5 conv, {n5}", colors["conv"])],
        [("3×3 max-pool\nstride 1, same", colors["pool"]), (f"1×1 conv, {pool}", colors["1x1"])],
    ]
    outputs = [n1, n3, n5, pool]
    for x, steps, out in zip(xs, branches, outputs):
        _arrow(ax, (5.25, 5.6), (x, 4.85))
        ys = [4.4, 3.0] if len(steps) == 2 else [3.0]
        if len(steps) == 1:
            _arrow(ax, (x, 4.85), (x, 3.4))
        for index, (y, (text, color)) in enumerate(zip(ys, steps)):
            _box(ax, (x, y), text, 2.1, 0.8, color)
            if index:
                _arrow(ax, (x, ys[index - 1] - 0.4), (x, y + 0.4))
        ax.text(x + 0.08, 2.1, f"{h}×{w}×{out}", ha="left", va="center", fontsize=8, color="dimgray")
        _arrow(ax, (x, 2.6), (5.25, 1.0))
    _box(ax, (5.25, 0.6), f"channel concatenation → {h}×{w}×{sum(outputs)}", 5.0, 0.8, colors["concat"])
    ax.set_xlim(0, 10.5)
    ax.set_ylim(0, 6.6)
    ax.axis("off")
    return ax.figure


def plot_googlenet(modules, aux_after=("4a", "4d"), ax=None):
    """GoogLeNet as a chain of boxes: stem, inception modules (with the max-pools that halve
    the grid), the classifier, and the two side branches (auxiliary classifiers)."""
    chain = [("input\n224×224×3", "io"), ("7×7 conv/2", "conv"), ("max-pool/2", "pool"),
             ("1×1 conv", "1x1"), ("3×3 conv", "conv"), ("max-pool/2", "pool")]
    for name in modules:
        if name in ("4a", "5a"):
            chain.append(("max-pool/2", "pool"))
        chain.append((f"inception\n{name}", "inception"))
    chain += [("avg-pool", "pool"), ("dropout + FC", "fc"), ("softmax", "softmax")]
    colors = {"io": "#d9d9d9", "conv": "#a9cdfd", "1x1": "#fde9a9", "pool": "#f6b5b5",
              "inception": "#b9e4b0", "fc": "#e0c7f2", "softmax": "#ffcf99"}
    if ax is None:
        _, ax = plt.subplots(figsize=(len(chain) * 0.85, 4.6))
    step, y = 0.85, 3.0
    for index, (text, kind) in enumerate(chain):
        x = index * step
        _box(ax, (x, y), text, 0.62, 1.9, colors[kind], fontsize=8, rotation=90)
        if index:
            _arrow(ax, (x - step + 0.31, y), (x - 0.31, y))
        name = text.split("\n")[-1]
        if kind == "inception" and name in aux_after:
            number = aux_after.index(name) + 1
            _arrow(ax, (x, y - 0.95), (x, 1.45))
            _box(ax, (x, 1.05), f"side branch {number}\navg-pool, 1×1 conv,\nFC 1024, FC 1000", 1.8, 0.8, colors["fc"], fontsize=7)
            _arrow(ax, (x, 0.67), (x, 0.42))
            _box(ax, (x, 0.15), f"softmax {number}", 1.1, 0.45, colors["softmax"], fontsize=8)
    ax.set_xlim(-0.5, (len(chain) - 1) * step + 0.5)
    ax.set_ylim(-0.2, 4.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


# --- Practical-advice diagrams for chapters 8-10 (transfer learning, augmentation, vision) ---


def plot_transfer_strategies(n_layers: int = 8, fine_tuned: int = 3, ax=None):
    """Which layers of a pretrained network to freeze, by how much labelled data there is.

    One row per regime: the pretrained layers (frozen or trained) then the new softmax head.
    """
    from matplotlib.patches import Patch

    colors = {"frozen": "#a9cdfd", "trained": "#ffb870", "head": "#f28e8e"}
    rows = [
        ("little data", "freeze every layer,\ntrain only the new head", 0),
        ("more data", f"freeze the early layers,\nfine-tune the last {fine_tuned} and the head", fine_tuned),
        ("lots of data", "pretrained weights are the\ninitialisation; train everything", n_layers),
    ]
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.2))
    step = 0.95
    for row, (regime, advice, trained) in enumerate(rows):
        y = 2.0 * (len(rows) - 1 - row)
        ax.text(-0.9, y, regime, ha="right", va="center", fontsize=11, fontweight="bold")
        _box(ax, (0, y), "x", 0.55, 1.0, "#d9d9d9")
        for layer in range(n_layers):
            x = (layer + 1) * step
            state = "trained" if layer >= n_layers - trained else "frozen"
            _box(ax, (x, y), f"L{layer + 1}", 0.7, 1.0, colors[state], fontsize=8)
            _arrow(ax, (x - step + 0.35, y), (x - 0.35, y))
        x_head = (n_layers + 1) * step + 0.35
        _arrow(ax, (n_layers * step + 0.35, y), (x_head - 0.55, y))
        _box(ax, (x_head, y), "new\nsoftmax", 1.1, 1.0, colors["head"], fontsize=8)
        ax.text(x_head + 0.8, y, advice, ha="left", va="center", fontsize=9.5)
    ax.legend(handles=[Patch(facecolor=colors["frozen"], edgecolor="black", label="frozen: pretrained weights kept"),
                       Patch(facecolor=colors["trained"], edgecolor="black", label="trained: starts from pretrained weights"),
                       Patch(facecolor=colors["head"], edgecolor="black", label="new head: random start, always trained")],
              loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize=9, frameon=False)
    ax.annotate("", xy=(-3.2, -0.6), xytext=(-3.2, 4.6), arrowprops=dict(arrowstyle="->", color="gray"))
    ax.text(-3.45, 2.0, "more labelled data", rotation=90, ha="center", va="center", fontsize=9, color="gray")
    ax.set_xlim(-3.7, x_head + 4.2)
    ax.set_ylim(-1.0, 5.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


def plot_pipeline_timeline(prepare_s: float, train_s: float, n_batches: int = 5, ax=None):
    """Time lines of training with and without a background thread preparing the next batch.

    ``prepare_s``: CPU time to load and distort one mini-batch; ``train_s``: one training step.
    Sequentially every step waits for its batch; pipelined, batch ``k + 1`` is prepared while
    the model trains on batch ``k``, so a step costs about ``max(prepare_s, train_s)``.
    """
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 3.0))
    colors = {"prepare": "#a9cdfd", "train": "#ffb870"}
    lanes = {("sequential", "prepare"): 3.0, ("sequential", "train"): 3.0,
             ("pipelined", "prepare"): 1.4, ("pipelined", "train"): 0.6}
    clock = 0.0
    for _ in range(n_batches):  # one lane: load/distort, then train, then the next batch
        ax.broken_barh([(clock, prepare_s)], (lanes["sequential", "prepare"] - 0.3, 0.6), facecolor=colors["prepare"], edgecolor="black")
        ax.broken_barh([(clock + prepare_s, train_s)], (lanes["sequential", "train"] - 0.3, 0.6), facecolor=colors["train"], edgecolor="black")
        clock += prepare_s + train_s
    sequential_end = clock
    ready, free = [], 0.0
    for k in range(n_batches):  # the producer thread never waits (prefetch buffer)
        ax.broken_barh([(k * prepare_s, prepare_s)], (lanes["pipelined", "prepare"] - 0.3, 0.6), facecolor=colors["prepare"], edgecolor="black")
        ready.append((k + 1) * prepare_s)
    for k in range(n_batches):
        start = max(ready[k], free)
        ax.broken_barh([(start, train_s)], (lanes["pipelined", "train"] - 0.3, 0.6), facecolor=colors["train"], edgecolor="black")
        free = start + train_s
    ax.set_yticks([3.0, 1.4, 0.6], ["sequential\n(one thread)", "pipelined: CPU thread", "pipelined: training"])
    ax.set_xlabel("seconds")
    ax.axvline(sequential_end, color="gray", linestyle=":")
    ax.axvline(free, color="gray", linestyle=":")
    ax.set_title(f"{n_batches} steps: {sequential_end:.2f} s sequential vs {free:.2f} s pipelined")
    ax.legend(handles=[Patch(facecolor=colors["prepare"], edgecolor="black", label="load + distort a batch"),
                       Patch(facecolor=colors["train"], edgecolor="black", label="training step")],
              loc="lower right", fontsize=9)
    ax.set_ylim(0, 3.8)
    ax.figure.tight_layout()
    return ax.figure


def plot_data_vs_hand_engineering(ax=None):
    """The lecture's spectrum: how much labelled data a task has vs how much hand-engineering it uses."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    ax.annotate("", xy=(10, 0), xytext=(0, 0), arrowprops=dict(arrowstyle="<->", linewidth=1.5))
    ax.text(0, -0.35, "little data", ha="left", va="top", fontsize=11)
    ax.text(10, -0.35, "lots of data", ha="right", va="top", fontsize=11)
    tasks = [(2.0, "object\ndetection"), (5.5, "image\nrecognition"), (8.6, "speech\nrecognition")]
    for x, name in tasks:
        ax.plot([x], [0], marker="o", markersize=10, color="#f28e8e", markeredgecolor="black")
        ax.text(x, 0.3, name, ha="center", va="bottom", fontsize=10)
    ax.text(1.5, -1.4, "more hand-engineering (\"hacks\"):\nfeatures, architectures, components", ha="center", va="center",
            fontsize=9.5, color="#1f4e9c")
    ax.text(8.5, -1.4, "simpler algorithms,\nless hand-engineering", ha="center", va="center", fontsize=9.5, color="#9c4a1f")
    ax.annotate("", xy=(0.2, -2.1), xytext=(4.0, -2.1), arrowprops=dict(arrowstyle="->", color="#1f4e9c"))
    ax.annotate("", xy=(9.8, -2.1), xytext=(6.0, -2.1), arrowprops=dict(arrowstyle="->", color="#9c4a1f"))
    ax.set_xlim(-0.3, 10.3)
    ax.set_ylim(-2.4, 1.3)
    ax.axis("off")
    ax.set_title("Two sources of knowledge: labelled data and hand-engineering")
    return ax.figure


# --- Case studies: landmark networks and layer tables ---------------------------------------


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
        _box(ax, (x, y), text, box_width, 0.8, color, fontsize=7.5)
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


# --- Residual networks (chapter 4) ---


def plot_residual_block(main_path=("linear", "ReLU", "linear"), shortcut: str = "shortcut (identity)", ax=None):
    """The residual block: a main path from a[l] to z[l+2], and a shortcut that adds a[l]
    back before the last ReLU, giving a[l+2] = g(z[l+2] + a[l])."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.8))
    chain = [("$a^{[l]}$", "#d9d9d9"), *[(step, "#fde9a9" if "ReLU" in step else "#a9cdfd") for step in main_path],
             ("+", "#b9e4b0"), ("ReLU", "#fde9a9"), ("$a^{[l+2]}$", "#d9d9d9")]
    step, y = 1.5, 1.0
    for index, (text, color) in enumerate(chain):
        _box(ax, (index * step, y), text, 0.3 if text == "+" else 1.1, 0.7, color, fontsize=9)
        if index:
            left = 0.15 if chain[index - 1][0] == "+" else 0.55
            right = 0.15 if text == "+" else 0.55
            _arrow(ax, ((index - 1) * step + left, y), (index * step - right, y))
    plus = len(main_path) + 1
    ax.annotate("", xy=(plus * step, y + 0.3), xytext=(0, y + 0.3),
                arrowprops=dict(arrowstyle="->", linewidth=1.4, color="tab:red", connectionstyle="arc3,rad=-0.35"))
    ax.text(plus * step / 2, y + 1.35, shortcut, ha="center", color="tab:red", fontsize=10)
    ax.text(plus * step / 2 + 0.75, y - 0.65, "main path → $z^{[l+2]}$", ha="center", fontsize=9, color="dimgray")
    ax.set_xlim(-0.7, (len(chain) - 1) * step + 0.7)
    ax.set_ylim(0.1, 2.7)
    ax.axis("off")
    return ax.figure

