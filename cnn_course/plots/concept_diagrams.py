"""Diagrams of ideas rather than of networks: where a task sits between labelled data and hand-engineering,
and what choosing among models on the test set does to the winner's score."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.plots.shapes import legend_below


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


def plot_test_set_selection(scores, best: float, fresh: float):
    """A histogram of the test scores of many models, the best of them, and that model's score on new data."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(scores, bins=np.arange(0.35, 0.68, 0.02), color="#a9cdfd", edgecolor="black")
    ax.axvline(best, color="#e07b39", label=f"best of {len(scores)} on the test set: {best:.3f}")
    ax.axvline(fresh, color="gray", linestyle="--", label=f"the same model on new data: {fresh:.3f}")
    ax.set(xlabel="test accuracy", ylabel="models", title="choosing on the test set flatters the winner")
    fig.tight_layout()
    legend_below(ax)
    return fig
