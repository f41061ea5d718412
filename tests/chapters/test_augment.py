"""The image, augmentation and feature helpers of chapters 8-10, on small synthetic images."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_course import augment, features, images


@pytest.fixture
def image():
    """A 40 x 60 uint8 image with a distinct value at every pixel and channel."""
    rng = np.random.default_rng(0)
    return rng.integers(30, 220, size=(40, 60, 3), dtype=np.uint8)


def test_alpaca_loader_finds_every_photo():
    paths, labels = images.alpaca_paths()
    assert np.bincount(labels).tolist() == [142, 185]
    assert all(path.parent.name == images.ALPACA_CLASSES[label] for path, label in zip(paths, labels))
    few, few_labels = images.load_alpacas(size=32, n=20)
    assert few.shape == (20, 32, 32, 3) and few.dtype == np.uint8
    assert 0 < few_labels.sum() < 20  # both classes in the subset


def test_stratified_subset_and_split_keep_class_proportions():
    labels = np.array([0] * 40 + [1] * 60)
    subset = images.stratified_subset(labels, 10, seed=1)
    assert np.bincount(labels[subset]).tolist() == [4, 6]
    train, val = images.train_val_split(labels, 0.2, seed=1)
    assert np.bincount(labels[val]).tolist() == [8, 12]
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))


def test_ten_crop_returns_corners_centre_and_their_mirrors(image):
    crops = images.ten_crop(image, (30, 40))
    assert crops.shape == (10, 30, 40, 3)
    np.testing.assert_array_equal(crops[0], images.center_crop(image, (30, 40)))
    np.testing.assert_array_equal(crops[1], image[:30, :40])  # top-left
    np.testing.assert_array_equal(crops[4], image[-30:, -40:])  # bottom-right
    for i in range(5):
        np.testing.assert_array_equal(crops[5 + i], augment.mirror(crops[i]))
    assert len({crop.tobytes() for crop in crops}) == 10
    with pytest.raises(ValueError):
        images.ten_crop(image, 50)


def test_mirror_twice_is_identity(image):
    np.testing.assert_array_equal(augment.mirror(augment.mirror(image)), image)
    assert not np.array_equal(augment.mirror(image), image)


def test_geometric_distortions_keep_shape_and_identity_settings_change_nothing(image):
    rng = np.random.default_rng(0)
    for distorted in (augment.rotate(image, 15), augment.shear(image, 0.2), augment.local_warp(image, rng),
                      augment.random_crop(image, rng)):
        assert distorted.shape == image.shape and distorted.dtype == np.uint8
    np.testing.assert_array_equal(augment.rotate(image, 0), image)
    np.testing.assert_array_equal(augment.shear(image, 0.0), image)
    np.testing.assert_array_equal(augment.local_warp(image, rng, strength=0.0), image)
    # A half turn moves the top-left pixel to the bottom-right.
    np.testing.assert_array_equal(augment.rotate(image, 180), image[::-1, ::-1])


def test_geometric_augmenter_moves_pixels_in_training_only_and_keeps_colours(image):
    # Assignment 1 trains through it on pixels in [0, 1]: no colour layer may assume [0, 255].
    augmenter = augment.geometric_augmenter(seed=0)
    assert [layer.__class__.__name__ for layer in augmenter.layers] == [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation"]
    batch = (image[None] / 255.0).astype(np.float32)
    np.testing.assert_allclose(np.asarray(augmenter(batch, training=False)), batch)
    moved = np.asarray(augmenter(batch, training=True))
    assert moved.shape == batch.shape and 0.0 <= moved.min() and moved.max() <= 1.0
    assert not np.allclose(moved, batch)
    assert [layer.__class__.__name__ for layer in augment.keras_augmenter(seed=0).layers][4:] == [
        "RandomShear", "RandomContrast", "RandomBrightness"]


def test_color_shift_adds_per_channel_offsets_and_clips(image):
    shifted = augment.color_shift(image, (20, -20, 20)).astype(int)
    np.testing.assert_array_equal(shifted - image.astype(int), np.broadcast_to([20, -20, 20], image.shape))
    clipped = augment.color_shift(np.full((2, 2, 3), 250, np.uint8), (20, -20, 0))
    assert clipped[0, 0].tolist() == [255, 230, 250]


def test_pca_color_augment_keeps_shape_and_shifts_channel_means_along_components(image):
    eigenvalues, eigenvectors = augment.rgb_pca(image)
    assert np.all(np.diff(eigenvalues) <= 0)
    np.testing.assert_allclose(eigenvectors.T @ eigenvectors, np.eye(3), atol=1e-9)
    expected = augment.pca_color_shift((eigenvalues, eigenvectors), np.random.default_rng(3), sigma=0.1)
    out = augment.pca_color_augment(image, np.random.default_rng(3), sigma=0.1)
    assert out.shape == image.shape and out.dtype == np.uint8
    mean_shift = out.reshape(-1, 3).astype(float).mean(0) - image.reshape(-1, 3).mean(0)
    np.testing.assert_allclose(mean_shift, expected, atol=0.6)  # rounding to uint8, no clipping here
    assert np.abs(mean_shift).max() > 0.5


def test_tf_distort_is_reproducible_and_keeps_shape(image):
    tf = pytest.importorskip("tensorflow")
    pixels = tf.constant(image, tf.float32)
    first = augment.tf_distort(pixels, tf.constant([1, 2]))
    again = augment.tf_distort(pixels, tf.constant([1, 2]))
    other = augment.tf_distort(pixels, tf.constant([3, 4]))
    assert first.shape == image.shape
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert not np.array_equal(first.numpy(), other.numpy())
    assert 0 <= float(tf.reduce_min(first)) and float(tf.reduce_max(first)) <= 255


def test_logistic_head_separates_linearly_separable_features():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 50)
    points = rng.normal(size=(100, 5)) * 1e-9 + labels[:, None] * np.array([3e-9, 0, 0, 0, 0])  # tiny scale
    head = features.fit_logistic_head(points, labels, epochs=200)
    assert head.accuracy(points, labels) >= 0.9
    assert head.losses[-1] < head.losses[0]
    assert np.all((head.predict_proba(points) > 0) & (head.predict_proba(points) < 1))
    scores = features.cross_val_accuracy(points, labels, folds=5, epochs=100)
    assert scores.shape == (5,) and scores.mean() >= 0.85


class _MeanBase:
    """Stands in for a frozen network: one 1x1 "feature map" per image, its pixel mean."""

    def predict_on_batch(self, batch):
        return batch.mean(axis=(1, 2), keepdims=True)


def test_feature_extraction_draws_a_progress_bar_only_where_wanted(monkeypatch, capsys):
    from cnn_course import progress

    pictures = np.zeros((3, 4, 4, 3), dtype=np.uint8)
    monkeypatch.setenv(progress.PROGRESS_ENV, "0")  # as the website's build sets it
    assert features.extract_features(_MeanBase(), pictures, batch_size=2, preprocess=None).shape == (3, 3)
    assert "it/s" not in capsys.readouterr().out
    features.extract_features(_MeanBase(), pictures, batch_size=2, preprocess=None, progress=True)
    assert "2/2" in capsys.readouterr().out  # asked for explicitly, it is drawn anyway
    monkeypatch.delenv(progress.PROGRESS_ENV)
    assert progress.shown() and not progress.shown(False)
