"""`make publish`: the public tree holds what students need and nothing of solutions, tests or the grader."""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder import publish
from autograder.leaks import solution_lines

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("public") / "public"


def test_the_public_tree_is_the_course_without_the_grader(public, tmp_path):
    names = {p.name for p in publish.publish(REPO, public)}  # scans the tree and its wheel, or raises
    assert {"README.md", "book", "assignments", "cnn_course", "binder", "requirements", "_config.yml"} <= names
    assert not names & {"solutions", "autograder", "tests", "benchmarks", "nbgrader_config.py", ".grading"}
    assert not list(public.rglob("*.egg-info")) and not (public / "build").exists()
    assert (public / "cnn_course" / "locations.py").is_file() and (public / "cnn_course" / "SHA256SUMS").is_file()
    settings = tomllib.loads((public / "cnn_course" / "pyproject.toml").read_text())
    assert "scripts" not in settings["project"] and not any("autograder" in p for p in settings["tool"]["setuptools"]["packages"])
    with zipfile.ZipFile(publish.build_wheel(public, tmp_path)) as wheel:
        packages = {name.split("/")[0] for name in wheel.namelist()}
    assert packages == {"cnn_course", "cnn_case_studies-0.1.0.dist-info"}


def _course_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    for name in ("solutions", "assignments", "cnn_course"):
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "README.md", copy / "README.md")
    return copy


@pytest.mark.parametrize("planted", ["solution line", "hidden-test marker"])
def test_a_leak_fails_the_publication_and_leaves_no_tree(tmp_path, planted):
    repo = _course_copy(tmp_path)
    secret = sorted(solution_lines(repo, "residual_networks"))[0]
    text = f"    {secret}\n" if planted == "solution line" else "# BEGIN HIDDEN TESTS\n"
    (repo / "cnn_course" / "planted.py").write_text(f"def helper():\n{text}")
    with pytest.raises(publish.LeakError, match="cnn_course/planted.py"):
        publish.publish(repo, tmp_path / "public", check_wheel=False)
    assert not (tmp_path / "public").exists()
    with pytest.raises(ValueError, match="overwrite"):
        publish.publish(repo, repo / "assignments")
