"""What the chapters say about the papers and their saved experiments is what those hold (fast: no TensorFlow)."""

from __future__ import annotations

import re

import nbformat
import numpy as np

from cnn_course import published, results
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
    text, measured = chapter_text("08"), results.load("transfer")["results"]
    runs, chosen = measured["runs"], measured["chosen"]
    head, tuned, scratch = "head only", "fine-tune the top", "from scratch"
    sizes = sorted({run["size"] for run in runs})
    signed = lambda value: f"{100 * value:+.1f}".replace("-", "−")  # noqa: E731
    gain = {(regime, size): results.paired_difference(runs, regime, head, size) for regime in (tuned, scratch) for size in sizes}
    # The same head for every regime, its settings chosen on development photos, scored on test photos only.
    assert "every regime ends in the same head" in text and f"{measured['photos']['dev']} **development** photos" in text
    assert f"scored {chosen[scratch]['dev_accuracy']:.1%} on the development photos" in text
    behind = [-100 * gain[scratch, size][0] for size in sizes]
    assert f"by {min(behind):.0f} to {max(behind):.0f} points, with intervals far from zero" in text
    assert all(gain[scratch, size][2] < 0 for size in sizes)
    scores = [run["test_accuracy"] for run in runs if run["regime"] == scratch]
    assert f"between {min(scores):.0%} and {max(scores):.0%}" in text
    # Fine-tuning against the head alone, worded to the intervals: within the noise with few photos ...
    small, large = [size for size in sizes if size <= 64], [size for size in sizes if size >= 128]
    assert all(gain[tuned, size][1] < 0 < gain[tuned, size][2] for size in small)
    means = [gain[tuned, size][0] for size in small]
    assert f"with 64 photos or fewer the difference is within the noise: between {signed(min(means))} and {signed(max(means))} points" in text.lower()
    # ... ahead with more, by intervals that only just exclude zero.
    assert f"by {100 * gain[tuned, 128][0]:.1f} and {100 * gain[tuned, 209][0]:.1f} points, about {round(65 * gain[tuned, 128][0])} and " \
           f"{round(65 * gain[tuned, 209][0])} of the 65 test photos" in text
    assert all(0 < gain[tuned, size][1] < 1 / 65 for size in large)
    assert f"their lower ends, {signed(gain[tuned, 128][1])} and {signed(gain[tuned, 209][1])} points, are less than one photo" in text
    assert "probably helps, by a few points" in text and "pulls ahead" not in text
    same = [run["test_correct"] for run in runs if run["regime"] == tuned and run["size"] == 209]
    assert all(correct == same[0] for correct in same) and f"the very same {sum(same[0])} test photos" in text


def test_chapter_9_quotes_the_augmentation_runs_as_measured():
    text, record = chapter_text("09"), results.load("augmentation")
    runs, sizes = record["results"]["runs"], record["settings"]["sizes"]
    test = by(runs, "test_accuracy", "size", "regime")
    paired = {size: np.subtract(test[size, "with augmentation"], test[size, "without augmentation"]) for size in sizes}
    gains = [f"{100 * paired[size].mean():.1f}" for size in sizes]
    assert (f"by {gains[0]} points with {sizes[0]} images, {gains[1]} with {sizes[1]}, {gains[2]} with {sizes[2]} "
            f"and {gains[3]} with all {sizes[3]}") in text
    assert all((paired[size] > 0).all() for size in sizes) and "in every one of the three paired runs" in text
    smallest = min((gain, size) for size in sizes for gain in paired[size])
    assert smallest[1] == 480 and round(120 * smallest[0]) == 1 and "in one run with 480, by a single test image" in text
    assert "about 11 points with 120 images and about 4 with all 900" in text and round(100 * paired[120].mean()) == 11
    assert round(100 * paired[900].mean()) == 4


def test_chapter_10_quotes_the_multicrop_runs_as_measured():
    text, runs = chapter_text("10"), results.load("multicrop")["results"]
    gain = [np.array([run["ten_crops_accuracy"] - run["centre_accuracy"] for run in runs if run["regime"] == regime])
            for regime in ("centre crops", "random crops")]
    lower = [sum(run["ten_crops_cross_entropy"] < run["centre_cross_entropy"] for run in runs if run["regime"] == regime)
             for regime in ("centre crops", "random crops")]
    centre, random = gain
    assert (f"{100 * centre.mean():.1f} points of accuracy on average with the centre-crop head and {100 * random.mean():.1f} "
            f"with the random-crop head") in text
    better, same, worse = ([int(np.sum(op(g, 0))) for g in gain] for op in (np.greater, np.equal, np.less))
    assert better[0] == better[1]
    assert f"It was better on {better[0]} splits, the same on {same[0]} and {same[1]}, and worse on {worse[0]} and {worse[1]}" in text
    assert f"lower on only {lower[0]} and {lower[1]} of the 20 splits" in text


def test_chapter_10_quotes_the_ensemble_runs_as_measured():
    text, measured = chapter_text("10"), results.load("ensembles")["results"]
    runs, chosen = measured["runs"], measured["chosen"]
    member = np.array([[np.mean(run["epochs"][-1]["member_accuracy"]), max(run["epochs"][-1]["member_accuracy"])] for run in runs])
    ensemble = np.array([run["epochs"][-1]["ensemble_accuracy"] for run in runs])
    gain = 100 * (ensemble - member[:, 0])
    assert chosen["learning_rate"] == 1e-3 and f"$10^{{-3}}$ for {chosen['epochs']} epochs" in text
    assert f"worth {gain.mean():.1f} points of test accuracy over a typical member (between {gain.min():.1f} and {gain.max():.1f} points" in text
    assert (gain > 0).all() and "in every one of the five runs" in text and len(runs) == 5
    assert (f"won in {int(np.sum(ensemble > member[:, 1]))} of the 5 runs and tied in {int(np.sum(ensemble == member[:, 1]))}") in text


