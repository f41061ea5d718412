"""Training over time: learning curves of Keras histories, and the time line of an input pipeline."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.plots.shapes import legend_below
from cnn_course.results import mean_and_spread


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


def plot_pipeline_timeline(prepare_s: float, train_s: float, n_batches: int = 5, ax=None):
    """Time lines of training with and without a background thread preparing the next batch.

    ``prepare_s``: CPU time to load and distort one mini-batch; ``train_s``: one training step.
    Sequentially every step waits for its batch; pipelined, batch ``k + 1`` is prepared while
    the model trains on batch ``k``, so a step costs about ``max(prepare_s, train_s)``.
    """
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7.4, 3.2))
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
              loc="center right", fontsize=9)  # in the empty band between the two time lines
    ax.set_ylim(0, 3.8)
    ax.figure.tight_layout()
    return ax.figure


KIND_COLORS = {"plain": "tab:red", "residual": "tab:blue"}


def _over_seeds(ax, xs, values, color, label, fmt="o-", markersize=5):
    """One line through the mean of each ``values[i]`` (one value per seed) with their standard
    deviation as error bars, and every seed's value as a faint dot."""
    means, spreads = zip(*(mean_and_spread(v) for v in values))
    ax.errorbar(xs, means, yerr=spreads, fmt=fmt, color=color, capsize=3, markersize=markersize, label=label)
    for x, v in zip(xs, values):
        ax.plot([x] * len(v), v, ".", color=color, alpha=0.35)


def plot_depth_experiment(runs: list[dict], live: list[dict] = (), metric: str = "training_error"):
    """The degradation experiment, plain nets beside residual ones (He et al., figures 1 and 6):
    ``metric`` per epoch for every depth, the mean over seeds shaded from the lowest to the highest
    seed; ``live`` runs of this page drawn over them as black-edged markers."""
    depths = sorted({run["depth"] for run in runs})
    styles = dict(zip(depths, ("--", "-", ":", "-.")))
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.4), sharey=True)
    for ax, (kind, color) in zip(axes, KIND_COLORS.items()):
        for depth in depths:
            values = np.array([run[metric] for run in runs if run["kind"] == kind and run["depth"] == depth])
            epochs = np.arange(1, values.shape[1] + 1)
            ax.plot(epochs, values.mean(axis=0), styles[depth], color=color, label=f"{kind}-{depth}")
            ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.12)
        for run in live:
            if run["kind"] == kind:
                ax.plot(np.arange(1, len(run[metric]) + 1), run[metric], "o", markersize=4, color=color,
                        markeredgecolor="black")
        ax.set(xlabel="epoch", title=f"{kind} nets", ylim=(0, None))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:.0%}"))
        ax.legend()
    axes[0].set_ylabel(metric.replace("_", " ") + " (inference mode)")
    fig.tight_layout()
    return fig


def plot_ensemble_experiment(runs: list[dict], live: list[dict] = (), ax=None):
    """Test accuracy per epoch of the members (their mean) and of their ensemble: the mean over seeds,
    shaded from the lowest to the highest seed; ``live`` epochs of this page drawn as black-edged dots."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.4))
    curves = {"one member (mean of the members)": ("gray", lambda epoch: np.mean(epoch["member_accuracy"])),
              "the ensemble (average of their outputs)": ("#e07b39", lambda epoch: epoch["ensemble_accuracy"])}
    for label, (color, value) in curves.items():
        values = np.array([[value(epoch) for epoch in run["epochs"]] for run in runs])
        epochs = np.arange(1, values.shape[1] + 1)
        ax.plot(epochs, values.mean(axis=0), color=color, label=label)
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.15)
        for run in live:
            ax.plot(np.arange(1, len(run["epochs"]) + 1), [value(epoch) for epoch in run["epochs"]], "o",
                    markersize=4, color=color, markeredgecolor="black")
    ax.set(xlabel="epoch", ylabel="test accuracy")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:.0%}"))
    ax.legend(loc="lower right")
    ax.figure.tight_layout()
    return ax.figure


def plot_fold_accuracies(folds: dict, baseline: float, title: str = "logistic head on pooled features"):
    """One bar per setting: its mean accuracy over cross-validation folds, their standard deviation as the
    error bar; ``baseline`` (always the more frequent class) dashed."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar(list(folds), [np.mean(f) for f in folds.values()], yerr=[np.std(f) for f in folds.values()],
           color=["#ffb870", "#a9cdfd", "#b9e4b0"][: len(folds)], capsize=4)
    ax.axhline(baseline, color="gray", linestyle="--", label="always the more frequent class")
    ax.set(ylim=(0, 1), ylabel="5-fold accuracy", title=title)
    fig.tight_layout()
    legend_below(ax, ncols=1)
    return fig


def plot_ensemble_by_size(member_accuracy, ensemble_accuracy, title: str = "ensembles of small CNNs on SIGNS"):
    """Test accuracy of each member alone and of the average of the first k members, against k."""
    ks = range(1, len(member_accuracy) + 1)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(ks, member_accuracy, "o", color="gray", label="member k alone")
    ax.plot(ks, ensemble_accuracy, "o-", color="#e07b39", label="average of members 1..k")
    ax.set(xlabel="k", ylabel="test accuracy", xticks=ks, title=title)
    fig.tight_layout()
    legend_below(ax)
    return fig


def plot_accuracy_by_size(runs: list[dict], regimes, metric: str, dashed: str | None = None, baseline: float | None = None,
                          colors=("tab:gray", "tab:green", "tab:blue", "tab:red")):
    """``metric`` against the number of training images, one line per regime: the mean over seeds with
    their standard deviation, each seed a dot; ``dashed`` another metric drawn dashed (e.g. on the
    training images themselves); ``baseline`` a horizontal line (e.g. always answering one class)."""
    sizes = sorted({run["size"] for run in runs})
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for regime, color in zip(regimes, colors):
        for key, style in ((metric, "o-"), (dashed, "s--")):
            if key is None:
                continue
            values = [[run[key] for run in runs if run["size"] == size and run["regime"] == regime] for size in sizes]
            label = regime if dashed is None else f"{regime}: {key.removesuffix('_accuracy')} images"
            if key == metric:
                _over_seeds(ax, sizes, values, color, label)
            else:  # the other metric: its mean only
                ax.plot(sizes, [np.mean(v) for v in values], style, color=color, markersize=4, label=label)
    if baseline is not None:
        ax.axhline(baseline, color="black", linestyle=":", linewidth=1, label="always the more frequent class")
    ax.set_xscale("log")
    ylabel = "accuracy" if dashed else metric.replace("val_", "validation ").replace("_", " ")
    ax.set(xticks=sizes, xlabel="training images", ylabel=ylabel)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:.0%}"))
    fig.tight_layout()
    legend_below(ax)
    return fig
