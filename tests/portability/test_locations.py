"""Where the course lives is one setting, and everything that points at it derives from it: the site's
buttons, the setup cells, the data layer, Binder; and the package declares what a chapter needs."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cnn_course import data, locations, setup_cell
from tests.portability import locks
from tests.portability.buttons import check_buttons

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = setup_cell.notebooks(REPO)
RELEASES = sorted(REPO.glob("assignments/*/*.ipynb"))


COURSE_PROJECT = REPO / "cnn_course" / "pyproject.toml"  # what students install: the helper package alone


def course_pins() -> dict[str, str]:
    """The course lock's pins, by canonical name."""
    return {pin.name: pin.version for pin in locks.pins("course")}


@pytest.mark.parametrize("path", NOTEBOOKS + RELEASES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_notebook_opens_with_the_setup_cell_written_from_the_settings(path):
    notebook = nbformat.read(path, as_version=4)
    cell = notebook.cells[0]
    assert setup_cell.is_setup_cell(cell), f"{path.name} does not open with the setup cell"
    assert cell.source == setup_cell.expected_source(notebook, setup_cell.requires_of(cell.source)), "stale: run make setup-cells"
    assert f'"{locations.PACKAGE_SOURCE}"' in cell.source and "remove-cell" in cell.metadata["tags"]
    grading = cell.metadata.get("nbgrader")
    if path in RELEASES or "solutions" in path.parts:
        assert grading["locked"] and not grading["grade"] and not grading["solution"] and grading["grade_id"] == setup_cell.GRADE_ID
    else:
        assert grading is None
    # Chapters show SVG figures (sharp on the website); assignments keep PNGs, whose size the grader caps.
    assert ("inline.use_svg_figures()" in cell.source) == (grading is None)


def test_the_setup_cells_only_check_the_data_where_the_course_is_installed(tmp_path):
    """In the repository and in the grader's sandbox (package importable, data folder set, downloads
    forbidden) every setup cell runs without pip (``get_ipython`` does not exist in plain Python)."""
    sources = sorted({nbformat.read(path, as_version=4).cells[0].source for path in NOTEBOOKS + RELEASES})
    program = "\n".join(TransformerManager().transform_cell(source) for source in sources)
    env = {**os.environ, data.OFFLINE_ENV: "1", locations.PACKAGE_ENV: "no-such-package"}
    result = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    # Every part of the data release is read by some notebook (so these setup cells did check data).
    assert {name for source in sources for name in setup_cell.requires_of(source)} == {
        name.split("/")[0] for name in data.manifest()}


def test_the_setup_cell_installs_the_package_from_the_repository_setting():
    assert locations.PACKAGE_SOURCE == f"git+{locations.REPOSITORY_URL}@{locations.BRANCH}#subdirectory=cnn_course"
    assert canonicalize_name(locks.project(COURSE_PROJECT)["name"]) == locations.PACKAGE_NAME
    assert set(locks.project(COURSE_PROJECT)["optional-dependencies"]) == {"tensorflow"}


def test_the_configuration_names_no_repository_of_its_own():
    config = (REPO / "_config.yml").read_text()
    assert "cnn_course.site" in config and "github.com" not in config and "url:" not in config.replace("_url:", "")
    assert "github.com" not in (REPO / "pyproject.toml").read_text()


def test_the_declared_dependencies_admit_the_tested_pins():
    pinned = course_pins()
    course = locks.project(COURSE_PROJECT)
    for requirement in map(Requirement, course["dependencies"] + course["optional-dependencies"]["tensorflow"]):
        name = canonicalize_name(requirement.name)
        assert name in pinned and requirement.specifier.contains(pinned[name]), f"{requirement} rejects the pin {pinned.get(name)}"
    # The grader's distribution declares the course's ranges too (it ships cnn_course): the same ones.
    assert locks.project()["dependencies"] == course["dependencies"]
    assert locks.project()["optional-dependencies"]["tensorflow"] == course["optional-dependencies"]["tensorflow"]


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_a_chapter_or_the_package_imports_is_declared():
    transform = TransformerManager().transform_cell
    modules = set()
    for path in (REPO / "cnn_course").rglob("*.py"):
        modules |= _imports(path.read_text())
    for path in [*REPO.glob("book/*.ipynb"), *RELEASES]:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                modules |= _imports(transform(cell.source))
    third_party = modules - set(sys.stdlib_module_names) - {"cnn_course"}
    distributions = importlib.metadata.packages_distributions()
    declared = {canonicalize_name(Requirement(r).name) for r in locks.project(COURSE_PROJECT)["dependencies"]} | {"tensorflow", "tensorflow-cpu"}
    undeclared = {m for m in third_party if not {canonicalize_name(d) for d in distributions.get(m, [m])} & declared}
    assert not undeclared, f"imported but not in cnn_course/pyproject.toml's dependencies: {sorted(undeclared)}"


def test_binder_installs_the_course_lock_on_a_supported_python():
    binder = REPO / "binder"
    runtime = (binder / "runtime.txt").read_text().strip()
    supported = Requirement(f"python{locks.project()['requires-python']}").specifier
    assert runtime.startswith("python-3.") and supported.contains(runtime.removeprefix("python-") + ".0"), runtime
    lines = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert lines == ["-r ../requirements/course.txt"]
    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    commands = [line.strip() for line in post_build.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert "python -m pip install --no-cache-dir --no-deps ./cnn_course" in commands  # the helper package alone
    assert any(c.startswith("python -m cnn_course.data_release fetch") for c in commands)


def test_make_data_release_packs_the_data_with_the_release_code():
    plan = subprocess.run(["make", "-n", "data-release", "setup-cells"], cwd=REPO, capture_output=True, text=True).stdout
    assert re.search(r"-m cnn_course\.data_release build --output _build/data-release", plan)
    assert "-m cnn_course.setup_cell" in plan


@pytest.mark.site
@pytest.mark.slow
def test_the_built_site_buttons_derive_from_the_settings(built_site):
    assert check_buttons(built_site, vars(locations)) > 0
    guide = (built_site / "book" / "teaching_on_jupyterhub.html").read_text()
    assert locations.REPOSITORY_URL in guide and locations.DATA_URL in guide and "{{ course." not in guide
