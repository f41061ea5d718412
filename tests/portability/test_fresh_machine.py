"""A fresh machine online: the course works without ../shared, from what an owner publishes.

One module-scoped setup stands for the internet: the data release (``make data-release``'s code)
and a wheel of the package, built from a fresh copy of this working tree, are served from 127.0.0.1.
The copy lives in a temporary folder with no ``../shared`` beside it, and every run below has
``CNN_COURSE_DATA`` unset, an empty cache of its own and ``CNN_COURSE_DATA_URL`` pointing at that server.

The copy is a fork: its ``cnn_course/locations.py`` names another repository and its setup cells
were rewritten (``python -m cnn_course.setup_cell``, what ``make setup-cells`` runs), as an owner
publishing the course would do.

What is skipped, to stay within the test budget (about a minute here):
- (a) the book build executes only chapter 02 (the cheapest chapter that reads data; the other
  chapters are rendered from their stored, output-free sources, as the assignment pages always are),
  uses this checkout's virtual environment (``make setup``'s job, which needs PyPI) and copies
  MathJax from ``_vendor`` (``make``'s job, which needs npm);
- (b) the "brand-new" environment is a virtual environment whose base holds the development lock's pinned
  packages (this checkout's site-packages, linked in with a .pth file) but not ``cnn_course``; pip
  installs nothing from an index (``PIP_NO_INDEX``), so the wheel's declared dependencies must be met
  by the pins; ``$CNN_COURSE_PACKAGE`` points the setup cell at the served wheel instead of
  ``git+<repository>`` (no git host offline); the chapter runs with one training epoch;
- (c) the released assignment runs with the solution's answers, up to its four identity-block public
  tests and its data-loading cell (not ResNet-50's training).
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import answers_from_source
from cnn_course import data, data_release, locations, setup_cell
from tests.data.release_host import ReleaseHost, leftovers
from tests.portability.buttons import check_buttons

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
FORK_URL = "https://github.com/example-school/cnn-course-fork"
CHAPTER = "book/02_keras_functional_api"  # the cheapest chapter that reads data (SIGNS)
ASSIGNMENT = "residual_networks"
BIN = Path(sys.executable).parent


def working_tree_copy(destination: Path) -> Path:
    """What a clone of this working tree holds: tracked files and untracked ones git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{argv[:3]} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return result


def online_env(cache: Path, host: ReleaseHost, **extra) -> dict[str, str]:
    """This process's environment as a reader online without the data folder has it."""
    env = {k: v for k, v in os.environ.items() if k not in {data.DATA_ENV, data.OFFLINE_ENV, "PYTHONPATH"}}
    return {**env, data.CACHE_ENV: str(cache), data.URL_ENV: host.url + "data/", **extra}


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    """The fresh machine's folder, the forked clone in it and the host serving the release and the wheel."""
    root = tmp_path_factory.mktemp("fresh-machine")  # nothing named shared/ beside the clone
    clone = working_tree_copy(root / "cnn-case-studies")
    settings = clone / "cnn_course" / "locations.py"
    text, replaced = re.subn(r'^REPOSITORY_URL = ".*"$', f'REPOSITORY_URL = "{FORK_URL}"', settings.read_text(), flags=re.M)
    assert replaced == 1
    settings.write_text(text)
    run([sys.executable, "-m", "cnn_course.setup_cell"], cwd=clone, env={**os.environ, "PYTHONPATH": str(clone)})

    host = ReleaseHost(root / "host").start()
    run([sys.executable, "-m", "cnn_course.data_release", "build", "--output", host.root / "data"], cwd=REPO)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", host.root / "wheels", "."],
        cwd=clone / "cnn_course", env={**os.environ, "PIP_CONFIG_FILE": os.devnull})  # what students install
    (wheel,) = (host.root / "wheels").glob("cnn_case_studies-*.whl")
    yield {"root": root, "clone": clone, "host": host, "wheel": wheel, "settings": runpy.run_path(str(settings))}
    host.stop()