def test_no_chapter_claims_a_fresh_subset_where_the_seeds_share_the_data():
    # At the largest size every seed trains on all the images; the subsets keep, not balance, the classes.
    for name in ("08", "09", "10"):
        text = chapter_text(name)
        assert not re.search(r"a different subset|class-balanced", text, re.I), name


def chapter_cells(name: str):
    return nbformat.read(next((REPO / "book").glob(f"{name}_*.ipynb")), as_version=4).cells


def test_the_experiment_figures_captions_describe_the_saved_runs():
    augmentation, ensembles = results.load("augmentation"), results.load("ensembles")
    figure = {cell.metadata["mystnb"]["figure"]["name"]: cell.metadata["mystnb"]
              for name in ("09", "10") for cell in chapter_cells(name) if "figure" in cell.metadata.get("mystnb", {})}
    sizes, epochs = augmentation["settings"]["sizes"], ensembles["results"]["chosen"]["epochs"]
    by_size, by_epoch = figure["fig-augmentation-by-size"], figure["fig-ensemble-by-epoch"]
    assert f"trained on {sizes[0]} to {sizes[-1]} SIGNS images" in by_size["figure"]["caption"]
    assert f"({sizes[0]} to {sizes[-1]}, log scale)" in by_size["image"]["alt"]
    assert f"five runs of {epochs} epochs" in by_epoch["figure"]["caption"] and f"(1 to {epochs})" in by_epoch["image"]["alt"]


def test_chapter_1_counts_the_imagenet_editions_it_charts():
    words = {"Eight": 8, "Nine": 9, "Ten": 10}
    heading = next(heading for heading in re.findall(r"^## (.+)$", " \n".join(markdown_cells(
        next((REPO / "book").glob("01_*.ipynb")))), re.M) if "ImageNet challenge" in heading)
    assert words[heading.split()[0]] == len(published.ILSVRC_WINNERS) == 2017 - 2010 + 1


def test_every_reimplemented_accuracy_has_the_papers_own_number_and_says_how_it_differs():
    reimplemented = {name for name, entry in published.IMAGENET_TOP1.items() if entry.kind == published.REIMPLEMENTATION}
    assert reimplemented == set(published.PAPERS_OWN)
    assert published.PAPERS_OWN["GoogLeNet"].metric == "top-5"  # the paper gives no top-1
    assert "not the paper's" in published.IMAGENET_TOP1["GoogLeNet"].differs
    assert all("v1.5" in published.IMAGENET_TOP1[name].differs for name in ("ResNet-50", "ResNet-152"))
    text = chapter_text("01")
    assert "10.07%" in text and "61.1 million" in text and "4.09 billion" in text
    differing = [name for name, entry in published.IMAGENET_TOP1.items() if entry.differs]
    assert len(differing) == 4 and "four rings sit at a cost that is not quite their network's" in text


def test_chapter_4_repeats_as_many_runs_live_as_it_says():
    numbers = {"one": 1, "two": 2, "three": 3}
    said = re.search(r"repeats (\w+) of them live", chapter_text("04"))
    live = next(cell.source for cell in chapter_cells("04") if "depth.run(" in cell.source)
    assert said and numbers[said[1]] == len(re.findall(r'\("(?:plain|residual)", \d+\)', live))


def test_chapter_4_quotes_the_depth_experiment_as_saved():
    record = results.load("depth")
    settings, final_errors = record["settings"], by(record["results"], "training_error", "kind", "depth")
    text = chapter_text("04")
    for kind in ("plain", "residual"):
        for depth in settings["depths"]:
            mean, spread = results.mean_and_spread([errors[-1] for errors in final_errors[kind, depth]])
            assert f"{100 * mean:.1f}% ± {100 * spread:.1f}%" in text, (kind, depth)
    steps = settings["epochs"] * -(-1080 // settings["batch_size"])
    assert f"{steps} steps" in text and "figure 6 in miniature" not in text
    assert "inference mode" in text and "parameter-free" in text


def test_no_chapter_validates_on_the_test_set():
    fits = [f"{path.name}: {cell.get('id')}" for path in sorted((REPO / "book").glob("*.ipynb"))
            for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "code" and re.search(r"validation_data=\(\s*x_test", cell.source)]
    assert not fits


def test_the_bias_is_credited_to_the_keras_port_not_the_original_resnet():
    assignment = " ".join(" ".join(markdown_cells(REPO / "solutions" / "residual_networks" / "Residual_Networks.ipynb")).split())
    for text in (chapter_text("04"), assignment):
        assert "original ResNet-50 code" not in text and "no bias in its blocks' convolutions" in text


def test_assignment_1_and_chapter_4_give_one_account_of_what_shortcuts_solve():
    assignment = " ".join(" ".join(markdown_cells(REPO / "solutions" / "residual_networks" / "Residual_Networks.ipynb")).split())
    assert "degradation" in assignment and "section 4.1" in assignment
    assert "degradation problem" in chapter_text("04")


def test_the_bibliography_is_built_and_listed():
    config = (REPO / "_config.yml").read_text()
    assert "sphinxcontrib.bibtex" in config and "book/references.bib" in config
    assert "book/references" in (REPO / "_toc.yml").read_text()
    assert "{bibliography}" in (REPO / "book" / "references.md").read_text()
