"""Misclassification bias analysis against hand formulas in R (Lash, Fox & Fink ch. 6).

Reference: tests/reference/effects/make_misclassification.R. Tolerance 1e-12 relative.
The probabilistic analysis is checked by invariants: fixed parameters reproduce the simple
analysis, results are identical for a seed whatever n_jobs, impossible draws are counted.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bmecohort as bc
from bmecohort.estimators.association.twobytwo import COUNT_NAMES
from bmecohort.exceptions import AnalysisInputError

REF = Path(__file__).parent / "reference" / "effects"
INPUT = pd.read_csv(REF / "inputs" / "misclassification.csv").set_index("case")
OUTPUT = pd.read_csv(REF / "outputs" / "misclassification.csv",
                     skipinitialspace=True).set_index("case")
COUNTS = {"exposed_cases": 120, "exposed_noncases": 80, "unexposed_cases": 60,
          "unexposed_noncases": 140}


def _counts(case: str) -> dict[str, int]:
    return {k: int(INPUT.loc[case, k]) for k in COUNT_NAMES}


@pytest.mark.parametrize("case", INPUT.index.tolist())
def test_simple_bias_analysis_matches_r(case: str) -> None:
    row = INPUT.loc[case]
    se = row["se_1"] if row["se_1"] == row["se_2"] else (row["se_1"], row["se_2"])
    sp = row["sp_1"] if row["sp_1"] == row["sp_2"] else (row["sp_1"], row["sp_2"])
    r = bc.correct_misclassification(_counts(case), sensitivity=se, specificity=sp,
                                     kind=row["kind"])
    ref = OUTPUT.loc[case]
    for name in COUNT_NAMES:
        assert r.corrected[name] == pytest.approx(ref[name], rel=1e-12)
    assert r.corrected_odds_ratio == pytest.approx(ref["corrected_odds_ratio"], rel=1e-12)
    assert r.corrected_risk_ratio == pytest.approx(ref["corrected_risk_ratio"], rel=1e-12)
    assert r.differential == (row["se_1"] != row["se_2"] or row["sp_1"] != row["sp_2"])


def test_perfect_classification_changes_nothing() -> None:
    r = bc.correct_misclassification(COUNTS, sensitivity=1.0, specificity=1.0)
    assert r.corrected == pytest.approx({k: float(v) for k, v in COUNTS.items()})
    assert r.corrected_odds_ratio == pytest.approx(r.odds_ratio)


def test_nondifferential_exposure_error_biases_towards_null() -> None:
    r = bc.correct_misclassification(COUNTS, sensitivity=0.85, specificity=0.9)
    assert r.corrected_odds_ratio > r.odds_ratio > 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(sensitivity=0.4, specificity=0.5), "exceed 1"),
    (dict(sensitivity=1.2, specificity=0.9), r"\(0, 1\]"),
    (dict(sensitivity=(0.9, 0.8, 0.7), specificity=0.9), "pair"),
    (dict(sensitivity=0.9, specificity=0.55), "negative true counts"),
    (dict(sensitivity=0.9, specificity=0.9, kind="both"), "kind"),
])
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(AnalysisInputError, match=match):
        bc.correct_misclassification(COUNTS, **kwargs)


def test_bad_counts() -> None:
    with pytest.raises(AnalysisInputError, match="missing"):
        bc.correct_misclassification({"exposed_cases": 1}, sensitivity=0.9, specificity=0.9)


def test_probabilistic_fixed_parameters_equal_simple() -> None:
    simple = bc.correct_misclassification(COUNTS, sensitivity=0.88, specificity=0.93)
    prob = bc.probabilistic_misclassification(COUNTS, sensitivity=0.88, specificity=0.93,
                                              iterations=2000, seed=3)
    assert prob.systematic == pytest.approx((simple.corrected_odds_ratio,) * 3, rel=1e-12)
    # total error: the corrected estimate spread by the observed table's Woolf error
    assert prob.total[1] < simple.corrected_odds_ratio < prob.total[2]
    log_width = np.log(prob.total[2] / prob.total[1])
    assert log_width == pytest.approx(np.log(prob.ci_upper / prob.ci_lower), rel=0.1)


def test_probabilistic_identical_whatever_n_jobs() -> None:
    options = dict(sensitivity=stats.beta(88, 12), specificity=(stats.uniform(0.9, 0.08),
                                                                stats.uniform(0.88, 0.1)),
                   iterations=25_000, seed=11)
    one = bc.probabilistic_misclassification(COUNTS, **options, n_jobs=1)
    two = bc.probabilistic_misclassification(COUNTS, **options, n_jobs=2)
    np.testing.assert_array_equal(one.draws, two.draws)
    assert one.summary().equals(two.summary())
    assert one.seed == 11


def test_probabilistic_counts_impossible_draws() -> None:
    r = bc.probabilistic_misclassification(COUNTS, sensitivity=stats.uniform(0.7, 0.3),
                                           specificity=stats.uniform(0.5, 0.5),
                                           iterations=5000, seed=2)
    assert 0 < r.valid < r.iterations
    assert r.warnings and "negative" in r.warnings[0]
    assert list(r.summary()["term"]) == ["conventional", "systematic error", "total error"]


def test_plots_on_log_scale() -> None:
    ax = bc.correct_misclassification(COUNTS, sensitivity=0.9, specificity=0.9).plot()
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)
    ax = bc.probabilistic_misclassification(COUNTS, sensitivity=0.9, specificity=0.9,
                                            iterations=1000, seed=1).plot()
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


def test_validation_distributions_carry_reader_error() -> None:
    se, sp = bc.validation_distributions(true_positives=44, false_negatives=6,
                                         true_negatives=140, false_positives=10)
    assert se.mean() == pytest.approx(45 / 52)
    assert sp.mean() == pytest.approx(141 / 152)
    r = bc.probabilistic_misclassification(COUNTS, sensitivity=se, specificity=sp,
                                           iterations=5000, seed=4)
    assert r.systematic[1] < r.systematic[0] < r.systematic[2]
    with pytest.raises(AnalysisInputError, match="whole numbers"):
        bc.validation_distributions(true_positives=-1, false_negatives=6, true_negatives=1,
                                    false_positives=1)
