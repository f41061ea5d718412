"""Checks of graded assignment 3, efficient networks: the depthwise-separable block, MobileNetV2's
inverted residual block, its cost, the width multiplier's rounding and a small MobileNetV2.

The block observers build the student's functions on symbolic inputs, wrap them in a ``keras.Model``
and give every weight a value that depends only on its role and shape (``kit.set_weights_by_role``),
so a correct answer matches the solution whatever order it creates its layers in. Every verdict is
about values: what the blocks compute on the run's secret inputs and weights, in inference mode and
in training mode (batch statistics), what the cost and the rounding return on secret arguments, and
what the network computes on secret images. The weights are large enough that many rectified values
pass 6, where a ReLU6 and a ReLU differ, and each block is also run with weights so small that none
does, which tells a missing cap from any other mistake. Layer graphs only explain a lost point.
Channel counts, expansions, sizes and the number of classes are drawn from the run's secret seed,
but every draw covers the same cases (each rounding edge, odd and even sides, expansion 1 and more,
stride 1 and 2, the residual's three conditions), so a verdict never depends on the draw:
benchmarks/mutation.py grades every mutant of the solution under two seeds to show it.
"""

from __future__ import annotations

import math

import numpy as np

from autograder.checks import AssignmentChecks, expect_close, expect_equal, failed, passed
from autograder.checks.graphs import block_structure, canonical_graph, canonical_layers, layer_label
from autograder.schema import FLOATS, SHAPE, Array, Graph, Integer, ListOf, Nullable, Number, Record, Text

CHECKS = AssignmentChecks(
    assignment_id="efficient_networks",
    grading_parameters={"epochs": 1, "train_subset": 64, "run_eagerly": True},
)

RECTIFIERS = {"ReLU", "Relu", "Relu6", "Clip"}  # the spellings of a (capped) rectifier in a layer graph
CAP_HINT = (" Your layers compute the expected values as long as no value reaches 6, but not above: the "
            "activations must be ReLU6, capped at 6 (layers.ReLU(6.0), layers.Activation('relu6') or "
            "keras.ops.relu6), not a plain ReLU.")
BIAS_HINT = (" A convolution followed by BatchNormalization needs no bias, BatchNormalization's beta shifts "
             "the values already: create every convolution with use_bias=False.")
TRAINING_HINT = (" In inference mode your block computes the expected values, so look at what changes in training "
                 "mode: each BatchNormalization normalises with the mean and variance of the batch it gets (call it "
                 "without a training argument and leave it trainable), and it gets the output of its own convolution "
                 "(the stride belongs to the depthwise convolution, before its BatchNormalization).")


# --- kernel-side helpers (their source is sent with every observer) -----------------------


@CHECKS.helper
def block_model(block, shape, *arguments):
    """``block(X, *arguments)`` on a symbolic input of ``shape`` (no batch axis), as a keras.Model."""
    import keras

    X = keras.Input(shape)
    return keras.Model(X, block(X, *arguments))


@CHECKS.helper
def block_outputs(model, kit, shape, seed):
    """The block on a secret input of ``shape`` with secret weights: in inference mode with weights large
    enough that many rectified values pass 6, in training mode (batch statistics), and in inference mode
    with weights so small that no value reaches 6 (where a ReLU computes what a ReLU6 does)."""
    import numpy as np

    x = kit.random_input(shape, seed=seed)
    kit.set_weights_by_role(model, seed, scale=1.5)
    found = {"inference": np.asarray(model(x, training=False), dtype="float32"),
             "training": np.asarray(model(x, training=True), dtype="float32")}
    kit.set_weights_by_role(model, seed, scale=0.1)
    found["small"] = np.asarray(model(x, training=False), dtype="float32")
    return found


@CHECKS.helper
def expansions(kit, salt, count):
    """``count`` secret expansion factors, each larger than 1."""
    return [int(t) for t in kit.rng("expansion", salt).integers(2, 7, size=count)]


# --- depthwise-separable block ------------------------------------------------------------


@CHECKS.observer("test_depthwise_separable_block")
def observe_depthwise_separable_block(ns, kit):
    results = []
    for case, (height, width, strides) in enumerate([(6, 6, 1), (7, 7, 2), (6, 8, 2)]):
        channels, filters = kit.distinct_sizes(("separable", case), 2, low=3, high=10)
        shape = (2, height, width, channels)
        model = block_model(ns["depthwise_separable_block"], shape[1:], filters, strides)
        results.append({"case": f"depthwise_separable_block(X, filters={filters}, strides={strides}) on a "
                                f"{height}x{width}x{channels} input", "graph": kit.graph(model),
                        **block_outputs(model, kit, shape, case)})
    return results


