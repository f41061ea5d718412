"""A warm sandbox lives for one grading run: retired alone when it fails, its spool removed, never started
for a run with nothing to grade. Fast: no zygote is started here."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import warm
from autograder.sandbox import Sandbox


@pytest.fixture
def slots():
    """Two zygotes of run 1 and one of run 2, as far as the bookkeeping goes (each a sleeping process)."""
    made = []
    for run in (1, 1, 2):
        slot = warm.WarmSandbox(Sandbox(), [], key=("kind", run, len(made)), run=run)
        slot.spool.mkdir()
        slot.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        made.append(slot)
    with warm._all_lock:
        warm._all.extend(made)
    yield made
    for slot in made:
        slot.close()
    warm._failed.clear()


def test_closing_a_run_closes_its_zygotes_only(slots):
    warm.close_run(1)
    assert [slot.alive for slot in slots] == [False, False, True]
    assert [slot.spool.exists() for slot in slots] == [False, False, True]
    assert warm.running() == [slots[2]]


def test_a_zygote_that_fails_isolation_after_its_first_run_is_retired_alone(slots):
    damaged, fresh = slots[0], slots[1]
    damaged.runs, fresh.runs = 5, 1
    warm.retire(damaged, warm.IsolationFailed("a run could not be isolated"))
    assert not damaged.alive and damaged.key not in warm._failed, "warm mode stays on for the class"
    warm.retire(fresh, warm.IsolationFailed("a run could not be isolated"))
    assert fresh.key in warm._failed, "a fresh zygote's first run failing means this host cannot isolate runs"


def test_spools_of_graders_that_are_gone_are_removed():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    root = Path(tempfile.gettempdir())
    stale = root / f"{warm.SPOOL_PREFIX}{gone.stdout.strip()}-deadbeef"
    ours = root / f"{warm.SPOOL_PREFIX}{os.getpid()}-cafe"
    for folder in (stale, ours):
        (folder / "job-00000").mkdir(parents=True)
    try:
        warm.remove_stale_spools()
        assert not stale.exists() and ours.exists()
    finally:
        for folder in (stale, ours):
            subprocess.run(["rm", "-rf", str(folder)], check=True)
