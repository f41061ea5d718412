"""Warm sandboxes: runs forked from one zygote share nothing, and grade exactly as cold runs do."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import warm
from autograder.course import Course, GraderConfig
from autograder.grading import _warm_slot, build_references, grade_notebook
from autograder.spec import Assignment, RunContext
from tests.grader import hostile
from tests.grader.hostile import CPU_HOG, LIMITS, SQUARE

pytestmark = pytest.mark.slow
DAEMON = "31338"

# Everything a run could leave behind for the next one, in every place it could try.
TAMPER = f"""
import builtins, ctypes, json, os, socket, subprocess, sys
import IPython.display, numpy
json.dumps = lambda *a, **k: "tampered"
numpy.sum = lambda *a, **k: 42
IPython.display.display = lambda *a, **k: None
builtins.TAMPERED = True
sys.modules["tampered_module"] = json
os.environ["TAMPERED"] = "1"
for path in ("/tmp/tampered", "/dev/shm/tampered", "/home/student/tampered", "tampered", "/dev/tampered", "/jobs/tampered",
             os.path.join(sys.prefix, "tampered")):
    try:
        open(path, "w").write("x")
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0x5EED, 4096, 0o1666)  # IPC_CREAT | 0666, never removed
daemon = ("import socket, time; s = socket.socket(socket.AF_UNIX); s.bind('\\\\0tampered'); s.listen();"
          " time.sleep({DAEMON})")
subprocess.Popen([sys.executable, "-c", daemon], start_new_session=True)
subprocess.Popen(["sleep", "{DAEMON}"], start_new_session=True)
import time; time.sleep(0.5)
def square(x):
    return x * x
"""

PROBE = """
import builtins, ctypes, json, os, socket, sys
import IPython.display, numpy
found = {
    "json": json.dumps([1]) == "[1]",
    "numpy": int(numpy.sum([1, 2])) == 3,
    "display": IPython.display.display.__module__ == "IPython.core.display_functions",
    "builtins": not hasattr(builtins, "TAMPERED"),
    "modules": "tampered_module" not in sys.modules,
    "environment": "TAMPERED" not in os.environ,
    "files": [p for p in ("/tmp/tampered", "/dev/shm/tampered", "/home/student/tampered", "tampered",
                          "/dev/tampered", os.path.join(sys.prefix, "tampered")) if os.path.exists(p)] == [],
    "spool_hidden": os.listdir("/jobs") == [],
    "shared_memory": ctypes.CDLL(None).shmget(0x5EED, 0, 0) == -1,
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:2] == [1, 2],
    "only_this_run": len([p for p in os.listdir("/proc") if p.isdigit()]) <= 4,
}
try:
    probe = socket.socket(socket.AF_UNIX)
    probe.connect("\\0tampered")
    found["socket"] = False
except OSError:
    found["socket"] = True
print("ISOLATION", json.dumps(found))
def square(x):
    return x * x
"""


# The run's mount table (mount point: "ro" or "rw") and every folder of its writable mounts (walked
# without following links, /proc not descended).
WALK = """
import json, os
TOKEN = "planted-by-an-earlier-run"

def mounts():
    with open("/proc/self/mountinfo") as handle:
        fields = [line.split() for line in handle]
    return {f[4]: f[5].split(",")[0] for f in fields}

def folders(limit=20_000):
    for point, mode in sorted(mounts().items()):
        for folder, children, _ in os.walk(point):
            if mode == "ro" or folder.startswith("/proc") or limit <= 0:
                children[:] = []
            limit -= 1
            yield folder

def plant(folder):
    try:
        with open(os.path.join(folder, TOKEN), "x") as handle:
            handle.write("x")
        return True
    except OSError:
        return False
"""
# Writes a file into every folder it can; prints the mount table and where it wrote.
PLANTER = WALK + """
print("PLANTED", json.dumps({"mounts": mounts(), "written": [folder for folder in folders() if plant(folder)]}))
"""


def _printed(executed: bytes) -> str:
    notebook = json.loads(executed)
    return "".join("".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def tiny(tiny_repo):
    assignment = Assignment.load(tiny_repo, "tiny", LIMITS, "tests.grader.tiny_checks")
    run = RunContext(7, LIMITS, build_references(assignment, RunContext(7, LIMITS)).payloads)
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    yield assignment, run, solution
    warm.close_all()


def test_a_run_leaves_nothing_for_the_next_run_of_the_same_zygote(tiny):
    assignment, run, solution = tiny
    tamperer = hostile.build(solution, hostile.Case(6, answers={"answer_square": TAMPER}))
    result, _ = grade_notebook(assignment, run, "tamperer", tamperer)
    assert not result.reason, "the tamperer ran to the end"  # its own results it broke itself
    slot = _warm_slot(assignment, run)
    runs = slot.runs
    probe = hostile.build(solution, hostile.Case(6, answers={"answer_square": PROBE}))
    result, executed = grade_notebook(assignment, run, "probe", probe)
    assert slot.runs == runs + 1, "both runs were forked from the same zygote"
    line = next(line for line in _printed(executed).splitlines() if line.startswith("ISOLATION"))
    found = json.loads(line.removeprefix("ISOLATION "))
    assert found == dict.fromkeys(found, True)
    assert result.score == 6
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep {DAEMON}" not in processes, "a run's processes die with it"


def _printed_json(executed: bytes, tag: str):
    line = next(line for line in _printed(executed).splitlines() if line.startswith(tag + " "))
    return json.loads(line.removeprefix(tag + " "))


# The only mounts a run may write to: fresh, size-limited file systems of its own (the spool is
# hidden under one), its own /proc, and its /dev's pseudo-terminals and device nodes (bound one by one).
RUN_OWN_MOUNTS = {"/tmp", "/dev/shm", "/home/student", "/home/student/out", "/jobs", "/proc", "/dev/pts",
                  *(f"/dev/{name}" for name in ("null", "zero", "full", "random", "urandom", "tty"))}


def test_every_place_a_run_can_write_is_its_own(tiny):
    """Walk the run's whole mount table and write everywhere it can: every mount it could write to
    was made for it alone, and the next run of the same zygote finds none of what it wrote."""
    assignment, run, solution = tiny
    planter = hostile.build(solution, hostile.Case(6, answers={"answer_square": PLANTER + SQUARE}))
    _, executed = grade_notebook(assignment, run, "planter", planter)
    planted = _printed_json(executed, "PLANTED")
    writable = {point for point, mode in planted["mounts"].items() if mode == "rw"}
    assert writable <= RUN_OWN_MOUNTS, writable - RUN_OWN_MOUNTS
    assert {"/tmp", "/dev/shm", "/home/student", "/home/student/work"} <= set(planted["written"]), planted["written"]
    assert not [folder for folder in planted["written"] if folder == "/" or folder.startswith(("/etc", "/opt", "/usr", "/data"))]

    slot = _warm_slot(assignment, run)
    runs = slot.runs
    finder = WALK + f"""
