"""Multi-crop testing on the alpaca photos: the average of the ten crops' predictions against the centre crop's.

ImageNet MobileNetV2 features and a logistic head (as in chapter 8). Photos are resized so that
their shorter side is ``photo_side`` and the classifier sees ``crop`` x ``crop`` windows. One
*split* is chapter 10's: a subset of ``photos`` photos with the class proportions kept, 20% of it held out as
its test photos; the full experiment repeats it for many seeds. The head's weight decay is chosen
on each split's training photos alone, by cross-validation (:func:`chosen_l2`). The head is trained
either on the centre crops of the training photos, or on those plus ``random_crops`` random crops
of each (random-resized crops, half of them mirrored), as multi-crop testing is usually paired with.
"""

from __future__ import annotations

import numpy as np

from cnn_course import augment, features, images
from cnn_course.experiments.ensembles import cross_entropy
from cnn_course.pretrained import mobilenet_v2_base

SETTINGS = {"photos": 200, "photo_side": 183, "crop": 160, "random_crops": 4, "test_fraction": 0.2,
            "l2_values": (1e-3, 1e-2, 1e-1, 1.0), "folds": 5}
SEEDS = 20  # splits of the photos (seeds 0 to 19)
REGIMES = ("centre crops", "random crops")


def load_photos(photo_side: int) -> tuple[list[np.ndarray], np.ndarray]:
    paths, labels = images.alpaca_paths()
    return [images.resize_shorter_side(images.load_image(path), photo_side) for path in paths], labels


def random_crop(photo: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """A random-resized crop of the photo's central square, mirrored half of the time."""
    square = images.center_crop(photo, min(photo.shape[:2]))
    window = images.resize(augment.random_crop(square, rng), crop)
    return augment.mirror(window) if rng.random() < 0.5 else window


def split(labels: np.ndarray, seed: int, photos: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 10's split for ``seed``: indices (into all photos) of its training and test photos."""
    keep = images.stratified_subset(labels, photos, seed=seed)
    train, test = images.train_val_split(labels[keep], val_fraction=test_fraction, seed=seed)
    return keep[train], keep[test]


def chosen_l2(centre_features: np.ndarray, labels: np.ndarray, l2_values, folds: int) -> float:
    """The head's weight decay with the best cross-validated accuracy on the training photos' centre crops;
    a tie goes to the larger (the simpler head)."""
    accuracy = {l2: features.cross_val_accuracy(centre_features, labels, folds=folds, l2=l2).mean() for l2 in l2_values}
    return max(sorted(l2_values, reverse=True), key=accuracy.get)


def two_classes(p_label_1: np.ndarray) -> np.ndarray:
    """One column per class from the probability of label 1."""
    return np.stack([1 - p_label_1, p_label_1], axis=-1)


def evaluate(head, ten_crop_features: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy and cross-entropy of the centre crop alone and of the mean over ten crops; features (N, 10, F)."""
    n, crops, width = ten_crop_features.shape
    p_ten = head.predict_proba(ten_crop_features.reshape(n * crops, width)).reshape(n, crops)
    out = {}
    for name, p in (("centre", p_ten[:, 0]), ("ten_crops", p_ten.mean(axis=1))):
        out[f"{name}_accuracy"] = float(np.mean((p > 0.5) == labels))
        out[f"{name}_cross_entropy"] = cross_entropy(two_classes(p), labels)
    return out


def run(seeds=tuple(range(SEEDS)), **settings) -> list[dict]:
    """Every seed's split, for both training regimes: scores of the centre crop and of ten crops."""
    settings = {**SETTINGS, **settings}
    photos, labels = load_photos(settings["photo_side"])
    crop, k = settings["crop"], settings["random_crops"]
    base = mobilenet_v2_base((crop, crop, 3))
    ten = features.extract_features(base, np.concatenate([images.ten_crop(p, crop) for p in photos]),
                                    desc="ten crops").reshape(len(photos), 10, -1)
    rng = np.random.default_rng(0)
    random = features.extract_features(base, np.stack([random_crop(p, crop, rng) for p in photos for _ in range(k)]),
                                       desc="random crops").reshape(len(photos), k, -1)
    runs = []
    for seed in seeds:
        train, test = split(labels, seed, settings["photos"], settings["test_fraction"])
        l2 = chosen_l2(ten[train, 0], labels[train], settings["l2_values"], settings["folds"])
        for regime in REGIMES:
            x, y = ten[train, 0], labels[train]
            if regime == "random crops":
                x = np.concatenate([x, random[train].reshape(-1, random.shape[-1])])
                y = np.concatenate([y, np.repeat(labels[train], k)])
            head = features.fit_logistic_head(x, y, l2=l2)
            runs.append({"seed": seed, "regime": regime, "l2": l2, **evaluate(head, ten[test], labels[test])})
    return runs
