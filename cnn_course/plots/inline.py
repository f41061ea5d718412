"""How a notebook shows its figures: as SVG, so that text and lines stay sharp at any size and zoom.

matplotlib's inline backend sends 100-dpi PNGs by default; the website scales wide ones down (blurring
their labels) and a high-density screen scales every one up. The chapters' setup cell calls
:func:`use_svg_figures` once, before anything is drawn.
"""

from __future__ import annotations

# Pixels per inch at which the raster parts of a figure (photos, heat maps) are embedded in the SVG:
# twice the 96 px per inch at which a browser shows the figure, so they stay sharp on high-density screens.
RASTER_DPI = 192


def use_svg_figures(raster_dpi: int = RASTER_DPI) -> bool:
    """In a Jupyter kernel, show every figure drawn from now on as SVG, with its images rasterized at
    ``raster_dpi``; elsewhere (a plain Python process) do nothing. Returns whether it switched."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    # The inline backend's own settings, in the kernel's configuration: pyplot reads them when it starts
    # (later, in a chapter), and a backend already started takes them at once. No date in the file: the
    # same figure gives the same SVG.
    settings = shell.config.InlineBackend
    settings.figure_formats = {"svg"}
    settings.print_figure_kwargs = {"bbox_inches": "tight", "dpi": raster_dpi, "metadata": {"Date": None}}
    for started in [c for c in shell.configurables if type(c).__name__ == "InlineBackend"]:
        started.update_config(shell.config)
    return True