BLOCK_VALUES = ListOf(Record({"case": Text(), "graph": Graph(), "inference": FLOATS, "training": FLOATS,
                             "small": FLOATS}), 10)


@CHECKS.judge("test_depthwise_separable_block", schema=BLOCK_VALUES)
def judge_depthwise_separable_block(student, reference):
    return judge_block(student, reference, "depthwise_separable_block")


# --- inverted residual block --------------------------------------------------------------


@CHECKS.observer("test_inverted_residual_block_layers")
def observe_inverted_residual_block_layers(ns, kit):
    expansion = expansions(kit, "layers", 1)[0]
    results = []
    for case, (t, strides, same_channels, side) in enumerate([(1, 1, True, 5), (expansion, 1, True, 5),
                                                               (expansion, 2, False, 6)]):
        channels, other = kit.distinct_sizes(("inverted layers", case), 2, low=3, high=10)
        filters = channels if same_channels else other
        shape = (2, side, side, channels)
        model = block_model(ns["inverted_residual_block"], shape[1:], t, filters, strides)
        outputs = block_outputs(model, kit, shape, 10 + case)
        results.append({"case": f"inverted_residual_block(X, expansion={t}, filters={filters}, strides={strides}) "
                                f"on a {side}x{side}x{channels} input", "graph": kit.graph(model),
                        "inference": outputs["inference"], "small": outputs["small"]})
    return results


@CHECKS.judge("test_inverted_residual_block_layers", schema=ListOf(Record({
    "case": Text(), "graph": Graph(), "inference": FLOATS, "small": FLOATS}), 10))
def judge_inverted_residual_block_layers(student, reference):
    return judge_block(student, reference, "inverted_residual_block")


@CHECKS.observer("test_inverted_residual_block_values")
def observe_inverted_residual_block_values(ns, kit):
    expansion, other_expansion = expansions(kit, "values", 2)
    results = []
    for case, (t, strides, same_channels, height, width) in enumerate([
            (1, 1, True, 6, 6), (expansion, 1, True, 5, 7), (expansion, 2, False, 7, 7),
            (other_expansion, 2, True, 6, 8), (other_expansion, 1, False, 6, 6), (1, 2, False, 5, 5)]):
        channels, other = kit.distinct_sizes(("inverted values", case), 2, low=3, high=10)
        filters = channels if same_channels else other
        shape = (2, height, width, channels)
        model = block_model(ns["inverted_residual_block"], shape[1:], t, filters, strides)
        results.append({"case": f"inverted_residual_block(X, expansion={t}, filters={filters}, strides={strides}) "
                                f"on a {height}x{width}x{channels} input", "graph": kit.graph(model),
                        **block_outputs(model, kit, shape, 20 + case)})
    return results


@CHECKS.judge("test_inverted_residual_block_values", schema=BLOCK_VALUES)
def judge_inverted_residual_block_values(student, reference):
    return judge_block(student, reference, "inverted_residual_block")


@CHECKS.observer("test_inverted_residual_block_shortcut")
def observe_inverted_residual_block_shortcut(ns, kit):
    import numpy as np

    expansion = expansions(kit, "shortcut", 1)[0]
    results = []
    for case, (t, strides, same_channels) in enumerate([(1, 1, True), (expansion, 1, True), (expansion, 2, True),
                                                         (expansion, 1, False)]):
        channels, other = kit.distinct_sizes(("shortcut", case), 2, low=3, high=10)
        filters = channels if same_channels else other
        shape = (2, 6, 6, channels)
        found = {"case": f"inverted_residual_block(X, expansion={t}, filters={filters}, strides={strides}) on a "
                         f"6x6x{channels} input", "error": None, "output": None, "switched_off": None}
        try:
            model = block_model(ns["inverted_residual_block"], shape[1:], t, filters, strides)
        except Exception as error:  # noqa: BLE001 - a residual added where shapes differ: explained by the judge
            found["error"] = f"{type(error).__name__}: {error}"[:1000]
            results.append(found)
            continue
        x = kit.random_input(shape, seed=30 + case)
        kit.set_weights_by_role(model, 30 + case, scale=1.5)
        found["output"] = np.asarray(model(x, training=False), dtype="float32")
        for weight in model.weights:  # every BatchNormalization then outputs 0: the main path is switched off
            if weight.name.split("/")[-1] in ("gamma", "beta"):
                weight.assign(np.zeros(weight.shape, "float32"))
        found["switched_off"] = np.asarray(model(x, training=False), dtype="float32")
        results.append(found)
    return results


