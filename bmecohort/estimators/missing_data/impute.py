r"""Multiple imputation by chained equations (statsmodels' MICE, predictive mean matching)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.imputation.mice import MICEData

from ..._checks import describe_rows, require_columns
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Result, result
from .pool import PooledResult, pool

__all__ = ["Imputations", "impute"]


class _MICEData(MICEData):
    """statsmodels' MICEData, the default imputation models' design matrices built directly.

    The default model of a column ``v`` is the formula ``v ~ a + b + ...`` of every other
    column; MICEData has patsy build its matrices from the whole frame on each update (about
    half of the imputation's cost on 50,000 knees). The columns are numeric and complete
    after the initial imputation, so patsy's matrix is the intercept and the other columns
    as they are: built here from the same values, it is the same matrix, and the fits,
    draws and imputed values are those of MICEData. Other formulas and keyword arguments
    (none set by :func:`impute`) go through MICEData's own path.
    """

    def _default(self, vname: str) -> bool:
        others = [c for c in self.data.columns if c != vname]
        return (self.conditional_formula[vname] == f"{vname} ~ {' + '.join(others)}"
                and vname not in self.predict_kwds)

    def _matrices(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
        values = self.data.to_numpy(dtype=float)
        column = self.data.columns.get_loc(vname)
        exog = np.ones((len(values), values.shape[1]))
        exog[:, 1:] = np.delete(values, column, axis=1)
        return values[:, column], exog

    def get_split_data(self, vname: str) -> tuple[Any, ...]:
        if not self._default(vname):
            return super().get_split_data(vname)
        endog, exog = self._matrices(vname)
        observed, missing = self.ix_obs[vname], self.ix_miss[vname]
        # as MICEData's: the observed endog a column (the matching keeps that shape)
        return endog[observed, None], exog[observed], exog[missing], {}, {}

    def get_fitting_data(self, vname: str) -> tuple[Any, ...]:
        if not self._default(vname):
            return super().get_fitting_data(vname)
        endog, exog = self._matrices(vname)
        observed = self.ix_obs[vname]
        return (endog[observed], exog[observed],
                self._process_kwds(self.init_kwds[vname], observed),
                self._process_kwds(self.fit_kwds[vname], observed))


@result
class Imputations(Result):
    """Completed copies of a frame, one per imputation.

    Attributes
    ----------
    datasets : tuple of pandas.DataFrame
        The ``m`` completed frames (index and every column of the input kept).
    missing : pandas.DataFrame
        Per imputed column: ``term`` (column), ``n`` (rows), ``events`` (missing values).
    columns : tuple of str
        The columns of the imputation model.
    m, burn_in : int
    seed : int
    method : str
    """

    datasets: tuple[pd.DataFrame, ...]
    missing: pd.DataFrame
    columns: tuple[str, ...]
    m: int
    burn_in: int
    seed: int
    method: str

    def summary(self) -> pd.DataFrame:
        """Missing values per column of the imputation model."""
        return self.missing

    def analyse(self, fit: Callable[[pd.DataFrame], Any], **pool_options: Any
                ) -> PooledResult:
        """Fit ``fit(frame)`` to every completed frame and pool by Rubin's rules.

        Parameters
        ----------
        fit : callable
            Takes a completed frame, returns a result with ``coef`` and ``se`` in its
            summary (e.g. ``lambda d: bc.logistic(d, outcome=..., exposures=...)``).
        **pool_options
            Passed to :func:`pool` (e.g. ``alpha``).
        """
        return pool([fit(frame) for frame in self.datasets], **pool_options)


def impute(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    m: int = 5,
    seed: int,
    burn_in: int = 10,
    k_pmm: int = 20,
) -> Imputations:
    r"""Impute missing values of ``columns`` ``m`` times by chained equations.

    Parameters
    ----------
    frame : pandas.DataFrame
        The analysis frame; never modified.
    columns : sequence of str
        Numeric columns of the imputation model: every variable of the analysis model
        (outcome included) and predictors of missingness. Binary columns stay 0/1 because
        predictive mean matching draws observed values.
    m : int, default=5
        Number of imputations.
    seed : int
        Seed (required: imputations are random draws).
    burn_in : int, default=10
        Cycles through the variables before the first imputation and between imputations.
        With one incomplete column a single cycle is used (recorded as ``burn_in=1``):
        its predictors never change, so every cycle is an independent draw from the same
        posterior and further cycles only cost time.
    k_pmm : int, default=20
        Donors among which predictive mean matching draws.

    Returns
    -------
    Imputations
        ``datasets`` (the completed frames) and ``analyse(fit)`` to fit and pool.

    Notes
    -----
    statsmodels' :class:`~statsmodels.imputation.mice.MICEData` (van Buuren's fully
    conditional specification with linear models and predictive mean matching, draws of
    the model parameters from their approximate posterior) is used as it is: a well-kept
    library that needs no new dependency; its ``rng`` makes the draws reproducible. Only
    its design matrices are built without patsy (the same matrices, faster). Pool
    with :func:`pool` (or :meth:`Imputations.analyse`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"age": rng.normal(60, 8, 100), "bmi": rng.normal(27, 4, 100)})
    >>> d.loc[::7, "bmi"] = np.nan
    >>> imp = impute(d, columns=["age", "bmi"], m=3, seed=1)
    >>> len(imp.datasets), int(imp.datasets[0]["bmi"].isna().sum())
    (3, 0)
    """
    columns = list(dict.fromkeys(columns))
    require_columns(frame, columns)
    if not isinstance(m, int) or m < 2:
        raise AnalysisInputError(f"m={m!r}; pass at least 2 imputations.")
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise AnalysisInputError(
            f"impute: column(s) {bad} are not numeric; code categories as 0/1 indicators.")
    data = frame[columns].astype(float)
    all_missing = data.isna().all(axis=1).to_numpy()
    if all_missing.any():
        raise AnalysisInputError(
            f"impute: rows {describe_rows(frame.index[all_missing])} miss every column of "
            f"the imputation model; drop them first (nothing is known to impute from).")
    empty = [c for c in columns if data[c].isna().all()]
    if empty:
        raise AnalysisInputError(f"impute: column(s) {empty} have no observed value.")
    # MICEData needs string column names and resets the index: keep ours aside
    names = {c: f"v{i}" for i, c in enumerate(columns)}
    mice = _MICEData(data.rename(columns=names).reset_index(drop=True), k_pmm=k_pmm,
                     rng=np.random.default_rng(seed))
    incomplete = int(data.isna().any(axis=0).sum())
    cycles = 1 if incomplete <= 1 else burn_in
    datasets = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(m):
            mice.update_all(cycles)
            completed = mice.data.rename(columns={v: c for c, v in names.items()})
            completed.index = frame.index
            datasets.append(frame.assign(**{c: completed[c].to_numpy() for c in columns}))
    # the library's warnings by class (never by text); collinear columns said as ours, once
    from statsmodels.tools import sm_exceptions as library

    collinear = False
    for item in caught:
        if issubclass(item.category, library.SingularMatrixWarning):
            collinear = True
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if collinear:
        warnings.warn(f"impute: the columns {columns} are collinear among the rows used to "
                      f"impute one of them (a rank-deficient imputation model): its "
                      f"coefficients are not all identified; drop a redundant column.",
                      DataQualityWarning, stacklevel=2)
    missing = pd.DataFrame({"term": columns, "n": len(frame),
                            "events": [int(data[c].isna().sum()) for c in columns]})
    return Imputations(datasets=tuple(datasets), missing=missing, columns=tuple(columns),
                       m=m, burn_in=cycles, seed=seed, method="mice-pmm")
