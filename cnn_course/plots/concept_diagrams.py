"""Diagrams of ideas rather than of networks: where a task sits between labelled data and hand-engineering."""

from __future__ import annotations

import matplotlib.pyplot as plt


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
