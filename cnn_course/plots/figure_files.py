"""Figures drawn into SVG files, for the pages the website shows without running them: the assignments.

The website shows each assignment's student release as it is (``_config.yml`` never executes it), and nbgrader
clears every output of the release, so a figure there is a file in the assignment's folder, linked from a
Markdown cell: ``![what the figure shows](identity_block.svg)``. A figure is still drawn by code: the file
``<name>.svg`` by ``cnn_course.plots.architectures.plot_<name>()`` (:func:`drawing_function`), so adding a
figure adds a function and no entry to any table; the release (``python -m autograder release``) draws each
file a source notebook links to into the source's folder, and nbgrader copies it into the release with the
notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cnn_course.plots import architectures

# A Markdown image, ![alt text](file name), whose file is in the notebook's own folder.
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)/\s]+)\)")


def save_svg(fig, path: Path) -> Path:
    """``fig`` as an SVG file at ``path``, the same bytes each time it is drawn (no date, fixed element ids); closes it."""
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": "cnn-course"}):
        fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return path


def linked_images(notebook: Path) -> list[str]:
    """The files of the notebook's folder that its Markdown cells show as images, in order."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    return [name for cell in cells if cell["cell_type"] == "markdown" for name in _IMAGE.findall("".join(cell["source"]))]


def drawing_function(name: str):
    """The function that draws the figure file ``name`` (``plot_<stem>`` of :mod:`architectures` for an SVG
    file), or None for a file no code draws (a photo)."""
    stem, suffix = name.rsplit(".", 1) if "." in name else (name, "")
    return getattr(architectures, f"plot_{stem}", None) if suffix == "svg" and stem.isidentifier() else None


def draw_linked_figures(notebook: Path) -> list[Path]:
    """Draw, beside ``notebook``, each figure it links to that code draws (:func:`drawing_function`); the files
    written."""
    drawn = [(name, drawing_function(name)) for name in linked_images(notebook)]
    return [save_svg(draw(), Path(notebook).parent / name) for name, draw in drawn if draw is not None]
