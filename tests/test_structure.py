"""The grader's layers point one way: no module of ``autograder`` imports, even lazily, one that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "autograder"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, not ``__init__``)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(module: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its code (in a function, under
    ``TYPE_CHECKING``, relative or absolute); ``from package import name`` imports the package, and the
    submodule ``name`` when there is one (a package importing from itself is a cycle: it runs half-made)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1], *filter(None, [base])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imported(name, path, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the list of its modules, first repeated at the end; None if it has none."""
    state: dict[str, str] = {}  # module -> "open" while on the path, "done" once all it reaches is seen
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_every_kind_of_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .leaf import later\n")
    (package / "sub" / "leaf.py").write_text("def later():\n    from pkg import top\n")
    (package / "top.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub import leaf\n")
    (package / "other.py").write_text("import pkg.top\nfrom pkg.sub import missing\n")
    assert import_graph(package) == {"pkg": set(), "pkg.sub": {"pkg.sub.leaf"}, "pkg.sub.leaf": {"pkg", "pkg.top"},
                                     "pkg.top": {"pkg.sub", "pkg.sub.leaf"}, "pkg.other": {"pkg.top", "pkg.sub"}}
    assert find_cycle(import_graph(package)) == ["pkg.sub", "pkg.sub.leaf", "pkg.top", "pkg.sub"]
    (package / "sub" / "__init__.py").write_text("from pkg.sub import leaf\n")
    assert find_cycle(import_graph(package)) == ["pkg.sub", "pkg.sub"]


def test_autograder_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_release_loads_no_sandbox():
    """Generating a release needs nbgrader, not the machinery that runs submissions."""
    code = "import sys, autograder.release; print(' '.join(sorted(m for m in sys.modules if m.startswith('autograder'))))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert "autograder.release" in loaded
    assert not {"autograder.sandbox", "autograder.warm", "autograder.grading", "autograder.cgroups"} & set(loaded), loaded
