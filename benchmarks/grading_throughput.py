"""Grading throughput: our grader vs plain `nbgrader autograde` on the same submissions.

    python benchmarks/grading_throughput.py --assignment residual_networks --copies 4

Both grade N copies of the assignment's solution in one run. Ours runs the fast grading
parameters in parallel sandboxes; plain nbgrader runs every notebook in full, one at a time,
as instructors use it (cell timeout raised so that training can finish). Reports submissions
per minute, peak memory per worker and both sets of scores, to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402
from autograder.course import Course, GraderConfig  # noqa: E402
from autograder.gradebook import CourseGradebook  # noqa: E402
from autograder.references import plain_folder  # noqa: E402


class PeakMemory(threading.Thread):
    """Peak resident memory of this process's descendants, sampled."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb, self.running = 0.0, True

    def run(self):
        me = psutil.Process()
        while self.running:
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)
            time.sleep(0.5)


def ours(assignment_id: str, copies: int, workers: int, root: Path) -> dict:
    course = Course(GraderConfig(repo=REPO, course_dir=root / "ours", workers=workers))
    assignment = course.assignment(assignment_id)
    started = time.monotonic()
    course.references(assignment)  # built once, reused by autograde below
    references_seconds = time.monotonic() - started
    for index in range(copies):
        folder = course.root / "submitted" / f"student{index:03d}" / assignment_id
        folder.mkdir(parents=True)
        shutil.copyfile(assignment.source_path, folder / f"{assignment.notebook_name}.ipynb")
    monitor = PeakMemory()
    monitor.start()
    started = time.monotonic()
    results = course.autograde(assignment_id, progress=False)
    seconds = time.monotonic() - started
    monitor.running = False
    return {
        "seconds": round(seconds, 1),
        "references_seconds": round(references_seconds, 1),
        "per_submission_seconds": [r.seconds for r in results],
        "submissions_per_minute": round(60 * copies / seconds, 2),
        "peak_memory_per_worker_mb": round(max(r.peak_memory_mb for r in results), 0),
        "scores": sorted(r.score for r in results),
        "workers": workers,
    }


def plain_nbgrader(assignment_id: str, copies: int, root: Path, references: Path) -> dict:
    course_root = root / "plain"
    shutil.copytree(REPO / "solutions" / assignment_id, course_root / "source" / assignment_id)
    notebook = next((course_root / "source" / assignment_id).glob("*.ipynb")).name
    for index in range(copies):
        folder = course_root / "submitted" / f"student{index:03d}" / assignment_id
        folder.mkdir(parents=True)
        shutil.copyfile(course_root / "source" / assignment_id / notebook, folder / notebook)
    (course_root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.db_url = 'sqlite:///gradebook.db'\n"
        "c.ExecutePreprocessor.timeout = 7200\n")
    env = {**os.environ, "CNN_GRADER_REFERENCES": str(references),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment_id, "--force"],
                   cwd=course_root, env=env, check=True, capture_output=True)
    monitor = PeakMemory()
    monitor.start()
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment_id, "--create", "--force"],
                         cwd=course_root, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    monitor.running = False
    scores = CourseGradebook(f"sqlite:///{course_root / 'gradebook.db'}").scores(assignment_id)
    return {
        "seconds": round(seconds, 1),
        "submissions_per_minute": round(60 * copies / seconds, 2),
        "peak_memory_mb": round(monitor.peak_mb, 0),
        "scores": sorted(scores.values()),
        "returncode": run.returncode,
        "log_tail": run.stderr[-1500:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", choices=registry.assignment_ids(REPO), default="residual_networks")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-plain", action="store_true", help="only time our grader")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        root = Path(tmp)
        report = {"assignment": args.assignment, "copies": args.copies, "cores": os.cpu_count(),
                  "ours": ours(args.assignment, args.copies, args.workers, root)}
        if not args.skip_plain:
            report["plain_nbgrader"] = plain_nbgrader(args.assignment, args.copies, root, plain_folder(root / "ours"))
            report["throughput_ratio"] = round(
                report["ours"]["submissions_per_minute"] / report["plain_nbgrader"]["submissions_per_minute"], 1)
    out = REPO / "benchmarks" / "results" / f"grading_{args.assignment}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items()}, indent=2))


if __name__ == "__main__":
    main()
