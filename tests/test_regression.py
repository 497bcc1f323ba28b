"""logistic(): plain (R glm), GEE (R geepack), Firth (R brglm2 + penalised profile likelihood).

References: tests/reference/regression/make_regression.R on the CSVs in inputs/.
Tolerances: estimates 1e-6 relative, intervals and p-values 1e-4 relative (the fits agree far
more closely; see the measured differences in the report of this module's author).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.regression import geefit
from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.estimators.regression.logit import RegressionResult, logistic
from bmecohort.exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SeparationWarning,
)

REF = Path(__file__).parent / "reference" / "regression"
EST_RTOL = 1e-6
CI_RTOL = 1e-4


@pytest.fixture(scope="module")
def coefficients() -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / "coefficients.csv")


@pytest.fixture(scope="module")
def gee_parameters() -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / "gee_parameters.csv")


@pytest.fixture(scope="module")
def knees() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "knees.csv")


@pytest.fixture(scope="module")
def vertebrae() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "vertebrae.csv")


def reference(coefficients: pd.DataFrame, dataset: str, model: str) -> pd.DataFrame:
    rows = coefficients[(coefficients.dataset == dataset) & (coefficients.model == model)]
    assert not rows.empty, (dataset, model)
    return rows[rows.term != "Intercept"].set_index("term")


def assert_matches(result: RegressionResult, ref: pd.DataFrame, *, terms: list[str] | None = None,
                   est_rtol: float = EST_RTOL, ci_rtol: float = CI_RTOL) -> None:
    """Compare a result with an R reference by term and column name."""
    summary = result.summary().set_index("term")
    for term in terms or list(ref.index):
        got, want = summary.loc[term], ref.loc[term]
        for column in ("coef", "se", "estimate"):
            np.testing.assert_allclose(got[column], want[column], rtol=est_rtol,
                                       err_msg=f"{term} {column}")
        for column in ("ci_lower", "ci_upper", "p_value"):
            np.testing.assert_allclose(got[column], want[column], rtol=ci_rtol,
                                       err_msg=f"{term} {column}")
        assert got["n"] == want["n"] and got["events"] == want["events"]


# --- plain logistic regression vs glm + confint.default --------------------------------------

def test_binary_exposure_matches_glm(knees, coefficients):
    result = logistic(knees, outcome="pain", exposures="bml", covariates=["age", "female"])
    assert result.method == "logistic-glm" and result.interval == "wald"
    assert_matches(result, reference(coefficients, "knees", "glm_binary"))
    assert result.summary()["term"].tolist() == ["bml", "age", "female"]


def test_categorical_and_trend_match_glm(knees, coefficients):
    result = logistic(knees, outcome="pain", exposures="bml_size", covariates=["age", "female"],
                      categorical="bml_size", trend=True)
    assert_matches(result, reference(coefficients, "knees", "glm_categorical"))
    assert_matches(result, reference(coefficients, "knees", "glm_trend"),
                   terms=["bml_size (trend)"])
    assert result.summary()["term"].tolist() == [
        "bml_size[1]", "bml_size[2]", "bml_size[3]", "bml_size (trend)", "age", "female"]
    ref_p = reference(coefficients, "knees", "glm_trend").loc["bml_size (trend)", "p_value"]
    np.testing.assert_allclose(result.trend["bml_size"], ref_p, rtol=CI_RTOL)
    assert result.p_trend == result.trend["bml_size"]


def test_second_data_set_matches_glm(vertebrae, coefficients):
    result = logistic(vertebrae, outcome="syndesmophyte", exposures="bme", covariates="age")
    assert_matches(result, reference(coefficients, "vertebrae", "glm"))


def test_accounting_counts_missing_rows(knees):
    result = logistic(knees, outcome="pain", exposures="bml", covariates=["age", "female"],
                      cluster="person_id", unit="knee")
    acc = result.accounting
    assert (acc.n_rows, acc.n_used, acc.events, acc.n_clusters) == (450, 443, 181, 250)
    assert dict(acc.excluded) == {"missing pain": 3, "missing age": 4}
    assert acc.unit == "knee" and acc.cluster == "person_id"
    assert acc.n_rows - acc.n_excluded == acc.n_used


# --- GEE vs geepack::geeglm ----------------------------------------------------------------

@pytest.mark.parametrize("engine", ["fast", "statsmodels"])
@pytest.mark.parametrize("cov_struct", ["exchangeable", "independence"])
@pytest.mark.parametrize(("dataset", "kind"), [("knees", "binary"), ("knees", "categorical"),
                                               ("vertebrae", None)])
def test_gee_matches_geepack(knees, vertebrae, coefficients, gee_parameters, engine,
                             cov_struct, dataset, kind):
    if dataset == "knees":
        kwargs = dict(outcome="pain", covariates=["age", "female"], cluster="person_id")
        if kind == "binary":
            kwargs.update(exposures="bml")
        else:
            kwargs.update(exposures="bml_size", categorical="bml_size", trend=True)
        result = logistic(knees, cov_struct=cov_struct, engine=engine, **kwargs)
        model = f"gee_{kind}_{cov_struct}"
    else:
        result = logistic(vertebrae, outcome="syndesmophyte", exposures="bme", covariates="age",
                          cluster="patient_id", cov_struct=cov_struct, engine=engine)
        model = f"gee_{cov_struct}"
    assert result.method == f"gee-{cov_struct}-robust"
    assert result.engine == ("fastgee" if engine == "fast" else engine)
    assert result.cov_type == "robust" and result.converged
    # the fast path must meet geepack to 1e-6 / 1e-4; statsmodels (ddof_scale=0) too
    assert_matches(result, reference(coefficients, dataset, model))
    if kind == "categorical":
        assert_matches(result, reference(coefficients, dataset, f"gee_trend_{cov_struct}"),
                       terms=["bml_size (trend)"])
    params = gee_parameters.set_index(["dataset", "model"]).loc[(dataset, model)]
    if cov_struct == "exchangeable":
        np.testing.assert_allclose(result.dep_param, params["alpha"], rtol=1e-6)
    else:
        assert result.dep_param is None


def test_exchangeable_and_independence_differ(knees):
    """The test data have real clustering, so the two working correlations disagree."""
    kwargs = dict(outcome="pain", exposures="bml", covariates=["age", "female"],
                  cluster="person_id")
    exch_fit = logistic(knees, cov_struct="exchangeable", **kwargs)
    assert exch_fit.dep_param > 0.3
    exch = exch_fit.odds_ratio("bml")
    ind = logistic(knees, cov_struct="independence", **kwargs).odds_ratio("bml")
    # far beyond the 1e-6 agreement with geepack that the other tests demand
    assert abs(exch.coef - ind.coef) > 0.02
    assert abs(exch.se / ind.se - 1) > 0.02


def test_gee_is_invariant_to_row_order(knees):
    kwargs = dict(outcome="pain", exposures="bml", covariates=["age", "female"],
                  cluster="person_id")
    shuffled = knees.sample(frac=1.0, random_state=3)
    a = logistic(knees, **kwargs).summary()
    b = logistic(shuffled, **kwargs).summary()
    np.testing.assert_allclose(a[["coef", "se"]].to_numpy(), b[["coef", "se"]].to_numpy(),
                               rtol=1e-9)


def test_auto_engine_chooses_fast_path(knees):
    result = logistic(knees, outcome="pain", exposures="bml", cluster="person_id",
                      cov_struct="independence")
    assert result.engine == "fastgee" and result.method == "gee-independence-robust"
    assert result.raw.n_clusters == 250 and result.fallback is None


def test_convergence_warning_is_issued_and_recorded(knees, monkeypatch):
    monkeypatch.setattr(geefit, "fit_fast_gee", functools.partial(fit_fast_gee, maxiter=2))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = logistic(knees, outcome="pain", exposures="bml", cluster="person_id",
                          engine="fast")
    assert not result.converged and result.engine == "fastgee" and result.fallback is None
    assert any("did not converge" in w for w in result.warnings)


def test_auto_engine_falls_back_when_the_fast_solver_stops(knees, monkeypatch):
    monkeypatch.setattr(geefit, "fit_fast_gee", functools.partial(fit_fast_gee, maxiter=2))
    kwargs = dict(outcome="pain", exposures="bml", cluster="person_id")
    auto = logistic(knees, **kwargs)
    general = logistic(knees, engine="statsmodels", **kwargs)
    assert auto.converged and auto.engine == "statsmodels" and auto.warnings == ()
    assert "iteration limit (2) reached" in auto.fallback and "engine fallback" in repr(auto)
    assert auto.method == general.method == "gee-exchangeable-robust"
    np.testing.assert_allclose(auto.summary()[["coef", "se"]].to_numpy(),
                               general.summary()[["coef", "se"]].to_numpy(), rtol=1e-12)


# --- categorical expansion and trend on a hand-checkable table ------------------------------

def _hand_table() -> pd.DataFrame:
    # size 0: 5 of 20 with pain, size 1: 5 of 10, size 2: 8 of 10
    size = np.repeat([0, 1, 2], [20, 10, 10])
    pain = np.r_[np.repeat([1, 0], [5, 15]), np.repeat([1, 0], [5, 5]), np.repeat([1, 0], [8, 2])]
    return pd.DataFrame({"bml_size": size, "pain": pain})


def test_categorical_expansion_by_hand():
    result = logistic(_hand_table(), outcome="pain", exposures="bml_size",
                      categorical="bml_size")
    summary = result.summary().set_index("term")
    # cross-product ratios against size 0 (5 events, 15 non-events), Woolf standard errors
    np.testing.assert_allclose(summary.loc["bml_size[1]", "estimate"], (5 / 5) / (5 / 15))
    np.testing.assert_allclose(summary.loc["bml_size[2]", "estimate"], (8 / 2) / (5 / 15))
    np.testing.assert_allclose(summary.loc["bml_size[1]", "se"],
                               np.sqrt(1 / 5 + 1 / 5 + 1 / 5 + 1 / 15), rtol=1e-7)
    np.testing.assert_allclose(summary.loc["bml_size[2]", "se"],
                               np.sqrt(1 / 8 + 1 / 2 + 1 / 5 + 1 / 15), rtol=1e-7)
    # another reference level inverts the odds ratio
    flipped = logistic(_hand_table(), outcome="pain", exposures="bml_size",
                       categorical="bml_size", reference=2).summary().set_index("term")
    assert list(flipped.index) == ["bml_size[0]", "bml_size[1]"]
    np.testing.assert_allclose(flipped.loc["bml_size[0]", "estimate"], 1 / 12)


def test_trend_equals_logistic_on_the_score_and_accepts_ordered_labels():
    import statsmodels.api as sm

    data = _hand_table()
    result = logistic(data, outcome="pain", exposures="bml_size", categorical="bml_size",
                      trend=True)
    direct = sm.Logit(data["pain"], sm.add_constant(data["bml_size"].astype(float))).fit(
        disp=0)
    row = result.odds_ratio("bml_size (trend)")
    np.testing.assert_allclose(row.coef, direct.params["bml_size"], rtol=1e-8)
    np.testing.assert_allclose(row.p_value, direct.pvalues["bml_size"], rtol=1e-6)
    labelled = data.assign(bml_size=pd.Categorical(
        data["bml_size"].map({0: "none", 1: "small", 2: "large"}),
        categories=["none", "small", "large"], ordered=True))
    again = logistic(labelled, outcome="pain", exposures="bml_size", categorical="bml_size",
                     trend=True)
    assert again.summary()["term"].tolist() == ["bml_size[small]", "bml_size[large]",
                                                "bml_size (trend)"]
    np.testing.assert_allclose(again.p_trend, result.p_trend, rtol=1e-10)


# --- separation and Firth -------------------------------------------------------------------

def test_zero_cell_gives_separation_warning():
    data = pd.read_csv(REF / "inputs" / "firth_separated.csv")
    with pytest.warns(SeparationWarning, match="firth=True"):
        result = logistic(data, outcome="y", exposures="exposed", covariates="z")
    assert any("exposed" in w and "separated" in w for w in result.warnings)


def test_continuous_separation_is_found_by_linear_programming():
    z = np.linspace(-2.0, 2.0, 40)
    data = pd.DataFrame({"z": z, "y": (z > 0.1).astype(int)})
    with pytest.warns(SeparationWarning, match="z"):
        logistic(data, outcome="y", exposures="z")


@pytest.mark.parametrize("engine", ["fast", "statsmodels"])
def test_separation_warning_on_the_gee_path(engine):
    data = pd.read_csv(REF / "inputs" / "firth_separated.csv")
    data = data.assign(person=np.arange(len(data)) // 2)
    with pytest.warns(SeparationWarning, match="cluster=None"):
        result = logistic(data, outcome="y", exposures="exposed", covariates="z",
                          cluster="person", engine=engine)
    assert result.accounting.n_clusters == 30


def test_no_separation_warning_on_ordinary_data(knees):
    result = logistic(knees, outcome="pain", exposures="bml", covariates="age")
    assert result.warnings == ()


@pytest.mark.parametrize("dataset", ["firth_separated", "firth_small"])
def test_firth_matches_brglm2_and_profile_likelihood(coefficients, dataset):
    data = pd.read_csv(REF / "inputs" / f"{dataset}.csv")
    result = logistic(data, outcome="y", exposures="exposed", covariates="z", firth=True)
    assert result.method == "firth-logistic-profile" and result.interval == "profile-likelihood"
    assert result.engine == "firthmodels" and result.warnings == ()
    assert_matches(result, reference(coefficients, dataset, "firth"))


def test_firth_with_cluster_is_refused(knees):
    with pytest.raises(AnalysisInputError, match="firth"):
        logistic(knees, outcome="pain", exposures="bml", cluster="person_id", firth=True)


# --- inputs ----------------------------------------------------------------------------------

def test_input_frame_is_not_modified(knees):
    before = knees.copy()
    logistic(knees, outcome="pain", exposures="bml_size", categorical="bml_size",
             cluster="person_id", trend=True)
    pd.testing.assert_frame_equal(knees, before)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(exposures="missing_column"), "not found"),
    (dict(exposures="side"), "non-numeric|not numbers"),  # object or str dtype
    (dict(exposures="bml_size", categorical="bml_size", reference=7), "does not occur"),
    (dict(exposures="bml", trend=True), "categorical"),
    (dict(exposures="bml", engine="turbo"), "engine"),
    (dict(exposures="bml", cov_struct="toeplitz"), "cov_struct"),
    (dict(exposures="bml", cov_struct="ar1", cluster="person_id"), "needs the visit order"),
    (dict(exposures="bml", alpha=1.5), "alpha"),
    (dict(exposures="bml", categorical="age"), "categorical"),
])
def test_bad_arguments_raise(knees, kwargs, match):
    with pytest.raises(AnalysisInputError, match=match):
        logistic(knees, outcome="pain", **kwargs)


def test_non_binary_outcome_and_constant_outcome_raise(knees):
    with pytest.raises(AnalysisInputError, match="binary"):
        logistic(knees, outcome="bml_size", exposures="bml")
    with pytest.raises(AnalysisInputError, match="must vary"):
        logistic(knees.assign(pain=0), outcome="pain", exposures="bml")


def test_constant_exposure_raises(knees):
    with pytest.raises(AnalysisInputError, match="constant"):
        logistic(knees.assign(bml=1), outcome="pain", exposures="bml")


def test_unknown_term_raises(knees):
    result = logistic(knees, outcome="pain", exposures="bml")
    with pytest.raises(AnalysisInputError, match="terms are"):
        result.odds_ratio("bml_size[2]")


def test_display_and_scalar_row(knees):
    result = logistic(knees, outcome="pain", exposures="bml", cluster="person_id")
    text = repr(result)
    assert "gee-exchangeable-robust" in text and "clusters (person_id)" in text
    assert "fastgee" in text  # the engine is shown apart from the method
    row = result.odds_ratio("bml")
    one = row.summary()
    assert one.loc[0, "term"] == "bml" and one.loc[0, "n"] == 447
    np.testing.assert_allclose(row.estimate, np.exp(row.coef))
    assert "<table" in result._repr_html_()


def test_bias_reduced_sandwich_matches_statsmodels_and_is_wider():
    """Mancl-DeRouen: statsmodels' own bias-reduced GEE, and wider than the plain sandwich."""
    import statsmodels.api as sm

    rng = np.random.default_rng(17)
    persons = np.repeat(np.arange(30), 4)
    shared = rng.normal(size=30)[persons]
    x = (rng.random(len(persons)) < 0.4).astype(int)
    y = (rng.random(len(persons)) < 1 / (1 + np.exp(-(-1 + 0.8 * x + shared)))).astype(int)
    data = pd.DataFrame({"y": y, "x": x, "person": persons})
    plain = logistic(data, outcome="y", exposures="x", cluster="person")
    reduced = logistic(data, outcome="y", exposures="x", cluster="person",
                       cov_type="bias_reduced")
    assert reduced.method == "gee-exchangeable-mancl-derouen" and reduced.engine == "statsmodels"
    assert reduced.cov_type == "bias_reduced"
    model = sm.GEE(y, sm.add_constant(x.astype(float)), groups=persons,
                   family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable())
    direct = model.fit(maxiter=100, ctol=1e-10, ddof_scale=0, cov_type="bias_reduced")
    row = reduced.summary().iloc[0]
    assert row["se"] == pytest.approx(direct.bse[1], rel=1e-6)
    assert row["estimate"] == pytest.approx(plain.summary().iloc[0]["estimate"], rel=1e-6)
    assert row["se"] > plain.summary().iloc[0]["se"]
    with pytest.raises(AnalysisInputError, match="bias_reduced"):
        logistic(data, outcome="y", exposures="x", cluster="person", cov_type="bias_reduced",
                 engine="fast")


