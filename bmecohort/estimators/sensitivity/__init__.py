"""Sensitivity analyses: unmeasured confounding (E-values), misclassification of the
lesion or the outcome (simple and probabilistic bias analysis), multiplicity of tests."""

from .evalue import EValueResult, evalue
from .misclassification import (
    MisclassificationResult,
    ProbabilisticBiasResult,
    correct_misclassification,
    probabilistic_misclassification,
    validation_distributions,
)
from .multiplicity import adjust_pvalues

__all__ = [
    "EValueResult",
    "MisclassificationResult",
    "ProbabilisticBiasResult",
    "adjust_pvalues",
    "correct_misclassification",
    "evalue",
    "probabilistic_misclassification",
    "validation_distributions",
]
