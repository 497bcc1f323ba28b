"""Multiply imputed incidence: pooled on the logit scale as R mice::pool.scalar does with
geepack / glm per-imputation estimates (tests/reference/missing_data/make_missing_data.R),
and a simulation check that imputation recovers the incidence when loss is at random given
the covariates."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError

REF = Path(__file__).parent / "reference" / "missing_data"
_spec = importlib.util.spec_from_file_location("make_inputs", REF / "make_inputs.py")
assert _spec is not None and _spec.loader is not None
make_inputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_inputs)  # the inputs' simulation, no file written on import


@pytest.fixture(scope="module")
def completed() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "incidence_imputed.csv")


def _incidences(part: pd.DataFrame) -> list:
    frames = [d.assign(visit_from=0, visit_to=24, present_from=False)
              for _, d in part.groupby("imputation")]
    return [bc.incidence(d) for d in frames]


@pytest.mark.parametrize("case", ["clustered", "one knee"])
def test_pooled_incidence_matches_mice_pool(completed, case):
    per = pd.read_csv(REF / "outputs" / "incidence_per_imputation.csv")
    per = per.loc[per["case"] == case]
    ref = pd.read_csv(REF / "outputs" / "incidence_pooled.csv").set_index("case").loc[case]
    results = _incidences(completed.loc[completed["case"] == case])
    assert results[0].method == ("logit-wald-cluster-robust" if case == "clustered"
                                 else "wilson")
    pooled = bc.pool(results)
    # the same per-imputation inputs give mice's pooled output to 1e-10
    clusters = completed.loc[completed["case"] == case, "participant_id"].nunique()
    same = bc.pool(estimates=per["logit"], variances=per["variance"], n=clusters, k=1)
    for ours, theirs in [("coef", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"),
                         ("df", "df"), ("riv", "riv"), ("fmi", "fmi")]:
        assert getattr(same, ours) == pytest.approx(ref[theirs], rel=1e-10), ours
    # our per-imputation logits and variances are geepack's (san.se) or glm's, so the
    # whole path, incidence per imputation then pool, gives mice's output (measured 1e-12)
    for ours, theirs in [("coef", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"),
                         ("df", "df"), ("fmi", "fmi"), ("estimate", "estimate"),
                         ("ci_lower", "lower"), ("ci_upper", "upper")]:
        assert getattr(pooled, ours) == pytest.approx(ref[theirs], rel=1e-10), ours
    assert pooled.scale == "logit" and not pooled.exponentiated
    assert pooled.estimate == pytest.approx(special.expit(pooled.coef), rel=1e-14)
    assert pooled.summary()["term"].tolist() == ["incidence"]


def test_imputation_recovers_incidence_missing_at_random_simulation():
    """Simulation check (not a reference): 1,000 persons, 2,000 knees at risk; incidence and
    loss (about a quarter of persons) both rise with age and BMI. Complete cases miss the
    full-data incidence by over 3 standard errors; the pooled imputations (m=5) are within
    2 and their interval covers it."""
    knees = make_inputs.at_risk_knees(1000, seed=0)
    truth = float(knees["truth"].mean())
    imputations = bc.impute(knees, columns=["present_to", "age", "bmi", "female"], m=5,
                            seed=1)
    pooled = imputations.analyse(bc.incidence)
    complete = bc.incidence(knees)
    se = np.sqrt(pooled.t) * pooled.estimate * (1 - pooled.estimate)  # delta method
    assert abs(complete.estimate - truth) > 3 * se
    assert abs(pooled.estimate - truth) < 2 * se
    assert pooled.ci_lower < truth < pooled.ci_upper
    assert 0 < pooled.fmi < 1


def test_pool_refuses_an_imputation_with_no_events():
    table = pd.DataFrame({"participant_id": range(6), "visit_from": 0, "visit_to": 24,
                          "present_from": False, "present_to": [1, 0, 0, 1, 0, 0.0]})
    none = table.assign(present_to=0.0)
    results = [bc.incidence(table), bc.incidence(none)]  # one knee each: Wilson, no warning
    with pytest.raises(AnalysisInputError, match="logit is infinite"):
        bc.pool(results)


def test_pool_refuses_a_mix_of_incidence_and_other_results():
    table = pd.DataFrame({"participant_id": range(6), "visit_from": 0, "visit_to": 24,
                          "present_from": [False] * 6, "present_to": [1, 0, 0, 1, 0, 0.0]})
    fits = [bc.incidence(table), bc.resolution(table.assign(present_from=True))]
    with pytest.raises(AnalysisInputError, match="mix"):
        bc.pool(fits)


def test_weighted_incidence_pools_its_sandwich_variance():
    table = pd.DataFrame({"participant_id": range(8), "visit_from": 0, "visit_to": 24,
                          "present_from": False, "present_to": [1, 0, 0, 1, 0, 0, 1, 0.0],
                          "w": [1.2, 0.8, 1.0, 1.5, 0.9, 1.1, 1.0, 0.7]})
    fits = [bc.incidence(table, weights="w"),
            bc.incidence(table.assign(w=table["w"][::-1].to_numpy()), weights="w")]
    pooled = bc.pool(fits)
    logits = [float(f.raw.params[0]) for f in fits]
    variances = [float(f.raw.cov_params()[0, 0]) for f in fits]
    same = bc.pool(estimates=logits, variances=variances, n=8, k=1)
    assert pooled.coef == pytest.approx(same.coef, rel=1e-14)
    assert pooled.t == pytest.approx(same.t, rel=1e-14)
    assert pooled.df == pytest.approx(same.df, rel=1e-14)
