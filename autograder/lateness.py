"""Late work: when a submission came, when it was due for that student, and the points it costs.

The course's policy is one small file, ``<course>/policy.json`` (none: nothing is late)::

    {"timezone": "Europe/Berlin",
     "assignments": {"residual_networks": {"due": "2024-03-01 23:59", "penalty": "per_day",
                                           "percent_per_day": 10, "cutoff": "2024-03-08 23:59"}},
     "extensions": {"residual_networks": {"jose--24c2ab65b7": 2}}}

``timezone`` (default UTC) applies to every time written without an offset: due dates, cut-offs
and the times in an LMS zip, which carry none. ``penalty``: ``none`` (late work is only flagged),
``per_day`` (``percent_per_day`` of the maximum score per started day late) or ``cutoff`` (nothing
off until ``cutoff``); after a ``cutoff`` a submission scores 0 whatever the penalty. An extension
(days, per student id) moves the due date and the cut-off. The submission time is nbgrader's
``submitted/<student>/<assignment>/timestamp.txt``, which ``collect`` writes (with ``late.txt``
where the LMS marked the submission late).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

POLICY_FILE = "policy.json"
TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's name for a submission's time
# Beside it, nbgrader's exchange's secret of one submission: release_feedback and fetch_feedback find a
# student's feedback page by a hash of it (and the notebook's name), so it travels with the submission.
SECRET_FILE = "submission_secret.txt"
LATE_MARKER_FILE = "late.txt"  # beside it: the LMS marked the submission late
PENALTIES = ("none", "per_day", "cutoff")
_ASSIGNMENT_KEYS = {"due", "penalty", "percent_per_day", "cutoff"}


class PolicyError(ValueError):
    """policy.json is malformed; the message says where."""


@dataclass
class Lateness:
    """How late one submission was and what it cost (all times ISO 8601 in UTC, "" if unknown)."""

    submitted_at: str = ""
    lms_marked_late: bool = False  # the LMS named the file late
    due: str = ""  # for this student, extension included
    extension_days: float = 0.0
    late_seconds: float = 0.0
    penalty: float = 0.0  # points taken off the score
    why: str = ""  # the rule that cost them, for the student

    @property
    def late(self) -> bool:
        return self.late_seconds > 0 or self.lms_marked_late


@dataclass(frozen=True)
class Policy:
    timezone: str = "UTC"
    assignments: dict | None = None
    extensions: dict | None = None

    def parse_time(self, text: str) -> datetime:
        """A time from the policy, an LMS or timestamp.txt, as UTC; without an offset: in ``timezone``."""
        text = text.strip()
        if text.endswith(" UTC"):
            text = text[:-4] + "+00:00"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.timezone))
        return moment.astimezone(UTC)

    def assess(self, assignment_id: str, student: str, submitted_at: str, lms_marked_late: bool,
               raw_score: float, max_score: float) -> Lateness:
        """The lateness of ``student``'s submission of ``assignment_id`` and its penalty in points."""
        rules = (self.assignments or {}).get(assignment_id, {})
        days = float((self.extensions or {}).get(assignment_id, {}).get(student, 0))
        found = Lateness(submitted_at=_iso(self.parse_time(submitted_at)) if submitted_at else "",
                         lms_marked_late=lms_marked_late, extension_days=days)
        if "due" not in rules:
            return found
        extension = timedelta(days=days)
        due = self.parse_time(rules["due"]) + extension
        found.due = _iso(due)
        if not submitted_at:
            found.why = "no submission time is known, so no late penalty was computed" if lms_marked_late else ""
            return found
        moment = self.parse_time(submitted_at)
        found.late_seconds = max(0.0, (moment - due).total_seconds())
        if not found.late_seconds:
            return found
        if "cutoff" in rules and moment > self.parse_time(rules["cutoff"]) + extension:
            found.penalty, found.why = raw_score, "handed in after the cut-off: no points"
        elif rules.get("penalty") == "per_day":
            started_days = math.ceil(found.late_seconds / 86400)
            percent = min(100.0, started_days * float(rules["percent_per_day"]))
            found.penalty = min(raw_score, max_score * percent / 100)
            found.why = f"{started_days} day(s) late at {rules['percent_per_day']:g}% of the maximum a day"
        return found


def read_policy(course_dir: Path) -> Policy:
    """``<course>/policy.json`` validated (a :class:`PolicyError` says what is wrong); none: no policy."""
    path = Path(course_dir) / POLICY_FILE
    if not path.is_file():
        return Policy()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        policy = Policy(data.get("timezone", "UTC"), data.get("assignments", {}), data.get("extensions", {}))
        ZoneInfo(policy.timezone)
        for name, rules in policy.assignments.items():
            unknown = set(rules) - _ASSIGNMENT_KEYS
            if unknown or rules.get("penalty", "none") not in PENALTIES:
                raise PolicyError(f"assignment {name}: unknown keys {sorted(unknown)} or penalty "
                                  f"{rules.get('penalty')!r} (one of {', '.join(PENALTIES)})")
            if rules.get("penalty") == "per_day":
                float(rules["percent_per_day"])
            if rules.get("penalty") == "cutoff" and "cutoff" not in rules:
                raise PolicyError(f"assignment {name}: penalty 'cutoff' needs a cutoff time")
            for key in ("due", "cutoff"):
                if key in rules:
                    policy.parse_time(rules[key])
        for days in policy.extensions.values():
            [float(d) for d in days.values()]
    except PolicyError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, LookupError) as error:
        raise PolicyError(f"{path}: {type(error).__name__}: {error}") from None
    return policy


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
