"""Progress bars for slow loops (feature extraction, downloads): shown to a reader who waits, never
written into the website.

A page of the website is the record of a run, not a run: a bar there is noise that reads
"0%|          | 0/11 [00:00<?, ?it/s]" and then "100%|█████| 11/11 [00:02<00:00, 3.70it/s]". Inside
a Jupyter kernel nothing tells a notebook executed for the website from one a reader runs (stdout is
not a terminal in either), so the build says so: :mod:`cnn_course.site` sets ``CNN_COURSE_PROGRESS=0``
for the notebooks it executes, and any reader or script may set it too.
"""

from __future__ import annotations

import os

PROGRESS_ENV = "CNN_COURSE_PROGRESS"  # "0" (or false, no, off) hides every progress bar; unset shows them
_OFF = {"0", "false", "no", "off"}


def shown(requested: bool | None = None) -> bool:
    """Whether to draw a progress bar: ``requested`` when the caller says, else unless ``$CNN_COURSE_PROGRESS`` is off."""
    if requested is not None:
        return requested
    return os.environ.get(PROGRESS_ENV, "").strip().lower() not in _OFF
