"""Collect loses no student: real LMS zips and folder exports with names in any script.

Fast: no grading, no TensorFlow. The same class of students is exported twice, as an LMS zip
and as a folder, with the hostile entries each format can hold.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zipfile
from datetime import datetime

import pytest

from autograder import collect, students
from autograder.cli import main
from autograder.collect import collect_folder, collect_zip
from autograder.course import Course, GraderConfig
from autograder.exports import write_grades
from autograder.reports import feedback_html, write_report
from autograder.results import SubmissionResult
from autograder.results import TestResult as Outcome
from autograder.students import MAX_ID_CHARS, display_names, is_student_id, student_id

LONG = "Maria Fernanda de los Angeles Gonzalez Rodriguez Hernandez y Lopez "  # 67 characters
assert len(LONG) > 64
OLD, NEW = (2024, 3, 1, 9, 0, 0), (2024, 3, 2, 9, 0, 0)


def notebook(tag: str) -> str:
    return json.dumps({"cells": [], "metadata": {"tag": tag}, "nbformat": 4, "nbformat_minor": 5})


# (path in the export, tag of its content, date). Every student of the class, by display name,
# with the tag of the version that must be collected.
CLASS = [
    ("alice_1001_5552_Tiny.ipynb", "alice new", OLD),  # larger submission number wins over the date
    ("alice_1001_5551_Tiny.ipynb", "alice old", NEW),
    ("bob_late_1002_5552_Tiny.ipynb", "bob", OLD),
    ("carol/Tiny.ipynb", "carol", OLD),
    ("José García_1003_5553_Tiny.ipynb", "José García", OLD),
    ("Zoë Ångström\\Tiny.ipynb", "Zoë Ångström", OLD),  # Windows separator
    ("王小明_1004_5554_Tiny.ipynb", "王小明", OLD),
    ("محمد علي_1005_5555_Tiny.ipynb", "محمد علي", OLD),
    ("Иван Петров/Tiny.ipynb", "Иван Петров", OLD),
    ("@eve/Tiny.ipynb", "@eve", OLD),
    ("-rf/Tiny.ipynb", "-rf", OLD),
    ("José/Tiny.ipynb", "José", OLD),
    ("Josè/Tiny.ipynb", "Josè", OLD),
    ("Zoë_1006_1_Tiny.ipynb", "Zoë", OLD),
    ("Zoé_1007_1_Tiny.ipynb", "Zoé", OLD),
    (f"{LONG}Ana/Tiny.ipynb", f"{LONG}Ana", OLD),
    (f"{LONG}Eva/Tiny.ipynb", f"{LONG}Eva", OLD),
    ("frank_1008_6000_Tiny-1.ipynb", "frank new", OLD),  # Canvas re-upload
    ("frank_1008_6000_Tiny.ipynb", "frank old", OLD),
    ("grace/Tiny.ipynb", "grace old", OLD),
    ("grace/final/Tiny.ipynb", "grace new", NEW),  # no LMS numbers: the date decides
    ("hana/Tiny.ipynb", "hana one", OLD),
    ("hana/copy/Tiny.ipynb", "hana two", OLD),  # cannot be ordered: both kept
    ("Sam Lee_2002_1_Tiny.ipynb", "Sam Lee 2002", OLD),  # one name, two LMS users
    ("Sam Lee_2001_1_Tiny.ipynb", "Sam Lee 2001", OLD),
    ("Ana Lúcia_3001_assignsubmission_file_/Tiny.ipynb", "Ana Lúcia", OLD),  # Moodle
]
# (display name, LMS user or None) -> tag of the notebook collected as Tiny.ipynb
EXPECTED = {
    ("alice", "1001"): "alice new", ("bob", "1002"): "bob", ("carol", None): "carol",
    ("José García", "1003"): "José García", ("Zoë Ångström", None): "Zoë Ångström",
    ("王小明", "1004"): "王小明", ("محمد علي", "1005"): "محمد علي", ("Иван Петров", None): "Иван Петров",
    ("@eve", None): "@eve", ("-rf", None): "-rf", ("José", None): "José", ("Josè", None): "Josè",
    ("Zoë", "1006"): "Zoë", ("Zoé", "1007"): "Zoé", (f"{LONG}Ana", None): f"{LONG}Ana",
    (f"{LONG}Eva", None): f"{LONG}Eva", ("frank", "1008"): "frank new", ("grace", None): "grace new",
    ("hana", None): "hana one", ("Sam Lee", "2001"): "Sam Lee 2001", ("Sam Lee", "2002"): "Sam Lee 2002",
    ("Ana Lúcia", "3001"): "Ana Lúcia",
}
# Entries that must be skipped, with a word of the reason; both formats can hold these.
HOSTILE = {
    "../../escape_1009_1_Tiny.ipynb": "leaves the source",
    "..\\..\\evil_1010_1_Tiny.ipynb": "leaves the source",
    "C:\\Users\\mallory_1011_1_Tiny.ipynb": "absolute",
    "readme.txt": "not a notebook",
    "Tiny.ipynb": "no student",
    "carol/.ipynb_checkpoints/Tiny-checkpoint.ipynb": "checkpoint",
    "huge_1012_1_Tiny.ipynb": "larger than",
}
ONLY_IN_ZIPS = {"../../escape_1009_1_Tiny.ipynb"}  # a folder cannot hold a file named so


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(collect, "MAX_NOTEBOOK_BYTES", 4096)


def make_zip(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, tag, date in CLASS:
            bundle.writestr(zipfile.ZipInfo(name, date), notebook(tag))
        for name in HOSTILE:
            bundle.writestr(zipfile.ZipInfo(name, OLD), "0" * 100_000 if "huge" in name else notebook("hostile"))
        bundle.writestr(zipfile.ZipInfo("/abs/mallory_1013_1_Tiny.ipynb", OLD), notebook("hostile"))
        link = zipfile.ZipInfo("linked_1014_1_Tiny.ipynb", OLD)
        link.external_attr = 0o120777 << 16
        bundle.writestr(link, "/etc/passwd")
    return path


def make_folder(root, outside):
    root.mkdir()
    for name, tag, date in [*CLASS, *((n, "hostile", OLD) for n in HOSTILE if n not in ONLY_IN_ZIPS)]:
        file = root / name  # on Linux a backslash is part of the file name, as after unzip
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("0" * 100_000 if "huge" in name else notebook(tag))
        stamp = datetime(*date).timestamp()
        os.utime(file, (stamp, stamp))
    secret = outside / "secret.ipynb"
    secret.write_text(notebook("secret"))
    (root / "linked_1014_1_Tiny.ipynb").symlink_to(secret)
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    return root


@pytest.fixture(params=["zip", "folder"])
def collected(request, tmp_path):
    course_dir = tmp_path / "course"
    if request.param == "zip":
        summary = collect_zip(make_zip(tmp_path / "export.zip"), course_dir, "tiny")
    else:
        outside = tmp_path / "outside"
        outside.mkdir()
        summary = collect_folder(make_folder(tmp_path / "export", outside), course_dir, "tiny")
    return request.param, course_dir, summary


def owner_ids(summary, course_dir) -> dict:
    """(name, LMS user) -> id, from the roster the collect wrote."""
    return {(entry["name"], entry.get("lms_user")): sid for sid, entry in students.read_roster(course_dir).items()}


def tag(course_dir, sid, name="Tiny.ipynb") -> str:
    return json.loads((course_dir / "submitted" / sid / "tiny" / name).read_text())["metadata"]["tag"]


def test_every_student_is_collected_once_under_a_distinct_safe_id(collected):
    _, course_dir, summary = collected
    ids = owner_ids(summary, course_dir)
    assert set(ids) == set(EXPECTED)
    assert sorted(summary.ids) == sorted(ids.values()) and len(set(summary.ids)) == len(EXPECTED)
    for owner, expected_tag in EXPECTED.items():
        assert tag(course_dir, ids[owner]) == expected_tag, owner
    for sid in summary.ids:
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid) and len(sid) <= MAX_ID_CHARS and is_student_id(sid)
    assert sorted(p.name for p in (course_dir / "submitted").iterdir()) == sorted(summary.ids)


def test_ids_are_plain_for_plain_names_and_hashed_otherwise(collected):
    _, course_dir, summary = collected
    ids = owner_ids(summary, course_dir)
    assert ids["alice", "1001"] == "alice" and ids["bob", "1002"] == "bob" and ids["carol", None] == "carol"
    # Pinned: an id names a student's folders across collects, so it must not change between versions.
    assert ids["José", None] == "jose--24c2ab65b7" and ids["Josè", None] == "jose--ec305d6f3d"
    assert ids["Zoë", "1006"] == "zoe--c6a1269858" and ids["Zoé", "1007"] == "zoe--d92562a35c"
    assert ids["王小明", "1004"] == "student--acf979cc58"
    assert ids["@eve", None] == "eve--b853af7a79" and ids["-rf", None] == "rf--686c39acd6"
    assert ids["José García", "1003"].startswith("jose_garcia--")
    assert ids[f"{LONG}Ana", None] != ids[f"{LONG}Eva", None]
    assert ids["Sam Lee", "2001"] == student_id("Sam Lee") and ids["Sam Lee", "2002"] == f"{student_id('Sam Lee')}-u2002"


def test_the_course_grades_every_collected_student(collected):
    _, course_dir, summary = collected
    course = Course(GraderConfig(repo=course_dir, course_dir=course_dir))
    assert course.students("tiny") == sorted(summary.ids)


def test_refused_entries_are_reported_with_why(collected):
    kind, course_dir, summary = collected
    reasons = {entry.replace("\\", "/"): why for entry, why in summary.skipped}
    for entry, word in HOSTILE.items():
        if kind == "folder" and entry in ONLY_IN_ZIPS:
            continue
        assert word in reasons[entry.replace("\\", "/")], (entry, reasons)
    assert "link" in reasons["linked_1014_1_Tiny.ipynb"]
    if kind == "zip":
        assert "absolute" in reasons["/abs/mallory_1013_1_Tiny.ipynb"]
    else:
        assert "link" in reasons["linked-folder"]
    tags = {tag(course_dir, sid) for sid in summary.ids}
    assert not tags & {"hostile", "secret"}
    assert not (course_dir.parent / "escape").exists() and not (course_dir / "escape").exists()


def test_versions_keep_the_newest_and_say_what_was_dropped(collected):
    _, course_dir, summary = collected
    versions = {d.student: d for d in summary.duplicates}
    assert versions["alice"].kept == ["alice_1001_5552_Tiny.ipynb"]
    assert versions["alice"].dropped == ["alice_1001_5551_Tiny.ipynb"]
    assert "submission number" in versions["alice"].by
    assert versions["frank"].kept == ["frank_1008_6000_Tiny-1.ipynb"] and "re-upload" in versions["frank"].by
    assert versions["grace"].kept == ["grace/final/Tiny.ipynb"] and "date" in versions["grace"].by
    assert len(versions["hana"].kept) == 2 and not versions["hana"].dropped and "could not be ordered" in versions["hana"].by
    assert {tag(course_dir, "hana"), tag(course_dir, "hana", "Tiny.2.ipynb")} == {"hana one", "hana two"}


def test_one_name_from_two_lms_users_is_a_reported_collision(collected):
    _, _, summary = collected
    assert [(c.wanted, c.given) for c in summary.collisions] == [
        (student_id("Sam Lee"), f"{student_id('Sam Lee')}-u2002")]
    assert "2001" in summary.collisions[0].holder


def test_names_round_trip_through_the_roster_and_reports(collected, tmp_path):
    _, course_dir, summary = collected
    names = display_names(course_dir)
    assert {(s.id, s.name) for s in summary.collected} == set(names.items())
    assert names[student_id("王小明")] == "王小明" and names["rf--686c39acd6"] == "-rf"
    results = [SubmissionResult(sid, "tiny", [Outcome("test_mean", 1, 2, False, "no")]) for sid in names]
    grades = write_grades(results, tmp_path / "grades.csv", names).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(grades.splitlines()))
    assert list(rows[0])[:3] == ["student", "name", "assignment"]
    quoted = {sid: "'" + name if name[0] in "=+-@" else name for sid, name in names.items()}
    assert {r["student"]: r["name"] for r in rows} == quoted  # a name a spreadsheet would run is quoted
    report = write_report(results, "tiny", tmp_path / "report.html", names).read_text(encoding="utf-8")
    assert "محمد علي" in report and "Josè" in report
    assert "Hello <bdi>José García</bdi>" in feedback_html(results[0], "José García")


def test_collecting_again_keeps_ids_and_merges_the_roster(tmp_path):
    course_dir = tmp_path / "course"
    first = collect_zip(make_zip(tmp_path / "export.zip"), course_dir, "tiny")
    late = tmp_path / "late"
    (late / "Sam Lee_2002_9_Tiny.ipynb").parent.mkdir()
    (late / "Sam Lee_2002_9_Tiny.ipynb").write_text(notebook("Sam Lee 2002 late"))
    (late / "Renée").mkdir()
    (late / "Renée" / "Tiny.ipynb").write_text(notebook("Renée"))
    second = collect_folder(late, course_dir, "tiny")
    # Alone in this collect, user 2002 keeps the id the roster gave them, not the plain one.
    assert sorted(second.ids) == sorted([f"{student_id('Sam Lee')}-u2002", student_id("Renée")])
    assert [c.holder for c in second.collisions] == ["Sam Lee (LMS user 2001)"]
    assert set(display_names(course_dir)) == set(first.ids) | set(second.ids)


def test_names_the_os_or_an_old_zip_tool_did_not_store_as_utf8(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    os.mkdir(os.path.join(os.fsencode(folder), b"Ren\xe9e"))  # Latin-1 bytes
    (folder / os.fsdecode(b"Ren\xe9e") / "Tiny.ipynb").write_text(notebook("latin-1"))
    assert [s.name for s in collect_folder(folder, tmp_path / "a", "tiny").collected] == ["Renée"]
    archive = tmp_path / "old.zip"
    with zipfile.ZipFile(archive, "w") as bundle:  # UTF-8 bytes without the UTF-8 flag, as old tools write
        bundle.writestr("JosXX_1_1_Tiny.ipynb", notebook("utf-8 unflagged"))
    archive.write_bytes(archive.read_bytes().replace(b"XX", "é".encode()))
    assert [s.name for s in collect_zip(archive, tmp_path / "b", "tiny").collected] == ["José"]


def test_a_folder_wrapping_the_whole_export_is_not_a_student(tmp_path):
    wrapped = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(wrapped, "w") as bundle:
        bundle.writestr("export/alice_1001_5551_Tiny.ipynb", notebook("alice"))
        bundle.writestr("export/Zoé_1007_1_Tiny.ipynb", notebook("Zoé"))
        bundle.writestr("__MACOSX/export/._Zoé_1007_1_Tiny.ipynb", "resource fork")
    summary = collect_zip(wrapped, tmp_path / "a", "tiny")
    assert summary.ids == ["alice", "zoe--d92562a35c"]
    assert "macOS" in dict(summary.skipped)["__MACOSX/export/._Zoé_1007_1_Tiny.ipynb"]
    lone = tmp_path / "lone.zip"
    with zipfile.ZipFile(lone, "w") as bundle:
        bundle.writestr("carol/HW_2024_1_Tiny.ipynb", notebook("carol"))
    assert collect_zip(lone, tmp_path / "b", "tiny").ids == ["carol"]


def test_a_zip_bomb_is_skipped_not_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_TOTAL_BYTES", len(notebook("a")) + 10)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("bomb_1_1_Tiny.ipynb", b"\0" * 10_000_000)
        bundle.writestr("a_1_1_Tiny.ipynb", notebook("a"))
        bundle.writestr("b_2_1_Tiny.ipynb", notebook("b"))
    summary = collect_zip(archive, tmp_path / "course", "tiny")
    reasons = dict(summary.skipped)
    assert "larger than" in reasons["bomb_1_1_Tiny.ipynb"] and "already wrote" in reasons["b_2_1_Tiny.ipynb"]
    assert summary.ids == ["a"]


def test_the_command_prints_the_summary(tmp_path, capsys):
    archive = make_zip(tmp_path / "export.zip")
    assert main(["--course", str(tmp_path / "course"), "collect", "tiny", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"collected {len(EXPECTED)} students" in out
    assert "../../escape_1009_1_Tiny.ipynb: a path that leaves the source (..)" in out
    assert "would share" in out and "kept alice_1001_5552_Tiny.ipynb; dropped alice_1001_5551_Tiny.ipynb" in out


def canvas_zip(path, entries):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, tag in entries:
            bundle.writestr(zipfile.ZipInfo(name, OLD), notebook(tag))
    return path


def test_a_name_that_reads_as_another_users_file_never_replaces_it(tmp_path):
    # Mallory (LMS user 2000) calls herself "bob_1002_9": her file name starts like Bob's (user 1002).
    archive = canvas_zip(tmp_path / "export.zip", [
        ("bob_1002_5551_Tiny.ipynb", "bob"),
        ("bob_1002_9_2000_5560_Tiny.ipynb", "mallory"),  # readable by the export's shape: user 2000
        ("bob_1002_5551_x_2001_5561_Tiny.ipynb", "eve"),  # user 1002 or 2001 with one number each
        ("carol_1003_5562_Tiny.ipynb", "carol"),
    ])
    course_dir = tmp_path / "course"
    summary = collect_zip(archive, course_dir, "tiny")
    ids = owner_ids(summary, course_dir)
    assert tag(course_dir, ids["bob", "1002"]) == "bob"
    assert [p.name for p in (course_dir / "submitted" / ids["bob", "1002"] / "tiny").glob("*.ipynb")] == ["Tiny.ipynb"]
    assert tag(course_dir, ids["bob_1002_9", "2000"]) == "mallory"
    reasons = dict(summary.skipped)
    assert "ambiguous" in reasons["bob_1002_5551_x_2001_5561_Tiny.ipynb"]
    assert "1002, 2001" in reasons["bob_1002_5551_x_2001_5561_Tiny.ipynb"]
    assert {owner for owner in ids} == {("bob", "1002"), ("bob_1002_9", "2000"), ("carol", "1003")}


def test_an_lms_user_is_one_student_whatever_name_or_late_marker(tmp_path):
    archive = canvas_zip(tmp_path / "export.zip", [
        ("smithjane_1003_5551_Tiny.ipynb", "on time"),
        ("smithjane_LATE_1003_5570_Tiny.ipynb", "late"),
        ("jonesbob_Late_1004_5571_Tiny.ipynb", "bob late"),
    ])
    course_dir = tmp_path / "course"
    summary = collect_zip(archive, course_dir, "tiny")
    assert summary.ids == ["jonesbob", "smithjane"]
    assert tag(course_dir, "smithjane") == "late" and tag(course_dir, "jonesbob") == "bob late"
    renamed = canvas_zip(tmp_path / "renamed.zip", [("Jane Smith_1003_5580_Tiny.ipynb", "renamed")])
    assert collect_zip(renamed, course_dir, "tiny").ids == ["smithjane"]  # the roster's id of user 1003
    assert tag(course_dir, "smithjane") == "renamed"


def test_late_markers_and_submission_times_are_kept(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("smithjane_LATE_1003_5570_Tiny.ipynb", NEW), notebook("late"))
        bundle.writestr(zipfile.ZipInfo("smithjane_1003_5551_Tiny.ipynb", OLD), notebook("early"))
        bundle.writestr(zipfile.ZipInfo("bob_1002_5552_Tiny.ipynb", OLD), notebook("bob"))
    course_dir = tmp_path / "course"
    summary = collect_zip(archive, course_dir, "tiny")
    submitted = course_dir / "submitted"
    assert summary.late == ["smithjane"] and "marked late by the LMS: smithjane" in summary.report(submitted)
    assert (submitted / "smithjane" / "tiny" / "late.txt").is_file()
    assert not (submitted / "bob" / "tiny" / "late.txt").exists()
    assert (submitted / "smithjane" / "tiny" / "timestamp.txt").read_text() == "2024-03-02 09:00:00\n"
    assert students.read_roster(course_dir)["smithjane"] | {"source": ""} == {
        "name": "smithjane", "source": "", "lms_user": "1003", "lms": "canvas"}
    # nbgrader's exchange keeps each submission's time in timestamp.txt beside it: that time wins.
    exchange = tmp_path / "exchange"
    (exchange / "carol").mkdir(parents=True)
    (exchange / "carol" / "Tiny.ipynb").write_text(notebook("carol"))
    (exchange / "carol" / "timestamp.txt").write_text("2024-03-05 10:00:00.123456 UTC")
    (exchange / "dave").mkdir()
    (exchange / "dave" / "Tiny.ipynb").write_text(notebook("dave"))
    (exchange / "dave" / "timestamp.txt").write_text("=cmd|' /C calc'!A0")  # not a time: the file's date
    # ... and the secret by which nbgrader's release_feedback returns the feedback: kept byte for byte if it is one
    (exchange / "carol" / "submission_secret.txt").write_text("a1b2" * 32)
    (exchange / "dave" / "submission_secret.txt").write_text("../../etc/passwd\n")
    stamp = datetime(2024, 3, 6, 8, 0, 0).timestamp()
    os.utime(exchange / "dave" / "Tiny.ipynb", (stamp, stamp))
    summary = collect_folder(exchange, course_dir, "tiny")
    assert summary.ids == ["carol", "dave"] and not summary.skipped
    assert (submitted / "carol" / "tiny" / "timestamp.txt").read_text() == "2024-03-05 10:00:00.123456 UTC\n"
    assert (submitted / "carol" / "tiny" / "submission_secret.txt").read_text() == "a1b2" * 32
    assert not (submitted / "dave" / "tiny" / "submission_secret.txt").exists()
    dave = (submitted / "dave" / "tiny" / "timestamp.txt").read_text().strip()
    assert datetime.fromisoformat(dave).timestamp() == stamp
