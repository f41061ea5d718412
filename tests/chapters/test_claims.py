"""What chapters 8 to 10 say about their saved experiments is what the saved results hold (fast: no TensorFlow)."""

from __future__ import annotations

import re

import numpy as np

from cnn_course import results
from tests.conftest import REPO
from tests.test_prose import markdown_cells


def chapter_text(name: str) -> str:
    return " ".join(" ".join(markdown_cells(next((REPO / "book").glob(f"{name}_*.ipynb")))).split())


def by(runs: list[dict], key: str, *fields: str) -> dict:
    """The values of ``key`` over seeds, grouped by ``fields``."""
    grouped: dict = {}
    for run in runs:
        grouped.setdefault(tuple(run[field] for field in fields), []).append(run[key])
    return grouped


def test_chapter_8_quotes_the_transfer_runs_as_measured():
    text, runs = chapter_text("08"), results.load("transfer")["results"]
    accuracy = by(runs, "val_accuracy", "regime", "size")
    mean = {key: np.mean(values) for key, values in accuracy.items()}
    scratch = [value for (regime, _), values in accuracy.items() if regime == "from scratch" for value in values]
    assert f"between {min(scratch):.0%} and {max(scratch):.0%}" in text
    assert f"one of its three runs fell to {min(accuracy['fine-tune the top', 16]):.1%}" in text
    tuned, head = mean["fine-tune the top", 262], mean["head only", 262]
    assert f"scored {tuned:.1%} against {head:.1%} for the head alone" in text
    assert f"about {round(65 * tuned)} against {round(65 * head)} of the 65 held-out photos" in text
    assert f"({mean['head only', 64]:.1%} at 64 photos, {mean['head only', 128]:.1%} at 128)" in text
    # With all 262 photos every seed trains on the same photos: the deterministic head is one run, said so.
    assert len(set(accuracy["head only", 262])) == 1 and "the same run three times" in text


def test_chapter_9_quotes_the_augmentation_runs_as_measured():
    text, runs = chapter_text("09"), results.load("augmentation")["results"]
    test = by(runs, "test_accuracy", "size", "regime")
    paired = {size: np.subtract(test[size, "with augmentation"], test[size, "without augmentation"])
              for size in (135, 270, 540, 1080)}
    small = [100 * paired[size].mean() for size in (135, 270, 540)]
    assert f"by {min(small):.0f} to {max(small):.0f} points, in every one of the three paired runs" in text
    assert all((paired[size] > 0).all() for size in (135, 270, 540))
    gain = 100 * paired[1080].mean()
    spread = max(100 * np.std(test[1080, regime], ddof=1) for regime in ("with augmentation", "without augmentation"))
    assert f"shrinks to {gain:.1f} points" in text and "no larger than the spread between seeds" in text and gain <= spread


def test_chapter_10_quotes_the_multicrop_runs_as_measured():
    text, runs = chapter_text("10"), results.load("multicrop")["results"]
    gain = {regime: np.array([run["ten_crops_accuracy"] - run["centre_accuracy"] for run in runs if run["regime"] == regime])
            for regime in ("centre crops", "random crops")}
    centre, random = gain["centre crops"], gain["random crops"]
    assert (f"{100 * centre.mean():.2f} points of accuracy on average with the centre-crop head and "
            f"{100 * random.mean():.1f} with the random-crop head") in text
    assert {int(np.sum(g > 0)) for g in gain.values()} == {12} and "better on 12 splits" in text
    assert max(int(np.sum(g < 0)) for g in gain.values()) == 1 and "worse on at most one" in text
    lower = sum(run["ten_crops_cross_entropy"] < run["centre_cross_entropy"] for run in runs if run["regime"] == "centre crops")
    assert f"lower on only {lower} of the 20 splits" in text


def test_no_chapter_claims_a_fresh_subset_where_the_seeds_share_the_data():
    # At the largest size every seed trains on all the images; the subsets keep, not balance, the classes.
    for name in ("08", "09", "10"):
        text = chapter_text(name)
        assert not re.search(r"a different subset|class-balanced", text, re.I), name
