"""Multi-state Markov models against R msm (tests/reference/multistate/make_multistate.R)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError, ConvergenceWarning

REF = Path(__file__).parent / "reference" / "multistate"
MSM = pd.read_csv(REF / "outputs" / "intensities.csv")
Q_CAV = [[0, 0.25, 0, 0.25], [0.166, 0, 0.166, 0.166], [0, 0.25, 0, 0.5], [0, 0, 0, 0]]


@pytest.fixture(scope="module")
def cav_fit():
    cav = pd.read_csv(REF / "inputs" / "cav.csv")
    return bc.multistate(cav, subject="PTNUM", time="years", state="state", qmatrix=Q_CAV,
                         absorbing=[4])


@pytest.fixture(scope="module")
def lesion_fit():
    lesions = pd.read_csv(REF / "inputs" / "lesions.csv")
    return bc.multistate(lesions, subject="participant_id", time="years", state="state",
                         qmatrix=[[0, 0.1], [0.3, 0]], covariates=["bmi_c"])


def _compare(table: pd.DataFrame, ref: pd.DataFrame) -> None:
    np.testing.assert_allclose(table["estimate"], ref["estimate"], rtol=1e-4)
    np.testing.assert_allclose(table["ci_lower"], ref["lower"], rtol=1e-3)
    np.testing.assert_allclose(table["ci_upper"], ref["upper"], rtol=1e-3)


def test_cav_intensities_match_msm(cav_fit):
    ref = MSM.query("model == 'cav' and kind == 'intensity'")
    assert cav_fit.intensities[["from", "to"]].to_numpy().tolist() == \
        ref[["from", "to"]].to_numpy().tolist()
    _compare(cav_fit.intensities, ref)
    assert -2 * cav_fit.loglik == pytest.approx(ref["minus2loglik"].iloc[0], abs=1e-4)
    assert cav_fit.accounting.n_clusters == 622


def test_cav_pmatrix_and_sojourn_match_msm(cav_fit):
    p = pd.read_csv(REF / "outputs" / "pmatrix_cav_t5.csv").to_numpy()
    ours = cav_fit.pmatrix(5, ci=False)["estimate"].to_numpy().reshape(4, 4)
    np.testing.assert_allclose(ours, p, atol=1e-5)
    so = pd.read_csv(REF / "outputs" / "sojourn_cav.csv")
    mine = cav_fit.sojourn()
    np.testing.assert_allclose(mine["estimate"], so["estimate"], rtol=1e-4)
    np.testing.assert_allclose(mine["se"], so["se"], rtol=1e-3)


def test_pmatrix_intervals_are_seeded_and_bracket(cav_fit):
    a = cav_fit.pmatrix(2, seed=1, replicates=300)
    b = cav_fit.pmatrix(2, seed=1, replicates=300)
    pd.testing.assert_frame_equal(a, b)
    inner = a.query("`from` != 4")
    assert ((inner["ci_lower"] <= inner["estimate"] + 1e-12)
            & (inner["estimate"] <= inner["ci_upper"] + 1e-12)).all()


def test_covariate_hazard_ratio_on_the_boundary_is_not_reported():
    cav = pd.read_csv(REF / "inputs" / "cav.csv")
    with pytest.warns(ConvergenceWarning, match="boundary"):
        fit = bc.multistate(cav, subject="PTNUM", time="years", state="state",
                            qmatrix=Q_CAV, absorbing=[4], covariates=["sex"])
    assert fit.boundary == ("HR sex (2->4)",)
    ref = MSM.query("model == 'cav_sex' and kind == 'hazard_ratio'")
    hr = fit.hazard_ratios
    assert hr.loc[4, ["estimate", "ci_lower", "ci_upper"]].isna().all()
    keep = [0, 1, 2, 3, 5, 6]
    _compare(hr.iloc[keep].reset_index(drop=True), ref.iloc[keep].reset_index(drop=True))
    # msm stops short of the maximum: ours is at least as high
    assert -2 * fit.loglik <= ref["minus2loglik"].iloc[0] + 1e-6


def test_simulated_lesion_panel_matches_msm_and_truth(lesion_fit):
    ref = MSM.query("model == 'lesions'")
    _compare(lesion_fit.intensities, ref.query("kind == 'intensity'"))
    _compare(lesion_fit.hazard_ratios, ref.query("kind == 'hazard_ratio'"))
    hr = lesion_fit.hazard_ratios.set_index(["from", "to"])
    assert hr.loc[(1, 2), "ci_lower"] < 1.08 < hr.loc[(1, 2), "ci_upper"]  # simulated truth
    p2 = pd.read_csv(REF / "outputs" / "pmatrix_lesions_t2.csv").to_numpy()
    ours = lesion_fit.pmatrix(2, covariates={"bmi_c": 0}, ci=False)["estimate"].to_numpy()
    np.testing.assert_allclose(ours.reshape(2, 2), p2, atol=1e-5)


def test_next_state_and_prevalence(lesion_fit):
    nxt = lesion_fit.next_state()
    assert nxt["estimate"].tolist() == pytest.approx([1.0, 1.0])
    prev = lesion_fit.prevalence()
    by_time = prev.groupby("time")["expected"].sum()
    assert np.allclose(by_time, 1.0)
    assert (prev.groupby("time")["observed"].sum().round(12) == 1.0).all()
    # the two-state model fits its own simulated data: observed close to expected
    assert (prev["observed"] - prev["expected"]).abs().max() < 0.05


def test_exact_times_likelihood_by_hand():
    d = pd.DataFrame({"id": [1, 1, 2, 2], "t": [0.0, 2.0, 0.0, 1.0], "s": [1, 2, 1, 1]})
    fit = bc.multistate(d, subject="id", time="t", state="s", qmatrix=[[0, 0.5], [0.5, 0]],
                        exact_times=True)
    # exact transition times: q12 = events / time at risk = 1 / 3
    assert fit.intensities.iloc[0]["estimate"] == pytest.approx(1 / 3, rel=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(qmatrix=[[0, 1, 0]]), "square"),
    (dict(qmatrix=[[0, 0], [0, 0]]), "no transition"),
    (dict(qmatrix=[[0, 1], [1, 0]], states=["a", "b", "c"]), "labels"),
])
def test_bad_input(kwargs, message):
    d = pd.DataFrame({"id": [1, 1], "t": [0.0, 1.0], "s": [1, 2]})
    with pytest.raises(AnalysisInputError, match=message):
        bc.multistate(d, subject="id", time="t", state="s", **kwargs)


def test_unknown_states_and_repeated_times_are_errors():
    d = pd.DataFrame({"id": [1, 1, 2, 2], "t": [0.0, 1.0, 0.0, 0.0], "s": [1, 3, 1, 2]})
    with pytest.raises(AnalysisInputError, match="not states"):
        bc.multistate(d, subject="id", time="t", state="s", qmatrix=[[0, 1], [1, 0]])
    d.loc[1, "s"] = 2
    with pytest.raises(AnalysisInputError, match="twice at the same"):
        bc.multistate(d, subject="id", time="t", state="s", qmatrix=[[0, 1], [1, 0]])


def test_renders_and_plots(lesion_fit):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "<table" in lesion_fit._repr_html_()
    ax = lesion_fit.plot()
    assert len(ax.get_lines()) == 4
    plt.close(ax.figure)
