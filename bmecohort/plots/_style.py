"""The package figure style, applied only inside bmecohort's plot calls.

``import bmecohort.plots`` changes no global state: each plot function runs inside
:func:`plot_style`, which applies ``bmecohort.mplstyle`` with :func:`matplotlib.style.context`
and restores the caller's rcParams afterwards. Colours that carry meaning (change classes,
courses) are passed to matplotlib explicitly, so they hold on Axes the caller made too.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "CHANGE_COLORS",
    "COURSE_COLORS",
    "OKABE_ITO",
    "PALETTE",
    "STYLE_FILE",
    "new_axes",
    "plot_style",
    "styled",
]

#: The style file (package data; the report's Makefile target depends on it).
STYLE_FILE: Path = Path(__file__).with_name("bmecohort.mplstyle")

#: Okabe & Ito (2008) colour-universal-design palette, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Series colours in order of use (the style's colour cycle).
PALETTE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in (
    "blue", "vermillion", "bluish_green", "orange", "sky_blue", "reddish_purple", "black",
    "yellow"))
GREY = "#BBBBBB"
DARK_GREY = "#555555"

#: Colour of each lesion change class (bmecohort._columns.CHANGE_CLASSES).
CHANGE_COLORS: dict[str, str] = {
    "none": "#DDDDDD",
    "incident": OKABE_ITO["vermillion"],
    "resolved": OKABE_ITO["blue"],
    "progressed": OKABE_ITO["orange"],
    "regressed": OKABE_ITO["sky_blue"],
    "stable": OKABE_ITO["reddish_purple"],
}
#: Colour of each lesion course (bmecohort.course.COURSES).
COURSE_COLORS: dict[str, str] = {
    "persistent": OKABE_ITO["vermillion"],
    "resolved": OKABE_ITO["blue"],
    "relapsing": OKABE_ITO["orange"],
    "absent": "#DDDDDD",
    "incident": OKABE_ITO["reddish_purple"],
}

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def plot_style() -> Iterator[None]:
    """Apply the bmecohort style inside a ``with`` block, restoring rcParams afterwards.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bmecohort.plots import plot_style
    >>> with plot_style():
    ...     fig, ax = plt.subplots()
    ...     styled_size = tuple(plt.rcParams["figure.figsize"])
    >>> styled_size, tuple(plt.rcParams["figure.figsize"]) != styled_size  # restored after
    ((6.4, 3.2), True)
    >>> plt.close(fig)
    """
    import matplotlib.style

    with matplotlib.style.context(str(STYLE_FILE)):
        yield


def styled(function: F) -> F:
    """Decorator: run a plot function inside :func:`plot_style`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with plot_style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_axes(ax: Axes | None, *, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax`` itself, or the Axes of a new figure (``plt.subplots``) when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, created = plt.subplots(figsize=figsize)
    return created


def percent_axis(axis: Any) -> None:
    """Format a 0-1 axis as percentages."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
