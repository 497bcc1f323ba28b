r"""Kaplan-Meier pointwise intervals on the scales R's ``survfit(conf.type=)`` offers.

lifelines gives only the log(-log) ("exponential Greenwood") interval. With Greenwood's
:math:`\sigma^2(t) = \sum_{t_i \le t} d_i / (n_i (n_i - d_i))` (the variance of
:math:`\log \hat S(t)`):

- ``"log"`` (R's default): :math:`\hat S(t)\exp(\pm z\sigma(t))`, upper limit capped at 1;
- ``"plain"``: :math:`\hat S(t)(1 \pm z\sigma(t))`, clipped to [0, 1];
- ``"log-log"``: :math:`\hat S(t)^{\exp(\pm z\sigma(t)/\log\hat S(t))}` (lifelines, Stata).

Where :math:`\hat S(t) = 0` no interval exists (NaN, as R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["CONF_TYPES", "greenwood_band", "sigma_band"]

CONF_TYPES: tuple[str, ...] = ("log-log", "log", "plain")


def greenwood_band(
    at_risk: np.ndarray, events: np.ndarray, estimate: np.ndarray, conf_type: str,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits at every row of a Kaplan-Meier table (rows in time order)."""
    n = np.asarray(at_risk, dtype=float)
    d = np.asarray(events, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)))
    return sigma_band(sigma, estimate, conf_type, alpha)


def sigma_band(sigma: np.ndarray, estimate: np.ndarray, conf_type: str, alpha: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits from the standard error ``sigma`` of :math:`\\log\\hat S(t)`."""
    s = np.asarray(estimate, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    z = special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lower, upper = s * np.exp(-z * sigma), np.minimum(s * np.exp(z * sigma), 1.0)
        elif conf_type == "plain":
            lower = np.clip(s * (1 - z * sigma), 0.0, 1.0)
            upper = np.clip(s * (1 + z * sigma), 0.0, 1.0)
        else:
            power = np.exp(z * sigma / np.log(s))
            lower, upper = s ** (1 / power), s ** power
            at_one = s >= 1
            lower, upper = np.where(at_one, 1.0, lower), np.where(at_one, 1.0, upper)
    undefined = (s <= 0) | ~np.isfinite(sigma)
    return np.where(undefined, np.nan, lower), np.where(undefined, np.nan, upper)


def band_frame(times: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> pd.DataFrame:
    """The band as lifelines' two-column interval frame (for ``median_survival_times``)."""
    return pd.DataFrame({"lower": lower, "upper": upper}, index=pd.Index(times, name="time"))
