r"""Intraclass correlations: the six Shrout-Fleiss / McGraw-Wong forms from long ratings.

The mean squares of the two-way layout (targets x raters, one rating per cell) give all six
forms and their F-based intervals exactly as R ``psych::ICC`` computes them; they are a few
sums over a complete matrix, so they are written out here rather than fitted through an
ANOVA model. The standard error of measurement and the smallest detectable change of
de Vet et al. (2006) follow from the same mean squares.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..._checks import check_alpha
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM, N
from ...results import Accounting, Result, result, summary_frame
from ._ratings import wide_ratings

__all__ = ["ICC_FORMS", "IccResult", "icc"]

#: The six forms, named as psych names them, with Shrout and Fleiss' notation.
ICC_FORMS: dict[str, str] = {
    "ICC1": "single rater, one-way random, absolute agreement: ICC(1,1)",
    "ICC2": "single rater, two-way random, absolute agreement: ICC(2,1)",
    "ICC3": "single rater, two-way mixed, consistency: ICC(3,1)",
    "ICC1k": "mean of k raters, one-way random, absolute agreement: ICC(1,k)",
    "ICC2k": "mean of k raters, two-way random, absolute agreement: ICC(2,k)",
    "ICC3k": "mean of k raters, two-way mixed, consistency: ICC(3,k)",
}


@result
class IccResult(Result):
    r"""All six intraclass correlations of one set of ratings.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per form: ``term`` (``ICC1`` ... ``ICC3k``), ``estimate, ci_lower,
        ci_upper, p_value`` (F test of ICC = 0), ``f, df1, df2``, ``description``.
    n_targets, n_raters : int
    mean_squares : dict
        ``MSB`` (targets), ``MSJ`` (raters), ``MSE`` (residual), ``MSW`` (within targets).
    sem_agreement, sem_consistency : float
        Standard error of measurement: :math:`\sqrt{\sigma^2_{rater}+\sigma^2_{error}}` and
        :math:`\sqrt{\sigma^2_{error}}` (de Vet et al. 2006).
    sdc : float
        Smallest detectable change of one rater, :math:`1.96\sqrt{2}\,SEM_{agreement}`.
    sdc_mean : float
        The same for the mean of the ``n_raters`` raters, ``sdc / sqrt(n_raters)``.
    method : str
    alpha : float
    accounting : Accounting
        Targets used; targets not rated by every rater are excluded and counted.
    """

    table: pd.DataFrame
    n_targets: int
    n_raters: int
    mean_squares: dict[str, float]
    sem_agreement: float
    sem_consistency: float
    sdc: float
    sdc_mean: float
    method: str
    alpha: float
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """One row per form with the canonical columns, ``n`` (targets) and the F test."""
        return summary_frame(self.table.assign(**{N: self.n_targets}).to_dict("records"),
                             extra=(N, "f", "df1", "df2", "description"))

    def __getitem__(self, form: str) -> float:
        """The estimate of one form, e.g. ``result["ICC2"]``."""
        return float(self.table.set_index(TERM).loc[form, ESTIMATE])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The six forms with their intervals (:func:`bmecohort.plots.forest_plot`)."""
        from ...plots import forest_plot

        kwargs.setdefault("log_scale", False)
        kwargs.setdefault("xlabel", "intraclass correlation")
        return forest_plot(self, ax=ax, **kwargs)


def _forms(ms: dict[str, float], n: int, k: int, alpha: float) -> pd.DataFrame:
    """Estimates and F-based intervals of the six forms (psych::ICC's formulas)."""
    msb, msj, mse, msw = ms["MSB"], ms["MSJ"], ms["MSE"], ms["MSW"]
    df1, df21, df22 = n - 1, n * (k - 1), (n - 1) * (k - 1)
    if mse == 0 and msw == 0 and msb > 0:
        # every rater gives every target the same rating: each form is 1, its F statistic
        # infinite and its F interval closes on 1 (the limit; psych::ICC prints 1 to 1),
        # which the formulas below would reach only through 0/0 and inf/inf
        return _table([(form, 1.0, 1.0, 1.0, np.inf, df1, df2) for form, df2 in (
            ("ICC1", df21), ("ICC2", df22), ("ICC3", df22), ("ICC1k", df21),
            ("ICC2k", df22), ("ICC3k", df22))])
    q = 1 - alpha / 2
    f1, f3, fj = msb / msw, msb / mse, msj / mse
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    f1l, f1u = f1 / stats.f.ppf(q, df1, df21), f1 * stats.f.ppf(q, df21, df1)
    f3l, f3u = f3 / stats.f.ppf(q, df1, df22), f3 * stats.f.ppf(q, df22, df1)
    # ICC2: Satterthwaite degrees of freedom of the denominator (Shrout and Fleiss 1979)
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f2u, f2l = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
    u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)
    rows = [
        ("ICC1", (msb - msw) / (msb + (k - 1) * msw), (f1l - 1) / (f1l + k - 1),
         (f1u - 1) / (f1u + k - 1), f1, df1, df21),
        ("ICC2", icc2, l2, u2, f3, df1, df22),
        ("ICC3", (msb - mse) / (msb + (k - 1) * mse), (f3l - 1) / (f3l + k - 1),
         (f3u - 1) / (f3u + k - 1), f3, df1, df22),
        ("ICC1k", (msb - msw) / msb, 1 - 1 / f1l, 1 - 1 / f1u, f1, df1, df21),
        ("ICC2k", (msb - mse) / (msb + (msj - mse) / n), l2 * k / (1 + l2 * (k - 1)),
         u2 * k / (1 + u2 * (k - 1)), f3, df1, df22),
        ("ICC3k", (msb - mse) / msb, 1 - 1 / f3l, 1 - 1 / f3u, f3, df1, df22),
    ]
    return _table(rows)