@pytest.fixture(scope="module")
def built_clone(machine):
    """(a) The forked clone's book, built with jupyter-book by a reader online with an empty cache."""
    clone, host = machine["clone"], machine["host"]
    config = clone / "_config.yml"
    others = [f"book/{p.name}" for p in sorted((clone / "book").glob("*.ipynb")) if p.stem != Path(CHAPTER).name]
    text = config.read_text().replace('exclude_patterns: ["assignments/*/*.ipynb"]',
                                      "exclude_patterns: " + json.dumps(["assignments/*/*.ipynb", *others]))
    assert text != config.read_text()
    config.write_text(text)
    vendor = clone / "_vendor" / "mathjax"
    if (REPO / "_vendor" / "mathjax").is_dir():
        shutil.copytree(REPO / "_vendor" / "mathjax", vendor)
    else:  # the site builds without MathJax; math would not typeset
        vendor.mkdir(parents=True)
        (vendor / "tex-mml-chtml.js").write_text("")
    cache = machine["root"] / "cache-book"
    before = host.count(locations.DATA_ARCHIVE)
    run([BIN / "jupyter-book", "build", "--warningiserror", "--keep-going", clone], cwd=clone, timeout=900,
        env=online_env(cache, host, PYTHONPATH=str(clone)))  # PYTHONPATH: the clone's package, as `make setup` would install
    return {"html": clone / "_build" / "html", "cache": cache, "downloads": host.count(locations.DATA_ARCHIVE) - before}


def test_the_data_release_is_complete_checksummed_and_reproducible(machine, tmp_path):
    published = machine["host"].root / "data"
    archive = published / locations.DATA_ARCHIVE
    digest = data.sha256(archive)
    assert (published / locations.DATA_CHECKSUM).read_text() == f"{digest}  {archive.name}\n"
    manifest = json.loads((published / locations.DATA_MANIFEST).read_text())
    assert manifest["sha256"] == digest and manifest["version"] == locations.DATA_VERSION
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == data.manifest()
    with tarfile.open(archive) as tar:
        names = {m.name for m in tar if m.isfile()}
    assert names == {f"{data.ARCHIVE_ROOT}/{name}" for name in [*data.manifest(), "SHA256SUMS", "README.md"]}
    assert data_release.build(Path(os.environ[data.DATA_ENV]), tmp_path)["sha256"] == digest  # same data, same bytes


def test_a_fresh_clone_builds_the_book_downloading_the_data_once(machine, built_clone):
    html, cache = built_clone["html"], built_clone["cache"]
    assert (html / f"{CHAPTER}.html").is_file() and (html / "book/teaching_on_jupyterhub.html").is_file()
    assert built_clone["downloads"] == 1
    assert all(data.sha256(cache / name) == data.manifest()[name] for name in data.manifest())
    assert leftovers(cache) == sorted(data.manifest())  # every file verified into place, nothing else


def test_every_button_of_the_fork_follows_its_setting(machine, built_clone):
    settings = machine["settings"]
    assert settings["REPOSITORY_URL"] == FORK_URL
    check_buttons(built_clone["html"], settings)
    for page in built_clone["html"].rglob("*.html"):
        text = page.read_text()
        assert locations.REPOSITORY_URL not in text, f"{page} still names the original repository"
        assert "{{ course." not in text, f"{page} has a setting left unreplaced"
    assert settings["DATA_URL"] in (built_clone["html"] / "book/teaching_on_jupyterhub.html").read_text()
    downloaded = (built_clone["html"] / "_sources" / f"{CHAPTER}.ipynb").read_text()
    assert f"git+{FORK_URL}@" in downloaded and locations.REPOSITORY_URL not in downloaded


def test_the_data_layer_default_follows_the_fork_setting(machine):
    env = {k: v for k, v in os.environ.items() if k != data.URL_ENV}
    out = run([sys.executable, "-c", "from cnn_course import data; print(data.release_url())"],
              cwd=machine["clone"], env={**env, "PYTHONPATH": str(machine["clone"])}).stdout.strip()
    assert out == f"{FORK_URL}/releases/download/data-{locations.DATA_VERSION}/"


