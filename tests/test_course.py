"""Lesion status, transitions and courses on tiny cohorts whose answers are worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort, lesion_course, lesion_status, transitions
from bmecohort.course import classify_change
from bmecohort.exceptions import AnalysisInputError


def _knee_cohort(scores: dict[tuple[str, str, int, str], float], *, visits=(0, 24, 48),
                 extra_reads: list[dict] | None = None, within: bool = False) -> Cohort:
    ids = sorted({k[0] for k in scores})
    participants = pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0})
    visit_rows = pd.DataFrame([(p, v) for p in ids for v in visits],
                              columns=["participant_id", "visit"])
    reads = pd.DataFrame([
        {"participant_id": p, "visit": v, "joint": "knee", "side": side, "system": "MOAKS",
         "item": "bml_size", "site": site, "reader": "R1", "score": score}
        for (p, side, v, site), score in scores.items()
    ] + (extra_reads or []))
    return Cohort(participants, visit_rows, lesion_reads=reads, allow_within_grade=within)


# Knee p1-R: TMC 0 -> 2 -> 0 and FMC 1 -> 1 -> 1 ; knee p1-L: all 0 ; p2-R: TMC 3 -> 1 -> NaN
SCORES = {
    ("p1", "R", 0, "TMC"): 0, ("p1", "R", 24, "TMC"): 2, ("p1", "R", 48, "TMC"): 0,
    ("p1", "R", 0, "FMC"): 1, ("p1", "R", 24, "FMC"): 1, ("p1", "R", 48, "FMC"): 1,
    ("p1", "R", 0, "PM"): 0, ("p1", "R", 24, "PM"): 1, ("p1", "R", 48, "PM"): 0,
    ("p1", "L", 0, "TMC"): 0, ("p1", "L", 24, "TMC"): 0, ("p1", "L", 48, "TMC"): 0,
    ("p2", "R", 0, "TMC"): 3, ("p2", "R", 24, "TMC"): 1, ("p2", "R", 48, "TMC"): np.nan,
}


def _row(table: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for k, v in where.items():
        mask &= (table[k].astype(object) == v).to_numpy()
    assert mask.sum() == 1, f"expected one row for {where}, got {mask.sum()}"
    return table[mask].iloc[0]


def test_knee_status_max_sum_any():
    cohort = _knee_cohort(SCORES)
    mx = lesion_status(cohort, unit="knee").table
    assert _row(mx, participant_id="p1", side="R", visit=24)["score"] == 2
    assert _row(mx, participant_id="p1", side="R", visit=24)["n_sites"] == 3
    sm = lesion_status(cohort, unit="knee", aggregate="sum").table
    assert _row(sm, participant_id="p1", side="R", visit=24)["score"] == 4
    an = lesion_status(cohort, unit="knee", aggregate="any", threshold=2).table
    assert _row(an, participant_id="p1", side="R", visit=24)["score"] == 1
    assert _row(an, participant_id="p1", side="R", visit=0)["score"] == 0
    # a unit-visit with no assessable site keeps a row with missing score and presence
    missing = _row(mx, participant_id="p2", side="R", visit=48)
    assert np.isnan(missing["score"]) and pd.isna(missing["present"])
    assert missing["n_sites"] == 0


def test_compartment_and_subregion_units_and_sites_filter():
    cohort = _knee_cohort(SCORES)
    comp = lesion_status(cohort, unit="compartment").table
    medial = _row(comp, participant_id="p1", side="R", compartment="medial_tf", visit=24)
    assert medial["score"] == 2 and medial["n_sites"] == 2  # TMC and FMC
    pf = _row(comp, participant_id="p1", side="R", compartment="patellofemoral", visit=24)
    assert pf["score"] == 1
    sub = lesion_status(cohort, unit="subregion", sites=["TMC"]).table
    assert set(sub["site"].astype(str)) == {"TMC"}
    part = lesion_status(cohort, unit="participant").table
    assert _row(part, participant_id="p1", visit=24)["score"] == 2
    with pytest.raises(AnalysisInputError, match="not sites of MOAKS.bml_size"):
        lesion_status(cohort, unit="subregion", sites=["XX"])


def test_months_are_looked_up_from_visits():
    cohort = _knee_cohort(SCORES)
    table = lesion_status(cohort, unit="knee").table
    assert table["months_from_baseline"].tolist() == table["visit"].astype(float).tolist()


def test_transition_classes_by_hand():
    cohort = _knee_cohort(SCORES)
    t = transitions(lesion_status(cohort, unit="subregion"), baseline=0, follow_up=24)
    table = t.table
    expected = {("p1", "R", "TMC"): "incident", ("p1", "R", "FMC"): "stable",
                ("p1", "R", "PM"): "incident", ("p1", "L", "TMC"): "none",
                ("p2", "R", "TMC"): "regressed"}
    for (p, side, site), change in expected.items():
        assert _row(table, participant_id=p, side=side, site=site)["change"] == change
    later = transitions(lesion_status(cohort, unit="subregion"), baseline=24, follow_up=48)
    assert _row(later.table, participant_id="p1", side="R", site="TMC")["change"] == "resolved"
    # p2 has no score at 48: kept, with unknown change
    lost = _row(later.table, participant_id="p2", side="R", site="TMC")
    assert pd.isna(lost["change"]) and pd.isna(lost["present_to"])


def test_consecutive_pairs_by_default():
    cohort = _knee_cohort(SCORES)
    t = transitions(lesion_status(cohort, unit="knee"))
    assert t.intervals == [(0, 24), (24, 48)]
    assert len(t.table) == 6  # three knees x two intervals
    r = _row(t.table, participant_id="p1", side="R", visit_from=24)
    assert r["change"] == "regressed" and r["score_from"] == 2 and r["score_to"] == 1


def test_classify_change_threshold_and_within_grade():
    assert classify_change([0, 1], [1, 2], threshold=2).tolist() == ["none", "incident"]
    assert classify_change([1.0], [1.5]).tolist() == ["stable"]
    assert classify_change([1.0], [1.5], within_grade=True).tolist() == ["progressed"]
    assert classify_change([np.nan], [1.0]).isna().all()


def test_within_grade_reads_flow_through():
    scores = {("p1", "R", 0, "TMC"): 1.0, ("p1", "R", 24, "TMC"): 1.5,
              ("p1", "R", 48, "TMC"): 1.5}
    cohort = _knee_cohort(scores, within=True)
    status = lesion_status(cohort, unit="knee")
    assert transitions(status, baseline=0, follow_up=24).table["change"].tolist() == ["stable"]
    assert transitions(status, baseline=0, follow_up=24, within_grade=True
                       ).table["change"].tolist() == ["progressed"]


def test_matrix_and_summary_counts():
    cohort = _knee_cohort(SCORES)
    t = transitions(lesion_status(cohort, unit="subregion"), baseline=0, follow_up=24)
    matrix = t.matrix()
    assert matrix.to_numpy().sum() == 5
    summary = t.summary()
    incident = summary[summary["change"] == "incident"].iloc[0]
    assert incident["events"] == 2 and incident["n"] == 5
    assert incident["estimate"] == pytest.approx(0.4)
    assert list(summary.columns[:5]) == ["term", "estimate", "ci_lower", "ci_upper", "p_value"]


def test_errors_name_the_choices():
    extra = [{"participant_id": "p1", "visit": 0, "joint": "knee", "side": "R",
              "system": "MOAKS", "item": "bml_size", "site": "TMC", "reader": "R2",
              "score": 1.0}]
    cohort = _knee_cohort(SCORES, extra_reads=extra)
    with pytest.raises(AnalysisInputError, match="several readers.*'R1'.*'R2'"):
        lesion_status(cohort, unit="knee")
    assert len(lesion_status(cohort, unit="knee", reader="R2").table) == 1
    with pytest.raises(AnalysisInputError, match="unit must be one of"):
        lesion_status(cohort, unit="elbow")
    with pytest.raises(AnalysisInputError, match="give both"):
        transitions(lesion_status(cohort, unit="knee", reader="R1"), baseline=0)


def _bone_cohort() -> Cohort:
    # bones: a persistent (1,1,2), b resolved (2,0,0), c resolved late (1,1,0),
    # d relapsing (1,0,1), e absent (0,0,0), f incident (0,0,2), g missing at visit 4
    courses = {"radius": (1, 1, 2), "ulna": (2, 0, 0), "scaphoid": (1, 1, 0),
               "lunate": (1, 0, 1), "capitate": (0, 0, 0), "hamate": (0, 0, 2),
               "pisiform": (1, np.nan, 1)}
    rows = [{"participant_id": "r1", "visit": v, "side": "R", "bone": bone, "reader": "A",
             "bme": score}
            for bone, scores in courses.items() for v, score in zip((0, 4, 12), scores, strict=True)]
    return Cohort(pd.DataFrame({"participant_id": ["r1"], "sex": ["M"], "age": [50.0]}),
                  pd.DataFrame({"participant_id": "r1", "visit": [0, 4, 12]}),
                  ra_bones=pd.DataFrame(rows))


def test_bone_course_by_hand():
    course = lesion_course(lesion_status(_bone_cohort(), unit="bone"))
    got = dict(zip(course.table["bone"].astype(str), course.table["course"].astype(str), strict=True))
    assert got == {"radius": "persistent", "ulna": "resolved", "scaphoid": "resolved",
                   "lunate": "relapsing", "capitate": "absent", "hamate": "incident"}
    assert course.accounting.n_excluded == 1
    summary = course.summary()
    resolved = summary[summary["term"] == "resolved"].iloc[0]
    assert resolved["events"] == 2 and resolved["n"] == 4
    with pytest.raises(AnalysisInputError, match="three or more visits"):
        lesion_course(lesion_status(_bone_cohort(), unit="bone"), visits=(0, 12))


def test_corner_status_from_spine_table():
    rows = [{"participant_id": "s1", "visit": 0, "level": lv, "corner": c, "reader": "A",
             "mri_inflammation": inf, "mri_fat": fat}
            for lv, c, inf, fat in (("L1", "upper", 1, 0), ("L1", "lower", 0, 1),
                                    ("L2", "upper", 0, 0))]
    cohort = Cohort(pd.DataFrame({"participant_id": ["s1"], "sex": ["M"], "age": [40.0]}),
                    pd.DataFrame({"participant_id": ["s1"], "visit": [0]}),
                    spine_corners=pd.DataFrame(rows))
    inflamed = lesion_status(cohort, unit="corner").table
    assert inflamed["present"].sum() == 1
    fat = lesion_status(cohort, unit="corner", item="mri_fat").table
    assert _row(fat, level="L1", corner="lower")["present"]


def test_row_order_does_not_change_status():
    cohort = _knee_cohort(SCORES)
    shuffled_reads = cohort.lesion_reads.sample(frac=1.0, random_state=3)
    shuffled = Cohort(cohort.participants, cohort.visits, lesion_reads=shuffled_reads)
    a = lesion_status(cohort, unit="knee").table
    b = lesion_status(shuffled, unit="knee").table
    pd.testing.assert_frame_equal(a, b)


def test_course_intervals_account_for_bones_clustered_in_patients():
    import statsmodels.api as sm
    from scipy.special import expit

    from bmecohort.simulate import ra_bone_cohort

    course = lesion_course(lesion_status(ra_bone_cohort(40, seed=8), unit="bone"))
    summary = course.summary()
    row = summary[summary["term"] == "persistent"].iloc[0]
    assert row["interval"] == "logit-wald-cluster-robust"
    part = course.table[course.table["baseline_present"]]
    y = (part["course"] == "persistent").to_numpy(float)
    fit = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(part["participant_id"])[0],
                                      "use_correction": False})  # the plain sandwich
    low, high = expit(np.asarray(fit.conf_int())[0])
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((low, high), rel=1e-8)
    # one participant only: nothing to cluster on, Wilson
    single = lesion_course(lesion_status(_bone_cohort(), unit="bone")).summary()
    assert set(single["interval"]) == {"wilson"}
