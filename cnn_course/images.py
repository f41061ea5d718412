"""Photos as arrays: the alpaca set from the data layer, resizing and test-time crops.

Images are ``H x W x 3`` ``uint8`` arrays unless a function says otherwise. Labels follow the
Keras convention of ``image_dataset_from_directory``: the index of the class folder in sorted
order, so ``alpaca`` is 0 and ``not alpaca`` is 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from cnn_course import data

ALPACA_CLASSES = ("alpaca", "not alpaca")


def alpaca_paths() -> tuple[list[Path], np.ndarray]:
    """Every alpaca-set photo (sorted by class, then name) and its label (0 alpaca, 1 not alpaca)."""
    root = data.resolve_dir(data.ALPACA_DIR)
    paths, labels = [], []
    for label, name in enumerate(ALPACA_CLASSES):
        found = sorted((root / name).glob("*.jpg"))
        paths += found
        labels += [label] * len(found)
    return paths, np.array(labels, dtype=np.int64)


def load_image(path, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Read an image file as RGB ``uint8``, resized to ``size`` (``(height, width)``) if given."""
    with Image.open(path) as image:
        array = np.asarray(image.convert("RGB"))
    return resize(array, size) if size is not None else array


def resize(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize to ``size`` (an int for a square, or ``(height, width)``) with bilinear interpolation."""
    height, width = _pair(size)
    pil = Image.fromarray(np.asarray(image, dtype=np.uint8))
    return np.asarray(pil.resize((width, height), Image.BILINEAR))


def resize_shorter_side(image: np.ndarray, side: int) -> np.ndarray:
    """Resize keeping the aspect ratio so that the shorter side is ``side`` pixels."""
    height, width = image.shape[:2]
    factor = side / min(height, width)
    return resize(image, (max(side, round(height * factor)), max(side, round(width * factor))))


def stratified_subset(labels: np.ndarray, n: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of about ``n`` examples drawn at random with the class proportions kept.

    ``n=None`` (or ``n`` at least the number of examples) returns every index.
    """
    labels = np.asarray(labels)
    if n is None or n >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = max(1, round(n * len(members) / len(labels)))
        chosen.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(chosen))


def shuffled_passes(indices: np.ndarray, count: int, seed: int) -> np.ndarray:
    """The first ``count`` of repeated passes over ``indices``, each pass in a fresh random order: the order in
    which a run that takes a fixed number of steps sees a training set of any size."""
    rng = np.random.default_rng(seed)
    passes = -(-count // len(indices))
    return np.concatenate([rng.permutation(indices) for _ in range(passes)])[:count]


def load_alpacas(size: int | tuple[int, int] = 160, n: int | None = None, seed: int = 0):
    """The alpaca photos resized to ``size``: ``(images, labels)`` with images ``(N, H, W, 3)`` uint8.

    ``n`` takes a random subset with the class proportions kept (see :func:`stratified_subset`), to save time.
    """
    paths, labels = alpaca_paths()
    keep = stratified_subset(labels, n, seed)
    images = np.stack([load_image(paths[i], size) for i in keep])
    return images, labels[keep]


def train_val_split(labels: np.ndarray, val_fraction: float = 0.2, seed: int = 0):
    """Stratified split: ``(train_indices, val_indices)`` with ``val_fraction`` of each class held out."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = max(1, round(val_fraction * len(members)))
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def center_crop(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """The ``size`` window in the middle of ``image``."""
    return _crop_at(image, size, "center")


def ten_crop(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """The ten test-time crops of AlexNet: centre and four corners, then the mirror of each.

    Returns ``(10, h, w, C)``; crop ``5 + i`` is crop ``i`` flipped left-right.
    """
    crops = [_crop_at(image, size, where) for where in ("center", "top-left", "top-right", "bottom-left", "bottom-right")]
    return np.stack(crops + [crop[:, ::-1] for crop in crops])


TEN_CROP_NAMES = ("centre", "top-left", "top-right", "bottom-left", "bottom-right") + tuple(
    f"{name}, mirrored" for name in ("centre", "top-left", "top-right", "bottom-left", "bottom-right")
)


def _crop_at(image: np.ndarray, size, where: str) -> np.ndarray:
    height, width = _pair(size)
    full_h, full_w = image.shape[:2]
    if height > full_h or width > full_w:
        raise ValueError(f"crop {height}x{width} is larger than the image {full_h}x{full_w}")
    vertical, _, horizontal = where.partition("-")
    top = {"top": 0, "bottom": full_h - height}.get(vertical, (full_h - height) // 2)
    left = {"left": 0, "right": full_w - width}.get(horizontal, (full_w - width) // 2)
    return image[top : top + height, left : left + width]


def _pair(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    height, width = size
    return int(height), int(width)
