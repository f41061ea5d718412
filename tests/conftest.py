"""Shared fixtures: the repository, a tiny fast assignment for grader tests, temp courses."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder import registry

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "_build" / "html"
ASSIGNMENTS = registry.assignment_ids(REPO)  # every graded assignment, as the grader finds them
# The grader's fixture notebooks are data for tests, not notebooks for nbval to run.
collect_ignore_glob = ["grader/fixture/*"]
# `make test` runs pytest-xdist workers, each taking whole files (--dist loadfile); None when pytest runs alone.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID")


def run_folder(config) -> Path:
    """The folder the workers of this run share: the parent of each one's basetemp (pytest prunes old ones)."""
    return Path(config.option.basetemp).parent


@contextlib.contextmanager
def run_lock(config, name: str, mode: int = fcntl.LOCK_EX):
    """A lock the workers of this run share."""
    with open(run_folder(config) / f"{name}.lock", "a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def passwd_lock(config, mode: int = fcntl.LOCK_EX):
    """Held while a test changes the host's /etc/passwd (exclusive) or binds its own over it (shared): useradd
    renames a new file over it, which detaches a bind mount on the old one in every namespace."""
    if RUN_ID is None:
        yield
    else:
        with run_lock(config, "passwd", mode):
            yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test marked ``alone`` (it measures the whole machine) runs while no other worker runs a test."""
    if RUN_ID is None:
        return (yield)
    with run_lock(item.config, "alone", fcntl.LOCK_EX if item.get_closest_marker("alone") else fcntl.LOCK_SH):
        return (yield)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to the test output."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory) -> Path:
    """A course repository holding only the tiny fixture assignment, released by nbgrader."""
    from autograder.release import generate_release

    root = tmp_path_factory.mktemp("tiny-repo")
    shutil.copytree(REPO / "tests" / "grader" / "fixture", root, dirs_exist_ok=True)
    generate_release(root, "tiny")
    return root

def build_site() -> Path:
    """Build the book (jupyter-cache re-executes only changed chapters) and return _build/html."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", "--warningiserror", "--keep-going", str(REPO)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"jupyter-book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    return SITE


@pytest.fixture(scope="session")
def built_site(pytestconfig) -> Path:
    """The book built once per run: under pytest-xdist the first worker builds it, the other reuses it."""
    if RUN_ID is None:
        return build_site()
    with run_lock(pytestconfig, "site"):
        built = run_folder(pytestconfig) / "site.built"
        if not built.exists():
            build_site()
            built.touch()
    return SITE


@pytest.fixture(scope="session")
def site_url(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Chromium is missing: `make test` installs Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver, env={**os.environ}), options=options)
    session.set_page_load_timeout(60)
    yield session
    session.quit()
