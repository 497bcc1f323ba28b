"""Time to event, Kaplan-Meier, Cox, interval-censored and Aalen-Johansen estimators.

References (tests/reference/survival/make_survival.R, survival 3.5): survfit(conf.type =
"log-log"), coxph(ties = "efron") with and without cluster(id), survreg(Surv(type =
"interval2"), dist = "weibull"), survfit's Turnbull NPMLE (EM tolerance tightened to 1e-11),
multi-state survfit (Aalen-Johansen) and the delta-method variance of the cumulative
incidence computed in R from its formula. Tolerances: estimates 1e-6, intervals and
standard errors 1e-4 (absolute for probabilities, relative for ratios and times).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from bmecohort._columns import SUMMARY_COLUMNS
from bmecohort.estimators.survival.competing import aalen_johansen
from bmecohort.estimators.survival.cox import cox
from bmecohort.estimators.survival.event_times import time_to_event
from bmecohort.estimators.survival.interval_fits import interval_censored
from bmecohort.estimators.survival.kaplan_meier import kaplan_meier
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning

REF = Path(__file__).parent / "reference" / "survival"
EST_TOL, CI_TOL = 1e-6, 1e-4


def _inputs(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / name)


def _outputs(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / name)


def _exact_times(ref: pd.DataFrame, data: pd.DataFrame) -> np.ndarray:
    """R's printed times (15 significant digits) as the input's exact doubles they stand for.

    An input time such as 19.240000000000002 prints as 19.24 in R's output; pandas >= 3.1
    parses both exactly, so a lookup at 19.24 would land just before that event.
    """
    exact = np.unique(data["time"].to_numpy(dtype=float))
    nearest = exact[np.abs(exact[:, None] - ref["time"].to_numpy()).argmin(axis=0)]
    np.testing.assert_allclose(nearest, ref["time"], rtol=1e-13, atol=0)
    return nearest


KM, KM_REF, KM_MEDIAN = _inputs("km.csv"), _outputs("km.csv"), _outputs("km_median.csv")
COX, COX_REF = _inputs("cox.csv"), _outputs("cox.csv")
INTERVAL, WEIBULL_REF = _inputs("interval.csv"), _outputs("weibull.csv")
TURNBULL, TURNBULL_REF = _inputs("turnbull.csv"), _outputs("turnbull.csv")
COMPETING, COMPETING_REF = _inputs("competing.csv"), _outputs("competing.csv")


# --- time_to_event: tiny cohorts solvable by hand ----------------------------------------

def _status() -> pd.DataFrame:
    """Seven knees (participant 1 has two), visits at 0, 12, 24 months.

    p1 left : free, free (12.5), lesion (24.0)        -> (12.5, 24.0], event
    p1 right: free, lesion (11.0), -                  -> (0, 11.0], event
    p2 left : free, missed, lesion (25.0)             -> (0, 25.0], event (missed visit)
    p3 left : lesion at baseline                      -> not at risk of incidence
    p4 left : free, free (12.0), free (24.5)          -> (24.5, inf), censored
    p5 left : baseline missing                        -> excluded
    p6 left : free, nothing after                     -> no follow-up visit
    """
    rows = [
        (1, "left", 0, 0.0, False), (1, "left", 12, 12.5, False), (1, "left", 24, 24.0, True),
        (1, "right", 0, 0.0, False), (1, "right", 12, 11.0, True),
        (2, "left", 0, 0.0, False), (2, "left", 12, 12.0, None), (2, "left", 24, 25.0, True),
        (3, "left", 0, 0.0, True), (3, "left", 12, 12.0, True), (3, "left", 24, 24.0, False),
        (4, "left", 0, 0.0, False), (4, "left", 12, 12.0, False), (4, "left", 24, 24.5, False),
        (5, "left", 0, 0.0, None), (5, "left", 12, 12.0, True),
        (6, "left", 0, 0.0, False),
    ]
    frame = pd.DataFrame(rows, columns=["participant_id", "side", "visit",
                                        "months_from_baseline", "present"])
    frame["present"] = frame["present"].astype("boolean")
    return frame


def test_time_to_event_incidence_by_hand() -> None:
    status = SimpleNamespace(table=_status(), keys=("participant_id", "side"), unit="knee")
    got = time_to_event(status)
    expected = pd.DataFrame({
        "participant_id": [1, 1, 2, 4], "side": ["left", "right", "left", "left"],
        "lower": [12.5, 0.0, 0.0, 24.5], "upper": [24.0, 11.0, 25.0, np.inf],
        "event": [True, True, True, False], "midpoint": [18.25, 5.5, 12.5, 24.5],
    })
    pd.testing.assert_frame_equal(got, expected)
    accounting = got.attrs["accounting"]
    assert accounting.unit == "knee"
    assert (accounting.n_rows, accounting.n_used, accounting.events) == (7, 4, 3)
    assert accounting.n_clusters == 3
    assert dict(accounting.excluded) == {"missing baseline status": 1,
                                         "lesion at baseline (not at risk)": 1,
                                         "no follow-up visit": 1}


def test_time_to_event_resolution_by_hand() -> None:
    got = time_to_event(_status(), event="resolution")
    # p3: lesion at 0 and 12 (12.0), gone at 24 (24.0); p5 has no baseline status
    assert got[["participant_id", "lower", "upper", "event"]].to_dict("records") == [
        {"participant_id": 3, "lower": 12.0, "upper": 24.0, "event": True}]
    assert dict(got.attrs["accounting"].excluded)["no lesion at baseline (not at risk)"] == 5


def test_time_to_event_ignores_row_order_and_baseline_offset() -> None:
    status = _status()
    shuffled = status.sample(frac=1.0, random_state=3)
    got = time_to_event(shuffled).sort_values(["participant_id", "side"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, time_to_event(status))
    # time runs from each unit's own baseline date
    shifted = status.assign(months_from_baseline=status["months_from_baseline"] + 2.0)
    pd.testing.assert_frame_equal(time_to_event(shifted), time_to_event(status))
    # a later baseline visit: only units free of lesion at 12 months are at risk
    later = time_to_event(status, baseline=12)
    assert later[["participant_id", "lower", "upper"]].to_dict("records") == [
        {"participant_id": 1, "lower": 0.0, "upper": 11.5},
        {"participant_id": 4, "lower": 12.5, "upper": np.inf}]


def test_time_to_event_rejects_bad_status() -> None:
    status = _status()
    with pytest.raises(AnalysisInputError, match="same 'visit'"):
        time_to_event(pd.concat([status, status.iloc[[0]]]))
    backwards = status.copy()
    backwards.loc[2, "months_from_baseline"] = 10.0  # before the 12.5-month visit
    with pytest.raises(AnalysisInputError, match="does not increase"):
        time_to_event(backwards)
    with pytest.raises(AnalysisInputError, match="participant_id"):
        time_to_event(status, keys=("side",))
    with pytest.raises(AnalysisInputError, match="'incidence' or 'resolution'"):
        time_to_event(status, event="progression")  # type: ignore[arg-type]


# --- Kaplan-Meier -----------------------------------------------------------------------

@pytest.mark.parametrize("dataset", KM["dataset"].unique().tolist())
def test_kaplan_meier_matches_survfit_log_log(dataset: str) -> None:
    data = KM.query("dataset == @dataset")
    ref = KM_REF.query("dataset == @dataset")
    got = kaplan_meier(data, duration="time", event="status")
    at = got.survival_at(_exact_times(ref, data))
    np.testing.assert_allclose(at["estimate"], ref["estimate"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose(at["ci_lower"], ref["ci_lower"], rtol=0, atol=CI_TOL)
    np.testing.assert_allclose(at["ci_upper"], ref["ci_upper"], rtol=0, atol=CI_TOL)
    np.testing.assert_array_equal(at["at_risk"], ref["n_risk"])
    summary = got.summary()  # one row per event time, as R's summary(fit)
    np.testing.assert_allclose(summary["time"], ref["time"])
    np.testing.assert_array_equal(summary["events"], ref["n_event"])
    np.testing.assert_array_equal(summary["n"], ref["n_risk"])
    median = KM_MEDIAN.query("dataset == @dataset").iloc[0]
    np.testing.assert_allclose(
        [got.median, got.median_ci_lower, got.median_ci_upper],
        median[["median", "ci_lower", "ci_upper"]].astype(float).fillna(np.inf), rtol=EST_TOL)
    assert got.accounting.events == int(data["status"].sum())
    assert got.censored == len(data) - got.accounting.events


def test_kaplan_meier_curve_lookup_and_accounting() -> None:
    data = KM.query("dataset == 'small'").copy()
    data.loc[data.index[0], "status"] = np.nan
    before = data.copy()
    got = kaplan_meier(data, duration="time", event="status", label="knees")
    pd.testing.assert_frame_equal(data, before)
    at = got.survival_at([0.0, 1.5, 100.0])
    assert at["estimate"].iloc[0] == 1.0 and at["estimate"].iloc[1] == 1.0
    assert np.isnan(at["estimate"].iloc[2]) and at["at_risk"].iloc[2] == 0
    assert dict(got.accounting.excluded) == {"missing status": 1}
    assert got.summary()["term"].unique().tolist() == ["knees"]
    assert list(got.summary().columns[:5]) == list(SUMMARY_COLUMNS)
    assert {"time", "at_risk", "events", "censored"} <= set(got.table.columns)
    assert got.raw.__class__.__name__ == "KaplanMeierFitter"
    with pytest.raises(AnalysisInputError, match=">= 0"):
        kaplan_meier(data.assign(time=-data["time"]), duration="time", event="status")


def test_kaplan_meier_on_time_to_event_keeps_the_unit() -> None:
    frame = time_to_event(SimpleNamespace(table=_status(), keys=("participant_id", "side"),
                                          unit="knee"))
    got = kaplan_meier(frame, duration="midpoint", event="event")
    assert got.accounting.unit == "knee"
    # midpoints 5.5, 12.5, 18.25 (events) and 24.5 (censored): S drops by 1/4, 1/3, 1/2
    np.testing.assert_allclose(got.survival_at([5.5, 12.5, 18.25])["estimate"],
                               [3 / 4, 1 / 2, 1 / 4])


# --- Cox ------------------------------------------------------------------------------

def _check_cox(got, ref: pd.DataFrame, se_tol: float) -> None:
    table = got.table.set_index("term").loc[ref["term"]]
    np.testing.assert_allclose(table["coef"], ref["coef"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose(table["estimate"], ref["estimate"], rtol=EST_TOL)
    np.testing.assert_allclose(table["se"], ref["se"], rtol=se_tol)
    np.testing.assert_allclose(table[["ci_lower", "ci_upper"]], ref[["ci_lower", "ci_upper"]],
                               rtol=se_tol)
    np.testing.assert_allclose(table["p_value"], ref["p_value"], rtol=10 * se_tol)
    np.testing.assert_allclose(got.log_likelihood, ref["loglik"].iloc[0], rtol=EST_TOL)
    assert got.accounting.n_used == ref["n"].iloc[0]
    assert got.accounting.events == ref["events"].iloc[0]


@pytest.mark.parametrize("dataset", ["tied", "untied"])
def test_cox_efron_matches_coxph(dataset: str) -> None:
    data = COX.query("dataset == @dataset")
    got = cox(data, duration="time", event="status", covariates=["x", "z"])
    _check_cox(got, COX_REF.query("dataset == @dataset and model == 'model'"), CI_TOL)
    assert got.method == "cox-efron" and got.cov_type == "model"


@pytest.mark.parametrize("dataset", ["tied", "untied"])
def test_cox_cluster_robust_matches_coxph(dataset: str) -> None:
    """Efron-consistent sandwich, as R coxph(..., cluster = id), with and without ties."""
    data = COX.query("dataset == @dataset")
    got = cox(data, duration="time", event="status", covariates=["x", "z"], cluster="id")
    _check_cox(got, COX_REF.query("dataset == @dataset and model == 'robust'"), CI_TOL)
    assert got.cov_type == "robust-cluster"
    assert (got.accounting.n_clusters, got.accounting.cluster) == (100, "id")
    assert got.warnings == ()
    shuffled = cox(data.sample(frac=1.0, random_state=7), duration="time", event="status",
                   covariates=["x", "z"], cluster="id")
    np.testing.assert_allclose(shuffled.table["se"], got.table["se"], rtol=1e-10)


@pytest.mark.parametrize("dataset", ["tied", "untied"])
def test_cox_default_is_robust_by_person_when_persons_repeat(dataset: str) -> None:
    """cluster="auto": the ids as participant_id give R coxph(cluster = id); cluster=None
    gives the model-based coxph with a recorded DataQualityWarning."""
    data = COX.query("dataset == @dataset").rename(columns={"id": "participant_id"})
    got = cox(data, duration="time", event="status", covariates=["x", "z"])
    _check_cox(got, COX_REF.query("dataset == @dataset and model == 'robust'"), CI_TOL)
    assert got.cov_type == "robust-cluster" and got.cluster == "participant_id"
    assert got.accounting.clustered and got.accounting.n_clusters == 100
    with pytest.warns(DataQualityWarning, match="independent"):
        plain = cox(data, duration="time", event="status", covariates=["x", "z"],
                    cluster=None)
    _check_cox(plain, COX_REF.query("dataset == @dataset and model == 'model'"), CI_TOL)
    assert plain.cov_type == "model" and plain.cluster is None
    assert plain.accounting.clustered is False and "independent" in plain.warnings[0]
    # the statsmodels engine (Breslow ties, strata) resolves "auto" the same way
    breslow = cox(data, duration="time", event="status", covariates=["x", "z"],
                  ties="breslow")
    explicit = cox(data, duration="time", event="status", covariates=["x", "z"],
                   ties="breslow", cluster="participant_id")
    assert breslow.cov_type == "robust-cluster"
    np.testing.assert_allclose(breslow.table["se"], explicit.table["se"], rtol=1e-14)
    # one unit a person: model-based, no warning
    single = data.drop_duplicates("participant_id")
    alone = cox(single, duration="time", event="status", covariates=["x", "z"])
    assert alone.cov_type == "model" and alone.warnings == ()
    assert alone.accounting.clustered is False


def test_cox_auto_excludes_rows_without_a_person() -> None:
    data = COX.query("dataset == 'tied'").rename(columns={"id": "participant_id"})
    data = data.astype({"participant_id": float})
    data.iloc[:3, data.columns.get_loc("participant_id")] = np.nan
    got = cox(data, duration="time", event="status", covariates=["x", "z"])
    assert dict(got.accounting.excluded) == {"missing participant_id": 3}
    assert got.accounting.n_used == len(data) - 3


def test_efron_score_residuals_sum_to_the_score() -> None:
    """At the estimate the Efron score residuals sum to zero, column by column."""
    from bmecohort.estimators.survival._efron import efron_score_residuals

    data = COX.query("dataset == 'tied'")
    got = cox(data, duration="time", event="status", covariates=["x", "z"])
    residuals = efron_score_residuals(data["time"].to_numpy(float), data["status"].to_numpy(),
                                      data[["x", "z"]].to_numpy(float),
                                      got.table["coef"].to_numpy())
    np.testing.assert_allclose(residuals.sum(axis=0), 0.0, atol=1e-8)


def test_cox_rejects_bad_covariates() -> None:
    data = COX.query("dataset == 'tied'").assign(group=lambda d: np.where(d["x"] == 1, "a", "b"))
    with pytest.raises(AnalysisInputError, match="dummy-code"):
        cox(data, duration="time", event="status", covariates=["group"])
    with pytest.raises(AnalysisInputError, match="at least one covariate"):
        cox(data, duration="time", event="status", covariates=[])


# --- interval censoring ---------------------------------------------------------------

@pytest.mark.parametrize(("model", "covariates"), [("intercept", ()), ("covariates", ("x", "z"))])
def test_weibull_aft_matches_survreg_interval2(model: str, covariates: tuple[str, ...]) -> None:
    ref = WEIBULL_REF.query("model == @model").set_index("term")
    got = interval_censored(INTERVAL, lower="lower", upper="upper", covariates=covariates)
    table = got.table.set_index("term").loc[ref.index]
    np.testing.assert_allclose(table["coef"], ref["coef"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose(table["se"], ref["se"], rtol=CI_TOL)
    np.testing.assert_allclose(np.log(table[["ci_lower", "ci_upper"]]),
                               ref[["ci_lower", "ci_upper"]], rtol=0, atol=CI_TOL)
    np.testing.assert_allclose(got.log_likelihood, ref["loglik"].iloc[0], rtol=EST_TOL)
    assert got.accounting.events == int(np.isfinite(INTERVAL["upper"]).sum())
    assert list(got.summary()["term"][:2]) == ["lambda_", "rho_"]
    if not covariates:  # S(t) = exp(-(t / lambda)^rho)
        lam, rho = np.exp(ref.loc["lambda_", "coef"]), np.exp(ref.loc["rho_", "coef"])
        np.testing.assert_allclose(got.survival_at([12.0, 24.0])["estimate"],
                                   np.exp(-(np.array([12.0, 24.0]) / lam) ** rho), rtol=1e-5)


def test_turnbull_by_hand() -> None:
    r"""Intervals (0,12], (12,24], (0,24], (24,inf): Turnbull intervals (0,12], (12,24],
    (24,inf) with masses p1, p2, p3. The likelihood p1 p2 (p1 + p2) p3 is symmetric in p1, p2
    and log-concave, so p1 = p2 = a, p3 = 1 - 2a and a^3 (1 - 2a) is maximal at a = 3/8:
    S(12) = 5/8, S(24) = 1/4 (R's survfit agrees)."""
    data = pd.DataFrame({"lower": [0, 12, 0, 24.0], "upper": [12, 24, 24, np.inf]})
    got = interval_censored(data, lower="lower", upper="upper", model="turnbull")
    np.testing.assert_allclose(got.table["estimate"], [1.0, 5 / 8, 1 / 4], atol=1e-6)
    np.testing.assert_allclose(got.intervals["mass"], [3 / 8, 3 / 8, 1 / 4], atol=1e-6)
    np.testing.assert_allclose(got.log_likelihood, np.log((3 / 8) ** 2 * (3 / 4) * (1 / 4)),
                               rtol=1e-9)
    at = got.survival_at([6.0, 12.0, 30.0])
    assert np.isnan(at["estimate"].iloc[0]) and at["estimate"].iloc[1] == pytest.approx(5 / 8)
    np.testing.assert_allclose(at[["estimate_min", "estimate_max"]].iloc[[0, 2]],
                               [[5 / 8, 1.0], [0.0, 1 / 4]], atol=1e-6)


def test_turnbull_matches_survfit() -> None:
    got = interval_censored(TURNBULL, lower="lower", upper="upper", model="turnbull")
    np.testing.assert_allclose(got.table["time"], TURNBULL_REF["time"])
    np.testing.assert_allclose(got.table["estimate"], TURNBULL_REF["estimate"], rtol=0,
                               atol=EST_TOL)
    assert got.intervals["mass"].sum() == pytest.approx(1.0)
    assert got.table["ci_lower"].isna().all()


def test_interval_censored_rejects_bad_input() -> None:
    with pytest.raises(AnalysisInputError, match="no covariates"):
        interval_censored(INTERVAL, lower="lower", upper="upper", covariates=["x"],
                          model="turnbull")
    with pytest.raises(AnalysisInputError, match="lower <= upper"):
        interval_censored(INTERVAL.assign(upper=INTERVAL["lower"] / 2), lower="lower",
                          upper="upper")


# --- Aalen-Johansen ---------------------------------------------------------------------

AJ_TOL = 1e-12  # the estimate and the delta-method interval, both computed exactly


@pytest.mark.parametrize("dataset", ["untied", "tied", "heavy_ties"])
@pytest.mark.parametrize("cause", [1, 2])
def test_aalen_johansen_matches_multistate_survfit(dataset: str, cause: int) -> None:
    data = COMPETING.query("dataset == @dataset")
    ref = COMPETING_REF.query("dataset == @dataset")
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the global RNG is never used
    got = aalen_johansen(data, duration="time", event="status", event_of_interest=cause)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    at = got.cumulative_incidence_at(_exact_times(ref, data))
    np.testing.assert_allclose(at["estimate"], ref[f"cif{cause}"], rtol=0, atol=AJ_TOL)
    np.testing.assert_array_equal(at["at_risk"], ref["n_risk"])
    assert got.accounting.events == int((data["status"] == cause).sum())
    assert got.competing + got.censored + got.accounting.events == len(data)


def test_the_heavily_tied_case_ties_both_event_types_and_censorings() -> None:
    data = COMPETING.query("dataset == 'heavy_ties'")
    both = data.loc[data["status"] > 0].groupby("time")["status"].nunique()
    censored = set(data.loc[data["status"] == 0, "time"])
    assert (both > 1).sum() >= 3 and len(censored & set(both.index)) >= 3


@pytest.mark.parametrize("dataset", ["untied", "tied", "heavy_ties"])
def test_aalen_johansen_interval_matches_delta_method(dataset: str) -> None:
    """The Marubini-Valsecchi delta-method interval coded in R, with ties there."""
    data = COMPETING.query("dataset == @dataset")
    ref = COMPETING_REF.query("dataset == @dataset and cif1 > 0")
    got = aalen_johansen(data, duration="time", event="status", event_of_interest=1)
    at = got.cumulative_incidence_at(_exact_times(ref, data))
    finite = np.isfinite(ref["ci_lower_delta"].to_numpy())
    np.testing.assert_allclose(at["ci_lower"][finite], ref["ci_lower_delta"][finite],
                               rtol=0, atol=AJ_TOL)
    np.testing.assert_allclose(at["ci_upper"][finite], ref["ci_upper_delta"][finite],
                               rtol=0, atol=AJ_TOL)


def test_aalen_johansen_is_invariant_to_row_order_and_seed_is_deprecated() -> None:
    data = COMPETING.query("dataset == 'heavy_ties'")
    got = aalen_johansen(data, duration="time", event="status", event_of_interest=1)
    shuffled = aalen_johansen(data.sample(frac=1, random_state=3), duration="time",
                              event="status", event_of_interest=1)
    pd.testing.assert_frame_equal(got.table, shuffled.table)
    with pytest.warns(FutureWarning, match="seed is deprecated"):
        aalen_johansen(data, duration="time", event="status", event_of_interest=1, seed=1)


def test_aalen_johansen_without_competing_events_is_one_minus_km() -> None:
    data = KM.query("dataset == 'ties'")
    got = aalen_johansen(data, duration="time", event="status", event_of_interest=1)
    km = kaplan_meier(data, duration="time", event="status")
    np.testing.assert_allclose(got.table["estimate"], 1 - km.table["estimate"], atol=1e-12)


def test_aalen_johansen_labels_and_errors() -> None:
    data = COMPETING.query("dataset == 'tied'").assign(
        status=lambda d: d["status"].map({0: "censored", 1: "lesion", 2: "replacement"}))
    got = aalen_johansen(data, duration="time", event="status", event_of_interest="lesion",
                         censored="censored")
    numeric = aalen_johansen(COMPETING.query("dataset == 'tied'"), duration="time",
                             event="status", event_of_interest=1)
    np.testing.assert_allclose(got.table["estimate"], numeric.table["estimate"], atol=1e-12)
    with pytest.raises(AnalysisInputError, match="event_of_interest"):
        aalen_johansen(data, duration="time", event="status", event_of_interest="death",
                       censored="censored")


# --- Aalen-Johansen clustered by person ----------------------------------------------------

@pytest.mark.parametrize("dataset", ["untied", "coarse"])
def test_aalen_johansen_default_is_robust_by_person_when_persons_repeat(dataset: str) -> None:
    """Two knees a person: the infinitesimal jackknife grouped by person equals R survfit's
    influence.pstate summed by person; cluster=None keeps the delta method, warned."""
    data = _inputs("competing_clustered.csv").query("dataset == @dataset")
    ref = _outputs("competing_clustered.csv").query("dataset == @dataset")
    got = aalen_johansen(data, duration="time", event="status", event_of_interest=1)
    table = got.table.set_index("time").loc[ref["time"]]
    np.testing.assert_allclose(table["estimate"], ref["cif1"], rtol=0, atol=1e-13)
    np.testing.assert_allclose(table["ci_lower"], ref["ci_lower"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["ci_upper"], ref["ci_upper"], rtol=0, atol=1e-12)
    assert got.cluster == "participant_id" and got.interval.endswith("clustered)")
    assert got.accounting.clustered and got.accounting.n_clusters == \
        data["participant_id"].nunique()
    with pytest.warns(DataQualityWarning, match="independent"):
        plain = aalen_johansen(data, duration="time", event="status", event_of_interest=1,
                               cluster=None)
    assert plain.interval == "log-log delta method" and plain.cluster is None
    assert plain.accounting.clustered is False and plain.warnings
    np.testing.assert_allclose(plain.table["estimate"], got.table["estimate"], rtol=1e-15)


def test_grouped_jackknife_of_single_units_is_survfits_and_blocks_agree() -> None:
    """Each unit its own group: R's ungrouped std.err; computing in blocks of clusters
    changes nothing."""
    from bmecohort.estimators.survival import _aalen_johansen as aj

    data = _inputs("competing_clustered.csv").query("dataset == 'coarse'")
    ref = _outputs("competing_clustered.csv").query("dataset == 'coarse'")
    times, status = data["time"].to_numpy(float), data["status"].to_numpy()
    single = aj.cumulative_incidence(times, status == 1, status > 0, 0.05,
                                     groups=np.arange(len(data)))
    np.testing.assert_allclose(np.sqrt(single["variance"]), ref["se_unclustered"], rtol=0,
                               atol=1e-13)
    whole = aj.cumulative_incidence(times, status == 1, status > 0, 0.05,
                                    groups=data["participant_id"].to_numpy())
    np.testing.assert_allclose(np.sqrt(whole["variance"]), ref["se_clustered"], rtol=0,
                               atol=1e-13)
    cells = aj._BLOCK_CELLS
    try:
        aj._BLOCK_CELLS = 7 * len(np.unique(times))  # seven persons a block
        blocks = aj.cumulative_incidence(times, status == 1, status > 0, 0.05,
                                         groups=data["participant_id"].to_numpy())
    finally:
        aj._BLOCK_CELLS = cells
    np.testing.assert_allclose(blocks["variance"], whole["variance"], rtol=1e-12)
