"""Weighted incidence, resolution and Kaplan-Meier against R (tests/reference/weights_occurrence).

References (make_weights_occurrence.R), on a simulated knee cohort with informative loss to
follow-up and stabilised IPCW: survey::svymean / svyciprop(method = "logit", df = Inf) with
svydesign(ids = ~participant_id, weights = ~w), whose variance bmecohort matches after
removing survey's G/(G-1) factor (the ``*_plain`` columns), and geepack::geeglm(y ~ 1,
binomial, weights = w, id = participant, "independence") (same interval, independently).
Tolerances: estimates 1e-9, standard errors and bounds 1e-7 (absolute).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.occurrence.proportions import incidence, resolution
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "weights_occurrence"
EST_TOL, CI_TOL = 1e-9, 1e-7


def _transitions() -> pd.DataFrame:
    table = pd.read_csv(REF / "inputs" / "transitions.csv")
    for column in ("present_from", "present_to"):
        table[column] = table[column].astype("boolean")
    return table


TRANSITIONS = _transitions()
PROPORTIONS = pd.read_csv(REF / "outputs" / "weighted_proportions.csv")


@pytest.mark.parametrize("case", PROPORTIONS.to_dict("records"), ids=PROPORTIONS["id"].tolist())
def test_weighted_proportion_matches_survey_and_geepack(case: dict) -> None:
    table = TRANSITIONS.loc[TRANSITIONS["first_knee"]] if case["one_knee"] else TRANSITIONS
    estimator = incidence if case["kind"] == "incidence" else resolution
    got = estimator(table, weights="w", alpha=case["alpha"])
    assert got.accounting.n_used == case["n"] and got.accounting.events == case["events"]
    assert got.accounting.n_clusters == case["clusters"]
    np.testing.assert_allclose(got.estimate, case["estimate"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [case["ci_lower_plain"], case["ci_upper_plain"]],
                               rtol=0, atol=CI_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [case["ci_lower_geepack"], case["ci_upper_geepack"]],
                               rtol=0, atol=CI_TOL)
    # the standard error of the proportion is survey's without its G/(G-1) factor
    se_logit = float(np.sqrt(got.raw.cov_params()[0, 0]))
    se = se_logit * got.estimate * (1 - got.estimate)
    g = case["clusters"]
    np.testing.assert_allclose(se, case["se_survey"] * np.sqrt((g - 1) / g), rtol=0,
                               atol=CI_TOL)
    assert got.weights == "w" and got.header()["weights"] == "w"
    assert got.accounting.weights == "w" and got.accounting.effective_n < got.accounting.n_used
    assert got.method == ("weighted-logit-wald-robust" if case["one_knee"]
                          else "weighted-logit-wald-cluster-robust")
    assert got.cluster == (None if case["one_knee"] else "participant_id")
    assert dict(got.accounting.excluded)["missing w"] >= 1


def test_missing_weights_are_excluded_and_counted() -> None:
    got = incidence(TRANSITIONS, weights="w")
    plain = incidence(TRANSITIONS)
    reasons = dict(got.accounting.excluded)
    at_risk_seen = ~TRANSITIONS["present_from"] & TRANSITIONS["present_to"].notna()
    assert reasons["missing w"] == int((at_risk_seen & TRANSITIONS["w"].isna()).sum())
    assert got.accounting.n_used == plain.accounting.n_used - reasons["missing w"]
    assert got.accounting.n_rows - got.accounting.n_used == sum(reasons.values())
    # units lost have no weight, which is not an error: they are "missing follow-up"
    assert reasons["missing follow-up"] == dict(plain.accounting.excluded)["missing follow-up"]


def test_ipcw_moves_the_complete_case_incidence_towards_the_truth() -> None:
    """Older persons are lost more and develop lesions more: weighting raises incidence."""
    weighted = incidence(TRANSITIONS, weights="w")
    plain = incidence(TRANSITIONS.dropna(subset=["w"]))
    assert weighted.estimate > plain.estimate
    assert weighted.ci_upper - weighted.ci_lower > 0


def test_unit_weights_give_the_unweighted_estimate_with_a_robust_interval() -> None:
    ones = TRANSITIONS.assign(w=1.0)
    weighted, plain = incidence(ones, weights="w"), incidence(ones)
    assert weighted.estimate == pytest.approx(plain.estimate, abs=1e-12)
    # clustered knees: the unweighted interval is the same sandwich
    assert plain.method == "logit-wald-cluster-robust"
    np.testing.assert_allclose([weighted.ci_lower, weighted.ci_upper],
                               [plain.ci_lower, plain.ci_upper], rtol=0, atol=1e-10)
    assert weighted.design_effect == pytest.approx(plain.design_effect, rel=1e-6)


def test_weights_none_is_unchanged() -> None:
    plain = incidence(TRANSITIONS)
    assert plain.weights is None and "weights" not in plain.header()
    assert plain.to_text() == incidence(TRANSITIONS, weights=None).to_text()


def test_weights_scale_free_and_row_order_free() -> None:
    a = incidence(TRANSITIONS, weights="w")
    b = incidence(TRANSITIONS.assign(w=TRANSITIONS["w"] * 7.5).sample(frac=1, random_state=3),
                  weights="w")
    np.testing.assert_allclose([a.estimate, a.ci_lower, a.ci_upper],
                               [b.estimate, b.ci_lower, b.ci_upper], rtol=1e-10)


@pytest.mark.parametrize("value, match", [(0.0, "zero or negative"), (-1.0, "zero or negative"),
                                          (np.inf, "infinite")])
def test_bad_weights_name_rows_and_values(value: float, match: str) -> None:
    bad = TRANSITIONS.copy()
    row = bad.index[(~bad["present_from"] & bad["present_to"].notna()).to_numpy()][0]
    bad.loc[row, "w"] = value
    with pytest.raises(AnalysisInputError, match=match) as err:
        incidence(bad, weights="w")
    assert f"rows {int(row)}" in str(err.value) and "'w'" in str(err.value)


def test_weights_on_rows_not_used_are_not_checked() -> None:
    odd = TRANSITIONS.copy()
    lost = odd["present_to"].isna().to_numpy()
    odd.loc[lost, "w"] = -5.0  # units lost are not used, whatever their weight
    assert incidence(odd, weights="w").estimate == incidence(TRANSITIONS, weights="w").estimate


def test_weight_column_errors() -> None:
    with pytest.raises(AnalysisInputError, match="not found"):
        incidence(TRANSITIONS, weights="nope")
    with pytest.raises(AnalysisInputError, match="numeric"):
        incidence(TRANSITIONS.assign(w="a"), weights="w")
    with pytest.raises(AnalysisInputError, match="name of a column"):
        incidence(TRANSITIONS, weights=TRANSITIONS["w"])  # type: ignore[arg-type]


def test_weighted_without_events_uses_kish_effective_n() -> None:
    table = pd.DataFrame({"participant_id": [1, 1, 2, 3, 4, 5], "visit_from": 0,
                          "visit_to": 24, "present_from": False, "present_to": False,
                          "w": [1.0, 1.0, 2.0, 0.5, 1.5, 1.0]})
    with pytest.warns(SmallCellWarning, match="Kish"):
        got = incidence(table, weights="w")
    assert got.estimate == 0.0 and got.ci_lower == 0.0
    n_eff = 7.0 ** 2 / 9.5
    from statsmodels.stats.proportion import proportion_confint
    assert got.ci_upper == pytest.approx(proportion_confint(0, n_eff, method="wilson")[1])
    assert got.method == "wilson-kish-effective-n" and got.raw is None


# --- weighted Kaplan-Meier --------------------------------------------------------------

SURVIVAL = pd.read_csv(REF / "inputs" / "survival.csv")
KM_REF = pd.read_csv(REF / "outputs" / "weighted_km.csv")


def _at_r_times(fit, times: np.ndarray) -> pd.DataFrame:
    table = fit.table.set_index("time")
    return table.loc[times]


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_weighted_km_matches_survfit_robust_clustered(conf_type: str) -> None:
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    ref = KM_REF.loc[KM_REF["conf_type"] == conf_type]
    fit = kaplan_meier(SURVIVAL, duration="time", event="event", weights="w",
                       conf_type=conf_type)
    got = _at_r_times(fit, ref["time"].to_numpy())
    np.testing.assert_allclose(got["estimate"], ref["surv"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["weighted_at_risk"], ref["n_risk"], rtol=1e-10)
    np.testing.assert_allclose(got["weighted_events"], ref["n_event"], rtol=0, atol=1e-10)
    # R's robust std.err is that of S(t); ours is of log S(t)
    np.testing.assert_allclose(got["se_log_survival"] * got["estimate"], ref["std_err"],
                               rtol=0, atol=1e-12)
    for ours, theirs in (("ci_lower", "lower"), ("ci_upper", "upper")):
        np.testing.assert_allclose(got[ours].to_numpy(float), ref[theirs].to_numpy(float),
                                   rtol=0, atol=1e-12, equal_nan=True)
    assert fit.cluster == "participant_id" and fit.weights == "w"
    assert fit.method == "kaplan-meier-weighted"
    assert fit.interval == f"{conf_type} robust (infinitesimal jackknife, clustered)"
    assert fit.accounting.n_clusters == SURVIVAL["participant_id"].nunique()
    assert fit.header()["weights"] == "w"
    # the risk table counts units, unweighted
    assert fit.table["at_risk"].iloc[0] == len(SURVIVAL)
    assert fit.table["events"].sum() == SURVIVAL["event"].sum()


def test_weighted_km_unclustered_and_unweighted_clustered_match_survfit() -> None:
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    ref = pd.read_csv(REF / "outputs" / "weighted_km_unclustered.csv")
    with pytest.warns(DataQualityWarning, match="independent"):
        fit = kaplan_meier(SURVIVAL, duration="time", event="event", weights="w",
                           cluster=None, conf_type="log")  # R's default scale
    got = _at_r_times(fit, ref["time"].to_numpy())
    np.testing.assert_allclose(got["se_log_survival"] * got["estimate"], ref["std_err"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["ci_lower"], ref["lower"], rtol=0, atol=1e-12)
    assert fit.cluster is None and "clustered" not in fit.interval
    ref = pd.read_csv(REF / "outputs" / "km_clustered_unweighted.csv")
    fit = kaplan_meier(SURVIVAL, duration="time", event="event", cluster="participant_id",
                       conf_type="log")
    got = _at_r_times(fit, ref["time"].to_numpy())
    np.testing.assert_allclose(got["estimate"], ref["surv"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["se_log_survival"] * got["estimate"], ref["std_err"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["ci_upper"], ref["upper"], rtol=0, atol=1e-12)
    assert fit.method == "kaplan-meier" and fit.weights is None
    # the default cluster="auto" finds the persons' repeated knees and gives the same
    auto = kaplan_meier(SURVIVAL, duration="time", event="event", conf_type="log")
    got = _at_r_times(auto, ref["time"].to_numpy())
    np.testing.assert_allclose(got["se_log_survival"] * got["estimate"], ref["std_err"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["ci_lower"], ref["lower"], rtol=0, atol=1e-12)
    assert auto.cluster == "participant_id" and auto.interval.endswith("clustered)")
    assert auto.accounting.clustered and auto.accounting.n_clusters == \
        SURVIVAL["participant_id"].nunique()


def test_weighted_km_missing_and_bad_weights() -> None:
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    d = SURVIVAL.copy()
    d.loc[[3, 10, 11], "w"] = np.nan
    fit = kaplan_meier(d, duration="time", event="event", weights="w")
    assert dict(fit.accounting.excluded) == {"missing w": 3}
    assert fit.accounting.n_used == len(d) - 3
    d.loc[5, "w"] = 0.0
    with pytest.raises(AnalysisInputError, match="rows 5"):
        kaplan_meier(d, duration="time", event="event", weights="w")


def test_km_without_weights_is_unchanged() -> None:
    """Greenwood's variance where units do not share persons, or on the opt-out."""
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    with pytest.warns(DataQualityWarning, match="independent"):
        plain = kaplan_meier(SURVIVAL, duration="time", event="event", cluster=None)
    assert list(plain.table.columns) == ["time", "at_risk", "events", "censored", "estimate",
                                         "ci_lower", "ci_upper"]
    assert plain.weights is None and plain.cluster is None and plain.interval == "log-log"
    assert plain.accounting.clustered is False and any("independent" in w
                                                       for w in plain.warnings)
    one_each = SURVIVAL.drop_duplicates("participant_id")
    greenwood = kaplan_meier(one_each, duration="time", event="event")
    assert greenwood.interval == "log-log" and greenwood.accounting.clustered is False
    assert greenwood.accounting.n_clusters == len(one_each) and not greenwood.warnings
    assert "weights" not in plain.header()
    ones = kaplan_meier(SURVIVAL.assign(w=1.0), duration="time", event="event", weights="w")
    np.testing.assert_allclose(ones.table["estimate"], plain.table["estimate"], atol=1e-14)


