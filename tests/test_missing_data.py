"""Rubin's rules and IPCW against R (tests/reference/missing_data/make_missing_data.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.estimators.missing_data import ipcw, pool
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SeparationWarning

REF = Path(__file__).parent / "reference" / "missing_data"


def test_pool_matches_mice_on_nhanes():
    per = pd.read_csv(REF / "inputs" / "nhanes_per_imputation.csv")
    ref = pd.read_csv(REF / "outputs" / "pool_nhanes.csv").set_index("term")
    summ = pd.read_csv(REF / "outputs" / "pool_nhanes_summary.csv").set_index("term")
    for term, rows in per.groupby("term", sort=False):
        r = pool(estimates=rows["estimate"], variances=rows["variance"],
                 n=int(rows["dfcom"].iloc[0]) + 3, k=3, term=term)
        expected = ref.loc[term]
        for name in ("ubar", "b", "t", "df", "riv", "lambda", "fmi"):
            assert getattr(r, name) == pytest.approx(expected[name], rel=1e-10), name
        assert r.estimate == pytest.approx(expected["estimate"], rel=1e-12)
        assert (r.ci_lower, r.ci_upper) == pytest.approx(
            (summ.loc[term, "lower"], summ.loc[term, "upper"]), rel=1e-9)
        assert r.p_value == pytest.approx(summ.loc[term, "p"], rel=1e-8)


def test_pool_scalar_matches_mice_pool_scalar():
    ref = pd.read_csv(REF / "outputs" / "pool_scalar.csv").iloc[0]
    r = pool(estimates=[0.52, 0.61, 0.47, 0.58, 0.55],
             variances=[0.010, 0.012, 0.011, 0.010, 0.013], n=200, k=3)
    for ours, theirs in [("estimate", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"),
                         ("df", "df"), ("riv", "riv"), ("fmi", "fmi")]:
        assert getattr(r, ours) == pytest.approx(ref[theirs], rel=1e-10), ours


def test_pool_of_fitted_logistic_results_uses_the_log_scale():
    rng = np.random.default_rng(5)
    results = []
    for _ in range(4):
        d = pd.DataFrame({"x": rng.normal(size=300)})
        d["y"] = (rng.random(300) < 1 / (1 + np.exp(-0.7 * d["x"]))).astype(int)
        results.append(bc.logistic(d, outcome="y", exposures="x", cluster=None))
    r = pool(results)
    coefs = [res.summary()["coef"].iloc[0] for res in results]
    assert r.coef == pytest.approx(np.mean(coefs))
    assert r.exponentiated and r.estimate == pytest.approx(np.exp(np.mean(coefs)))
    assert r.ci_lower < r.estimate < r.ci_upper
    assert list(r.summary().columns[:5]) == ["term", "estimate", "ci_lower", "ci_upper",
                                             "p_value"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(estimates=[1.0], variances=[0.1]), "at least 2"),
    (dict(estimates=[1.0, 2.0], variances=[0.1]), "same"),
    (dict(estimates=[1.0, np.nan], variances=[0.1, 0.1]), "finite"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, -0.1]), ">= 0"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], n=3, k=3), "df must be"),
    (dict(), "pass results"),
])
def test_pool_bad_input(kwargs, message):
    with pytest.raises(AnalysisInputError, match=message):
        pool(**kwargs)


def test_pool_refuses_results_without_coefficients():
    r = bc.proportion(events=3, n=10)
    with pytest.raises(AnalysisInputError, match="no 'coef' and 'se'"):
        pool([r, r])


@pytest.fixture(scope="module")
def attrition() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "attrition.csv")


def test_ipcw_matches_glm_weights(attrition):
    ref = pd.read_csv(REF / "outputs" / "ipcw.csv")
    w = ipcw(attrition, observed="seen", covariates=["age", "bml"])
    np.testing.assert_allclose(w.to_numpy(), ref["stabilized"].to_numpy(), rtol=1e-7)
    raw = ipcw(attrition, observed="seen", covariates=["age", "bml"], stabilized=False)
    np.testing.assert_allclose(raw.to_numpy(), ref["unstabilized"].to_numpy(), rtol=1e-7)
    cut = ipcw(attrition, observed="seen", covariates=["age", "bml"], truncate=0.05)
    np.testing.assert_allclose(cut.to_numpy(), ref["truncated"].to_numpy(), rtol=1e-7)
    assert cut.attrs["n_truncated"] > 0
    assert w.attrs["n_weighted"] + w.attrs["n_lost"] == len(attrition)
    assert w.index.equals(attrition.index) and w.name == "ipcw"


def test_ipcw_rows_without_covariates_get_no_weight_and_a_warning(attrition):
    d = attrition.copy()
    d.loc[[3, 7], "age"] = np.nan
    with pytest.warns(DataQualityWarning, match="no weight"):
        w = ipcw(d, observed="seen", covariates=["age", "bml"])
    assert w.loc[[3, 7]].isna().all()
    assert w.attrs["excluded"] == (("missing age", 2),)


@pytest.mark.parametrize("kwargs, message", [
    (dict(covariates=["seen"]), "both"),
    (dict(covariates=[]), "at least one"),
    (dict(covariates=["age"], truncate=0.7), "truncate="),
])
def test_ipcw_bad_input(attrition, kwargs, message):
    with pytest.raises(AnalysisInputError, match=message):
        ipcw(attrition, observed="seen", **kwargs)


def test_ipcw_needs_completers_and_losses(attrition):
    with pytest.raises(AnalysisInputError, match="both completers"):
        ipcw(attrition.assign(seen=1), observed="seen", covariates=["age"])


def _incomplete(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    d = pd.DataFrame({"age": rng.normal(60, 8, n), "bml": rng.integers(0, 2, n)})
    d["pain"] = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 1.2 * d["bml"])))).astype(int)
    d["bmi"] = 27 + 0.1 * (d["age"] - 60) + rng.normal(0, 3, n)
    d.loc[rng.random(n) < 0.2, "bmi"] = np.nan
    d.loc[rng.random(n) < 0.1, "bml"] = np.nan
    return d


def test_impute_is_seeded_complete_and_keeps_observed_values():
    d = _incomplete()
    a = bc.impute(d, columns=["age", "bml", "pain", "bmi"], m=3, seed=7)
    b = bc.impute(d, columns=["age", "bml", "pain", "bmi"], m=3, seed=7)
    for x, y in zip(a.datasets, b.datasets, strict=True):
        pd.testing.assert_frame_equal(x, y)
        assert not x.isna().any().any()
        observed = d["bmi"].notna()
        assert (x.loc[observed, "bmi"] == d.loc[observed, "bmi"]).all()
        assert set(x["bml"].unique()) <= {0.0, 1.0}  # predictive mean matching draws donors
    assert not a.datasets[0]["bmi"].equals(a.datasets[1]["bmi"])  # imputations differ
    assert a.summary().set_index("term").loc["bmi", "events"] == int(d["bmi"].isna().sum())


def test_impute_then_pool_recovers_the_effect():
    d = _incomplete(1)
    imp = bc.impute(d, columns=["age", "bml", "pain", "bmi"], m=5, seed=3)
    pooled = imp.analyse(lambda f: bc.logistic(f, outcome="pain", exposures="bml",
                                               covariates=["bmi"], cluster=None))
    row = pooled.summary().set_index("term").loc["bml"]
    assert row["ci_lower"] < np.exp(1.2) < row["ci_upper"]
    assert 0 <= row["fmi"] < 1


def test_impute_cycles_once_when_one_column_is_incomplete():
    """One incomplete column: its predictors never change, so one cycle per draw suffices."""
    d = _incomplete(2).drop(columns="bml")
    one = bc.impute(d, columns=["age", "pain", "bmi"], m=4, seed=5, burn_in=10)
    assert one.burn_in == 1  # recorded as used
    both = bc.impute(_incomplete(2), columns=["age", "bml", "pain", "bmi"], m=2, seed=5,
                     burn_in=4)
    assert both.burn_in == 4
    # the single-cycle draws still recover the regression of bmi on age (true slope 0.1)
    slopes = [np.polyfit(f["age"], f["bmi"], 1)[0] for f in one.datasets]
    assert abs(np.mean(slopes) - 0.1) < 0.05
    imputed = d["bmi"].isna()
    assert not one.datasets[0].loc[imputed, "bmi"].equals(one.datasets[1].loc[imputed, "bmi"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(columns=["age", "bmi"], m=1), "at least 2"),
    (dict(columns=["age", "nope"]), "not found"),
])
def test_impute_bad_input(kwargs, message):
    with pytest.raises(AnalysisInputError, match=message):
        bc.impute(_incomplete(), seed=1, **kwargs)


def test_impute_refuses_rows_with_nothing_observed():
    d = _incomplete()
    d.loc[5, ["age", "bmi"]] = np.nan
    with pytest.raises(AnalysisInputError, match="miss every column"):
        bc.impute(d, columns=["age", "bmi"], seed=1)


def test_ipcw_says_separation_and_collinearity_in_its_own_words():
    """statsmodels' separation and rank warnings are detected by class and said as ours."""
    d = pd.DataFrame({"seen": [1, 1, 1, 1, 0, 0, 0, 0] * 3,
                      "old": [0, 0, 0, 0, 1, 1, 1, 1] * 3})
    d["old_again"] = d["old"]
    with pytest.warns(SeparationWarning, match="separation") as record:
        ipcw(d, observed="seen", covariates=["old"])
    assert all(issubclass(w.category, (SeparationWarning, DataQualityWarning,
                                       bc.exceptions.ConvergenceWarning)) for w in record)
    mixed = d.assign(seen=[1, 0, 1, 1, 0, 1, 0, 0] * 3)
    with pytest.warns(DataQualityWarning, match="collinear"):
        ipcw(mixed, observed="seen", covariates=["old", "old_again"])


def test_impute_says_a_rank_deficient_model_once_in_its_own_words():
    d = _incomplete(3)
    d["age_copy"] = d["age"]
    with pytest.warns(DataQualityWarning, match="collinear") as record:
        bc.impute(d, columns=["age", "age_copy", "bml", "pain", "bmi"], m=2, seed=1)
    assert sum("collinear" in str(w.message) for w in record) == 1
