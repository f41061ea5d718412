"""The hostile-submission corpus: real adversarial notebooks built from the tiny assignment.

Each case edits the tiny solution notebook (answer cells by grade_id, or the notebook as a
whole) and states the exact score the grader must give and a phrase its reason must contain.
Tiny's tests: test_square (2 points), test_mean (3), test_repeats (1, needs no answer).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.spec import Limits

SQUARE = 'def square(x):\n    return x * x\n'
MEAN = 'def mean(values):\n    return sum(values) / len(values)\n'
MARKER_SLEEP = "31337"
# What a hostile class is graded under. The memory bomb races the cell limit: it needs CPU time to reach
# the memory limit (about 0.5 s for 1024 MB), and a run starved of CPU meets the cell limit first, which
# is then the true reason. 1024 MB and 10 s lose that race only below 5% of a CPU (1500 MB and 6 s lost it
# below 12%, which a loaded `make test` sometimes gave), and leave every other case room: the huge line
# output peaks near 680 MB, the fork bomb near 460, the disk hog near 330 (768 MB left the huge output
# less than 90 MB to spare).
LIMITS = Limits(wall_seconds=45, cell_timeout=10, memory_mb=1024, max_tasks=256, disk_mb=256)
# Twelve processes, each in a session of its own, spinning to the run's end: a correct answer that hogs the CPU.
CPU_HOG = ("import os, time\nfor _ in range(12):\n    if os.fork() == 0:\n        os.setsid()\n"
           "        while True:\n            pass\ntime.sleep(2)\n" + SQUARE)


@dataclass
class Case:
    score: float
    reason: str = ""  # a phrase the reason or notes must contain
    answers: dict[str, str] = field(default_factory=dict)  # grade_id -> new answer code
    edit: Callable[[dict], dict | bytes | None] | None = None  # whole-notebook edit
    extra_files: dict[str, str] = field(default_factory=dict)  # files beside the notebook
    filename: str = "Tiny.ipynb"


def _cells(nb, kind):
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get(kind)]


def drop_tests(nb):
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return nb


def duplicate_and_reorder_tests(nb):
    tests = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    nb["cells"] = [c for c in nb["cells"] if c not in tests] + list(reversed(tests)) + copy.deepcopy(tests)
    return nb


def retype_tests(nb):
    for cell in _cells(nb, "grade"):
        cell["cell_type"] = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return nb


def edit_test_metadata(nb):
    for cell in _cells(nb, "grade"):
        cell["metadata"]["nbgrader"].update(points=100, locked=False, grade=True)
        cell["source"] = "pass  # tests removed by the student"
    for cell in nb["cells"]:
        cell.get("metadata", {}).get("nbgrader", {})["locked"] = False
    return nb


def rename_answer_ids(nb):
    for cell in _cells(nb, "solution"):
        if cell["metadata"]["nbgrader"]["grade_id"] == "answer_square":
            cell["metadata"]["nbgrader"]["grade_id"] = "answer_square_renamed"
    return nb


def other_assignment(nb):
    for index, cell in enumerate(nb["cells"]):
        if "nbgrader" in cell.get("metadata", {}):
            cell["metadata"]["nbgrader"]["grade_id"] = f"identity_block_{index}"
    return nb


def bogus_kernelspec(nb):
    nb["metadata"]["kernelspec"] = {"name": "evil", "display_name": "Evil", "language": "bash",
                                    "argv": ["/bin/sh", "-c", "rm -rf /"]}
    return nb


def secret_paths(repo, course_dir) -> list[str]:
    """Files a submission must neither read nor write; the last is a correct student's executed notebook."""
    return [str(course_dir / "gradebook.db"), str(repo / "autograder" / "checks" / "__init__.py"),
            str(course_dir / "references" / "tiny.json"), str(course_dir / "autograded" / "correct" / "tiny" / "Tiny.ipynb")]


