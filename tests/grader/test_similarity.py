"""The similarity report: planted copies are flagged, independent correct answers are not.

A class is built from the release notebook, one student per correct answer of the corpus
(tests/assignments/correct_*.py) and the instructor's solution, plus copies of one corpus answer
renamed, reformatted, reordered, and all three at once. No TensorFlow, no sandbox.
"""

from __future__ import annotations

import os

import nbformat
import pytest

from autograder import normalize, registry, similarity
from autograder.cli import main
from autograder.course import Course, GraderConfig
from autograder.notebooks import collect_answers
from autograder.spec import AssignmentNotebook
from tests.assignments.correct_residual_networks import HELPER_CONVOLUTIONAL, HELPER_IDENTITY
from tests.assignments.variants import corpus, with_answers
from tests.conftest import ASSIGNMENTS, REPO

COPIED = "helper_function"  # the corpus answer the planted copies copy

# (a) every name the student chose, the helper's keyword argument included, renamed
RENAMED = {"identity_block": '''
def conv_norm(inputs, n_filters, window, stride, pad, train, init, activate=True):
    inputs = layers.Conv2D(n_filters, kernel_size=(window, window), strides=(stride, stride), padding=pad,
                           kernel_initializer=init(seed=0))(inputs)
    inputs = layers.BatchNormalization(axis=-1)(inputs, training=train)
    return layers.ReLU()(inputs) if activate else inputs


def identity_block(X, f, filters, training=True, initializer=random_uniform):
    a, b, c = filters
    path = conv_norm(X, a, 1, 1, "valid", training, initializer)
    path = conv_norm(path, b, f, 1, "same", training, initializer)
    path = conv_norm(path, c, 1, 1, "valid", training, initializer, activate=False)
    return layers.ReLU()(layers.Add()([path, X]))
''', "convolutional_block": '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    a, b, c = filters
    path = conv_norm(X, a, 1, s, "valid", training, initializer)
    path = conv_norm(path, b, f, 1, "same", training, initializer)
    path = conv_norm(path, c, 1, 1, "valid", training, initializer, activate=False)
    skip = conv_norm(X, c, 1, s, "valid", training, initializer, activate=False)
    return layers.ReLU()(layers.Add()([path, skip]))
'''}

# (b) other spacing, line breaks, quotes, comments and a docstring
REFORMATTED = {"identity_block": '''
# helper: conv + batch norm (+ relu)
def conv_bn(X, filters, size, strides, padding, training, initializer, relu = True):
    """Convolution, normalization, maybe a ReLU."""
    X = layers.Conv2D(
        filters,
        kernel_size = (size, size),
        strides = (strides, strides),
        padding = padding,
        kernel_initializer = initializer(seed = 0),
    )(X)
    X = layers.BatchNormalization(axis = -1)(X, training = training)  # normalize
    return layers.ReLU()(X) if relu else X

def identity_block(X, f, filters, training = True, initializer = random_uniform):
    F1, F2, F3 = filters

    # main path
    main = conv_bn(X, F1, 1, 1, 'valid', training, initializer)
    main = conv_bn(main, F2, f, 1, 'same', training, initializer)
    main = conv_bn(main, F3, 1, 1, 'valid', training, initializer, relu = False)

    return layers.ReLU()(layers.Add()([main, X]))
''', "convolutional_block": '''
def convolutional_block(X, f, filters, s = 2, training = True, initializer = glorot_uniform):
    F1, F2, F3 = filters
    main = conv_bn(X, F1, 1, s, 'valid', training, initializer)   # shrink
    main = conv_bn(main, F2, f, 1, 'same', training, initializer)
    main = conv_bn(main, F3, 1, 1, 'valid', training, initializer,
                   relu = False)
    # the shortcut needs a projection
    shortcut = conv_bn(X, F3, 1, s, 'valid', training, initializer,
                       relu = False)
    return layers.ReLU()(layers.Add()([main, shortcut]))
'''}

# (c) independent statements in another order: the blocks before the helper, the shortcut first
REORDERED = {"identity_block": '''
def identity_block(X, f, filters, training=True, initializer=random_uniform):
    F1, F2, F3 = filters
    main = conv_bn(X, F1, 1, 1, "valid", training, initializer)
    main = conv_bn(main, F2, f, 1, "same", training, initializer)
    main = conv_bn(main, F3, 1, 1, "valid", training, initializer, relu=False)
    return layers.ReLU()(layers.Add()([main, X]))


def conv_bn(X, filters, size, strides, padding, training, initializer, relu=True):
    X = layers.Conv2D(filters, kernel_size=(size, size), strides=(strides, strides), padding=padding,
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=-1)(X, training=training)
    return layers.ReLU()(X) if relu else X
''', "convolutional_block": '''
def convolutional_block(X, f, filters, s=2, training=True, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = conv_bn(X, F3, 1, s, "valid", training, initializer, relu=False)
    main = conv_bn(X, F1, 1, s, "valid", training, initializer)
    main = conv_bn(main, F2, f, 1, "same", training, initializer)
    main = conv_bn(main, F3, 1, 1, "valid", training, initializer, relu=False)
    return layers.ReLU()(layers.Add()([main, shortcut]))
'''}

# (d) renamed, reformatted and reordered at once
ALL_THREE = {"identity_block": '''
def identity_block(X, f, filters, training = True, initializer = random_uniform):
    """Identity block."""
    k1, k2, k3 = filters
    # three conv/bn units, the last one without a ReLU
    y = unit(X, k1, 1, 1, 'valid', training, initializer)
    y = unit(y, k2, f, 1, 'same', training, initializer)
    y = unit(y, k3, 1, 1, 'valid', training, initializer, relu_after = False)
    return layers.ReLU()(layers.Add()([y, X]))

def unit(t, n, size, step, pad, is_training, init, relu_after = True):
    t = layers.Conv2D(n,
                      kernel_size = (size, size),
                      strides = (step, step),
                      padding = pad,
                      kernel_initializer = init(seed = 0))(t)
    t = layers.BatchNormalization(axis = -1)(t, training = is_training)
    return layers.ReLU()(t) if relu_after else t
''', "convolutional_block": '''
def convolutional_block(X, f, filters, s = 2, training = True, initializer = glorot_uniform):
    k1, k2, k3 = filters
    proj = unit(X, k3, 1, s, 'valid', training, initializer, relu_after = False)  # projection first
    y = unit(X, k1, 1, s, 'valid', training, initializer)
    y = unit(y, k2, f, 1, 'same', training, initializer)
    y = unit(y, k3, 1, 1, 'valid', training, initializer,
             relu_after = False)
    return layers.ReLU()(layers.Add()([y, proj]))
'''}

COPIES = {"copy_renamed": RENAMED, "copy_reformatted": REFORMATTED, "copy_reordered": REORDERED,
          "copy_all_three": ALL_THREE}


def notebook_name(assignment_id: str) -> str:
    return registry.spec(REPO, assignment_id).notebook


def independent_corpus(assignment_id: str) -> dict[str, dict[str, str]]:
    """One student per corpus entry, each implementation once: entries reuse each other's answers
    (``everything_other_style`` all of them), copies by construction, so a cell seen before is left
    unanswered, and an entry with nothing new is no student."""
    seen, students = set(), {}
    for name, answers in corpus(assignment_id).items():
        fresh = {grade_id: code for grade_id, code in answers.items() if code not in seen}
        if fresh:
            students[name] = fresh
        seen |= set(answers.values())
    return students


def write_class(course_dir, assignment_id: str, students: dict[str, dict[str, str]], solution: bool = True) -> Course:
    """Submitted notebooks: the release with each student's answer cells, and the solution as one more student."""
    spec = registry.spec(REPO, assignment_id)
    source, release = (nbformat.read(path, as_version=4) for path in (spec.source, spec.release))
    notebooks = {student: with_answers(release, answers) for student, answers in students.items()}
    if solution:
        notebooks["solution"] = source
    for student, notebook in notebooks.items():
        folder = course_dir / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{spec.notebook}.ipynb")
    return Course(GraderConfig(repo=REPO, course_dir=course_dir))


def compare(course: Course, assignment_id: str) -> similarity.ClassSimilarity:
    spec = registry.spec(REPO, assignment_id)
    notebooks = {s: course.notebook_path(assignment_id, spec.notebook, s)[0] for s in course.students(assignment_id)}
    return similarity.class_similarity(assignment_id, AssignmentNotebook.of(spec), notebooks)


def test_the_normalizer_makes_renamed_reformatted_and_reordered_code_identical():
    kept = normalize.kept_names(["from keras import layers\nrandom_uniform = glorot_uniform = None"])
    original = [normalize.normalize(code, kept).tokens for code in (HELPER_IDENTITY, HELPER_CONVOLUTIONAL)]
    for name, copy in COPIES.items():
        normalized = [normalize.normalize(copy[cell], kept).tokens for cell in ("identity_block", "convolutional_block")]
        assert normalized == original, name
    # What the code does still shows: another padding, or the shortcut taken from the main path
    # (a statement moved across one it depends on), is another program.
    assert normalize.normalize(HELPER_IDENTITY.replace('"same"', '"valid"'), kept).tokens != original[0]
    dependent = REORDERED["convolutional_block"].replace("shortcut = conv_bn(X,", "shortcut = conv_bn(main,")
    assert normalize.normalize(dependent, kept).tokens != original[1]


def test_names_the_release_defines_keep_theirs():
    kept = normalize.kept_names(["import numpy as np\nfrom keras import layers\ndef stage(X): pass"])
    tokens = normalize.normalize("def f(X):\n    Y = stage(layers.Dense(2)(X))\n    return np.mean(Y)\n", kept).tokens
    assert {"stage", "layers", "Dense", "np", "mean"} <= set(tokens)
    assert not {"X", "Y", "f"} & set(tokens)


def test_planted_copies_are_flagged_and_rank_above_every_independent_pair(tmp_path):
    students = {**independent_corpus("residual_networks"), **COPIES}
    result = compare(write_class(tmp_path, "residual_networks", students), "residual_networks")
    copies = {frozenset((COPIED, name)) for name in COPIES} | {frozenset(pair) for pair in _pairs(COPIES)}
    ranks = {frozenset((pair.first, pair.second)): rank for rank, pair in enumerate(result.pairs)}
    pairs = {frozenset((pair.first, pair.second)): pair for pair in result.pairs}
    independent = [pair for key, pair in pairs.items() if key not in copies]
    assert independent and not [p for p in independent if p.flagged], [p for p in independent if p.flagged]
    for name in COPIES:
        copy = pairs[frozenset((COPIED, name))]
        assert copy.flagged and all(cell.flagged for cell in copy.cells), copy
        assert copy.similarity > max(p.similarity for p in independent)
        assert ranks[frozenset((COPIED, name))] < min(ranks[frozenset((p.first, p.second))] for p in independent)


def test_what_the_whole_class_writes_alike_weighs_nothing():
    """Eight students write the solution's identity block, each with one layer of their own added: all they
    share is what everyone writes, so no pair is alike; a renamed copy of one of them is."""
    spec = registry.spec(REPO, "residual_networks")
    notebook = AssignmentNotebook.of(spec)
    source = nbformat.read(spec.source, as_version=4)
    solution = next(cell.source for cell in source.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "identity_block")
    extras = ["GaussianNoise(0.1)", "Dropout(0.2)", "SpatialDropout2D(0.3)", "ActivityRegularization(0.01)",
              "LayerNormalization()", "UnitNormalization()", "GaussianDropout(0.4)", "Identity()"]
    sources = {f"student{i}": {"identity_block": solution.replace("    return X", f"    X = layers.{extra}(X)\n    return X")}
               for i, extra in enumerate(extras)}
    sources["copy"] = {"identity_block": sources["student0"]["identity_block"].replace("X_shortcut", "skip")}
    release = collect_answers(notebook.release, notebook.answer_ids)[0]
    result = similarity.compare_class("residual_networks", notebook.answer_ids, sources, release,
                                      normalize.kept_names([c.source for c in notebook.release.cells if c.cell_type == "code"]))
    assert [(p.first, p.second) for p in result.flagged] == [("copy", "student0")]
    assert result.pairs[0].similarity == pytest.approx(1.0)
    assert max(p.similarity for p in result.pairs[1:]) < 0.1  # the solution's lines, shared by all, weigh nothing


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_independent_correct_answers_are_not_flagged(assignment_id, tmp_path):
    result = compare(write_class(tmp_path, assignment_id, independent_corpus(assignment_id)), assignment_id)
    assert len(result.answers) >= 9  # the corpus's answers and the solution were all compared
    assert result.pairs and not result.flagged, result.flagged[:3]


def test_odd_submissions_are_compared_or_listed_without_crashing(tmp_path):
    broken = "def identity_block(X, f, filters, training=True, initializer=random_uniform):\n    X = layers.Conv2D(F1, (1, 1)(X\n"
    huge = "def identity_block(X, f, filters, training=True, initializer=random_uniform):\n" + "    X = X + 1\n" * 15_000
    nested = "X = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    students = {"broken": {"identity_block": broken}, "broken_copy": {"identity_block": broken.replace("X", "Y")},
                "huge": {"identity_block": huge}, "nested": {"identity_block": nested}, "unanswered": {},
                **independent_corpus("residual_networks")}
    course = write_class(tmp_path, "residual_networks", students)
    folder = tmp_path / "submitted"
    for student, content in (("empty", b""), ("not_json", b"{"), ("no_cells", b"{}")):
        (folder / student / "residual_networks").mkdir(parents=True)
        (folder / student / "residual_networks" / f"{notebook_name('residual_networks')}.ipynb").write_bytes(content)
    (folder / "linked" / "residual_networks").mkdir(parents=True)
    os.symlink(folder / "huge" / "residual_networks" / f"{notebook_name('residual_networks')}.ipynb",
               folder / "linked" / "residual_networks" / f"{notebook_name('residual_networks')}.ipynb")
    result = compare(course, "residual_networks")
    assert set(result.not_compared) == {"unanswered", "empty", "not_json", "no_cells", "linked"}
    assert {"broken", "huge", "nested"} <= set(result.answers)
    assert not result.answers["broken"]["identity_block"].parsed
    assert len(result.answers["huge"]["identity_block"].tokens) == normalize.MAX_TOKENS
    pair = next(p for p in result.pairs if {p.first, p.second} == {"broken", "broken_copy"})
    assert pair.cells[0].similarity == pytest.approx(1.0)  # the tokens of a cell that does not parse, normalized


def test_the_report_shows_the_pairs_side_by_side_with_everything_escaped(tmp_path, capsys):
    hostile = dict(RENAMED, identity_block=RENAMED["identity_block"] + '\nNOTE = "</span><script>alert(1)</script>"\n')
    write_class(tmp_path, "residual_networks", {**independent_corpus("residual_networks"), "copy_renamed": hostile},
                solution=False)
    assert main(["--repo", str(REPO), "--course", str(tmp_path), "similarity", "residual_networks", "--top", "3"]) == 0
    printed = capsys.readouterr().out
    assert f"FLAGGED copy_renamed / {COPIED}" in printed
    html = (tmp_path / "reports" / "residual_networks-similarity.html").read_text()
    assert "<script" not in html and "&lt;/span&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<h2 id=\"pair-") == 3  # the top three (the one flagged pair among them)
    assert 'class="same"><small>3</small>    inputs = layers.Conv2D(' in html  # a line both wrote, marked


def _pairs(names):
    names = list(names)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
