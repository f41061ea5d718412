"""Python code in a normal form, so that code renamed, reformatted or reordered reads the same.

:func:`normalize` parses a cell with :mod:`ast`, drops docstrings, comments and formatting, gives the
names the student chose canonical names by first appearance (``v0, v1, ...`` in each function, ``g0, ...``
at the top level, ``k0, ...`` for the keyword arguments of their own functions; names the release
notebook or an import defines, attributes and other keyword arguments keep theirs) and puts each run of
independent statements in a canonical order. A cell that does not parse is normalized token by token.
Standard library only; every cost is bounded (:data:`MAX_TOKENS`, :data:`MAX_REORDERED`).
"""

from __future__ import annotations

import ast
import builtins
import heapq
import io
import keyword
import tokenize
from dataclasses import dataclass

MAX_TOKENS = 20_000  # normalized tokens of one cell kept (an answer has a few hundred)
MAX_REORDERED = 200  # statements of one run put in canonical order (the cost is quadratic); longer runs stay
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class Normalized:
    """A cell's code as written and normalized."""

    source: str  # the student's code, as submitted
    tokens: tuple[str, ...]  # the normalized code's tokens
    statements: dict[int, str]  # line of ``source`` -> the normalized statement written on it
    parsed: bool  # False: the cell did not parse and was normalized token by token

    @property
    def normal_statements(self) -> frozenset[str]:
        return frozenset(self.statements.values())


def kept_names(release_cells: list[str]) -> frozenset[str]:
    """The names the release notebook's code defines (imports, functions, constants), which keep their
    names in every answer, with Python's builtins."""
    return frozenset(BUILTIN_NAMES.union(*(top_level_names(source) for source in release_cells)))


def top_level_names(source: str) -> set[str]:
    """The names a cell binds at its top level (none where it does not parse; IPython's ``%`` and ``!``
    lines are left out)."""
    names = set()
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return names
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
        else:
            names |= {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)
                      and isinstance(node.ctx, ast.Store)}
    return names


