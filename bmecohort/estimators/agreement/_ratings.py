"""Ratings in: the complete pairs or targets an agreement statistic uses, and their count."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..._checks import describe_rows, prepare
from ...exceptions import AnalysisInputError
from ...results import Accounting

__all__ = ["category_codes", "paired_ratings", "wide_ratings"]


def paired_ratings(
    data: pd.DataFrame, columns: Sequence[str], *, unit: str = "unit",
    extra: str | None = None, carry: Sequence[str] = (),
) -> tuple[pd.DataFrame, Accounting]:
    """Rows rated in every column of ``columns`` (one column per rater), with accounting.

    ``extra`` (e.g. a cluster column) is required complete too; ``carry`` columns come
    along without excluding rows."""
    if len(set(columns)) != len(columns):
        raise AnalysisInputError(
            f"data: the rater columns {list(columns)} repeat a column; pass one column per "
            f"rater.")
    frame, excluded = prepare(data, [*columns, extra], carry=carry)
    if len(frame) < 2:
        raise AnalysisInputError(
            f"data: {len(frame)} {unit}(s) rated by every rater in {list(columns)} (of "
            f"{len(data)} rows); agreement needs at least 2. Exclusions: "
            f"{dict(excluded) or 'none'}.")
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise AnalysisInputError(
                f"data: column {column!r} holds {values.dtype} values; ratings must be "
                f"numeric grades or scores (e.g. 0-3).")
        bad = ~np.isfinite(values.to_numpy(float))
        if bad.any():
            raise AnalysisInputError(
                f"data: column {column!r} has infinite ratings at rows "
                f"{describe_rows(frame.index[bad])}; ratings must be finite.")
    accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(frame), excluded=excluded)
    return frame, accounting


def wide_ratings(
    data: pd.DataFrame, *, targets: str, raters: str, ratings: str, unit: str = "target"
) -> tuple[pd.DataFrame, Accounting]:
    """Long ratings (target, rater, rating) to a complete targets x raters matrix.

    Targets not rated by every rater are excluded and counted, as ``psych::ICC`` does with
    its default ``missing=TRUE``.
    """
    frame, excluded = prepare(data, [targets, raters, ratings])
    if not pd.api.types.is_numeric_dtype(frame[ratings]) or pd.api.types.is_bool_dtype(
            frame[ratings]):
        raise AnalysisInputError(
            f"data: column {ratings!r} holds {frame[ratings].dtype} values; ratings must be "
            f"numeric.")
    duplicated = frame.duplicated([targets, raters], keep=False)
    if duplicated.any():
        raise AnalysisInputError(
            f"data: {int(duplicated.sum())} rows repeat a ({targets!r}, {raters!r}) pair, at "
            f"rows {describe_rows(frame.index[duplicated.to_numpy()])}; each rater rates each "
            f"target once. Average or choose the repeated reads first.")
    wide = frame.pivot(index=targets, columns=raters, values=ratings)
    complete = wide.notna().all(axis=1)
    n_targets = len(wide)
    wide = wide.loc[complete]
    reasons = list(excluded)
    if (~complete).any():
        reasons.append((f"{unit}s not rated by every rater (rows of those {unit}s)",
                        int(frame[targets].isin(complete.index[~complete]).sum())))
    if wide.shape[0] < 2 or wide.shape[1] < 2:
        raise AnalysisInputError(
            f"data: {wide.shape[0]} {unit}(s) rated by all of {wide.shape[1]} rater(s) (of "
            f"{n_targets} {unit}s); an intraclass correlation needs at least 2 of each.")
    accounting = Accounting(unit=unit, n_rows=len(data), n_used=int(wide.shape[0]),
                            excluded=tuple(reasons))
    return wide, accounting


def category_codes(
    frame: pd.DataFrame, columns: Sequence[str], categories: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..K-1 of every rating and the sorted category values they stand for."""
    values = frame.loc[:, list(columns)].to_numpy(float)
    if categories is None:
        levels = np.unique(values)
    else:
        levels = np.unique(np.asarray(categories, float))
        unknown = ~np.isin(values, levels)
        if unknown.any():
            rows = frame.index[unknown.any(axis=1)]
            raise AnalysisInputError(
                f"data: ratings {sorted(set(values[unknown].tolist()))} at rows "
                f"{describe_rows(rows)} are not among categories {levels.tolist()}.")
    if len(levels) < 2:
        raise AnalysisInputError(
            f"data: every rating is {levels.tolist()}; kappa needs at least two categories. "
            f"Pass categories= to name the scale (e.g. categories=[0, 1, 2, 3]).")
    codes = np.searchsorted(levels, values)
    return codes, levels
