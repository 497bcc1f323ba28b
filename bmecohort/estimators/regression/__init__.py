"""Regression: logistic models (GLM, GEE with robust errors, Firth), GEE for the binomial,
Poisson and Gaussian families with any working correlation, and conditional logistic
regression, with a vectorised GEE solver for the common clustered designs."""

from .conditional import conditional_logistic
from .gee import GEEResult, gee
from .logit import OddsRatioTerm, RegressionResult, logistic

__all__ = ["GEEResult", "OddsRatioTerm", "RegressionResult", "conditional_logistic", "gee",
           "logistic"]
