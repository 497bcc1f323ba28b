r"""Bland-Altman limits of agreement between two readers' continuous scores."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..._checks import check_alpha
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, TERM, N
from ...results import Accounting, Result, result, summary_frame
from ._ratings import paired_ratings

__all__ = ["BlandAltmanResult", "bland_altman"]


@result
class BlandAltmanResult(Result):
    r"""Mean difference (bias) and limits of agreement of two readers.

    Attributes
    ----------
    bias : float
        Mean of ``rater_a - rater_b``.
    sd : float
        Standard deviation of the differences.
    lower, upper : float
        Limits of agreement, ``bias -/+ z sd``.
    table : pandas.DataFrame
        ``term`` (bias, lower limit, upper limit), ``estimate, ci_lower, ci_upper``.
    sem : float
        Standard error of measurement of one reading, ``sd / sqrt(2)``.
    sdc : float
        Smallest detectable change of one reader, ``z sd`` (= :math:`z\sqrt{2}\,SEM`).
    means, differences : numpy.ndarray
        The per-unit means and differences the plot shows.
    rater_a, rater_b : str
    method : str
    alpha : float
    accounting : Accounting
    """

    bias: float
    sd: float
    lower: float
    upper: float
    table: pd.DataFrame
    sem: float
    sdc: float
    means: np.ndarray
    differences: np.ndarray
    rater_a: str
    rater_b: str
    method: str
    alpha: float
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """Rows ``bias``, ``lower limit``, ``upper limit`` with their intervals and ``n``."""
        return summary_frame(self.table.assign(**{N: self.accounting.n_used}).to_dict(
            "records"), extra=(N,))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Differences against means, with the bias and the limits of agreement."""
        from ...plots.agreement import bland_altman_plot

        return bland_altman_plot(self, ax=ax, **kwargs)


def bland_altman(
    data: pd.DataFrame, *, rater_a: str, rater_b: str, alpha: float = 0.05
) -> BlandAltmanResult:
    r"""Bland-Altman bias and limits of agreement of two readers' scores.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit read by both; never modified.
    rater_a, rater_b : str
        Columns of the two readers' scores (or change scores between visits).
    alpha : float, default=0.05
        One minus the confidence level, and the coverage of the limits.

    Returns
    -------
    BlandAltmanResult
        ``summary()``: ``bias``, ``lower limit``, ``upper limit`` with ``estimate,
        ci_lower, ci_upper`` and ``n``; ``sem`` and ``sdc``; ``.plot()``.

    Notes
    -----
    With differences :math:`d_i` of mean :math:`\bar d` and standard deviation :math:`s`,
    the limits are :math:`\bar d \pm z_{1-\alpha/2} s`; the interval of the bias is
    :math:`\bar d \pm t_{n-1} s/\sqrt n` and that of each limit
    :math:`\pm t_{n-1}\sqrt{3 s^2/n}` (Bland and Altman 1999, section 5.1). With two
    readers the standard error of measurement is :math:`s/\sqrt2` and the smallest
    detectable change :math:`z s` (Bruynesteyn et al. 2005, for change scores).

    Examples
    --------
    >>> import pandas as pd
    >>> reads = pd.DataFrame({"a": [10.0, 12.0, 9.0, 15.0, 11.0],
    ...                       "b": [11.0, 12.5, 8.0, 15.5, 12.0]})
    >>> ba = bland_altman(reads, rater_a="a", rater_b="b")
    >>> round(ba.bias, 2), round(ba.lower, 2), round(ba.upper, 2)
    (-0.4, -2.01, 1.21)
    """
    alpha = check_alpha(alpha)
    frame, accounting = paired_ratings(data, [rater_a, rater_b])
    a, b = frame[rater_a].to_numpy(float), frame[rater_b].to_numpy(float)
    d = a - b
    n = len(d)
    bias, sd = float(d.mean()), float(d.std(ddof=1))
    z = float(special.ndtri(1 - alpha / 2))
    t = float(stats.t.ppf(1 - alpha / 2, n - 1))
    lower, upper = bias - z * sd, bias + z * sd
    se_bias, se_limit = sd / np.sqrt(n), np.sqrt(3 * sd**2 / n)
    table = pd.DataFrame({
        TERM: ["bias", "lower limit", "upper limit"],
        ESTIMATE: [bias, lower, upper],
        CI_LOWER: [bias - t * se_bias, lower - t * se_limit, upper - t * se_limit],
        CI_UPPER: [bias + t * se_bias, lower + t * se_limit, upper + t * se_limit],
    })
    return BlandAltmanResult(
        bias=bias, sd=sd, lower=lower, upper=upper, table=table, sem=sd / np.sqrt(2),
        sdc=z * sd, means=(a + b) / 2, differences=d, rater_a=rater_a, rater_b=rater_b,
        method="bland-altman", alpha=alpha, accounting=accounting)
