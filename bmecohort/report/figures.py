"""Figures for the report: matplotlib figures as deterministic SVG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure as MplFigure

__all__ = ["SVG_RC", "svg_bytes"]

#: rcParams under which report figures are written: text as paths (no font on the reader's
#: machine needed), a fixed salt for the ids matplotlib hashes, so the same figure gives the
#: same bytes on every run.
SVG_RC: dict[str, Any] = {"svg.fonttype": "path", "svg.hashsalt": "bmecohort",
                          "svg.image_inline": True}


def svg_bytes(figure: MplFigure, *, close: bool = True) -> bytes:
    """The figure as SVG bytes, without a date, identical for identical figures.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to write.
    close : bool, default=True
        Close the figure afterwards (frees pyplot's reference to it).

    Returns
    -------
    bytes
        The SVG document.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]  # stubs type rc keys as Literals
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight",
                       pad_inches=0.04)
    if close:
        plt.close(figure)
    return buffer.getvalue()