@CHECKS.judge("test_inverted_residual_block_shortcut", schema=ListOf(Record({
    "case": Text(), "error": Nullable(Text(2000)), "output": Nullable(FLOATS), "switched_off": Nullable(FLOATS)}), 10))
def judge_inverted_residual_block_shortcut(student, reference):
    """The block with its main path switched off (every BatchNormalization's gamma and beta 0) returns its input X
    where it has the residual, zeros elsewhere; with the main path on (the witness) it computes the solution's."""
    if len(student) != len(reference):
        return failed(f"Expected {len(reference)} results of inverted_residual_block, got {len(student)}.")
    rule = ("The residual adds the block's input X to the projection's output only when strides == 1 and the block "
            "keeps the number of channels (X.shape[-1] == filters).")
    for mine, expected in zip(student, reference):
        case = expected["case"]
        if mine["error"] is not None:
            return failed(f"{case} raised {mine['error']}. " + rule)
        if any(result[key] is None for result in (mine, expected) for key in ("output", "switched_off")):
            return failed(f"{case} gave no output. " + rule)
        residual = bool(np.any(expected["switched_off"]))
        off, alone = np.asarray(mine["switched_off"]), np.asarray(expected["switched_off"])
        if expect_close(off, alone, case).passed:
            continue
        what = f"{case}, with its main path switched off (every BatchNormalization's gamma and beta set to 0),"
        if off.shape != alone.shape:
            return failed(f"{what} returns an output of shape {off.shape}, expected {alone.shape}.")
        if residual and np.allclose(off, 0, atol=1e-5):
            return failed(f"{what} returns zeros instead of X: the residual is missing. " + rule)
        if not residual:
            return failed(f"{what} should return zeros, but yours adds something to the main path. " + rule)
        if np.all(off >= 0):
            return failed(f"{what} should return X, but yours returns X rectified: nothing comes after the "
                          "addition, the projection and the residual are linear.")
        return failed(f"{what} should return X, the residual alone, but yours returns something else. " + rule)
    for mine, expected in zip(student, reference):
        verdict = expect_close(mine["output"], expected["output"], f"{expected['case']} on secret inputs and weights")
        if not verdict.passed:
            return failed(
                "With its main path switched off your block returns what it should (X where the residual belongs, "
                f"zeros elsewhere), but with the main path on it does not give the expected output ({verdict.message}) "
                "This test credits the residual of a block that computes the expected function: fix the main path "
                "first (the block's other tests say where).")
    return passed("inverted_residual_block adds the residual exactly when strides == 1 and the channels match")


# --- cost ---------------------------------------------------------------------------------


@CHECKS.observer("test_inverted_residual_cost")
def observe_inverted_residual_cost(ns, kit):
    import numpy as np

    t, other_t = [int(n) for n in kit.rng("cost expansion").choice(np.arange(2, 8), size=2, replace=False)]
    even = [int(n) for n in 2 * kit.rng("even sides").choice(np.arange(4, 16), size=3, replace=False)]
    odd = [int(n) + 1 for n in 2 * kit.rng("odd sides").choice(np.arange(4, 16), size=3, replace=False)]
    cases = []
    for case, (side, expansion, strides, same_channels) in enumerate([
            (even[0], 1, 1, True), (odd[0], 1, 2, False), (odd[1], t, 1, True), (even[1], t, 2, False),
            (odd[2], other_t, 2, False), (even[2], other_t, 1, False)]):
        channels_in, other = kit.distinct_sizes(("cost", case), 2, low=8, high=65)
        cases.append([side, channels_in, expansion, channels_in if same_channels else other, strides])
    values = []
    for side, channels_in, expansion, channels_out, strides in cases:
        cost = ns["inverted_residual_cost"](side, channels_in, expansion, channels_out, strides)
        values.append([float(cost["parameters"]), float(cost["multiplications"])])
    return {"cases": cases, "values": np.asarray(values, dtype="float64")}


ARGUMENT = Integer(minimum=1, maximum=10**6)  # a size, channel count, expansion, stride or divisor


