"""Checks of graded assignment 1, residual networks: the identity block, the convolutional block
and ResNet-50.

The observers build the student's functions on symbolic inputs, wrap them in a ``keras.Model``
and give every weight a value that depends only on its role and shape
(``kit.set_weights_by_role``), so a correct answer matches the solution whatever order it
creates its layers in. Weights, inputs, filter counts (always three different numbers, all
larger than any window size f or stride s, so a swapped pair or a name used for another shows)
and the number of classes are drawn from the run's secret seed; kernel
sizes and strides stay those of the assignment and the images' sizes are fixed (but for the
stages test, where any correct stem handles each size alike), so a verdict never depends on the
draw: benchmarks/mutation.py grades every mutant of the solution under two seeds to show it.
Layer graphs and block calls only explain a lost point: each comes with a witness, a value that only
running the student's code on the run's secret inputs and weights gives (``kit.witness``), so an
observation written by hand or copied from another run earns nothing.
A model built with ``training=True`` or ``False`` and called without a ``training`` argument
keeps the mode its layers were called with, which is how the value tests see whether
BatchNormalization honours the block's ``training`` argument.
"""

from __future__ import annotations

import json

import numpy as np

from autograder.checks import AssignmentChecks, expect_close, expect_equal, failed, passed, witnessed
from autograder.checks.graphs import block_structure, canonical_graph, canonical_layers, layer_label
from autograder.schema import FLOATS, SHAPE, Flag, Graph, Integer, ListOf, Nullable, OneOf, Record, Text

VALUES = ListOf(Record({"case": Text(), "output": FLOATS}), 10)
MODE = Nullable(OneOf((Flag(), Text(100))))
TRAINING_VALUES = ListOf(Record({"case": Text(), "output": FLOATS, "inference_output": FLOATS,
                                 "normalization_modes": ListOf(MODE, 100)}), 10)

CHECKS = AssignmentChecks(
    assignment_id="residual_networks",
    grading_parameters={"epochs": 1, "batch_size": 32, "train_subset": 64, "run_eagerly": True},
)

VALUES_HINT = (
    " Compare your layers with the instructions: their order, the number of filters (F1, F2, F3), the "
    "kernel sizes (1, f, 1), strides, padding ('valid', 'same', 'valid'), BatchNormalization on axis 3, "
    "and the shortcut added before the last ReLU."
)
TRAINING_HINT = (
    " Pass training=training to every BatchNormalization call, e.g. "
    "BatchNormalization(axis=3)(X, training=training)."
)


# --- identity block ---------------------------------------------------------------------


@CHECKS.observer("test_identity_block_layers")
def observe_identity_block_layers(ns, kit):
    import keras

    filters = kit.distinct_sizes("identity layers", 3, low=4, high=11)
    X = keras.Input((5, 5, filters[2]))
    model = keras.Model(X, ns["identity_block"](X, 3, filters, training=False))
    return {"case": f"identity_block(X, f=3, filters={filters}) on a 5x5x{filters[2]} input",
            "graph": kit.graph(model), "witness": kit.witness(model, (2, 5, 5, filters[2]), "identity layers")}


WITNESSED_GRAPH = Record({"case": Text(), "graph": Graph(), "witness": FLOATS})


@CHECKS.judge("test_identity_block_layers", schema=WITNESSED_GRAPH)
def judge_identity_block_layers(student, reference):
    return witnessed(judge_block_layers(student["graph"], reference["graph"], reference["case"]),
                     student["witness"], reference["witness"], reference["case"])


@CHECKS.observer("test_identity_block_inference")
def observe_identity_block_inference(ns, kit):
    import keras
    import numpy as np

    results = []
    for case, (batch, height, width, f) in enumerate([(3, 5, 5, 3), (2, 4, 6, 2), (4, 3, 3, 1)]):
        filters = kit.distinct_sizes(("identity", case), 3, low=4, high=11)
        shape = (batch, height, width, filters[2])
        X = keras.Input(shape[1:])
        model = kit.set_weights_by_role(keras.Model(X, ns["identity_block"](X, f, filters, training=False)), case)
        output = np.asarray(model(kit.random_input(shape, seed=case)))
        results.append({"case": f"input shape {shape}, f={f}, filters={filters}", "output": output})
    return results


@CHECKS.judge("test_identity_block_inference", schema=VALUES)
def judge_identity_block_inference(student, reference):
    return judge_values(student, reference, "identity_block(..., training=False)", VALUES_HINT)


