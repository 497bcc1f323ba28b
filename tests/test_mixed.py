"""Linear mixed models against R lme4 / lmerTest (tests/reference/mixed/make_mixed.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.estimators.longitudinal._marginal import crossproducts, neg2_loglik, phi_covariance
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning

REF = Path(__file__).parent / "reference" / "mixed"
FIXED = pd.read_csv(REF / "outputs" / "fixed.csv")
VARCORR = pd.read_csv(REF / "outputs" / "varcorr.csv")


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "sleepstudy.csv")


@pytest.fixture(scope="module")
def knees() -> pd.DataFrame:
    d = pd.read_csv(REF / "inputs" / "knees.csv")
    return d


def _check(result, model: str, rename: dict[str, str]) -> None:
    ref = FIXED.query("model == @model").set_index("term")
    ours = result.summary().set_index("term").rename(index=rename)
    for term in ref.index:
        assert ours.loc[term, "estimate"] == pytest.approx(ref.loc[term, "estimate"], abs=1e-6)
        assert ours.loc[term, "se"] == pytest.approx(ref.loc[term, "se"], rel=1e-4)
        # Satterthwaite df: both mixedlm and lmerTest differentiate numerically
        assert ours.loc[term, "df"] == pytest.approx(ref.loc[term, "df"], rel=2e-3)
        assert ours.loc[term, "p_value"] == pytest.approx(ref.loc[term, "p"], rel=1e-2)
    vc = VARCORR.query("model == @model")
    assert result.loglik == pytest.approx(vc["loglik"].iloc[0], abs=1e-5)


@pytest.mark.parametrize("model, reml", [("sleep_reml", True), ("sleep_ml", False)])
def test_random_slope_matches_lme4(sleep, model, reml):
    r = bc.mixed_model(sleep, outcome="Reaction", exposures="Days", groups="Subject",
                       random_slope="Days", reml=reml)
    _check(r, model, {})
    vc = VARCORR.query("model == @model")
    ours = r.variance.set_index("term")["estimate"]
    np.testing.assert_allclose(
        [ours["sd((Intercept))"], ours["sd(Days)"], ours["cor((Intercept),Days)"],
         ours["sigma"]], vc["sdcor"].to_numpy(), rtol=1e-4, atol=1e-4)
    assert r.accounting.n_clusters == 18 and r.reml is reml


def test_random_intercept_icc(sleep):
    r = bc.mixed_model(sleep, outcome="Reaction", exposures="Days", groups="Subject")
    _check(r, "sleep_int", {})
    vc = VARCORR.query("model == 'sleep_int'")["vcov"].to_numpy()
    assert r.icc["Subject"] == pytest.approx(vc[0] / vc.sum(), rel=1e-4)


def test_nested_knees_within_persons(knees):
    r = bc.mixed_model(knees, outcome="score", exposures="bml_baseline", covariates="years",
                       interactions=[("bml_baseline", "years")], nested="side",
                       random_slope="years")
    _check(r, "knees_nested", {"bml_baseline:years": "bml_baseline:years"})
    vc = VARCORR.query("model == 'knees_nested'").set_index(["grp", "var1"]).sort_index()
    ours = r.variance.set_index(["group", "term"])["estimate"]
    assert ours[("side in participant_id", "sd((Intercept))")] == pytest.approx(
        vc.loc[("knee", "(Intercept)"), "sdcor"], rel=1e-4)
    assert ours[("participant_id", "sd(years)")] == pytest.approx(
        vc.loc[[("participant_id", "years")], "sdcor"].iloc[0], rel=1e-4)  # a Series on any pandas
    v = r.variance
    assert ((v["ci_lower"] < v["estimate"]) & (v["estimate"] < v["ci_upper"])).all()


def test_nested_marginal_likelihood_equals_lme4s(knees):
    """The likelihood behind the nested intervals is lme4's at lme4's REML estimates."""
    vc = VARCORR.query("model == 'knees_nested'")
    # standard deviations only (the correlation row repeats a (grp, var1) pair), so each
    # lookup is one scalar on pandas 2 and 3 alike
    sd = vc[vc["var2"].isna()].set_index(["grp", "var1"])["sdcor"].sort_index()
    corr = vc[vc["var2"].notna()]["sdcor"].iloc[0]
    phi = np.array([np.log(sd.loc[("participant_id", "(Intercept)")]),
                    np.log(sd.loc[("participant_id", "years")]), np.arctanh(corr),
                    np.log(sd.loc[("knee", "(Intercept)")]),
                    np.log(vc.loc[vc["grp"] == "Residual", "sdcor"].iloc[0])])
    d = knees.sort_values(["participant_id", "side", "years"])
    x = np.column_stack([np.ones(len(d)), d["bml_baseline"], d["years"],
                         d["bml_baseline"] * d["years"]])
    right = (d["side"] == "R").to_numpy(float)
    z = np.column_stack([np.ones(len(d)), d["years"], 1 - right, right])
    cp = crossproducts(x, z, d["score"].to_numpy(float), pd.factorize(d["participant_id"])[0])
    assert neg2_loglik(phi, cp, reml=True, nested=2) == pytest.approx(
        -2 * vc["loglik"].iloc[0], abs=1e-6)


@pytest.mark.parametrize("model", ["sleep_reml", "sleep_ml"])
def test_variance_parameter_covariance_matches_r(sleep, model):
    ref = pd.read_csv(REF / "outputs" / "phi_covariance.csv").query("model == @model")
    x = np.column_stack([np.ones(len(sleep)), sleep["Days"]])
    cp = crossproducts(x, x, sleep["Reaction"].to_numpy(float),
                       pd.factorize(sleep["Subject"])[0])
    phi = ref["phi"].to_numpy()
    reml = model == "sleep_reml"
    assert neg2_loglik(phi, cp, reml=reml) == pytest.approx(ref["neg2"].iloc[0], abs=1e-8)
    np.testing.assert_allclose(phi_covariance(phi, cp, reml=reml),
                               ref[["X1", "X2", "X3", "X4"]].to_numpy(), rtol=2e-4,
                               atol=1e-7)


def test_variance_intervals_bracket_the_estimates(sleep):
    r = bc.mixed_model(sleep, outcome="Reaction", exposures="Days", groups="Subject",
                       random_slope="Days")
    v = r.variance
    assert ((v["ci_lower"] < v["estimate"]) & (v["estimate"] < v["ci_upper"])).all()


def test_likelihood_ratio_refits_reml_by_ml(sleep):
    small = bc.mixed_model(sleep, outcome="Reaction", exposures="Days", groups="Subject")
    big = bc.mixed_model(sleep, outcome="Reaction", exposures="Days", groups="Subject",
                         random_slope="Days")
    lr = bc.likelihood_ratio(small, big)
    assert not lr.refitted and lr.df == 2
    ll = VARCORR.groupby("model")["loglik"].first()
    assert lr.chi2 == pytest.approx(2 * (ll["sleep_reml"] - ll["sleep_int"]), abs=1e-4)
    with pytest.raises(AnalysisInputError, match="not more than"):
        bc.likelihood_ratio(big, small)


@pytest.mark.parametrize("kwargs, message", [
    (dict(outcome="Reaction", exposures=()), "at least one exposure"),
    (dict(outcome="Reaction", exposures="Days", groups="Days"), "also model terms"),
    (dict(outcome="label", exposures="Days"), "numeric outcome"),
    (dict(outcome="Reaction", exposures="Days", df_method="kr"), "df_method"),
])
def test_bad_input(sleep, kwargs, message):
    kwargs.setdefault("groups", "Subject")
    with pytest.raises(AnalysisInputError, match=message):
        bc.mixed_model(sleep.assign(label="x"), **kwargs)


def test_renders_and_plots_trajectories(knees):
    import matplotlib.pyplot as plt

    r = bc.mixed_model(knees, outcome="score", exposures="bml_baseline", covariates="years",
                       interactions=[("bml_baseline", "years")], random_slope="years")
    assert "<table" in r._repr_html_()
    ax = r.plot()
    assert len(ax.get_lines()) == 2
    plt.close(ax.figure)


def test_degenerate_data_is_an_input_error_not_a_library_traceback():
    d = pd.DataFrame({"participant_id": [1, 1, 2, 2, 3, 3], "years": [0, 1.0] * 3,
                      "x": [1, 1, 0, 0, 1, 1.0], "y": [1.0] * 6})
    with pytest.raises(AnalysisInputError, match="constant"):
        bc.mixed_model(d, outcome="y", exposures="x", covariates="years",
                       random_slope="years")


def test_a_component_next_to_its_boundary_gets_no_interval_instead_of_an_error():
    """The small demo cohort's knee-score trajectories (seed 1): a variance component ends
    next to zero, where the Hessian of the variance parameters is singular; the fit is
    returned with the boundary warning and those intervals left empty."""
    from bmecohort.course import lesion_status
    from bmecohort.simulate import demo_cohort

    status = lesion_status(demo_cohort(seed=1, size="small"), unit="knee", aggregate="sum")
    table = status.table
    base = table.loc[table["visit"] == status.visits[0],
                     ["participant_id", "side", "present"]].rename(
        columns={"present": "baseline_bml"})
    frame = table.merge(base, on=["participant_id", "side"]).dropna(
        subset=["score", "baseline_bml"])
    frame = frame.assign(years=frame["months_from_baseline"].astype(float) / 12,
                         baseline_bml=frame["baseline_bml"].astype(float),
                         knee=frame["side"].astype(str))
    with pytest.warns(DataQualityWarning, match="boundary"):
        r = bc.mixed_model(frame, outcome="score", exposures="baseline_bml",
                           covariates="years", interactions=[("baseline_bml", "years")],
                           nested="knee", random_slope="years")
    assert np.isfinite(r.summary()["estimate"]).all()
    assert r.variance[["ci_lower", "ci_upper"]].isna().all().all()