def _table(rows: list[tuple[str, float, float, float, float, int, int]]) -> pd.DataFrame:
    """The forms' table with the F test's p-value and each form's description."""
    table = pd.DataFrame(rows, columns=[TERM, ESTIMATE, CI_LOWER, CI_UPPER, "f", "df1", "df2"])
    table[P_VALUE] = stats.f.sf(table["f"], table["df1"], table["df2"])
    table["description"] = table[TERM].map(ICC_FORMS)
    return table[[TERM, ESTIMATE, CI_LOWER, CI_UPPER, P_VALUE, "f", "df1", "df2",
                  "description"]]


def icc(
    data: pd.DataFrame, *, targets: str, raters: str, ratings: str, alpha: float = 0.05
) -> IccResult:
    r"""The six intraclass correlations of ratings given in long form.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per rating; never modified.
    targets : str
        Column identifying what is rated (e.g. a knee at a visit, or a subregion).
    raters : str
        Column identifying the reader (or reading project).
    ratings : str
        Column of numeric ratings (a score, a volume, or a change score between visits).
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    IccResult
        ``summary()``: one row per form (``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k``) with
        ``term, estimate, ci_lower, ci_upper, p_value, n, f, df1, df2, description``;
        ``sem_agreement``, ``sdc`` and ``sdc_mean`` for the measurement error.

    Raises
    ------
    AnalysisInputError
        Missing columns, non-numeric ratings, a rater rating a target twice, fewer than two
        targets or raters with complete ratings.

    Notes
    -----
    With :math:`n` targets, :math:`k` raters and the mean squares of targets (MSB),
    raters (MSJ), residual (MSE) and within targets (MSW),

    .. math:: ICC(2,1) = \frac{MSB - MSE}{MSB + (k-1)MSE + k(MSJ - MSE)/n}

    and likewise for the other forms (Shrout and Fleiss 1979; McGraw and Wong 1996).
    Intervals and F tests are those of R ``psych::ICC`` (checked in
    ``tests/reference/agreement``). Targets without a rating from every rater are
    excluded and counted. For the reliability of change (SPARCC, RAMRIS), pass each
    reader's change score between two visits as ``ratings``: ``sdc`` is then the smallest
    detectable change of that score.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"knee": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                      "reader": ["A", "B"] * 5,
    ...                      "score": [2, 3, 5, 5, 1, 1, 7, 6, 4, 4]})
    >>> r = icc(long, targets="knee", raters="reader", ratings="score")
    >>> round(r["ICC2"], 3), r.n_targets
    (0.957, 5)
    """
    alpha = check_alpha(alpha)
    wide, accounting = wide_ratings(data, targets=targets, raters=raters, ratings=ratings)
    x = wide.to_numpy(float)
    n, k = x.shape
    grand = x.mean()
    ssb = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ssj = n * ((x.mean(axis=0) - grand) ** 2).sum()
    sse = ((x - grand) ** 2).sum() - ssb - ssj
    ms = {"MSB": ssb / (n - 1), "MSJ": ssj / (k - 1), "MSE": sse / ((n - 1) * (k - 1)),
          "MSW": (ssj + sse) / (n * (k - 1))}
    var_rater = max((ms["MSJ"] - ms["MSE"]) / n, 0.0)
    sem_agreement = float(np.sqrt(var_rater + ms["MSE"]))
    z = float(special.ndtri(0.975))
    sdc = z * np.sqrt(2) * sem_agreement
    return IccResult(
        table=_forms(ms, n, k, alpha), n_targets=n, n_raters=k,
        mean_squares={key: float(v) for key, v in ms.items()},
        sem_agreement=sem_agreement, sem_consistency=float(np.sqrt(ms["MSE"])),
        sdc=float(sdc), sdc_mean=float(sdc / np.sqrt(k)), method="icc-anova",
        alpha=alpha, accounting=accounting)
