"""``doctor`` reports what this host offers; grading refuses a host where no kernel limit bounds memory."""

from __future__ import annotations

import json

import pytest

from autograder import cgroups, doctor, enforcement
from autograder.cgroups import Placement
from autograder.cli import main
from autograder.results import SubmissionResult
from autograder.spec import Limits


def test_doctor_runs_here_and_says_what_enforces_each_limit(tmp_path, capsys):
    assert main(["--course", str(tmp_path / "course"), "doctor"]) == 0
    out = capsys.readouterr().out
    for name in ("bubblewrap", "user namespaces", "cgroups", "tmpfs job folders", "versions", "course data",
                 "gradebook", "free disk (/tmp)", *(f"limit: {name}" for name in enforcement.LIMIT_NAMES)):
        assert name in out
    assert "Grading here is safe" in out


@pytest.mark.parametrize("version, ok", [("bubblewrap 0.6.1", False), ("bubblewrap 0.4.0", False),
                                         ("bubblewrap 0.7.0", True), ("bubblewrap 0.11.0", True)])
def test_an_old_bubblewrap_is_reported_unsafe(version, ok):
    row = doctor.probe_bubblewrap(version)
    assert row.ok == ok and (ok or "older than 0.7" in row.detail)
    assert bool(doctor.unsafe([row])) != ok


def test_no_bubblewrap_is_reported_unsafe():
    row = doctor.probe_bubblewrap(None)
    assert not row.ok and "apt-get install bubblewrap" in row.detail and doctor.unsafe([row])


@pytest.fixture
def no_cgroups(monkeypatch):
    """This host as one where no cgroup can be created (a non-root user on a v2 host, say)."""
    monkeypatch.setattr(cgroups, "this_host", lambda: Placement(None, "cgroup v2: /x is not delegated to this user"))
    monkeypatch.setattr(enforcement, "this_host", cgroups.this_host)
    enforcement.enforcement.cache_clear()
    yield
    enforcement.enforcement.cache_clear()


def test_without_a_memory_cgroup_the_watchdog_is_named_and_grading_refused(no_cgroups, tmp_path, capsys):
    enforced = enforcement.enforcement(Limits())
    assert enforced["memory"] == enforced["processes"] == enforcement.WATCHDOG
    with pytest.raises(enforcement.UnenforcedLimits, match="not delegated.*--allow-unenforced-limits"):
        enforcement.require_kernel_limits(Limits(), allow_unenforced=False)
    assert enforcement.require_kernel_limits(Limits(), allow_unenforced=True) == enforced
    assert main(["--course", str(tmp_path), "autograde", "tiny"]) == 2
    assert "Refusing to grade" in capsys.readouterr().err
    assert doctor.unsafe(doctor.probe_limits(Limits(), allow_unenforced=False))
    assert not doctor.unsafe(doctor.probe_limits(Limits(), allow_unenforced=True))


def test_an_old_result_without_limits_enforced_still_loads():
    old = json.loads(SubmissionResult("alice", "tiny").to_json())
    del old["limits_enforced"]
    assert SubmissionResult.from_json(json.dumps(old)).limits_enforced == {}