@CHECKS.observer("test_identity_block_training")
def observe_identity_block_training(ns, kit):
    import keras
    import numpy as np

    results = []
    for case, (batch, height, width, f) in enumerate([(3, 5, 5, 3), (2, 4, 6, 2), (4, 3, 3, 1)]):
        filters = kit.distinct_sizes(("identity", case), 3, low=4, high=11)
        shape = (batch, height, width, filters[2])
        outputs, modes = {}, []
        for training in (True, False):
            X = keras.Input(shape[1:])
            model = keras.Model(X, ns["identity_block"](X, f, filters, training=training))
            outputs[training] = np.asarray(kit.set_weights_by_role(model, case)(kit.random_input(shape, seed=case)))
            if training:
                modes = kit.normalization_modes(model)
        results.append({"case": f"input shape {shape}, f={f}, filters={filters}", "output": outputs[True],
                        "inference_output": outputs[False], "normalization_modes": modes})
    return results


@CHECKS.judge("test_identity_block_training", schema=TRAINING_VALUES)
def judge_identity_block_training(student, reference):
    return judge_training_values(student, reference, "identity_block(..., training=True)")


@CHECKS.observer("test_identity_block_shortcut")
def observe_identity_block_shortcut(ns, kit):
    import keras
    import numpy as np

    filters = kit.distinct_sizes("shortcut", 3, low=4, high=11)
    shape = (2, 4, 4, filters[2])
    X = keras.Input(shape[1:])
    model = kit.set_weights_by_role(keras.Model(X, ns["identity_block"](X, 3, filters, training=False)), 7)
    x = kit.random_input(shape, seed=7)
    found = {"output": np.asarray(model(x))}
    for weight in model.weights:  # BatchNormalization then outputs 0: the main path is switched off
        if weight.name.split("/")[-1] in ("gamma", "beta"):
            weight.assign(np.zeros(weight.shape, "float32"))
    found["switched_off"] = np.asarray(model(x))
    return found


@CHECKS.judge("test_identity_block_shortcut", schema=Record({"output": FLOATS, "switched_off": FLOATS}))
def judge_identity_block_shortcut(student, reference):
    """ReLU(main path + X): with the main path on (the witness: the shortcut alone, ReLU(X), is known
    to anyone who knows the input), and switched off to tell what is wrong with the shortcut."""
    what = "identity_block with its main path switched off (every BatchNormalization's gamma and beta set to 0)"
    alone, off = np.asarray(reference["switched_off"]), np.asarray(student["switched_off"])
    shortcut = expect_close(off, alone, what)
    whole = expect_close(student["output"], reference["output"], "identity_block on secret inputs and weights")
    if whole.passed and shortcut.passed:
        return passed("identity_block adds the shortcut X to the main path before the last ReLU")
    if shortcut.passed:
        return failed(
            "With its main path switched off your identity_block returns ReLU(X), as it should, but with the main "
            f"path on it does not give the expected output ({whole.message}) This test credits the shortcut of a "
            "block that computes ReLU(main path + X): fix the main path first (the block's other tests say where)."
        )
    if off.shape != alone.shape:
        return shortcut
    if np.allclose(off, 0, atol=1e-5):
        return failed(
            f"{what} should return ReLU(X), the shortcut alone, but yours returns zeros: the shortcut X is not "
            "added to the main path. Keep X_shortcut = X and add it with Add()([X, X_shortcut]) before the last ReLU."
        )
    if np.any(off < 0):
        return failed(
            f"{what} should return ReLU(X) but yours returns negative values: the shortcut is added after the last "
            "ReLU. Add the shortcut first, then apply the ReLU."
        )
    return failed(
        f"{what} should return ReLU(X), the shortcut alone, but yours returns something else. The main path must "
        "end with BatchNormalization, the shortcut must be the block's input X, and the ReLU comes after the Add."
    )


# --- convolutional block ----------------------------------------------------------------


@CHECKS.observer("test_convolutional_block_layers")
def observe_convolutional_block_layers(ns, kit):
    import keras

    graphs = []
    for case, (shape, f, s) in enumerate([((6, 6, 3), 3, 2), ((5, 7, 4), 2, 1)]):
        filters = kit.distinct_sizes(("convolutional layers", case), 3, low=4, high=11)
        X = keras.Input(shape)
        model = keras.Model(X, ns["convolutional_block"](X, f, filters, s=s, training=False))
        graphs.append({"case": f"convolutional_block(X, f={f}, filters={filters}, s={s}) on a "
                               f"{'x'.join(map(str, shape))} input", "graph": kit.graph(model),
                       "witness": kit.witness(model, (2, *shape), ("convolutional layers", case))})
    return graphs


