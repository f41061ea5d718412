"""Manual grading round trip: a score set by hand (our override command, or nbgrader's formgrader in a real
browser) survives re-grades and is the score in the CSV, the feedback and the report."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import time
import urllib.request

import pytest

from autograder.course import Course, GraderConfig
from autograder.formgrader import formgrader_command
from tests.grader.tiny_course import tiny_cli as _cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded_course(tiny_repo, tmp_path_factory):
    """alice handed in the solution (6 / 6), bob the release (1 / 6: only test_repeats passes)."""
    submissions = tmp_path_factory.mktemp("handed-in")
    for student, source in (("alice", "solutions"), ("bob", "assignments")):
        (submissions / student).mkdir()
        (submissions / student / "Tiny.ipynb").write_text((tiny_repo / source / "tiny" / "Tiny.ipynb").read_text())
    course_dir = tmp_path_factory.mktemp("manual-course")
    assert _cli(tiny_repo, course_dir, "collect", "tiny", str(submissions)) == 0
    assert _cli(tiny_repo, course_dir, "autograde", "tiny") == 0
    return course_dir


def _csv_scores(course_dir) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader(open(course_dir / "reports" / "grades.csv", encoding="utf-8-sig"))}


def test_an_override_survives_regrading_and_is_the_score_everywhere(tiny_repo, graded_course, capsys):
    assert _cli(tiny_repo, graded_course, "override", "bob", "tiny", "test_mean", "9") == 2  # worth at most 3
    assert _cli(tiny_repo, graded_course, "override", "bob", "tiny", "test_nope", "1") == 2
    assert _cli(tiny_repo, graded_course, "override", "bob", "tiny", "test_mean", "1.5",
                "--comment", "Right idea, <b>off by one</b>.") == 0
    assert _cli(tiny_repo, graded_course, "autograde", "tiny", "--force") == 0  # runs every notebook again
    assert Course(GraderConfig(repo=tiny_repo, course_dir=graded_course)).gradebook().scores("tiny")["bob"] == 2.5
    assert _cli(tiny_repo, graded_course, "export") == 0
    bob = _csv_scores(graded_course)["bob"]
    assert (bob["test_mean"], bob["raw_score"], bob["score"]) == ("1.5", "2.5", "2.5")
    assert _cli(tiny_repo, graded_course, "feedback", "tiny") == 0
    page = (graded_course / "feedback" / "bob" / "tiny" / "Tiny.html").read_text()
    assert "2.5 / 6" in page and "the automatic tests gave 0" in page
    assert "Right idea, &lt;b&gt;off by one&lt;/b&gt;." in page and "<b>off" not in page
    assert _cli(tiny_repo, graded_course, "report", "tiny") == 0
    assert "2.5 (manual)" in (graded_course / "reports" / "tiny.html").read_text()
    assert _cli(tiny_repo, graded_course, "override", "bob", "tiny", "test_mean", "auto") == 0
    assert _cli(tiny_repo, graded_course, "export") == 0
    assert _csv_scores(graded_course)["bob"]["score"] == "1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def formgrader(graded_course):
    """nbgrader's formgrader (a Jupyter server, no token, on 127.0.0.1) over the graded course."""
    port = _free_port()
    url = f"sqlite:///{graded_course / 'gradebook.db'}"
    server = subprocess.Popen(formgrader_command(graded_course, url, port=port, token=""), cwd=graded_course,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/formgrader"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/students", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_score_changed_in_formgrader_reaches_our_csv(tiny_repo, graded_course, formgrader, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{formgrader}/manage_students")
    WebDriverWait(browser, 30).until(lambda b: "bob" in b.find_element(By.TAG_NAME, "tbody").text)
    rows = browser.find_element(By.TAG_NAME, "tbody").text
    assert "alice" in rows and "6 / 6" in rows and "1 / 6" in rows
    notebooks = json.load(urllib.request.urlopen(f"{formgrader}/api/submitted_notebooks/tiny/Tiny"))
    bob = next(n["id"] for n in notebooks if n["student"] == "bob")
    browser.get(f"{formgrader}/submissions/{bob}/")
    score = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.CSS_SELECTOR, "input.score#test_square"))
    # the page loads its grades after it renders: type once formgrader has fetched them
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return document.readyState === 'complete' && window.jQuery !== undefined && jQuery.active === 0"))
    score.clear()
    score.send_keys("2")
    # formgrader saves a grade when its field changes and loses focus; its keyboard shortcuts (Escape) need
    # MathJax from a CDN, which an offline host lacks, and its scrolling on focus moves the other fields
    browser.execute_script("arguments[0].blur()", score)
    grades = f"{formgrader}/api/grades?submission_id={bob}"
    WebDriverWait(browser, 30).until(lambda _: any(
        g["name"] == "test_square" and g["manual_score"] == 2 for g in json.load(urllib.request.urlopen(grades))))
    assert _cli(tiny_repo, graded_course, "autograde", "tiny", "--force") == 0
    assert _cli(tiny_repo, graded_course, "export") == 0
    bob_row = _csv_scores(graded_course)["bob"]
    assert (bob_row["test_square"], bob_row["score"]) == ("2", "3")
