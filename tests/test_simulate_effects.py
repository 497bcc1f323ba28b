"""The known truth of the spine, RA, hip and hand generators: recovery and coverage.

As in test_simulate_knee.py: one large simulated population per generator is fitted whole
(the truth must lie in the 99.9% interval) and split into 200 disjoint groups of the
published study's size, whose 95% intervals must cover the truth at a rate consistent with
95% (binomial, one-sided 0.1%). Participants are independent given the parameters, so the
groups are independent replicate studies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _glm_coverage import glm_coverage
from lifelines import KaplanMeierFitter, LogNormalAFTFitter, LogNormalFitter
from scipy import stats

from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.simulate import (
    hand_oa_joints,
    hip_cohort,
    ra_bone_cohort,
    spine_cohort,
    true_effects,
)

REPLICATES = 200
Z999 = stats.norm.isf(0.0005)


def glm(y: np.ndarray, x: np.ndarray, groups: np.ndarray):
    """Logistic GLM (intercept added) with cluster-robust covariance: independence GEE."""
    return sm.GLM(y, sm.add_constant(x, has_constant="add"),
                  family=sm.families.Binomial()).fit(cov_type="cluster",
                                                     cov_kwds={"groups": groups})


def gee(y: np.ndarray, x: np.ndarray, groups: np.ndarray):
    """Logistic GEE with an exchangeable working correlation and robust covariance.

    bmecohort's vectorised GEE solver (fit_fast_gee: statsmodels' GEE numbers to 1e-8 on 200
    random designs in test_fastgee.py; statsmodels loops over clusters in Python, 2-3 s a
    fit here).
    """
    fit = fit_fast_gee(np.asarray(y, dtype=float), sm.add_constant(x, has_constant="add"),
                       np.asarray(groups), family="binomial", cov_struct="exchangeable")
    assert fit.converged
    return fit


def assert_contains(fit, column: int, true_value: float, *, log: bool = True) -> None:
    target = np.log(true_value) if log else true_value
    est, se = fit.params[column], fit.bse[column]
    assert abs(est - target) < Z999 * se, (column, est, target, se)


def coverage(y: np.ndarray, x: np.ndarray, person: np.ndarray, group: np.ndarray,
             columns: dict[int, float]) -> dict[int, int]:
    """Per coefficient column: replicate groups whose 95% interval covers log(truth).

    ``glm``'s intervals, every group fitted at once (see _glm_coverage.py).
    """
    return glm_coverage(y, x, person, group,
                        {column: float(np.log(truth)) for column, truth in columns.items()})


def assert_coverage(covered: dict[int, int], replicates: int = REPLICATES) -> None:
    low = stats.binom.ppf(0.001, replicates, 0.95)
    assert all(low <= c for c in covered.values()), (covered, low)


# --- spine: new syndesmophytes by MRI corner lesions (Chiowchanwisawakit 2011) -------------
@pytest.fixture(scope="module")
def corners() -> pd.DataFrame:
    cohort = spine_cohort(100 * REPLICATES, seed=31)
    sc = cohort.spine_corners
    keys = ["participant_id", "level", "corner"]
    wide = sc.set_index([*keys, "visit"])["msasss"].unstack("visit")
    mri = sc[sc["visit"] == 0].set_index(keys)[["mri_inflammation", "mri_fat"]]
    data = wide.join(mri).reset_index()
    data = data[data[0] <= 1].copy()  # corners at risk
    data["new"] = (data[24] >= 2).astype(float)
    data["person"] = pd.factorize(data["participant_id"])[0]
    data["group"] = data["person"] // 100
    infl, fat = data["mri_inflammation"], data["mri_fat"]
    data["infl_only"] = (infl * (1 - fat)).astype(float)
    data["fat_only"] = ((1 - infl) * fat).astype(float)
    data["both"] = (infl * fat).astype(float)
    return data


def test_spine_corner_class_ors_are_recovered(corners) -> None:
    truth = true_effects("spine")
    cells = ["infl_only", "fat_only", "both"]
    sub = corners[corners["group"] < 20]  # 2,000 patients for statsmodels' GEE
    fit = gee(sub["new"].to_numpy(), sub[cells].to_numpy(float), sub["person"].to_numpy())
    for column, effect in enumerate(("inflammation_or", "fat_or", "both_or"), start=1):
        assert_contains(fit, column, truth.loc[effect, "value"])
    assert_contains(fit, 0, truth.loc["neither_risk", "value"] / (
        1 - truth.loc["neither_risk", "value"]))
    main = glm(corners["new"].to_numpy(), corners[["mri_inflammation", "mri_fat"]].to_numpy(),
               corners["person"].to_numpy())
    assert_contains(main, 1, truth.loc["inflammation_main_or", "value"])
    assert_contains(main, 2, truth.loc["fat_main_or", "value"])


def test_spine_corner_class_ors_cover_at_95_percent(corners) -> None:
    truth = true_effects("spine")
    covered = coverage(corners["new"].to_numpy(),
                       corners[["infl_only", "fat_only", "both"]].to_numpy(float),
                       corners["person"].to_numpy(), corners["group"].to_numpy(),
                       {1: truth.loc["inflammation_or", "value"],
                        2: truth.loc["fat_or", "value"], 3: truth.loc["both_or", "value"]})
    assert_coverage(covered)


# --- RA: erosive progression by baseline BME and synovitis (Nieuwenhuis 2016) -------------
def _bones(model: str, n: int, seed: int) -> pd.DataFrame:
    bones = ra_bone_cohort(n, seed=seed, model=model).ra_bones
    wide = bones.set_index(["participant_id", "bone", "visit"])[
        ["bme", "erosion", "synovitis"]].unstack("visit")
    data = pd.DataFrame({
        "y": (wide["erosion"][12] - wide["erosion"][0] >= 1).astype(float),
        "bme": (wide["bme"][0] > 0).astype(float),
        "syn": (wide["synovitis"][0] > 0).astype(float),
        "pbme": (wide["bme"] > 0).all(axis=1).astype(float),
        "psyn": (wide["synovitis"] > 0).all(axis=1).astype(float),
    }).reset_index()
    data["person"] = pd.factorize(data["participant_id"])[0]
    data["group"] = data["person"] // 60
    return data


@pytest.fixture(scope="module")
def bones() -> pd.DataFrame:
    return _bones("baseline", 60 * REPLICATES, seed=41)


def _strata(data: pd.DataFrame):
    """(name, rows, exposure) of the paper's three stratified analyses."""
    return (("bme_synovitis_or", data["syn"] == 1, "bme"),
            ("bme_no_synovitis_or", data["syn"] == 0, "bme"),
            ("synovitis_no_bme_or", data["bme"] == 0, "syn"))