@CHECKS.judge("test_convolutional_block_layers", schema=ListOf(WITNESSED_GRAPH, 10))
def judge_convolutional_block_layers(student, reference):
    if len(student) != len(reference):
        return failed(f"Expected {len(reference)} layer graphs of convolutional_block, got {len(student)}.")
    for mine, expected in zip(student, reference):
        verdict = witnessed(judge_block_layers(mine["graph"], expected["graph"], expected["case"]),
                            mine["witness"], expected["witness"], expected["case"])
        if not verdict.passed:
            return verdict
    return passed("convolutional_block has the expected layers, strides and shortcut")


@CHECKS.observer("test_convolutional_block_inference")
def observe_convolutional_block_inference(ns, kit):
    import keras
    import numpy as np

    results = []
    for case, (shape, f, s) in enumerate([((3, 6, 6, 3), 3, 2), ((2, 5, 7, 4), 2, 1), ((2, 9, 9, 2), 3, 3)]):
        filters = kit.distinct_sizes(("convolutional", case), 3, low=4, high=11)
        X = keras.Input(shape[1:])
        block = ns["convolutional_block"](X, f, filters, s=s, training=False)
        output = np.asarray(kit.set_weights_by_role(keras.Model(X, block), case)(kit.random_input(shape, seed=case)))
        results.append({"case": f"input shape {shape}, f={f}, filters={filters}, s={s}", "output": output})
    return results


@CHECKS.judge("test_convolutional_block_inference", schema=VALUES)
def judge_convolutional_block_inference(student, reference):
    hint = VALUES_HINT.replace("added", "(1x1 convolution with stride s, then BatchNormalization) added")
    return judge_values(student, reference, "convolutional_block(..., training=False)",
                        hint + " The stride s goes on the first 1x1 convolution of the main path and on the shortcut's.")


@CHECKS.observer("test_convolutional_block_training")
def observe_convolutional_block_training(ns, kit):
    import keras
    import numpy as np

    results = []
    for case, (shape, f, s) in enumerate([((3, 6, 6, 3), 3, 2), ((2, 5, 7, 4), 2, 1), ((2, 9, 9, 2), 3, 3)]):
        filters = kit.distinct_sizes(("convolutional", case), 3, low=4, high=11)
        outputs, modes = {}, []
        for training in (True, False):
            X = keras.Input(shape[1:])
            model = keras.Model(X, ns["convolutional_block"](X, f, filters, s=s, training=training))
            outputs[training] = np.asarray(kit.set_weights_by_role(model, case)(kit.random_input(shape, seed=case)))
            if training:
                modes = kit.normalization_modes(model)
        results.append({"case": f"input shape {shape}, f={f}, filters={filters}, s={s}", "output": outputs[True],
                        "inference_output": outputs[False], "normalization_modes": modes})
    return results


@CHECKS.judge("test_convolutional_block_training", schema=TRAINING_VALUES)
def judge_convolutional_block_training(student, reference):
    return judge_training_values(student, reference, "convolutional_block(..., training=True)")


# --- ResNet-50 --------------------------------------------------------------------------


