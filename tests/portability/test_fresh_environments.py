"""Fresh virtual environments, made here with pip from the package index (``make test-platforms``: each
downloads TensorFlow, about 600 MB, once into pip's cache).

- The grader: ``pip install ".[grader]"`` alone is enough for ``python -m autograder`` and every module of it.
- A Colab-like runtime: a Python whose IPython, NumPy and TensorFlow differ from the locks (Colab ships its
  own; its TensorFlow is ``tensorflow``, not ``tensorflow-cpu``) runs a chapter as downloaded from the website.
  Its setup cell installs the helper package (from this checkout, as ``$CNN_COURSE_PACKAGE``) and only what
  the runtime lacks: none of the three changes, and the grader is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_course import locations
from tests.portability import locks
from tests.portability.test_fresh_machine import working_tree_copy

pytestmark = pytest.mark.platforms
CHAPTER = "book/02_keras_functional_api.ipynb"  # the cheapest chapter that reads data
# The runtime's own packages: versions the locks do not pin (Colab's are older or newer than ours).
RUNTIME = {"ipython": "9.4.0", "numpy": "2.1.3", "tensorflow": "2.20.0"}


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{[str(a) for a in argv[:4]]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def fresh_venv(path: Path) -> Path:
    run([sys.executable, "-m", "venv", path])
    run([path / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip>=24"])
    return path / "bin" / "python"


def versions(python: Path, *names: str) -> dict[str, str]:
    program = "import json, sys; from importlib import metadata; print(json.dumps({n: metadata.version(n) for n in sys.argv[1:]}))"
    return json.loads(run([python, "-c", program, *names]).stdout)


def test_the_grader_extra_installs_everything_python_m_autograder_imports(tmp_path):
    repository = working_tree_copy(tmp_path / "cnn-case-studies")
    python = fresh_venv(tmp_path / "venv")
    run([python, "-m", "pip", "install", "--quiet", f"{repository}[grader]"], timeout=1800)
    usage = run([python, "-m", "autograder", "--help"], cwd=tmp_path).stdout
    assert "autograde" in usage and "doctor" in usage
    assert "autograde" in run([tmp_path / "venv" / "bin" / "cnn-grader", "--help"], cwd=tmp_path).stdout
    # Every module but the entry point (__main__ runs the CLI) and the zygote, a script the sandbox runs beside runner.py.
    every_module = ("import importlib, pkgutil, autograder\n"
                    "names = [m.name for m in pkgutil.walk_packages(autograder.__path__, 'autograder.')\n"
                    "         if m.name not in {'autograder.__main__', 'autograder.zygote'}]\n"
                    "[importlib.import_module(name) for name in names]\nprint(len(names))")
    assert int(run([python, "-c", every_module], cwd=tmp_path).stdout) > 20  # installed, not this checkout (cwd is elsewhere)


def test_a_colab_like_runtime_runs_a_chapter_and_keeps_its_own_packages(tmp_path):
    repository = working_tree_copy(tmp_path / "cnn-case-studies")
    python = fresh_venv(tmp_path / "runtime")
    preinstalled = [f"{name}=={version}" for name, version in RUNTIME.items()]
    run([python, "-m", "pip", "install", "--quiet", *preinstalled, "ipykernel"], timeout=1800)
    before = versions(python, *RUNTIME)
    locked = {pin.name: pin.version for role in locks.ROLES for pin in locks.pins(role)}
    assert all(locked.get(name) != version for name, version in before.items())  # the runtime differs from the locks
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                                     "display_name": "Colab-like runtime", "language": "python"}))
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "JUPYTER_PATH": str(tmp_path / "jupyter"),
           locations.PACKAGE_ENV: (repository / "cnn_course").as_uri(),
           "CNN_COURSE_DATA": os.environ.get("CNN_COURSE_DATA", str(locks.REPO.parent / "shared" / "data"))}
    out = tmp_path / "chapter.ipynb"
    run([Path(sys.executable).parent / "papermill", repository / CHAPTER, out, "-k", "python3", "-p", "EPOCHS", "1", "--log-level", "WARNING"],
        cwd=tmp_path, env=env, timeout=1800)
    executed = json.loads(out.read_text())
    assert not [o for cell in executed["cells"] for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert versions(python, *RUNTIME) == before  # IPython, NumPy and TensorFlow are the runtime's own still
    installed = run([python, "-c", "import importlib.util as u; print(u.find_spec('cnn_course').origin, u.find_spec('autograder'))"],
                    cwd=tmp_path).stdout.split()
    assert Path(installed[0]).is_relative_to(tmp_path / "runtime") and installed[1] == "None"  # the helper package, no grader
    assert "tensorflow-cpu" not in run([python, "-m", "pip", "list"]).stdout.lower()  # no second TensorFlow beside Colab's