places = {planted["written"]!r} + list(folders())
print("FOUND", json.dumps([folder for folder in places if os.path.lexists(os.path.join(folder, TOKEN))]))
"""
    result, executed = grade_notebook(assignment, run, "finder", hostile.build(
        solution, hostile.Case(6, answers={"answer_square": finder + SQUARE})))
    assert slot.runs == runs + 1, "both runs were forked from the same zygote"
    assert _printed_json(executed, "FOUND") == []
    assert result.score == 6


# A hostile class: each of these first (their ids sort first), then two correct students.
HOSTILE_FIRST = ("unanswered", "infinite_loop", "os_exit", "memory_bomb", "fork_bomb", "disk_hog",
                 "symlinked_executed_notebook", "patched_numpy", "segfault")
# A status planted where the runner's used to be, read-only: the grader must not believe it.
PLANTED_STATUS = ("import os\nwith open('/home/student/out/status.json', 'w') as f:\n"
                  "    f.write('{\"status\": \"timeout\"}')\nos.chmod('/home/student/out/status.json', 0o444)\n" + SQUARE)


# Warm, with one and two workers (cold runs grade such a class in tests/grader/test_non_root.py).
@pytest.mark.parametrize(("mode", "workers"), [("warm", 1), ("warm", 2)])
def test_a_hostile_class_graded_first_leaves_every_correct_student_full_marks(tiny_repo, tmp_path, caplog, mode, workers):
    cases = {f"a-{name}": case for name, case in hostile.cases(["/nonexistent"]).items() if name in HOSTILE_FIRST}
    cases |= {"a-cpu_hog": hostile.Case(6, answers={"answer_square": CPU_HOG}),
              "a-planted_status": hostile.Case(6, answers={"answer_square": PLANTED_STATUS}),
              "z-correct-1": hostile.Case(6), "z-correct-2": hostile.Case(6)}
    solution = json.loads((tiny_repo / "solutions" / "tiny" / "Tiny.ipynb").read_text())
    for name, case in cases.items():
        folder = tmp_path / "submitted" / name / "tiny"
        folder.mkdir(parents=True)
        (folder / case.filename).write_bytes(hostile.build(solution, case))
    course = Course(GraderConfig(repo=tiny_repo, course_dir=tmp_path, limits=LIMITS, workers=workers, seed=11,
                                 checks_modules={"tiny": "tests.grader.tiny_checks"}, warm=mode == "warm"))
    with caplog.at_level(logging.INFO, logger="autograder"):
        results = {r.student: r for r in course.autograde("tiny", progress=False)}
    assert {name: results[name].score for name in cases} == {name: case.score for name, case in cases.items()}
    for name, case in cases.items():
        explanation = " ".join([results[name].reason, *(t.message for t in results[name].tests)])
        assert case.reason in explanation, (mode, name, explanation)
        assert not results[name].grader_errors, (name, results[name].grader_errors)
    for name in ("a-cpu_hog", "a-planted_status", "z-correct-1", "z-correct-2"):
        assert results[name].reason == "", (name, results[name].reason)
    zygotes = {record.getMessage().split()[2] for record in caplog.records
               if record.getMessage().startswith("warm sandbox ") and "ready" in record.getMessage()}
    forked = {name: results[name].forked_from for name in cases}
    assert all(forked.values()) == (mode == "warm"), f"warm runs are forked from a zygote, cold ones never: {forked}"
    assert set(forked.values()) <= zygotes | {""}, "each run names a zygote that started in this grading run"
    assert warm.running() == [], "no zygote outlives its grading run"
    assert not list(Path(tempfile.gettempdir()).glob(f"{warm.SPOOL_PREFIX}{os.getpid()}-*")), "every spool is removed"
