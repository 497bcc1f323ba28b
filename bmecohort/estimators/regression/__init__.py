"""Regression: logistic models (GLM, GEE with robust errors, Firth) and conditional logistic
regression, proportional-odds regression of ordered grades, with a vectorised GEE solver for the common clustered designs."""

from .conditional import conditional_logistic
from .logit import OddsRatioTerm, RegressionResult, logistic
from .ordinal import OrdinalResult, ordinal

__all__ = [
    "OddsRatioTerm",
    "OrdinalResult",
    "RegressionResult",
    "conditional_logistic",
    "logistic",
    "ordinal",
]
