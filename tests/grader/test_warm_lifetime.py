"""A warm sandbox lives for one grading run: retired alone when it fails, its spool removed, never started
for a run with nothing to grade. Fast: no zygote is started here."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from autograder import warm
from autograder.disk import remove_stale_folders
from autograder.sandbox import DEFAULT_SANDBOX_UID, STAGE_PREFIX, Sandbox


def _sleeping_zygote(slot: warm.WarmSandbox) -> None:
    """Stands in for WarmSandbox.start: a spool and a sleeping process, no sandbox."""
    slot.spool.mkdir()
    slot.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.fixture
def slots():
    """Two zygotes of run 1 and one of run 2 in this thread's slots (each a sleeping process)."""
    made = [warm.WarmSandbox(Sandbox(), [], key=("kind", run, index), run=run) for index, run in enumerate((1, 1, 2))]
    for slot in made:
        _sleeping_zygote(slot)
    with warm._slots_lock:
        warm._slots.update({(threading.get_ident(), slot.key): slot for slot in made})
    yield made
    warm.close_all()
    warm._failed.clear()


def test_closing_a_run_closes_its_zygotes_only(slots):
    warm.close_run(1)
    assert [slot.alive for slot in slots] == [False, False, True]
    assert [slot.spool.exists() for slot in slots] == [False, False, True]
    assert warm.running() == [slots[2]]
    assert list(warm._slots.values()) == [slots[2]], "the slot table holds live zygotes only"


def test_the_next_grading_run_with_the_same_seed_starts_a_fresh_zygote_quietly(monkeypatch, caplog):
    monkeypatch.setattr(warm.WarmSandbox, "start", _sleeping_zygote)
    try:
        first = warm.slot_for(Sandbox(), [], run=1)
        warm.close_run(1)  # the end of a grading run
        with caplog.at_level(logging.WARNING, logger="autograder"):
            second = warm.slot_for(Sandbox(), [], run=1)
        assert second is not first and second.alive and warm.running() == [second]
        assert "died" not in caplog.text, "a zygote closed with its run did not die"
    finally:
        warm.close_all()


def test_a_zygote_that_fails_isolation_after_its_first_run_is_retired_alone(slots):
    damaged, fresh = slots[0], slots[1]
    damaged.runs, fresh.runs = 5, 1
    warm.retire(damaged, warm.IsolationFailed("a run could not be isolated"))
    assert not damaged.alive and damaged.key not in warm._failed, "warm mode stays on for the class"
    assert damaged not in warm._slots.values()
    warm.retire(fresh, warm.IsolationFailed("a run could not be isolated"))
    assert fresh.key in warm._failed, "a fresh zygote's first run failing means this host cannot isolate runs"


@pytest.mark.parametrize("prefix", [warm.SPOOL_PREFIX, STAGE_PREFIX])
def test_folders_of_graders_that_are_gone_are_removed(prefix):
    """Spools and stage folders carry their grader's pid: a killed grader's are swept, nothing else is."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    root, dead = Path(tempfile.gettempdir()), gone.stdout.strip()
    stale, ours = root / f"{prefix}{dead}-deadbeef", root / f"{prefix}{os.getpid()}-cafe"
    foreign = root / f"{prefix}{dead}-f0e1"  # another user's
    link, target = root / f"{prefix}{dead}-link", Path(tempfile.mkdtemp())  # never followed, never removed
    for folder in (stale, ours):
        (folder / "job-00000").mkdir(parents=True)
    if os.geteuid() == 0:  # only root may give a folder to another user
        foreign.mkdir()
        os.chown(foreign, DEFAULT_SANDBOX_UID, DEFAULT_SANDBOX_UID)
    (target / "kept").touch()
    link.symlink_to(target)
    try:
        remove_stale_folders(prefix)
        assert not stale.exists() and ours.exists() and foreign.exists() == (os.geteuid() == 0)
        assert link.is_symlink() and (target / "kept").exists()
    finally:
        for path in (stale, ours, foreign, link, target):
            subprocess.run(["rm", "-rf", str(path)], check=True)
