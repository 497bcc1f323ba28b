"""knee_cohort's known truth: calibration, recovery by statsmodels fits, CI coverage.

One large cohort (participants are independent and identically distributed given the
parameters) serves both purposes: fitted whole, the estimates must contain the truth in their
99.9% intervals; split into 200 disjoint groups of 200 participants, the groups are 200
independent replicate studies whose 95% intervals must cover the truth at a rate consistent
with 95% (binomial tolerance, one-sided 0.1%).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _glm_coverage import glm_coverage
from scipy import stats

from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.simulate import knee_cohort, true_effects

N_PERSONS, GROUP = 40_000, 200
N_REPLICATES = N_PERSONS // GROUP
MEDIAL = ["FMC", "FMP", "TMA", "TMC", "TMP"]
TRUTH = true_effects("knee")
Z999 = stats.norm.isf(0.0005)


@pytest.fixture(scope="module")
def knees() -> pd.DataFrame:
    """One row per knee: BML, pain, structure at months 0 and 24, covariates, person code."""
    cohort = knee_cohort(N_PERSONS, seed=2024, dropout=0.0)
    reads = cohort.lesion_reads
    keys = ["participant_id", "side", "visit"]
    size = reads.groupby(keys, observed=True)["score"].max().unstack("visit")
    medial = reads[reads["site"].isin(MEDIAL) & (reads["visit"] == 0)].groupby(
        keys[:2], observed=True)["score"].max()
    out = cohort.knee_outcomes.set_index(keys)
    wide = {c: out[c].astype(float).unstack("visit") for c in
            ("frequent_knee_pain", "jsn_medial", "cartilage_defect", "womac_pain")}
    frame = pd.DataFrame({
        "size0": size[0], "size24": size[24],
        "medial0": (medial >= 1).astype(float),
        "pain0": wide["frequent_knee_pain"][0], "pain24": wide["frequent_knee_pain"][24],
        "jsn_prog": (wide["jsn_medial"][24] > wide["jsn_medial"][0]).astype(float),
        "cart_prog": (wide["cartilage_defect"][24] > wide["cartilage_defect"][0]).astype(float),
        "align_c": out["alignment_deg"].xs(0, level="visit") - 1.0,
    }).reset_index()
    bmi = cohort.participants.set_index("participant_id")["bmi"]
    frame["bmi_c"] = frame["participant_id"].map(bmi).to_numpy() - 27.0
    frame["person"] = pd.factorize(frame["participant_id"])[0]
    frame["group"] = frame["person"] // GROUP
    frame["bml0"] = (frame["size0"] >= 1).astype(float)
    frame["bml24"] = (frame["size24"] >= 1).astype(float)
    frame.attrs["womac"] = wide["womac_pain"]
    frame.attrs["size"] = size
    return frame


def glm(data: pd.DataFrame, outcome: str, terms: list[str]):
    """Logistic GLM with person-clustered (robust) covariance: independence GEE."""
    return sm.GLM(data[outcome], sm.add_constant(data[terms], has_constant="add"),
                  family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": data["person"].to_numpy()})


def gee(data: pd.DataFrame, outcome: str, terms: list[str]) -> SimpleNamespace:
    """Logistic GEE, exchangeable working correlation within persons, robust covariance.

    Fitted on the first 8,000 persons by bmecohort's vectorised GEE solver (fit_fast_gee:
    statsmodels' GEE numbers, to about 1e-7 here and 1e-8 on 200 random designs in
    test_fastgee.py; statsmodels itself loops over clusters in Python, about 4 s a fit).
    ``params``, ``bse`` by term (``const`` first) and the working correlation ``dep_param``.
    """
    data = data[data["group"] < 8_000 // GROUP]
    fit = fit_fast_gee(data[outcome].to_numpy(float),
                       sm.add_constant(data[terms].to_numpy(float), has_constant="add"),
                       data["person"].to_numpy(), family="binomial",
                       cov_struct="exchangeable")
    assert fit.converged
    names = ["const", *terms]
    return SimpleNamespace(params=pd.Series(fit.params, index=names),
                           bse=pd.Series(fit.bse, index=names),
                           dep_param=float(fit.dep_param))


def assert_contains(fit, term: str, true_log: float) -> None:
    est, se = fit.params[term], fit.bse[term]
    assert abs(est - true_log) < Z999 * se, (term, np.exp(est), np.exp(true_log), se)


def coverage(data: pd.DataFrame, outcome: str, terms: list[str], term: str,
             true_log: float) -> int:
    """Replicates (groups) whose 95% cluster-robust Wald interval covers ``true_log``.

    ``glm``'s model and intervals, every group fitted at once (see _glm_coverage.py).
    """
    column = 1 + terms.index(term)
    return glm_coverage(data[outcome].to_numpy(float), data[terms].to_numpy(float),
                        data["person"].to_numpy(), data["group"].to_numpy(),
                        {column: true_log})[column]


def assert_coverage(covered: int, replicates: int = N_REPLICATES) -> None:
    low = stats.binom.ppf(0.001, replicates, 0.95)
    assert low <= covered, f"coverage {covered}/{replicates} below {low}"


def truth_log(effect: str) -> float:
    return float(np.log(TRUTH.loc[effect, "value"]))


def test_knee_level_incidence_resolution_and_prevalence_are_calibrated(knees) -> None:
    free, with_bml = knees[knees["bml0"] == 0], knees[knees["bml0"] == 1]
    for data, outcome, target in ((knees, "bml0", 37 / 271), (free, "bml24", 33 / 234),
                                  (with_bml.assign(res=1 - with_bml["bml24"]), "res",
                                   17 / 37)):
        fit = glm(data, outcome, [])
        assert_contains(fit, "const", float(np.log(target / (1 - target))))
    assert free["bml24"].mean() == pytest.approx(0.14, abs=0.01)
    assert 1 - with_bml["bml24"].mean() == pytest.approx(0.46, abs=0.02)


def test_bmi_or_for_incident_bml_is_recovered(knees) -> None:
    free = knees[knees["bml0"] == 0]
    fit = gee(free, "bml24", ["bmi_c"])
    assert_contains(fit, "bmi_c", truth_log("bmi_or"))
    assert_contains(fit, "const", TRUTH.loc["bmi_intercept", "value"])
    assert fit.dep_param > 0.05  # the two knees really are correlated
    assert_coverage(coverage(free, "bml24", ["bmi_c"], "bmi_c", truth_log("bmi_or")))


def test_incident_pain_or_for_incident_bml_is_recovered(knees) -> None:
    at_risk = knees[(knees["bml0"] == 0) & (knees["pain0"] == 0)]
    fit = gee(at_risk, "pain24", ["bml24"])
    assert_contains(fit, "bml24", truth_log("pain_or"))
    p = TRUTH.loc["pain_incidence", "value"]
    assert_contains(fit, "const", float(np.log(p / (1 - p))))
    assert_coverage(coverage(at_risk, "pain24", ["bml24"], "bml24", truth_log("pain_or")))


def test_medial_jsn_progression_crude_and_alignment_adjusted_ors(knees) -> None:
    adjusted = gee(knees, "jsn_prog", ["medial0", "align_c"])
    assert_contains(adjusted, "medial0", truth_log("jsn_adjusted_or"))
    assert_contains(adjusted, "align_c", truth_log("jsn_alignment_or"))
    crude = glm(knees, "jsn_prog", ["medial0"])  # independence: alignment is omitted
    assert_contains(crude, "medial0", np.log(6.5))
    assert np.exp(crude.params["medial0"]) > 1.5 * np.exp(adjusted.params["medial0"])
    r0 = TRUTH.loc["jsn_unexposed_risk", "value"]
    assert_contains(crude, "const", float(np.log(r0 / (1 - r0))))
    assert_coverage(coverage(knees, "jsn_prog", ["medial0", "align_c"], "medial0",
                             truth_log("jsn_adjusted_or")))
    assert_coverage(coverage(knees, "jsn_prog", ["medial0"], "medial0", np.log(6.5)))


def test_cartilage_defect_progression_by_baseline_bml_size(knees) -> None:
    data = knees.assign(**{f"s{k}": (knees["size0"] == k).astype(float) for k in (1, 2, 3)})
    fit = glm(data, "cart_prog", ["s1", "s2", "s3"])
    for k in (1, 2, 3):
        assert_contains(fit, f"s{k}", truth_log(f"cartilage_or_size{k}"))
    assert TRUTH.loc["cartilage_or_size3", "value"] == 5.55


def test_womac_pain_fluctuates_with_bml_size_within_knees(knees) -> None:
    womac, size = knees.attrs["womac"], knees.attrs["size"]
    long = pd.DataFrame({"womac": womac.stack(), "size": size.stack()}).reset_index()
    knee = long["participant_id"].astype(str) + long["side"].astype(str)
    within = long[["womac", "size"]] - long.groupby(knee)[["womac", "size"]].transform("mean")
    groups = pd.factorize(long["participant_id"])[0]
    fit = sm.OLS(within["womac"], within[["size"]]).fit(cov_type="cluster",
                                                         cov_kwds={"groups": groups})
    assert abs(fit.params["size"] - 1.5) < Z999 * fit.bse["size"]
    assert TRUTH.loc["womac_per_grade", "value"] == 1.5
