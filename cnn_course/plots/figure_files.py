"""Figures drawn into SVG files, for the pages the website shows without running them: the assignments.

The website shows each assignment's student release as it is (``_config.yml`` never executes it), and nbgrader
clears every output of the release, so a figure there is a file in the assignment's folder, linked from a
Markdown cell: ``![what the figure shows](identity_block.svg)``. A figure is still drawn by code, by the
function :data:`FIGURES` names for its file; the release (``python -m autograder release``) draws each file a
source notebook links to into the source's folder, and nbgrader copies it into the release with the notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cnn_course.plots import architectures

FIGURES = {  # file name -> the function that draws it
    "identity_block.svg": architectures.plot_identity_block,
    "convolutional_block.svg": architectures.plot_convolutional_block,
    "resnet50.svg": architectures.plot_resnet50,
}
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


def draw_linked_figures(notebook: Path) -> list[Path]:
    """Draw, beside ``notebook``, each figure of :data:`FIGURES` it links to; the files written."""
    names = [name for name in linked_images(notebook) if name in FIGURES]
    return [save_svg(FIGURES[name](), Path(notebook).parent / name) for name in names]
