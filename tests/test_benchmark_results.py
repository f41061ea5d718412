"""The README quotes the committed benchmark results (benchmarks/results/*.json), never numbers of its own."""

from __future__ import annotations

import json


def test_readme_quotes_the_committed_class_scale_result(repo):
    result = json.loads((repo / "benchmarks" / "results" / "class_scale.json").read_text())
    readme = " ".join((repo / "README.md").read_text().split())
    for assignment_id, graded in result["assignments"].items():
        assert {"command", "date", "commit", "machine", "workers", "students"} <= set(graded)
        commit = graded["commit"].removesuffix("+changes")
        quoted = f"{assignment_id} in {graded['total_seconds'] / 60:.1f} minutes (commit {commit}"
        assert quoted in readme, f"README should say: {quoted}"
        assert f"{graded['students']} generated students" in readme and f"{graded['workers']} workers" in readme
