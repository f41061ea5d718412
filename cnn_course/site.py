"""Sphinx extension for the course website: where the course lives, from :mod:`cnn_course.locations`.

``_config.yml`` loads it (``sphinx: extra_extensions``) and names no repository itself, so the
website cannot point anywhere else than the package's ``REPOSITORY_URL`` and ``BRANCH``: the
repository and issue buttons link to the repository, the Binder and Colab buttons open the page's
notebook from it. Pages written in Markdown may also quote the settings: ``{{ course.repository_url }}``,
``{{ course.branch }}``, ``{{ course.data_url }}``, ``{{ course.data_archive }}``, ``{{ course.package }}``
(replaced as the page is read, code blocks included).

It also keeps the pages clean: the notebooks it executes draw no progress bars
(:mod:`cnn_course.progress`), and a script the page would load twice is loaded once. It gives each page
one header, the theme's article header, whose buttons open the chapter list and the page's contents
(:func:`theme_options`), builds no empty index, and shows each figure at least as wide as its smallest
text needs to be readable (:func:`figure_widths`; a narrower screen scrolls the figure sideways).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from cnn_course import locations, progress
from cnn_course.plots import inline

_SETTING = re.compile(r"\{\{\s*course\.(\w+)\s*\}\}")


def settings() -> dict[str, str]:
    return {"repository_url": locations.REPOSITORY_URL, "branch": locations.BRANCH, "data_url": locations.DATA_URL,
            "data_archive": locations.DATA_ARCHIVE, "package": locations.PACKAGE}


def theme_options() -> dict[str, object]:
    """The sphinx-book-theme options that say where the course lives, and its two buttons that link there.

    ``navbar_persistent`` is empty, as sphinx-book-theme means it to be: pydata-sphinx-theme 0.17 sets it
    to a search field unless the site sets it, which brings back the pydata top header, with a second
    search field on a laptop and a second pair of sidebar buttons, hidden, that pydata's script binds
    its clicks to (it takes the first ``.primary-toggle`` of the page), so the visible buttons did nothing.
    """
    return {"repository_url": locations.REPOSITORY_URL, "repository_branch": locations.BRANCH, "path_to_docs": "",
            "use_repository_button": True, "use_issues_button": True, "navbar_persistent": []}


# What a screen reader says for the site's logo (_config.yml's logo:), a link to the home page.
LOGO_ALT_TEXT = "CNN Case Studies, home page"


def _set_repository(app, config) -> None:
    options = config.html_theme_options or {}
    config.html_theme_options = {**options, **theme_options(), "logo": {**options.get("logo", {}), "alt_text": LOGO_ALT_TEXT}}
    # The book has no index entries: Sphinx would build an empty index page and link every page to it.
    config.html_use_index = False


# The smallest text a figure may show, in CSS pixels, and the style sheet that sizes the figures (written
# into the built site's _static/, linked from every page).
MIN_TEXT_PX = inline.MIN_TEXT_PX
FIGURE_WIDTHS_CSS = "figure-widths.css"


def figure_widths(images: Path, min_px: float = MIN_TEXT_PX) -> dict[str, str]:
    """The style of each figure in the folder ``images`` that needs one: at least as wide as its smallest
    text needs to be ``min_px`` high, and a JPEG as wide as it was drawn (its pixels are at twice that)."""
    styles = {}
    for path in sorted(images.glob("*")):
        if path.suffix.lower() not in (".svg", ".jpg", ".jpeg"):
            continue
        figure = path.read_bytes()
        style = []
        if text := inline.smallest_text(figure):
            style.append(f"min-width: {math.ceil(text.readable_width(min_px))}px;")
        if width := inline.css_width(figure):
            style.append(f"width: {width:.0f}px;")
        if style:
            styles[path.name] = " ".join(style)
    return styles


def _write_figure_widths(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    rules = [f'article img[src$="/{name}"] {{ {style} }}' for name, style in figure_widths(Path(app.outdir) / "_images").items()]
    (Path(app.outdir) / "_static" / FIGURE_WIDTHS_CSS).write_text(
        f"/* Written by cnn_course.site: each figure's width, and its narrowest readable one ({MIN_TEXT_PX} px text). */\n"
        + "\n".join(rules) + "\n")


def _quote_settings(app, docname, source) -> None:
    values = settings()
    source[0] = _SETTING.sub(lambda match: values[match.group(1)], source[0])


def _load_each_script_once(app, pagename, templatename, context, doctree) -> None:
    """Drop the second copy of any script on the page: the same file, or the same inline code.

    With Jupyter Book 1.0.4 on Sphinx 7.4 some scripts reach every page twice (Sphinx keeps an inline
    script once with filename ``""`` and once with ``None``, which it does not see as the same):
    sphinx-thebe's settings (``const THEBE_JS_URL = ...``: declared twice, a SyntaxError in every
    reader's console), sphinx-togglebutton's selector, and MathJax itself. Runs after the other
    handlers (priority 900) and edits the builder's own list, which the page is rendered from.
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""
        key = ("file", str(filename)) if filename else ("inline", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # A built page records a run; the kernels that execute the chapters inherit this process's environment.
    os.environ.setdefault(progress.PROGRESS_ENV, "0")
    # Before sphinx-book-theme reads the options (its builder-inited and html-page-context handlers).
    app.connect("config-inited", _set_repository, priority=100)
    app.connect("source-read", _quote_settings)
    app.connect("html-page-context", _load_each_script_once, priority=900)
    app.add_css_file(FIGURE_WIDTHS_CSS)
    app.connect("build-finished", _write_figure_widths)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
