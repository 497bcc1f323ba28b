"""E-values against the paper's formulas implemented in R and its worked example.

Reference: tests/reference/effects/make_evalue.R (VanderWeele & Ding 2017; the EValue
package is not in Debian, so R computes the paper's equations). Tolerance 1e-10 relative.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.estimators.sensitivity.evalue import evalue, evalue_rr
from bmecohort.exceptions import AnalysisInputError

REF = Path(__file__).parent / "reference" / "effects"
INPUTS = pd.read_csv(REF / "inputs" / "evalue.csv")
OUTPUTS = pd.read_csv(REF / "outputs" / "evalue.csv").set_index("case")


def _opt(value: object) -> object:
    return None if pd.isna(value) else value


@pytest.mark.parametrize("case", INPUTS["case"].tolist())
def test_evalue_matches_r(case: str) -> None:
    row = INPUTS.set_index("case").loc[case]
    rare = _opt(row["rare_outcome"])
    r = evalue(row["estimate"], _opt(row["ci_lower"]), _opt(row["ci_upper"]),
               measure=row["measure"], rare_outcome=None if rare is None else bool(rare),
               baseline_risk=_opt(row["baseline_risk"]))
    ref = OUTPUTS.loc[case]
    assert r.rr_equivalent == pytest.approx(ref["rr_equivalent"], rel=1e-10)
    assert r.evalue == pytest.approx(ref["evalue"], rel=1e-10)
    if pd.isna(ref["evalue_ci"]):
        assert math.isnan(r.evalue_ci)
    else:
        assert r.evalue_ci == pytest.approx(ref["evalue_ci"], rel=1e-10)


def test_paper_example_published_values() -> None:
    # VanderWeele & Ding 2017, breastfeeding example: E-values 7.26 and 3.0 as printed
    r = bc.evalue(3.9, 1.8, 8.7)
    assert round(r.evalue, 2) == 7.26
    assert round(r.evalue_ci, 2) == 3.00


def test_null_estimate_and_symmetry() -> None:
    assert float(evalue_rr(1.0)) == 1.0
    assert evalue(2.0).evalue == pytest.approx(evalue(0.5).evalue)
    assert evalue(2.0, 0.9, 4.0).evalue_ci == 1.0


def test_summary_columns() -> None:
    frame = evalue(2.0, 1.2, 3.0, term="bml").summary()
    assert list(frame.columns) == ["term", "estimate", "ci_lower", "ci_upper", "p_value",
                                   "rr_equivalent", "evalue", "evalue_ci"]
    assert frame["term"].tolist() == ["bml"]


def test_or_needs_rarity_or_risk() -> None:
    with pytest.raises(AnalysisInputError, match="rare_outcome"):
        evalue(2.0, 1.1, 3.0, measure="or")
    assert evalue(4.0, measure="or", baseline_risk=0.3).rare_outcome is False
    assert evalue(4.0, measure="or", baseline_risk=0.1).rr_equivalent == 4.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(estimate=2.0, ci_lower=2.5, ci_upper=3.0), "surround"),
    (dict(estimate=-1.0), "non-negative"),
    (dict(estimate=2.0, ci_lower=1.0), "both confidence limits"),
    (dict(estimate=0.1, measure="rd"), "baseline_risk"),
    (dict(estimate=0.1, measure="xx"), "measure"),
    (dict(estimate=0.5, measure="rd", baseline_risk=0.7), r"\[0, 1\]"),
])
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(AnalysisInputError, match=match):
        evalue(**kwargs)


def test_results_evalue_method() -> None:
    counts = dict(exposed_cases=27, exposed_noncases=48, unexposed_cases=12,
                  unexposed_noncases=136)
    odds = bc.odds_ratio_from_counts(**counts)
    # overall risk 39/223 = 0.175 >= 0.15: common outcome, square-root conversion
    e = odds.evalue()
    assert e.rare_outcome is False
    assert e.evalue == pytest.approx(float(evalue_rr(math.sqrt(odds.estimate))))
    rr = bc.risk_ratio_from_counts(**counts).evalue()
    assert rr.evalue == pytest.approx(float(evalue_rr(rr.estimate)))
    assert rr.evalue_ci == pytest.approx(float(evalue_rr(rr.ci_lower)))
    rd = bc.risk_difference_from_counts(**counts).evalue()
    # a risk difference at the unexposed risk is the risk ratio
    assert rd.rr_equivalent == pytest.approx(bc.risk_ratio_from_counts(**counts).estimate)
    rate = bc.rate_ratio_from_counts(exposed_events=33, exposed_person_time=420.0,
                                     unexposed_events=17, unexposed_person_time=512.5)
    assert rate.evalue().rr_equivalent == pytest.approx(rate.estimate)


def test_evalue_plot() -> None:
    ax = evalue(3.9, 1.8, 8.7).plot()
    assert len(ax.get_lines()) >= 4
    plt.close(ax.figure)


def test_regression_and_cox_evalue() -> None:
    data = pd.read_csv(Path(__file__).parent / "reference" / "association" / "inputs"
                       / "clustered_a.csv")
    fit = bc.logistic(data, outcome="outcome", exposures="exposure")
    term = fit.summary()["term"].iloc[0]
    e = fit.evalue(term)
    row = fit.summary().iloc[0]
    assert e.estimate == pytest.approx(row["estimate"])
    with pytest.raises(AnalysisInputError, match="term"):
        fit.evalue("nope")
    data = data.assign(time=1.0 + (data["participant_id"] % 7), event=data["outcome"])
    hr = bc.cox(data, duration="time", event="event", covariates=["exposure"])
    e = hr.evalue("exposure")
    assert e.measure == "hr"
    assert e.estimate == pytest.approx(hr.summary()["estimate"].iloc[0])


def test_mantel_haenszel_risk_difference_uses_unexposed_risk() -> None:
    tables = pd.DataFrame({"exposed_cases": [20, 12], "exposed_noncases": [15, 10],
                           "unexposed_cases": [10, 8], "unexposed_noncases": [30, 25]})
    rd = bc.mantel_haenszel_from_counts(tables, measure="rd")
    e = rd.evalue()
    assert e.baseline_risk == pytest.approx(18 / 73)
    assert e.rr_equivalent == pytest.approx((18 / 73 + rd.estimate) / (18 / 73))
    odds = bc.mantel_haenszel_from_counts(tables).evalue()
    assert odds.measure == "or" and odds.rare_outcome is False  # 50/130 cases


def test_odds_ratio_term_evalue() -> None:
    data = pd.read_csv(Path(__file__).parent / "reference" / "association" / "inputs"
                       / "clustered_a.csv")
    fit = bc.logistic(data, outcome="outcome", exposures="exposure")
    term = fit.summary()["term"].iloc[0]
    assert fit.odds_ratio(term).evalue().evalue == pytest.approx(fit.evalue(term).evalue)
