"""Shared plumbing of the survival wrappers: input checks, warnings, curve rows and look-ups."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..._checks import describe_rows, prepare
from ..._clusters import carry
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ...exceptions import AnalysisInputError, ConvergenceWarning
from ...results import summary_frame

T = TypeVar("T")

TIME = "time"
AT_RISK = "at_risk"
CENSORED = "censored"


def check_times(
    frame: pd.DataFrame, column: str, *, allow_inf: bool = False, table: str = "data"
) -> np.ndarray:
    """``frame[column]`` as floats ``>= 0`` (finite unless ``allow_inf``), or raise."""
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = values.isna() | (values < 0)
    if not allow_inf:
        bad |= ~np.isfinite(values)
    if bad.any():
        rule = ">= 0" + ("" if allow_inf else " and finite")
        raise AnalysisInputError(
            f"{table}: column {column!r} must hold times {rule}; rows "
            f"{describe_rows(values.index[bad])} hold "
            f"{sorted({repr(v) for v in frame.loc[bad, column].tolist()})[:10]}."
        )
    return values.to_numpy()


def check_numeric(frame: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise unless every column of ``columns`` is numeric or boolean, finite and varies.

    All offending columns are reported at once: non-numeric ones, those holding +-inf (with
    their rows) and those with a single value in the rows used (no contrast to estimate;
    lifelines would stop with a ConvergenceError or return a meaningless coefficient).
    """
    columns = list(columns)
    bad = [c for c in columns if not (pd.api.types.is_numeric_dtype(frame[c])
                                      or pd.api.types.is_bool_dtype(frame[c]))]
    problems = []
    if bad:
        problems.append(
            f"covariate column(s) {bad} are not numeric (dtypes "
            f"{[str(frame[c].dtype) for c in bad]}); dummy-code categorical covariates first, "
            "e.g. pd.get_dummies(data, columns=[...], drop_first=True, dtype=float)")
    numeric = [c for c in columns if c not in bad]
    values = frame[numeric].astype(float)
    for column in numeric:
        infinite = ~np.isfinite(values[column].to_numpy())
        if infinite.any():
            problems.append(
                f"covariate {column!r} is infinite on rows "
                f"{describe_rows(frame.index[infinite])}; replace those values or set them "
                "to missing")
    constant = [c for c in numeric if len(frame) and values[c].nunique() == 1]
    if constant:
        shown = ", ".join(f"{c!r} = {values[c].iloc[0]:g}" for c in constant)
        problems.append(
            f"covariate(s) take a single value in all {len(frame)} rows used ({shown}), so "
            "their effect cannot be estimated; drop them")
    if problems:
        raise AnalysisInputError(f"{table}: " + "; ".join(problems) + ".")


def check_rank(frame: pd.DataFrame, columns: list[str], *, table: str = "data") -> None:
    """Raise when the (centred) covariates are collinear, naming the columns involved."""
    if len(columns) < 2:
        return
    values = frame[columns].to_numpy(dtype=float)
    centred = values - values.mean(axis=0)
    if np.linalg.matrix_rank(centred) < len(columns):
        raise AnalysisInputError(
            f"{table}: covariates {columns} are collinear in the {len(frame)} rows used (one "
            "is a linear combination of the others), so their effects cannot be told apart. "
            "Drop one of them."
        )


def unit_of(data: pd.DataFrame) -> str:
    """The unit recorded by :func:`time_to_event` in ``data.attrs``, else ``"unit"``."""
    accounting = data.attrs.get("accounting") if hasattr(data, "attrs") else None
    return str(getattr(accounting, "unit", "unit"))


def run_lifelines(fit: Callable[[], T], *, stacklevel: int = 3) -> tuple[T, tuple[str, ...]]:
    """Call ``fit``; re-issue lifelines' warnings as our ConvergenceWarning and return them.

    lifelines warns (its own ``ConvergenceWarning``, ``StatisticalWarning``) about
    non-convergence, collinearity and covariates that almost separate events; other
    libraries' warnings pass through unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fit()
    messages: list[str] = []
    for item in caught:
        if item.category.__module__.startswith("lifelines"):
            message = " ".join(str(item.message).split())
            if message not in messages:
                messages.append(message)
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    for message in messages:
        warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel + 1)
    return out, tuple(messages)


def step_lookup(
    table: pd.DataFrame, times: Any, columns: Iterable[str], *, last_time: float
) -> pd.DataFrame:
    """Right-continuous step functions of ``table`` (sorted ``time``) evaluated at ``times``.

    Values at a time are those of the last row with ``time <= t``; times beyond
    ``last_time`` (the largest observed time) give NaN; ``at_risk`` at ``t`` is the number
    still under observation at ``t`` (the ``at_risk`` of the first row with ``time >= t``).
    """
    query = np.atleast_1d(np.asarray(times, dtype=float))
    if np.isnan(query).any() or (query < 0).any():
        raise AnalysisInputError(f"times must be numbers >= 0, got {query.tolist()[:10]}.")
    grid = table[TIME].to_numpy(dtype=float)
    row = np.searchsorted(grid, query, side="right") - 1
    beyond = query > last_time
    out = pd.DataFrame({TIME: query})
    for column in columns:
        values = table[column].to_numpy(dtype=float)[np.maximum(row, 0)]
        values[beyond | (row < 0)] = np.nan
        out[column] = values
    if AT_RISK in table.columns:
        nxt = np.searchsorted(grid, query, side="left")
        at_risk = np.append(table[AT_RISK].to_numpy(), 0)[nxt]
        out[AT_RISK] = at_risk.astype(int)
    return out


def curve_summary(table: pd.DataFrame, term: str) -> pd.DataFrame:
    """Summary of a curve: one row per time with an event of interest."""
    rows = table.loc[table[EVENTS] > 0]
    return summary_frame(
        ({TERM: term, ESTIMATE: r[ESTIMATE], CI_LOWER: r[CI_LOWER], CI_UPPER: r[CI_UPPER],
          P_VALUE: None, N: int(r[AT_RISK]), EVENTS: int(r[EVENTS]), TIME: r[TIME]}
         for r in rows.to_dict("records")),
        extra=(N, EVENTS, TIME),
    )


def prepare_curve(
    data: pd.DataFrame, duration: str, event: str, *, binary: bool = True,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, tuple[tuple[str, int], ...], np.ndarray]:
    """Complete rows in ``duration``, ``event`` (and ``cluster``, with ``participant_id``
    carried to check an opt-out), their exclusions and the checked times."""
    carried = [c for c in carry(data) if c not in (duration, event, cluster)]
    frame, excluded = prepare(data, [duration, event, cluster],
                              binary=[event] if binary else [], carry=carried)
    times = check_times(frame, duration)
    if len(frame) == 0:
        raise AnalysisInputError(f"data: no complete rows in {duration!r} and {event!r}.")
    return frame, excluded, times
