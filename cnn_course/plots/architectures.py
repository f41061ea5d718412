"""Diagrams of networks and blocks: activation volumes, the residual block, ResNet's identity and
convolutional blocks, ResNet-50, the inception module, GoogLeNet, and which layers of a pretrained network
transfer learning trains.

Drawn with matplotlib patches: graphviz/pydot (``keras.utils.plot_model``) are not installed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.plots.shapes import arrow, box


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
    colors = list(colors or plt.cm.tab10.colors)
    if ax is None and len(volumes) > 5:  # two rows, so the labels keep their size on a page: the middle volume ends one, starts the next
        half = (len(volumes) + 1) // 2
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.4, 6.0))
        plot_volumes(volumes[:half], operations[:half - 1], title=title, colors=colors, ax=top)
        plot_volumes(volumes[half - 1:], operations[half - 1:], colors=colors[half - 1:] + colors[:half - 1], ax=bottom)
        fig.tight_layout()
        return fig
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 * len(volumes), 3.2))
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


def plot_volume_chains(chains, titles=()):
    """Chains of volumes, each ``(volumes, operations)`` as for ``plot_volumes``, one under the other at one scale."""
    titles = list(titles) + [None] * (len(chains) - len(titles))
    longest = max(len(volumes) for volumes, _ in chains)
    fig, axes = plt.subplots(len(chains), 1, figsize=(3.2 * longest, 3.0 * len(chains)), squeeze=False)
    for ax, (volumes, operations), title in zip(axes.flat, chains, titles):
        plot_volumes(volumes, operations, title=title, ax=ax)
    right = max(ax.get_xlim()[1] for ax in axes.flat)
    for ax in axes.flat:
        ax.set_xlim(-0.3, right)
    fig.tight_layout()
    return fig


def plot_residual_block(main_path=("linear", "ReLU", "linear"), shortcut: str = "shortcut (identity)", ax=None):
    """The residual block: a main path from a[l] to z[l+2], and a shortcut that adds a[l]
    back before the last ReLU, giving a[l+2] = g(z[l+2] + a[l])."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.8))
    chain = [("$a^{[l]}$", "#d9d9d9"), *[(step, "#fde9a9" if "ReLU" in step else "#a9cdfd") for step in main_path],
             ("+", "#b9e4b0"), ("ReLU", "#fde9a9"), ("$a^{[l+2]}$", "#d9d9d9")]
    step, y = 1.5, 1.0
    for index, (text, color) in enumerate(chain):
        box(ax, (index * step, y), text, 0.3 if text == "+" else 1.1, 0.7, color, fontsize=9)
        if index:
            left = 0.15 if chain[index - 1][0] == "+" else 0.55
            right = 0.15 if text == "+" else 0.55
            arrow(ax, ((index - 1) * step + left, y), (index * step - right, y))
    plus = len(main_path) + 1
    ax.annotate("", xy=(plus * step, y + 0.3), xytext=(0, y + 0.3),
                arrowprops=dict(arrowstyle="->", linewidth=1.4, color="tab:red", connectionstyle="arc3,rad=-0.35"))
    ax.text(plus * step / 2, y + 1.35, shortcut, ha="center", color="tab:red", fontsize=10)
    ax.text(plus * step / 2 + 0.75, y - 0.65, "main path → $z^{[l+2]}$", ha="center", fontsize=9, color="dimgray")
    ax.set_xlim(-0.7, (len(chain) - 1) * step + 0.7)
    ax.set_ylim(0.1, 2.7)
    ax.axis("off")
    return ax.figure


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
    box(ax, (5.25, 6.0), f"previous activation\n{h}×{w}×{c}", 3.2, 0.8, colors["io"])
    branches = [
        [(f"1×1 conv, {n1}", colors["1x1"])],
        [(f"1×1 conv, {r3}", colors["1x1"]), (f"3×3 conv, {n3}", colors["conv"])],
        [(f"1×1 conv, {r5}", colors["1x1"]), (f"5×5 conv, {n5}", colors["conv"])],
        [("3×3 max-pool\nstride 1, same", colors["pool"]), (f"1×1 conv, {pool}", colors["1x1"])],
    ]
    outputs = [n1, n3, n5, pool]
    for x, steps, out in zip(xs, branches, outputs):
        ys = [4.4, 3.0] if len(steps) == 2 else [3.0]
        if len(steps) == 1:  # one arrow, bent where the other branches meet their first box
            ax.plot([5.25, x], [5.6, 4.85], color="black", linewidth=1.2)
            arrow(ax, (x, 4.85), (x, 3.4))
        else:
            arrow(ax, (5.25, 5.6), (x, 4.85))
        for index, (y, (text, color)) in enumerate(zip(ys, steps)):
            box(ax, (x, y), text, 2.1, 0.8, color)
            if index:
                arrow(ax, (x, ys[index - 1] - 0.4), (x, y + 0.4))
        # The shape goes on the side away from the arrow that leaves the branch for the concatenation.
        outward = -1 if x < 5.25 else 1
        ax.text(x + outward * 0.08, 2.1, f"{h}×{w}×{out}", ha="left" if outward > 0 else "right", va="center", fontsize=8,
                color="dimgray")
        arrow(ax, (x, 2.6), (5.25, 1.0))
    box(ax, (5.25, 0.6), f"channel concatenation → {h}×{w}×{sum(outputs)}", 5.0, 0.8, colors["concat"])
    ax.set_xlim(0, 10.5)
    ax.set_ylim(0, 6.6)
    ax.axis("off")
    return ax.figure