# --- cluster="auto" and the one sandwich --------------------------------------------------------

ASSOCIATION = Path(__file__).parent / "reference" / "association"


@pytest.mark.parametrize("engine", ["fast", "statsmodels"])
@pytest.mark.parametrize("dataset", ["clustered_a", "clustered_b"])
def test_independence_gee_gives_the_interval_of_odds_ratio(dataset, engine):
    """One independence model, one interval, whichever function fits it (1e-8 relative)."""
    from bmecohort.estimators.association.unit_level import odds_ratio

    data = pd.read_csv(ASSOCIATION / "inputs" / f"{dataset}.csv")
    crude = odds_ratio(data, exposure="exposure", outcome="outcome")
    fit = logistic(data, outcome="outcome", exposures="exposure",
                   cov_struct="independence", engine=engine)
    term = fit.odds_ratio("exposure")
    assert crude.accounting.clustered and fit.accounting.clustered
    assert fit.method.startswith("gee-independence-robust")
    np.testing.assert_allclose([term.estimate, term.ci_lower, term.ci_upper],
                               [crude.estimate, crude.ci_lower, crude.ci_upper], rtol=1e-8)
    assert term.p_value == pytest.approx(crude.p_value, rel=1e-6)


def test_auto_fits_a_gee_when_participants_repeat():
    data = pd.read_csv(ASSOCIATION / "inputs" / "clustered_a.csv")
    auto = logistic(data, outcome="outcome", exposures="exposure")
    named = logistic(data, outcome="outcome", exposures="exposure", cluster="participant_id")
    assert auto.method == named.method == "gee-exchangeable-robust"
    pd.testing.assert_frame_equal(auto.summary(), named.summary())
    acc = auto.accounting
    assert (acc.cluster, acc.n_clusters, acc.clustered) == (
        "participant_id", data["participant_id"].nunique(), True)
    # one knee per person: the GLM, silently
    one = data.drop_duplicates("participant_id")
    single = logistic(one, outcome="outcome", exposures="exposure")
    assert single.method == "logistic-glm" and single.accounting.clustered is False
    assert single.cov_struct is None and single.warnings == ()


