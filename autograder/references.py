"""Reference observations: the instructor's solution run through the same observers and sandbox
(:func:`autograder.grading.build_references`), kept as data.

Every grading run draws a secret seed (:func:`new_seed`); the observers draw their inputs,
weights and cases from it, and the references are the solution's observations under that seed.
So an observation copied from any other run, or published, matches nothing. The seed and the
references live only in the trusted process and the instructor's grading folder.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from autograder import observations

PLAIN_ENV = "CNN_GRADER_REFERENCES"  # folder of references for the plain-nbgrader fallback


class ReferenceError(RuntimeError):
    """The instructor's solution does not run cleanly, so nothing can be graded against it."""


@dataclass
class References:
    seed: int
    payloads: dict[str, dict] = field(default_factory=dict)  # grade_id -> {"value": decoded observation}
    seconds: float = 0.0  # how long the solution's notebook ran in the sandbox
    fingerprint: str = ""

    def to_json(self) -> str:
        raw = {gid: {"value": observations.encode(p["value"])} for gid, p in self.payloads.items()}
        return json.dumps({"seed": self.seed, "seconds": self.seconds, "fingerprint": self.fingerprint,
                           "payloads": raw})

    @classmethod
    def from_json(cls, text: str) -> References:
        data = json.loads(text)
        payloads = {gid: {"value": observations.decode(p["value"])} for gid, p in data["payloads"].items()}
        return cls(int(data["seed"]), payloads, float(data.get("seconds", 0)), data.get("fingerprint", ""))

    def save(self, path: Path) -> Path:
        """Write atomically, readable by the instructor only (the seed is a secret)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json())
        tmp.chmod(0o600)
        os.replace(tmp, path)
        return path


def new_seed() -> int:
    return secrets.randbits(63)


# --- the plain-nbgrader fallback ----------------------------------------------------------


def plain_folder() -> Path:
    default = Path.home() / ".cache" / "cnn-course" / "references"
    return Path(os.environ.get(PLAIN_ENV) or default)


def load_plain(assignment_id: str, folder: Path | None = None) -> References:
    path = (folder or plain_folder()) / f"{assignment_id}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"No reference observations for '{assignment_id}' at {path}. "
            f"Create them with: python -m autograder references {assignment_id}"
        )
    return References.from_json(path.read_text())
