"""Forest plot: effect estimates with their confidence intervals, one row per estimate."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, TERM, N
from .._format import format_count, format_estimate
from ..exceptions import AnalysisInputError
from ._style import DARK_GREY, PALETTE, new_axes, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["forest_frame", "forest_plot"]

LABEL = "label"
GROUP = "group"
ANALYSIS = "analysis"
_ROW_INCHES = 0.24


def _is_ratio(obj: Any) -> bool | None:
    """True for ratio measures, False for differences, None when unknown."""
    measure = str(getattr(obj, "measure", "") or "").lower()
    name = type(obj).__name__.lower()
    if "difference" in measure or "difference" in name:
        return False
    if "ratio" in measure or any(k in name for k in ("ratio", "regression", "mantelhaenszel",
                                                    "cox")):
        return True
    return None


def _rows(summary: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in (ESTIMATE, CI_LOWER, CI_UPPER) if c not in summary.columns]
    if missing:
        raise AnalysisInputError(
            f"forest_plot: the summary has no column(s) {missing}; a forest plot needs "
            f"{ESTIMATE}, {CI_LOWER} and {CI_UPPER} (the canonical summary columns).")
    out = pd.DataFrame({
        TERM: summary[TERM].astype(str) if TERM in summary else "",
        ESTIMATE: pd.to_numeric(summary[ESTIMATE], errors="coerce").astype(float),
        CI_LOWER: pd.to_numeric(summary[CI_LOWER], errors="coerce").astype(float),
        CI_UPPER: pd.to_numeric(summary[CI_UPPER], errors="coerce").astype(float),
        N: summary[N] if N in summary else None,
        EVENTS: summary[EVENTS] if EVENTS in summary else None,
    })
    return out.reset_index(drop=True)


def _labelled(parts: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """One label per row: a one-row part is a row named after the part (with its term when
    the one-row parts' terms differ); a several-row part is a group of its terms."""
    if not parts:
        raise AnalysisInputError("forest_plot: nothing to plot (no results given).")
    singles = [str(rows[TERM].iloc[0]) for _, rows in parts if len(rows) == 1]
    # one-row parts sharing one term (the exposure) are named by their part alone
    shared = len(singles) > 1 and len(set(singles)) == 1
    frames = []
    for name, rows in parts:
        rows = rows.copy()
        if len(rows) == 1:
            term = str(rows[TERM].iloc[0])
            rows[LABEL] = name if shared or not term or term == name else f"{name}: {term}"
            rows[GROUP] = None
        else:
            rows[LABEL] = rows[TERM]
            rows[GROUP] = name
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def forest_frame(results: Any) -> tuple[pd.DataFrame, bool | None, float | None]:
    """The rows a forest plot draws, from any accepted input (see :func:`forest_plot`).

    Returns
    -------
    frame : pandas.DataFrame
        ``label, group, estimate, ci_lower, ci_upper, n, events`` (``group`` None when the
        rows are not grouped).
    ratio : bool or None
        Whether the estimates are ratios (True), differences (False) or unknown (None).
    alpha : float or None
        The common ``alpha`` of the results, when they have one.
    """
    if isinstance(results, pd.DataFrame):
        frame = _rows(results)
        if LABEL in results.columns:
            frame[LABEL] = results[LABEL].astype(str).to_numpy()
            frame[GROUP] = results[GROUP].to_numpy() if GROUP in results.columns else None
        elif ANALYSIS in results.columns:
            parts = [(str(a), frame[(results[ANALYSIS] == a).to_numpy()])
                     for a in pd.unique(results[ANALYSIS])]
            frame = _labelled(parts)
        else:
            frame[LABEL] = frame[TERM]
            frame[GROUP] = None
        return frame, None, None
    if hasattr(results, "summary") and hasattr(results, "results") and isinstance(
            results.results, Mapping):
        # a DesignResult: the table's rows grouped by analysis
        summary = results.summary()
        frame, _, _ = forest_frame(summary)
        kinds = {_is_ratio(r) for r in results.results.values()}
        alphas = {getattr(r, "alpha", None) for r in results.results.values()}
        ratio = next(iter(kinds)) if len(kinds) == 1 else (False if False in kinds else None)
        return frame, ratio, alphas.pop() if len(alphas) == 1 else None
    if hasattr(results, "summary"):
        results = [results]
    if isinstance(results, Mapping):
        items: list[tuple[str | None, Any]] = [(str(k), v) for k, v in results.items()]
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = [(None, v) for v in results]
    else:
        raise AnalysisInputError(
            f"forest_plot: expected a result, a sequence or mapping of results, a design "
            f"result or a DataFrame, got {type(results).__name__}.")
    parts = []
    for name, res in items:
        if not hasattr(res, "summary"):
            raise AnalysisInputError(
                f"forest_plot: {type(res).__name__} has no summary(); pass bmecohort results.")
        rows = _rows(res.summary())
        if name is None:
            name = rows[TERM].iloc[0] if len(rows) == 1 else getattr(res, "title", "")
        parts.append((name, rows))
    names = [n for n, _ in parts]
    if len(set(names)) < len(names) and isinstance(results, Sequence):
        parts = [(f"{getattr(r, 'title', '')}: {n}", rows)
                 for (n, rows), (_, r) in zip(parts, items, strict=True)]
    frame = _labelled(parts)
    kinds = {_is_ratio(r) for _, r in items}
    ratio = next(iter(kinds)) if len(kinds) == 1 else (False if False in kinds else None)
    alphas = {getattr(r, "alpha", None) for _, r in items}
    return frame, ratio, alphas.pop() if len(alphas) == 1 else None


def _layout(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[float, str, bool]]]:
    """y position of each row (top to bottom) and the tick labels, group headers bold."""
    ticks: list[tuple[float, str, bool]] = []
    y = np.zeros(len(frame))
    position = 0.0
    previous: object = None
    for i, (label, group) in enumerate(zip(frame[LABEL], frame[GROUP], strict=True)):
        grouped = group is not None and group == group
        if grouped and group != previous:
            position += 0.4 if i else 0.0
            ticks.append((position, str(group), True))
            position += 1.0
        elif not grouped and previous is not None:
            position += 0.4  # a gap after a group
        previous = group if grouped else None
        y[i] = position
        ticks.append((position, str(label), False))
        position += 1.0
    return -y, [(-p, text, bold) for p, text, bold in ticks]


