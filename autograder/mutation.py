"""Mutation testing of the checks: small bugs planted in the solutions must lose points.

The idea of mutmut and cosmic-ray, applied to the instructor's solution notebooks. Each operator
below makes one small change inside the ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region of
one answer cell (a constant, a string, a keyword argument, a name, a dropped or moved statement);
the checks should fail every such mutant. A mutant that survives is a gap in an observer or a
judge, or it computes the same function as the solution (an *equivalent* mutant, which the
assignment's table lists with the reason).

Grading a mutant in the sandbox costs half a minute. :class:`Engine` grades hundreds in one
process instead: it imports TensorFlow once, runs the notebook's definitions once, and for each
mutant re-runs its answer cell in a copy of that namespace and the observers that call into it,
judging their observations against the solution's under several seeds (a verdict that changes with
the seed is a fault of the check). :class:`Worker` runs an engine in a child process, so that a
mutant that crashes the interpreter costs a restart. :meth:`Engine.differences` is the probe for
survivors: it calls the mutated functions and the solution's as the observers did, with random
inputs and weights, and says what differs. The engine runs the code it is given without a
sandbox: a development tool for trusted code (solutions, mutants, the corpus), never for submissions.

    with Worker("residual_networks") as worker:
        for mutant in worker.mutants():
            print(mutant.key, worker.grade({mutant.cell: mutant.source}).killed_by)

The table of equivalent mutants and the corpus of correct answers in other styles live with the
assignments' tests (tests/assignments/); benchmarks/mutation.py reports the mutation score.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import gc
import json
import signal
import subprocess
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.normalize import top_level_names

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SEEDS = (1, 2)  # every mutant is judged under each, so a verdict that depends on the draw shows up
OBSERVER_SECONDS = 300.0  # the time one observer may take on a mutant before it counts as failed


@dataclass(frozen=True)
class Mutant:
    cell: str  # grade_id of the answer cell
    operator: str
    line: int  # in the cell, from 1
    description: str
    source: str  # the whole mutated cell

    @property
    def key(self) -> str:
        """Names this mutant in reports and in tables of equivalent mutants."""
        return f"{self.cell}:{self.line}:{self.operator}: {self.description}"


# --- the operators ---------------------------------------------------------------------------
# An expression operator gets a node and the names in scope there; it yields (description, change),
# where change(node) returns the node to put in its place (the same node, edited, or a new one).
# A statement operator gets a block of statements, an index in it and the cell's lines; it yields
# (description, first line, last line, replacement text).

STRING_FAMILIES = {
    "same": ["valid"], "valid": ["same"],
    "relu": ["linear", "sigmoid", "tanh"],
    "softmax": ["sigmoid", None],
    "horizontal": ["vertical", "horizontal_and_vertical"], "vertical": ["horizontal"],
    "max": ["avg"], "avg": ["max"],
    "training": ["validation"], "validation": ["training"],
}
ARITHMETIC = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Add, ast.Div], ast.Div: [ast.Mult],
              ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv], ast.Pow: [ast.Mult]}
AXES = (1, 2, 3, -1)
SIZE_KEYWORDS = ("kernel_size", "strides", "pool_size", "filters", "units")


def _set(node, **fields):
    for name, value in fields.items():
        setattr(node, name, value)
    return node


def change_integer(node, scope) -> Iterator[tuple[str, Callable]]:
    """An integer constant one up or one down (a kernel size, a stride, a filter count, an index)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            yield f"{node.value} -> {node.value + delta}", lambda n, d=delta: _set(n, value=n.value + d)


def change_float(node, scope):
    """A float constant doubled (0.0 becomes 0.5): a rate, a split, a threshold, a factor."""
    if isinstance(node, ast.Constant) and type(node.value) is float:
        new = node.value * 2 if node.value else 0.5
        yield f"{node.value} -> {new}", lambda n: _set(n, value=new)


def shift_size(node, scope):
    """A size or stride given by a name, one up or one down: ``kernel_size=f`` -> ``f + 1``."""
    if isinstance(node, ast.keyword) and node.arg in SIZE_KEYWORDS and isinstance(node.value, ast.Name):
        for op, sign in ((ast.Add(), "+"), (ast.Sub(), "-")):
            yield (f"{node.arg}={node.value.id} -> {node.arg}={node.value.id} {sign} 1",
                   lambda n, op=op: _set(n, value=ast.BinOp(n.value, op, ast.Constant(1))))


def swap_elements(node, scope):
    """Two neighbouring elements of a list or tuple literal swapped."""
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) > 1:
        for i in range(len(node.elts) - 1):
            if ast.dump(node.elts[i]) != ast.dump(node.elts[i + 1]):
                def swap(n, i=i):
                    n.elts[i], n.elts[i + 1] = n.elts[i + 1], n.elts[i]
                    return n
                yield f"swap {ast.unparse(node.elts[i])} and {ast.unparse(node.elts[i + 1])}", swap


