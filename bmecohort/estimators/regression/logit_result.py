"""The results of a logistic-type regression: odds ratios per model term.

:class:`RegressionResult` is returned by :func:`~bmecohort.logistic` and
:func:`~bmecohort.conditional_logistic`; :meth:`RegressionResult.odds_ratio` picks one
term as an :class:`OddsRatioTerm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

import pandas as pd

from ..._columns import CI_LOWER, CI_UPPER, COEF, ESTIMATE, P_VALUE, SE, TERM
from ...exceptions import AnalysisInputError
from ...results import Accounting, Result, ScalarResult, result

__all__ = ["OddsRatioTerm", "RegressionResult"]


@result
class OddsRatioTerm(ScalarResult):
    """One model term's odds ratio, as returned by :meth:`RegressionResult.odds_ratio`.

    Attributes
    ----------
    term : str
        Term name, e.g. ``"bml"``, ``"bml_size[2]"``, ``"bml_size (trend)"``.
    estimate, ci_lower, ci_upper : float
        Odds ratio and its interval.
    p_value : float
        Two-sided p-value.
    coef, se : float
        Log odds ratio and its standard error.
    method, interval : str
        How the model and the interval were computed.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        The model's denominators.
    """

    coef: float
    se: float
    method: str
    interval: str
    alpha: float
    accounting: Accounting

    def evalue(self, **options: Any) -> Any:
        """E-value for unmeasured confounding (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, **options)


@result
class RegressionResult(Result):
    """Odds ratios from a logistic-type regression, one row per model term.

    Attributes
    ----------
    table : pandas.DataFrame
        The per-term table returned by :meth:`summary`.
    outcome : str
        Outcome column.
    exposures : tuple of str
        Exposure columns.
    method : str
        The estimator, never the engine: ``"logistic-glm"``, ``"gee-<cov_struct>-robust"``,
        ``"gee-<cov_struct>-mancl-derouen"``, ``"firth-logistic-profile"`` (profile
        penalised-likelihood intervals) or ``"conditional-logistic"``.
    engine : str
        Library that fitted the model: ``"statsmodels"``, ``"fastgee"``, ``"fastclogit"`` or
        ``"firthmodels"``.
    fallback : str or None
        Why ``engine="auto"`` left the vectorised GEE solver for statsmodels (e.g. the
        exchangeable correlation fell below :math:`-1/(m_{max} - 1)`); ``None`` otherwise.
    interval : str
        ``"wald"`` (log-odds scale) or ``"profile-likelihood"`` (Firth).
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, clusters and every exclusion with its reason.
    cov_struct : str or None
        GEE working correlation (``None`` without clustering).
    time : str or None
        Visit column ordering the rows within clusters (AR-1, unstructured).
    scale_fixed : bool
        Whether the GEE scale was held at 1.
    working_correlation : pandas.DataFrame or None
        Working correlation between the visits (when ``time`` is given).
    cov_type : str
        ``"robust"`` (GEE sandwich) or ``"model-based"``.
    dep_param : float or None
        Estimated exchangeable or AR-1 working correlation.
    converged : bool
        Whether the fit converged.
    trend : mapping of str to float
        Categorical exposure -> p-value of the trend test (empty without ``trend=True``).
    warnings : tuple of str
        Statistical caveats, also issued as warnings.
    raw : object
        The native fitted object (statsmodels results, :class:`~bmecohort.estimators.
        fastgee.FastGEEFit`, :class:`~bmecohort.estimators.regression.fastclogit.
        FastClogitFit` or firthmodels' ``FirthLogisticRegression``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bmecohort import logistic
    >>> rng = np.random.default_rng(1)
    >>> knees = pd.DataFrame({"bml": rng.integers(0, 2, 300), "age": rng.normal(60, 8, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.3 + 0.2 * knees["bml"])
    >>> fit = logistic(knees, outcome="pain", exposures=["bml", "age"])  # one knee per person
    >>> type(fit).__name__, fit.method, fit.exposures
    ('RegressionResult', 'logistic-glm', ('bml', 'age'))
    >>> list(fit.summary()["term"])
    ['bml', 'age']
    >>> round(fit.odds_ratio("bml").estimate, 2)
    1.62
    """

    table: pd.DataFrame
    outcome: str
    exposures: tuple[str, ...]
    method: str
    engine: str
    interval: str
    alpha: float
    accounting: Accounting
    cov_struct: str | None = None
    cov_type: str = "model-based"
    dep_param: float | None = None
    converged: bool = True
    trend: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    raw: Any = None
    fallback: str | None = None
    time: str | None = None
    scale_fixed: bool = False
    working_correlation: pd.DataFrame | None = None

    @property
    def title(self) -> str:
        """Display title."""
        return f"RegressionResult: {self.outcome} ~ {' + '.join(self.exposures)}"

    def header(self) -> dict[str, object]:
        """The shared header plus the engine, and why it was chosen when it fell back."""
        out = super().header()
        out["engine"] = self.engine
        if self.fallback is not None:
            out["engine fallback"] = self.fallback
        return out

    @property
    def p_trend(self) -> float | None:
        """Trend-test p-value of the (first) categorical exposure, or ``None``."""
        return next(iter(self.trend.values()), None)

    def summary(self) -> pd.DataFrame:
        """One row per model term (the intercept is left out), plus one per trend test.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events, coef, se``, where
        ``estimate`` is the odds ratio ``exp(coef)``, ``coef`` the log odds ratio and ``se``
        its standard error (robust for GEE), and ``n``/``events`` the model's units and events.
        """
        return self.table.copy()

    def evalue(self, term: str | None = None, **options: Any) -> Any:
        """E-value for unmeasured confounding of one term's odds ratio (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, term=term, **options)

    def odds_ratio(self, term: str) -> OddsRatioTerm:
        """The odds ratio of one term, e.g. ``"bml_size[2]"`` or ``"bml_size (trend)"``."""
        rows = self.table[self.table[TERM] == term]
        if rows.empty:
            raise AnalysisInputError(
                f"odds_ratio: no term {term!r}; the model's terms are "
                f"{self.table[TERM].tolist()}."
            )
        row = rows.iloc[0]
        return OddsRatioTerm(
            term=term, estimate=float(row[ESTIMATE]), ci_lower=float(row[CI_LOWER]),
            ci_upper=float(row[CI_UPPER]), p_value=float(row[P_VALUE]),
            coef=float(row[COEF]), se=float(row[SE]), method=self.method,
            interval=self.interval, alpha=self.alpha, accounting=self.accounting,
        )
