"""Lesion status, transitions and courses on tiny cohorts whose answers are worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort, lesion_course, lesion_status, transitions
from bmecohort.course import classify_change
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning


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
    whole = lesion_status(cohort, unit="knee")
    assert whole.table["score"].tolist() == [1.0, 1.0, 1.0] and not whole.within_grade
    assert transitions(whole, baseline=0, follow_up=24).table["change"].tolist() == ["stable"]
    with pytest.raises(AnalysisInputError, match="holds whole grades"):
        transitions(whole, baseline=0, follow_up=24, within_grade=True)
    half = lesion_status(cohort, unit="knee", within_grade=True)
    assert half.table["score"].tolist() == [1.0, 1.5, 1.5]
    # the transitions inherit the status's choice unless told otherwise
    t = transitions(half, baseline=0, follow_up=24)
    assert t.within_grade and t.table["change"].tolist() == ["progressed"]
    assert transitions(half, baseline=0, follow_up=24, within_grade=False
                       ).table["change"].tolist() == ["stable"]


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


# --- Several visits between two: issue 11 part 3 -------------------------------------------
# One subregion (TMC) per right knee, visits 0/12/24; None: no read row (not read at all),
# nan: read but unreadable.
VISITS3 = (0, 12, 24)
PATHS3 = {
    "k1": (0, 2, 0),        # lesion in between only: two-visit none, ever incident
    "k2": (1, 0, 1),        # gone in between: two-visit and ever stable
    "k3": (0, 1, 1),        # incident by both
    "k4": (0, None, 0),     # not read at 12: two-visit none, ever undetermined
    "k5": (0, 0, 0),        # none
    "k6": (2, 0, 0),        # resolved
    "k7": (0, 1, np.nan),   # follow-up unreadable: two-visit unknown, ever incident
}


def _path_cohort(paths: dict, visits: tuple[int, ...], *, site: str = "TMC",
                 within: bool = False) -> Cohort:
    scores = {(p, "R", v, site): s for p, path in paths.items()
              for v, s in zip(visits, path, strict=True) if s is not None}
    return _knee_cohort(scores, visits=visits, within=within)


def _by_participant(table: pd.DataFrame, column: str) -> dict:
    values = table[column].astype(object).where(table[column].notna(), None)
    return dict(zip(table["participant_id"].astype(str), values, strict=True))


def test_two_visit_transitions_warn_about_changes_in_between():
    status = lesion_status(_path_cohort(PATHS3, VISITS3), unit="knee")
    with pytest.warns(DataQualityWarning, match=r"0->24: 2 knees changed lesion status and "
                      r"changed back at the visits in between \(12\).*1 'none', 1 'stable'"):
        t = transitions(status, baseline=0, follow_up=24)
    assert _by_participant(t.table, "change") == {
        "k1": "none", "k2": "stable", "k3": "incident", "k4": "none", "k5": "none",
        "k6": "resolved", "k7": None}
    assert _by_participant(t.table, "status_changes") == {
        "k1": 2, "k2": 2, "k3": 1, "k4": 0, "k5": 0, "k6": 1, "k7": 1}
    assert _by_participant(t.table, "n_intermediate") == {
        "k1": 1, "k2": 1, "k3": 1, "k4": 0, "k5": 1, "k6": 1, "k7": 1}
    assert t.definition == "two-visit" and t.n_intermediate_change == 2
    assert len(t.warnings) == 1 and "definition='ever'" in t.warnings[0]
    assert t.header()["knees changed and changed back in between"] == 2
    summary = t.summary().set_index("change")
    assert summary.loc["none", "intermediate_changes"] == 1
    assert summary.loc["stable", "intermediate_changes"] == 1
    assert summary.loc["none", "events"] == 3 and summary.loc["none", "n"] == 6
    assert set(summary["definition"]) == {"two-visit"}
    # chosen on purpose: the same classes, no warning (warnings are errors here), recorded
    explicit = transitions(status, baseline=0, follow_up=24, definition="two-visit")
    assert explicit.warnings == () and explicit.n_intermediate_change == 2
    pd.testing.assert_frame_equal(explicit.table, t.table)
    # consecutive visits hide nothing: no warning, one change at most per pair
    consecutive = transitions(status)
    assert consecutive.n_intermediate_change == 0
    assert consecutive.table["status_changes"].max() == 1


def test_ever_definition_counts_a_lesion_seen_in_between():
    status = lesion_status(_path_cohort(PATHS3, VISITS3), unit="knee")
    t = transitions(status, baseline=0, follow_up=24, definition="ever")
    assert t.warnings == () and t.definition == "ever" and "ever:" in t.method
    assert _by_participant(t.table, "change") == {
        "k1": "incident", "k2": "stable", "k3": "incident", "k4": None, "k5": "none",
        "k6": "resolved", "k7": "incident"}
    # present_to is the definition's status at the end; score_to stays the read at 24
    assert _by_participant(t.table, "present_to") == {
        "k1": True, "k2": True, "k3": True, "k4": None, "k5": False, "k6": False,
        "k7": True}
    assert _by_participant(t.table, "score_to")["k1"] == 0
    assert dict(t.accounting.excluded)[
        "no lesion seen but not read at every visit in between (class undetermined)"] == 1
    assert t.n_intermediate_change == 2  # k1 (now incident) and k2 (stable: resolution hid)
    summary = t.summary().set_index("change")
    assert summary.loc["incident", "events"] == 3 and summary.loc["incident", "n"] == 6
    assert summary.loc["incident", "intermediate_changes"] == 1


def test_incidence_follows_the_definition():
    from bmecohort import incidence, resolution

    status = lesion_status(_path_cohort(PATHS3, VISITS3), unit="knee")
    two = transitions(status, baseline=0, follow_up=24, definition="two-visit")
    ever = transitions(status, baseline=0, follow_up=24, definition="ever")
    # free at 0: k1 k3 k4 k5 k7. Two visits: k7 unread at 24 -> 1 event (k3) among 4.
    inc_two = incidence(two, cluster=None)
    assert (inc_two.accounting.events, inc_two.accounting.n_used) == (1, 4)
    # ever: k1, k3, k7 incident; k4 undetermined -> 3 events among 4
    inc_ever = incidence(ever, cluster=None)
    assert (inc_ever.accounting.events, inc_ever.accounting.n_used) == (3, 4)
    # resolution is at the last visit under both: k6 among k2, k6
    for t in (two, ever):
        res = resolution(t, cluster=None)
        assert (res.accounting.events, res.accounting.n_used) == (1, 2)


def test_four_visits_flip_flops_are_counted():
    paths = {"a": (0, 1, 0, 1), "b": (1, 0, 1, 0), "c": (0, 0, 0, 0), "d": (1, 1, 1, 1),
             "e": (0, None, None, 0), "f": (0, None, 1, 0)}
    visits = (0, 12, 24, 36)
    status = lesion_status(_path_cohort(paths, visits), unit="knee")
    with pytest.warns(DataQualityWarning, match="3 knees.*in between \\(12, 24\\)"):
        t = transitions(status, baseline=0, follow_up=36)
    assert _by_participant(t.table, "change") == {
        "a": "incident", "b": "resolved", "c": "none", "d": "stable", "e": "none",
        "f": "none"}
    assert _by_participant(t.table, "status_changes") == {
        "a": 3, "b": 3, "c": 0, "d": 0, "e": 0, "f": 2}
    # f is hidden too (0 -> 1 at 24 -> 0) although not read at 12: three knees changed back
    assert t.n_intermediate_change == 3
    ever = transitions(status, baseline=0, follow_up=36, definition="ever")
    assert _by_participant(ever.table, "change") == {
        "a": "incident", "b": "resolved", "c": "none", "d": "stable", "e": None,
        "f": "incident"}
    # a pair inside the span looks only at its own visits in between
    inner = transitions(status, baseline=12, follow_up=36, definition="two-visit")
    assert _by_participant(inner.table, "status_changes")["a"] == 2
    assert "e" not in _by_participant(inner.table, "change")  # not read at 12


def test_definition_is_checked():
    status = lesion_status(_path_cohort(PATHS3, VISITS3), unit="knee")
    with pytest.raises(AnalysisInputError, match="definition must be one of"):
        transitions(status, baseline=0, follow_up=24, definition="any")


# Bones over 0/4/12 with gaps (None: no row, nan: unreadable)
GAP_COURSES3 = {
    "radius": (1, np.nan, 0),     # 1 ? 0: resolved whatever the gap held
    "ulna": (0, None, 1),         # 0 ? 1: incident
    "scaphoid": (1, 0, None),     # 1 0 ?: resolved or relapsing
    "lunate": (0, np.nan, 0),     # 0 ? 0: absent or incident
    "capitate": (1, np.nan, 1),   # 1 ? 1: persistent or relapsing
    "hamate": (None, 1, 1),       # not read at the first visit
    "pisiform": (2, None, None),  # read at the first visit only
    "trapezium": (1, 0, 1),       # complete: relapsing
}


def _bone_cohort_from(courses: dict, visits: tuple[int, ...], threshold_scores: bool = False
                      ) -> Cohort:
    rows = [{"participant_id": "r1", "visit": v, "side": "R", "bone": bone, "reader": "A",
             "bme": score}
            for bone, scores in courses.items()
            for v, score in zip(visits, scores, strict=True) if score is not None]
    return Cohort(pd.DataFrame({"participant_id": ["r1"], "sex": ["M"], "age": [50.0]}),
                  pd.DataFrame({"participant_id": "r1", "visit": list(visits)}),
                  ra_bones=pd.DataFrame(rows))


def _courses(course) -> dict:
    return dict(zip(course.table["bone"].astype(str), course.table["course"].astype(str),
                    strict=True))


def test_course_uses_every_read_and_reports_undetermined_units():
    course = lesion_course(lesion_status(_bone_cohort_from(GAP_COURSES3, (0, 4, 12)),
                                         unit="bone"))
    assert _courses(course) == {"radius": "resolved", "ulna": "incident",
                                "trapezium": "relapsing"}
    assert course.n_gap_classified == 2 and course.n_intermediate_change == 1
    assert dict(zip(course.table["bone"].astype(str), course.table["n_missing"],
                    strict=True)) == {"radius": 1, "ulna": 1, "trapezium": 0}
    und = course.undetermined.assign(bone=lambda d: d["bone"].astype(str)).set_index("bone")
    assert und.loc["scaphoid", "possible"] == "resolved or relapsing"
    assert und.loc["scaphoid", "missing_visits"] == "12"
    assert und.loc["lunate", "possible"] == "absent or incident"
    assert und.loc["capitate", "possible"] == "persistent or relapsing"
    assert und.loc["hamate", "reason"] == "not read at the first visit (0)"
    assert pd.isna(und.loc["hamate", "baseline_present"])
    assert und.loc["pisiform", "reason"] == "read at the first visit only"
    assert und.loc["pisiform", "missing_visits"] == "4, 12"
    assert dict(course.accounting.excluded) == {
        "course undetermined: missing reads leave it absent or incident": 1,
        "course undetermined: missing reads leave it persistent or relapsing": 1,
        "course undetermined: missing reads leave it resolved or relapsing": 1,
        "not read at the first visit (0)": 1,
        "read at the first visit only": 1}
    assert course.accounting.n_rows == 8 and course.accounting.n_used == 3
    summary = course.summary().set_index("term")
    assert summary.loc["resolved", "gap_classified"] == 1
    assert summary.loc["relapsing", "intermediate_changes"] == 1
    # complete cases only, as before gaps were handled
    complete = lesion_course(lesion_status(_bone_cohort_from(GAP_COURSES3, (0, 4, 12)),
                                           unit="bone"), gaps="exclude")
    assert _courses(complete) == {"trapezium": "relapsing"}
    assert dict(complete.accounting.excluded)["not read at every visit (gaps='exclude')"] == 2
    with pytest.raises(AnalysisInputError, match="gaps must be one of"):
        lesion_course(lesion_status(_bone_cohort_from(GAP_COURSES3, (0, 4, 12)),
                                    unit="bone"), gaps="fill")


def test_four_visit_courses_with_gaps_by_hand():
    courses = {
        "radius": (1, np.nan, 0, 0),    # resolved
        "ulna": (1, 0, None, 1),        # relapsing whatever 12 held
        "scaphoid": (1, 1, np.nan, 1),  # persistent or relapsing
        "lunate": (0, None, None, 0),   # absent or incident
        "capitate": (0, 1, 0, 0),       # incident (changed and back)
        "hamate": (1, 0, 1, 0),         # relapsing, three changes
        "trapezium": (1, 1, 0, None),   # resolved or relapsing
        "trapezoid": (0, None, 2, None),  # incident
    }
    course = lesion_course(lesion_status(_bone_cohort_from(courses, (0, 4, 12, 24)),
                                         unit="bone"))
    assert _courses(course) == {"radius": "resolved", "ulna": "relapsing",
                                "capitate": "incident", "hamate": "relapsing",
                                "trapezoid": "incident"}
    changes = dict(zip(course.table["bone"].astype(str), course.table["status_changes"],
                       strict=True))
    assert changes == {"radius": 1, "ulna": 2, "capitate": 2, "hamate": 3, "trapezoid": 1}
    assert set(course.undetermined["bone"].astype(str)) == {"scaphoid", "lunate",
                                                             "trapezium"}
    # a course over chosen visits sees only those visits
    short = lesion_course(lesion_status(_bone_cohort_from(courses, (0, 4, 12, 24)),
                                        unit="bone"), visits=(0, 12, 24))
    assert _courses(short)["capitate"] == "absent"


def test_within_grade_codes_never_sum_to_a_lesion_unless_asked():
    # two subregions at 0.5 at month 12 only: half grades, no whole-grade lesion
    scores = {(p, "R", v, site): s for p in ("p1",)
              for v, s05 in ((0, 0.0), (12, 0.5), (24, 0.0))
              for site, s in (("TMC", s05), ("FMC", s05))}
    cohort = _knee_cohort(scores, visits=VISITS3, within=True)
    whole = lesion_status(cohort, unit="knee", aggregate="sum")
    assert whole.table["score"].tolist() == [0.0, 0.0, 0.0]
    assert not whole.table["present"].any()
    assert transitions(whole, baseline=0, follow_up=12).table["change"].tolist() == ["none"]
    half = lesion_status(cohort, unit="knee", aggregate="sum", within_grade=True)
    assert half.table["score"].tolist() == [0.0, 1.0, 0.0] and "half grades" in half.method
    assert transitions(half, baseline=0, follow_up=12).table["change"].tolist() == [
        "incident"]
    # and the lesion made of half grades at 12 is a change in between for 0 -> 24
    with pytest.warns(DataQualityWarning, match="1 knee changed lesion status"):
        transitions(half, baseline=0, follow_up=24)
    # max and any see whole grades too: 1.5 is grade 1
    scores = {("p1", "R", 0, "TMC"): 0.5, ("p1", "R", 12, "TMC"): 1.5,
              ("p1", "R", 24, "TMC"): 2.0}
    cohort = _knee_cohort(scores, visits=VISITS3, within=True)
    assert lesion_status(cohort, unit="knee").table["score"].tolist() == [0.0, 1.0, 2.0]
    assert lesion_status(cohort, unit="knee", aggregate="any", threshold=2
                         ).table["score"].tolist() == [0.0, 0.0, 1.0]


def test_complete_resolution_is_below_grade_one_whatever_the_threshold():
    paths = {"k1": (3, 1, 0), "k2": (3, 1, 1), "k3": (2, 0, 2), "k4": (1, 2, 0),
             "k5": (2, 2, 1)}
    status = lesion_status(_path_cohort(paths, VISITS3), unit="knee", threshold=2)
    first = transitions(status, baseline=0, follow_up=12)
    assert _by_participant(first.table, "change") == {
        "k1": "regressed", "k2": "regressed", "k3": "resolved", "k4": "incident",
        "k5": "stable"}
    assert "resolved if score < 1" in first.method
    whole = transitions(status, baseline=0, follow_up=24, definition="two-visit")
    assert _by_participant(whole.table, "change") == {
        "k1": "resolved", "k2": "regressed", "k3": "stable", "k4": "none",
        "k5": "regressed"}
    # the course follows any lesion once a large one was seen: 3 1 1 persists
    course = lesion_course(status)
    got = dict(zip(course.table["participant_id"].astype(str),
                   course.table["course"].astype(str), strict=True))
    assert got == {"k1": "resolved", "k2": "persistent", "k3": "relapsing",
                   "k4": "incident", "k5": "persistent"}
    # threshold 1: the same reads, the ordinary classes
    plain = lesion_course(lesion_status(_path_cohort(paths, VISITS3), unit="knee"))
    assert _courses_by_participant(plain) == {"k1": "resolved", "k2": "persistent",
                                              "k3": "relapsing", "k4": "resolved",
                                              "k5": "persistent"}


def test_resolution_estimator_agrees_with_the_change_classes():
    from bmecohort.estimators.occurrence.proportions import resolution

    # threshold 2, 0 -> 12: k1 3 -> 1 and k2 3 -> 1 regressed, k3 2 -> 0 resolved, k5 stable
    paths = {"k1": (3, 1, 0), "k2": (3, 1, 1), "k3": (2, 0, 2), "k4": (1, 2, 0),
             "k5": (2, 2, 1), "k6": (2, None, 0)}
    status = lesion_status(_path_cohort(paths, VISITS3), unit="knee", threshold=2)
    change = transitions(status, baseline=0, follow_up=12)
    res = resolution(change)
    assert (res.accounting.n_used, res.accounting.events) == (4, 1)
    assert dict(res.accounting.excluded)["missing follow-up"] == 1
    # present_to alone (no lesion >= 2) would call 3 -> 1 resolved: 3 of 4
    bare = change.table.drop(columns="change")
    assert resolution(bare).accounting.events == 3
    # threshold 1: the change classes and present_to agree
    plain = transitions(lesion_status(_path_cohort(paths, VISITS3), unit="knee"),
                        baseline=0, follow_up=12)
    assert resolution(plain).accounting.events == resolution(
        plain.table.drop(columns="change")).accounting.events == 1


def _courses_by_participant(course) -> dict:
    return dict(zip(course.table["participant_id"].astype(str),
                    course.table["course"].astype(str), strict=True))


# --- Invariants: a brute-force oracle, row order, relabelling -------------------------------
from itertools import product  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# a read: whole grade 0-3, unreadable (nan) or not read at all (None)
READ = st.sampled_from([0.0, 1.0, 2.0, 3.0, np.nan, None])


def _oracle_course(present: list) -> str | None:
    """Every way of filling the unknown reads; the course if they all agree."""
    if present[0] is None:
        return None
    holes = [i for i, p in enumerate(present) if p is None]
    found = set()
    for fill in product((False, True), repeat=len(holes)):
        path = list(present)
        for i, value in zip(holes, fill, strict=True):
            path[i] = value
        later = path[1:]
        if not path[0]:
            found.add("incident" if any(later) else "absent")
        elif all(later):
            found.add("persistent")
        elif any(not a and b for i, a in enumerate(later) for b in later[i + 1:]):
            found.add("relapsing")
        else:
            found.add("resolved")
    return found.pop() if len(found) == 1 else None


def _changes(present: list) -> int:
    known = [p for p in present if p is not None]
    return sum(a != b for a, b in zip(known, known[1:], strict=False))


def _presence(path: tuple) -> list:
    return [None if s is None or np.isnan(s) else s >= 1 for s in path]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(READ, READ, READ, READ), min_size=1, max_size=6), st.randoms())
def test_vectorised_classes_match_a_brute_force_oracle(paths, rng):
    visits = (0, 12, 24, 36)
    named = {f"u{i}": p for i, p in enumerate(paths)}
    named["z"] = (0.0, 0.0, 0.0, 0.0)  # every visit read by someone
    status = lesion_status(_path_cohort(named, visits), unit="knee")
    course = lesion_course(status)
    got = dict(zip(course.table["participant_id"].astype(str),
                   course.table["course"].astype(str), strict=True))
    t = transitions(status, baseline=0, follow_up=36, definition="ever")
    two = transitions(status, baseline=0, follow_up=36, definition="two-visit")
    ever = _by_participant(t.table, "change")
    pair = _by_participant(two.table, "change")
    changes = _by_participant(two.table, "status_changes")
    for name, path in named.items():
        present = _presence(path)
        assert got.get(name) == _oracle_course(present), (name, path)
        if present[0] is None:  # not read, or unreadable, at baseline: no class
            assert ever.get(name) is None and pair.get(name) is None
            continue
        last = present[-1]
        assert changes[name] == _changes(present)
        expected_two = None if last is None else classify_change([path[0]], [path[-1]])[0]
        assert pair[name] == expected_two
        if present[0]:
            assert ever[name] == expected_two
        elif any(p for p in present[1:] if p is not None):
            assert ever[name] == "incident"
        else:
            assert ever[name] == ("none" if None not in present else None)
    # the order of the input rows and the names of the participants change nothing
    cohort = _path_cohort(named, visits)
    shuffled_reads = cohort.lesion_reads.sample(frac=1.0, random_state=rng.randrange(1000))
    shuffled = Cohort(cohort.participants, cohort.visits, lesion_reads=shuffled_reads)
    again = lesion_course(lesion_status(shuffled, unit="knee"))
    pd.testing.assert_frame_equal(again.table, course.table)
    pd.testing.assert_frame_equal(again.undetermined, course.undetermined)
    renamed = {f"{name}-{i}": p for i, (name, p) in enumerate(reversed(list(named.items())))}
    relabelled = lesion_course(lesion_status(_path_cohort(renamed, visits), unit="knee"))
    back = {name.rsplit("-", 1)[0]: c for name, c in _courses_by_participant(relabelled).items()}
    assert back == got
    assert relabelled.accounting.excluded == course.accounting.excluded
