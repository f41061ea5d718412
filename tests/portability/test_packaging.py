"""Packaging by role: students get the helper package alone, the grader declares what it imports, the
locks agree, and the Makefile finds a supported Python by itself."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.portability import locks

REPO = locks.REPO


def test_the_students_wheel_holds_the_helper_package_alone(tmp_path):
    source = shutil.copytree(REPO / "cnn_course", tmp_path / "cnn_course", ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", tmp_path / "wheels", source],
                   check=True, capture_output=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    (wheel,) = (tmp_path / "wheels").glob("cnn_case_studies-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {name for name in names if not name.startswith("cnn_case_studies-")}
    tracked = subprocess.run(["git", "ls-files", "cnn_course"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    expected = {name for name in tracked if name.endswith((".py", ".json")) or name.endswith("SHA256SUMS")}
    assert packaged == expected  # every module and data file of cnn_course, nothing else: no autograder, no checks
    assert not [name for name in names if "autograder" in name or "/checks/" in name]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "cnn-grader" not in metadata and "Name: cnn-case-studies" in metadata


def _third_party_imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"autograder", "cnn_course", "runner"}


def test_the_grader_extra_declares_every_module_the_grader_imports():
    project = locks.project()
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    for requirement in project["optional-dependencies"]["grader"]:
        declared.add(canonicalize_name(Requirement(requirement).name))
    declared |= {"tensorflow", "tensorflow-cpu"}  # cnn-grader[tensorflow]
    distributions = importlib.metadata.packages_distributions()
    undeclared = {module for module in _third_party_imports(REPO / "autograder")
                  if not {canonicalize_name(d) for d in distributions.get(module, [module])} & declared}
    assert not undeclared, f"autograder imports what pyproject.toml's grader extra does not declare: {sorted(undeclared)}"


def test_every_role_locks_the_versions_development_tests():
    versions = {}
    for pin in locks.pins("dev"):
        versions.setdefault(pin.name, set()).add(pin.version)
    for role in ("course", "grader", "book"):
        for pin in locks.pins(role):
            assert pin.version in versions.get(pin.name, set()), f"requirements/{role}.txt pins {pin.name}=={pin.version}, dev does not"


def _make(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", tmp_path, *arguments], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"})


def test_the_makefile_picks_the_first_python_from_3_11_to_3_13(tmp_path):
    """Candidates that are missing or run another version are passed over; PYTHON= overrides; none: a clear error."""
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    (tmp_path / "bin").mkdir()
    too_old = tmp_path / "bin" / "python3.10-as-python3"  # runs, but fails the version check as Python 3.10 would
    too_old.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; sys.exit(1)'\n")
    too_old.chmod(0o755)
    (tmp_path / "bin" / "supported-python").symlink_to(sys.executable)  # this Python: 3.11 to 3.13
    show = ["--eval", "show-python: ; @echo [$(PYTHON)]", "show-python"]
    assert _make(tmp_path, "PYTHON_CANDIDATES=no-such-python python3.10-as-python3 supported-python", *show).stdout.strip() == "[supported-python]"
    assert _make(tmp_path, "PYTHON=/opt/elsewhere/python3", *show).stdout.strip() == "[/opt/elsewhere/python3]"
    assert _make(tmp_path, "PYTHON_CANDIDATES=no-such-python python3.10-as-python3", *show).stdout.strip() == "[]"
    for name in ("requirements/dev.txt", "pyproject.toml", "scripts/install-system-deps"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    refused = _make(tmp_path, "PYTHON_CANDIDATES=no-such-python python3.10-as-python3", "setup")
    assert refused.returncode != 0 and "no Python 3.11 to 3.13 found" in refused.stderr and "make PYTHON=" in refused.stderr
    assert not (tmp_path / ".venv").exists()