@CHECKS.observer("test_resnet50_stages")
def observe_resnet50_stages(ns, kit):
    import keras
    import numpy as np

    calls, ends = [], {}

    def stand_in(kind):  # records how ResNet50 calls a block and returns a tensor of the right shape
        def block(X, f, filters, s=2 if kind == "convolutional_block" else 1, **kwargs):
            calls.append({"block": kind, "f": int(f), "filters": [int(n) for n in filters], "s": int(s),
                          "input_shape": [int(n) for n in X.shape[1:]]})
            ends.setdefault("first", X)
            ends["last"] = keras.layers.Conv2D(int(filters[-1]), 1, strides=int(s), name=f"stand_in_{len(calls)}")(X)
            return ends["last"]
        return block

    size = int(kit.rng("stages").choice([64, 96, 128]))  # any correct stem handles each size alike
    saved = {name: ns.get(name) for name in ("identity_block", "convolutional_block")}
    ns.update({name: stand_in(name) for name in saved})
    error, witness = None, None
    try:
        ns["ResNet50"](input_shape=(size, size, 3), classes=6)
    except Exception as raised:  # noqa: BLE001 - after the stages, the head's error is the other tests' business
        error = f"{type(raised).__name__}: {raised}"[:500]
    finally:
        ns.update(saved)
    if calls:  # the witness: the chain of stand-ins as ResNet50 wired it, with secret weights, on a secret input
        chain = keras.Model(ends["first"], ends["last"])
        for index, layer in enumerate(chain.layers[1:]):
            kernel = kit.rng("stand-in", index, tuple(layer.kernel.shape)).uniform(-1, 1, layer.kernel.shape)
            layer.kernel.assign((kernel * np.sqrt(3.0 / layer.kernel.shape[2])).astype("float32"))
            layer.bias.assign(np.zeros(layer.bias.shape, "float32"))
        x = kit.random_input((1, *ends["first"].shape[1:]), seed=4)
        witness = np.asarray(chain(x), dtype="float32")
    return {"calls": calls, "error": error, "witness": witness}


CALLS = ListOf(Record({"block": Text(100), "f": Integer(), "filters": ListOf(Integer(), 10), "s": Integer(),
                       "input_shape": SHAPE}), 1000)


@CHECKS.judge("test_resnet50_stages", schema=Record({"calls": CALLS, "error": Nullable(Text(2000)),
                                                   "witness": Nullable(FLOATS)}))
def judge_resnet50_stages(student, reference):
    """The blocks' calls alone: an error ResNet50 raises after its stages (in the head) does not count here."""
    error, mine, theirs = student["error"], student["witness"], reference["witness"]
    student, reference = student["calls"], reference["calls"]
    def stages(calls):
        groups = []
        for call in calls:
            if call["block"] == "convolutional_block" or not groups:
                groups.append([])
            groups[-1].append(call)
        return groups

    def describe(group):
        first, rest = group[0], group[1:]
        text = f"{first['block']}(f={first['f']}, filters={first['filters']}"
        text += f", s={first['s']})" if first["block"] == "convolutional_block" else ")"
        others = {json.dumps([c["block"], c["f"], c["filters"]]) for c in rest}
        if len(others) == 1:
            call = rest[0]
            text += f" + {len(rest)} x {call['block']}(f={call['f']}, filters={call['filters']})"
        elif rest:
            text += " + " + ", ".join(f"{c['block']}(f={c['f']}, filters={c['filters']})" for c in rest)
        return text

    if student == reference:
        return witnessed(passed("ResNet50 calls the blocks of its four stages with the right arguments"),
                         np.zeros(0) if mine is None else mine, theirs,
                         "stages 2 to 5 (with stand-in blocks) on a secret input")
    if error:
        return failed(f"ResNet50 raised {error} after {len(student)} calls of the blocks (ResNet-50 makes "
                      f"{len(reference)}): check the layers before that point.")
    if not student:
        return failed("ResNet50 never calls identity_block or convolutional_block: build stages 2 to 5 from them.")
    mine, expected = stages(student), stages(reference)
    for number, (got, want) in enumerate(zip(mine, expected), start=2):
        if got != want:
            same_text = describe(got) == describe(want)
            detail = " (the blocks get inputs of other shapes: check the stem and the strides)" if same_text else ""
            return failed(f"Stage {number} should be {describe(want)}; yours is {describe(got)}{detail}.")
    return failed(f"ResNet50 should build {len(expected)} stages from the blocks; yours builds {len(mine)}.")


