"""Mutants of the solutions that compute what the solution computes (equivalent mutants), with the reason.

An assignment's own ``equivalent_<assignment_id>.py`` (optional) defines ``EQUIVALENT``: mutant key
(:attr:`devtools.mutation.Mutant.key`) -> why it is equivalent; :func:`tests.assignments.variants.equivalent`
reads it. Every other mutant must lose points (benchmarks/mutation.py; a sample in test_mutation.py), and
the engine's probe compares each of these with the solution on random inputs and weights. Keys name the
line in the answer cell: when a solution changes, the table is checked again. This module holds the
reasons several assignments give.
"""

INITIAL_WEIGHTS = (
    "Initial weights are not graded: each observer gives every weight a value of its own (by role and shape), so "
    "the function the block computes is the solution's; any initializer is accepted (the corpus's explicit "
    "glorot_uniform(seed=0) is a correct answer)."
)
LAST_AXIS = ("BatchNormalization's default axis -1 is axis 3 of these 4-D (batch, height, width, channels) tensors: "
             "the same channels are normalised.")
DEFAULT_STRIDE = "strides=1 is Conv2D's default: leaving it out builds the same layer."
DEFAULT_PADDING = "padding='valid' is Conv2D's default: leaving it out builds the same layer."
ONE_BY_ONE_PADDING = ("A 1x1 window never reaches past the border, so 'same' pads nothing and computes what 'valid' "
                      "computes, whatever the stride.")
ADDITION_COMMUTES = "Addition commutes: Add()([X_shortcut, X]) is Add()([X, X_shortcut])."
SAME_TENSOR = "X_shortcut = X just before: at this line both names hold the block's input, so the call is unchanged."
DEFAULT_SHUFFLE = "shuffle=True is image_dataset_from_directory's default: the same split and the same batches."
RELU_COMMUTES_WITH_MAX_POOLING = ("ReLU and max pooling commute (the maximum of rectified values is the rectified "
                                  "maximum): MaxPooling2D then ReLU is the same function.")