@CHECKS.judge("test_inverted_residual_cost", schema=Record({
    "cases": ListOf(ListOf(ARGUMENT, 5, min_length=5), 20),
    "values": Array(ndim=2, kinds="f")}))
def judge_inverted_residual_cost(student, reference):
    """The values are an array, one row (parameters, multiplications) per case: what only running an
    implementation on the secret arguments gives (a list would count as structure, written by hand)."""
    mine, expected = student["values"], reference["values"]
    if mine.shape != expected.shape or expected.shape[1:] != (2,):
        return failed(f"Expected {len(expected)} costs (parameters, multiplications), got values of shape {mine.shape}.")
    for (size, channels_in, expansion, channels_out, strides), got, want in zip(reference["cases"], mine, expected):
        call = f"inverted_residual_cost({size}, {channels_in}, {expansion}, {channels_out}, strides={strides})"
        for index, quantity in enumerate(("parameters", "multiplications")):
            if not math.isclose(got[index], want[index], rel_tol=1e-9):
                why = cost_mistake(quantity, got[index], (size, channels_in, expansion, channels_out, strides))
                return failed(f"{call} should count {want[index]:,.0f} {quantity}; yours counts {got[index]:,.10g}. "
                              + why)
    return passed("inverted_residual_cost counts the weights and multiplications of the three convolutions")


def cost_terms(size, channels_in, expansion, channels_out, strides, *, expand_at=None, depthwise_at=None,
               project_at=None, output_side=None, expand=None):
    """(parameters, multiplications) of the block's convolutions, each term at the resolution given
    (by default: the expansion at the input's, the depthwise and projection at the output's)."""
    expanded, output_side = expansion * channels_in, output_side or math.ceil(size / strides)
    expand = expansion != 1 if expand is None else expand
    at = {"input": size, "output": output_side}
    terms = [(9 * expanded, at[depthwise_at or "output"]), (expanded * channels_out, at[project_at or "output"])]
    if expand:
        terms.append((channels_in * expanded, at[expand_at or "input"]))
    return sum(weights for weights, _ in terms), sum(weights * side * side for weights, side in terms)


