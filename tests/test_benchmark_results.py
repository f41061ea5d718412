"""The README quotes the committed benchmark results (benchmarks/results/*.json), never numbers of its own."""

from __future__ import annotations

import json


def test_readme_quotes_the_committed_class_scale_result(repo):
    result = json.loads((repo / "benchmarks" / "results" / "class_scale.json").read_text())
    assert {"command", "date", "commit", "machine", "workers", "students_per_assignment"} <= set(result)
    submissions = result["students_per_assignment"] * len(result["assignments"])
    minutes = result["total_seconds"] / 60
    readme = " ".join((repo / "README.md").read_text().split())
    assert f"{submissions} submissions took {minutes:.1f} minutes" in readme
    assert f"commit {result['commit']}" in readme and f"{result['workers']} workers" in readme
