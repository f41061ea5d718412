"""The whole-term demo on the tiny assignment: an LMS's submission zip through collect, autograde under the
late policy, an override, feedback, the LMS imports and the report, for Moodle and for Canvas."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile

import pytest

from autograder import demo, lms
from autograder.students import read_roster
from tests.grader.tiny_course import tiny_cli

pytestmark = pytest.mark.slow


def table(path):
    return list(csv.DictReader(open(path, encoding="utf-8-sig")))


@pytest.fixture(scope="module", params=[lms.MOODLE, lms.CANVAS])
def term(request, tiny_repo, tmp_path_factory):
    """(the LMS, the demo's course folder, what the demo printed)."""
    course = tmp_path_factory.mktemp(f"demo-{request.param}") / "course"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        # a short wall limit: the demo's endless loop runs until it, the other samples take a few seconds
        assert tiny_cli(tiny_repo, course, "--wall-time", "10", "demo", "--assignment", "tiny",
                        "--lms", request.param, "--course", str(course)) == 0
    return request.param, course, printed.getvalue()


def test_the_class_comes_from_the_lms_zip_with_its_ids(term):
    kind, course, printed = term
    roster = read_roster(course)
    assert sorted((e["lms_user"], e["lms"]) for e in roster.values()) == sorted(
        (user, kind) for _, user in demo.STUDENTS.values())
    if kind == lms.MOODLE:  # Canvas' file names hold a slug of the name only
        assert {e["name"] for e in roster.values()} == {name for name, _ in demo.STUDENTS.values()}
    assert f"{kind}-submissions.zip" in printed and "collected 5 students" in printed


def test_late_policy_and_the_override_reach_the_grades(term):
    _, course, printed = term
    users = {sid: entry["lms_user"] for sid, entry in read_roster(course).items()}
    rows = {users[row["student"]]: row for row in table(course / "reports" / "grades.csv")}
    late = rows.pop(demo.STUDENTS[demo.LATE][1])
    assert late["late"] == "yes" and float(late["late_penalty"]) > 0
    assert float(late["score"]) == pytest.approx(float(late["raw_score"]) - float(late["late_penalty"]))
    assert all(row["late"] == "no" for row in rows.values())
    assert late["test_mean"] == "1.5" and "override" in printed  # half of test_mean's 3 points, by hand
    assert rows[demo.STUDENTS["correct"][1]]["score"] == "6"
    assert (course / "feedback").is_dir() and (course / "reports" / "tiny.html").is_file()
    assert (course / "reports" / "tiny-similarity.html").is_file()
    assert re.search(r"similarity tiny\n(.|\n)*compared \d+ students", printed)


def test_grades_and_feedback_go_back_in_the_lms_own_formats(term):
    kind, course, printed = term
    scores = {row["student"]: row["score"] for row in table(course / "reports" / "grades.csv")}
    users = {entry["lms_user"]: sid for sid, entry in read_roster(course).items()}
    canvas = table(course / "reports" / "canvas.csv")
    moodle = table(course / "reports" / "moodle-tiny.csv")
    if kind == lms.CANVAS:
        assert {row["ID"]: row["tiny"] for row in canvas[1:]} == {u: scores[sid] for u, sid in users.items()}
        assert moodle == [] and not (course / "reports" / "moodle-feedback-tiny.zip").exists()
        return
    assert canvas[1:] == []
    assert {row["Identifier"]: float(row["Grade"]) for row in moodle} == {
        f"Participant {u}": float(scores[sid]) for u, sid in users.items()}
    with zipfile.ZipFile(course / "reports" / "moodle-feedback-tiny.zip") as bundle:
        folders = {lms.moodle_folder(name.split("/")[0]).user for name in bundle.namelist()}
    assert folders == set(users) and "Moodle feedback zip" in printed


def test_the_demo_replaces_only_a_folder_it_made(tiny_repo, tmp_path, capsys):
    grading = tmp_path / "grading"
    (grading / "submitted").mkdir(parents=True)  # an instructor's real grading folder
    assert tiny_cli(tiny_repo, grading, "demo", "--assignment", "tiny", "--course", str(grading)) == 2
    assert (grading / "submitted").is_dir() and "Not replacing" in capsys.readouterr().err