def replace_string(node, scope):
    """A string from a known family replaced by another: 'same'/'valid', 'relu' -> 'linear', ..."""
    if isinstance(node, ast.Constant) and type(node.value) is str:
        for new in STRING_FAMILIES.get(node.value, []):
            yield f"{node.value!r} -> {new!r}", lambda n, new=new: _set(n, value=new)


def change_axis(node, scope):
    """``axis=`` given another value."""
    if isinstance(node, ast.keyword) and node.arg == "axis":
        try:
            old = ast.literal_eval(node.value)
        except ValueError:
            return
        for new in AXES:
            if new != old:
                yield f"axis={old} -> axis={new}", lambda n, new=new: _set(n, value=ast.Constant(new))


def drop_keyword(node, scope):
    """One keyword argument of a call left out (``training=training``, ``padding=...``, ``seed=...``)."""
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                yield (f"drop {ast.unparse(keyword)} from {_callee(node)}",
                       lambda n, i=i: _set(n, keywords=n.keywords[:i] + n.keywords[i + 1:]))


def flip_boolean(node, scope):
    """True <-> False."""
    if isinstance(node, ast.Constant) and type(node.value) is bool:
        yield f"{node.value} -> {not node.value}", lambda n: _set(n, value=not n.value)


def replace_arithmetic(node, scope):
    """An arithmetic operator replaced: ``*`` -> ``+`` or ``/``, ``+`` -> ``-``, ..."""
    if isinstance(node, ast.BinOp):
        for new in ARITHMETIC.get(type(node.op), []):
            after = ast.unparse(_set(copy.deepcopy(node), op=new()))
            yield f"{ast.unparse(node)} -> {after}", lambda n, new=new: _set(n, op=new())


def replace_argument(node, scope):
    """A name passed to a function (or listed in an argument) replaced by another name in scope of
    the same kind: F1 -> F2, X -> X_shortcut, batch_size -> seed."""
    if not isinstance(node, ast.Call):
        return
    slots = [("args", i) for i in range(len(node.args))] + [("keywords", i) for i in range(len(node.keywords))]
    for kind, i in slots:
        value = node.args[i] if kind == "args" else node.keywords[i].value
        names = [(None, value)] if isinstance(value, ast.Name) else []
        if isinstance(value, (ast.List, ast.Tuple)):
            names = [(j, elt) for j, elt in enumerate(value.elts) if isinstance(elt, ast.Name)]
        for j, name in names:
            for other in scope.alternatives(name.id):
                def change(n, kind=kind, i=i, j=j, other=other):
                    holder = n.args[i] if kind == "args" else n.keywords[i].value
                    target = holder if j is None else holder.elts[j]
                    target.id = other
                    return n
                where = f"{node.keywords[i].arg}=" if kind == "keywords" else ""
                yield f"{where}{name.id} -> {where}{other} in {_callee(node)}", change


EXPRESSION_OPERATORS = (change_integer, change_float, shift_size, swap_elements, replace_string, change_axis,
                        drop_keyword, flip_boolean, replace_arithmetic, replace_argument)


def drop_layer_call(body, index, lines):
    """A statement that passes a tensor through a layer or function left out: ``X = Layer(...)(X)``."""
    statement = body[index]
    if (isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Call)):
        target = statement.targets[0].id
        if any(isinstance(a, ast.Name) and a.id == target for a in statement.value.args):
            yield (f"drop {_short(_text(statement, lines))}", *_removal(body, index, lines))


def drop_effect(body, index, lines):
    """A statement run for its effect left out: a call (``model.compile(...)``) or an attribute set
    (``base_model.trainable = False``)."""
    statement = body[index]
    if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)) or (
            isinstance(statement, ast.Assign) and all(isinstance(t, ast.Attribute) for t in statement.targets)):
        yield (f"drop {_short(_text(statement, lines))}", *_removal(body, index, lines))


def swap_statements(body, index, lines):
    """A statement and the next one in the other order, when one reads or changes what the other
    writes (independent statements commute: swapping them would only make equivalent mutants)."""
    if index + 1 >= len(body):
        return
    first, second = body[index], body[index + 1]
    (reads1, writes1), (reads2, writes2) = _names(first), _names(second)
    if not (writes1 & (reads2 | writes2) or writes2 & reads1):
        return
    start, end = first.lineno, second.end_lineno
    between = lines[first.end_lineno:second.lineno - 1]
    text = lines[second.lineno - 1:end] + between + lines[start - 1:first.end_lineno]
    yield (f"swap {_short(_text(first, lines))} and {_short(_text(second, lines))}", start, end, "\n".join(text))


