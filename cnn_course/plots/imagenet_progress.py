"""The ImageNet challenge's classification results year by year: one bar per winning entry."""

from __future__ import annotations

import matplotlib.pyplot as plt


def plot_ilsvrc_timeline(winners, human_error: float, ax=None):
    """Bars of the winning top-5 error per year, each labelled with its network, and a line for the human estimate.

    ``winners`` have ``year``, ``network`` and ``top5_error`` (percent), as
    :data:`cnn_course.published.ILSVRC_WINNERS`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.2))
    deep = [w.year >= 2012 for w in winners]
    colors = ["tab:blue" if is_deep else "tab:gray" for is_deep in deep]
    bars = ax.bar([w.year for w in winners], [w.top5_error for w in winners], color=colors, width=0.7)
    ax.bar_label(bars, [f"{w.top5_error:g}%" for w in winners], fontsize=9, padding=2)
    ax.set_xticks([w.year for w in winners], [f"{w.year}\n{w.network}" for w in winners], fontsize=8)
    ax.axhline(human_error, color="tab:red", linestyle="--", linewidth=1.5)
    ax.text(winners[-1].year + 0.45, human_error + 0.6, f"one trained human: {human_error:g}%", color="tab:red",
            ha="right", va="bottom", fontsize=9)
    ax.set_ylabel("top-5 error of the winning entry (%)")
    ax.set_ylim(0, max(w.top5_error for w in winners) * 1.15)
    ax.set_title("ImageNet classification: gray = hand-designed features, blue = deep networks", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax.figure