@CHECKS.observer("test_resnet50_stem_and_head")
def observe_resnet50_stem_and_head(ns, kit):
    import keras
    import numpy as np

    class StandIn(keras.layers.Conv2D):  # takes each block's place, so only ResNet50's own layers remain
        pass

    ends = {}

    def stand_in(kind):
        def block(X, f, filters, s=2 if kind == "convolutional_block" else 1, **kwargs):
            ends.setdefault("first", X)
            ends["last"] = StandIn(int(filters[-1]), 1, strides=int(s))(X)
            return ends["last"]
        return block

    classes = int(kit.rng("classes").choice([4, 5, 7, 8, 9]))
    saved = {name: ns.get(name) for name in ("identity_block", "convolutional_block")}
    ns.update({name: stand_in(name) for name in saved})
    try:
        model = ns["ResNet50"](input_shape=(64, 64, 3), classes=classes)
    finally:
        ns.update(saved)
    if not ends:
        raise RuntimeError("ResNet50 never calls identity_block or convolutional_block")
    kit.set_weights_by_role(model, seed=3, scale=0.05)
    for weight in model.weights:
        if weight.name.split("/")[-1] == "beta":  # most normalised values negative: the ReLU shows
            weight.assign(kit.rng("beta", tuple(weight.shape)).uniform(-0.5, -0.2, weight.shape).astype("float32"))
    # The stem on secret images, and the head on a secret feature map of stage 5's shape: each alone.
    stem = keras.Model(model.input, ends["first"])
    head = keras.Model(ends["last"], model.output)
    images = kit.random_input((2, 64, 64, 3), seed=3)
    features = np.abs(kit.random_input((2, *ends["last"].shape[1:]), seed=8)) * 2.0
    return {"classes": classes, "stem": np.asarray(stem(images, training=False), dtype="float32"),
            "head": np.asarray(head(features, training=False), dtype="float32"), "graph": kit.graph(model)}


@CHECKS.judge("test_resnet50_stem_and_head", schema=Record({
    "classes": Integer(), "stem": FLOATS, "head": FLOATS, "graph": Graph()}))
def judge_resnet50_stem_and_head(student, reference):
    """The function the stem computes on secret images and the head on a secret feature map; the
    layers only explain a difference (a head that pools globally computes what the instructions' does)."""
    call = f"ResNet50(input_shape=(64, 64, 3), classes={reference['classes']})"
    stem_verdict = expect_close(student["stem"], reference["stem"],
                                f"The stem of {call} (its layers before stage 2) on secret images")
    head_verdict = expect_close(student["head"], reference["head"],
                                f"The head of {call} (its layers after stage 5) on a secret feature map")
    if stem_verdict.passed and head_verdict.passed:
        return passed("ResNet50's stem and head compute the expected function")

    def own_layers(graph):
        """ResNet50's own layers in order, with one '<stages>' marker where the blocks are."""
        result = []
        for node in graph["nodes"]:
            if node["type"] == "StandIn":
                if not result or result[-1] != "<stages>":
                    result.append("<stages>")
            elif node["type"] != "InputLayer":
                result.append(layer_label(node["type"], node["config"]))
        return result

    def split(layers):
        at = layers.index("<stages>") if "<stages>" in layers else len(layers)
        return layers[:at], layers[at + 1:]

    (my_stem, my_head), (stem, head) = (split(own_layers(canonical_graph(student["graph"]))),
                                        split(own_layers(canonical_graph(reference["graph"]))))
    if not stem_verdict.passed:
        if my_stem != stem:
            return failed(f"ResNet50's layers before stage 2 (the stem) should be: {'; '.join(stem)}. "
                          f"Yours: {'; '.join(my_stem) or 'none'}.")
        return failed(stem_verdict.message + " Your stem lists the expected layers, so check what they compute: "
                      "the padding, the strides and the pooling window.")
    if my_head != head:
        return failed(f"ResNet50's layers after stage 5 (the head) should compute what these do: {'; '.join(head)}. "
                      f"Yours: {'; '.join(my_head) or 'none'}. " + head_verdict.message)
    return failed(head_verdict.message + " Your head lists the expected layers, so check what they compute: "
                  "the activation of the last Dense layer (softmax over `classes`) and the pooling.")


@CHECKS.observer("test_resnet50_model")
def observe_resnet50_model(ns, kit):
    classes = int(kit.rng("classes").choice([4, 5, 7, 8, 9]))
    model = ns["ResNet50"](input_shape=(64, 64, 3), classes=classes)
    found = {"classes": classes, "parameters": int(model.count_params()), "output_shape": list(model.output_shape),
             "graph": kit.graph(model)}
    return {**found, "witness": kit.witness(model, (2, 64, 64, 3), "model", deep=True)}


@CHECKS.judge("test_resnet50_model", schema=Record({"classes": Integer(), "parameters": Integer(),
                                                    "output_shape": SHAPE, "graph": Graph(), "witness": FLOATS}))