STATEMENT_OPERATORS = (drop_layer_call, drop_effect, swap_statements)
OPERATORS = tuple(op.__name__ for op in EXPRESSION_OPERATORS + STATEMENT_OPERATORS)


# --- enumerating mutants ---------------------------------------------------------------------


class Scope:
    """The names a function can use at one statement: its parameters and the locals bound before.

    ``kinds`` (name -> type names seen when the solution ran) narrows replacements to names of the
    same kind; without it, any other name in scope may replace a name.
    """

    def __init__(self, names: list[str], kinds: dict[str, set[str]] | None):
        self.names, self.kinds = names, kinds

    def alternatives(self, name: str) -> list[str]:
        if name not in self.names:
            return []
        if self.kinds is None:
            return [n for n in self.names if n != name]
        kind = self.kinds.get(name, set())
        return [n for n in self.names if n != name and kind & self.kinds.get(n, set())]


def solution_region(source: str) -> tuple[int, int]:
    """Line numbers (from 1) of the ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers."""
    lines = source.splitlines()
    begin = [i for i, line in enumerate(lines, 1) if line.strip() == BEGIN]
    end = [i for i, line in enumerate(lines, 1) if line.strip() == END]
    if len(begin) != 1 or len(end) != 1 or begin[0] >= end[0]:
        raise ValueError("an answer cell needs exactly one solution region")
    return begin[0], end[0]


def mutants(cell: str, source: str, kinds: dict[str, dict[str, set[str]]] | None = None) -> list[Mutant]:
    """Every mutant of the solution region of one answer cell, in a fixed order.

    ``kinds``: function name -> local name -> type names (see :class:`Scope`).
    """
    tree, lines = ast.parse(source), source.splitlines()
    begin, end = solution_region(source)
    found, seen, keys = [], {source}, {}

    def add(operator, line, description, new_source):
        try:
            compile(new_source, cell, "exec")
        except SyntaxError:
            return
        if new_source in seen:
            return
        seen.add(new_source)
        key = f"{cell}:{line}:{operator}: {description}"
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:
            description += f" #{keys[key]}"
        found.append(Mutant(cell, operator, line, description, new_source))

    for function, statement in _statements(tree, begin, end):
        known = (kinds or {}).get(function.name) if function else None
        scope = Scope(_in_scope(function, statement.lineno), known)
        nodes = _own_nodes(statement)
        keywords = {id(n.value): n.arg for n in nodes if isinstance(n, ast.keyword)}
        for index, node in enumerate(nodes):
            where = f"{keywords[id(node)]}: " if id(node) in keywords else ""
            for operator in EXPRESSION_OPERATORS:
                for description, change in operator(node, scope):
                    description = where + description
                    mutated = copy.deepcopy(statement)
                    target = _own_nodes(mutated)[index]
                    new = change(target)
                    if new is not target:
                        _replace(mutated, target, new)
                    new_lines = lines[:statement.lineno - 1] + _spliced(statement, mutated, lines) + lines[statement.end_lineno:]
                    add(operator.__name__, statement.lineno, description, "\n".join(new_lines) + "\n")
    for body in _bodies(tree, begin, end):
        for index in range(len(body)):
            for operator in STATEMENT_OPERATORS:
                for description, first, last, text in operator(body, index, lines):
                    new_lines = lines[:first - 1] + text.splitlines() + lines[last:]
                    add(operator.__name__, body[index].lineno, description, "\n".join(new_lines) + "\n")
    return found


def _statements(tree, begin, end):
    """(enclosing function or None, statement) for every statement inside the region, in order."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                inside = begin < child.lineno and child.end_lineno < end
                if inside and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found.append((function, child))
                visit(child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function)

    visit(tree, None)
    return sorted(found, key=lambda pair: (pair[1].lineno, pair[1].col_offset))


def _bodies(tree, begin, end):
    """Every block of statements (a body), restricted to its statements inside the region."""
    blocks = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                inside = [s for s in block if begin < s.lineno and s.end_lineno < end]
                if inside:
                    blocks.append(inside)
    return sorted(blocks, key=lambda block: block[0].lineno)


def _own_nodes(statement) -> list:
    """The expression nodes of a statement, not of the statements nested in it, in a fixed order."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        roots = [statement.target, statement.iter]
    elif isinstance(statement, (ast.If, ast.While)):
        roots = [statement.test]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        roots = list(statement.items)
    elif isinstance(statement, (ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        roots = []
    else:
        roots = [statement]
    return [node for root in roots for node in ast.walk(root) if not isinstance(node, ast.stmt) or node is root]


def _replace(tree, old, new):
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[id(item) for item in value].index(id(old))] = new
                return
    raise ValueError("node not found")


def _in_scope(function, line: int) -> list[str]:
    """The parameters of ``function`` and the names it binds before ``line`` (a loop's variable inside it)."""
    if function is None:
        return []
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a]
    for node in ast.walk(function):
        if node is function or not isinstance(node, ast.stmt):
            continue
        if node.end_lineno < line:  # bound before the line
            bound = [node]
        elif isinstance(node, (ast.For, ast.AsyncFor)) and node.lineno < line:  # a loop's variable, inside it
            bound = [node.target]
        else:
            continue
        for root in bound:
            for target in ast.walk(root):
                if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store) and target.id not in names:
                    names.append(target.id)
    return sorted(names)


