"""Data augmentation: the distortions of the lecture as small functions on one image.

The numpy functions take an ``H x W x 3`` image (``uint8``, or float, in [0, 255]) and return one
of the same shape and dtype, so they can be applied in any order. Random ones take a
``numpy.random.Generator`` so a figure is the same on every run. Geometric distortions move pixels
by *inverse mapping*: every output pixel asks where it comes from in the input and reads that point
with bilinear interpolation; points that fall outside are reflected back in (``fill="reflect"``),
like Keras' preprocessing layers do by default.

:func:`keras_augmenter` gives the same ideas as Keras layers, and :func:`tf_distort` as stateless
TensorFlow ops for a ``tf.data`` pipeline.
"""

from __future__ import annotations

import numpy as np

from cnn_course.images import resize


def mirror(image: np.ndarray) -> np.ndarray:
    """Flip left-right: a cat looking left is still a cat."""
    return image[:, ::-1]


def random_crop(image: np.ndarray, rng: np.random.Generator, scale=(0.35, 1.0), aspect=(3 / 4, 4 / 3)) -> np.ndarray:
    """A random window covering a fraction ``scale`` of the area, resized back to the image's size.

    The window's aspect ratio (width / height) is drawn from ``aspect`` (log-uniformly) as in the
    "random resized crop" of Inception-style training.
    """
    height, width = image.shape[:2]
    area = rng.uniform(*scale) * height * width
    ratio = np.exp(rng.uniform(np.log(aspect[0]), np.log(aspect[1])))
    crop_h = int(np.clip(round(np.sqrt(area / ratio)), 1, height))
    crop_w = int(np.clip(round(np.sqrt(area * ratio)), 1, width))
    top = rng.integers(0, height - crop_h + 1)
    left = rng.integers(0, width - crop_w + 1)
    return _resize_like(image[top : top + crop_h, left : left + crop_w], image)


