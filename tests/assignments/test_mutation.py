"""Mutation testing of the checks (devtools/mutation/).

Fast: each mutation operator on small sources. Slow (in-process grading, TensorFlow in a worker):
every correct answer of the corpus keeps full marks, and a fixed sample of mutants of each
assignment loses points. `python benchmarks/mutation.py` runs every mutant under two seeds.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from autograder import checks as checks_api
from autograder import registry
from devtools import mutation
from tests.assignments.forgery import forgeries
from tests.assignments.variants import corpus, edited, equivalent, variants
from tests.conftest import ASSIGNMENTS, REPO

SAMPLE_SIZE = 6


def cell(body: str, before: str = "", after: str = "    return X\n", signature: str = "def block(X, f, s, training):"):
    """An answer cell: ``body`` (indented) is the solution region."""
    return f"{signature}\n{before}    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n{after}"


def by_operator(source: str, operator: str, kinds=None) -> dict[str, str]:
    """description -> the mutated line(s) that differ, for the mutants of one operator."""
    found = {}
    for mutant in mutation.mutants("answer", source, kinds):
        if mutant.operator == operator:
            old, new = source.splitlines(), mutant.source.splitlines()
            found[mutant.description] = "\n".join(line.strip() for line in new if line not in old)
    return found


# --- the operators, on small sources (fast) --------------------------------------------------


def test_only_the_solution_region_is_mutated():
    source = cell("    X = layers.Conv2D(8, kernel_size=3)(X)\n", before="    X = layers.Conv2D(4, kernel_size=5)(X)\n",
                  after="    X = layers.Conv2D(2, kernel_size=7)(X)\n    return X\n")
    found = mutation.mutants("answer", source)
    assert found and all(m.line == 4 for m in found)
    for mutant in found:
        assert mutant.source.splitlines()[:3] == source.splitlines()[:3]
        assert mutant.source.splitlines()[-3:] == source.splitlines()[-3:]
        compile(mutant.source, "mutant", "exec")


def test_integer_constants_move_by_one_and_name_their_keyword():
    found = by_operator(cell("    X = layers.Conv2D(8, kernel_size=1, strides=1)(X)\n"), "change_integer")
    assert found == {
        "8 -> 9": "X = layers.Conv2D(9, kernel_size=1, strides=1)(X)",
        "8 -> 7": "X = layers.Conv2D(7, kernel_size=1, strides=1)(X)",
        "kernel_size: 1 -> 2": "X = layers.Conv2D(8, kernel_size=2, strides=1)(X)",
        "kernel_size: 1 -> 0": "X = layers.Conv2D(8, kernel_size=0, strides=1)(X)",
        "strides: 1 -> 2": "X = layers.Conv2D(8, kernel_size=1, strides=2)(X)",
        "strides: 1 -> 0": "X = layers.Conv2D(8, kernel_size=1, strides=0)(X)",
    }


def test_sizes_given_by_names_shift_by_one():
    found = by_operator(cell("    X = layers.Conv2D(8, kernel_size=f, strides=s)(X)\n"), "shift_size")
    assert found["kernel_size=f -> kernel_size=f + 1"] == "X = layers.Conv2D(8, kernel_size=f + 1, strides=s)(X)"
    assert found["strides=s -> strides=s - 1"] == "X = layers.Conv2D(8, kernel_size=f, strides=s - 1)(X)"
    assert len(found) == 4


def test_strings_of_known_families_and_booleans_and_floats():
    source = cell('    X = layers.Conv2D(8, 3, padding="same", activation="relu", use_bias=True)(X)\n'
                  "    X = layers.Dropout(0.2)(X)\n    X = layers.Dense(4, activation='softmax')(X)\n")
    strings = by_operator(source, "replace_string")
    assert set(strings) == {"padding: 'same' -> 'valid'", "activation: 'relu' -> 'linear'",
                            "activation: 'relu' -> 'sigmoid'", "activation: 'relu' -> 'tanh'",
                            "activation: 'softmax' -> 'sigmoid'", "activation: 'softmax' -> None"}
    assert strings["activation: 'softmax' -> None"] == "X = layers.Dense(4, activation=None)(X)"
    assert set(by_operator(source, "flip_boolean")) == {"use_bias: True -> False"}
    assert by_operator(source, "change_float") == {"0.2 -> 0.4": "X = layers.Dropout(0.4)(X)"}


def test_a_mutated_statement_keeps_what_shares_its_lines():
    source = cell("    X = layers.Dropout(0.2)(X)  # before the classifier\n    if training: X = layers.Dropout(0.5)(X)\n")
    assert by_operator(source, "change_float") == {"0.2 -> 0.4": "X = layers.Dropout(0.4)(X)  # before the classifier",
                                                   "0.5 -> 1.0": "if training: X = layers.Dropout(1.0)(X)"}


def test_axis_takes_every_other_value():
    found = by_operator(cell("    X = layers.BatchNormalization(axis=3)(X, training=training)\n"), "change_axis")
    assert set(found) == {"axis=3 -> axis=1", "axis=3 -> axis=2", "axis=3 -> axis=-1"}


def test_each_keyword_argument_is_dropped_in_turn():
    found = by_operator(cell("    X = layers.BatchNormalization(axis=3)(X, training=training)\n"), "drop_keyword")
    assert found == {
        "drop training=training from layers.BatchNormalization(...)(...)": "X = layers.BatchNormalization(axis=3)(X)",
        "drop axis=3 from layers.BatchNormalization(...)": "X = layers.BatchNormalization()(X, training=training)",
    }


def test_list_elements_swap_and_arithmetic_changes():
    source = cell("    X = layers.Add()([X, X_shortcut])\n    rate = 0.1 * s\n", before="    X_shortcut = X\n")
    assert by_operator(source, "swap_elements") == {"swap X and X_shortcut": "X = layers.Add()([X_shortcut, X])"}
    assert by_operator(source, "replace_arithmetic") == {"0.1 * s -> 0.1 + s": "rate = 0.1 + s",
                                                         "0.1 * s -> 0.1 / s": "rate = 0.1 / s"}


def test_names_are_replaced_only_by_names_in_scope_of_the_same_kind():
    source = cell("    X = layers.Conv2D(F1, kernel_size=f)(X)\n    X = layers.Add()([X, X_shortcut])\n",
                  before="    F1, F2 = 4, 8\n    X_shortcut = X\n")
    untyped = by_operator(source, "replace_argument")
    assert "F1 -> F2 in layers.Conv2D(...)" in untyped and "F1 -> X in layers.Conv2D(...)" in untyped
    kinds = {"block": {"X": {"KerasTensor"}, "X_shortcut": {"KerasTensor"}, "F1": {"int"}, "F2": {"int"},
                       "f": {"int"}, "s": {"int"}, "training": {"bool"}}}
    typed = by_operator(source, "replace_argument", kinds)
    assert "F1 -> X in layers.Conv2D(...)" not in typed
    assert typed["F1 -> F2 in layers.Conv2D(...)"] == "X = layers.Conv2D(F2, kernel_size=f)(X)"
    assert typed["kernel_size=f -> kernel_size=s in layers.Conv2D(...)"] == "X = layers.Conv2D(F1, kernel_size=s)(X)"
    assert typed["X_shortcut -> X in layers.Add(...)(...)"] == "X = layers.Add()([X, X])"
    # a name bound only after the statement is not in scope there; a loop's variable is, inside the loop
    later = cell("    X = layers.ReLU()(X)\n    Y = layers.ReLU()(X)\n")
    assert not any("-> Y" in d for d in by_operator(later, "replace_argument"))
    loop = cell("    for layer in model.layers:\n        freeze(model)\n", signature="def f(model):", after="")
    assert set(by_operator(loop, "replace_argument")) == {"model -> layer in freeze(...)"}


def test_statements_dropped_and_dependent_neighbours_swapped():
    source = cell('    X = layers.Add()([X, X_shortcut])\n    X = layers.Activation("relu")(X)\n'
                  "    model.trainable = False\n    count = 3\n", before="    X_shortcut = X\n")
    dropped = by_operator(source, "drop_layer_call")
    assert set(dropped) == {'drop X = layers.Activation("relu")(X)'}
    assert set(by_operator(source, "drop_effect")) == {"drop model.trainable = False"}
    swaps = [m for m in mutation.mutants("answer", source) if m.operator == "swap_statements"]
    assert [m.description for m in swaps] == ['swap X = layers.Add()([X, X_shortcut]) and X = layers.Activation("relu")(X)']
    lines = swaps[0].source.splitlines()
    assert lines.index('    X = layers.Activation("relu")(X)') < lines.index("    X = layers.Add()([X, X_shortcut])")


def test_dropping_the_only_statement_of_a_block_leaves_pass():
    source = cell("    for layer in model.layers[:3]:\n        layer.trainable = False\n", after="    return model\n",
                  signature="def freeze(model):")
    (mutant,) = [m for m in mutation.mutants("answer", source) if m.operator == "drop_effect"]
    assert "        pass" in mutant.source.splitlines()
    ast.parse(mutant.source)


def test_enumeration_is_deterministic_with_unique_keys_and_distinct_sources():
    source = cell("    X = layers.Conv2D(8, kernel_size=1, strides=1, padding='valid')(X)\n"
                  "    X = layers.Conv2D(8, kernel_size=1, strides=1, padding='valid')(X)\n")
    first, second = mutation.mutants("answer", source), mutation.mutants("answer", source)
    assert first == second
    assert len({m.key for m in first}) == len(first)
    assert len({m.source for m in first}) == len(first) and source not in {m.source for m in first}
    assert {m.operator for m in first} <= set(mutation.OPERATORS)


def test_an_answer_cell_needs_one_solution_region():
    with pytest.raises(ValueError, match="solution region"):
        mutation.mutants("answer", "def f(x):\n    return x\n")


def test_the_table_of_equivalent_mutants_names_real_mutants_with_reasons(repo):
    import nbformat

    for assignment_id in ASSIGNMENTS:
        table = equivalent(assignment_id)
        notebook = nbformat.read(registry.spec(repo, assignment_id).source, as_version=4)
        keys = set()
        for code in notebook.cells:
            meta = code.metadata.get("nbgrader", {})
            if meta.get("solution") and code.cell_type == "code":
                keys |= {m.key for m in mutation.mutants(meta["grade_id"], code.source)}
        unknown = [key for key in table if key not in keys]
        assert not unknown, f"{assignment_id}: no such mutants (the solution changed?): {unknown}"
        assert all(isinstance(reason, str) and len(reason) > 20 for reason in table.values())


# --- in-process grading (slow) -------------------------------------------------------------------


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def worker(request):
    with mutation.Worker(request.param, seeds=mutation.SEEDS[:1]) as engine:
        yield request.param, engine


@pytest.mark.slow
def test_every_correct_answer_of_the_corpus_keeps_full_marks(worker):
    assignment_id, engine = worker
    answers = corpus(assignment_id)
    assert len(answers) >= 10
    lost = {}
    for name, replacements in answers.items():
        graded = engine.grade(replacements)
        assert graded.ran, f"{name} changes nothing the tests observe"
        if not graded.full_marks or graded.cell_errors:
            lost[name] = {**graded.cell_errors, **graded.failed[mutation.SEEDS[0]]}
    assert not lost, lost


def sample(mutants: list[mutation.Mutant], equivalent: dict, size: int) -> list[mutation.Mutant]:
    """``size`` mutants spread over the operators, never an equivalent one: the middle one of each
    operator's mutants, operators taken in turn."""
    groups = {}
    for mutant in mutants:
        if mutant.key not in equivalent:
            groups.setdefault(mutant.operator, []).append(mutant)
    picked, round_ = [], 0
    while len(picked) < size and any(len(g) > round_ for g in groups.values()):
        for operator in sorted(groups):
            group = groups[operator]
            if len(group) > round_ and len(picked) < size:
                picked.append(group[(len(group) // 2 + round_ * 7) % len(group)])
        round_ += 1
    return picked


@pytest.mark.slow
def test_a_sample_of_mutants_is_killed(worker):
    assignment_id, engine = worker
    chosen = sample(engine.mutants(), equivalent(assignment_id), SAMPLE_SIZE)
    assert len(chosen) == SAMPLE_SIZE and len({m.operator for m in chosen}) == SAMPLE_SIZE
    survivors = [m.key for m in chosen if engine.grade({m.cell: m.source}).full_marks]
    assert not survivors


@pytest.mark.slow
def test_no_observation_can_be_written_without_an_implementation_or_replayed(worker):
    """Every test fails an observation forged from the grader's code and the run's seed alone (every
    structural fact written by hand, every array what one can compute without an implementation),
    and one replayed from another run; the true observation passes."""
    assignment_id, engine = worker
    checks = checks_api.load(assignment_id)
    seed, other_seed = mutation.SEEDS[0], 4242
    reference, other_run = engine.reference(seed), engine.reference(other_seed)
    assert set(reference) == set(checks.checks)
    forgeable = {}
    for test, expected in reference.items():
        assert checks.verdict(test, expected, expected).passed, test
        for how, forged in forgeries(expected["value"], other_run[test]["value"], seed):
            if checks.verdict(test, {"value": forged}, expected).passed:
                forgeable.setdefault(test, []).append(how)
    assert not forgeable, forgeable


@pytest.mark.slow
def test_sharing_the_students_models_among_checks_changes_no_observation(worker):
    """Grading shares each student model among the checks that do not change it (issue 19's speed-up).
    For a small class (the solution, the corpus' answer in other styles, two wrong variants), each test that
    took a shared model observes byte for byte what it observes building its own, so every score is the same."""
    assignment_id, engine = worker
    checks, seed = checks_api.load(assignment_id), mutation.SEEDS[0]
    reference = engine.reference(seed)
    wrong = variants(assignment_id)
    members = {"solution": ({}, set()), "other styles": (corpus(assignment_id)["everything_other_style"], set())}
    for name in sorted(wrong)[:2]:
        edits = wrong[name].edits
        members[name] = ({cell: edited(cell, engine.answers[cell], edits[cell]) for cell in edits},
                         set(wrong[name].fails))
    shared_by = set()
    for name, (replacements, fails) in members.items():
        payloads, alone = engine.observations(replacements, seed)
        assert payloads, f"{name}: no test observed"
        assert {test: payloads[test] for test in alone} == alone, f"{name}: sharing changed {sorted(alone)}"
        failed = {test for test, payload in payloads.items()
                  if not checks.judge_payload(test, payload, reference[test]).passed}
        assert failed == fails, (name, failed)
        shared_by |= set(alone)
    checks_module = importlib.import_module(registry.spec(REPO, assignment_id).checks_module)
    uses_sharing = "kit.shared(" in inspect.getsource(checks_module)
    assert bool(shared_by) == uses_sharing, f"the tests that took a shared model: {sorted(shared_by)}"