def _names(statement) -> tuple[set[str], set[str]]:
    """Names a statement reads and names it writes (or may change: the receiver of a call run for
    its effect, the object whose attribute it sets)."""
    reads, writes = set(), set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                writes.add(root.id)
    if isinstance(statement, ast.Expr) or isinstance(statement, (ast.For, ast.With, ast.If)):
        writes |= reads
    return reads, writes


def _removal(body, index, lines):
    statement = body[index]
    replacement = " " * statement.col_offset + "pass" if len(body) == 1 else None
    return statement.lineno, statement.end_lineno, replacement or ""


def _text(statement, lines) -> str:
    return " ".join(line.strip() for line in lines[statement.lineno - 1:statement.end_lineno])


def _callee(call) -> str:
    """A call without its arguments: ``layers.Conv2D(...)(...)``."""
    inner = call.func
    return (_callee(inner) if isinstance(inner, ast.Call) else _short(ast.unparse(inner), 50)) + "(...)"


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _spliced(statement, mutated, lines) -> list[str]:
    """The lines of ``statement`` with its code replaced by ``mutated``'s: what came before it on its
    first line (indentation, ``if x:``) and after it on its last (a comment) stay."""
    first, last = lines[statement.lineno - 1], lines[statement.end_lineno - 1]
    new = ast.unparse(mutated).splitlines()
    new = [first[:statement.col_offset] + new[0]] + [" " * statement.col_offset + line for line in new[1:]]
    new[-1] += last[statement.end_col_offset:]
    return new


# --- grading in one process --------------------------------------------------------------------


class ObserverTimeout(BaseException):  # not an Exception: code under test must not catch it
    """An observer ran longer than :data:`OBSERVER_SECONDS`."""


@dataclass
class Graded:
    """What the checks said about a notebook with some answer cells replaced."""

    failed: dict[int, dict[str, str]]  # seed -> grade_id -> message, for the tests that failed
    ran: list[str]  # tests observed; the others call nothing that changed, so they pass as the solution does
    seconds: float
    cell_errors: dict[str, str] = field(default_factory=dict)  # answer cell -> the error its code raised

    @property
    def killed_by(self) -> list[str]:
        return sorted({test for failures in self.failed.values() for test in failures})

    @property
    def full_marks(self) -> bool:
        return not self.killed_by

    @property
    def killed(self) -> bool:
        """Some test failed under every seed."""
        return all(self.failed.values())

    @property
    def depends_on_seed(self) -> bool:
        """Whether some test passed under one seed and failed under another: a verdict must never
        depend on the draw."""
        return len({frozenset(failures) for failures in self.failed.values()}) > 1


