"""Longitudinal models over every visit: linear mixed models of repeated scores (random
intercepts, slopes, knees nested in persons), likelihood-ratio comparisons, and multi-state
Markov models of lesion states observed at irregular visits."""

from .mixed import LikelihoodRatioResult, MixedModelResult, likelihood_ratio, mixed_model
from .multistate import MultistateResult, multistate

__all__ = [
    "LikelihoodRatioResult",
    "MixedModelResult",
    "MultistateResult",
    "likelihood_ratio",
    "mixed_model",
    "multistate",
]
