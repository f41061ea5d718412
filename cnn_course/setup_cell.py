"""The setup cell every chapter and assignment notebook opens with, written from :mod:`cnn_course.locations`.

The cell must work before this package exists (Colab, a notebook downloaded from the website), so it
is a few lines of plain Python with the package's address written in: where ``cnn_course`` cannot be
imported it runs ``%pip install`` of the helper package from :data:`~cnn_course.locations.PACKAGE_SOURCE` (or
``$CNN_COURSE_PACKAGE``), with TensorFlow only where the runtime has none, and constrained to every version
the runtime already has, so that pip adds what is missing and changes nothing (Colab's own NumPy, IPython and
TensorFlow stay);
then it asks the data layer for the data the notebook reads, which downloads the data release once
(:func:`cnn_course.data.require`). In the course repository, on a hub and in the grader's sandbox the
package imports and the data is found, so the cell only checks it. A chapter's cell also switches its figures to
SVG (:func:`cnn_course.plots.inline.use_svg_figures`), sharp on the website at any size; an assignment keeps
matplotlib's PNGs, since its outputs go through the grader, which caps each output's size. The website hides
the cell (``remove-cell``); in an assignment it is a locked, ungraded nbgrader cell.

``make setup-cells`` (``python -m cnn_course.setup_cell``) rewrites every notebook's setup cell after
``locations`` changed, keeping each one's data; ``--check`` lists the stale ones; ``--add`` inserts a cell.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from cnn_course import locations

TAGS = ["remove-cell"]  # Jupyter Book leaves the cell out of the page
MARKER = "# Course setup"  # the first line of every setup cell
GRADE_ID = "course_setup"  # its nbgrader id in the assignments
CELL_ID = "course-setup"  # its notebook cell id
NOTEBOOKS = ("book/*.ipynb", "solutions/*/*.ipynb")
_REQUIRE = re.compile(r"^data\.require\((.*)\)\s*$", re.MULTILINE)


def source(requires: tuple[str, ...] | list[str] = (), svg_figures: bool = False) -> str:
    """The cell's code: install the package where it is missing, then require the data files or folders
    and, with ``svg_figures`` (the chapters), show the notebook's figures as SVG."""
    lines = [
        f"{MARKER} (hidden on the website): where the course's helper package is missing (Colab, a notebook",
        "# downloaded from the website) it is installed beside what the runtime has, changing none of it;",
        "# the data this notebook reads is downloaded once.",
        "import importlib.util",
        "import os",
        "",
        'if importlib.util.find_spec("cnn_course") is None:',
        "    import tempfile",
        "    from importlib import metadata",
        "",
        f'    course_source = os.environ.get("{locations.PACKAGE_ENV}", "{locations.PACKAGE_SOURCE}")',
        '    tensorflow = "" if importlib.util.find_spec("tensorflow") else "[tensorflow]"  # keep the runtime\'s own',
        "    runtime = {d.metadata['Name'].lower(): d.version for d in reversed(list(metadata.distributions())) if d.metadata['Name']}",
        '    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as unchanged:  # pip may add, never change',
        '        unchanged.write("".join(f"{name}=={version}\\n" for name, version in runtime.items()))',
        f'    %pip install --quiet --constraint {{unchanged.name}} "{locations.PACKAGE_NAME}{{tensorflow}} @ {{course_source}}"',
    ]
    imports, calls = [], []
    if requires:
        imports.append("from cnn_course import data")
        calls.append("data.require(" + ", ".join(f'"{name}"' for name in requires) + ")")
    if svg_figures:
        imports.append("from cnn_course.plots import inline")
        calls.append("inline.use_svg_figures()")
    if imports:
        lines += ["", *imports, "", *calls]
    return "\n".join(lines)


def is_setup_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and "".join(cell.get("source", "")).startswith(MARKER)


def requires_of(cell_source: str) -> tuple[str, ...]:
    """The data names a setup cell requires (as written in its ``data.require(...)`` line)."""
    match = _REQUIRE.search(cell_source)
    if not match:
        return ()
    value = ast.literal_eval(f"({match.group(1)},)")
    return tuple(str(name) for name in value)


def metadata(nbgrader: bool) -> dict:
    meta = {"tags": list(TAGS)}
    if nbgrader:
        meta["nbgrader"] = {"grade": False, "grade_id": GRADE_ID, "locked": True, "schema_version": 3,
                            "solution": False, "task": False}
    return meta


def _is_nbgrader(notebook) -> bool:
    return any("nbgrader" in cell.get("metadata", {}) for cell in notebook.cells)


def expected_source(notebook, requires: tuple[str, ...] | list[str]) -> str:
    """The setup cell :func:`source` writes for ``notebook``: a chapter's shows SVG figures, an assignment's does not."""
    return source(requires, svg_figures=not _is_nbgrader(notebook))


def refresh(path: Path, requires: tuple[str, ...] | None = None, add: bool = False) -> bool:
    """Rewrite (or with ``add``, insert) the setup cell of the notebook ``path``; return whether it changed."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    existing = next((cell for cell in notebook.cells if is_setup_cell(cell)), None)
    if existing is None and not add:
        raise ValueError(f"{path} has no setup cell (insert one with --add)")
    if requires is None:
        requires = requires_of(existing.source) if existing is not None else ()
    cell = nbformat.v4.new_code_cell(expected_source(notebook, requires), metadata=metadata(_is_nbgrader(notebook)), id=CELL_ID)
    if existing is not None:
        if existing.source == cell.source and existing.metadata == cell.metadata:
            return False
        existing.source, existing.metadata = cell.source, cell.metadata
    else:
        notebook.cells.insert(0, cell)
    nbformat.validator.normalize(notebook)
    nbformat.write(notebook, path)
    return True


def stale(path: Path) -> str | None:
    """Why the setup cell of ``path`` is not what :func:`source` writes today, or None."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells if is_setup_cell(cell)]
    if not cells:
        return "it has no setup cell"
    if cells[0] is not notebook.cells[0]:
        return "its setup cell is not its first cell"
    cell = cells[0]
    if cell.source != expected_source(notebook, requires_of(cell.source)) or cell.metadata != metadata(_is_nbgrader(notebook)):
        return "its setup cell differs from what cnn_course.setup_cell writes (run make setup-cells)"
    return None


def notebooks(root: Path) -> list[Path]:
    return sorted(path for pattern in NOTEBOOKS for path in root.glob(pattern))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn_course.setup_cell", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: the chapters and the assignment sources)")
    parser.add_argument("--check", action="store_true", help="only list the notebooks whose setup cell is stale")
    parser.add_argument("--add", metavar="NAMES", help="insert a setup cell requiring these data names (comma-separated)")
    args = parser.parse_args(argv)
    paths = args.paths or notebooks(Path.cwd())
    if args.check:
        problems = [f"{path}: {why}" for path in paths if (why := stale(path))]
        print("\n".join(problems) or f"{len(paths)} setup cells are up to date")
        return 1 if problems else 0
    requires = tuple(filter(None, args.add.split(","))) if args.add is not None else None
    for path in paths:
        if refresh(path, requires, add=args.add is not None):
            print(f"{path}: setup cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