def _counts(events: object, n: object, suppress_below: int | None) -> str:
    """``events/n`` (or ``n`` alone), with small counts suppressed."""
    shown_n = format_count(n, suppress_below)
    if not shown_n:
        return ""
    shown_events = format_count(events, suppress_below)
    return f"{shown_events}/{shown_n}" if shown_events else shown_n


def _format_estimate(estimate: float, low: float, high: float) -> str:
    if not math.isfinite(estimate):
        return "not estimable"
    return format_estimate(estimate, low, high)


@styled
def forest_plot(
    results: Any,
    *,
    ax: Axes | None = None,
    log_scale: bool | None = None,
    reference: float | None = None,
    xlabel: str | None = None,
    show_values: bool = True,
    show_counts: bool = True,
    suppress_below: int | None = None,
    color: str | None = None,
    title: str | None = None,
) -> Axes:
    """Forest plot: each estimate as a square with its confidence interval as a line.

    Parameters
    ----------
    results : result, sequence or mapping of results, DesignResult or pandas.DataFrame
        What to draw, never recomputed:

        - a result or a sequence of results (anything with ``.summary()`` giving the
          canonical columns ``term, estimate, ci_lower, ci_upper`` and optionally ``n,
          events``); a one-row result is labelled by its term, a several-row result is a
          group of its terms;
        - a mapping ``label -> result``;
        - a :class:`~bmecohort.designs.DesignResult`: its table's rows grouped by
          ``analysis`` (crude, stratified, adjusted, clustered, ...);
        - a DataFrame with the canonical columns and a ``label`` column (optionally
          ``group``), or an ``analysis`` column.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    log_scale : bool or None, default=None
        Log x axis. None: log for ratio measures (odds, risk, rate, hazard ratios,
        regression odds ratios), linear otherwise (and for DataFrames).
    reference : float or None, default=None
        x of the vertical reference line; default 1 on a log axis, 0 for differences, none
        otherwise.
    xlabel : str or None, default=None
        Axis label; default names the measure and the scale.
    show_values : bool, default=True
        Write ``estimate (lower to upper)`` at the right of each row.
    show_counts : bool, default=True
        Write ``events/n`` at the right of each row when the rows have them.
    suppress_below : int or None, default=None
        Show counts below this number as ``"<k"`` (small-cell protection).
    color : str or None, default=None
        Colour of the estimates (default the first palette colour).
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Notes
    -----
    Rows whose estimate is not finite are listed as "not estimable"; an interval bound that
    is infinite (or beyond the axis) ends in an arrow at the axis limit. On a log axis an
    estimate of 0 (a zero cell) has no marker and its interval starts at the axis' left end.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np, pandas as pd
    >>> from bmecohort import forest_plot, odds_ratio
    >>> rng = np.random.default_rng(3)
    >>> knees = pd.DataFrame({"participant_id": np.repeat(np.arange(150), 2),
    ...                       "bml": rng.integers(0, 2, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.25 + 0.25 * knees["bml"])
    >>> ax = forest_plot({"odds ratio": odds_ratio(knees, exposure="bml", outcome="pain")})
    >>> ax.get_xscale(), [label.get_text() for label in ax.get_yticklabels()]
    ('log', ['odds ratio: bml'])
    >>> plt.close(ax.figure)
    """
    frame, ratio, alpha = forest_frame(results)
    if log_scale is None:
        log_scale = bool(ratio)
    if reference is None:
        reference = 1.0 if log_scale else (0.0 if ratio is False else None)
    ys, ticks = _layout(frame)
    height = max(1.6, _ROW_INCHES * (len(ticks) + 2))
    ax = new_axes(ax, figsize=(6.4, height))
    color = color or PALETTE[0]

    estimate = frame[ESTIMATE].to_numpy(float)
    low = frame[CI_LOWER].to_numpy(float)
    high = frame[CI_UPPER].to_numpy(float)
    if log_scale:
        negative = estimate < 0
        if negative.any():
            raise AnalysisInputError(
                f"forest_plot: log_scale=True needs estimates >= 0; rows "
                f"{frame.loc[negative, LABEL].tolist()} are negative (a difference measure?). "
                f"Pass log_scale=False.")
    finite = np.concatenate([v[np.isfinite(v) & ((v > 0) if log_scale else True)]
                             for v in (estimate, low, high)])
    if reference is not None:
        finite = np.append(finite, reference)
    if finite.size == 0:
        finite = np.array([1.0 if log_scale else 0.0])
    lo, hi = float(finite.min()), float(finite.max())
    if log_scale:
        lo, hi = lo / 1.25, hi * 1.25
    else:
        pad = 0.06 * (hi - lo or 1.0)
        lo, hi = lo - pad, hi + pad
    drawn = np.isfinite(estimate)
    # a ratio of 0 (a zero cell) has no place on a log axis: its interval is drawn from the
    # axis' left end, without a marker
    marked = drawn & ((estimate > 0) if log_scale else True)
    left = np.where(np.isfinite(low) & ((low > 0) if log_scale else True), low, lo)
    right = np.where(np.isfinite(high), np.minimum(high, hi), hi)
    ax.hlines(ys[drawn], left[drawn], right[drawn], color=color, linewidth=1.4, zorder=2)
    ax.plot(estimate[marked], ys[marked], marker="s", linestyle="none", color=color,
            markersize=5.5, zorder=3)
    clipped = drawn & (~np.isfinite(high) | (high > hi))
    for y in ys[clipped]:
        ax.annotate("", xy=(hi, y), xytext=(hi / 1.15 if log_scale else hi - 0.04 * (hi - lo),
                                            y),
                    arrowprops={"arrowstyle": "->", "color": color, "lw": 1.2})
    if reference is not None:
        ax.axvline(reference, color=DARK_GREY, linewidth=0.8, linestyle="--", zorder=1)
    if log_scale:
        ax.set_xscale("log")
        _log_ticks(ax, lo, hi)
    ax.set_xlim(lo, hi)
    tick_y = [t[0] for t in ticks]
    ax.set_yticks(tick_y, [t[1] for t in ticks])
    for label, (_, _, bold) in zip(ax.get_yticklabels(), ticks, strict=True):
        if bold:
            label.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_ylim(min(tick_y) - 0.8, max(tick_y) + 0.8)

    confidence = f"{100 * (1 - alpha):g}% CI" if alpha else "CI"
    if xlabel is None:
        if log_scale:
            xlabel = f"Ratio and {confidence} (log scale)"
        else:
            xlabel = f"Estimate and {confidence}"
    ax.set_xlabel(xlabel)
    columns: list[tuple[str, list[str]]] = []
    if show_values:
        columns.append((f"Estimate ({confidence})", [
            _format_estimate(e, a, b) for e, a, b in zip(estimate, low, high, strict=True)]))
    has_counts = frame[N].notna().any() if N in frame else False
    if show_counts and has_counts:
        columns.append(("Events / n", [_counts(ev, n, suppress_below)
                                       for ev, n in zip(frame[EVENTS], frame[N], strict=True)]))
    # offsets in points from the axes' right edge, so that constrained layout converges
    offset = 8.0
    top = max(tick_y) + 0.8
    for header, texts in columns:
        ax.annotate(header, xy=(1, top), xycoords=("axes fraction", "data"),
                    xytext=(offset, 0), textcoords="offset points", ha="left", va="bottom",
                    fontsize=8, fontweight="bold", annotation_clip=False)
        for y, text in zip(ys, texts, strict=True):
            ax.annotate(text, xy=(1, y), xycoords=("axes fraction", "data"),
                        xytext=(offset, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=8, annotation_clip=False)
        offset += 118.0 if header.startswith("Estimate") else 60.0
    if title:
        ax.set_title(title)
    return ax


def _log_ticks(ax: Axes, lo: float, hi: float) -> None:
    """Readable ticks on a log axis: 1-2-5 steps, printed as plain numbers."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    decades = np.arange(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    candidates = np.sort(np.concatenate([m * 10.0 ** decades for m in (1, 2, 5)]))
    ticks = candidates[(candidates >= lo) & (candidates <= hi)]
    if len(ticks) > 9:
        ticks = candidates[(candidates >= lo) & (candidates <= hi)
                           & np.isclose(np.log10(candidates) % 1, 0)]
    if len(ticks) < 2:
        ticks = np.array([lo, hi]) if len(ticks) == 0 else np.unique(np.r_[lo, ticks, hi])
    ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
