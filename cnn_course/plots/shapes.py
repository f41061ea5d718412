"""Drawing primitives the diagrams share: a labelled rounded box and a plain arrow, in data coordinates, and a
legend placed where it hides nothing."""

from __future__ import annotations


def box(ax, center, text, width, height, color, fontsize=9, rotation=0):
    """A rounded box of ``width`` x ``height`` centred on ``center``, filled with ``color``, ``text`` in its middle."""
    from matplotlib.patches import FancyBboxPatch

    x, y = center
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, rotation=rotation)


def arrow(ax, start, end):
    """A straight arrow from ``start`` to ``end``, touching both points."""
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", linewidth=1.2, shrinkA=0, shrinkB=0))


def legend_below(ax, ncols: int = 2, fontsize: float = 8, **options):
    """``ax``'s legend under the whole figure, where it covers no data (the pages save figures with a tight
    bounding box, which takes it in). Call it once the figure is laid out."""
    return ax.figure.legend(*ax.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=ncols,
                            fontsize=fontsize, **options)
