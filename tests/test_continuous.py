"""Continuous designs recover the knee simulator's cartilage-loss truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import knee_cohort, true_effects


@pytest.fixture(scope="module")
def cohort():
    return knee_cohort(1500, seed=11)


def _truth(name: str) -> float:
    t = true_effects("knee")
    return float(t.loc[name, "value"])


def test_simulated_volumes_follow_the_course_model(cohort):
    out = cohort.knee_outcomes
    assert out["cartilage_volume_medial_tibial"].between(0, 20000).all()
    assert {"cartilage_volume_medial_tibial", "cartilage_volume_lateral_tibial"} <= set(
        out.columns)
    # the other tables do not change when the volumes are added (a separate stream)
    again = knee_cohort(1500, seed=11)
    pd.testing.assert_frame_equal(again.lesion_reads, cohort.lesion_reads)


def test_resolved_vs_persistent_recovers_the_truth(cohort):
    r = bc.cartilage_volume_change(cohort)
    row = r.table.set_index("analysis").loc["resolved vs persistent (crude)"]
    truth = _truth("volume_loss_resolved")
    assert row["ci_lower"] < truth < row["ci_upper"]
    course = r.table[r.table["analysis"] == "course (crude)"].set_index("term")
    b = _truth("volume_loss_bml")
    for term, value in (("course[persistent]", b), ("course[incident]", b / 2),
                        ("course[resolved]", b + truth)):
        assert course.loc[term, "ci_lower"] < value < course.loc[term, "ci_upper"], term
    assert r.accounting.clustered and (r.table["clustered"] == True).all()  # noqa: E712
    assert (r.frame["annual_loss"] == (r.frame["v0"] - r.frame["v1"]) / 2).all()


def test_lateral_bml_recovers_the_truth(cohort):
    r = bc.cartilage_volume_change(cohort, compartment="lateral_tibial",
                                   by="compartment_bml")
    row = r.table.set_index("analysis").loc["lateral_tf BML at baseline (crude)"]
    assert row["ci_lower"] < _truth("lateral_volume_loss_bml") < row["ci_upper"]


def test_size_analysis_and_bad_input(cohort):
    r = bc.cartilage_volume_change(cohort, by="size")
    assert set(r.table["term"]) == {"size0[1]", "size0[2]", "size0[3]"}
    with pytest.raises(AnalysisInputError, match="compartment="):
        bc.cartilage_volume_change(cohort, compartment="patella")
    with pytest.raises(AnalysisInputError, match="after baseline"):
        bc.cartilage_volume_change(cohort, follow_up=0)
    no_volume = bc.Cohort.from_tables({**cohort.tables, "knee_outcomes": cohort.knee_outcomes
                                       .drop(columns="cartilage_volume_medial_tibial")})
    with pytest.raises(AnalysisInputError, match="cartilage volume"):
        bc.cartilage_volume_change(no_volume)


def test_bml_score_trajectory_is_a_mixed_model(cohort):
    r = bc.bml_score_trajectory(cohort)
    assert r.table["term"].tolist() == ["obese", "years", "obese:years"]
    model = r.result("mixed model")
    assert model.nested == "side" and model.random_slope == "years"
    # a higher BMI raises the incidence of BML: obese knees gain score faster
    assert r.table.set_index("term").loc["obese:years", "estimate"] > 0
    assert np.isfinite(r.table["ci_lower"]).all()
