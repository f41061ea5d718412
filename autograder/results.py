"""What grading a submission produces: each test's points and message, and the submission's result."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from autograder.lateness import Lateness


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str
    auto_points: float | None = None  # where an instructor set the score by hand: what the tests gave


@dataclass
class SubmissionResult:
    student: str
    assignment_id: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""  # why the run did not complete normally, if it did not
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    fingerprint: str = ""
    grader_errors: list[str] = field(default_factory=list)  # for the instructor: faults of the grader
    # limit -> what enforced it on the machine that ran the notebook (autograder.enforcement); {}: not run
    limits_enforced: dict[str, str] = field(default_factory=dict)
    lateness: Lateness = field(default_factory=Lateness)  # when it came, and the late penalty
    forked_from: str = ""  # the warm sandbox (zygote) the run was forked from; "" for a run in a fresh Python

    @property
    def raw_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def score(self) -> float:
        """The points the student gets: the tests' minus the late penalty."""
        return max(0.0, self.raw_score - self.lateness.penalty)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data["tests"]]
        data["lateness"] = Lateness(**data.get("lateness", {}))
        return cls(**data)
