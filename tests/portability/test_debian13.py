"""A fresh Debian 13 machine (Python 3.13): the README's `make book`, then the fast tests and one assignment's
public tests, in a clone of this repository.

The machine is a Debian 13 root built with debootstrap (``scripts/debian13-root``; built once, then cached in
``~/.cache/cnn-course-platforms/debian13``), entered with bubblewrap as its ``/`` (not chroot: the kernel
refuses user namespaces, which the grader's sandbox needs, to a chrooted process). Only the
committed history is cloned (``git clone``), as a new user would get it; ``make`` creates .venv with the
root's own Python 3.13, installs the system packages with apt and the development lock with pip, and
fetches MathJax with npm. The course data is this host's, bound read-only (as ``../shared/data`` is here).
A run takes 10 to 20 minutes (``make test-platforms``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "debian13-root"
CLONE = "/srv/cnn-case-studies"

pytestmark = pytest.mark.platforms


def in_root(command: str, timeout: int) -> subprocess.CompletedProcess:
    """``command`` run by bash as root inside the Debian 13 root, in the clone."""
    return subprocess.run([SCRIPT, "run", "bash", "-c", f"cd {CLONE} && {command}"], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CNN_COURSE_DATA": os.environ.get("CNN_COURSE_DATA", str(REPO.parent / "shared" / "data"))})


@pytest.fixture(scope="module")
def debian13():
    """The cached Debian 13 root, with a fresh clone of this repository's HEAD in /srv."""
    assert os.geteuid() == 0, "make test-platforms runs as root: debootstrap and chroot need it"
    built = subprocess.run([SCRIPT], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    root = Path(built.stdout.strip().splitlines()[-1])
    clone = root / CLONE.lstrip("/")
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", REPO, clone], check=True)
    return root


def test_the_root_is_debian_13_with_python_3_13_and_no_other(debian13):
    release = (debian13 / "etc" / "os-release").read_text()
    assert 'VERSION_ID="13"' in release
    assert in_root("python3 --version", 60).stdout.startswith("Python 3.13.")
    assert not list((debian13 / "usr" / "bin").glob("python3.1[12]"))


def test_make_book_builds_the_site_with_python_3_13(debian13):
    result = in_root("make book", 3600)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert (debian13 / CLONE.lstrip("/") / "_build" / "html" / "index.html").is_file()
    assert in_root(".venv/bin/python -c 'import sys; print(sys.version_info[:2])'", 60).stdout.strip() == "(3, 13)"


def test_the_fast_tests_and_an_assignments_public_tests_pass_there(debian13):
    fast = in_root("make test-fast PYTEST='.venv/bin/python -m pytest -q -n 2 -p no:cacheprovider'", 3600)
    assert fast.returncode == 0, f"{fast.stdout[-6000:]}\n{fast.stderr[-3000:]}"
    public = in_root(".venv/bin/python -m pytest -q -n0 -p no:cacheprovider tests/assignments/test_assignments.py "
                     "-k 'headlessly and residual_networks'", 1800)
    assert public.returncode == 0 and public.stdout.splitlines()[-1].startswith("1 passed"), f"{public.stdout[-6000:]}\n{public.stderr[-3000:]}"
