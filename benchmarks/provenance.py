"""Where a benchmark result comes from: command, date, commit and machine, stored with the result."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def commit() -> str:
    """The checked-out commit, with ``+changes`` when the working tree differs from it."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def provenance() -> dict:
    return {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit(),
            "machine": {"node": platform.node(), "platform": platform.platform(), "cpus": os.cpu_count(),
                        "python": platform.python_version()}}


def recorded_assignments(path: Path) -> dict[str, dict]:
    """The per-assignment results already in ``path`` (``{"assignments": {id: result}}``), each with its own
    provenance, so that a run of some assignments keeps the others'. An older file's one provenance for all
    is copied into each."""
    if not path.is_file():
        return {}
    old = json.loads(path.read_text())
    shared = {key: value for key, value in old.items() if key != "assignments"}
    return {assignment_id: {**shared, **result} for assignment_id, result in old.get("assignments", {}).items()}
