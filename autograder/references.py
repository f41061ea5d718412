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

AUTOGRADED = "autograded"  # nbgrader's folder of the submissions it runs (CourseDirectory.autograded_directory)
PLAIN_ENV = "CNN_GRADER_REFERENCES"  # a folder of references for the plain-nbgrader fallback, instead of the course's


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


def plain_folder(course_root: Path) -> Path:
    """Where a grading folder keeps the references of its last run for plain nbgrader's hidden tests."""
    return Path(course_root) / "references" / "plain"


def load_plain(assignment_id: str, start: Path | None = None) -> References:
    """The references plain nbgrader's hidden tests judge against: in ``$CNN_GRADER_REFERENCES`` if it is
    set, else in the grading folder that holds ``start`` (the kernel's folder: nbgrader runs a submission
    in ``<course>/autograded/<student>/<assignment>/``), found by looking upwards from above the
    ``autograded`` folder: nbgrader copies everything a student hands in there, so a file below it is theirs."""
    name = f"{assignment_id}.json"
    if os.environ.get(PLAIN_ENV):
        candidates = [Path(os.environ[PLAIN_ENV]) / name]
    else:
        here = Path(start or Path.cwd()).resolve()
        above = [here, *here.parents]
        graded = next((index for index, folder in enumerate(above) if folder.name == AUTOGRADED), None)
        candidates = [plain_folder(folder) / name for folder in above[0 if graded is None else graded + 1:]]
    for path in candidates:
        if path.is_file():
            return References.from_json(path.read_text())
    where = candidates[0] if len(candidates) == 1 else f"references/plain/{name} in {candidates[0].parents[2]} or above"
    raise FileNotFoundError(f"No reference observations for '{assignment_id}' at {where}. "
                            f"Create them with: python -m autograder references {assignment_id}")
