"""Association: odds, risk and rate ratios and risk differences from counts or unit-level
data (crude and cluster-robust), Mantel-Haenszel stratified estimates (odds ratio, risk
ratio, risk difference), standardised risks by g-computation, and the reconstruction of 2x2 tables from published summaries."""

from .rate_ratio import RateRatioResult, rate_ratio_from_counts
from .reconstruct import ReconstructionResult, reconstruct_2x2
from .standardize import StandardizedRisks, standardize
from .stratified import MantelHaenszelResult, mantel_haenszel, mantel_haenszel_from_counts
from .twobytwo import (
    OddsRatioResult,
    RiskDifferenceResult,
    RiskRatioResult,
    odds_ratio_from_counts,
    risk_difference_from_counts,
    risk_ratio_from_counts,
)
from .unit_level import odds_ratio, risk_difference, risk_ratio

__all__ = [
    "MantelHaenszelResult",
    "OddsRatioResult",
    "RateRatioResult",
    "ReconstructionResult",
    "StandardizedRisks",
    "RiskDifferenceResult",
    "RiskRatioResult",
    "mantel_haenszel",
    "mantel_haenszel_from_counts",
    "odds_ratio",
    "odds_ratio_from_counts",
    "rate_ratio_from_counts",
    "reconstruct_2x2",
    "risk_difference",
    "risk_difference_from_counts",
    "risk_ratio",
    "risk_ratio_from_counts",
    "standardize",
]
