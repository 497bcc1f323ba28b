"""Attrition tables and best/worst-case bounds, checked by hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import knee_cohort


@pytest.fixture(scope="module")
def cohort():
    return knee_cohort(200, seed=3, dropout=0.2)


def test_attrition_compares_completers_and_lost_by_hand(cohort):
    r = bc.attrition(cohort, follow_up=24)
    visits = cohort.visits
    seen = set(visits.loc[visits["visit"] == 24, "participant_id"])
    people = cohort.participants.set_index("participant_id")
    lost = ~people.index.isin(list(seen))
    assert r.accounting.events == int(lost.sum())
    assert r.accounting.n_used == int((~lost).sum())
    age = r.table.set_index("characteristic").loc["age"]
    a, b = people.loc[~lost, "age"], people.loc[lost, "age"]
    assert age["completers_value"] == pytest.approx(a.mean())
    assert age["lost_spread"] == pytest.approx(b.std(ddof=1))
    smd = (b.mean() - a.mean()) / np.sqrt((a.var() + b.var()) / 2)
    assert age["standardized_difference"] == pytest.approx(smd)
    assert "lesion at baseline = yes" in set(r.table["characteristic"])
    assert r.summary()["estimate"].tolist() == r.table["standardized_difference"].tolist()


def test_bounds_bracket_the_complete_case_estimate(cohort):
    b = bc.attrition_bounds(cohort, follow_up=24)
    rows = b.summary().set_index("term")
    cc = rows.loc["complete case"]
    low, high = rows.loc["lost: none with the event"], rows.loc["lost: all with the event"]
    assert low["estimate"] <= cc["estimate"] <= high["estimate"]
    n_lost = b.accounting.n_rows - b.accounting.n_used
    assert high["events"] - low["events"] == n_lost
    assert low["n"] == high["n"] == b.accounting.n_rows
    # the complete case equals the package's own incidence on the same transitions
    status = bc.lesion_status(cohort, unit="knee")
    change = bc.transitions(status, baseline=0, follow_up=24, definition="two-visit")
    inc = bc.incidence(change)
    assert cc["events"] == inc.accounting.events and cc["n"] == inc.accounting.n_used
    # knees share persons: the same cluster-robust interval as incidence()
    assert (cc["ci_lower"], cc["ci_upper"]) == pytest.approx((inc.ci_lower, inc.ci_upper))
    assert cc["interval"] == inc.method


def test_no_loss_gives_equal_bounds():
    full = knee_cohort(60, seed=2, dropout=0.0)
    rows = bc.attrition_bounds(full, follow_up=24).summary()
    assert rows["estimate"].nunique() == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(follow_up=99), "no participant has a visit 99"),
    (dict(follow_up=24, characteristics=["height"]), "no column"),
])
def test_attrition_bad_input(cohort, kwargs, message):
    with pytest.raises(AnalysisInputError, match=message):
        bc.attrition(cohort, **kwargs)


def test_bounds_bad_input(cohort):
    with pytest.raises(AnalysisInputError, match="kind="):
        bc.attrition_bounds(cohort, follow_up=24, kind="prevalence")
    with pytest.raises(AnalysisInputError, match="not both read"):
        bc.attrition_bounds(cohort, follow_up=99)
    assert isinstance(bc.attrition(cohort, follow_up=24).summary(), pd.DataFrame)
