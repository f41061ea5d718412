"""Enumerating the mutants of an answer cell: every operator at every statement of its solution region."""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from devtools.mutation.operators import EXPRESSION_OPERATORS, STATEMENT_OPERATORS

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


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


def _spliced(statement, mutated, lines) -> list[str]:
    """The lines of ``statement`` with its code replaced by ``mutated``'s: what came before it on its
    first line (indentation, ``if x:``) and after it on its last (a comment) stay."""
    first, last = lines[statement.lineno - 1], lines[statement.end_lineno - 1]
    new = ast.unparse(mutated).splitlines()
    new = [first[:statement.col_offset] + new[0]] + [" " * statement.col_offset + line for line in new[1:]]
    new[-1] += last[statement.end_col_offset:]
    return new