def test_opt_out_of_clustering_is_a_recorded_warning():
    data = pd.read_csv(ASSOCIATION / "inputs" / "clustered_a.csv")
    with pytest.warns(DataQualityWarning, match="analysed as independent") as record:
        naive = logistic(data, outcome="outcome", exposures="exposure", cluster=None)
    assert naive.method == "logistic-glm" and naive.accounting.clustered is False
    assert list(naive.warnings) == [str(w.message) for w in record]
    with pytest.warns(DataQualityWarning, match="firth=True fits an unclustered model"):
        firth = logistic(data, outcome="outcome", exposures="exposure", firth=True)
    assert firth.accounting.clustered is False
    with pytest.raises(AnalysisInputError, match="Firth-penalised GEE"):
        logistic(data, outcome="outcome", exposures="exposure", firth=True,
                 cluster="participant_id")


def test_library_caveats_are_read_from_warning_classes_not_text() -> None:
    """A reworded statsmodels message is still caught; a message that merely mentions
    convergence or separation in another class is not."""
    import warnings

    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning as LibraryConvergence,
    )
    from statsmodels.tools.sm_exceptions import (
        PerfectSeparationWarning,
    )

    def caught(*items: tuple[str, type[Warning]]) -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as out:
            warnings.simplefilter("always")
            for text, category in items:
                warnings.warn(text, category, stacklevel=1)
        return out

    assert geefit.library_flags(caught(("the solver gave up", LibraryConvergence))) == \
        (True, False)
    assert geefit.library_flags(caught(("fitted values are 0 or 1",
                                       PerfectSeparationWarning))) == (False, True)
    assert geefit.library_flags(caught(("failed to converge: perfect separation",
                                       RuntimeWarning))) == (False, False)


def test_separation_is_found_from_the_fitted_values_without_any_warning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # as if a library upgrade had silenced every statsmodels warning
    from bmecohort.estimators.regression import _logit_fit

    monkeypatch.setattr(_logit_fit, "library_flags", lambda caught: (False, False))
    frame = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1, 0, 1],
                          "x": [0.1, 0.5, 1.0, 1.4, 3.0, 3.2, 4.0, 5.1, 0.3, 2.9]})
    with pytest.warns(SeparationWarning):
        fit = logistic(frame, outcome="y", exposures="x", cluster=None)
    assert any("separated" in w for w in fit.warnings)