@pytest.fixture(scope="module")
def reader(machine):
    """(b) A brand-new virtual environment: the development lock's pinned packages, no cnn_course, a kernel."""
    root = machine["root"]
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    base = root / "pinned-packages"  # this checkout's site-packages without the course's own package
    base.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.startswith(("cnn_case_studies", "cnn_grader", "__editable__")):
            (base / entry.name).symlink_to(entry)
    (venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages" / "pinned.pth").write_text(f"{base}\n")
    kernels = venv / "share" / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (fresh)", "language": "python"}))
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(root)), "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0", "JUPYTER_PATH": str(venv / "share" / "jupyter"),
        data.CACHE_ENV: str(root / "cache-reader"), data.URL_ENV: machine["host"].url + "data/",
        # pip: no configuration, no index; the setup cell installs the served wheel.
        "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1",
        locations.PACKAGE_ENV: f"{machine['host'].url}wheels/{machine['wheel'].name}",
    }
    probe = "import importlib.util as u; print(u.find_spec('cnn_course') is None, u.find_spec('keras') is not None)"
    assert run([venv / "bin" / "python", "-c", probe], env=env, cwd=root).stdout.split() == ["True", "True"]
    return {"python": venv / "bin" / "python", "env": env, "cache": root / "cache-reader", "work": root}


@pytest.fixture(scope="module")
def chapter_run(machine, built_clone, reader):
    """(b) The chapter exactly as the built site offers it for download, run with papermill."""
    host = machine["host"]
    downloaded = built_clone["html"] / "_sources" / f"{CHAPTER}.ipynb"
    before = (host.count(machine["wheel"].name), host.count(locations.DATA_ARCHIVE))
    out = reader["work"] / "chapter.ipynb"
    run([reader["python"], "-m", "papermill", downloaded, out, "-k", "python3", "-p", "EPOCHS", "1", "--log-level", "WARNING"],
        env=reader["env"], cwd=reader["work"], timeout=600)
    installed = run([reader["python"], "-c", "import cnn_course; print(cnn_course.__file__)"],
                    env=reader["env"], cwd=reader["work"]).stdout.strip()
    return {"out": out, "installed": installed, "wheel_downloads": host.count(machine["wheel"].name) - before[0],
            "archive_downloads": host.count(locations.DATA_ARCHIVE) - before[1]}


def test_a_downloaded_chapter_installs_the_package_and_the_data_in_a_new_environment(reader, chapter_run):
    assert chapter_run["wheel_downloads"] == 1 and chapter_run["archive_downloads"] == 1
    assert Path(chapter_run["installed"]).is_relative_to(reader["python"].parent.parent)  # from the wheel, in the venv
    executed = nbformat.read(chapter_run["out"], as_version=4)
    assert setup_cell.is_setup_cell(executed.cells[0])
    assert not [o for cell in executed.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert leftovers(reader["cache"]) == sorted(data.manifest())


def test_the_released_assignment_runs_its_public_tests_without_downloading_again(machine, reader, chapter_run):
    release = nbformat.read(REPO / "assignments" / ASSIGNMENT / "Residual_Networks.ipynb", as_version=4)
    assert setup_cell.is_setup_cell(release.cells[0])
    ids = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in release.cells}
    answers = answers_from_source(REPO / "solutions" / ASSIGNMENT / "Residual_Networks.ipynb",
                                  [gid for gid, cell in ids.items() if cell.metadata.get("nbgrader", {}).get("solution")])
    keep = []
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.source = answers.get(grade_id, cell.source)  # a student who solved it
        keep.append(cell)
        if grade_id == "test_identity_block_shortcut":
            break
    release.cells = [*keep, ids["load_data"]]
    assert sum(1 for c in release.cells if c.source.startswith("public_tests.")) == 4
    notebook = reader["work"] / "assignment.ipynb"
    nbformat.write(release, notebook)
    host = machine["host"]
    before = (host.count(machine["wheel"].name), host.count(locations.DATA_ARCHIVE))
    run([reader["python"], "-m", "papermill", notebook, reader["work"] / "assignment-run.ipynb", "-k", "python3",
         "--log-level", "WARNING"], env=reader["env"], cwd=reader["work"], timeout=600)
    assert (host.count(machine["wheel"].name), host.count(locations.DATA_ARCHIVE)) == before  # installed and cached