def test_ra_stratified_baseline_ors_are_recovered(bones) -> None:
    truth = true_effects("ra")
    for effect, rows, exposure in _strata(bones):
        part = bones[rows]
        fit = glm(part["y"].to_numpy(), part[[exposure]].to_numpy(), part["person"].to_numpy())
        assert_contains(fit, 1, truth.loc[effect, "value"])
        assert truth.loc[effect, "exact"]
    # the fourth stratified OR is implied (7.5 x 1.9 / 6.9), not the published 2.0
    part = bones[bones["bme"] == 1]
    fit = glm(part["y"].to_numpy(), part[["syn"]].to_numpy(), part["person"].to_numpy())
    assert_contains(fit, 1, truth.loc["synovitis_bme_or", "value"])
    courses = bones[bones["bme"] == 1]
    assert courses["pbme"].mean() == pytest.approx(0.56, abs=0.015)


def test_ra_stratified_baseline_ors_cover_at_95_percent(bones) -> None:
    truth = true_effects("ra")
    for effect, rows, exposure in _strata(bones):
        part = bones[rows]
        covered = coverage(part["y"].to_numpy(), part[[exposure]].to_numpy(float),
                           part["person"].to_numpy(), part["group"].to_numpy(),
                           {1: truth.loc[effect, "value"]})
        assert_coverage(covered)


