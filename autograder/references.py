"""Reference observations: the instructor's solution run through the same observers and sandbox.

Every grading run draws a secret seed (:func:`new_seed`); the observers draw their inputs,
weights and cases from it, and the references are the solution's observations under that seed.
So an observation copied from any other run, or published, matches nothing. The seed and the
references live only in the trusted process and the instructor's grading folder.

Before anything is taken from the solution's run, the run itself must be clean: every cell
executed without an error, every test observed. Otherwise the grader refuses to grade (a fault
of the course, reported to the instructor), rather than judging students against a broken key.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from autograder import observations, untrusted

log = logging.getLogger("autograder")
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


def build(assignment, seed: int, work_root: Path | None = None) -> References:
    """Run the solution under ``seed``; raise :class:`ReferenceError` unless it ran cleanly."""
    from autograder.grading import execute
    from autograder.notebooks import answers_from_source, assemble

    answers = answers_from_source(assignment.source_path, assignment.notebook.answer_ids)
    assembled = assemble(assignment.notebook, answers, assignment.checks, seed)
    execution = execute(assignment, assembled, seed, work_root)
    problems = []
    if execution.reason:
        problems.append(execution.reason)
    if execution.status.get("status") != "ok":
        problems.append(f"runner status {execution.status.get('status')!r}: {execution.status.get('message', '')}")
    problems += [f"a cell raised {text}" for text in execution.found.cell_errors]
    payloads = {}
    for test in assignment.notebook.tests:
        payload = execution.found.payloads.get(test.grade_id) or {"error": "no observation"}
        if "value" not in payload:
            problems.append(f"{test.grade_id}: {payload.get('error')}")
            continue
        payloads[test.grade_id] = {"value": observations.decode(payload["value"])}
    if problems:
        log.error("solution of %s failed; sandbox stderr:\n%s", assignment.assignment_id,
                  untrusted.framed(execution.run.stderr))
        raise ReferenceError(f"The solution of {assignment.assignment_id} ({assignment.source_path}) does not run "
                             "cleanly, so no submission can be graded against it: " + "; ".join(problems[:10]))
    return References(seed, payloads, round(execution.run.seconds, 1), assignment.fingerprint())


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


def run_in_kernel(assignment_id: str, grade_id: str, namespace: dict) -> None:
    """Plain-nbgrader fallback for a hidden test cell: observe and judge in the kernel.

    Only for ``nbgrader autograde`` without our grader; it trusts the kernel, which
    ``python -m autograder`` never does.
    """
    from autograder import checks as checks_api
    from autograder import kernel

    checks = checks_api.load(assignment_id)
    references = load_plain(assignment_id)
    kernel.SEED = references.seed
    try:
        value = observations.decode(json.loads(json.dumps(
            observations.encode(checks.checks[grade_id].observe(namespace, kernel)))))
        student = {"value": value}
    except Exception as error:  # noqa: BLE001
        student = {"error": f"{type(error).__name__}: {error}"}
    verdict = checks.verdict(grade_id, student, references.payloads.get(grade_id))
    assert verdict.passed, verdict.message
