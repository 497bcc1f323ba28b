"""Result objects shared by every estimator: frozen numbers, a tidy summary, a display.

Every analysis returns a frozen dataclass that holds numbers (never preformatted strings),
records how it was made (``method``, ``alpha``, zero-cell rule, ...) and what it used
(:class:`Accounting`: rows in, units used, clusters, events, exclusions with reasons).
``summary()`` returns a tidy :class:`pandas.DataFrame` with the canonical columns of
:mod:`bmecohort._columns`; ``__repr__`` and ``_repr_html_`` are built from that summary plus a
header, rounding only at display.

Define a result with the :func:`result` decorator (frozen, ``repr=False`` so that the display
below is used, ``eq=False`` because results hold DataFrames)::

    @result
    class OddsRatioResult(ScalarResult):  # term, estimate, ci_lower, ci_upper, p_value
        method: str
        ...
"""

from __future__ import annotations

import abc
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, dataclass_transform

import pandas as pd

from ._columns import (
    CI_LOWER,
    CI_UPPER,
    ESTIMATE,
    EVENTS,
    P_VALUE,
    SUMMARY_COLUMNS,
    TERM,
    N,
)
from ._format import MISSING_BOUND, format_number, format_p, format_significant, is_missing

__all__ = ["Accounting", "CurveResult", "Result", "ScalarResult", "result", "summary_frame"]

T = TypeVar("T")

#: Header attributes shown, in this order, when a result has them.
_HEADER_ATTRIBUTES: tuple[str, ...] = (
    "method",
    "interval",
    "alpha",
    "zero_correction",
    "cov_struct",
    "cov_type",
    "unit",
)


@dataclass_transform(frozen_default=True, eq_default=False)  # so type checkers see the fields
def result(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen result dataclass (``repr=False``, ``eq=False``)."""
    return dataclass(frozen=True, repr=False, eq=False)(cls)


@dataclass(frozen=True)
class Accounting:
    """What an analysis used: the denominators and every exclusion with its reason.

    Parameters
    ----------
    unit : str
        The unit of analysis, e.g. ``"knee"``, ``"vertebral corner"``, ``"bone"``.
    n_rows : int
        Rows in the frame the analysis was given.
    n_used : int
        Units (rows) the estimate is computed from.
    events : int or None, default=None
        Units with the outcome among those used.
    n_clusters : int or None, default=None
        Clusters (e.g. persons) the used units belong to, when clustering was accounted for.
    cluster : str or None, default=None
        What the units cluster in, e.g. ``"participant_id"``.
    clustered : bool or None, default=None
        Whether the interval and test account for that clustering (cluster-robust or GEE);
        ``None`` when not assessed (e.g. counts given as a table).
    excluded : tuple of (str, int), default=()
        ``(reason, count)`` for every group of excluded rows; counts sum to
        ``n_rows - n_used`` unless stated otherwise in the reason.
    weights : str or None, default=None
        The weight column of a weighted analysis (e.g. ``"ipcw"``); ``None`` when unweighted.
    effective_n : float or None, default=None
        Kish's effective sample size of the weights used, :math:`(\\sum w)^2 / \\sum w^2`.

    Examples
    --------
    Every analysis says which rows it used and why the others were left out:

    >>> import pandas as pd
    >>> from bmecohort import odds_ratio
    >>> knees = pd.DataFrame({"bml": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, None] * 10,
    ...                       "pain": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0] * 10})
    >>> acc = odds_ratio(knees, exposure="bml", outcome="pain").accounting
    >>> acc.unit, acc.n_rows, acc.n_used, acc.events
    ('row', 120, 110, 50)
    >>> acc.excluded
    (('missing bml', 10),)
    >>> acc.n_rows - acc.n_used == sum(count for _, count in acc.excluded)
    True
    """

    unit: str
    n_rows: int
    n_used: int
    events: int | None = None
    n_clusters: int | None = None
    cluster: str | None = None
    excluded: tuple[tuple[str, int], ...] = ()
    clustered: bool | None = None
    weights: str | None = None
    effective_n: float | None = None

    @property
    def n_excluded(self) -> int:
        """Total number of excluded rows."""
        return int(sum(count for _, count in self.excluded))

    def to_dict(self) -> dict[str, object]:
        """The accounting as ordered ``label -> value`` pairs for display."""
        out: dict[str, object] = {"unit": self.unit, "rows in": self.n_rows,
                                  f"{self.unit}s used": self.n_used}
        if self.events is not None:
            out["events"] = self.events
        if self.n_clusters is not None:
            out[f"clusters ({self.cluster or 'cluster'})"] = self.n_clusters
        if self.clustered is not None:
            out["cluster-robust"] = "yes" if self.clustered else "no"
        if self.weights is not None:
            out["weights"] = self.weights
        if self.effective_n is not None:
            out["effective n"] = round(self.effective_n, 1)
        for reason, count in self.excluded:
            out[f"excluded: {reason}"] = count
        return out


def _format_cell(value: object, decimals: int) -> str:
    if isinstance(value, bool | int | str):
        return str(value)
    if is_missing(value) or isinstance(value, float):
        return format_number(value, decimals)
    return str(value)


def _header_value(value: object) -> str:
    """A header value for display: numbers to four significant digits, ``NA`` when missing."""
    if isinstance(value, float) or (is_missing(value) and value is not None):
        return format_significant(value, 4) or MISSING_BOUND
    return str(value)


def _format_frame(frame: pd.DataFrame, decimals: int) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column == P_VALUE:
            out[column] = [format_p(v) for v in out[column].tolist()]
        else:
            out[column] = [_format_cell(v, decimals) for v in out[column].tolist()]
    return out


class Result(abc.ABC):
    """Mixin for result dataclasses: header, ``__repr__`` and ``_repr_html_`` from summary."""

    @abc.abstractmethod
    def summary(self) -> pd.DataFrame:
        """Tidy DataFrame with the canonical columns (see :mod:`bmecohort._columns`)."""

    @property
    def title(self) -> str:
        """Display title: the class name unless a result overrides it."""
        return type(self).__name__

    def header(self) -> dict[str, object]:
        """How the result was made and what it used, as ordered ``label -> value`` pairs."""
        out: dict[str, object] = {}
        for name in _HEADER_ATTRIBUTES:
            value = getattr(self, name, None)
            if value is not None and not callable(value):
                out[name] = value
        accounting = getattr(self, "accounting", None)
        if isinstance(accounting, Accounting):
            for key, value in accounting.to_dict().items():
                out.setdefault(key, value)
        for i, message in enumerate(getattr(self, "warnings", ()) or (), start=1):
            out[f"warning {i}"] = message
        return out

    def __repr__(self) -> str:
        return self.to_text()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Estimates with their intervals (:func:`bmecohort.plots.forest_plot`).

        Results with a more fitting picture (curves, courses) override this.
        """
        from .plots import forest_plot

        return forest_plot(self, ax=ax, **kwargs)

    def to_text(self, decimals: int = 3) -> str:
        """Plain-text rendering: the header then the summary, rounded to ``decimals``."""
        lines = [f"<{self.title}>"]
        header = self.header()
        if header:
            width = max(len(k) for k in header)
            lines += [f"  {k.ljust(width)} : {_header_value(v)}" for k, v in header.items()]
        table = _format_frame(self.summary(), decimals)
        lines.append(table.to_string(index=False))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self, decimals: int = 3) -> str:
        """HTML rendering for Jupyter: a header table then the summary table."""
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(_header_value(v))}</td></tr>"
            for k, v in self.header().items()
        )
        head = f"<table class='bmecohort-header'>{rows}</table>" if rows else ""
        body = _format_frame(self.summary(), decimals).to_html(index=False, escape=True)
        return (f"<div class='bmecohort-result'><strong>{html.escape(self.title)}</strong>"
                f"{head}{body}</div>")