class Engine:
    """Grades replacements of an assignment's answer cells in this process (trusted code only).

    The namespace is built once from the solution notebook: its answer cells, and from the other
    cells only imports, definitions and assignments of constants (nothing that loads data, trains
    or plots; cells tagged ``skip-when-grading`` not at all), with the assignment's grading
    parameters injected after the ``parameters`` cell as papermill would. References are the
    solution's observations under each seed. A first run of the observers records which answer
    cells each test calls (a change elsewhere cannot change its observation), the kinds of values
    each answer function's locals hold, and copies of the arguments of its first calls (for the
    probe).
    """

    def __init__(self, assignment_id: str, seeds=SEEDS, repo: Path | None = None,
                 observer_seconds: float = OBSERVER_SECONDS):
        from autograder.notebooks import answers_from_source
        from autograder.spec import Assignment

        self.assignment = Assignment.load(Path(repo or Path(__file__).resolve().parent.parent), assignment_id)
        self.checks = self.assignment.checks
        self.tests = [test.grade_id for test in self.assignment.notebook.tests]
        self.answers = answers_from_source(self.assignment.source_path, self.assignment.notebook.answer_ids)
        self.seeds, self.observer_seconds = tuple(seeds), observer_seconds
        self.namespace = self._definitions()
        self.calls: dict[str, set[str]] = {}  # test -> answer cells it calls when the solution runs
        self.kinds: dict[str, dict[str, set[str]]] = {}  # answer function -> local name -> type names
        self.recorded: dict[str, list[tuple]] = {}  # answer function -> (args, kwargs) of its first calls
        self._references: dict[int, dict[str, dict]] = {}
        self._trace(self.seeds[0])

    # --- the namespace

    def _definitions(self) -> dict:
        import nbformat

        from autograder.notebooks import SKIP_TAG

        namespace = {"__name__": "__main__"}
        for cell in nbformat.read(self.assignment.source_path, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or grade_id in self.checks.checks or (
                    SKIP_TAG in tags and grade_id not in self.answers and "parameters" not in tags):
                continue
            if grade_id in self.answers:
                exec(compile(self.answers[grade_id], _filename(grade_id), "exec"), namespace)
            else:
                for statement in ast.parse(_plain_python(cell.source)).body:
                    if _is_definition(statement, namespace):
                        exec(compile(ast.Module([statement], []), f"<cell {grade_id}>", "exec"), namespace)
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                namespace.update(self.checks.grading_parameters)
        return namespace

    def _fork(self, replacements: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """A copy of the namespace (the notebook's functions rebound to it, so that they look up the
        replaced ones) with the answer cells ``replacements`` names run in place of the solution's.
        The kit forgets the models it shared among the previous namespace's observers."""
        from autograder import kernel

        kernel._SHARED.clear()
        namespace = dict(self.namespace)
        for name, value in self.namespace.items():
            if isinstance(value, types.FunctionType) and value.__globals__ is self.namespace:
                namespace[name] = _rebound(value, namespace)
        errors = {}
        for cell, source in replacements.items():
            for name in top_level_names(self.answers[cell]):
                namespace.pop(name, None)
            try:
                exec(compile(source, _filename(cell), "exec"), namespace)
            except Exception as error:  # noqa: BLE001 - a broken answer fails its tests, as in the notebook
                errors[cell] = _error_text(error)
        return namespace, errors

    # --- observing and judging

    def _observe(self, test: str, namespace: dict, seed: int) -> dict:
        """What the kit's ``emit`` would send: ``{"value": encoded}`` or ``{"error": text}``."""
        from autograder import kernel, observations

        kernel.SEED = seed
        try:
            with _time_limit(self.observer_seconds):
                return {"value": observations.encode(self.checks.checks[test].observe(namespace, kernel))}
        except BaseException as error:  # noqa: BLE001 - the code under test may raise anything
            if isinstance(error, KeyboardInterrupt):
                raise
            return {"error": _error_text(error)}

    def reference(self, seed: int) -> dict[str, dict]:
        """The solution's observations under ``seed``, decoded: ``{grade_id: {"value": ...}}``."""
        if seed not in self._references:
            namespace, _ = self._fork({})
            self._references[seed] = self._decoded({t: self._observe(t, namespace, seed) for t in self.tests})
            _release_memory()
        return self._references[seed]

    def _decoded(self, payloads: dict[str, dict]) -> dict[str, dict]:
        from autograder import observations
        from autograder.references import ReferenceError

        problems = [f"{test}: {payload['error']}" for test, payload in payloads.items() if "value" not in payload]
        if problems:
            raise ReferenceError(f"The solution of {self.assignment.assignment_id} does not pass its own "
                                 "observers: " + "; ".join(problems))
        return {test: {"value": observations.decode(json.loads(json.dumps(payload["value"])))}
                for test, payload in payloads.items()}

    def affected(self, replacements: dict[str, str]) -> list[str]:
        return affected_tests(self.tests, self.calls, self.answers, replacements)

    def grade(self, replacements: dict[str, str], seeds=None) -> Graded:
        """Judge the notebook with ``replacements`` (answer grade_id -> source) under each seed."""
        from autograder import observations

        started = time.monotonic()
        namespace, errors = self._fork(replacements)
        tests, failed = self.affected(replacements), {}
        for seed in seeds or self.seeds:
            reference, failed[seed] = self.reference(seed), {}
            for test in tests:
                payload = self._observe(test, namespace, seed)
                try:
                    student = ({"value": observations.decode(json.loads(json.dumps(payload["value"])))}
                               if "value" in payload else payload)
                except (ValueError, TypeError) as error:
                    student = {"error": f"the observation could not be read back: {error}"}
                verdict = self.checks.verdict(test, student, reference[test])
                if not verdict.passed:
                    failed[seed][test] = verdict.message
        del namespace
        _release_memory()
        return Graded(failed, tests, round(time.monotonic() - started, 2), errors)

    # --- equivalence

    def differences(self, replacements: dict[str, str], trials: int = 3) -> list[str]:
        """How the replaced answer functions differ from the solution's when called as the observers
        called them (recorded when the solution ran), on random inputs and weights: empty if they
        compute the same on every call (outputs, weights and their trainable flags, compile settings)."""
        namespace, errors = self._fork(replacements)
        solution, _ = self._fork({})
        found = [f"{cell} raised {error}" for cell, error in errors.items()]
        for cell in replacements:
            for name in sorted(top_level_names(self.answers[cell]) & set(self.recorded)):
                for args, kwargs in self.recorded[name]:
                    call = f"{name}({_describe_arguments(args, kwargs)})"
                    try:  # each gets its own copy of a model it might change (compile, unfreeze)
                        mine = namespace[name](*_fresh(args), **_fresh(kwargs))
                    except Exception as error:  # noqa: BLE001 - a mutant may raise anything
                        found.append(f"{call} raised {_error_text(error)}")
                        continue
                    expected = solution[name](*_fresh(args), **_fresh(kwargs))
                    found += [f"{call}: {what}" for what in _compare(expected, mine, args, kwargs, trials)]
        _release_memory()
        return found

    # --- mutants

    def mutants(self) -> list[Mutant]:
        """Every mutant of every answer cell, a name only ever replaced by one of the same kind."""
        return [m for cell, source in self.answers.items() for m in mutants(cell, source, self.kinds)]

    def _trace(self, seed: int) -> None:
        """Observe the solution once, recording which answer cells each test calls and the kinds of
        the answer functions' locals; these observations are also the references under ``seed``."""
        from autograder import kernel

        namespace, _ = self._fork({})
        called: set[str] = set()
        for name, value in list(namespace.items()):
            cell = _cell_of(value)
            if cell:
                namespace[name] = self._recording(value, cell, called)

        def profile(frame, event, arg):
            if event == "return" and frame.f_code.co_filename.startswith("<answer "):
                kinds = self.kinds.setdefault(frame.f_code.co_name, {})
                for local, value in frame.f_locals.items():
                    kinds.setdefault(local, set()).add(type(value).__name__)

        payloads = {}
        for test in self.tests:
            called.clear()
            kernel._SHARED.clear()  # each test builds what it shares with others, so its calls are recorded
            sys.setprofile(profile)
            try:
                payloads[test] = self._observe(test, namespace, seed)
            finally:
                sys.setprofile(None)
            self.calls[test] = set(called)
        self._references[seed] = self._decoded(payloads)
        _release_memory()

    def _recording(self, function, cell: str, called: set[str]):
        calls = self.recorded.setdefault(function.__name__, [])

        @functools.wraps(function)
        def recording(*args, **kwargs):
            called.add(cell)
            if len(calls) < 8:  # copies: the call may change a model it is given (compile, unfreeze)
                calls.append((_fresh(args), _fresh(kwargs)))
            return function(*args, **kwargs)

        return recording


def observer_seconds(assignment_id: str, repeats: int = 3) -> float:
    """The floor of grading one submission: every observer on the solution in a warm process
    (TensorFlow imported, the notebook's definitions loaded), the median of ``repeats`` seeds."""
    engine = Engine(assignment_id, seeds=SEEDS[:1])
    seconds = []
    for seed in range(repeats):
        namespace, _ = engine._fork({})
        started = time.monotonic()
        for test in engine.tests:
            engine._observe(test, namespace, 1000 + seed)
        seconds.append(time.monotonic() - started)
    return sorted(seconds)[len(seconds) // 2]


class Worker:
    """An :class:`Engine` in a child process, so that a mutant that crashes the interpreter (a batch
    of two billion images) or hangs in native code costs a restart, not the whole run. Such a
    mutant fails every test it reaches, as it would in the sandbox where its kernel dies."""

    def __init__(self, assignment_id: str, seeds=SEEDS, repo: Path | None = None,
                 observer_seconds: float = OBSERVER_SECONDS):
        self.options = (assignment_id, tuple(seeds), str(repo) if repo else None, observer_seconds)
        self.seeds, self.observer_seconds = tuple(seeds), observer_seconds
        self.process = None
        self._start()

    def _start(self) -> None:
        from multiprocessing.connection import Pipe

        self.connection, child = Pipe()
        command = ("import sys; from multiprocessing.connection import Connection; from autograder import mutation; "
                   "mutation._serve(Connection(int(sys.argv[1])), *mutation.json.loads(sys.argv[2]))")
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, str(child.fileno()), json.dumps(self.options)],
            pass_fds=[child.fileno()], stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
        child.close()
        ready = self._receive(timeout=1800)
        if isinstance(ready, BaseException) or ready is None:
            self.close()
            raise RuntimeError(f"the mutation worker did not start: {ready!r}")
        self.tests, self.calls, self.answers = ready["tests"], ready["calls"], ready["answers"]

    def _receive(self, timeout: float):
        if not self.connection.poll(timeout):
            return None
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            return None

    def _ask(self, request: tuple, timeout: float):
        self.connection.send(request)
        answer = self._receive(timeout)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def mutants(self) -> list[Mutant]:
        return self._ask(("mutants",), 600)

    def reference(self, seed: int) -> dict[str, dict]:
        """The solution's observations under ``seed``, decoded (see :meth:`Engine.reference`)."""
        return self._ask(("reference", seed), 600)

    def grade(self, replacements: dict[str, str], seeds=None) -> Graded:
        seeds = tuple(seeds or self.seeds)
        tests = affected_tests(self.tests, self.calls, self.answers, replacements)
        limit = 120 + self.observer_seconds * max(1, len(tests)) * len(seeds)
        started = time.monotonic()
        graded = self._ask(("grade", replacements, seeds), limit)
        if graded is None:  # the worker died or hung: start another
            code = self.process.poll()
            self.close()
            self._start()
            why = (f"the Python process died (exit code {code})" if code is not None
                   else f"it ran longer than {limit:.0f} s")
            graded = Graded({seed: {test: f"Your code stopped the notebook: {why}." for test in tests}
                             for seed in seeds}, tests, round(time.monotonic() - started, 2))
        return graded

    def differences(self, replacements: dict[str, str]) -> list[str]:
        return self._ask(("differences", replacements), 1800)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.connection.send(("stop",))
                self.process.wait(5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(connection, assignment_id, seeds, repo, observer_seconds) -> None:
    """The worker's loop: build the engine once, then answer requests until told to stop."""
    try:
        engine = Engine(assignment_id, seeds, Path(repo) if repo else None, observer_seconds)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        connection.send(RuntimeError(f"{type(error).__name__}: {error}"))
        return
    connection.send({"tests": engine.tests, "calls": engine.calls, "answers": engine.answers})
    while True:
        request = connection.recv()
        try:
            if request[0] == "stop":
                return
            if request[0] == "mutants":
                connection.send(engine.mutants())
            elif request[0] == "grade":
                connection.send(engine.grade(request[1], request[2]))
            elif request[0] == "differences":
                connection.send(engine.differences(request[1]))
            elif request[0] == "reference":
                connection.send(engine.reference(request[1]))
        except Exception as error:  # noqa: BLE001 - a fault of the engine, reported to the parent
            connection.send(RuntimeError(f"{type(error).__name__}: {error}"))


def _describe_arguments(args, kwargs) -> str:
    def short(value):
        shape = getattr(value, "shape", None)
        return f"<tensor {tuple(shape)}>" if shape is not None and not isinstance(value, (list, tuple)) else (
            _short(repr(value), 40))
    return ", ".join([short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()])


def _compare(expected, mine, args, kwargs, trials: int) -> list[str]:
    """What differs between two results of the same call (tensors, models, datasets, plain values)."""
    import keras
    import numpy as np


    if isinstance(expected, (list, tuple)) and not isinstance(expected, keras.KerasTensor):
        if not isinstance(mine, (list, tuple)) or len(mine) != len(expected):
            return [f"returns {type(mine).__name__} instead of {len(expected)} results"]
        return [what for e, m in zip(expected, mine) for what in _compare(e, m, args, kwargs, trials)]
    if isinstance(expected, keras.KerasTensor):
        inputs = [a for a in [*args, *kwargs.values()] if isinstance(a, keras.KerasTensor)]
        if not isinstance(mine, keras.KerasTensor):
            return [f"returns a {type(mine).__name__}, not a tensor"]
        try:
            inputs = inputs[0] if len(inputs) == 1 else inputs
            expected, mine = keras.Model(inputs, expected), keras.Model(inputs, mine)
        except Exception as error:  # noqa: BLE001
            return [f"cannot be made a model: {_error_text(error)}"]
        return _compare_models(expected, mine, trials, by_role=True)
    if isinstance(expected, keras.Model):
        if not isinstance(mine, keras.Model):
            return [f"returns a {type(mine).__name__}, not a model"]
        found = _compare_models(expected, mine, trials, by_role=False)
        compiled = [_compiled(model) for model in (expected, mine)]
        if compiled[0] != compiled[1]:
            found.append(f"compiled with {compiled[1]}, not {compiled[0]}")
        return found
    if hasattr(expected, "element_spec"):  # a tf.data dataset
        seen = [(list(getattr(d, "file_paths", None) or []), getattr(d, "class_names", None), str(d.element_spec),
                 [tuple(part.shape) for part in next(iter(d))]) for d in (expected, mine)
                ] if hasattr(mine, "element_spec") else None
        return [] if seen and seen[0] == seen[1] else ["a different dataset (files, classes, order or batches)"]
    same = type(expected) is type(mine) and bool(np.all(expected == mine))
    return [] if same else [f"returns {_short(repr(mine), 60)} instead of {_short(repr(expected), 60)}"]


def _compiled(model) -> dict | None:
    """How a model was compiled (optimizer, learning rate, loss, metrics and their names), None if not."""
    from autograder import kernel

    if not getattr(model, "compiled", False):
        return None
    return kernel.compile_summary(model)


def _fresh(value):
    """``value`` with every Keras model in it replaced by a copy (same layers, weights, trainable flags)."""
    import keras

    if isinstance(value, keras.Model):
        copied = keras.models.clone_model(value)  # from the layers' configs: their trainable flags too
        copied.set_weights(value.get_weights())
        return copied
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(item) for item in value)
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    return value


def _compare_models(expected, mine, trials: int, by_role: bool) -> list[str]:
    """Same weights (shapes, trainable flags), same layers' settings where there are no weights, and
    the same outputs on random inputs, with the same weights (by role, or copied from the first)."""
    import numpy as np

    from autograder import kernel

    def weights(model):
        return sorted((tuple(w.shape), bool(w.trainable)) for w in model.weights)

    if weights(expected) != weights(mine):
        return ["other weights (shapes or trainable flags)"]
    if not expected.weights:
        configs = [[(type(layer).__name__, {k: v for k, v in layer.get_config().items() if k not in ("name", "seed")})
                    for layer in model.layers] for model in (expected, mine)]
        if configs[0] != configs[1]:
            return ["other layers or layer settings"]
    found = []
    same_order = [tuple(w.shape) for w in expected.weights] == [tuple(w.shape) for w in mine.weights]
    for trial in range(trials):
        if by_role or not same_order:
            kernel.set_weights_by_role(expected, trial)
            kernel.set_weights_by_role(mine, trial)
        elif trial == 0:
            mine.set_weights(expected.get_weights())
        inputs = [kernel.random_input((2, *shape[1:]), seed=trial) for shape in _input_shapes(expected)]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        # called as the observers call them: each layer keeps the mode it was built with
        a, b = np.asarray(expected(inputs)), np.asarray(mine(inputs))
        if a.shape != b.shape or not np.allclose(a, b, atol=1e-4, rtol=1e-3):
            found.append(f"other outputs on random inputs (trial {trial})")
            break
    return found


def _input_shapes(model) -> list[tuple]:
    return [tuple(int(n) if n is not None else 2 for n in tensor.shape) for tensor in model.inputs]


def affected_tests(tests: list[str], calls: dict[str, set[str]], answers: dict[str, str],
                   replacements: dict[str, str]) -> list[str]:
    """The tests whose observation can change when these answer cells are replaced: those that call
    into them (every test, if a replacement rebinds a name another answer cell defines)."""
    others = {name for cell, source in answers.items() if cell not in replacements for name in top_level_names(source)}
    if any(top_level_names(source) & others for source in replacements.values()):
        return list(tests)
    return [test for test in tests if calls.get(test, set()) & set(replacements)]


def _filename(cell: str) -> str:
    return f"<answer {cell}>"


def _cell_of(value) -> str | None:
    code = getattr(value, "__code__", None)
    name = getattr(code, "co_filename", "")
    return name[len("<answer "):-1] if name.startswith("<answer ") else None


def _is_definition(statement, namespace: dict) -> bool:
    """Imports, functions, classes, and names given a literal or an attribute of a module (a
    ``parameters`` cell, ``preprocess_input = keras.applications...``): never a call."""
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    if not (isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets)):
        return False
    try:
        ast.literal_eval(statement.value)
        return True
    except ValueError:
        pass
    root = statement.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and isinstance(namespace.get(root.id), types.ModuleType)


def _plain_python(source: str) -> str:
    """A cell's code with IPython's magics (``%pip install ...``) turned into the calls they stand for."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)


def _rebound(function, namespace: dict):
    copied = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                                function.__closure__)
    copied.__kwdefaults__ = function.__kwdefaults__
    copied.__dict__.update(function.__dict__)
    copied.__doc__, copied.__qualname__ = function.__doc__, function.__qualname__
    return copied


def _error_text(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`ObserverTimeout` after ``seconds`` (in the main thread; no limit elsewhere)."""
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ObserverTimeout(f"the observer ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _release_memory() -> None:
    import keras

    keras.backend.clear_session()
    gc.collect()
