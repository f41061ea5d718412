"""The lecture-number checks: they assert, and show each section's numbers as one table."""

from __future__ import annotations

import pytest

from cnn_course import lecture


def test_checks_assert_and_gather_one_table_per_section(monkeypatch):
    shown = []
    monkeypatch.setattr(lecture, "display", shown.append)
    with lecture.checks() as check:
        assert check("weight layers", 16, 16) == 16
        check("parameters", 138_357_544, 138e6, rel_tol=0.005)
        check("networks in the ensemble", 5, 5, source=lecture.CHAPTER)
    assert len(shown) == 1  # one element for the section, not a line per number
    table = shown[0].data.splitlines()
    assert table[0].startswith("| quantity | stated by | stated | computed |") and len(table) == 2 + 3
    assert "| weight layers | lecture | 16 | 16 | ✓ |" in table
    assert "about 138 million" in table[3] and "138,357,544" in table[3] and "within 0.5%" in table[3]
    assert "| this chapter's choice |" in table[4]


def test_a_mismatch_raises_and_shows_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr(lecture, "display", shown.append)
    with pytest.raises(lecture.LectureNumberMismatch, match="computed 15 but the lecture states 16"):
        with lecture.checks() as check:
            check("weight layers", 15, 16)
    with pytest.raises(lecture.LectureNumberMismatch):
        lecture.check("parameters", 130e6, 138e6, rel_tol=0.005)
    assert shown == []


def test_rounded_billions_read_as_billions():
    assert lecture._fmt(3.8e9, approximate=True) == "about 3.8 billion"
    assert lecture._fmt(4.09e9, approximate=True) == "about 4.09 billion"
    assert lecture._fmt(3_857_973_248) == "3,857,973,248"



def test_checked_so_far_gathers_every_section_in_one_table(monkeypatch):
    monkeypatch.setattr(lecture, "_CHECKED", {})  # a fresh kernel
    monkeypatch.setattr(lecture, "display", lambda shown: None)
    with lecture.checks() as check:
        check("weight layers", 16, 16)
    lecture.check("blocks", 13, 13)
    lecture.check("blocks", 13, 13)  # a cell run twice counts once
    with pytest.raises(lecture.LectureNumberMismatch):
        lecture.check("parameters", 130e6, 138e6, rel_tol=0.005)  # a mismatch fails and is not listed
    table = lecture.checked_so_far().table().splitlines()
    assert table[2:] == ["| weight layers | lecture | 16 | 16 | ✓ |", "| blocks | lecture | 13 | 13 | ✓ |"]
