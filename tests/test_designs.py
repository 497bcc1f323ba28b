"""Document designs: frames built by hand agree with the designs; every design runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort import Cohort
from bmecohort.designs import DesignResult
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import hip_cohort, knee_cohort, ra_bone_cohort, spine_cohort

CANONICAL = ["analysis", "term", "estimate", "ci_lower", "ci_upper", "p_value", "n", "events",
             "method"]

# Eight knees of four persons. Per knee: medial (TMC) and lateral (FLC) BML size at 0 / 24,
# medial JSN at 0 / 24, alignment, frequent pain at 0 / 24.
KNEES = pd.DataFrame([
    # pid side TMC0 TMC24 FLC0 FLC24 jsn0 jsn24 align pain0 pain24
    ("a", "L", 2, 2, 0, 0, 1, 2, 4.0, False, True),
    ("a", "R", 0, 1, 0, 0, 0, 0, 1.0, False, True),
    ("b", "L", 1, 1, 0, 1, 0, 1, 3.0, True, True),
    ("b", "R", 0, 0, 0, 0, 3, 3, -2.0, False, False),
    ("c", "L", 0, 0, 0, 0, 0, 0, 0.0, False, False),
    ("c", "R", 0, 0, 2, 0, 1, 1, -1.0, False, True),
    ("d", "L", 3, 2, 0, 0, 2, 3, 6.0, False, False),
    ("d", "R", 0, 2, 0, 0, 0, 0, 2.0, False, True),
], columns=["pid", "side", "tmc0", "tmc24", "flc0", "flc24", "jsn0", "jsn24", "align",
            "pain0", "pain24"])


def _hand_cohort() -> Cohort:
    participants = pd.DataFrame({"participant_id": list("abcd"), "sex": ["F", "M", "F", "M"],
                                 "age": [55.0, 60.0, 65.0, 70.0], "bmi": [25.0, 30, 27, 33]})
    visits = pd.DataFrame([(p, v) for p in "abcd" for v in (0, 24)],
                          columns=["participant_id", "visit"])
    reads, outcomes = [], []
    for k in KNEES.itertuples(index=False):
        for visit, tmc, flc, jsn, pain in ((0, k.tmc0, k.flc0, k.jsn0, k.pain0),
                                            (24, k.tmc24, k.flc24, k.jsn24, k.pain24)):
            for site, score in (("TMC", tmc), ("FLC", flc)):
                reads.append({"participant_id": k.pid, "visit": visit, "joint": "knee",
                              "side": k.side, "system": "MOAKS", "item": "bml_size",
                              "site": site, "reader": "R1", "score": float(score)})
            outcomes.append({"participant_id": k.pid, "visit": visit, "side": k.side,
                             "jsn_medial": float(jsn), "alignment_deg": k.align,
                             "frequent_knee_pain": pain})
    return Cohort(participants, visits, lesion_reads=pd.DataFrame(reads),
                  knee_outcomes=pd.DataFrame(outcomes))


IGNORE_SPARSE = [pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning"),
                 pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SeparationWarning")]


@IGNORE_SPARSE[0]
@IGNORE_SPARSE[1]
def test_progression_frame_matches_hand_definition():
    result = bc.bml_progression(_hand_cohort(), compartment="medial_tf", adjust_for=())
    frame = result.frame.set_index(["participant_id", "side"]).sort_index()
    # knee b-R has JSN 3 at baseline: excluded, and counted
    assert ("b", "R") not in frame.index
    assert dict(result.accounting.excluded) == {"JSN grade 3 at baseline (cannot progress)": 1}
    expected = KNEES[KNEES["jsn0"] < 3].set_index(["pid", "side"]).sort_index()
    np.testing.assert_array_equal(frame["bml"].to_numpy(), (expected["tmc0"] >= 1).to_numpy())
    np.testing.assert_array_equal(frame["progression"].to_numpy(),
                                  (expected["jsn24"] - expected["jsn0"] >= 1).to_numpy())
    crude = result.result("crude").counts
    # exposed (medial BML at 0): a-L (prog), b-L (prog), d-L (prog); unexposed: a-R, c-L,
    # c-R, d-R, none progressing
    assert (crude.exposed_cases, crude.exposed_noncases) == (3, 0)
    assert (crude.unexposed_cases, crude.unexposed_noncases) == (0, 4)


@IGNORE_SPARSE[0]
@IGNORE_SPARSE[1]
def test_pain_association_applies_every_criterion_in_order():
    result = bc.bml_pain_association(_hand_cohort(), covariates=())
    # the tiny table is separated: the caveat is recorded on the result, not lost
    assert any("separated" in w for w in result.result("adjusted").warnings)
    reasons = dict(result.accounting.excluded)
    # knee BML (max of TMC, FLC) at 0: a-L, b-L, c-R, d-L -> 4 excluded; of the rest, none
    # has baseline pain (b-L already excluded)
    assert reasons == {"BML at baseline": 4}
    frame = result.frame.set_index(["participant_id", "side"]).sort_index()
    assert frame.index.tolist() == [("a", "R"), ("b", "R"), ("c", "L"), ("d", "R")]
    assert frame["incident_bml"].tolist() == [True, False, False, True]
    assert frame["incident_pain"].tolist() == [True, False, False, True]
    assert result.accounting.n_used + sum(reasons.values()) == result.accounting.n_rows


@pytest.fixture(scope="module")
def knees() -> Cohort:
    return knee_cohort(300, seed=11)


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
@pytest.mark.parametrize("design", [
    bc.bml_incidence_resolution, bc.bml_pain_prevalence, bc.bml_pain_association,
    bc.bml_progression, bc.cartilage_progression, bc.pain_fluctuation,
])
def test_knee_designs_run_and_report_denominators(design, knees):
    result = design(knees)
    assert isinstance(result, DesignResult)
    table = result.summary()
    assert list(table.columns[:len(CANONICAL)]) == CANONICAL
    assert table["estimate"].notna().all()
    assert (table["ci_lower"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_upper"]).all()
    acc = result.accounting
    assert acc.n_used + acc.n_excluded == acc.n_rows or design is bc.bml_incidence_resolution
    assert "<div" in result._repr_html_()
    assert result.title in repr(result)


def test_pain_association_is_clustered_throughout(knees):
    result = bc.bml_pain_association(knees)
    assert result.frame["participant_id"].duplicated().any()  # two knees per person
    crude = result.result("crude")
    assert crude.method == "woolf-cluster-robust" and crude.accounting.clustered
    stratified = result.result("stratified")
    assert stratified.method == "gee-independence-strata-cluster-robust"
    assert result.result("adjusted").method.startswith("gee-exchangeable")
    # no analysis of clustered knees is left unclustered, and none is silently so
    for name, res in result.results.items():
        assert res.accounting.clustered, name
        assert not any("analysed as independent" in w for w in getattr(res, "warnings", ()))
    assert "exact" not in result.results
    assert set(result.table["clustered"]) == {True}


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_one_knee_per_person_keeps_the_unclustered_methods():
    result = bc.bml_pain_association(knee_cohort(600, seed=11, knees="one"))
    assert result.result("crude").method == "woolf"
    assert result.result("exact").method == "exact"
    assert result.result("stratified").method == "mantel-haenszel"
    assert result.result("adjusted").method == "logistic-glm"
    assert set(result.table["clustered"]) == {False}


def test_progression_adjustment_attenuates_confounded_effect():
    # The simulator confounds medial BML and JSN progression by varus alignment.
    result = bc.bml_progression(knee_cohort(1500, seed=5))
    unadjusted = result.result("clustered").odds_ratio("bml").estimate
    adjusted = result.result("clustered adjusted").odds_ratio("bml").estimate
    assert adjusted < unadjusted


def test_incidence_resolution_matches_direct_estimators(knees):
    result = bc.bml_incidence_resolution(knees, baseline=0, follow_up=24)
    status = bc.lesion_status(knees, unit="knee")
    pair = bc.transitions(status, baseline=0, follow_up=24, definition="two-visit")
    direct = bc.incidence(pair)
    assert result.result("incidence").estimate == direct.estimate
    assert result.result("incidence").ci_upper == direct.ci_upper
    # the design compares two visits on purpose and notes the knees that changed in between
    assert pair.n_intermediate_change > 0
    assert any(note.startswith(f"{pair.n_intermediate_change} knees changed lesion status")
               for note in result.notes)
    ever = bc.bml_incidence_resolution(knees, baseline=0, follow_up=24, definition="ever")
    assert ever.result("incidence").estimate > result.result("incidence").estimate


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_spine_ra_hip_designs_run():
    spine = bc.syndesmophyte_predictors(spine_cohort(60, seed=2))
    assert {"crude", "clustered groups", "mutually adjusted"} <= set(spine.table["analysis"])
    assert spine.accounting.cluster == "participant_id"
    ra = ra_bone_cohort(40, seed=3)
    course = bc.bme_course(ra)
    present = course.table[course.table["baseline_present"] == True]  # noqa: E712
    assert present["estimate"].sum() == pytest.approx(1.0)
    erosion = bc.erosive_progression(ra)
    assert "persistent (GEE)" in set(erosion.table["analysis"])
    hips = bc.bmes_vs_avn(hip_cohort(120, seed=4))
    male = hips.table[hips.table["term"] == "male"]
    assert set(male["analysis"]) == {"bmes", "avn"}


def test_designs_say_which_table_is_missing(knees):
    with pytest.raises(AnalysisInputError, match="no spine_corners table"):
        bc.syndesmophyte_predictors(knees)
    with pytest.raises(AnalysisInputError, match="compartment must be one of"):
        bc.bml_progression(knees, compartment="patellofemoral")


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_design_rows_say_whether_they_are_clustered(knees):
    spine = bc.syndesmophyte_predictors(spine_cohort(60, seed=2))
    ra = bc.erosive_progression(ra_bone_cohort(40, seed=3))
    for design in (spine, ra, bc.bml_progression(knees), bc.bml_pain_prevalence(knees)):
        table = design.summary()
        assert table["clustered"].map(lambda v: v is True or v is np.True_).all(), \
            (design.name, table[["analysis", "clustered"]])
        assert (table["n_clusters"] == design.frame["participant_id"].nunique()).any()
    pooled = ra.result("BME pooled over synovitis")
    assert pooled.method == "gee-independence-strata-cluster-robust"
    # two large strata: the stratified GEE's common odds ratio is close to Mantel-Haenszel's
    assert pooled.estimate == pytest.approx(pooled.unclustered["estimate"], rel=0.1)


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_hip_edema_and_pain_is_clustered_or_warned():
    from bmecohort.exceptions import DataQualityWarning
    from bmecohort.simulate import demo_cohort

    hips = bc.bmes_vs_avn(hip_cohort(120, seed=4)).result("edema and pain in AVN")
    assert hips.method == "woolf-cluster-robust" and hips.accounting.clustered
    # a zero cell leaves no cluster-robust interval: exact, with the opt-out warned
    with pytest.warns(DataQualityWarning, match="method='exact' has no cluster-robust form"):
        sparse = bc.bmes_vs_avn(demo_cohort(seed=7, size="small"))
    res = sparse.result("edema and pain in AVN")
    assert res.method == "exact" and res.accounting.clustered is False
    assert any("analysed as independent" in w for w in res.warnings)
    assert any("zero cell leaves no cluster-robust" in n for n in sparse.notes)
