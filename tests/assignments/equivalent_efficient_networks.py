"""Mutants of assignment 3's solution (efficient networks) that compute what the solution computes, with the reason.

``EQUIVALENT``: mutant key (:attr:`devtools.mutation.Mutant.key`) -> why it is equivalent. Every other mutant must
lose points (benchmarks/mutation.py; a sample in test_mutation.py). Keys name the line in the answer cell: when the
solution changes, the table is checked again.
"""

EQUIVALENT: dict[str, str] = {
    "inverted_residual_block:23:replace_argument: X -> X_shortcut in layers.Conv2D(...)(...)":
        "X_shortcut = X just before: at this line both names hold the block's input, so the call is unchanged.",
    "inverted_residual_block:32:swap_elements: swap X_shortcut and X":
        "Addition commutes: Add()([X, X_shortcut]) is Add()([X_shortcut, X]).",
}
