"""Sensitivity analyses: unmeasured confounding (E-values), misclassification of the
lesion or the outcome (simple and probabilistic bias analysis), multiplicity of tests."""

from .evalue import EValueResult, evalue
from .multiplicity import adjust_pvalues

__all__ = ["EValueResult", "adjust_pvalues", "evalue"]
