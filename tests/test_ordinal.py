"""Proportional-odds regression against R (tests/reference/ordinal/make_ordinal.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning

REF = Path(__file__).parent / "reference" / "ordinal"


@pytest.fixture(scope="module")
def polr() -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / "polr.csv")


@pytest.fixture(scope="module")
def knees() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "knees.csv")


def _compare(result, ref: pd.DataFrame, rename=lambda t: t) -> None:
    coefs = ref.query("kind == 'coef'")
    table = result.summary().set_index("term")
    ours = table.loc[[rename(t) for t in coefs["term"]]]
    np.testing.assert_allclose(ours["coef"], coefs["estimate"], atol=1e-6)
    np.testing.assert_allclose(ours["coef"], coefs["clm_estimate"], atol=1e-6)
    np.testing.assert_allclose(ours["se"], coefs["se"], rtol=1e-4)
    zeta = ref.query("kind == 'zeta'")
    np.testing.assert_allclose(result.cutpoints["coef"], zeta["estimate"], atol=1e-6)
    np.testing.assert_allclose(result.cutpoints["se"], zeta["se"], rtol=1e-4)


def test_matches_polr_and_clm_on_housing(polr):
    housing = pd.read_csv(REF / "inputs" / "housing.csv")
    housing["Sat"] = pd.Categorical(housing["Sat"], ["Low", "Medium", "High"], ordered=True)
    r = bc.ordinal(housing, outcome="Sat", exposures=["Infl", "Type", "Cont"],
                   categorical=["Infl", "Type", "Cont"],
                   reference={"Infl": "Low", "Type": "Tower", "Cont": "Low"})
    names = {"InflMedium": "Infl[Medium]", "InflHigh": "Infl[High]",
             "TypeApartment": "Type[Apartment]", "TypeAtrium": "Type[Atrium]",
             "TypeTerrace": "Type[Terrace]", "ContHigh": "Cont[High]"}
    _compare(r, polr.query("data == 'housing'"), names.get)
    assert r.levels == ("Low", "Medium", "High")
    assert list(r.cutpoints["term"]) == ["Low|Medium", "Medium|High"]
    assert r.cov_type == "model-based" and r.accounting.n_used == 1681


def test_matches_polr_on_knees_without_clustering(polr, knees):
    with pytest.warns(DataQualityWarning, match="analysed as independent"):
        r = bc.ordinal(knees, outcome="grade", exposures="malalign",
                       covariates=["bmi", "female"], cluster=None)
    ref = polr.query("data == 'knees'")
    coefs = ref.query("kind == 'coef'").set_index("term")
    table = r.summary().set_index("term")
    for term in ("bmi", "female", "malalign"):
        assert table.loc[term, "coef"] == pytest.approx(coefs.loc[term, "estimate"], abs=1e-6)
        assert table.loc[term, "se"] == pytest.approx(coefs.loc[term, "se"], rel=1e-4)
        assert table.loc[term, "estimate"] == pytest.approx(np.exp(table.loc[term, "coef"]))


def test_clusters_by_person_by_default_as_sandwich_vcovcl(knees):
    ref = pd.read_csv(REF / "outputs" / "cluster_se.csv").set_index("term")
    r = bc.ordinal(knees, outcome="grade", exposures=["bmi", "female", "malalign"])
    assert r.cov_type == "cluster-robust" and r.accounting.n_clusters == 400
    table = r.summary().set_index("term")
    # statsmodels' OrderedModel differentiates the per-unit scores numerically: 5e-4
    for term in ref.index:
        assert table.loc[term, "se"] == pytest.approx(ref.loc[term, "se"], rel=5e-4)


def test_brant_test_matches_the_formula_in_r(knees):
    ref = pd.read_csv(REF / "outputs" / "brant.csv").set_index("term")
    r = bc.ordinal(knees, outcome="grade", exposures=["bmi", "female", "malalign"])
    brant = r.brant.set_index("term")
    np.testing.assert_allclose(brant.loc[ref.index, "chi2"], ref["chi2"], rtol=1e-6)
    assert (brant.loc[ref.index, "df"] == ref["df"]).all()


def test_brant_rejects_non_proportional_odds():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, 3000)
    # x moves grade 0 -> 1 strongly but not 1 -> 2 or 2 -> 3: odds ratios differ by cut-point
    latent = rng.logistic(size=3000)
    grade = np.where(latent + 2.0 * x > 0, 1, 0) + (latent > 1.2) + (latent > 2.5)
    r = bc.ordinal(pd.DataFrame({"g": grade, "x": x}), outcome="g", exposures="x")
    assert r.brant.set_index("term").loc["x", "p_value"] < 1e-6


@pytest.mark.parametrize("kwargs, message", [
    (dict(outcome="female", exposures="bmi"), "at least 3"),
    (dict(outcome="grade", exposures="grade"), "also a model term"),
    (dict(outcome="grade", exposures=()), "at least one exposure"),
])
def test_bad_input(knees, kwargs, message):
    with pytest.raises(AnalysisInputError, match=message):
        bc.ordinal(knees, cluster=None, **kwargs)


def test_renders_and_plots(knees):
    import matplotlib.pyplot as plt

    r = bc.ordinal(knees, outcome="grade", exposures=["bmi", "malalign"])
    assert "<table" in r._repr_html_()
    ax = r.plot()
    assert ax.has_data()
    plt.close(ax.figure)
