"""Fixtures the grader's tests share: a real PostgreSQL server for the shared-gradebook tests."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on a Unix socket, started for these tests."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert binaries, "PostgreSQL is not installed: `make test` installs it (scripts/install-system-deps)"
    bin_dir = Path(binaries[-1])
    # Not under pytest's private temp folder: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="cnn-grader-pg-"))
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    as_user = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(socket_dir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    root.chmod(0o755)
    subprocess.run([*as_user, bin_dir / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust"],
                   check=True, capture_output=True)
    port = "54329"
    server = subprocess.Popen([*as_user, bin_dir / "postgres", "-D", data_dir, "-k", socket_dir, "-p", port,
                               "-c", "listen_addresses="], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        ready = subprocess.run([bin_dir / "pg_isready", "-h", socket_dir, "-p", port], capture_output=True)
        if ready.returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run([*as_user, bin_dir / "createdb", "-h", socket_dir, "-p", port, "-U", "postgres", "gradebook"],
                   check=True)
    yield f"postgresql+psycopg2://postgres@/gradebook?host={socket_dir}&port={port}"
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)