def rotate(image: np.ndarray, degrees: float, fill: str = "reflect") -> np.ndarray:
    """Rotate by ``degrees`` counter-clockwise about the centre."""
    theta = np.deg2rad(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    rows, cols = _centred_grid(image)
    # Inverse map: rotate each output position by -theta to find its source.
    src_rows = cos * rows - sin * cols
    src_cols = sin * rows + cos * cols
    return _sample_centred(image, src_rows, src_cols, fill)


def shear(image: np.ndarray, factor: float, fill: str = "reflect") -> np.ndarray:
    """Horizontal shear: row ``y`` (from the centre) slides by ``factor * y`` pixels."""
    rows, cols = _centred_grid(image)
    return _sample_centred(image, rows, cols - factor * rows, fill)


def local_warp(image: np.ndarray, rng: np.random.Generator, strength: float = 0.03, grid: int = 4, fill: str = "reflect") -> np.ndarray:
    """A smooth random rubber-sheet distortion.

    Control points on a ``(grid + 1) x (grid + 1)`` lattice are pushed by normal noise with a
    standard deviation of ``strength`` times the image size; the displacement of every pixel is
    the bilinear interpolation of its neighbouring control points, so nearby pixels move together.
    """
    height, width = image.shape[:2]
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    lattice = rng.normal(0.0, strength, size=(grid + 1, grid + 1, 2)).astype(np.float32)
    # Read the coarse lattice at each pixel's position in lattice units: a smooth displacement field.
    field = _bilinear(lattice, rows * grid / max(height - 1, 1), cols * grid / max(width - 1, 1), fill="edge")
    return _finish(_bilinear(image, rows + field[..., 0] * height, cols + field[..., 1] * width, fill), image)


def color_shift(image: np.ndarray, shift=None, rng: np.random.Generator | None = None, max_shift: float = 20) -> np.ndarray:
    """Add a constant to each of R, G and B (e.g. ``shift=(20, -20, 20)``); ``uint8`` is clipped to [0, 255].

    Without ``shift`` each channel's offset is drawn uniformly from ``[-max_shift, max_shift]``.
    """
    if shift is None:
        shift = (rng or np.random.default_rng()).uniform(-max_shift, max_shift, size=3)
    shifted = image.astype(np.float32) + np.asarray(shift, dtype=np.float32)
    return _finish(shifted, image)


def rgb_pca(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of the RGB values of all pixels (scaled to [0, 1]).

    Returns ``(eigenvalues, eigenvectors)`` with eigenvalues in decreasing order and the
    eigenvectors as the columns of a 3 x 3 matrix. ``images`` may be one image or a batch.
    """
    pixels = np.asarray(images, dtype=np.float64).reshape(-1, 3) / 255.0
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    order = np.argsort(eigenvalues)[::-1]
    return eigenvalues[order], eigenvectors[:, order]


def pca_color_shift(pca: tuple[np.ndarray, np.ndarray], rng: np.random.Generator, sigma: float = 0.1) -> np.ndarray:
    """The RGB offset (in [0, 255] units) of one draw of PCA colour augmentation.

    ``sum_i alpha_i * sqrt(lambda_i) * p_i`` with ``alpha_i ~ N(0, sigma^2)``: each principal axis
    ``p_i`` is moved by a random fraction of its own standard deviation ``sqrt(lambda_i)``.
    """
    eigenvalues, eigenvectors = pca
    alpha = rng.normal(0.0, sigma, size=3)
    return 255.0 * eigenvectors @ (alpha * np.sqrt(np.maximum(eigenvalues, 0.0)))


def pca_color_augment(image: np.ndarray, rng: np.random.Generator, sigma: float = 0.1, pca=None) -> np.ndarray:
    """AlexNet's "fancy PCA" colour augmentation of one image.

    The same RGB offset (:func:`pca_color_shift`) is added to every pixel. ``pca`` is the
    ``(eigenvalues, eigenvectors)`` of :func:`rgb_pca` over the training set, as in AlexNet; without
    it the principal components of this image alone are used, so a mostly red-and-blue image is
    shifted mostly along red and blue and its overall tint is kept.
    """
    return color_shift(image, pca_color_shift(pca if pca is not None else rgb_pca(image), rng, sigma))


def keras_augmenter(seed: int | None = None, strength: float = 1.0):
    """A ``keras.Sequential`` of random preprocessing layers (active only when ``training=True``).

    Mirroring, rotation, zoom (a random crop), translation, shear, contrast and brightness; the
    ranges scale with ``strength``. Expects pixel values in [0, 255].
    """
    import keras

    layers = keras.layers
    s = strength
    return keras.Sequential(
        _geometric_layers(seed, rotation=0.05 * s, zoom=(-0.25 * s, 0.0), translation=0.1 * s)
        + [
            layers.RandomShear(x_factor=0.15 * s, seed=seed),
            layers.RandomContrast(0.2 * s, seed=seed),
            layers.RandomBrightness(0.15 * s, seed=seed),
        ],
        name="augmenter",
    )


def geometric_augmenter(seed: int | None = None, rotation: float = 0.05, zoom: float = 0.1, translation: float = 0.1):
    """A ``keras.Sequential`` that mirrors, rotates, zooms and shifts images (only when ``training=True``).

    ``rotation`` is a fraction of a full turn (0.05: up to 18 degrees either way), ``zoom`` and
    ``translation`` fractions of the image's size (in or out, either way). Colours are left as they
    are, so any pixel range works, [0, 1] as well as [0, 255]. For labels that survive a mirror and
    a small move, such as the number of fingers a hand shows.
    """
    import keras

    return keras.Sequential(_geometric_layers(seed, rotation, zoom, translation), name="augmenter")


def _geometric_layers(seed, rotation, zoom, translation) -> list:
    """Mirror, rotation, zoom and translation layers: the distortions that move pixels, not colours."""
    import keras

    layers = keras.layers
    return [
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(rotation, seed=seed),
        layers.RandomZoom(zoom, seed=seed),
        layers.RandomTranslation(translation, translation, seed=seed),
    ]


def tf_distort(image, seed, zoom: float = 1.15, max_shift: float = 20.0):
    """Stateless TensorFlow distortions for ``tf.data``: mirror, random crop, colour shift.

    ``image`` is ``H x W x 3`` float in [0, 255]; ``seed`` a shape-``[2]`` integer tensor (one per
    example, e.g. from ``tf.data.Dataset.random``), so a pipeline is reproducible even when
    examples are distorted in parallel. The crop enlarges the image ``zoom`` times and cuts a
    random window of the original size back out.
    """
    import tensorflow as tf

    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=3)
    shape = tf.shape(image)
    image = tf.image.stateless_random_flip_left_right(image, seeds[0])
    bigger = tf.cast(tf.cast(shape[:2], tf.float32) * zoom, tf.int32)
    image = tf.image.stateless_random_crop(tf.image.resize(image, bigger), shape, seeds[1])
    shift = tf.random.stateless_uniform([3], seeds[2], -max_shift, max_shift)
    return tf.clip_by_value(image + shift, 0.0, 255.0)


# ---------------------------------------------------------------------------------------------
# Inverse-mapping machinery shared by the geometric distortions.


def _centred_grid(image):
    height, width = image.shape[:2]
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    return rows - (height - 1) / 2, cols - (width - 1) / 2


def _sample_centred(image, rows, cols, fill):
    height, width = image.shape[:2]
    return _finish(_bilinear(image, rows + (height - 1) / 2, cols + (width - 1) / 2, fill), image)


def _fold(coords, size, fill):
    """Bring coordinates into [0, size - 1]: mirror them at the borders, or clamp to the edge."""
    if fill == "edge" or size == 1:
        return np.clip(coords, 0, size - 1)
    if fill != "reflect":
        raise ValueError(f"fill must be 'reflect' or 'edge', not {fill!r}")
    period = 2 * (size - 1)
    coords = np.abs(coords) % period
    return np.where(coords > size - 1, period - coords, coords)


def _bilinear(image, rows, cols, fill):
    """Read ``image`` (H x W x C) at float positions ``rows``, ``cols`` with bilinear interpolation."""
    source = np.asarray(image, dtype=np.float32)
    height, width = source.shape[:2]
    rows, cols = _fold(rows, height, fill), _fold(cols, width, fill)
    r0 = np.minimum(np.floor(rows).astype(np.int64), height - 1)
    c0 = np.minimum(np.floor(cols).astype(np.int64), width - 1)
    r1, c1 = np.minimum(r0 + 1, height - 1), np.minimum(c0 + 1, width - 1)
    fr, fc = (rows - r0)[..., None], (cols - c0)[..., None]
    top = source[r0, c0] * (1 - fc) + source[r0, c1] * fc
    bottom = source[r1, c0] * (1 - fc) + source[r1, c1] * fc
    return top * (1 - fr) + bottom * fr


def _finish(values, like):
    """Return ``values`` in the dtype of ``like``: rounded and clipped for ``uint8``."""
    if np.asarray(like).dtype == np.uint8:
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return values.astype(np.asarray(like).dtype)


def _resize_like(window, image):
    height, width = image.shape[:2]
    if np.asarray(image).dtype == np.uint8:
        return resize(window, (height, width))
    import tensorflow as tf

    return tf.image.resize(window, (height, width)).numpy().astype(image.dtype)
