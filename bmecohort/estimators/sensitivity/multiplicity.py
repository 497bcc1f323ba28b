"""Multiplicity: p-values adjusted for the number of tests in one family.

A design that tests many subregions, vertebral corners or bones reports one p-value per test;
:func:`adjust_pvalues` adds the family-wise (Holm, Bonferroni) or false-discovery-rate
(Benjamini-Hochberg) adjusted p-value beside each, through statsmodels' ``multipletests``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from ..._columns import P_VALUE
from ...exceptions import AnalysisInputError

__all__ = ["ADJUST_METHODS", "P_ADJUSTED", "adjust_pvalues"]

#: Column added by :func:`adjust_pvalues`.
P_ADJUSTED = "p_adjusted"
#: Methods, with their label for tables and figures.
ADJUST_METHODS: dict[str, str] = {
    "holm": "Holm",
    "bonferroni": "Bonferroni",
    "fdr_bh": "Benjamini-Hochberg FDR",
}
AdjustMethod = Literal["holm", "bonferroni", "fdr_bh"]
ANALYSIS = "analysis"


def _as_frame(results: Any) -> pd.DataFrame:
    """A summary frame from a frame, a result, a sequence or a mapping of results."""
    if isinstance(results, pd.DataFrame):
        return results.copy()
    if hasattr(results, "summary") and callable(results.summary):
        return results.summary()
    if isinstance(results, Mapping):
        parts = [_as_frame(r).assign(**{ANALYSIS: str(k)}) for k, r in results.items()]
    elif isinstance(results, Sequence) and not isinstance(results, str):
        parts = [_as_frame(r) for r in results]
    else:
        raise AnalysisInputError(
            f"adjust_pvalues: expected a DataFrame with a {P_VALUE!r} column, a result, or a "
            f"list or dict of results; got {type(results).__name__}.")
    if not parts:
        raise AnalysisInputError("adjust_pvalues: no results given.")
    return pd.concat(parts, ignore_index=True)


def adjust_pvalues(
    results_or_frame: Any,
    *,
    method: AdjustMethod = "holm",
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Add the multiplicity-adjusted p-value of every test in a family.

    Parameters
    ----------
    results_or_frame : DataFrame, result, list of results or dict of results
        A frame with a ``p_value`` column (e.g. a design's summary, one row per subregion),
        a result (its ``summary()``), a list of results (summaries stacked) or a dict
        ``{name: result}`` (stacked, with an ``analysis`` column holding the name). Never
        modified.
    method : {"holm", "bonferroni", "fdr_bh"}, default="holm"
        Holm's step-down (family-wise error, uniformly more powerful than Bonferroni),
        Bonferroni, or Benjamini-Hochberg (false discovery rate).
    by : str or list of str or None, default=None
        Columns defining separate families (each adjusted on its own); ``None``: every row
        with a p-value is one family.

    Returns
    -------
    pandas.DataFrame
        The frame with a ``p_adjusted`` column (missing where ``p_value`` is missing; such
        rows are not counted as tests). ``frame.attrs["p_adjustment"]`` records the method,
        its label and the number of tests.

    Raises
    ------
    AnalysisInputError
        No ``p_value`` column, p-values outside [0, 1], an unknown method or ``by`` column.

    Notes
    -----
    With :math:`m` tests and ordered p-values :math:`p_{(1)} \le \dots \le p_{(m)}`:
    Bonferroni :math:`\min(1, m p_i)`; Holm :math:`\max_{j \le i} \min(1, (m - j + 1)
    p_{(j)})`; Benjamini-Hochberg :math:`\min_{j \ge i} \min(1, m p_{(j)} / j)` (R
    ``p.adjust``). Family-wise methods suit confirmatory claims about any one region;
    FDR suits screening many regions.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"term": ["MFC", "LFC", "MT"], "p_value": [0.01, 0.04, 0.03]})
    >>> adjust_pvalues(frame, method="holm")["p_adjusted"].round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    if method not in ADJUST_METHODS:
        raise AnalysisInputError(
            f"adjust_pvalues: method must be one of {list(ADJUST_METHODS)}, got {method!r}.")
    frame = _as_frame(results_or_frame)
    if P_VALUE not in frame.columns:
        raise AnalysisInputError(
            f"adjust_pvalues: no {P_VALUE!r} column; columns are {list(frame.columns)}.")
    p = pd.to_numeric(frame[P_VALUE], errors="coerce").to_numpy(float)
    bad = ~np.isnan(p) & ((p < 0) | (p > 1))
    if bad.any():
        raise AnalysisInputError(
            f"adjust_pvalues: p-values must lie in [0, 1]; rows "
            f"{frame.index[bad].tolist()[:10]} hold {p[bad].tolist()[:10]}.")
    keys = [by] if isinstance(by, str) else list(by or [])
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise AnalysisInputError(
            f"adjust_pvalues: by column(s) {missing} not found; columns are "
            f"{list(frame.columns)}.")
    groups = (frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
              if keys else np.zeros(len(frame), dtype=int))
    adjusted = np.full(len(frame), np.nan)
    for group in np.unique(groups):  # one call per family, not per test
        rows = (groups == group) & ~np.isnan(p)
        if rows.any():
            adjusted[rows] = multipletests(p[rows], method=method)[1]
    frame[P_ADJUSTED] = adjusted
    frame.attrs["p_adjustment"] = {"method": method, "label": ADJUST_METHODS[method],
                                   "n_tests": int((~np.isnan(p)).sum()),
                                   "families": int(len(np.unique(groups))),
                                   "by": keys}
    return frame
