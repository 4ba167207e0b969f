"""One plot style for the whole course: a colour-blind-safe palette and rcParams.

Introduced in the lesson "What is ReLU?".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from cycler import cycler

from relu_course.figures import show_sharp_figures

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["COLORS", "use_course_style"]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

_RC: dict[RcKeyType, Any] = {
    "axes.prop_cycle": cycler(
        color=[
            COLORS[c]
            for c in (
                "blue",
                "orange",
                "green",
                "vermillion",
                "purple",
                "sky",
                "yellow",
            )
        ]
    ),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "font.size": 11,
    # Same text in every PNG: no SVG/PDF dates, no system font fallback surprises.
    "svg.hashsalt": "relu-course",
}


def use_course_style() -> None:
    """Apply the course style to every figure drawn after this call; in a
    notebook, show figures sharp, their smallest text recorded (relu_course.figures).

    >>> use_course_style(); mpl.rcParams["axes.grid"]
    True
    """
    mpl.rcParams.update(_RC)
    show_sharp_figures()
