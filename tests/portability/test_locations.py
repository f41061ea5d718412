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
import tomllib
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cnn_course import data, locations, setup_cell
from tests.portability.buttons import check_buttons

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = setup_cell.notebooks(REPO)
RELEASES = sorted(REPO.glob("assignments/*/*.ipynb"))


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by canonical name."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{path.name}: {line} is not a pin"
            found[canonicalize_name(requirement.name)] = spec.version
    return found


def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("path", NOTEBOOKS + RELEASES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_notebook_opens_with_the_setup_cell_written_from_the_settings(path):
    notebook = nbformat.read(path, as_version=4)
    cell = notebook.cells[0]
    assert setup_cell.is_setup_cell(cell), f"{path.name} does not open with the setup cell"
    assert cell.source == setup_cell.expected_source(notebook, setup_cell.requires_of(cell.source)), "stale: run make setup-cells"
    assert f'"{locations.PACKAGE}"' in cell.source and "remove-cell" in cell.metadata["tags"]
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
    assert {name for source in sources for name in setup_cell.requires_of(source)} == {"signs", "alpaca", "weights"}


def test_the_setup_cell_installs_the_package_from_the_repository_setting():
    assert locations.PACKAGE == f"cnn-case-studies[tensorflow] @ git+{locations.REPOSITORY_URL}@{locations.BRANCH}"
    assert canonicalize_name(project()["name"]) == "cnn-case-studies"
    assert set(project()["optional-dependencies"]) >= {"tensorflow"}


def test_the_configuration_names_no_repository_of_its_own():
    config = (REPO / "_config.yml").read_text()
    assert "cnn_course.site" in config and "github.com" not in config and "url:" not in config.replace("_url:", "")
    assert "github.com" not in (REPO / "pyproject.toml").read_text()


def test_the_declared_dependencies_admit_the_tested_pins():
    pinned = pins(REPO / "requirements.txt")
    declared = [Requirement(r) for r in project()["dependencies"]]
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pinned and requirement.specifier.contains(pinned[name]), f"{requirement} rejects the pin {pinned.get(name)}"
    (tensorflow,) = [Requirement(r) for r in project()["optional-dependencies"]["tensorflow"]]
    assert tensorflow.specifier.contains(pinned["tensorflow-cpu"])


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
    declared = {canonicalize_name(Requirement(r).name) for r in project()["dependencies"]} | {"tensorflow", "tensorflow-cpu"}
    undeclared = {m for m in third_party if not {canonicalize_name(d) for d in distributions.get(m, [m])} & declared}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {sorted(undeclared)}"


def test_binder_installs_the_package_with_the_tested_pins():
    binder = REPO / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    pinned, wanted = pins(REPO / "requirements.txt"), pins(binder / "requirements.txt")
    assert {name: pinned.get(name) for name in wanted} == wanted, "binder/requirements.txt disagrees with requirements.txt"
    declared = {canonicalize_name(Requirement(r).name) for r in project()["dependencies"]}
    assert declared | {"tensorflow-cpu"} <= set(wanted)
    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    commands = [line.strip() for line in post_build.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert "python -m pip install --no-cache-dir --no-deps ." in commands  # the repository's own package
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