def test_ra_course_model_recovers_the_persistent_bme_gee() -> None:
    data = _bones("course", 3000, seed=42)
    truth = true_effects("ra", model="course")
    fit = gee(data["y"].to_numpy(), data[["pbme", "psyn"]].to_numpy(), data["person"].to_numpy())
    assert_contains(fit, 1, truth.loc["persistent_bme_or", "value"])
    assert_contains(fit, 2, truth.loc["persistent_synovitis_or", "value"])
    part = data[data["syn"] == 1]
    crude = glm(part["y"].to_numpy(), part[["bme"]].to_numpy(), part["person"].to_numpy())
    assert_contains(crude, 1, truth.loc["bme_synovitis_or", "value"])


# --- hip: Koo 1999 and the BMES course (lifelines) -----------------------------------------
def test_hip_bme_pain_association_and_features() -> None:
    cohort = hip_cohort(20_000, seed=51)
    truth = true_effects("hip")
    cases = cohort.hip_cases
    avn = cases[cases["diagnosis"] == "avn"]
    person = pd.factorize(avn["participant_id"])[0]
    fit = glm(avn["bme"].to_numpy(float), avn[["painful"]].to_numpy(float), person)
    assert_contains(fit, 1, truth.loc["bme_pain_or", "value"])
    assert_contains(fit, 0, truth.loc["bme_if_painless", "value"] / (
        1 - truth.loc["bme_if_painless", "value"]))
    first = cases.drop_duplicates("participant_id").merge(cohort.participants)
    for diagnosis, effect in (("bmes", "bmes_male"), ("avn", "avn_male")):
        men = (first.loc[first["diagnosis"] == diagnosis, "sex"] == "M").to_numpy(float)
        fit = glm(men, np.zeros((len(men), 0)), np.arange(len(men)))
        p = truth.loc[effect, "value"]
        assert_contains(fit, 0, p / (1 - p))
    hips = cases.groupby("participant_id")["diagnosis"].agg(["first", "size"])
    avn_two = (hips.loc[hips["first"] == "avn", "size"] == 2).to_numpy(float)
    fit = glm(avn_two, np.zeros((len(avn_two), 0)), np.arange(len(avn_two)))
    assert_contains(fit, 0, 0.55 / 0.45)


def _bmes_times(n: int, seed: int, follow_up: float) -> pd.DataFrame:
    cases = hip_cohort(n, seed=seed, follow_up_months=follow_up).hip_cases
    first = cases[cases["diagnosis"] == "bmes"].drop_duplicates("participant_id")
    resolved = first["resolved"].astype(bool).to_numpy()
    return pd.DataFrame({
        "months": np.where(resolved, first["months_to_resolution"], follow_up),
        "resolved": resolved,
        "person": pd.factorize(first["participant_id"])[0],
    })


def test_bmes_resolution_time_is_recovered_by_lifelines() -> None:
    truth = true_effects("hip")
    median, sigma = truth.loc["bmes_median_months", "value"], truth.loc["bmes_sigma", "value"]
    times = _bmes_times(6000, seed=52, follow_up=12.0)
    assert 0.2 < 1 - times["resolved"].mean() < 0.4  # real censoring at 12 months
    fit = LogNormalFitter().fit(times["months"], times["resolved"])
    for name, value in (("mu_", np.log(median)), ("sigma_", sigma)):
        row = fit.summary.loc[name]
        assert abs(row["coef"] - value) < Z999 * row["se(coef)"], (name, row["coef"], value)
    km = KaplanMeierFitter().fit(times["months"], times["resolved"])
    assert km.median_survival_time_ == pytest.approx(median, abs=0.3)


