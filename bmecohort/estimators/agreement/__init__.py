"""Agreement between readers: Cohen's and Fleiss' kappa, the six intraclass correlations,
Bland-Altman limits of agreement, and the standard error of measurement and smallest
detectable change, for status scores and for change scores between visits."""

from .icc import ICC_FORMS, IccResult, icc
from .kappa import FleissKappaResult, KappaResult, fleiss_kappa, kappa
from .limits import BlandAltmanResult, bland_altman

__all__ = [
    "ICC_FORMS",
    "BlandAltmanResult",
    "FleissKappaResult",
    "IccResult",
    "KappaResult",
    "bland_altman",
    "fleiss_kappa",
    "icc",
    "kappa",
]
