"""The mutation operators: each makes one small change to a statement of a solution region.

An expression operator gets a node and the names in scope there; it yields (description, change),
where change(node) returns the node to put in its place (the same node, edited, or a new one).
A statement operator gets a block of statements, an index in it and the cell's lines; it yields
(description, first line, last line, replacement text).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

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
            yield (f"drop {shortened(_text(statement, lines))}", *_removal(body, index, lines))


def drop_effect(body, index, lines):
    """A statement run for its effect left out: a call (``model.compile(...)``) or an attribute set
    (``base_model.trainable = False``)."""
    statement = body[index]
    if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)) or (
            isinstance(statement, ast.Assign) and all(isinstance(t, ast.Attribute) for t in statement.targets)):
        yield (f"drop {shortened(_text(statement, lines))}", *_removal(body, index, lines))


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
    yield (f"swap {shortened(_text(first, lines))} and {shortened(_text(second, lines))}", start, end, "\n".join(text))


STATEMENT_OPERATORS = (drop_layer_call, drop_effect, swap_statements)
OPERATORS = tuple(op.__name__ for op in EXPRESSION_OPERATORS + STATEMENT_OPERATORS)


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
    return (_callee(inner) if isinstance(inner, ast.Call) else shortened(ast.unparse(inner), 50)) + "(...)"


def shortened(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