def test_bmes_lognormal_intervals_cover_at_95_percent() -> None:
    # 80 replicate studies of 100 participants (about 50 BMES). lifelines' LogNormalFitter
    # takes about 0.2 s a fit, so the replicates are fitted 20 at a time by one
    # LogNormalAFTFitter with a mu and a log-sigma per replicate (indicator columns, no
    # intercept): its log-likelihood is a sum of the replicates' own, so each replicate's MLE
    # and its block of the (block-diagonal) information are a separate fit's, and the Wald
    # interval of mu does not depend on how sigma is parametrised. One replicate is refitted
    # alone to check that (1e-4).
    replicates, chunk = 80, 20
    truth = true_effects("hip")
    target = np.log(truth.loc["bmes_median_months", "value"])
    times = _bmes_times(100 * replicates, seed=53, follow_up=12.0)
    group = times["person"].to_numpy() // 50  # the last, incomplete group is not used
    rows = []
    for first in range(0, replicates, chunk):
        rows_in = (group >= first) & (group < first + chunk)
        part = times[rows_in]
        labels = pd.Categorical(group[rows_in] - first, categories=range(chunk))
        frame = pd.get_dummies(labels, prefix="replicate", dtype=float)
        frame[["months", "resolved"]] = part[["months", "resolved"]].to_numpy()
        fit = LogNormalAFTFitter(fit_intercept=False).fit(frame, "months", "resolved",
                                                          ancillary=True)
        rows.append(fit.summary.loc["mu_"].loc[frame.columns[:chunk]])
    mu = pd.concat(rows, ignore_index=True)
    assert len(mu) == replicates
    alone = LogNormalFitter().fit(times.loc[group == 7, "months"],
                                  times.loc[group == 7, "resolved"]).summary.loc["mu_"]
    for column in ("coef", "coef lower 95%", "coef upper 95%"):
        assert mu.loc[7, column] == pytest.approx(alone[column], abs=1e-4)
    covered = int(((mu["coef lower 95%"] <= target) & (target <= mu["coef upper 95%"])).sum())
    assert_coverage({0: covered}, replicates=replicates)


# --- hand OA: incident tenderness (Haugen 2015) -------------------------------------------
@pytest.fixture(scope="module")
def joints() -> pd.DataFrame:
    frame = hand_oa_joints(150 * REPLICATES, seed=61)
    data = frame[~frame["tender_baseline"].astype(bool)
                 & frame["synovitis_increase"].notna()].copy()
    data["person"] = pd.factorize(data["participant_id"])[0]
    data["group"] = data["person"] // 103  # about 150 patients, 69% with synovitis scores
    data["y"] = data["incident_tenderness"].astype(float)
    data["bml"] = data["bml_increase"].astype(float)
    data["syn"] = data["synovitis_increase"].astype(float)
    return data


def test_hand_tenderness_ors_are_recovered(joints) -> None:
    truth = true_effects("hand")
    sub = joints[joints["group"] < 40]
    fit = gee(sub["y"].to_numpy(), sub[["bml", "syn", "age", "bmi"]].to_numpy(float),
              sub["person"].to_numpy())
    assert_contains(fit, 1, truth.loc["bml_or", "value"])
    assert_contains(fit, 2, truth.loc["synovitis_or", "value"])
    for column in (3, 4):  # age and BMI have no effect
        assert_contains(fit, column, 0.0, log=False)
    alone = glm(joints["y"].to_numpy(), joints[["bml"]].to_numpy(float),
                joints["person"].to_numpy())
    assert_contains(alone, 1, truth.loc["bml_or_alone", "value"])


def test_hand_tenderness_ors_cover_at_95_percent(joints) -> None:
    truth = true_effects("hand")
    covered = coverage(joints["y"].to_numpy(), joints[["bml", "syn"]].to_numpy(float),
                       joints["person"].to_numpy(), joints["group"].to_numpy(),
                       {1: truth.loc["bml_or", "value"], 2: truth.loc["synovitis_or", "value"]})
    assert_coverage(covered, replicates=int(joints["group"].nunique()))
