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
