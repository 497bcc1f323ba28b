"""Catalogue of invalid and awkward inputs, one group per kind, across every public estimator.

The rule everywhere (issue 11.5): a bad input ends in an :class:`AnalysisInputError` that
names the column or argument at fault, never in a traceback from numpy, pandas, statsmodels
or lifelines; an input that only changes the representation (nullable dtypes, categoricals,
column names that libraries use internally, repeated index labels) gives exactly the answer
of the plain frame. Each estimator is described once (its call, its frame and the part each
column plays); each test function is one kind of input, parametrised over the estimators
and columns it applies to.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError, BmecohortWarning

# --- the frames -----------------------------------------------------------------------------

_RNG = np.random.default_rng(20261206)
_N = 80
# last negative visit on a 6-month grid, as in the cohorts (24 distinct bounds made the
# Turnbull EM take ~0.5 s a fit, and this file fits it a dozen times; the checks
# here are about the input's representation, not its values)
_UPPER_START = (_RNG.integers(0, 24, _N) // 6 * 6).astype(float)
_EXPOSED = _RNG.integers(0, 2, _N)
UNITS = pd.DataFrame({
    "pid": np.repeat(np.arange(_N // 2), 2),
    "bml": _EXPOSED,
    "prog": (_RNG.random(_N) < 0.3 + 0.3 * _EXPOSED).astype(int),
    "age": _RNG.normal(60, 8, _N).round(1),
    "site": _RNG.integers(0, 3, _N),
    "months": _RNG.integers(1, 48, _N).astype(float),
    "event": (_RNG.random(_N) < 0.5).astype(int),
    "lower": _UPPER_START,
    "upper": np.where(_RNG.random(_N) < 0.5, _UPPER_START + 12, np.inf),
    "years": _RNG.uniform(0.5, 3, _N),
    "events": _RNG.poisson(0.5, _N),
})
# matched sets of 10 rows: statsmodels' conditional likelihood recurses over each set's
# size and its cases (3 sets of ~27 rows took 0.06-0.1 s a fit, 49 fits here; 0.01 s now)
UNITS["matched_set"] = np.arange(_N) // 10
UNITS["cause"] = np.where(UNITS["event"] == 1, _RNG.integers(1, 3, _N), 0)
TRANSITIONS = pd.DataFrame({
    "participant_id": np.repeat(np.arange(_N // 2), 2), "visit_from": 0, "visit_to": 24,
    "present_from": _RNG.random(_N) < 0.4, "present_to": _RNG.random(_N) < 0.5,
})
STATUS = pd.DataFrame({"participant_id": np.repeat(np.arange(_N), 3),
                       "visit": np.tile([0, 12, 24], _N)})
STATUS["months_from_baseline"] = STATUS["visit"] + _RNG.uniform(-0.4, 0.4, len(STATUS))
STATUS["present"] = _RNG.random(len(STATUS)) < 0.3
TABLES = pd.DataFrame({"exposed_cases": [5, 7, 9], "exposed_noncases": [10, 12, 8],
                       "unexposed_cases": [3, 4, 6], "unexposed_noncases": [15, 14, 12]})

# --- the estimators -------------------------------------------------------------------------

#: Kinds of column: "binary" 0/1, "numeric" covariate, "time" >= 0 finite, "time_inf" >= 0
#: (inf = right-censored), "count" whole >= 0, "id" cluster/stratum labels, "code" event codes.
Roles = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Spec:
    """One public estimator: how to call it, on which frame, and the part of each column."""

    name: str
    call: Callable[[pd.DataFrame, dict[str, str]], Any]
    frame: pd.DataFrame
    roles: Roles
    cluster: str | None = None  # the role whose single value must be refused

    def columns(self) -> dict[str, str]:
        return {role: column for role, (column, _) in self.roles.items()}

    def run(self, frame: pd.DataFrame, columns: dict[str, str] | None = None) -> Any:
        # statistical caveats (sparse cells, separation) are tested elsewhere
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.call(frame, columns or self.columns())


EXPOSURE_OUTCOME: Roles = {"exposure": ("bml", "binary"), "outcome": ("prog", "binary")}
SURVIVAL: Roles = {"duration": ("months", "time"), "event": ("event", "binary")}

SPECS = [
    Spec("odds_ratio", lambda d, c: bc.odds_ratio(
        d, exposure=c["exposure"], outcome=c["outcome"], cluster=None), UNITS, EXPOSURE_OUTCOME),
    Spec("odds_ratio[exact]", lambda d, c: bc.odds_ratio(
        d, exposure=c["exposure"], outcome=c["outcome"], method="exact", cluster=None),
        UNITS, EXPOSURE_OUTCOME),
    Spec("odds_ratio[midp]", lambda d, c: bc.odds_ratio(
        d, exposure=c["exposure"], outcome=c["outcome"], method="midp", cluster=None),
        UNITS, EXPOSURE_OUTCOME),
    Spec("odds_ratio[cluster]", lambda d, c: bc.odds_ratio(
        d, exposure=c["exposure"], outcome=c["outcome"], cluster=c["cluster"]), UNITS,
        {**EXPOSURE_OUTCOME, "cluster": ("pid", "id")}, cluster="cluster"),
    Spec("risk_ratio", lambda d, c: bc.risk_ratio(
        d, exposure=c["exposure"], outcome=c["outcome"], cluster=None), UNITS, EXPOSURE_OUTCOME),
    Spec("risk_difference", lambda d, c: bc.risk_difference(
        d, exposure=c["exposure"], outcome=c["outcome"], cluster=None), UNITS, EXPOSURE_OUTCOME),
    Spec("mantel_haenszel", lambda d, c: bc.mantel_haenszel(
        d, exposure=c["exposure"], outcome=c["outcome"], strata=c["strata"]), UNITS,
        {**EXPOSURE_OUTCOME, "strata": ("site", "id")}),
    Spec("logistic", lambda d, c: bc.logistic(
        d, outcome=c["outcome"], exposures=c["exposure"], covariates=[c["covariate"]],
        cluster=None), UNITS, {**EXPOSURE_OUTCOME, "covariate": ("age", "numeric")}),
    Spec("logistic[gee]", lambda d, c: bc.logistic(
        d, outcome=c["outcome"], exposures=c["exposure"], covariates=[c["covariate"]],
        cluster=c["cluster"]), UNITS,
        {**EXPOSURE_OUTCOME, "covariate": ("age", "numeric"), "cluster": ("pid", "id")}),
    Spec("conditional_logistic", lambda d, c: bc.conditional_logistic(
        d, outcome=c["outcome"], exposure=c["exposure"], group=c["group"]), UNITS,
        {**EXPOSURE_OUTCOME, "group": ("matched_set", "id")}),
    Spec("incidence_rate", lambda d, c: bc.incidence_rate(
        d, event=c["event"], person_time=c["person_time"], exposure=c["exposure"]), UNITS,
        {"event": ("events", "count"), "person_time": ("years", "time"),
         "exposure": ("bml", "binary")}),
    Spec("kaplan_meier", lambda d, c: bc.kaplan_meier(
        d, duration=c["duration"], event=c["event"]), UNITS, SURVIVAL),
    Spec("cox", lambda d, c: bc.cox(
        d, duration=c["duration"], event=c["event"], covariates=[c["covariate"]]), UNITS,
        {**SURVIVAL, "covariate": ("age", "numeric")}),
    Spec("cox[cluster]", lambda d, c: bc.cox(
        d, duration=c["duration"], event=c["event"], covariates=[c["covariate"]],
        cluster=c["cluster"]), UNITS,
        {**SURVIVAL, "covariate": ("age", "numeric"), "cluster": ("pid", "id")},
        cluster="cluster"),
    Spec("aalen_johansen", lambda d, c: bc.aalen_johansen(
        d, duration=c["duration"], event=c["event"], event_of_interest=1), UNITS,
        {"duration": ("months", "time"), "event": ("cause", "code")}),
    Spec("interval_censored[weibull]", lambda d, c: bc.interval_censored(
        d, lower=c["lower"], upper=c["upper"]), UNITS,
        {"lower": ("lower", "time"), "upper": ("upper", "time_inf")}),
    Spec("interval_censored[turnbull]", lambda d, c: bc.interval_censored(
        d, lower=c["lower"], upper=c["upper"], model="turnbull"), UNITS,
        {"lower": ("lower", "time"), "upper": ("upper", "time_inf")}),
    Spec("incidence", lambda d, c: bc.incidence(d), TRANSITIONS,
         {"present_from": ("present_from", "binary"), "present_to": ("present_to", "binary"),
          "cluster": ("participant_id", "id")}, cluster="cluster"),
    Spec("resolution", lambda d, c: bc.resolution(d), TRANSITIONS,
         {"present_from": ("present_from", "binary"), "present_to": ("present_to", "binary"),
          "cluster": ("participant_id", "id")}, cluster="cluster"),
    Spec("time_to_event", lambda d, c: bc.time_to_event(d), STATUS,
         {"present": ("present", "binary"), "months": ("months_from_baseline", "time"),
          "visit": ("visit", "numeric")}),
    Spec("mantel_haenszel_from_counts", lambda d, c: bc.mantel_haenszel_from_counts(d), TABLES,
         {name: (name, "count") for name in TABLES.columns}),
]
BY_NAME = {spec.name: spec for spec in SPECS}
#: Estimators whose columns are named by keyword (the others read fixed column names).
KEYWORD = [s for s in SPECS if s.name not in
           ("incidence", "resolution", "time_to_event", "mantel_haenszel_from_counts")]


def cases(kinds: tuple[str, ...], specs: list[Spec] = SPECS) -> list[Any]:
    """``(spec, role)`` for every column of one of ``kinds``, with readable ids."""
    return [pytest.param(s, role, id=f"{s.name}-{role}") for s in specs
            for role, (_, kind) in s.roles.items() if kind in kinds]


def numbers(result: Any) -> np.ndarray:
    """The numeric content of a result (its summary) or of a returned frame."""
    frame = result if isinstance(result, pd.DataFrame) else result.summary()
    return frame.select_dtypes(["number", "bool"]).to_numpy(dtype=float)


def assert_same(result: Any, expected: Any) -> None:
    got, want = numbers(result), numbers(expected)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def assert_clear_error(spec: Spec, frame: pd.DataFrame, *needles: str,
                       columns: dict[str, str] | None = None) -> str:
    """The call raises AnalysisInputError (nothing else) and its message names ``needles``."""
    with pytest.raises(AnalysisInputError) as caught:
        spec.run(frame, columns)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def with_column(frame: pd.DataFrame, column: str, values: Any) -> pd.DataFrame:
    out = frame.copy()
    out[column] = values
    return out


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return {spec.name: spec.run(spec.frame) for spec in SPECS}


# --- missing and invalid values -------------------------------------------------------------

@pytest.mark.parametrize(("spec", "role"), cases(("binary", "numeric", "time", "time_inf",
                                                   "count", "id", "code")))
def test_all_missing_column(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, np.nan)
    if spec.name == "time_to_event" and role in ("present", "months"):
        # every visit unread: no unit can be followed, which is reported, not an error
        out = spec.run(frame)
        assert len(out) == 0 and out.attrs["accounting"].n_used == 0
        return
    if spec.name in ("incidence", "resolution") and role != "cluster":
        assert_clear_error(spec, frame, "no unit is at risk")
        return
    assert_clear_error(spec, frame, column)


@pytest.mark.parametrize(("spec", "role"), cases(("binary", "numeric", "time", "time_inf",
                                                   "count")))
def test_text_in_a_numeric_or_binary_column(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, spec.frame[column].astype(object))
    frame.loc[frame.index[:3], column] = "yes"
    assert_clear_error(spec, frame, column)


@pytest.mark.parametrize(("spec", "role"), cases(("binary", "numeric", "time", "count")))
def test_infinite_values(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, spec.frame[column].astype(float))
    frame.loc[frame.index[:2], column] = np.inf
    assert_clear_error(spec, frame, column)


@pytest.mark.parametrize(("spec", "role"), cases(("time", "count")))
def test_negative_times_and_counts(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, spec.frame[column].astype(float))
    frame.loc[frame.index[:2], column] = -1.5
    if spec.name == "time_to_event":  # months before baseline: visits out of order
        assert_clear_error(spec, frame, "does not increase")
        return
    assert_clear_error(spec, frame, column)


# --- dtypes that only change the representation ---------------------------------------------

@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean", "bool", "int8"])
@pytest.mark.parametrize(("spec", "role"), cases(("binary",)))
def test_nullable_and_narrow_dtypes_give_the_same_answer(
    spec: Spec, role: str, dtype: str, baseline: dict[str, Any]
) -> None:
    column = spec.roles[role][0]
    values = spec.frame[column].astype(bool if dtype in ("boolean", "bool") else int)
    assert_same(spec.run(with_column(spec.frame, column, values.astype(dtype))),
                baseline[spec.name])


@pytest.mark.parametrize(("spec", "role"), cases(("numeric", "time", "count")))
def test_nullable_float_numbers_give_the_same_answer(
    spec: Spec, role: str, baseline: dict[str, Any]
) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, spec.frame[column].astype("Float64"))
    assert_same(spec.run(frame), baseline[spec.name])


@pytest.mark.parametrize(("spec", "role"), cases(("binary",), KEYWORD))
def test_pandas_missing_marker_excludes_the_rows(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    frame = with_column(spec.frame, column, spec.frame[column].astype("Int64"))
    frame.loc[frame.index[:3], column] = pd.NA
    got = spec.run(frame)
    assert_same(got, spec.run(spec.frame.iloc[3:]))
    assert dict(got.accounting.excluded)[f"missing {column}"] == 3


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "category"])
@pytest.mark.parametrize(("spec", "role"), cases(("binary", "numeric")))
def test_text_and_categorical_dtypes_same_answer_or_named(
    spec: Spec, role: str, dtype: str, baseline: dict[str, Any]
) -> None:
    column = spec.roles[role][0]
    values = spec.frame[column]
    values = values.astype(int).astype(str) if dtype.startswith("string") else values
    frame = with_column(spec.frame, column, values.astype(dtype))
    try:
        got = spec.run(frame)
    except AnalysisInputError as error:
        assert repr(column) in str(error)
        return
    assert_same(got, baseline[spec.name])


# --- shapes of the frame --------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_empty_frame(spec: Spec) -> None:
    frame = spec.frame.iloc[:0]
    if spec.name == "time_to_event":  # no unit: an empty table with its accounting
        out = spec.run(frame)
        assert len(out) == 0 and out.attrs["accounting"].n_rows == 0
        return
    assert_clear_error(spec, frame)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_single_row_is_an_answer_or_a_clear_error(spec: Spec) -> None:
    try:
        out = spec.run(spec.frame.iloc[:1])
    except AnalysisInputError as error:
        assert str(error)
        return
    # estimators that can describe one row (a curve, a stratum) must count it
    accounting = out.attrs["accounting"] if isinstance(out, pd.DataFrame) else out.accounting
    if spec.name == "mantel_haenszel_from_counts":  # one stratum row: its persons count
        assert accounting.n_used == spec.frame.iloc[0].sum()
    else:
        assert accounting.n_used <= 1


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_multiindex_columns(spec: Spec) -> None:
    frame = spec.frame.copy()
    frame.columns = pd.MultiIndex.from_tuples([(c, "v1") for c in frame.columns])
    message = assert_clear_error(spec, frame)
    if spec.name != "time_to_event":  # which reads its keys before any column
        assert "MultiIndex" in message


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_duplicated_column_names(spec: Spec) -> None:
    column = next(iter(spec.roles.values()))[0]
    frame = pd.concat([spec.frame, spec.frame[[column]]], axis=1)
    assert_clear_error(spec, frame, column, "more than once")


@pytest.mark.parametrize("spec", KEYWORD, ids=lambda s: s.name)
def test_one_column_for_two_arguments(spec: Spec) -> None:
    first, second = list(spec.roles)[:2]
    columns = {**spec.columns(), second: spec.roles[first][0]}
    assert_clear_error(spec, spec.frame, columns=columns)


@pytest.mark.parametrize("name", ["const", "Intercept", "group", "T", "E", "weights", "index",
                                  "0"])
@pytest.mark.parametrize("spec", KEYWORD, ids=lambda s: s.name)
def test_columns_named_like_library_internals(
    spec: Spec, name: str, baseline: dict[str, Any]
) -> None:
    role, (column, _) = next(iter(spec.roles.items()))
    if name in spec.frame.columns:
        pytest.skip(f"{name!r} is already a column of this frame")
    frame = spec.frame.rename(columns={column: name})
    columns = {**spec.columns(), role: name}
    if name == "Intercept" and spec.name.startswith("logistic"):
        # the model's own term of that name: refused rather than silently merged
        assert_clear_error(spec, frame, "Intercept", columns=columns)
        return
    assert_same(spec.run(frame, columns), baseline[spec.name])


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_repeated_and_text_index_labels_give_the_same_answer(
    spec: Spec, baseline: dict[str, Any]
) -> None:
    for index in (["r"] * len(spec.frame), [f"row {i}" for i in range(len(spec.frame))]):
        got = spec.run(spec.frame.set_axis(index, axis=0))
        if spec.name == "mantel_haenszel_from_counts":  # the index labels the strata
            pooled = baseline[spec.name]
            assert (got.estimate, got.ci_lower, got.ci_upper, got.p_value) == pytest.approx(
                (pooled.estimate, pooled.ci_lower, pooled.ci_upper, pooled.p_value), rel=1e-12)
        else:
            assert_same(got, baseline[spec.name])


# --- degenerate designs ---------------------------------------------------------------------

@pytest.mark.parametrize("spec", [s for s in SPECS if s.cluster], ids=lambda s: s.name)
def test_single_cluster(spec: Spec) -> None:
    column = spec.roles[spec.cluster][0]
    assert_clear_error(spec, with_column(spec.frame, column, 7), column)


@pytest.mark.parametrize(("spec", "role"), cases(("numeric",), [
    BY_NAME[n] for n in ("logistic", "logistic[gee]", "cox", "cox[cluster]")]))
def test_constant_covariate(spec: Spec, role: str) -> None:
    column = spec.roles[role][0]
    assert_clear_error(spec, with_column(spec.frame, column, 61.0), column)


@pytest.mark.parametrize("spec", [BY_NAME[n] for n in ("cox", "kaplan_meier")],
                         ids=lambda s: s.name)
def test_no_events(spec: Spec) -> None:
    frame = with_column(spec.frame, "event", 0)
    if spec.name == "kaplan_meier":  # a flat curve at 1 is a valid description
        assert (spec.run(frame).table["estimate"] == 1).all()
        return
    assert_clear_error(spec, frame, "no events")


def test_collinear_cox_covariates() -> None:
    frame = UNITS.assign(age_months=UNITS["age"] * 12)
    with pytest.raises(AnalysisInputError, match="collinear"):
        bc.cox(frame, duration="months", event="event", covariates=["age", "age_months"])


@pytest.mark.parametrize("spec", [BY_NAME[n] for n in (
    "odds_ratio", "odds_ratio[exact]", "risk_ratio", "mantel_haenszel", "logistic",
    "conditional_logistic")], ids=lambda s: s.name)
def test_exposure_that_copies_the_outcome_is_flagged(spec: Spec) -> None:
    frame = with_column(spec.frame, "bml", spec.frame["prog"])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = spec.call(frame, spec.columns())
    except AnalysisInputError:
        return
    # perfect association: infinite estimates must come with a warning that is recorded
    assert any(issubclass(w.category, BmecohortWarning) for w in caught)
    assert out.warnings


# --- count-level arguments ------------------------------------------------------------------

COUNTS = dict(exposed_cases=27, exposed_noncases=48, unexposed_cases=12, unexposed_noncases=136)
RATES = dict(exposed_events=33, exposed_person_time=420.0, unexposed_events=17,
             unexposed_person_time=512.5)
COUNT_FUNCTIONS = {
    "odds_ratio_from_counts": (bc.odds_ratio_from_counts, COUNTS),
    "risk_ratio_from_counts": (bc.risk_ratio_from_counts, COUNTS),
    "risk_difference_from_counts": (bc.risk_difference_from_counts, COUNTS),
    "rate_ratio_from_counts": (bc.rate_ratio_from_counts, RATES),
    "poisson_rate": (bc.poisson_rate, dict(events=5, person_time=20.0)),
}
BAD_COUNTS = {"text": "7", "none": None, "nan": float("nan"), "inf": float("inf"),
              "negative": -3, "fraction": 2.5, "bool": True, "array": np.array([1, 2]),
              "pd.NA": pd.NA, "above 2**53": 2**60, "huge python int": 10**30}
BAD_TIMES = {"zero": 0.0, "negative": -1.0, "nan": float("nan"), "inf": float("inf"),
             "text": "7", "none": None, "bool": True}


def _count_cases() -> list[Any]:
    out = []
    for name, (_, good) in COUNT_FUNCTIONS.items():
        for argument in good:
            bad = BAD_TIMES if "time" in argument else BAD_COUNTS
            out += [pytest.param(name, argument, value, id=f"{name}-{argument}-{label}")
                    for label, value in bad.items()]
    return out


@pytest.mark.parametrize(("name", "argument", "value"), _count_cases())
def test_bad_count_arguments_are_named(name: str, argument: str, value: Any) -> None:
    function, good = COUNT_FUNCTIONS[name]
    with pytest.raises(AnalysisInputError, match=argument):
        function(**{**good, argument: value})


@pytest.mark.parametrize("bad", [
    {"exposed_cases": -1}, {"unexposed_noncases": "x"}, {"exposed_noncases": float("nan")},
    {"unexposed_cases": 2**60}])
def test_bad_stratum_counts_are_named(bad: dict[str, Any]) -> None:
    tables = TABLES.astype(object)
    (column, value), = bad.items()
    tables.loc[1, column] = value
    with pytest.raises(AnalysisInputError, match=f"1/{column}="):
        bc.mantel_haenszel_from_counts(tables)


# --- huge counts: fast, finite, and the interval holds its estimate -------------------------

def _big(k: float) -> dict[str, int]:
    return dict(exposed_cases=int(0.3 * k), exposed_noncases=int(k),
                unexposed_cases=int(0.2 * k), unexposed_noncases=int(k))


def assert_holds_estimate(result: Any) -> None:
    assert np.isfinite([result.estimate, result.ci_lower, result.ci_upper]).all()
    assert result.ci_lower <= result.estimate <= result.ci_upper


@pytest.mark.parametrize("k", [1e3, 1e6, 1e9])
@pytest.mark.parametrize("method", ["woolf", "exact", "midp", "cornfield"])
def test_odds_ratio_with_huge_counts(k: float, method: str) -> None:
    out = bc.odds_ratio_from_counts(**_big(k), method=method)
    assert out.method == method  # exact, not approximated, up to counts of 1e9
    assert_holds_estimate(out)
    assert out.estimate == pytest.approx(1.5, rel=1e-3)


@pytest.mark.parametrize("method", ["exact", "midp"])
def test_exact_odds_ratio_beyond_1e9_says_it_is_approximate(method: str) -> None:
    out = bc.odds_ratio_from_counts(**_big(1e12), method=method)
    assert out.method == f"{method}-normal-approximation"
    assert_holds_estimate(out)


@pytest.mark.parametrize("k", [1e3, 1e9, 1e15])
@pytest.mark.parametrize("method", ["exact", "midp", "wald"])
def test_rate_ratio_with_huge_counts(k: float, method: str) -> None:
    out = bc.rate_ratio_from_counts(exposed_events=int(0.3 * k), exposed_person_time=k,
                                    unexposed_events=int(0.2 * k), unexposed_person_time=k,
                                    method=method)
    assert_holds_estimate(out)


@pytest.mark.parametrize("function", [bc.risk_ratio_from_counts,
                                      bc.risk_difference_from_counts])
def test_risks_with_huge_counts(function: Callable[..., Any]) -> None:
    assert_holds_estimate(function(**_big(1e12)))


def test_stratified_and_rate_with_huge_counts() -> None:
    tables = pd.DataFrame([_big(1e9), _big(1e8)])
    assert_holds_estimate(bc.mantel_haenszel_from_counts(tables))
    assert_holds_estimate(bc.poisson_rate(int(3e14), 1e15))


_TABLES = np.random.default_rng(7).integers(0, 40, size=(60, 4))


@pytest.mark.parametrize("alpha", [0.05, 0.2])
@pytest.mark.parametrize("method", ["woolf", "exact", "midp", "cornfield"])
def test_odds_ratio_intervals_never_exclude_their_estimate(method: str, alpha: float) -> None:
    for cells in _TABLES:
        a, b, c, d = (int(x) for x in cells)
        if min(a + b, c + d, a + c, b + d) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = bc.odds_ratio_from_counts(exposed_cases=a, exposed_noncases=b,
                                            unexposed_cases=c, unexposed_noncases=d,
                                            method=method, alpha=alpha)
        if not np.isnan(out.ci_lower):
            assert out.ci_lower <= out.estimate <= out.ci_upper, (cells, out)


# --- arguments shared by every estimator ----------------------------------------------------

ALPHA_CALLS: dict[str, Callable[[Any], Any]] = {
    "odds_ratio_from_counts": lambda a: bc.odds_ratio_from_counts(**COUNTS, alpha=a),
    "risk_ratio_from_counts": lambda a: bc.risk_ratio_from_counts(**COUNTS, alpha=a),
    "risk_difference_from_counts": lambda a: bc.risk_difference_from_counts(**COUNTS, alpha=a),
    "rate_ratio_from_counts": lambda a: bc.rate_ratio_from_counts(**RATES, alpha=a),
    "poisson_rate": lambda a: bc.poisson_rate(5, 20.0, alpha=a),
    "proportion": lambda a: bc.proportion(5, 20, alpha=a),
    "reconstruct_2x2": lambda a: bc.reconstruct_2x2(2.5, 1.2, 5.1, n_exposed=100,
                                                    n_unexposed=120, alpha=a),
}


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.05", None, float("nan"), True],
                         ids=repr)
@pytest.mark.parametrize("name", sorted(ALPHA_CALLS))
def test_bad_alpha_in_count_level_estimators(name: str, alpha: Any) -> None:
    with pytest.raises(AnalysisInputError, match="alpha"):
        ALPHA_CALLS[name](alpha)


ALPHA_DATA_CALLS: dict[str, Callable[[Any], Any]] = {
    "odds_ratio": lambda a: bc.odds_ratio(UNITS, exposure="bml", outcome="prog", alpha=a,
                                          cluster=None),
    "mantel_haenszel": lambda a: bc.mantel_haenszel(UNITS, exposure="bml", outcome="prog",
                                                    strata="site", alpha=a),
    "logistic": lambda a: bc.logistic(UNITS, outcome="prog", exposures="bml", alpha=a,
                                      cluster=None),
    "conditional_logistic": lambda a: bc.conditional_logistic(
        UNITS, outcome="prog", exposure="bml", group="matched_set", alpha=a),
    "incidence_rate": lambda a: bc.incidence_rate(UNITS, event="events", person_time="years",
                                                  alpha=a),
    "kaplan_meier": lambda a: bc.kaplan_meier(UNITS, duration="months", event="event",
                                              alpha=a),
    "cox": lambda a: bc.cox(UNITS, duration="months", event="event", covariates=["age"],
                            alpha=a),
    "aalen_johansen": lambda a: bc.aalen_johansen(UNITS, duration="months", event="cause",
                                                  event_of_interest=1, alpha=a),
    "interval_censored": lambda a: bc.interval_censored(UNITS, lower="lower", upper="upper",
                                                        alpha=a),
    "incidence": lambda a: bc.incidence(TRANSITIONS, alpha=a),
    "mantel_haenszel_from_counts": lambda a: bc.mantel_haenszel_from_counts(TABLES, alpha=a),
}


@pytest.mark.parametrize("alpha", [0, 1, -0.1, "0.05", None, float("nan"), True], ids=repr)
@pytest.mark.parametrize("name", sorted(ALPHA_DATA_CALLS))
def test_bad_alpha_in_data_level_estimators(name: str, alpha: Any) -> None:
    with pytest.raises(AnalysisInputError, match="alpha"):
        ALPHA_DATA_CALLS[name](alpha)


# --- estimator-specific rules ---------------------------------------------------------------

@pytest.mark.parametrize(("estimate", "lower", "upper"), [(2.5, 5.1, 1.2), (9.0, 1.2, 5.1),
                                                          (0.5, 1.2, 5.1)])
def test_reconstruct_refuses_an_interval_without_its_estimate(
    estimate: float, lower: float, upper: float
) -> None:
    with pytest.raises(AnalysisInputError, match="does not contain the estimate"):
        bc.reconstruct_2x2(estimate, lower, upper, n_exposed=100, n_unexposed=120)


def test_events_without_person_time_are_named() -> None:
    frame = UNITS.assign(events=1, years=UNITS["years"].where(UNITS.index >= 2, 0.0))
    with pytest.raises(AnalysisInputError, match="no person-time") as caught:
        bc.incidence_rate(frame, event="events", person_time="years")
    assert "0, 1" in str(caught.value)


def test_months_that_go_back_in_time_are_named() -> None:
    status = STATUS.copy()
    status.loc[1, "months_from_baseline"] = -2.0  # unit 0's 12-month visit dated before 0
    with pytest.raises(AnalysisInputError, match="does not increase") as caught:
        bc.time_to_event(status)
    assert "0, 1" in str(caught.value)


# --- every problem at once ------------------------------------------------------------------

def test_every_non_binary_column_is_named_at_once() -> None:
    frame = UNITS.assign(bml=UNITS["bml"].astype(object), prog=UNITS["prog"] * 2)
    frame.loc[0, "bml"] = "yes"
    with pytest.raises(AnalysisInputError) as caught:
        bc.odds_ratio(frame, exposure="bml", outcome="prog", cluster=None)
    assert "'bml'" in str(caught.value) and "'prog'" in str(caught.value)


def test_missing_and_duplicated_columns_are_named_at_once() -> None:
    frame = pd.concat([UNITS, UNITS[["prog"]]], axis=1)
    with pytest.raises(AnalysisInputError) as caught:
        bc.odds_ratio(frame, exposure="bml_size", outcome="prog", cluster=None)
    assert "'bml_size'" in str(caught.value) and "'prog' (2 times)" in str(caught.value)


def test_every_bad_cox_covariate_is_named_at_once() -> None:
    frame = UNITS.assign(kl=UNITS["age"].astype(str), flat=1.0, big=UNITS["age"])
    frame.loc[3, "big"] = np.inf
    with pytest.raises(AnalysisInputError) as caught:
        bc.cox(frame, duration="months", event="event", covariates=["kl", "flat", "big"])
    message = str(caught.value)
    assert all(name in message for name in ("'kl'", "'flat'", "'big'"))


@pytest.mark.parametrize("value", [-5, "x", 2.5, float("nan"), True, 10**30], ids=repr)
@pytest.mark.parametrize("margin", ["n_exposed", "n_unexposed"])
def test_reconstruct_refuses_bad_margins(margin: str, value: Any) -> None:
    margins = {"n_exposed": 100, "n_unexposed": 120, margin: value}
    with pytest.raises(AnalysisInputError):
        bc.reconstruct_2x2(2.5, 1.2, 5.1, **margins)