def test_weighted_km_free_of_row_order_and_weight_scale() -> None:
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    columns = ["time", "estimate", "ci_lower", "ci_upper", "se_log_survival"]
    a = kaplan_meier(SURVIVAL, duration="time", event="event", weights="w").table[columns]
    shuffled = SURVIVAL.assign(w=SURVIVAL["w"] * 3.0).sample(frac=1, random_state=5)
    b = kaplan_meier(shuffled, duration="time", event="event", weights="w").table[columns]
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-10, atol=1e-13)


def test_weighted_km_ties_at_zero_and_a_curve_reaching_zero_match_survfit() -> None:
    """Checked against R survfit(weights = w, cluster = id, robust = TRUE) by hand:
    se(log S) = 0.1177970, 0.6361038, 0.7902064, NA."""
    from bmecohort.estimators.survival.kaplan_meier import kaplan_meier

    d = pd.DataFrame({"t": [0, 1, 2, 2, 3], "e": [1, 1, 0, 1, 1], "w": [1, 2, 1, 1, 0.5],
                      "participant_id": [1, 1, 2, 3, 4]})
    table = kaplan_meier(d, duration="t", event="e", weights="w").table
    np.testing.assert_allclose(table["se_log_survival"], [0.1177970, 0.6361038, 0.7902064,
                                                          np.nan], atol=1e-7)
    assert np.isnan(table["ci_lower"].iloc[-1]) and table["estimate"].iloc[-1] == 0
