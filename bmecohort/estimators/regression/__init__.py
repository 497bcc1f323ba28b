"""Regression: logistic models (GLM, GEE with robust errors, Firth) and conditional logistic
regression, with a vectorised GEE solver for the common clustered designs."""

from .conditional import conditional_logistic
from .logit import OddsRatioTerm, RegressionResult, logistic

__all__ = ["OddsRatioTerm", "RegressionResult", "conditional_logistic", "logistic"]
