"""Longitudinal models over every visit: linear mixed models of repeated scores (random
intercepts, slopes, knees nested in persons) and likelihood-ratio comparisons."""

from .mixed import LikelihoodRatioResult, MixedModelResult, likelihood_ratio, mixed_model

__all__ = ["LikelihoodRatioResult", "MixedModelResult", "likelihood_ratio", "mixed_model"]
