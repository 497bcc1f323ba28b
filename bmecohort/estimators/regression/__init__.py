"""Regression: logistic models (GLM, GEE with robust errors, Firth), GEE for the binomial,
Poisson and Gaussian families with any working correlation, conditional logistic regression
and proportional-odds regression of ordered grades, with a vectorised GEE solver for the
common clustered designs."""

from .conditional import conditional_logistic
from .gee import GEEResult, gee
from .logit import OddsRatioTerm, RegressionResult, logistic
from .ordinal import OrdinalResult, ordinal

__all__ = [
    "GEEResult",
    "OddsRatioTerm",
    "OrdinalResult",
    "RegressionResult",
    "conditional_logistic",
    "gee",
    "logistic",
    "ordinal",
]