def judge_resnet50_model(student, reference):
    """The function (secret images, secret weights) and the parameter count; the layers explain a difference."""
    advice = " Make the identity and convolutional block tests pass first; then check the stages."
    call = f"ResNet50(input_shape=(64, 64, 3), classes={reference['classes']})"
    if student["parameters"] != reference["parameters"]:
        return failed(f"{call} should have {reference['parameters']:,} parameters; yours has "
                      f"{student['parameters']:,}." + advice)
    verdict = expect_equal(student["output_shape"], reference["output_shape"], f"The output shape of {call}")
    if not verdict.passed:
        return verdict
    computed = expect_close(student["witness"], reference["witness"], f"{call} on secret images and weights",
                            atol=1e-5, rtol=1e-3)
    if computed.passed:
        return passed(f"ResNet-50 with {reference['parameters']:,} parameters, output shape "
                      f"{tuple(reference['output_shape'])}")
    mine, expected = canonical_layers(student["graph"]), canonical_layers(reference["graph"])
    for got, want in zip(mine, expected):
        if got != want:
            return failed(f"ResNet50's layers differ from the expected ones: at depth {want[0]} expected "
                          f"{want[1]}, found {got[1]} (at depth {got[0]})." + advice)
    if len(mine) != len(expected):
        return failed(f"ResNet50 should have {len(expected)} layer calls; yours has {len(mine)}." + advice)
    return failed(computed.message + " Your layers are the expected ones, so check how they are connected." + advice)


# --- judging helpers (trusted side) -------------------------------------------------------


def _arrows(chain: list[str]) -> str:
    return " -> ".join(chain) if chain else "nothing"


def judge_block_layers(student: dict, reference: dict, what: str):
    mine, expected = block_structure(student), block_structure(reference)
    if mine == expected:
        return passed(f"{what}: the expected layers")
    main, shortcut = (expected.get("branches", []) + [[], []])[:2]
    if not mine["add"]:
        return failed(
            f"{what}: nothing adds the shortcut to the main path, your block computes "
            f"{_arrows(['X'] + mine['chain'])}. Add the shortcut with Add()([X, X_shortcut]) before the last ReLU."
        )
    if len(mine["branches"]) != 2:
        return failed(f"{what}: the addition should add two tensors, the main path and the shortcut; yours adds "
                      f"{len(mine['branches'])}.")
    if mine["after"] != expected["after"]:
        if not mine["after"] and mine["branches"][0][-1:] == ["ReLU"]:
            return failed(f"{what}: the last ReLU must come after adding the shortcut (Add, then ReLU); yours "
                          "applies it to the main path before the addition.")
        return failed(f"{what}: after adding the shortcut, expected {_arrows(expected['after'])}; "
                      f"yours has {_arrows(mine['after'])}.")
    my_main, my_shortcut = mine["branches"]
    if my_main != main:
        return failed(f"{what}: the main path should be {_arrows(main)} -> Add; yours is {_arrows(my_main)} -> Add.")
    return failed(f"{what}: the shortcut should be {_arrows(shortcut)} -> Add; yours is {_arrows(my_shortcut)} -> Add.")


def judge_values(student, reference, what: str, hint: str):
    if len(student) != len(reference):
        return failed(f"{what}: expected {len(reference)} results, got {len(student)}.")
    for mine, expected in zip(student, reference):
        verdict = expect_close(mine["output"], expected["output"], f"{what} for {expected['case']}")
        if not verdict.passed:
            return failed(verdict.message + hint)
    return passed(f"{what}: the expected outputs")


def judge_training_values(student, reference, what: str):
    if len(student) != len(reference):
        return failed(f"{what}: expected {len(reference)} results, got {len(student)}.")
    for mine, expected in zip(student, reference):
        ignored = [mode for mode in mine["normalization_modes"] if mode is not True]
        if ignored and len(mine["normalization_modes"]) == len(expected["normalization_modes"]):
            return failed(f"{what}: {len(ignored)} of your BatchNormalization calls do not get training=training "
                          f"(they get: {', '.join(map(str, ignored))}), so they do not follow the block's mode."
                          + TRAINING_HINT)
        verdict = expect_close(mine["output"], expected["output"], f"{what} for {expected['case']}")
        if verdict.passed:
            continue
        output, inference = np.asarray(mine["output"]), np.asarray(mine["inference_output"])
        if output.shape == inference.shape and np.allclose(output, inference, atol=1e-5):
            return failed(
                f"{what}: BatchNormalization ignores `training`. With training=True your block gives the same "
                "output as with training=False, so it normalises with the moving averages instead of the "
                "batch's own mean and variance." + TRAINING_HINT
            )
        return failed(verdict.message + TRAINING_HINT + " If the training=False test fails too, fix that first.")
    return passed(f"{what}: the expected outputs (batch statistics)")