def plot_googlenet(modules, aux_after=("4a", "4d"), ax=None):
    """GoogLeNet as a chain of boxes: stem, inception modules (with the max-pools that halve
    the grid), the classifier, and the two side branches (auxiliary classifiers).

    One box per step, its label written upwards, so that the whole network fits the width of a page
    with labels as large as the text around it."""
    chain = [("input 224×224×3", "io"), ("7×7 conv/2", "conv"), ("max-pool/2", "pool"),
             ("1×1 conv", "1x1"), ("3×3 conv", "conv"), ("max-pool/2", "pool")]
    for name in modules:
        if name in ("4a", "5a"):
            chain.append(("max-pool/2", "pool"))
        chain.append((f"inception {name}", "inception"))
    chain += [("avg-pool", "pool"), ("dropout + FC", "fc"), ("softmax", "softmax")]
    colors = {"io": "#d9d9d9", "conv": "#a9cdfd", "1x1": "#fde9a9", "pool": "#f6b5b5",
              "inception": "#b9e4b0", "fc": "#e0c7f2", "softmax": "#ffcf99"}
    step, y, width, height = 1.0, 6.4, 0.68, 4.2  # one step is 0.365 inch: 20 steps fill 7.3 inches
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.3, 3.4))
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    for index, (text, kind) in enumerate(chain):
        x = index * step
        box(ax, (x, y), text, width, height, colors[kind], fontsize=9, rotation=90)
        if index:
            arrow(ax, (x - step + width / 2, y), (x - width / 2, y))
        name = text.split(" ")[-1]
        if kind == "inception" and name in aux_after:
            number = aux_after.index(name) + 1
            arrow(ax, (x, y - height / 2), (x, 3.6))
            box(ax, (x, 2.2), f"side branch {number}\navg-pool\n1×1 conv\nFC 1024\nFC 1000", 2.85, 2.8, colors["fc"], fontsize=8)
            arrow(ax, (x, 0.8), (x, 0.5))
            box(ax, (x, 0.05), f"softmax {number}", 2.6, 0.8, colors["softmax"], fontsize=8)
    ax.set_xlim(-0.5, (len(chain) - 1) * step + 0.5)
    ax.set_ylim(-0.45, y + height / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


def plot_transfer_strategies(n_layers: int = 8, fine_tuned: int = 3, ax=None):
    """Which layers of a pretrained network to freeze, by how much labelled data there is.

    One row per regime, the advice above it: the pretrained layers (frozen or trained) then the new softmax head.
    """
    from matplotlib.patches import Patch

    colors = {"frozen": "#a9cdfd", "trained": "#ffb870", "head": "#f28e8e"}
    rows = [
        ("little data", "freeze every layer, train only the new head", 0),
        ("more data", f"freeze the early layers, fine-tune the last {fine_tuned} and the head", fine_tuned),
        ("lots of data", "pretrained weights are the initialisation; train everything", n_layers),
    ]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.4, 4.6))
    step = 0.95
    x_head = (n_layers + 1) * step + 0.35
    for row, (regime, advice, trained) in enumerate(rows):
        y = 2.3 * (len(rows) - 1 - row)
        label = ax.text(-0.3, y + 0.75, f"{regime}:", ha="left", va="baseline", fontsize=10, fontweight="bold")
        ax.annotate(advice, (1, 0), xycoords=label, xytext=(5, 0), textcoords="offset points", ha="left", va="bottom", fontsize=10)
        box(ax, (0, y), "x", 0.55, 1.0, "#d9d9d9", fontsize=10)
        for layer in range(n_layers):
            x = (layer + 1) * step
            state = "trained" if layer >= n_layers - trained else "frozen"
            box(ax, (x, y), f"L{layer + 1}", 0.7, 1.0, colors[state], fontsize=10)
            arrow(ax, (x - step + 0.35, y), (x - 0.35, y))
        arrow(ax, (n_layers * step + 0.35, y), (x_head - 0.65, y))
        box(ax, (x_head, y), "new\nsoftmax", 1.3, 1.0, colors["head"], fontsize=10)
    ax.legend(handles=[Patch(facecolor=colors["frozen"], edgecolor="black", label="frozen: pretrained weights kept"),
                       Patch(facecolor=colors["trained"], edgecolor="black", label="trained: starts from pretrained weights"),
                       Patch(facecolor=colors["head"], edgecolor="black", label="new head: random start, always trained")],
              loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2, fontsize=9, frameon=False)
    ax.annotate("", xy=(-1.0, -0.6), xytext=(-1.0, 5.4), arrowprops=dict(arrowstyle="->", color="gray"))
    ax.text(-1.25, 2.4, "more labelled data", rotation=90, ha="center", va="center", fontsize=10, color="gray")
    ax.set_xlim(-1.5, x_head + 0.75)
    ax.set_ylim(-0.7, 5.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


# The colours of ResNet's layers, shared by the block and the network diagrams.
_RESNET_COLORS = {"io": "#d9d9d9", "conv": "#a9cdfd", "bn": "#e0c7f2", "relu": "#fde9a9", "add": "#b9e4b0",
                  "pool": "#f6b5b5", "fc": "#ffcf99", "identity": "#c7e9c0", "depthwise": "#8fd3e8"}


def _layer_chain(ax, x, top, layers, width, gap=0.22):
    """Boxes ``(text, colour key)`` from ``top`` downwards at ``x`` (two-line texts in taller boxes, the addition
    in a small circle), an arrow between each two. Returns each box's top and bottom y."""
    from matplotlib.patches import Circle

    spans = []
    for text, kind in layers:
        height = 0.56 if "\n" in text else 0.34
        if spans:
            arrow(ax, (x, spans[-1][1]), (x, spans[-1][1] - gap))
            top = spans[-1][1] - gap
        if kind == "add":
            ax.add_patch(Circle((x, top - height / 2), height / 2, facecolor=_RESNET_COLORS[kind], edgecolor="black"))
            ax.text(x, top - height / 2, text, ha="center", va="center", fontsize=11)
        else:
            box(ax, (x, top - height / 2), text, width, height, _RESNET_COLORS[kind])
        spans.append((top, top - height))
    return spans


def _bottleneck_block(stride, shortcut_layers, title: str, output: str):
    """ResNet's bottleneck block drawn top to bottom: X, the main path's three convolutions (1x1, f x f, 1x1)
    each with its BatchNorm, the last without its ReLU, the shortcut on the right (``shortcut_layers``, none
    for the identity), the addition, the last ReLU. In inches, narrow enough for a phone's screen."""
    conv = "Conv2D {size}, {filters} filters\nstride {stride}, padding \"{padding}\""
    main = [("X", "io"),
            (conv.format(size="1×1", filters="F1", stride=stride, padding="valid"), "conv"), ("BatchNorm", "bn"), ("ReLU", "relu"),
            (conv.format(size="f×f", filters="F2", stride=1, padding="same"), "conv"), ("BatchNorm", "bn"), ("ReLU", "relu"),
            (conv.format(size="1×1", filters="F3", stride=1, padding="valid"), "conv"), ("BatchNorm", "bn"),
            ("+", "add"), ("ReLU", "relu"), (output, "io")]
    x_main, x_short = 1.15, 3.3 if shortcut_layers else 2.6
    width = x_short + (1.0 if shortcut_layers else 0.4)
    fig, ax = plt.subplots()
    spans = _layer_chain(ax, x_main, 0.0, main, width=2.2)
    bottom = spans[-1][1]
    y_in = (spans[0][0] + spans[0][1]) / 2
    add = spans[main.index(("+", "add"))]
    y_add = (add[0] + add[1]) / 2
    red = dict(color="tab:red", linewidth=1.4)
    # The shortcut leaves X to the right, runs down its own column and enters the addition from the right.
    ax.plot([x_main + 1.1, x_short], [y_in, y_in], **red)
    if shortcut_layers:
        middle = (spans[4][0] + spans[5][1]) / 2  # level with the main path's f x f convolution and its BatchNorm
        short = _layer_chain(ax, x_short, middle + 0.45, shortcut_layers, width=1.9)
        ax.plot([x_short, x_short], [y_in, short[0][0] + 0.3], **red)
        ax.annotate("", xy=(x_short, short[0][0]), xytext=(x_short, short[0][0] + 0.3),
                    arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **red))
    label_y = (y_in + (short[0][0] if shortcut_layers else y_add)) / 2  # along the shortcut's first stretch
    ax.text(x_short + 0.1, label_y, title, rotation=90, ha="left", va="center", color="tab:red", fontsize=9)
    if shortcut_layers:
        y_in = short[-1][1]
    ax.plot([x_short, x_short], [y_in, y_add], **red)
    ax.annotate("", xy=(x_main + 0.17, y_add), xytext=(x_short, y_add), arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **red))
    return _fit_to_drawing(fig, ax, width, spans[0][0], bottom)