def cost_mistake(quantity: str, got: float, case: tuple) -> str:
    """Which slip of the cost's terms gives the student's count, if one does."""
    size, channels_in, expansion, channels_out, strides = case
    index = 0 if quantity == "parameters" else 1
    correct = cost_terms(*case)[index]
    expanded = expansion * channels_in
    slips = [
        (cost_terms(*case, expand=True), "With expansion=1 the block has no expansion convolution: leave its "
                                         "weights and multiplications out."),
        (cost_terms(*case, expand=False), f"With expansion={expansion} the block starts with a 1x1 expansion "
                                          f"convolution of {channels_in}x{expanded} weights: count it."),
        (cost_terms(*case, expand_at="output"), "The expansion convolution runs before the depthwise "
                                                "convolution's stride, at the input's resolution (size x size)."),
        (cost_terms(*case, depthwise_at="input"), "The depthwise convolution's stride shrinks its output: count its "
                                                  "multiplications at the output's side, ceil(size / strides)."),
        (cost_terms(*case, project_at="input"), "The projection runs after the stride, at the output's side "
                                                "ceil(size / strides), not the input's."),
        (cost_terms(*case, output_side=size // strides), "With 'same' padding the output's side is "
                                                         "ceil(size / strides), rounded up: size // strides rounds down."),
    ]
    for terms, why in slips:
        if terms[index] != correct and math.isclose(got, terms[index], rel_tol=1e-9):
            return why
    if quantity == "parameters":
        per_channel = expanded + channels_out + (expanded if expansion != 1 else 0)  # a bias or a normalised channel
        if any(math.isclose(got, correct + per_channel * factor, rel_tol=1e-9) for factor in range(1, 6)):
            return ("Count the convolutions' weights only: no biases (the convolutions have none) and no "
                    "BatchNormalization parameters.")
        if math.isclose(got, correct - 9 * expanded + 9 * expanded * expanded, rel_tol=1e-9):
            return (f"The depthwise convolution has one 3x3 filter per channel, 9 x {expanded} weights, not a 3x3 "
                    "filter for every pair of channels.")
    return ("Count the three convolutions: the 1x1 expansion (channels_in x expansion*channels_in weights, none when "
            "expansion is 1) at the input's resolution, then the 3x3 depthwise (9 weights per expanded channel) and the "
            "1x1 projection (expansion*channels_in x channels_out) at the output's, ceil(size / strides).")


# --- width multiplier ---------------------------------------------------------------------


@CHECKS.observer("test_scaled_channels")
def observe_scaled_channels(ns, kit):

    def draw(kind, divisor, accept):
        """A secret (channels, alpha) whose channels * alpha (an exact binary fraction) is of ``kind``."""
        generator = kit.rng("scaled channels", kind, divisor)
        alphas = [0.25, 0.5, 0.75, 1.25, 1.5]
        options = [(c, a) for a in alphas for c in range(1, 400) if accept(c * a, divisor, c)]
        channels, alpha = options[int(generator.integers(len(options)))]
        return {"kind": kind, "channels": int(channels), "alpha": float(alpha), "divisor": int(divisor)}

    cases = [
        draw("rounds down", 8, lambda s, d, c: s >= 6 * d and 0 < s % d < d / 2),
        draw("rounds up", 8, lambda s, d, c: s >= 2 * d and d / 2 < s % d < 2 * d / 3),
        draw("a multiple of the divisor", 8, lambda s, d, c: s >= d and s % d == 0),
        draw("halfway between two multiples", 8, lambda s, d, c: s >= 6 * d and s % (2 * d) == d / 2),
        draw("more than 10% above the nearest multiple", 8, lambda s, d, c: d / 0.9 < s <= 1.25 * d),
        draw("more than 10% above the nearest multiple, twice the divisor", 8,
             lambda s, d, c: 2 * d / 0.9 < s < 2.5 * d),
        draw("below half the divisor", 8, lambda s, d, c: 0 < s < d / 2 and c != d),
        draw("rounds down to 16 but up to 8", 16, lambda s, d, c: s >= 6 * d and d / 4 < s % d < d / 2),
        draw("below half the divisor", 4, lambda s, d, c: 0 < s < d / 2),
    ]
    values = []
    for case in cases:
        arguments = (case["channels"], case["alpha"]) + (() if case["divisor"] == 8 else (case["divisor"],))
        values.append(float(ns["scaled_channels"](*arguments)))
    return {"cases": cases, "values": np.asarray(values, dtype="float64")}


@CHECKS.judge("test_scaled_channels", schema=Record({"cases": ListOf(Record({
    "kind": Text(200), "channels": ARGUMENT, "alpha": Number(), "divisor": ARGUMENT}), 20),
    "values": Array(ndim=1, kinds="f")}))
def judge_scaled_channels(student, reference):
    mine, expected = student["values"], reference["values"]
    if mine.shape != expected.shape:
        return failed(f"Expected {len(expected)} channel counts, got values of shape {mine.shape}.")
    for case, got, want in zip(reference["cases"], mine.tolist(), expected.tolist()):
        if got == want:
            continue
        if not math.isfinite(got):
            return failed(f"scaled_channels returned {got}: it should return a whole number of channels.")
        channels, alpha, divisor = case["channels"], case["alpha"], case["divisor"]
        scaled = channels * alpha
        call = f"scaled_channels({channels}, {alpha})" if divisor == 8 else \
            f"scaled_channels({channels}, {alpha}, divisor={divisor})"
        start = f"{call} should be {want:g}; yours is {got:.10g}. {channels} x {alpha} = {scaled:g}"
        if case["kind"].startswith("rounds down to 16") and got % 8 == 0:
            return failed(f"{start}: round to a multiple of the divisor you are given ({divisor}), not of 8.")
        if got != int(got) or got % divisor:
            return failed(f"{start}, which you must round to a multiple of divisor ({divisor}).")
        if case["kind"].startswith("more than 10%"):
            return failed(f"{start}, whose nearest multiple of {divisor}, {got:g}, would drop more than 10% of the "
                          f"channels: then add one divisor (MobileNetV2 never keeps fewer than 90% of them).")
        if case["kind"] == "below half the divisor":
            return failed(f"{start}: a layer keeps at least `divisor` channels, however small alpha is.")
        if case["kind"].startswith("halfway"):
            return failed(f"{start}, halfway between two multiples of {divisor}: round halves up, as "
                          "int(v + divisor / 2) // divisor * divisor does (Python's round() rounds halves to even).")
        return failed(f"{start}: round it to the nearest multiple of {divisor}, halves up "
                      "(int(v + divisor / 2) // divisor * divisor).")
    return passed("scaled_channels rounds to the nearest multiple of divisor, never below it nor 10% below v")


# --- the network --------------------------------------------------------------------------


@CHECKS.helper
def network_witness(model, kit, shape, salt):
    """``model`` on secret images of ``shape`` in training mode (batch statistics keep a deep network's
    output depending on its input), with secret weights (``kit.set_weights_keeping_signal``) whose
    BatchNormalization scales are large enough that many ReLU6 reach their cap."""
    import numpy as np

    seed = int(kit.rng("network", salt).integers(2**31))
    kit.set_weights_keeping_signal(model, seed)
    for weight in model.weights:
        if weight.name.split("/")[-1] == "gamma":
            weight.assign(np.asarray(weight) * 4.0)
    return np.asarray(model(kit.random_input(shape, seed=seed), training=True), dtype="float32")


@CHECKS.observer("test_small_mobilenet_model")
def observe_small_mobilenet_model(ns, kit):
    classes = int(kit.rng("classes").choice([4, 5, 7, 8, 9]))
    side = int(kit.rng("side").choice([32, 40, 48]))
    model = ns["small_mobilenet"](input_shape=(side, side, 3), classes=classes)
    found = {"call": f"small_mobilenet(input_shape=({side}, {side}, 3), classes={classes})",
             "parameters": int(model.count_params()), "output_shape": list(model.output_shape), "graph": kit.graph(model)}
    return {**found, "witness": network_witness(model, kit, (2, side, side, 3), "model")}


@CHECKS.judge("test_small_mobilenet_model", schema=Record({"call": Text(200), "parameters": Integer(),
                                                          "output_shape": SHAPE, "graph": Graph(), "witness": FLOATS}))
def judge_small_mobilenet_model(student, reference):
    """The parameter count, the output's shape and the function (secret images, secret weights); the layers
    explain a difference."""
    call, advice = reference["call"], " Make the block tests pass first; then compare your layers with BLOCKS."
    verdict = expect_equal(student["output_shape"], reference["output_shape"], f"The output shape of {call}")
    if not verdict.passed:
        return failed(verdict.message + " The input is keras.Input(input_shape) and the last Dense layer has "
                                        "`classes` units.")
    counted = student["parameters"] == reference["parameters"]
    computed = expect_close(student["witness"], reference["witness"], f"{call} on secret images and weights",
                            atol=1e-5, rtol=1e-3)
    if counted and computed.passed:
        return passed(f"small_mobilenet with {reference['parameters']:,} parameters, output shape "
                      f"{tuple(reference['output_shape'])}")
    problem = computed.message if counted else (f"{call} should have {reference['parameters']:,} parameters; yours "
                                                f"has {student['parameters']:,}.")
    mine, expected = canonical_layers(canonical(student["graph"])), canonical_layers(canonical(reference["graph"]))
    for got, want in zip(mine, expected):
        if got != want:
            return failed(f"{problem} Your layers differ from the expected ones: at depth {want[0]} expected "
                          f"{want[1]}, found {got[1]} (at depth {got[0]})." + biases(student["graph"]) + advice)
    if len(mine) != len(expected):
        return failed(f"{problem} small_mobilenet should have {len(expected)} layer calls; yours has {len(mine)}."
                      + advice)
    return failed(problem + biases(student["graph"]) + " Your layers are the expected ones, so check their "
                  "activations (ReLU6) and how they are connected." + advice)


@CHECKS.observer("test_small_mobilenet_width")
def observe_small_mobilenet_width(ns, kit):
    import keras

    class StandIn(keras.layers.Conv2D):  # takes each inverted residual block's place
        pass

    calls = []

    def stand_in(X, expansion, filters, strides=1):
        calls.append([int(expansion), int(filters), int(strides), int(X.shape[-1])])
        return StandIn(int(filters), 1, strides=int(strides))(X)

    classes = int(kit.rng("classes").choice([4, 5, 7, 8, 9]))
    saved, results = ns.get("inverted_residual_block"), []
    ns["inverted_residual_block"] = stand_in
    try:
        # 0.35 and 0.75 add the divisor to some widths; at 1.1, 1.2, 1.3 and 1.4 a width of 32 or 256 off by one
        # rounds to another multiple of 8
        for alpha in (0.35, 0.75, 1.1, 1.2, 1.3, 1.4):
            calls.clear()
            model = ns["small_mobilenet"](input_shape=(32, 32, 3), classes=classes, alpha=alpha)
            results.append({"alpha": alpha, "calls": [list(call) for call in calls],
                            "parameters": int(model.count_params()), "graph": kit.graph(model),
                            "witness": kit.witness(model, (2, 32, 32, 3), ("width", alpha), deep=True)})
    finally:
        ns["inverted_residual_block"] = saved
    return {"classes": classes, "widths": results}


@CHECKS.judge("test_small_mobilenet_width", schema=Record({"classes": Integer(), "widths": ListOf(Record({
    "alpha": Number(), "calls": ListOf(ListOf(Integer(), 4, min_length=4), 1000), "parameters": Integer(),
    "graph": Graph(), "witness": FLOATS}), 10)}))
def judge_small_mobilenet_width(student, reference):
    """The blocks' calls (stand-ins take their place), the network's own layers and their parameter count at
    several alphas, bound by the witness: the network with stand-in blocks on secret images."""
    if len(student["widths"]) != len(reference["widths"]):
        return failed(f"Expected small_mobilenet at {len(reference['widths'])} alphas, got {len(student['widths'])}.")
    for mine, expected in zip(student["widths"], reference["widths"]):
        alpha = expected["alpha"]
        call = f"small_mobilenet(input_shape=(32, 32, 3), classes={reference['classes']}, alpha={alpha})"
        if mine["calls"] != expected["calls"]:
            return failed(f"{call}: " + describe_calls(mine["calls"], expected["calls"]))
        verdict = expect_close(mine["witness"], expected["witness"],
                               f"{call}, with stand-ins in place of the blocks, on secret images and weights",
                               atol=1e-5, rtol=1e-3)
        if mine["parameters"] == expected["parameters"] and verdict.passed:
            continue
        problem = verdict.message if mine["parameters"] == expected["parameters"] else (
            f"{call}, with stand-ins in place of the inverted residual blocks, should have "
            f"{expected['parameters']:,} parameters; yours has {mine['parameters']:,}.")
        own, wanted = own_layers(mine["graph"]), own_layers(expected["graph"])
        for got, want in zip(own + ["nothing"] * len(wanted), wanted + ["nothing"] * len(own)):
            if got != want:
                return failed(f"{problem} Among the network's own layers (the inverted residual blocks aside) "
                              f"expected {want}, found {got}. Every width is scaled_channels(width, alpha): the "
                              "stem's 32 filters and the last convolution's 256 too.")
        return failed(problem + " Its layers and widths are the expected ones, so check how they are connected "
                                "and their activations.")
    return passed("small_mobilenet scales every width with scaled_channels(width, alpha)")


def describe_calls(mine: list, expected: list) -> str:
    """The first call of inverted_residual_block that differs, in words."""
    def text(call):
        return f"inverted_residual_block(X with {call[3]} channels, expansion={call[0]}, filters={call[1]}, " \
               f"strides={call[2]})"

    if not mine:
        return "it never calls inverted_residual_block: build the groups of BLOCKS from it."
    for number, (got, want) in enumerate(zip(mine, expected), start=1):
        if got != want:
            hint = (" Scale every width with scaled_channels(channels, alpha)." if got[1] != want[1] else
                    " Only a group's first block has its stride s; the others have stride 1." if got[2] != want[2]
                    else " Its input has another width: the stem has scaled_channels(32, alpha) filters."
                    if number == 1 and got[3] != want[3] else "")
            return f"block {number} should be {text(want)}; yours is {text(got)}.{hint}"
    return f"it calls inverted_residual_block {len(mine)} times; BLOCKS makes {len(expected)} blocks (n per group)."


# --- judging helpers (trusted side) -------------------------------------------------------


def canonical(graph: dict) -> dict:
    """The graph with one spelling per layer: every rectifier (ReLU, ReLU6, Activation('relu6'), keras.ops.relu6)
    reads 'ReLU6' (the values tell a missing cap), a convolution's bias and activation-free config are left out."""
    nodes = []
    for node in graph["nodes"]:
        kind, config = node["type"], node["config"]
        if kind in RECTIFIERS or (kind == "Activation" and config.get("activation") in ("relu", "relu6")):
            kind, config = "ReLU6", {}
        elif kind == "DepthwiseConv2D":
            config = {key: config[key] for key in ("kernel_size", "strides", "padding") if key in config}
        nodes.append({**node, "type": kind, "config": config})
    return {"nodes": nodes, "outputs": graph["outputs"]}


def biases(graph: dict) -> str:
    """BIAS_HINT if a convolution of ``graph`` has a bias."""
    convolutions = [node for node in graph["nodes"] if node["type"] in ("Conv2D", "DepthwiseConv2D")]
    return BIAS_HINT if any(node["config"].get("use_bias") for node in convolutions) else ""


def own_layers(graph: dict) -> list[str]:
    """The network's layers other than the stand-in blocks, in order, a '<blocks>' marker where they are."""
    found = []
    for node in canonical_graph(canonical(graph))["nodes"]:
        if node["type"] == "StandIn":
            if not found or found[-1] != "<blocks>":
                found.append("<blocks>")
        elif node["type"] != "InputLayer":
            found.append(layer_label(node["type"], node["config"]))
    return found


def _arrows(chain: list[str]) -> str:
    return " -> ".join(chain) if chain else "nothing"


def explain_structure(student: dict, reference: dict) -> str:
    """What differs between the student's block and the solution's, in words ('' if their layers agree)."""
    mine, expected = block_structure(canonical(student)), block_structure(canonical(reference))
    if mine == expected:
        return ""
    if expected["add"] != mine["add"]:
        found = "adds nothing" if expected["add"] else "adds a residual"
        return (f" Your block {found}: the residual adds the block's input X to the projection's output exactly "
                "when strides == 1 and X.shape[-1] == filters.")
    if expected["add"] and mine["after"] != expected["after"]:
        return (" Nothing comes after the addition (the projection and the residual are linear); yours has "
                f"{_arrows(mine['after'])}.")
    main = (expected["branches"] or [[]])[0] if expected["add"] else ["X"] + expected["chain"]
    my_main = (mine["branches"] or [[]])[0] if mine["add"] else ["X"] + mine["chain"]
    if my_main[-1:] == ["ReLU6"] and main[-1:] != ["ReLU6"]:
        return (" The projection is linear: no activation after its BatchNormalization (a rectifier there destroys "
                "information the few output channels carry).")
    def expands(path):  # whether the path starts with a 1x1 convolution (an expansion) rather than the depthwise one
        return len(path) > 1 and path[1].startswith("Conv2D")

    if main[-1:] != ["ReLU6"] and expands(my_main) != expands(main):  # an inverted residual block: linear projection
        if expands(my_main):
            return " With expansion=1 there is no expansion convolution: the block starts with the depthwise convolution."
        return (" With expansion > 1 the block starts with a 1x1 convolution to expansion * channels, "
                "BatchNormalization and ReLU6.")
    strided = [label for label in main if "stride 2" in label or "strides=2" in label]
    my_strided = [label for label in my_main if "stride 2" in label or "strides=2" in label]
    if strided and strided != my_strided:
        return (f" The stride belongs to the depthwise convolution ({strided[0]}); yours: "
                f"{'; '.join(my_strided) or 'no layer has it'}.")
    return f" The main path should be {_arrows(main)}; yours is {_arrows(my_main)}."


def judge_block(student, reference, name: str):
    """Every case's values in inference mode (the witness), then in training mode; the layers and the run with small
    weights explain a difference."""
    if len(student) != len(reference):
        return failed(f"Expected {len(reference)} results of {name}, got {len(student)}.")
    for mine, expected in zip(student, reference):
        verdict = expect_close(mine["inference"], expected["inference"],
                               f"{expected['case']} in inference mode, on secret inputs and weights")
        if verdict.passed:
            continue
        shapes = np.shape(mine["inference"]), np.shape(expected["inference"])
        if len(shapes[0]) == 4 and len(shapes[1]) == 4 and shapes[0][1:3] != shapes[1][1:3]:
            return failed(verdict.message + " Each side of the output is ceil(side / strides): padding='same' on the "
                                            "3x3 depthwise convolution, which alone has the stride.")
        structure = explain_structure(mine["graph"], expected["graph"]) or biases(mine["graph"])
        if structure:
            return failed(verdict.message + structure)
        if expect_close(mine["small"], expected["small"], expected["case"]).passed:
            return failed(verdict.message + CAP_HINT)
        return failed(verdict.message + " Check the number of filters of each convolution, the kernel sizes "
                                        "(1, 3, 1), the padding ('same') and the order of the layers.")
    for mine, expected in zip(student, reference):
        if "training" not in expected:
            continue
        verdict = expect_close(mine["training"], expected["training"],
                               f"{expected['case']} in training mode (batch statistics)")
        if not verdict.passed:
            return failed(verdict.message + TRAINING_HINT)
    return passed(f"{name} computes the expected values")
