"""The book's training experiments, as functions that a chapter runs small and `make bench` runs in full.

Each module has a ``SETTINGS`` dict (the full experiment), ``SEEDS`` (how many runs of each
configuration the full experiment makes) and a ``run(seeds, **settings)`` that
returns plain JSON-able results; ``benchmarks/book_experiments.py`` saves them with
:func:`cnn_course.results.save`. Only Keras and numpy are used, so any Keras backend runs them.
"""

# The experiments `benchmarks/book_experiments.py` runs, one module each, and one results file each.
NAMES = ("atlas", "augmentation", "depth", "ensembles", "multicrop", "transfer")
