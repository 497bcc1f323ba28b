"""Weighted (inverse-probability) analyses against R: geepack, survey (tests/reference/weights).

The cohort has two knees per person, real clustering and loss to follow-up that depends on
age and baseline pain. Weights are bmecohort.ipcw's (checked against R glm's first). Clustered
fits are compared with ``geepack::geeglm(weights=, id=participant_id, corstr="independence")``
(estimates to 1e-6 absolute on the link scale, standard errors to 1e-6 relative), unclustered
fits (right knees) with geeglm with one cluster per row (HC0) and with ``survey::svyglm(ids=~1)``,
whose variance is ours times n / (n - 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort import (
    gee,
    ipcw,
    logistic,
    mantel_haenszel,
    odds_ratio,
    risk_difference,
    risk_ratio,
)
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "weights"
EST_TOL = 1e-6  # absolute, link scale
SE_TOL = 1e-6  # relative


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    data = pd.read_csv(REF / "inputs" / "cohort.csv")
    with pytest.warns(DataQualityWarning, match="6 row"):
        data["ipcw"] = ipcw(data, observed="seen", covariates=["age", "bml", "pain"])
    return data


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / "weighted_fits.csv").set_index(["fit", "term"])


def _check(ref: pd.DataFrame, fit: str, term: str, coef: float, se: float,
           factor: float = 1.0) -> None:
    row = ref.loc[(fit, term)]
    assert coef == pytest.approx(row["estimate"], abs=EST_TOL)
    assert se * np.sqrt(factor) == pytest.approx(row["se"], rel=SE_TOL)


def test_weights_match_r_glm(cohort: pd.DataFrame) -> None:
    r = pd.read_csv(REF / "outputs" / "weights.csv")
    assert (cohort["ipcw"].isna() == r["w"].isna()).all()
    np.testing.assert_allclose(cohort["ipcw"].dropna(), r["w"].dropna(), rtol=1e-8)


@pytest.mark.parametrize(("function", "name", "log"), [
    (odds_ratio, "or", True), (risk_ratio, "rr", True), (risk_difference, "rd", False)])
def test_unit_level_clustered_matches_geepack(cohort, ref, function, name, log) -> None:
    res = function(cohort, exposure="bml", outcome="progressed", weights="ipcw")
    coef = np.log(res.estimate) if log else res.estimate
    _check(ref, f"gee_{name}_crude", "bml", coef, float(res.raw.bse[1]))
    assert res.method.startswith("ipw-") and res.method.endswith("-cluster-robust")
    assert res.accounting.clustered and res.accounting.n_clusters == 311
    assert res.accounting.weights == "ipcw"
    assert dict(res.accounting.excluded) == {"missing progressed": 178, "missing ipcw": 6}
    w = cohort["ipcw"].dropna().to_numpy()
    assert res.accounting.effective_n == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert res.accounting.effective_n < res.accounting.n_used
    # the interval is the Wald interval from that standard error
    z = 1.959963984540054
    half = z * float(res.raw.bse[1])
    lower, upper = (np.exp(coef - half), np.exp(coef + half)) if log else (coef - half,
                                                                           coef + half)
    assert (res.ci_lower, res.ci_upper) == pytest.approx((lower, upper), rel=1e-12)
    assert res.p_value == res.p_values["wald_cluster_robust"]
    # the table the estimate comes from is the table of summed weights
    assert res.counts_used.total == pytest.approx(w.sum())


@pytest.mark.parametrize(("function", "name", "log"), [
    (odds_ratio, "or", True), (risk_ratio, "rr", True), (risk_difference, "rd", False)])
def test_unit_level_unclustered_matches_hc0_and_survey(cohort, ref, function, name, log) -> None:
    right = cohort[cohort["side"] == 0]
    res = function(right, exposure="bml", outcome="progressed", weights="ipcw")
    coef = np.log(res.estimate) if log else res.estimate
    se = float(res.raw.bse[1])
    n = res.accounting.n_used
    _check(ref, f"hc0_{name}_crude", "bml", coef, se)
    # survey's with-replacement variance carries n / (n - 1)
    _check(ref, f"svy_{name}_crude", "bml", coef, se, factor=n / (n - 1))
    assert res.method.endswith("-robust") and "cluster" not in res.method
    assert res.accounting.clustered is False
    assert list(res.p_values) == ["wald_robust"]


def test_logistic_clustered_matches_geepack(cohort, ref) -> None:
    fit = logistic(cohort, outcome="progressed", exposures="bml", covariates=["age", "female"],
                   weights="ipcw", cov_struct="independence")
    assert fit.method == "ipw-gee-independence-robust"
    table = fit.summary().set_index("term")
    for term in ("bml", "age", "female"):
        _check(ref, "gee_or_adjusted", term, table.loc[term, "coef"], table.loc[term, "se"])
        n_clusters = 311
        _check(ref, "svy_cluster_or_adjusted", term, table.loc[term, "coef"],
               table.loc[term, "se"], factor=n_clusters / (n_clusters - 1))
    assert fit.accounting.weights == "ipcw" and fit.accounting.n_used == 616
    assert "weights" in fit.header() and "effective n" in fit.header()


def test_logistic_unclustered_matches_hc0_and_survey(cohort, ref) -> None:
    right = cohort[cohort["side"] == 0]
    fit = logistic(right, outcome="progressed", exposures="bml", covariates=["age", "female"],
                   weights="ipcw")
    assert fit.method == "ipw-logistic-glm-robust" and fit.cov_type == "robust"
    table = fit.summary().set_index("term")
    n = fit.accounting.n_used
    for term in ("bml", "age", "female"):
        _check(ref, "hc0_or_adjusted", term, table.loc[term, "coef"], table.loc[term, "se"])
        _check(ref, "svy_or_adjusted", term, table.loc[term, "coef"], table.loc[term, "se"],
               factor=n / (n - 1))


def test_crude_odds_ratio_equals_weighted_logistic(cohort) -> None:
    res = odds_ratio(cohort, exposure="bml", outcome="progressed", weights="ipcw")
    fit = logistic(cohort, outcome="progressed", exposures="bml", weights="ipcw",
                   cov_struct="independence").odds_ratio("bml")
    assert res.estimate == pytest.approx(fit.estimate, rel=1e-9)
    assert (res.ci_lower, res.ci_upper) == pytest.approx((fit.ci_lower, fit.ci_upper),
                                                         rel=1e-9)


def test_rescaled_weights_change_nothing(cohort) -> None:
    a = odds_ratio(cohort, exposure="bml", outcome="progressed", weights="ipcw")
    b = odds_ratio(cohort.assign(ipcw=3.5 * cohort["ipcw"]), exposure="bml",
                   outcome="progressed", weights="ipcw")
    assert (b.estimate, b.ci_lower, b.ci_upper) == pytest.approx(
        (a.estimate, a.ci_lower, a.ci_upper), rel=1e-9)
    assert b.accounting.effective_n == pytest.approx(a.accounting.effective_n)


def test_unit_weights_give_the_crude_estimate_and_a_robust_interval(cohort) -> None:
    data = cohort.assign(one=1.0)
    weighted = odds_ratio(data, exposure="bml", outcome="progressed", weights="one")
    plain = odds_ratio(data, exposure="bml", outcome="progressed")
    assert weighted.estimate == pytest.approx(plain.estimate, rel=1e-12)
    assert (weighted.ci_lower, weighted.ci_upper) == pytest.approx(
        (plain.ci_lower, plain.ci_upper), rel=1e-9)  # both the plain cluster sandwich
    assert weighted.accounting.effective_n == pytest.approx(weighted.accounting.n_used)


def _bad(cohort: pd.DataFrame, rows: list[int], value: float) -> pd.DataFrame:
    out = cohort.copy()
    out.loc[rows, "ipcw"] = value
    return out


@pytest.mark.parametrize(("value", "words"), [(0.0, "zero or negative"),
                                              (-1.0, "zero or negative"),
                                              (np.inf, "infinite")])
def test_bad_weights_name_the_rows(cohort, value, words) -> None:
    rows = [int(i) for i in cohort.index[cohort["ipcw"].notna()][:2]]
    data = _bad(cohort, rows, value)
    for call in (lambda: odds_ratio(data, exposure="bml", outcome="progressed",
                                    weights="ipcw"),
                 lambda: logistic(data, outcome="progressed", exposures="bml",
                                  weights="ipcw", cov_struct="independence")):
        with pytest.raises(AnalysisInputError, match=words) as info:
            call()
        assert "'ipcw'" in str(info.value) and f"{rows[0]!r}" in str(info.value)


def test_non_numeric_and_absent_weights(cohort) -> None:
    with pytest.raises(AnalysisInputError, match="must hold numbers"):
        odds_ratio(cohort.assign(ipcw=cohort["ipcw"].astype(str)), exposure="bml",
                   outcome="progressed", weights="ipcw")
    with pytest.raises(AnalysisInputError, match="not found"):
        risk_ratio(cohort, exposure="bml", outcome="progressed", weights="nope")
    with pytest.raises(AnalysisInputError, match="column name"):
        odds_ratio(cohort, exposure="bml", outcome="progressed",
                   weights=cohort["ipcw"])  # type: ignore[arg-type]


@pytest.mark.parametrize("options", [{"method": "exact"}, {"method": "midp"},
                                     {"method": "cornfield"}, {"zero_correction": "haldane"}])
def test_options_without_a_weighted_form(cohort, options) -> None:
    with pytest.raises(AnalysisInputError, match="no weighted form"):
        odds_ratio(cohort, exposure="bml", outcome="progressed", weights="ipcw", **options)


def test_logistic_weighted_options(cohort) -> None:
    with pytest.raises(AnalysisInputError, match="cov_struct='independence'"):
        logistic(cohort, outcome="progressed", exposures="bml", weights="ipcw")
    with pytest.raises(AnalysisInputError, match="firth"):
        logistic(cohort, outcome="progressed", exposures="bml", weights="ipcw", firth=True,
                 cluster=None)
    with pytest.raises(AnalysisInputError, match="bias_reduced"):
        logistic(cohort, outcome="progressed", exposures="bml", weights="ipcw",
                 cov_type="bias_reduced", cov_struct="independence")


def test_weighted_opt_out_of_clustering_warns(cohort) -> None:
    with pytest.warns(DataQualityWarning, match="participant"):
        res = odds_ratio(cohort, exposure="bml", outcome="progressed", weights="ipcw",
                         cluster=None)
    assert res.method == "ipw-logistic-robust" and res.accounting.clustered is False


def test_weighted_zero_cell(cohort) -> None:
    data = cohort[~((cohort["bml"] == 1) & (cohort["progressed"] == 0))]
    with pytest.warns(SmallCellWarning, match="zero cell"):
        res = odds_ratio(data, exposure="bml", outcome="progressed", weights="ipcw")
    assert res.estimate == np.inf and np.isnan(res.ci_lower) and np.isnan(res.p_value)


@pytest.mark.parametrize(("fit_name", "outcome", "family", "covariates"), [
    ("gee_or_adjusted", "progressed", "binomial", ["age", "female"]),
    ("gee_rr_crude", "progressed", "poisson", []),
    ("gee_rd_crude", "progressed", "gaussian", []),
    ("gee_poisson_lesions", "lesions", "poisson", ["age"]),
    ("gee_gaussian_pain", "pain", "gaussian", ["age"]),
])
def test_gee_matches_geepack(cohort, ref, fit_name, outcome, family, covariates) -> None:
    fit = gee(cohort, outcome=outcome, exposures="bml", covariates=covariates, family=family,
              cov_struct="independence", weights="ipcw")
    assert fit.method == f"ipw-gee-{family}-independence-robust"
    assert fit.engine == "statsmodels" and fit.accounting.weights == "ipcw"
    table = fit.summary().set_index("term")
    for term in ("bml", *covariates):
        _check(ref, fit_name, term, table.loc[term, "coef"], table.loc[term, "se"])
    assert fit.scale == pytest.approx(ref.loc[(fit_name, "bml"), "scale"], rel=1e-8)
    assert fit.accounting.n_used == ref.loc[(fit_name, "bml"), "n"]


def test_gee_weighted_options(cohort) -> None:
    with pytest.raises(AnalysisInputError, match="cov_struct='independence'"):
        gee(cohort, outcome="progressed", exposures="bml", weights="ipcw")
    with pytest.raises(AnalysisInputError, match="engine='fast'"):
        gee(cohort, outcome="progressed", exposures="bml", weights="ipcw",
            cov_struct="independence", engine="fast")
    with pytest.raises(AnalysisInputError, match="zero or negative"):
        gee(cohort.assign(ipcw=cohort["ipcw"] - 10), outcome="progressed", exposures="bml",
            weights="ipcw", cov_struct="independence")


def test_gee_with_unit_weights_equals_the_unweighted_independence_gee(cohort) -> None:
    data = cohort.assign(one=1.0)
    weighted = gee(data, outcome="progressed", exposures="bml", cov_struct="independence",
                   weights="one").summary()
    plain = gee(data, outcome="progressed", exposures="bml",
                cov_struct="independence").summary()
    np.testing.assert_allclose(weighted[["coef", "se"]], plain[["coef", "se"]], rtol=1e-8)


def test_mantel_haenszel_points_to_weighted_logistic_with_strata(cohort) -> None:
    with pytest.raises(AnalysisInputError, match="not supported") as info:
        mantel_haenszel(cohort, exposure="bml", outcome="progressed", strata="female",
                        weights="ipcw")
    # the call the message suggests runs and gives a weighted stratified odds ratio
    assert "logistic(data, outcome='progressed'" in str(info.value)
    fit = logistic(cohort, outcome="progressed", exposures="bml", covariates=["female"],
                   categorical=["female"], weights="ipcw", cov_struct="independence")
    assert fit.method == "ipw-gee-independence-robust"
    assert list(fit.summary()["term"]) == ["bml", "female[1]"]


def test_evalue_of_a_weighted_risk_difference_uses_the_weighted_risk(cohort, ref) -> None:
    res = risk_difference(cohort, exposure="bml", outcome="progressed", weights="ipcw")
    e = res.evalue()
    # the weighted risk in the unexposed is the intercept of the weighted linear model
    assert e.baseline_risk == pytest.approx(ref.loc[("gee_rd_crude", "(Intercept)"),
                                                    "estimate"], abs=1e-9)


def test_row_order_does_not_matter(cohort) -> None:
    shuffled = cohort.sample(frac=1.0, random_state=5)
    for function in (odds_ratio, risk_ratio, risk_difference):
        a = function(cohort, exposure="bml", outcome="progressed", weights="ipcw")
        b = function(shuffled, exposure="bml", outcome="progressed", weights="ipcw")
        assert (b.estimate, b.ci_lower, b.ci_upper) == pytest.approx(
            (a.estimate, a.ci_lower, a.ci_upper), rel=1e-9)


def test_ipcw_removes_the_bias_of_complete_cases() -> None:
    """Loss depends on pain, which drives the outcome: complete cases are biased, IPCW not.

    The target is the crude risk difference of the whole cohort (known in a simulation).
    """
    rng = np.random.default_rng(7)
    n = 20_000
    pain = rng.normal(0, 1, n)
    bml = rng.binomial(1, 1 / (1 + np.exp(-pain)))
    y = rng.binomial(1, 1 / (1 + np.exp(-(-1 + 0.7 * bml + 1.2 * pain))))
    seen = rng.binomial(1, 1 / (1 + np.exp(-(1 - 1.5 * pain + 0.5 * bml))))
    full = pd.DataFrame({"bml": bml, "pain": pain, "y": y, "seen": seen})
    truth = risk_difference(full, exposure="bml", outcome="y").estimate
    full["ipcw"] = ipcw(full, observed="seen", covariates=["bml", "pain"])
    followed = full.assign(y=full["y"].where(full["seen"] == 1))
    complete = risk_difference(followed, exposure="bml", outcome="y")
    weighted = risk_difference(followed, exposure="bml", outcome="y", weights="ipcw")
    se = float(weighted.raw.bse[1])
    assert abs(weighted.estimate - truth) < 2.5 * se
    assert abs(complete.estimate - truth) > 3 * se  # 0.031, 3.5 standard errors
    assert weighted.ci_lower < truth < weighted.ci_upper


def test_nullable_weights_and_pandas_missing_marker(cohort) -> None:
    data = cohort.assign(ipcw=cohort["ipcw"].astype("Float64"))
    data.loc[data.index[:4], "ipcw"] = pd.NA
    res = odds_ratio(data, exposure="bml", outcome="progressed", weights="ipcw")
    plain = odds_ratio(cohort.assign(ipcw=data["ipcw"].astype(float)), exposure="bml",
                       outcome="progressed", weights="ipcw")
    assert res.accounting.excluded == plain.accounting.excluded
    assert res.accounting.n_excluded == res.accounting.n_rows - res.accounting.n_used
    assert (res.estimate, res.ci_lower) == pytest.approx((plain.estimate, plain.ci_lower))
    with pytest.raises(AnalysisInputError, match="must hold numbers"):
        odds_ratio(cohort.assign(ipcw=cohort["bml"] == 1), exposure="bml",
                   outcome="progressed", weights="ipcw")
