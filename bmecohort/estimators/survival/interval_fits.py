"""Interval-censored time to event: Turnbull's NPMLE and the Weibull (AFT) model.

An MRI lesion is only known to have appeared between two visits. lifelines fits such data:
``KaplanMeierFitter.fit_interval_censoring`` (Turnbull's non-parametric maximum likelihood
estimate, NPMLE) and ``WeibullAFTFitter.fit_interval_censoring`` (parametric, with
covariates). This module wraps both with the half-open ``(lower, upper]`` intervals of
:func:`~bmecohort.estimators.survival.event_times.time_to_event`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter, WeibullAFTFitter

from ..._checks import check_alpha, describe_rows, prepare
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM
from ...exceptions import AnalysisInputError
from ...results import Accounting, CurveResult, result, summary_frame
from ._lifelines import (
    TIME,
    check_numeric,
    check_rank,
    check_times,
    run_lifelines,
    unit_of,
)

__all__ = ["ESTIMATE_MAX", "ESTIMATE_MIN", "IntervalCensoredResult", "interval_censored"]

#: Relative shift that makes lifelines' closed intervals [L, R] half-open (L, R].
_OPEN_SHIFT = 1e-9
ESTIMATE_MIN = "estimate_min"
ESTIMATE_MAX = "estimate_max"


@result
class IntervalCensoredResult(CurveResult):
    """A Turnbull NPMLE survival curve or a Weibull accelerated-failure-time model.

    Attributes
    ----------
    model : str
        ``"turnbull"`` or ``"weibull"``.
    table : pandas.DataFrame
        ``"turnbull"``: survival at every distinct finite interval bound (``time, estimate,
        ci_lower, ci_upper``; the NPMLE is unique there, intervals are NaN).
        ``"weibull"``: one row per parameter, ``term, parameter, estimate, ci_lower,
        ci_upper, p_value, coef, se`` where ``estimate = exp(coef)``: the scale
        :math:`\\lambda` and shape :math:`\\rho` (rows ``lambda_``, ``rho_``) and, per
        covariate, the time ratio (acceleration factor).
    covariates : tuple of str
        Covariates of the Weibull model.
    method : str
        ``"turnbull-npmle"`` or ``"weibull-aft"``.
    alpha : float
        One minus the confidence level.
    log_likelihood : float
        Log-likelihood at the estimate.
    accounting : Accounting
        Rows in, units used, events (finite ``upper``), exclusions.
    censored : int
        Right-censored units (``upper`` infinite).
    raw : lifelines.KaplanMeierFitter or lifelines.WeibullAFTFitter
        The fitted lifelines object (the NPMLE on lower bounds shifted by 1e-9 relative).
    """

    model: str
    table: pd.DataFrame
    covariates: tuple[str, ...]
    method: str
    alpha: float
    log_likelihood: float
    censored: int
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()

    @property
    def intervals(self) -> pd.DataFrame:
        """Turnbull intervals holding probability mass: ``left, right, mass`` (turnbull)."""
        self._require("turnbull", "intervals")
        times = self.table[TIME].to_numpy()
        survival = self.table[ESTIMATE].to_numpy()
        right = np.append(times[1:], np.inf)
        mass = survival - np.append(survival[1:], 0.0)
        keep = mass > 1e-12
        return pd.DataFrame({"left": times[keep], "right": right[keep], "mass": mass[keep]})

    def survival_at(self, times: Sequence[float] | np.ndarray | float) -> pd.DataFrame:
        """Survival at ``times``: ``time, estimate, ci_lower, ci_upper`` (+ min/max).

        ``"turnbull"``: the NPMLE is unique outside the Turnbull intervals; inside one it is
        any value between ``estimate_max`` (mass at the interval's right end) and
        ``estimate_min`` (at its left end), and ``estimate`` is NaN. ``"weibull"`` (no
        covariates only): :math:`\\exp(-(t/\\lambda)^\\rho)`; lifelines gives no interval.
        """
        query = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(query).any() or (query < 0).any():
            raise AnalysisInputError(f"times must be numbers >= 0, got {query.tolist()[:10]}.")
        if self.model == "weibull":
            if self.covariates:
                raise AnalysisInputError(
                    "survival_at needs covariate values with a Weibull model with covariates; "
                    "use result.raw.predict_survival_function(df, times=...)."
                )
            lam, rho = self.table[ESTIMATE].to_numpy()[:2]
            estimate = np.exp(-((query / lam) ** rho))
            return pd.DataFrame({TIME: query, ESTIMATE: estimate, CI_LOWER: np.nan,
                                 CI_UPPER: np.nan})
        grid = self.table[TIME].to_numpy()
        survival = self.table[ESTIMATE].to_numpy()
        row = np.searchsorted(grid, query, side="right") - 1
        high = survival[row]
        nxt = np.minimum(row + 1, len(grid) - 1)
        low = np.where(row + 1 < len(grid), survival[nxt], 0.0)
        on_grid = np.isin(query, grid)
        low = np.where(on_grid, high, low)
        estimate = np.where(np.isclose(low, high, rtol=0, atol=1e-12), high, np.nan)
        return pd.DataFrame({TIME: query, ESTIMATE: estimate, CI_LOWER: np.nan,
                             CI_UPPER: np.nan, ESTIMATE_MIN: low, ESTIMATE_MAX: high})

    def _require(self, model: str, what: str) -> None:
        if self.model != model:
            raise AnalysisInputError(f"{what} is only defined for model={model!r}.")

    def summary(self) -> pd.DataFrame:
        """``"weibull"``: the parameter table; ``"turnbull"``: the survival at each bound.

        Columns ``term, estimate, ci_lower, ci_upper, p_value`` then ``parameter, coef,
        se`` (weibull) or ``time`` (turnbull).
        """
        if self.model == "weibull":
            return summary_frame(self.table.to_dict("records"), extra=("parameter", "coef", "se"))
        rows = self.table.assign(**{TERM: "survival", P_VALUE: None})
        return summary_frame(rows.to_dict("records"), extra=(TIME,))


def interval_censored(
    data: pd.DataFrame,
    *,
    lower: str,
    upper: str,
    covariates: Sequence[str] = (),
    model: Literal["weibull", "turnbull"] = "weibull",
    alpha: float = 0.05,
) -> IntervalCensoredResult:
    r"""Fit interval-censored times: Turnbull's NPMLE or a Weibull AFT model.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (e.g. from
        :func:`~bmecohort.estimators.survival.event_times.time_to_event`); never modified.
    lower : str
        Last time known event-free, ``>= 0`` (0: the event happened by ``upper``).
    upper : str
        First time the event was seen, ``>= lower``; ``inf`` for right-censored units.
        ``lower == upper`` is an exactly observed time.
    covariates : sequence of str, default=()
        Numeric covariates of the Weibull model (the Turnbull estimate takes none).
    model : {"weibull", "turnbull"}, default="weibull"
        ``"weibull"``: Weibull accelerated failure time model by maximum likelihood;
        ``"turnbull"``: the non-parametric MLE of the survival function.
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    IntervalCensoredResult
        ``table``, ``summary()``, ``survival_at(times)``; ``intervals`` for the NPMLE.

    Notes
    -----
    Each unit's event time lies in :math:`(L_i, R_i]`. The Weibull AFT model has

    .. math::

        S(t \mid x) = \exp\{-(t/\lambda(x))^{\rho}\},\qquad
        \log\lambda(x) = \beta_0 + \beta^\top x,\qquad \log\rho = \gamma_0,

    and likelihood :math:`\prod_i \{S(L_i \mid x_i) - S(R_i \mid x_i)\}`; ``estimate`` is
    :math:`e^{\beta}`, the time ratio (>1: events later), with Wald intervals on the log
    scale. This is R ``survreg(Surv(L, R, type = "interval2") ~ x, dist = "weibull")``
    (intercept :math:`\log\lambda`, ``scale`` :math:`= 1/\rho`), Stata ``stintreg``.

    The Turnbull NPMLE maximises :math:`\prod_i P(L_i < T \le R_i)` over distributions with
    mass only in the Turnbull intervals (a left bound followed by the next right bound). Its
    survival function is unique at the observed bounds only: ``table`` lists it there
    (R ``survfit(Surv(L, R, type = "interval2") ~ 1)`` places the drop at the intervals'
    midpoints). Limits of lifelines' implementation, which is flagged "new and experimental":
    it has no confidence intervals (its bootstrap is disabled, lifelines #1510), no
    covariates, no left truncation; it treats intervals as closed ``[L, R]``, so lower
    bounds are shifted up by a relative 1e-9 to obtain ``(L, R]`` (a unit negative at a
    visit cannot have its event at that visit); its EM algorithm runs here until the
    log-likelihood changes by less than :math:`10^{-15} \max(n, 100)` (lifelines' default
    1e-5 leaves the curve off by up to ~1e-3), and its ``optimize=True`` acceleration is
    not used (it fails on our test data). The EM loops in Python: thousands of units with
    hundreds of distinct visit dates take several seconds. For confidence intervals use the Weibull model or a bootstrap.

    Examples
    --------
    Visits at 0, 12, 24 and 36 months: each lesion appeared between two visits.

    >>> import numpy as np, pandas as pd
    >>> from bmecohort import interval_censored
    >>> knees = pd.DataFrame({"lower": [0, 12, 12, 24, 0, 24, 12, 0],
    ...                       "upper": [12, 24, np.inf, np.inf, 12, 36, 24, np.inf]})
    >>> fit = interval_censored(knees, lower="lower", upper="upper", model="turnbull")
    >>> fit.survival_at([12, 24])[["time", "estimate"]].round(3)
       time  estimate
    0  12.0     0.714
    1  24.0     0.357
    """
    alpha = check_alpha(alpha)
    if model not in ("weibull", "turnbull"):
        raise AnalysisInputError(f"model must be 'weibull' or 'turnbull', got {model!r}.")
    covariates = tuple(covariates)
    if model == "turnbull" and covariates:
        raise AnalysisInputError(
            "model='turnbull' takes no covariates; fit one curve per group, or use "
            "model='weibull'."
        )
    frame, excluded = prepare(data, [lower, upper, *covariates])
    low = check_times(frame, lower)
    high = check_times(frame, upper, allow_inf=True)
    bad = high < low
    if bad.any():
        raise AnalysisInputError(
            f"data: {upper!r} is below {lower!r} on rows {describe_rows(frame.index[bad])}; "
            "each interval must have lower <= upper."
        )
    if len(frame) == 0:
        raise AnalysisInputError(f"data: no complete rows in {lower!r} and {upper!r}.")
    check_numeric(frame, covariates)
    check_rank(frame, list(covariates))
    events = int(np.isfinite(high).sum())
    if model == "weibull" and (events == 0 or len(frame) < 2):
        raise AnalysisInputError(
            f"data: a Weibull model needs at least 2 rows and one event (a finite {upper!r});"
            f" the {len(frame)} rows used have {events} events. Use more data, or "
            "model='turnbull' to describe the data as they are."
        )
    accounting = Accounting(unit=unit_of(data), n_rows=len(data), n_used=len(frame),
                            events=events, excluded=excluded)
    if model == "turnbull":
        return _turnbull(low, high, alpha, accounting)
    return _weibull(frame, lower, upper, covariates, alpha, accounting, len(frame) - events)


def _turnbull(
    low: np.ndarray, high: np.ndarray, alpha: float, accounting: Accounting
) -> IntervalCensoredResult:
    finite = np.isfinite(high)
    scale = float(np.max(np.concatenate([low, high[finite], [1.0]])))
    # (L, R] -> [L + e, R]; an exact time t -> [t - e, t] so that S(t) excludes its mass
    shift = _OPEN_SHIFT * scale
    shifted = np.where(low < high, low + shift, np.maximum(low - shift, 0.0))
    bounds = np.unique(np.concatenate([[0.0], low, high[finite]]))
    fitter = KaplanMeierFitter(alpha=alpha)
    fitter, caveats = run_lifelines(lambda: fitter.fit_interval_censoring(
        shifted, high, timeline=bounds, tol=1e-15 * max(len(low), 100), label="NPMLE"
    ))
    # the NPMLE is unique at the original bounds; lifelines' two columns there are S just
    # before and just after the mass of an interval ending at the bound: S(t) is the smaller
    survival = fitter.survival_function_.loc[bounds].min(axis=1).to_numpy(dtype=float)
    table = pd.DataFrame({TIME: bounds, ESTIMATE: survival, CI_LOWER: np.nan, CI_UPPER: np.nan})
    probabilities = -np.diff(np.append(survival, 0.0))
    log_likelihood = _npmle_log_likelihood(low, high, bounds, probabilities)
    return IntervalCensoredResult(
        model="turnbull", table=table, covariates=(), method="turnbull-npmle", alpha=alpha,
        log_likelihood=log_likelihood, censored=int((~finite).sum()), accounting=accounting,
        raw=fitter, warnings=caveats,
    )


def _npmle_log_likelihood(
    low: np.ndarray, high: np.ndarray, bounds: np.ndarray, mass: np.ndarray
) -> float:
    """:math:`\\sum_i \\log P(L_i < T \\le R_i)` with ``mass[j]`` in ``(bounds[j], bounds[j+1]]``."""
    cumulative = np.concatenate([[0.0], np.cumsum(mass)])  # P(T <= bounds[j]) = cumulative[j]
    start = np.searchsorted(bounds, low)
    end = np.where(np.isfinite(high), np.searchsorted(bounds, np.where(np.isfinite(high),
                                                                         high, 0.0)), len(bounds))
    return float(np.sum(np.log(cumulative[end] - cumulative[start])))


def _weibull(
    frame: pd.DataFrame,
    lower: str,
    upper: str,
    covariates: tuple[str, ...],
    alpha: float,
    accounting: Accounting,
    censored: int,
) -> IntervalCensoredResult:
    # a fresh index: lifelines reindexes internally and fails on repeated labels
    fit_frame = frame[[lower, upper, *covariates]].astype(float).reset_index(drop=True)
    fitter = WeibullAFTFitter(alpha=alpha)
    fitter, caveats = run_lifelines(lambda: fitter.fit_interval_censoring(
        fit_frame, lower_bound_col=lower, upper_bound_col=upper,
        fit_options={"ftol": 1e-14, "maxiter": 1000},  # SLSQP; lifelines uses 1e-10
    ))
    summary = fitter.summary
    bounds = fitter.confidence_intervals_
    params = summary.index.get_level_values(0).astype(str)
    names = summary.index.get_level_values(1).astype(str)
    term = np.where(names == "Intercept", params, names)
    table = pd.DataFrame({
        TERM: term,
        "parameter": params,
        ESTIMATE: np.exp(summary["coef"].to_numpy()),
        CI_LOWER: np.exp(bounds.iloc[:, 0].to_numpy()),
        CI_UPPER: np.exp(bounds.iloc[:, 1].to_numpy()),
        # H0: log(lambda) = 0 or log(rho) = 0 is no hypothesis of interest
        P_VALUE: np.where(names == "Intercept", np.nan, summary["p"].to_numpy()),
        "coef": summary["coef"].to_numpy(),
        "se": summary["se(coef)"].to_numpy(),
    })
    # intercepts first: lambda_ (scale), rho_ (shape), then the time ratios
    table = table.iloc[np.argsort(names != "Intercept", kind="stable")].reset_index(drop=True)
    return IntervalCensoredResult(
        model="weibull", table=table, covariates=covariates, method="weibull-aft", alpha=alpha,
        log_likelihood=float(fitter.log_likelihood_), censored=censored, accounting=accounting,
        raw=fitter, warnings=caveats,
    )