def plot_identity_block():
    """The identity block of assignment 1: the main path (Conv2D, BatchNorm, ReLU three times, the last ReLU
    after the addition) and the shortcut that adds X itself."""
    return _bottleneck_block(1, (), "shortcut: X, unchanged", "output, the shape of X")


def plot_convolutional_block():
    """The convolutional block of assignment 1: the identity block with stride s on its first convolution,
    and a 1x1 convolution with stride s and a BatchNorm on the shortcut."""
    shortcut = [("Conv2D 1×1, F3 filters\nstride s, padding \"valid\"", "conv"), ("BatchNorm", "bn")]
    return _bottleneck_block("s", shortcut, "shortcut", "output")


# ResNet-50's four stages of bottleneck blocks: the filters [F1, F2, F3], the number of blocks, the first block's stride.
RESNET50_STAGES = (((64, 64, 256), 3, 1), ((128, 128, 512), 4, 2), ((256, 256, 1024), 6, 2), ((512, 512, 2048), 3, 2))


def plot_resnet50(input_shape=(64, 64, 3), classes: int = 6, stages=RESNET50_STAGES, f: int = 3):
    """ResNet-50 as assignment 1 builds it, top to bottom: zero padding, the stem (stage 1), four stages of a
    convolutional block and identity blocks, the head; the shape of the activations on each arrow."""
    size, channels = input_shape[0], input_shape[2]
    x, gap = 2.15, 0.34
    fig, ax = plt.subplots()

    def row(top, text, kind, shape=None):
        """A box below ``top`` and, unless it is the last, an arrow down carrying ``shape``; the next row's top."""
        height = 0.56 if "\n" in text else 0.34
        box(ax, (x, top - height / 2), text, 3.6, height, _RESNET_COLORS[kind])
        return arrow_down(top - height, shape) if shape else top - height

    def arrow_down(top, shape):
        arrow(ax, (x, top), (x, top - gap))
        ax.text(x + 0.1, top - gap / 2, shape, ha="left", va="center", fontsize=9, color="dimgray")
        return top - gap

    top = row(0.0, "input", "io", f"{size}×{size}×{channels}")
    size += 6
    top = row(top, "ZeroPadding2D (3, 3)", "io", f"{size}×{size}×{channels}")
    size = ((size - 7) // 2 + 1 - 3) // 2 + 1  # the 7x7 convolution and the 3x3 max-pool, both stride 2, no padding
    top = row(top, "stage 1: Conv2D 7×7, 64 filters, stride 2\nBatchNorm, ReLU, MaxPooling2D 3×3, stride 2", "conv",
              f"{size}×{size}×64")
    for number, (filters, blocks, stride) in enumerate(stages, start=2):
        size = (size - 1) // stride + 1  # the 1x1 convolutions with stride s, no padding
        box(ax, (x, top - 0.475), "", 3.9, 0.95, "#f4f4f4")
        ax.text(x, top - 0.16, f"stage {number}: f = {f}, filters [{', '.join(map(str, filters))}]", ha="center",
                va="center", fontsize=9)
        box(ax, (x - 0.95, top - 0.6), f"convolutional\nblock, s = {stride}", 1.6, 0.5, _RESNET_COLORS["conv"])
        arrow(ax, (x - 0.15, top - 0.6), (x + 0.15, top - 0.6))
        for offset in (0.08, 0.04, 0.0):  # a stack of boxes: several identity blocks
            box(ax, (x + 0.95 + offset, top - 0.6 + offset), "" if offset else f"{blocks - 1} identity\nblocks", 1.6, 0.5,
                _RESNET_COLORS["identity"])
        top = arrow_down(top - 0.95, f"{size}×{size}×{filters[-1]}")
    channels, size = stages[-1][0][-1], size // 2
    top = row(top, "AveragePooling2D (2, 2)", "pool", f"{size}×{size}×{channels}")
    top = row(top, "Flatten", "pool", f"{size * size * channels}")
    top = row(top, f"Dense, {classes} units, softmax", "fc")
    return _fit_to_drawing(fig, ax, 2 * x, 0.0, top)


def _chain_with_shortcut(main, shortcut: str | None = None):
    """A block drawn top to bottom from ``main``'s boxes ``(text, colour key)``; with ``shortcut``, a dashed red
    line (it is there only under the condition its label states) from the first box to the addition ``+``."""
    x_main, x_short = 1.2, 2.65
    width = x_short + 0.4 if shortcut else 2.4
    fig, ax = plt.subplots()
    spans = _layer_chain(ax, x_main, 0.0, main, width=2.3)
    if shortcut:
        y_in = (spans[0][0] + spans[0][1]) / 2
        add = spans[main.index(("+", "add"))]
        y_add = (add[0] + add[1]) / 2
        red = dict(color="tab:red", linewidth=1.4, linestyle="--")
        ax.plot([x_main + 1.15, x_short, x_short], [y_in, y_in, y_add], **red)
        ax.annotate("", xy=(x_main + 0.17, y_add), xytext=(x_short, y_add),
                    arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **red))
        ax.text(x_short + 0.1, (y_in + y_add) / 2, shortcut, rotation=90, ha="left", va="center", color="tab:red", fontsize=9)
    return _fit_to_drawing(fig, ax, width, spans[0][0], spans[-1][1])