def normalize(source: str, kept: frozenset[str] = BUILTIN_NAMES) -> Normalized:
    """``source`` normalized (see the module's doc); names in ``kept`` keep theirs."""
    try:
        tree = ast.parse(source)
        statements = _normalize_tree(tree, kept)
        tokens = _tokens(ast.unparse(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: a NUL byte
        return _normalize_tokens(source, kept)
    return Normalized(source, tokens, statements, parsed=True)


def _normalize_tree(tree: ast.Module, kept: frozenset[str]) -> dict[int, str]:
    """Normalize ``tree`` in place; the normalized statement of each line of the source."""
    _drop_docstrings(tree)
    aliases = _import_aliases(tree)
    bound = _bound_names(tree) | set(aliases)  # shadowing a kept name, a function's local is still bound
    leaves = [(node.lineno, node.end_lineno or node.lineno, node) for node in ast.walk(tree)
              if isinstance(node, ast.stmt) and not _body_fields(node)]
    _reorder(tree, bound)
    _Renamer(kept | set(aliases), aliases).visit(tree)
    statements = {}
    for first, last, node in leaves:
        text = ast.unparse(node)
        for line in range(first, last + 1):
            statements.setdefault(line, text)
    return statements


def _drop_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.copy_location(ast.Pass(), first)]


def _import_aliases(tree: ast.AST) -> dict[str, str]:
    """Name bound by an import -> the name imported (``import numpy as np``: np -> numpy)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = (alias.asname or alias.name).split(".")[0]
                aliases[bound] = alias.name if alias.asname else bound
                alias.asname = None
    return aliases


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere: assigned, a parameter, a function or class defined."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


_BODIES = ("body", "orelse", "finalbody", "handlers")
_MOVABLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Import, ast.ImportFrom, ast.Pass,
            ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assert)


def _body_fields(node: ast.AST) -> list[list]:
    return [getattr(node, name) for name in _BODIES if isinstance(getattr(node, name, None), list)]


def _reorder(tree: ast.AST, bound: set[str]) -> None:
    """Put each run of independent statements in a canonical order, in every body of ``tree``."""
    for node in ast.walk(tree):
        for body in _body_fields(node):
            start = 0
            for end in range(len(body) + 1):
                if end == len(body) or not isinstance(body[end], _MOVABLE):
                    body[start:end] = _canonical_order(body[start:end], bound)
                    start = end + 1


def _canonical_order(run: list[ast.stmt], bound: set[str]) -> list[ast.stmt]:
    """``run`` topologically sorted by its data dependencies on ``bound`` names, the smallest
    statement first (compared with every bound name hidden, so names do not decide the order)."""
    if not 1 < len(run) <= MAX_REORDERED:
        return run
    uses = [_reads_writes(statement, bound) for statement in run]
    after = {j: {i for i in range(j) if uses[i][1] & (uses[j][0] | uses[j][1]) or uses[j][1] & uses[i][0]}
             for j in range(len(run))}
    keys = [_shape(statement, bound) for statement in run]
    ready = [(keys[j], j) for j in range(len(run)) if not after[j]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, i = heapq.heappop(ready)
        ordered.append(run[i])
        for j, waiting in after.items():
            if i in waiting:
                waiting.discard(i)
                if not waiting:
                    heapq.heappush(ready, (keys[j], j))
    return ordered


def _reads_writes(statement: ast.stmt, bound: set[str]) -> tuple[set[str], set[str]]:
    """The ``bound`` names a statement reads and writes; calling a method of a name, or setting its
    attribute or item, writes it."""
    reads, writes = set(), set()
    for node in _evaluated(statement):
        if isinstance(node, ast.Name) and node.id in bound:
            (writes if isinstance(node.ctx, (ast.Store, ast.Del)) else reads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in bound:
            writes.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            writes |= {alias.name.split(".")[0] for alias in node.names} & bound
        target = node.func if isinstance(node, ast.Call) else node if isinstance(
            node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store) else None
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
            if isinstance(target, ast.Name) and target.id in bound:
                writes.add(target.id)
    return reads, writes


def _evaluated(statement: ast.stmt):
    """The nodes of ``statement`` that run when it runs: not the bodies of the functions it defines."""
    pending = [statement]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending += [*node.args.defaults, *(d for d in node.args.kw_defaults if d),
                        *getattr(node, "decorator_list", [])]
        else:
            pending += ast.iter_child_nodes(node)


def _shape(statement: ast.stmt, bound: set[str]) -> str:
    """The statement's AST dumped with every ``bound`` name, parameter and function name written ``_``."""
    hidden = [(node, field) for node in ast.walk(statement) for field in (
        "id" if isinstance(node, ast.Name) and node.id in bound else "arg" if isinstance(node, ast.arg)
        else "name" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None,) if field]
    names = [getattr(node, field) for node, field in hidden]
    for node, field in hidden:
        setattr(node, field, "_")
    shape = ast.dump(statement)
    for (node, field), name in zip(hidden, names, strict=True):
        setattr(node, field, name)
    return shape


class _Renamer(ast.NodeTransformer):
    """Names the student chose become ``v0, v1, ...`` by first appearance, numbered per function
    (module level: ``g0, g1, ...``); kept names and attributes keep theirs, import aliases become
    the imported name."""

    def __init__(self, kept: set[str], aliases: dict[str, str]):
        self.kept, self.aliases = kept, aliases
        self.keywords: dict[str, str] = {}
        self.scopes: list[tuple[set[str], dict[str, str], str]] = [(set(), {}, "g")]  # (locals, names, prefix)

    def _name(self, name: str) -> str:
        for local, names, prefix in reversed(self.scopes):
            if name in local:
                return names.setdefault(name, f"{prefix}{len(names)}")
        if name in self.aliases:
            return self.aliases[name]
        if name in self.kept:
            return name
        _, names, prefix = self.scopes[0]  # a name of the student's defined elsewhere (another cell)
        return names.setdefault(name, f"{prefix}{len(names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._name(node.id)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        """The keyword arguments of a function the student wrote are named by the student too."""
        if isinstance(node.func, ast.Name) and node.func.id not in self.kept:
            for argument in node.keywords:
                if argument.arg:
                    argument.arg = self.keywords.setdefault(argument.arg, f"k{len(self.keywords)}")
        return self.generic_visit(node)

    def _function(self, node, body: list):
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.visit(default)
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                     *(a for a in (node.args.vararg, node.args.kwarg) if a)]
        local = {a.arg for a in arguments} | _function_locals(body)
        self.scopes.append((local, {}, "v"))
        for argument in arguments:
            argument.arg = self._name(argument.arg)
            argument.annotation = None
        for statement in body:
            self.visit(statement)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self._name(node.name)
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.returns = None
        self._function(node, node.body)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.name = self._name(node.name)
        return self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        self._function(node, [node.body])
        return node

    def visit_Module(self, node: ast.Module) -> ast.Module:
        self.scopes[0][0].update(_function_locals(node.body) - self.kept)
        self.generic_visit(node)
        return node


def _function_locals(body: list) -> set[str]:
    """Names bound in a function's own scope (not in the functions it defines), less global ones."""
    names, declared, pending = set(), set(), list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        pending.extend(ast.iter_child_nodes(node))
    return names - declared


def _tokens(code: str) -> tuple[str, ...]:
    """The tokens of valid code, comments and blank lines left out."""
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
    return tuple(token.string if token.type != tokenize.NEWLINE else "\n"
                 for token in tokenize.generate_tokens(io.StringIO(code).readline)
                 if token.type not in skipped)[:MAX_TOKENS]


def _normalize_tokens(source: str, kept: frozenset[str]) -> Normalized:
    """A cell that does not parse, normalized token by token: comments and formatting dropped, names
    that are not kept, keywords or attributes numbered by first appearance."""
    names: dict[str, str] = {}
    lines: dict[int, list[str]] = {}
    previous = ""
    for token in _raw_tokens(source):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        text = token.string
        if token.type == tokenize.NAME and not keyword.iskeyword(text) and text not in kept and previous != ".":
            text = names.setdefault(text, f"v{len(names)}")
        lines.setdefault(token.start[0], []).append(text)
        previous = token.string
    statements = {line: " ".join(words) for line, words in lines.items()}
    tokens = tuple(word for line in sorted(lines) for word in [*lines[line], "\n"])[:MAX_TOKENS]
    return Normalized(source, tokens, statements, parsed=False)


def _raw_tokens(source: str):
    """The tokens of ``source`` up to where the tokenizer gives up."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(source).readline)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return
