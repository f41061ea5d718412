"""Bringing submissions into ``<course>/submitted/<student>/<assignment>/``.

Two sources: a folder holding one folder per student, or the zip an LMS exports, where
each file name starts with the student's name or id (``alice_12345_67890_Notebook.ipynb``)
or sits in a folder per student. Archives are read defensively: no absolute paths, no
``..``, no links, and a cap on sizes against zip bombs.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 20 * 2**20
MAX_TOTAL_BYTES = 1 << 30
_LMS_NAME = re.compile(r"^(?P<student>[A-Za-z0-9.@-]+?)(?:_late)?_\d+(?:_\d+)*_(?P<file>.+)$")
_SAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


def student_id(raw: str) -> str:
    cleaned = _SAFE.sub("_", raw.strip()).strip("._")[:64]
    if not cleaned:
        raise ValueError(f"cannot make a student id from {raw!r}")
    return cleaned


def collect_folder(source: Path, course_dir: Path, assignment_id: str) -> list[str]:
    """Copy each ``source/<student>/**/*.ipynb`` into the course's submitted folder."""
    students = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and not p.is_symlink()):
        notebooks = [p for p in folder.rglob("*.ipynb") if p.is_file() and not p.is_symlink()
                     and ".ipynb_checkpoints" not in p.parts and p.stat().st_size <= MAX_FILE_BYTES]
        if not notebooks:
            continue
        student = student_id(folder.name)
        target = _fresh(course_dir, student, assignment_id)
        for notebook in notebooks:
            shutil.copyfile(notebook, target / notebook.name)
        students.append(student)
    return students


def collect_zip(archive: Path, course_dir: Path, assignment_id: str) -> list[str]:
    """Unpack an LMS export: one notebook per student, named or foldered by student."""
    found: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
    with zipfile.ZipFile(archive) as bundle:
        total = 0
        for info in bundle.infolist():
            path = PurePosixPath(info.filename)
            if info.is_dir() or path.is_absolute() or ".." in path.parts or not path.name.endswith(".ipynb"):
                continue
            if info.file_size > MAX_FILE_BYTES or (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise ValueError(f"{archive} unpacks to more than {MAX_TOTAL_BYTES >> 20} MB")
            if len(path.parts) > 1:
                student, name = path.parts[0], path.name
            else:
                match = _LMS_NAME.match(path.name)
                if not match:
                    continue
                student, name = match["student"], match["file"]
            found.setdefault(student_id(student), []).append((info, name))
        for student, files in found.items():
            target = _fresh(course_dir, student, assignment_id)
            for info, name in files:
                with bundle.open(info) as src, open(target / PurePosixPath(name).name, "wb") as dst:
                    shutil.copyfileobj(src, dst, MAX_FILE_BYTES)
    return sorted(found)


def _fresh(course_dir: Path, student: str, assignment_id: str) -> Path:
    target = course_dir / "submitted" / student / assignment_id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    return target