def _fit_to_drawing(fig, ax, width: float, top: float, bottom: float):
    """``fig`` sized to its drawing, ``width`` wide and from ``top`` down to ``bottom`` (0.05 margins), no axes."""
    ax.set_xlim(0, width)
    ax.set_ylim(bottom - 0.05, top + 0.05)
    fig.set_size_inches(width, top + 0.1 - bottom)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.axis("off")
    return fig


def plot_depthwise_separable_block():
    """The depthwise-separable block of assignment 3: a 3x3 depthwise convolution (one filter per channel) and a
    1x1 pointwise convolution that mixes the channels, each followed by BatchNorm and ReLU6."""
    return _chain_with_shortcut([
        ("X, n × n × c", "io"),
        ("DepthwiseConv2D 3×3\nstride s, padding \"same\"", "depthwise"), ("BatchNorm", "bn"), ("ReLU6", "relu"),
        ("pointwise: Conv2D 1×1\nc' filters", "conv"), ("BatchNorm", "bn"), ("ReLU6", "relu"),
        ("output, n/s × n/s × c'", "io"),
    ])


def plot_inverted_residual_block():
    """MobileNetV2's inverted residual block of assignment 3: a 1x1 expansion to t times the channels, a 3x3
    depthwise convolution, a linear 1x1 projection, and the shortcut when stride and channels allow it."""
    return _chain_with_shortcut([
        ("X, n × n × c", "io"),
        ("expansion: Conv2D 1×1\nt·c filters (none if t = 1)", "conv"), ("BatchNorm", "bn"), ("ReLU6", "relu"),
        ("DepthwiseConv2D 3×3\nstride s, padding \"same\"", "depthwise"), ("BatchNorm", "bn"), ("ReLU6", "relu"),
        ("projection: Conv2D 1×1\nc' filters", "conv"), ("BatchNorm, no activation", "bn"),
        ("+", "add"), ("output, n/s × n/s × c'", "io"),
    ], shortcut="shortcut: X, only if s = 1 and c' = c")
