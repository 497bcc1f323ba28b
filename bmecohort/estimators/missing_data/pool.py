r"""Rubin's rules: pool estimates from multiply imputed data sets, as R ``mice::pool``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..._checks import check_alpha
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM
from ...exceptions import AnalysisInputError
from ...results import Result, result, summary_frame

__all__ = ["PooledResult", "pool"]

#: Pooled columns besides the canonical ones, as mice names them.
POOLED_COLUMNS: tuple[str, ...] = ("m", "ubar", "b", "t", "df", "riv", "lambda", "fmi")


@result
class PooledResult(Result):
    """Estimates pooled over imputations by Rubin's rules.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term: ``term, estimate, ci_lower, ci_upper, p_value`` (on the scale
        reported, e.g. odds ratios), ``coef`` (the pooled estimate on the scale pooled, e.g.
        log odds), ``m, ubar, b, t, df, riv, lambda, fmi`` as ``mice::pool``.
    exponentiated : bool
        Whether ``estimate`` and the interval are ``exp`` of the pooled scale.
    alpha : float
    method : str
    scale : str
        The scale pooled on: ``"identity"``, ``"log"`` (reported as ``exp``) or ``"logit"``
        (proportions such as incidence, reported as ``expit``).
    """

    table: pd.DataFrame
    exponentiated: bool
    alpha: float
    method: str
    scale: str = "identity"

    def summary(self) -> pd.DataFrame:
        """One row per term with the canonical columns and the pooling quantities."""
        return summary_frame(self.table.to_dict("records"), extra=("coef", *POOLED_COLUMNS))

    def __getattr__(self, name: str) -> Any:
        # scalar access (result.t, result.df, ...) when one term was pooled
        if name in (*POOLED_COLUMNS, ESTIMATE, CI_LOWER, CI_UPPER, P_VALUE, "coef") and len(
                self.__dict__.get("table", ())) == 1:
            return float(self.__dict__["table"][name].iloc[0])
        raise AttributeError(name)


def _barnard_rubin(m: np.ndarray, b: np.ndarray, t: np.ndarray, dfcom: np.ndarray
                   ) -> np.ndarray:
    """Barnard-Rubin (1999) degrees of freedom, as ``mice:::barnard.rubin``."""
    lam = np.maximum((1 + 1 / m) * b / t, 1e-4)
    dfold = (m - 1) / lam**2
    with np.errstate(invalid="ignore"):
        dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        return np.where(np.isinf(dfcom), dfold, dfold * dfobs / (dfold + dfobs))


def _pool_arrays(q: np.ndarray, u: np.ndarray, dfcom: np.ndarray, alpha: float
                 ) -> pd.DataFrame:
    """Pool ``(m, terms)`` estimates ``q`` with within-imputation variances ``u``."""
    m = np.full(q.shape[1], q.shape[0], dtype=float)
    qbar, ubar = q.mean(axis=0), u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    df = _barnard_rubin(m, b, t, dfcom)
    riv = (1 + 1 / m) * b / ubar
    lam = (1 + 1 / m) * b / t
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    half = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(t)
    p = 2 * stats.t.sf(np.abs(qbar) / np.sqrt(t), df)
    return pd.DataFrame({"coef": qbar, "lo": qbar - half, "hi": qbar + half, P_VALUE: p,
                         "m": m.astype(int), "ubar": ubar, "b": b, "t": t, "df": df,
                         "riv": riv, "lambda": lam, "fmi": fmi})


def _is_share(fitted: Any) -> bool:
    """Whether ``fitted`` is an incidence or resolution (a share of units at risk)."""
    from ..occurrence.proportions import IncidenceResult

    return isinstance(fitted, IncidenceResult)


def _logit_share(fitted: Any) -> tuple[float, float, float]:
    r"""Logit of an incidence or resolution, its variance and the complete-data df.

    The variance is the one behind the result's interval: the (cluster-)robust sandwich of
    its intercept-only GLM when it has one (clustered or weighted), else the binomial
    :math:`1 / (n \hat p (1 - \hat p))`. Complete-data df: clusters - 1 when clustered
    (the sandwich's information comes from the clusters), else units - 1 (as
    ``mice::pool`` takes ``df.residual`` of ``glm(y ~ 1)``).
    """
    acc = fitted.accounting
    n, events = int(acc.n_used), int(acc.events)
    if fitted.raw is not None:
        q = float(np.asarray(fitted.raw.params)[0])
        u = float(np.asarray(fitted.raw.cov_params())[0, 0])
    elif 0 < events < n:
        p = events / n
        q, u = float(np.log(p / (1 - p))), 1 / (n * p * (1 - p))
    else:
        raise AnalysisInputError(
            f"pool: an {fitted.term} has {events} events among {n} units, so its logit is "
            f"infinite and Rubin's rules on the logit scale are undefined; report the "
            f"imputations' range, or the complete-case {fitted.term}, instead.")
    clusters = acc.n_clusters if acc.clustered and acc.n_clusters else None
    return q, u, float((clusters or n) - 1)


def _from_shares(results: Sequence[Any]) -> tuple[list[str], np.ndarray, np.ndarray,
                                                  np.ndarray]:
    """Per-imputation logits and variances of incidence or resolution results."""
    if not all(_is_share(r) for r in results) or len({r.term for r in results}) > 1:
        raise AnalysisInputError(
            "pool: the results mix incidence or resolution with other estimates; pool one "
            "kind of result, fitted the same way to every imputed data set.")
    values = np.array([_logit_share(r) for r in results])
    return ([results[0].term], values[:, :1], values[:, 1:2], values[:1, 2])


def _from_results(results: Sequence[Any]) -> tuple[list[str], np.ndarray, np.ndarray,
                                                    np.ndarray, bool]:
    """Per-imputation coefficients and variances from fitted results with coef/se."""
    frames = []
    for i, fitted in enumerate(results):
        summary = fitted.summary() if hasattr(fitted, "summary") else None
        if summary is None or not {"coef", "se"} <= set(summary.columns):
            raise AnalysisInputError(
                f"pool: result {i} ({type(fitted).__name__}) has no 'coef' and 'se' columns "
                f"in summary(); pool regression results (logistic, gee, ...) or pass "
                f"estimates= and variances= on the scale to pool (e.g. log odds ratios).")
        frames.append(summary.set_index(TERM))
    terms = list(frames[0].index)
    if any(list(f.index) != terms for f in frames):
        raise AnalysisInputError(
            "pool: the results do not have the same terms in the same order; fit the same "
            "model to every imputed data set.")
    q = np.stack([f["coef"].to_numpy(float) for f in frames])
    u = np.stack([f["se"].to_numpy(float) ** 2 for f in frames])
    first = frames[0]
    exponentiated = bool(np.allclose(first[ESTIMATE].to_numpy(float),
                                     np.exp(first["coef"].to_numpy(float)), rtol=1e-9))
    dfcom = []
    for fitted in results[:1]:
        accounting = getattr(fitted, "accounting", None)
        n = getattr(accounting, "n_used", None)
        k = len(terms) + 1  # the intercept
        dfcom.append(float(n - k) if n is not None else np.inf)
    return terms, q, u, np.full(len(terms), dfcom[0]), exponentiated


def pool(
    results: Sequence[Any] | None = None,
    *,
    estimates: Sequence[float] | None = None,
    variances: Sequence[float] | None = None,
    n: int | None = None,
    k: int = 1,
    term: str = "estimate",
    exponentiate: bool = False,
    alpha: float = 0.05,
) -> PooledResult:
    r"""Pool estimates over imputed data sets by Rubin's rules (as ``mice::pool``).

    Parameters
    ----------
    results : sequence of results or None
        Fitted results, one per imputed data set, whose ``summary()`` has ``coef`` and
        ``se`` columns (e.g. :func:`bmecohort.logistic`); pooled on the ``coef`` scale and
        reported, like the inputs, as ``exp`` when their estimates are. Or
        :func:`bmecohort.incidence` / :func:`bmecohort.resolution` results: pooled on the
        logit scale and reported as proportions (see Notes).
    estimates, variances : sequence of float or None
        One coefficient per imputation and its squared standard error, instead of
        ``results``.
    n : int or None, default=None
        Sample size of each complete data set; with ``k`` gives the complete-data degrees
        of freedom ``n - k``. ``None``: infinite (the large-sample df of Rubin 1987).
    k : int, default=1
        Parameters of the model (for ``n - k``).
    term : str, default="estimate"
        Name of the pooled coefficient, with ``estimates``.
    exponentiate : bool, default=False
        Report ``exp`` of the pooled estimate and interval, with ``estimates``.
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    PooledResult
        ``summary()``: ``term, estimate, ci_lower, ci_upper, p_value, coef, m, ubar, b, t,
        df, riv, lambda, fmi``; one term's values are also attributes (``.t``, ``.df``).

    Notes
    -----
    With :math:`m` estimates :math:`Q_i` and variances :math:`U_i`:
    :math:`\bar Q = \frac1m\sum Q_i`, :math:`\bar U = \frac1m\sum U_i`,
    :math:`B = \frac{1}{m-1}\sum (Q_i-\bar Q)^2`, :math:`T = \bar U + (1+1/m)B`;
    degrees of freedom of Barnard and Rubin (1999), ``riv`` :math:`=(1+1/m)B/\bar U`,
    ``lambda`` :math:`=(1+1/m)B/T`, ``fmi`` :math:`=(riv + 2/(df+3))/(riv+1)`, and the
    interval :math:`\bar Q \pm t_{df} \sqrt T`, exactly as ``mice`` 3.15 (checked in
    ``tests/reference/missing_data``).

    Incidence and resolution are pooled on the logit scale, where their sampling
    distribution is closer to normal than a proportion's near 0 or 1 (van Buuren 2018,
    *Flexible Imputation of Missing Data*, 2nd ed., section 5.2): :math:`Q_i` is the logit
    of the proportion, :math:`U_i` the variance of the result's interval on that scale (the
    cluster-robust or weighted sandwich when the result has one, else
    :math:`1/(n\hat p(1-\hat p))`), complete-data df clusters - 1 (clustered) or units - 1;
    the pooled logit and its interval are back-transformed with
    :math:`\operatorname{expit}` (``coef`` stays the pooled logit). An imputation with no
    or only events has an infinite logit and is an error.
    Examples
    --------
    >>> r = pool(estimates=[0.52, 0.61, 0.47, 0.58, 0.55],
    ...          variances=[0.010, 0.012, 0.011, 0.010, 0.013], n=200, k=3)
    >>> round(r.estimate, 3), round(r.t, 5), round(r.df, 1)
    (0.546, 0.01472, 47.6)

    Incidence over imputations of the follow-up status of knees lost (here two given
    completions of one table), pooled on the logit scale:

    >>> import pandas as pd
    >>> from bmecohort import incidence
    >>> seen = pd.DataFrame({"participant_id": range(8), "visit_from": 0, "visit_to": 24,
    ...                      "present_from": False,
    ...                      "present_to": [1, 0, 0, 1, 0, 0, 0, 0.0]})
    >>> completed = [seen, seen.assign(present_to=[1, 0, 0, 1, 1, 0, 0, 0.0])]
    >>> r = pool([incidence(d) for d in completed])
    >>> r.scale, round(r.estimate, 3), round(r.df, 1)
    ('logit', 0.309, 2.9)
    """
    alpha = check_alpha(alpha)
    if results is not None:
        if estimates is not None or variances is not None:
            raise AnalysisInputError("pool: pass results, or estimates= and variances=, not "
                                     "both.")
        results = list(results)
        if len(results) < 2:
            raise AnalysisInputError(
                f"pool: {len(results)} result(s); pooling needs at least 2 imputations.")
        if any(_is_share(r) for r in results):
            terms, q, u, dfcom = _from_shares(results)
            exponentiate, scale_name = False, "logit"
        else:
            terms, q, u, dfcom, exponentiate = _from_results(results)
            scale_name = "log" if exponentiate else "identity"
    else:
        if estimates is None or variances is None:
            raise AnalysisInputError("pool: pass results, or both estimates= and variances=.")
        q = np.asarray(estimates, float).reshape(-1, 1)
        u = np.asarray(variances, float).reshape(-1, 1)
        if q.shape != u.shape or q.shape[0] < 2:
            raise AnalysisInputError(
                f"pool: {q.shape[0]} estimates and {u.shape[0]} variances; pass the same "
                f"number, at least 2.")
        if not (np.isfinite(q).all() and np.isfinite(u).all() and (u >= 0).all()):
            raise AnalysisInputError(
                "pool: estimates must be finite and variances finite and >= 0.")
        if n is not None and n - k < 1:
            raise AnalysisInputError(f"pool: n - k = {n - k}; the complete-data df must be "
                                     f">= 1.")
        terms = [term]
        dfcom = np.array([np.inf if n is None else float(n - k)])
        scale_name = "log" if exponentiate else "identity"
    table = _pool_arrays(q, u, dfcom, alpha)
    scale = {"log": np.exp, "logit": special.expit}.get(scale_name, lambda x: x)
    table.insert(0, TERM, terms)
    table.insert(1, ESTIMATE, scale(table["coef"]))
    table.insert(2, CI_LOWER, scale(table.pop("lo")))
    table.insert(3, CI_UPPER, scale(table.pop("hi")))
    return PooledResult(table=table, exponentiated=bool(exponentiate), alpha=alpha,
                        method="rubin-barnard-rubin", scale=scale_name)
