"""Finding solutions and hidden tests in what students receive: the one home of the leak detectors.

Used by ``make publish`` (:mod:`autograder.publish`) on the public tree and the student install, and by
``tests/test_leaks.py`` on the release, the helper package and the built site. A leak is either a
marker of nbgrader's regions or of the grader's hidden checks, or a distinctive line of code that the
instructor's source shows only inside a solution or hidden-test region.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat

from autograder import registry

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|run_in_kernel"
                     r"|CHECKS\.(?:observer|judge)\(")
MIN_SECRET_LINE = 25  # characters: shorter lines (``return x``) are too common to count as a leak
# A chapter page may share a stock Keras line with a solution (the primer's ZeroPadding2D); more lines of one
# solution on a page, or any in the assignment's own files or in code, leak it.
CHAPTER_TOLERANCE = 2
TEXT_SUFFIXES = {".html", ".ipynb", ".md", ".txt", ".js", ".json", ".py", ".toml", ".cfg", ".yml", ".yaml", ""}


def solution_lines(repo: Path, assignment_id: str) -> set[str]:
    """Distinctive lines of code inside the solution and hidden-test regions of the source.

    A line the source also shows outside those regions (in prose or a given cell) is not a secret.
    """
    hidden, shown = set(), []
    for source in (repo / registry.SOURCES / assignment_id).glob("*.ipynb"):
        for cell in nbformat.read(source, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                    inside = False
                elif not inside:
                    shown.append(line)
                elif len(line.strip()) >= MIN_SECRET_LINE and not line.strip().startswith("#"):
                    hidden.add(line.strip())
    given = "\n".join(shown)
    return {line for line in hidden if line not in given}


def readable_text(path: Path) -> str:
    """What a person sees in a file: notebook sources and outputs, HTML without tags or escapes."""
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            return text
        parts = []
        for cell in cells:
            parts.append("".join(cell.get("source", "")))
            for output in cell.get("outputs", []):
                parts.append("".join(output.get("text", "")))
                parts.extend("".join(v) if isinstance(v, list) else str(v) for v in output.get("data", {}).values())
        return "\n".join(parts)
    if path.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def find_leaks(tree: Path, repo: Path, assignment_ids: list[str]) -> list[str]:
    """Every leak under ``tree`` (a published folder, an unpacked wheel): ``"<path>: <what>"``.

    Markers count everywhere but in Markdown prose (the README, also in a wheel's METADATA, may say
    how grading works). An
    assignment's own files are checked against its own solution (two assignments may share a line:
    given in one, asked for in the other), with no line tolerated; code files against every solution,
    with none; other pages against every solution, with :data:`CHAPTER_TOLERANCE` lines each."""
    secrets = {a: solution_lines(repo, a) for a in assignment_ids}
    leaks = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()):
        if path.suffix not in TEXT_SUFFIXES:
            continue
        name = path.relative_to(tree)
        raw, text = path.read_text(errors="replace"), readable_text(path)
        prose = path.suffix == ".md" or path.name == "METADATA"  # a wheel's METADATA holds the README
        marker = None if prose else MARKERS.search(raw) or MARKERS.search(text)
        if marker:
            leaks.append(f"{name}: marker {marker.group(0)!r}")
        own = [a for a in assignment_ids if a in name.parts]
        for assignment_id in own or assignment_ids:
            found = sorted(line for line in secrets[assignment_id] if line in text)
            tolerated = 0 if own or path.suffix == ".py" else CHAPTER_TOLERANCE
            if len(found) > tolerated:
                leaks.append(f"{name}: solution code of {assignment_id}: {found[:3]}")
    return leaks
