"""How a notebook shows its figures: drawings as SVG, photos as JPEG.

matplotlib's inline backend sends 100-dpi PNGs by default; the website scales wide ones down (blurring
their labels) and a high-density screen scales every one up. Drawings (charts, diagrams) are therefore
sent as SVG, sharp at any size and zoom. A figure that shows photos is sent as a JPEG instead: as SVG it
would carry each photo as an embedded PNG, a megabyte a figure. The chapters' setup cell calls
:func:`use_svg_figures` once, before anything is drawn.

:func:`smallest_text` reads how small a figure's smallest text is, from an SVG's glyphs or from the comment
:func:`figure_jpeg` writes into a JPEG: the website shows each figure at least wide enough for it to be
readable (:mod:`cnn_course.site`), and its tests check that it is.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

# Pixels per inch of a photo figure and of the raster parts of an SVG (heat maps): twice the 96 px per inch
# at which a browser shows the figure, so they stay sharp on high-density screens.
RASTER_DPI = 192
# A figure is a photo figure when one of its images has at least this many pixels (a heat map of a small
# array, drawn with every value written in its cell, stays a drawing).
PHOTO_PIXELS = 32 * 32
JPEG_QUALITY = 90
# How the website shows a figure on a phone (a 390 px screen): at most this many CSS pixels wide, and its
# smallest text at least MIN_TEXT_PX high (cnn_course.site shows a figure wider, scrolling, where it must).
PHONE_ARTICLE_PX = 358
MIN_TEXT_PX = 9
# The comment figure_jpeg writes, and the glyphs of matplotlib's SVG: each text is a group of glyph outlines
# placed by "translate(x y) scale(s -s)", its font size 100 * s in the SVG's own units (a rotate(...) may
# come between), in an SVG whose viewBox gives its width in the same units.
_JPEG_TEXT = re.compile(r"smallest text ([0-9.]+) px: (.*)", re.DOTALL)
_SVG_TEXT = re.compile(r'<g id="text_\d+">\s*<!-- (.*?) -->\s*<g [^>]*?transform="[^"]*?scale\(([0-9.e-]+) -[0-9.e-]+\)"', re.DOTALL)
_SVG_VIEWBOX = re.compile(r'<svg [^>]*?viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"')


def phone_font_size(width_in: float) -> float:
    """The font size in points at which text stays readable when a phone shows a figure ``width_in`` inches
    wide across its screen (a browser shows an inch as 96 CSS pixels, a point as 4/3 of one)."""
    return MIN_TEXT_PX * width_in * 72 / PHONE_ARTICLE_PX


def shows_photos(fig) -> bool:
    """Whether ``fig`` holds an image of at least :data:`PHOTO_PIXELS` pixels."""
    return any(image.get_array() is not None and image.get_array().shape[0] * image.get_array().shape[1] >= PHOTO_PIXELS
               for ax in fig.axes for image in ax.get_images())


def figure_jpeg(fig, dpi: int = RASTER_DPI) -> bytes:
    """``fig`` as a JPEG at ``dpi``, with its smallest text's height in pixels, and its words, in the file's
    comment. The text is measured on the figure drawn as SVG, which holds only the texts drawn (not the
    tick labels of an axis turned off)."""
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", dpi=dpi, bbox_inches="tight")
    smallest = smallest_text(svg.getvalue())
    comment = f"smallest text {smallest.size * dpi / 72:.1f} px: {smallest.label}" if smallest else "no text"
    out = io.BytesIO()
    fig.savefig(out, format="jpeg", dpi=dpi, bbox_inches="tight", metadata=None,
                pil_kwargs={"quality": JPEG_QUALITY, "comment": comment.encode()})
    return out.getvalue()


@dataclass(frozen=True)
class SmallestText:
    """A figure's smallest text: its height and the figure's width, in the figure's own units, and its words."""

    size: float
    width: float
    label: str

    def shown_px(self, shown_width: float) -> float:
        """The text's height in pixels when the figure is shown ``shown_width`` pixels wide."""
        return self.size * shown_width / self.width

    def readable_width(self, min_px: float) -> float:
        """How wide the figure must be shown for the text to be ``min_px`` pixels high."""
        return min_px * self.width / self.size


def css_width(figure: bytes) -> float | None:
    """The width in CSS pixels (96 a inch) a JPEG figure was drawn for, from the dots per inch it records;
    None for an SVG, which states its width itself. A browser shows a JPEG one pixel per CSS pixel,
    twice the size it was drawn for."""
    if not figure.startswith(b"\xff\xd8"):
        return None
    from PIL import Image

    image = Image.open(io.BytesIO(figure))
    return image.width * 96 / image.info["dpi"][0]


def smallest_text(figure: bytes) -> SmallestText | None:
    """The smallest text of a figure as the chapters send it: a matplotlib SVG, or a JPEG from
    :func:`figure_jpeg`. None for a figure without text, or a file that says nothing of its text."""
    if figure.startswith(b"\xff\xd8"):
        from PIL import Image

        image = Image.open(io.BytesIO(figure))
        match = _JPEG_TEXT.fullmatch(image.info.get("comment", b"").decode())
        return SmallestText(float(match.group(1)), image.width, match.group(2)) if match else None
    svg = figure.decode()
    viewbox = _SVG_VIEWBOX.search(svg)
    texts = [(100 * float(scale), label) for label, scale in _SVG_TEXT.findall(svg)]
    if not viewbox or not texts:
        return None
    size, label = min(texts)
    return SmallestText(size, float(viewbox.group(1)), label)


def _svg_unless_photos(fig, svg_printer):
    return None if shows_photos(fig) else svg_printer(fig)


def _jpeg_if_photos(fig):
    return figure_jpeg(fig) if shows_photos(fig) else None


def use_svg_figures(raster_dpi: int = RASTER_DPI) -> bool:
    """In a Jupyter kernel, show every figure drawn from now on as SVG, with its images rasterized at
    ``raster_dpi``, or as a JPEG where it shows photos; elsewhere (a plain Python process) do nothing.
    Returns whether it switched."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    # The inline backend's own settings, in the kernel's configuration: pyplot reads them when it starts
    # and a backend already started takes them at once. No date in the file: the same figure gives the same SVG.
    settings = shell.config.InlineBackend
    settings.figure_formats = {"svg"}
    settings.print_figure_kwargs = {"bbox_inches": "tight", "dpi": raster_dpi, "metadata": {"Date": None}}
    for started in [c for c in shell.configurables if type(c).__name__ == "InlineBackend"]:
        started.update_config(shell.config)
    # pyplot starts the inline backend with its first figure, and the backend sets the figure formatters
    # from the settings above; a first figure, closed at once, lets the photo figures' JPEG be chosen after.
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())

    formatters = shell.display_formatter.formatters
    svg_printer = formatters["image/svg+xml"].lookup_by_type(Figure)
    formatters["image/svg+xml"].for_type(Figure, functools.partial(_svg_unless_photos, svg_printer=svg_printer))
    formatters["image/jpeg"].for_type(Figure, _jpeg_if_photos)
    return True