def cases(secrets: list[str]) -> dict[str, Case]:
    snoop = "\n".join(
        f"try:\n    open({path!r}).read(10)\n    print('READABLE', {path!r})\n"
        f"except OSError:\n    print('NOT READABLE')" for path in secrets)
    tamper = "\n".join(
        f"try:\n    open({path!r}, 'w').write('pwned')\nexcept OSError:\n    print('NOT WRITABLE')"
        for path in secrets[:1])
    wrong_square = "def square(x):\n    return x + 1\n"
    return {
        "correct": Case(6),
        "unanswered": Case(1, answers={"answer_square": "raise NotImplementedError()",
                                       "answer_mean": "raise NotImplementedError()"}),
        "infinite_loop": Case(0, "longer than the limit", answers={"answer_square": "while True:\n    pass\n"}),
        "loop_ignoring_sigint": Case(0, "longer than the limit", answers={"answer_square": (
            "import signal, subprocess\n"
            f"subprocess.Popen(['sleep', '{MARKER_SLEEP}8'], start_new_session=True)  # a daemon to outlive us\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n")}),
        "os_exit": Case(2, "kernel died", answers={"answer_mean": "import os\nos._exit(3)\n"}),
        "segfault": Case(2, "kernel died", answers={"answer_mean": "import ctypes\nctypes.string_at(0)\n"}),
        "memory_bomb": Case(2, "memory", answers={
            "answer_mean": "blocks = []\nwhile True:\n    blocks.append(bytearray(256 * 2**20))\n"}),
        "fork_bomb": Case(2, "processes", answers={
            "answer_mean": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"}),
        # 6 x 480 MB into the job folder: the quota (a size-limited tmpfs) refuses it, and the reason says so.
        "disk_hog": Case(6, "disk quota", answers={"answer_square": (
            "for index in range(6):\n    try:\n"
            "        with open(f'/home/student/work/hog{index}', 'wb') as handle:\n"
            "            for _ in range(30):\n                handle.write(b'x' * 16 * 2**20)\n"
            "    except OSError as error:\n        print('WRITE FAILED', error.errno)\n        break\n" + SQUARE)}),
        "background_process": Case(6, answers={"answer_square": (
            f"import subprocess\nsubprocess.Popen(['sleep', '{MARKER_SLEEP}'], start_new_session=True)\n" + SQUARE)}),
        "huge_line_output": Case(6, answers={"answer_square": "print('x' * 50_000_000)\n" + SQUARE}),
        "huge_html_output": Case(6, answers={"answer_square": (
            "from IPython.display import HTML, display\ndisplay(HTML('<b>' + 'y' * 50_000_000 + '</b>'))\n" + SQUARE)}),
        "stderr_noise": Case(6, answers={"answer_square": (
            "import sys, warnings\nsys.stderr.write('E' * 200_000)\nwarnings.warn('noise')\n" + SQUARE)}),
        "deleted_tests": Case(6, edit=drop_tests),
        "duplicated_reordered_tests": Case(6, edit=duplicate_and_reorder_tests),
        "retyped_tests": Case(6, edit=retype_tests),
        "edited_points_and_locks": Case(6, edit=edit_test_metadata),
        "renamed_grade_id": Case(4, "answer_square", edit=rename_answer_ids),
        "other_assignment": Case(0, "None of the assignment's answer cells", edit=other_assignment),
        "empty_notebook": Case(0, "None of the assignment's answer cells", edit=lambda nb: {**nb, "cells": []}),
        "empty_file": Case(0, "empty", edit=lambda nb: b""),
        "invalid_json": Case(0, "invalid JSON", edit=lambda nb: b'{"cells": [ this is not json'),
        "not_a_notebook": Case(0, "not a Jupyter notebook", edit=lambda nb: b'["just", "a", "list"]'),
        "renamed_file": Case(6, "expected name", filename="my_tiny_final_v2.ipynb"),
        "bogus_kernelspec": Case(6, edit=bogus_kernelspec),
        "patched_numpy": Case(4, answers={"answer_square": (
            "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True\n"
            "numpy.testing.assert_allclose = lambda *a, **k: None\n" + wrong_square)}),
        "patched_assert": Case(4, answers={"answer_square": (
            "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n" + wrong_square)}),
        # Forged observations only sabotage the forger: every later test sees wrong values.
        "patched_test_helpers": Case(0, answers={"answer_square": (
            "import sys\nfrom IPython.display import display\n"
            "def forged(grade_id, observe, ns):\n"
            "    display({'application/vnd.cnn-grader.observation+json':\n"
            "             {'grade_id': grade_id, 'value': {'values': [1, 1, 1, 1], 'repeats': 99}}}, raw=True)\n"
            "_grader.emit = forged\nsys.modules['cnn_grader_kit'].emit = forged\n" + wrong_square)}),
        # Observations replayed from another run (here: the right functions under another seed) match nothing.
        "replayed_observations": Case(1, "values differ", answers={"answer_square": (
            "import sys\nfrom IPython.display import display\n_kit = sys.modules['cnn_grader_kit']\n"
            "def replay(grade_id, observe, ns):\n"
            "    _kit.SEED, secret = 0, _kit.SEED\n"
            "    value = observe({'square': lambda x: x * x, 'mean': lambda v: sum(v) / len(v), 'repeats': 2}, _kit)\n"
            "    _kit.SEED = secret\n"
            "    display({'application/vnd.cnn-grader.observation+json':\n"
            "             {'grade_id': grade_id, 'value': _kit.encode(value)}}, raw=True)\n"
            "_grader.emit = replay\n" + wrong_square)}),
        # A display made a no-op: the tests ran, their results never arrived, and the message says so.
        "display_disabled": Case(0, "never reached the grader", answers={"answer_square": (
            "import IPython.display\nIPython.display.display = lambda *args, **kwargs: None\n" + SQUARE)}),
        # The executed notebook replaced by a link to another student's: never followed, never copied.
        "symlinked_executed_notebook": Case(0, "symbolic link", answers={"answer_square": (
            "import os\nos.remove('/home/student/out/executed.ipynb')\n"
            f"os.symlink({secrets[-1]!r}, '/home/student/out/executed.ipynb')\n"
            "os.chmod('/home/student/out', 0o555)\n" + SQUARE)}),
        "input_transformer": Case(0, answers={"answer_square": (
            "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n" + SQUARE)}),
        "always_equal": Case(4, answers={"answer_square": (
            "class AlwaysEqual(float):\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = float.__hash__\n"
            "def square(x):\n    return AlwaysEqual(-1)\n")}),
        "shadow_numpy_and_tensorflow": Case(6, extra_files={
            "numpy.py": "raise SystemExit('shadowed numpy')\n", "tensorflow.py": "import os\nos._exit(1)\n"}),
        "reads_secrets": Case(6, answers={"answer_square": snoop + "\n" + SQUARE}),
        "writes_gradebook": Case(6, answers={"answer_square": tamper + "\n" + SQUARE}),
        "network_call": Case(6, answers={"answer_square": (
            "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n    print('ONLINE')\n"
            "except OSError as error:\n    print('OFFLINE', error)\n" + SQUARE)}),
        "reseeded_rngs": Case(6, answers={"answer_square": (
            "import random, numpy\nrandom.seed(1)\nnumpy.random.seed(1)\n" + SQUARE)}),
    }


def build(solution: dict, case: Case) -> dict | bytes:
    notebook = copy.deepcopy(solution)
    for cell in _cells(notebook, "solution"):
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        if grade_id in case.answers:
            cell["source"] = case.answers[grade_id]
    if case.edit is not None:
        notebook = case.edit(notebook)
    return notebook if isinstance(notebook, bytes) else json.dumps(notebook).encode()
