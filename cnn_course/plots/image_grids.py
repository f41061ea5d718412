"""Pictures in a grid: images with their titles, and small arrays with every value written in its cell."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from cnn_course.images import TEN_CROP_NAMES
from cnn_course.plots import inline

# The titles of a grid of images are sized for a phone showing the grid across its screen, between these.
TITLE_PT = (9, 14)


def show_images(images, titles=None, ncols: int = 4, size: float = 2.4, suptitle: str | None = None):
    """Draw images (HxWxC arrays, uint8 or float in [0, 1] or [0, 255]) in a grid."""
    images = list(images)
    nrows = max(1, int(np.ceil(len(images) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    title_pt = min(max(TITLE_PT[0], 1.05 * inline.phone_font_size(size * ncols)), TITLE_PT[1])
    for ax in axes.flat:
        ax.axis("off")
    for index, (ax, image) in enumerate(zip(axes.flat, images)):
        image = np.asarray(image)
        if image.dtype != np.uint8:
            image = image / 255.0 if image.max() > 1.0 else image
            image = np.clip(image, 0, 1)
        ax.imshow(image.squeeze(), cmap="gray" if image.ndim == 2 or image.shape[-1] == 1 else None)
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=title_pt)
    if suptitle:
        fig.suptitle(suptitle, fontsize=title_pt)
    fig.tight_layout()
    return fig


def show_ten_crops(crops, p_alpaca, title: str | None = None):
    """The ten crops of one photo (``cnn_course.images.ten_crop``), each with the probability the head gives it."""
    titles = [name.replace(", ", "\n") + f"\n{p:.2f}" for name, p in zip(TEN_CROP_NAMES, p_alpaca)]
    return show_images(crops, titles, ncols=5, size=2.4, suptitle=title)


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
