"""The instructor workflow through the command line: collect, grade, resume, feedback, export, report."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

from autograder.collect import collect_zip
from autograder.course import Course, GraderConfig
from tests.grader.tiny_course import tiny_cli as _cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lms_zip(tiny_repo, tmp_path_factory):
    """A Canvas-style export: correct, partial and unanswered notebooks plus junk."""
    folder = tmp_path_factory.mktemp("lms")
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    release = (tiny_repo / "assignments" / "tiny" / "Tiny.ipynb").read_text()
    partial = json.loads(json.dumps(solution))
    for cell in partial["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer_mean":
            cell["source"] = ("from IPython.display import HTML, Javascript, display\n"
                              "display(HTML(\"<script>alert('bob')</script>\"))\n"
                              "display(Javascript(\"alert('js')\"))\n"
                              "def mean(values):\n    return 0\n")
    archive = folder / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("alice_1001_5551_Tiny.ipynb", json.dumps(solution))
        bundle.writestr("bob_late_1002_5552_Tiny.ipynb", json.dumps(partial))
        bundle.writestr("carol/Tiny.ipynb", release)
        bundle.writestr("../../escape_1003_1_Tiny.ipynb", json.dumps(solution))
        bundle.writestr("readme.txt", "not a notebook")
    return archive


@pytest.fixture(scope="module")
def graded_course(tiny_repo, lms_zip, tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("workflow-course")
    assert _cli(tiny_repo, course_dir, "collect", "tiny", str(lms_zip)) == 0
    assert _cli(tiny_repo, course_dir, "autograde", "tiny") == 0
    return course_dir


def test_collect_reads_lms_names_and_folders_and_refuses_traversal(graded_course):
    assert sorted(p.name for p in (graded_course / "submitted").iterdir()) == ["alice", "bob", "carol"]
    assert not (graded_course.parent / "escape").exists()


def test_scores_land_in_the_gradebook(tiny_repo, graded_course):
    course = Course(GraderConfig(repo=tiny_repo, course_dir=graded_course))
    assert course.gradebook().scores("tiny") == {"alice": 6.0, "bob": 3.0, "carol": 1.0}


def test_rerun_grades_only_what_changed(tiny_repo, graded_course, capsys):
    references = graded_course / "references" / "tiny.json"
    built = references.read_bytes()
    assert _cli(tiny_repo, graded_course, "autograde", "tiny") == 0
    assert "graded 0 submissions (3 unchanged, skipped)" in capsys.readouterr().out
    assert references.read_bytes() == built, "nothing to grade: no references are built (a new seed would change them)"
    notebook = graded_course / "submitted" / "carol" / "tiny" / "Tiny.ipynb"
    solution = (tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text()
    notebook.write_text(solution)
    assert _cli(tiny_repo, graded_course, "autograde", "tiny") == 0
    assert "graded 1 submissions (2 unchanged, skipped)" in capsys.readouterr().out
    course = Course(GraderConfig(repo=tiny_repo, course_dir=graded_course))
    assert course.gradebook().scores("tiny")["carol"] == 6.0


def test_interrupted_run_resumes_without_losing_grades(tiny_repo, graded_course, capsys):
    # An interruption leaves some results recorded and others missing: only the missing are graded.
    (graded_course / "autograded" / "bob" / "tiny" / "result.json").unlink()
    assert _cli(tiny_repo, graded_course, "autograde", "tiny") == 0
    assert "graded 1 submissions (2 unchanged, skipped)" in capsys.readouterr().out
    assert _cli(tiny_repo, graded_course, "autograde", "tiny", "--force") == 0
    assert "graded 3 submissions" in capsys.readouterr().out


def test_feedback_export_and_report(tiny_repo, graded_course):
    assert _cli(tiny_repo, graded_course, "feedback", "tiny") == 0
    page = (graded_course / "feedback" / "bob" / "tiny" / "Tiny.html").read_text()
    assert "3 / 6" in page and "test_mean" in page and "the mean of three secret lists: expected [" in page
    assert "run_in_kernel" not in page and "def observe_" not in page and "BEGIN HIDDEN" not in page
    assert _cli(tiny_repo, graded_course, "export") == 0
    rows = list(csv.DictReader(open(graded_course / "reports" / "grades.csv", encoding="utf-8-sig")))
    assert {(r["student"], r["score"]) for r in rows} == {("alice", "6"), ("bob", "3"), ("carol", "6")}
    assert _cli(tiny_repo, graded_course, "report", "tiny") == 0
    report = (graded_course / "reports" / "tiny.html").read_text()
    assert report.count("data:image/png;base64,") == 3 and "Failure rate per test" in report


def test_kept_executed_notebooks_run_nothing_in_formgrader(graded_course):
    kept = json.loads((graded_course / "autograded" / "bob" / "tiny" / "Tiny.ipynb").read_text())
    outputs = [o for cell in kept["cells"] for o in cell.get("outputs", [])]
    mime_types = {mime for o in outputs for mime in o.get("data", {})}
    assert mime_types <= {"text/plain", "image/png", "image/jpeg", "image/gif"}, mime_types
    shown = {o["data"]["text/plain"].split("\n")[0] for o in outputs if "text/plain" in o.get("data", {})}
    assert {"<IPython.core.display.HTML object>", "<IPython.core.display.Javascript object>"} <= shown
    sources = "".join(o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {}))
    assert "[text/html output shown as text by the grader]" in sources, "the instructor still sees what it was"


def test_export_to_canvas_and_moodle_puts_each_lms_user_in_their_row(tiny_repo, graded_course, capsys):
    assert _cli(tiny_repo, graded_course, "export", "--format", "canvas", "--lms-id", "tiny=4711") == 0
    assert "left out 1 students with no canvas user id: carol" in capsys.readouterr().out
    table = list(csv.reader(open(graded_course / "reports" / "canvas.csv", encoding="utf-8-sig")))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "tiny (4711)"]
    assert table[1:] == [["    Points Possible", "", "", "", "", "6"], ["alice", "1001", "", "", "", "6"],
                         ["bob", "1002", "", "", "", "3"]]
    assert _cli(tiny_repo, graded_course, "export", "--format", "moodle") == 2  # one assignment per worksheet
    assert _cli(tiny_repo, graded_course, "export", "--format", "moodle", "--assignment", "tiny") == 0
    table = list(csv.reader(open(graded_course / "reports" / "moodle-tiny.csv", encoding="utf-8-sig")))
    assert table[0][0] == "Identifier" and len(table) == 1  # collected from Canvas: no Moodle participant


def test_feedback_escapes_student_text(tiny_repo, tmp_path):
    from autograder.reports import feedback_html
    from autograder.results import SubmissionResult, TestResult

    result = SubmissionResult("eve", "tiny", [TestResult("test_square", 0, 2, False, "<script>alert(1)</script>")])
    assert "<script>" not in feedback_html(result)


def test_zip_bombs_and_links_are_skipped(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        link = zipfile.ZipInfo("mallory_1_1_Tiny.ipynb")
        link.external_attr = 0o120777 << 16
        bundle.writestr(link, "/etc/passwd")
    summary = collect_zip(archive, tmp_path / "course", "tiny")
    assert summary.collected == [] and summary.skipped == [("mallory_1_1_Tiny.ipynb", "a link")]


def test_results_and_the_report_say_what_enforced_each_limit(tiny_repo, graded_course):
    course = Course(GraderConfig(repo=tiny_repo, course_dir=graded_course))
    enforced = {r.student: r.limits_enforced for r in course.results("tiny")}
    assert set(enforced["alice"]) == {"memory", "processes", "cpu", "wall time", "disk", "file size"}
    assert _cli(tiny_repo, graded_course, "report", "tiny") == 0
    report = (graded_course / "reports" / "tiny.html").read_text()
    assert "Limits enforced by" in report and f"<td>{enforced['alice']['memory']}</td>" in report


def test_a_late_policy_applies_without_regrading_and_reaches_nbgrader(tiny_repo, graded_course, capsys, tmp_path):
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    policy = graded_course / "policy.json"
    policy.write_text(json.dumps({"assignments": {"tiny": {"due": "2020-01-01 00:00", "penalty": "per_day",
                                                           "percent_per_day": 10}},
                                  "extensions": {"tiny": {"alice": 100000}}}))
    try:
        assert _cli(tiny_repo, graded_course, "autograde", "tiny") == 0
        assert "graded 0 submissions" in capsys.readouterr().out  # no notebook ran again
        results = {r.student: r for r in Course(GraderConfig(repo=tiny_repo, course_dir=graded_course)).results("tiny")}
        bob, alice = results["bob"].lateness, results["alice"].lateness
        assert bob.lms_marked_late and bob.late_seconds > 0 and bob.penalty == 3 and results["bob"].score == 0
        assert not alice.late and results["alice"].score == 6 and alice.extension_days == 100000
        assert _cli(tiny_repo, graded_course, "export") == 0
        rows = {r["student"]: r for r in csv.DictReader(
            open(graded_course / "reports" / "grades.csv", encoding="utf-8-sig"))}
        assert (rows["bob"]["late"], rows["bob"]["raw_score"], rows["bob"]["late_penalty"], rows["bob"]["score"]) == (
            "yes", "3", "3", "0")
        assert rows["bob"]["submitted_at"] == bob.submitted_at != ""
        assert _cli(tiny_repo, graded_course, "feedback", "tiny") == 0
        page = (graded_course / "feedback" / "bob" / "tiny" / "Tiny.html").read_text()
        assert "marked late by the LMS" in page and "Late penalty: 3 points off" in page and "0 / 6" in page
        assert _cli(tiny_repo, graded_course, "report", "tiny") == 0
        assert "LMS, −3" in (graded_course / "reports" / "tiny.html").read_text()
        url = f"sqlite:///{graded_course / 'gradebook.db'}"
        with Gradebook(url) as gb:
            submission = gb.find_submission("tiny", "bob")
            assert submission.late_submission_penalty == 3 and submission.timestamp is not None
            assert str(submission.assignment.duedate) == "2020-01-01 00:00:00"
            assert (submission.student.last_name, submission.student.lms_user_id) == ("bob", "1002")
            assert gb.find_submission("tiny", "alice").extension.days == 100000
        exported = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--db={url}", "--to=grades.csv"],
                                  cwd=tmp_path, capture_output=True, text=True)
        assert exported.returncode == 0, exported.stderr
        bob_row = next(r for r in csv.DictReader(open(tmp_path / "grades.csv")) if r["student_id"] == "bob")
        assert (bob_row["raw_score"], bob_row["late_submission_penalty"], bob_row["score"]) == ("3.0", "3.0", "0.0")
    finally:
        policy.unlink()
        assert _cli(tiny_repo, graded_course, "autograde", "tiny") == 0
    assert Course(GraderConfig(repo=tiny_repo, course_dir=graded_course)).results("tiny")[1].lateness.penalty == 0


def test_nbgraders_own_commands_find_the_gradebook_on_a_fresh_checkout(tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import REPO

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", checkout)  # no .grading/ yet, as on a fresh clone
    env = {k: v for k, v in os.environ.items() if k not in ("CNN_GRADER_COURSE", "CNN_GRADER_DB")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # nbgrader runs alembic
    listed = subprocess.run([sys.executable, "-m", "nbgrader", "db", "student", "list"], cwd=checkout, env=env,
                            capture_output=True, text=True)
    assert listed.returncode == 0 and "unable to open database file" not in listed.stderr, listed.stderr
    assert (checkout / ".grading" / "gradebook.db").is_file()  # where python -m autograder keeps it


def test_plain_nbgrader_reads_the_references_autograde_wrote(graded_course, monkeypatch):
    """The hidden tests' fallback finds the grading folder's references from where nbgrader runs a submission,
    never references a student handed in (nbgrader copies their whole submission beside the notebook)."""
    from autograder.references import PLAIN_ENV, References, load_plain, plain_folder

    monkeypatch.delenv(PLAIN_ENV, raising=False)
    written = References.from_json((graded_course / "references" / "tiny.json").read_text())
    submission = graded_course / "autograded" / "alice" / "tiny"
    planted = References(seed=written.seed + 1)  # a student's own references, handed in beside the notebook
    planted.save(plain_folder(submission) / "tiny.json")
    found = load_plain("tiny", submission)
    assert (found.seed, found.payloads.keys()) == (written.seed, written.payloads.keys())
    with pytest.raises(FileNotFoundError, match="python -m autograder references tiny"):
        load_plain("tiny", graded_course.parent)
