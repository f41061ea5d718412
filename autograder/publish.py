"""The student-facing tree: what goes to the public repository that the site, Binder, Colab and the setup
cell point at (``REPOSITORY_URL`` in :mod:`cnn_course.locations`).

``make publish`` (``python -m autograder publish``) copies :data:`PUBLIC_PATHS` (the book's sources,
the released assignments, the helper package with its data-release setting, Binder's folder, the
README, the locks) and the built site (``_build/html``, if built, as ``site/``) into a folder, default
``_build/public``; students install ``cnn_course/`` (its own ``pyproject.toml``: the helper package
alone). Nothing of
``solutions/``, ``autograder/`` (its hidden checks), ``tests/`` or the grading folder goes there, and
the tree and the wheel built from it are scanned for solution and hidden-test text
(:mod:`autograder.leaks`) before it is kept: a leak fails the command and removes the tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.leaks import find_leaks
from autograder.registry import assignment_ids

# What students get, relative to the repository root; a missing one is skipped.
PUBLIC_PATHS = ["README.md", "LICENSE", "_config.yml", "_toc.yml", "_static", "book", "assignments", "cnn_course",
                "binder", "requirements"]
SITE = Path("_build") / "html"
DEFAULT_OUTPUT = Path("_build") / "public"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_build", ".jupyter_cache")


class LeakError(RuntimeError):
    """The public tree or its wheel holds solution or hidden-test text."""


def publish(repo: Path, output: Path, check_wheel: bool = True) -> list[Path]:
    """Write the public tree of ``repo`` into ``output`` (replaced); return its top-level entries."""
    repo, output = Path(repo).resolve(), Path(output).resolve()
    if output == repo or repo in output.parents and output.parts[len(repo.parts)] in PUBLIC_PATHS:
        raise ValueError(f"{output} would overwrite the repository's own files")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for name in PUBLIC_PATHS:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, output / name, ignore=_IGNORED, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, output / name)
    if (repo / SITE).is_dir():
        shutil.copytree(repo / SITE, output / "site", ignore=_IGNORED, symlinks=True)
    leaks = find_leaks(output, repo, assignment_ids(repo))
    if check_wheel and not leaks:
        leaks = [f"wheel: {leak}" for leak in wheel_leaks(output, repo)]
    if leaks:
        shutil.rmtree(output)
        raise LeakError("the public tree would leak:\n  " + "\n  ".join(leaks[:20]))
    return sorted(output.iterdir())


def build_wheel(tree: Path, into: Path) -> Path:
    """The wheel ``pip install <tree>/cnn_course`` would install (no dependencies, no network)."""
    source = into / "source"  # setuptools writes build/ and *.egg-info beside the sources: not in the tree
    shutil.copytree(tree / "cnn_course", source, ignore=_IGNORED)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(into), str(source)], check=True, capture_output=True)
    return next(into.glob("*.whl"))


def wheel_leaks(tree: Path, repo: Path) -> list[str]:
    """Leaks in a student install of ``tree``: its wheel unpacked and scanned; a grader module is one."""
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build_wheel(tree, Path(scratch) / "wheel")
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            archive.extractall(Path(scratch) / "unpacked")
        leaks = [f"{name}: part of the grader" for name in names if name.startswith("autograder/")]
        return leaks + find_leaks(Path(scratch) / "unpacked", repo, assignment_ids(repo))