class CurveResult(Result):
    """A result that is a curve over time (survival, cumulative incidence)."""

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The curve with its interval and numbers at risk (:func:`bmecohort.plots.survival_plot`)."""
        from .plots import survival_plot

        return survival_plot(self, ax=ax, **kwargs)


@result
class ScalarResult(Result):
    """A result with one estimate: the canonical fields, declared once here.

    Parameters
    ----------
    term : str
        What is estimated, e.g. ``"bml"`` or ``"incidence"``.
    estimate : float
        The estimate.
    ci_lower, ci_upper : float
        Its confidence limits.
    p_value : float or None
        Its p-value, ``None`` when the method gives none.

    Notes
    -----
    Subclasses (made with :func:`result`) inherit these five fields, first and in this
    order, and add their own (usually ``accounting``); :meth:`summary` is then one canonical
    row. Subclass fields with defaults come after those without.
    """

    term: str
    estimate: float
    ci_lower: float
    ci_upper: float
    p_value: float | None

    def summary(self) -> pd.DataFrame:
        """One row: ``term, estimate, ci_lower, ci_upper, p_value`` (+ ``n, events``)."""
        row: dict[str, Any] = {
            TERM: self.term,
            ESTIMATE: self.estimate,
            CI_LOWER: self.ci_lower,
            CI_UPPER: self.ci_upper,
            P_VALUE: self.p_value,
        }
        accounting = getattr(self, "accounting", None)
        if isinstance(accounting, Accounting):
            row[N] = accounting.n_used
            row[EVENTS] = accounting.events
        return pd.DataFrame([row])


def summary_frame(rows: Iterable[Mapping[str, Any]], *, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Build a tidy summary with the canonical columns first, then ``extra`` columns.

    Missing canonical columns are filled with ``None`` so every summary has the same shape.
    """
    columns = [*SUMMARY_COLUMNS, *extra]
    frame = pd.DataFrame(list(rows))
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    ordered = columns + [c for c in frame.columns if c not in columns]
    return frame[ordered]

