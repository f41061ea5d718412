"""The figures the released assignments draw, under the name those notebooks import.

Students' copies of ``Residual_Networks.ipynb`` and ``Transfer_Learning_MobileNetV2.ipynb`` (outside this
repository once released) call ``plotting.show_images`` and ``plotting.plot_history``; the figures
themselves live in :mod:`cnn_course.plots`.
"""

from cnn_course.plots.image_grids import show_images
from cnn_course.plots.training import plot_history

__all__ = ["plot_history", "show_images"]
