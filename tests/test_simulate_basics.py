"""bmecohort.simulate: validity, determinism, design options, invariants and errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort
from bmecohort.scoring import KNEE_SUBREGIONS, MSASSS_CORNERS, NEXT_VERTEBRA, RA_BONES
from bmecohort.simulate import (
    demo_cohort,
    hand_oa_joints,
    hip_cohort,
    knee_cohort,
    ra_bone_cohort,
    spine_cohort,
    true_effects,
)

GENERATORS = {
    "knee": knee_cohort,
    "spine": spine_cohort,
    "ra": ra_bone_cohort,
    "hip": hip_cohort,
}
ROOT = Path(__file__).resolve().parents[1]


def assert_same_tables(a: Cohort, b: Cohort) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.table(name), b.table(name))


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@pytest.mark.parametrize(("n", "seed"), [(1, 0), (7, 3), (40, 12345)])
def test_every_generator_returns_a_valid_cohort(kind: str, n: int, seed: int) -> None:
    cohort = GENERATORS[kind](n, seed=seed)
    assert isinstance(cohort, Cohort)
    assert len(cohort.participants) == n
    assert cohort.participants["participant_id"].is_unique
    # rebuilding from the tables validates everything again
    rebuilt = Cohort.from_tables(cohort.tables)
    assert rebuilt.content_hash() == cohort.content_hash()
    assert cohort.source.startswith(f"simulated: bmecohort.simulate.{GENERATORS[kind].__name__}")


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_same_seed_same_tables_other_seed_other_tables(kind: str) -> None:
    make = GENERATORS[kind]
    first, again, other = make(30, seed=11), make(30, seed=11), make(30, seed=12)
    assert_same_tables(first, again)
    assert first.content_hash() != other.content_hash()
    for name in first.tables:
        assert not first.table(name).equals(other.table(name)), name


def test_hand_frame_is_deterministic() -> None:
    pd.testing.assert_frame_equal(hand_oa_joints(20, seed=5), hand_oa_joints(20, seed=5))
    assert not hand_oa_joints(20, seed=5).equals(hand_oa_joints(20, seed=6))


def test_independent_of_threads_and_process() -> None:
    # same hash in a fresh interpreter with one thread as in this process
    code = ("from bmecohort.simulate import demo_cohort; "
            "print(demo_cohort(7, size='small').content_hash())")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, cwd=ROOT)
    assert out.stdout.strip() == demo_cohort(7, size="small").content_hash()


def test_demo_cohort_small_combines_the_parts() -> None:
    cohort = demo_cohort(size="small")
    ids = cohort.participants["participant_id"]
    assert ids.str[0].value_counts().to_dict() == {"K": 40, "S": 20, "R": 12, "H": 24}
    conditions = set(cohort.participants["condition"])
    assert {"axspa", "early_arthritis", "hip"} <= conditions
    assert conditions - {"axspa", "early_arthritis", "hip"} <= {"knee_oa", "knee_no_oa"}
    for table, prefix in (("lesion_reads", "K"), ("knee_outcomes", "K"), ("spine_corners", "S"),
                          ("ra_bones", "R"), ("hip_cases", "H")):
        assert set(cohort.table(table)["participant_id"].astype(str).str[0]) == {prefix}
    assert "seed=20261124" in cohort.source and "size='small'" in cohort.source
    # the demo's knee part is knee_cohort with the same seed
    knee = knee_cohort(40, seed=20261124)
    pd.testing.assert_frame_equal(
        cohort.subset(knee.participants["participant_id"]).knee_outcomes.reset_index(drop=True),
        knee.knee_outcomes.reset_index(drop=True))


def test_demo_cohort_rejects_unknown_size() -> None:
    with pytest.raises(ValueError, match="size must be one of"):
        demo_cohort(size="huge")


# --- knee design options ------------------------------------------------------------------
def test_knee_reads_cover_15_subregions_at_every_attended_visit() -> None:
    cohort = knee_cohort(60, seed=2, dropout=0.2)
    reads = cohort.lesion_reads
    per_knee_visit = reads.groupby(["participant_id", "visit", "side"], observed=True).size()
    assert (per_knee_visit == len(KNEE_SUBREGIONS)).all()
    assert set(reads["site"].astype(str)) == set(KNEE_SUBREGIONS)
    assert isinstance(reads["site"].dtype, pd.CategoricalDtype)
    # both knees of everyone, outcomes for each knee and attended visit
    knees = reads[["participant_id", "visit", "side"]].drop_duplicates()
    assert len(knees) == len(cohort.knee_outcomes)
    assert (cohort.knee_outcomes.groupby(["participant_id", "visit"]).size() == 2).all()


def test_knee_dropout_is_monotone_and_visits_table_holds_attended_visits() -> None:
    schedule = (0, 12, 24, 48)
    cohort = knee_cohort(300, seed=4, dropout=0.3, visits=schedule)
    visits = cohort.visits
    counts = visits.groupby("participant_id")["visit"].agg(list)
    assert all(v == list(schedule[:len(v)]) for v in counts)
    share = counts.map(len).value_counts(normalize=True).sort_index()
    assert share.index.tolist() == [1, 2, 3, 4]
    assert abs(share.loc[1] - 0.3) < 0.1  # left before month 12
    assert (visits.loc[visits["visit"] == 0, "months_from_baseline"] == 0).all()
    later = visits[visits["visit"] > 0]
    assert (abs(later["months_from_baseline"] - later["visit"]) <= 1.0).all()
    assert knee_cohort(50, seed=4, dropout=0.0).visits.groupby("participant_id").size().eq(
        4).all()


def test_knee_options_one_knee_fraction_women_pain_free() -> None:
    one = knee_cohort(200, seed=5, knees="one").knee_outcomes
    assert (one.groupby(["participant_id", "visit"]).size() == 1).all()
    assert set(one["side"]) == {"L", "R"}
    part = knee_cohort(400, seed=5, knees=0.25, dropout=0.0).knee_outcomes
    two = part[part["visit"] == 0].groupby("participant_id").size().eq(2).mean()
    assert 0.18 < two < 0.32
    women = knee_cohort(50, seed=5, women_only=True)
    assert set(women.participants["sex"]) == {"F"}
    free = knee_cohort(100, seed=5, pain_free_baseline=True).knee_outcomes
    assert not free.loc[free["visit"] == 0, "frequent_knee_pain"].any()
    assert free.loc[free["visit"] > 0, "frequent_knee_pain"].any()


def test_knee_structure_never_improves_and_kl_matches_jsn() -> None:
    out = knee_cohort(300, seed=6, dropout=0.0).knee_outcomes.sort_values(
        ["participant_id", "side", "visit"])
    for column in ("kl_grade", "jsn_medial", "jsn_lateral", "cartilage_defect"):
        step = out.groupby(["participant_id", "side"])[column].diff().dropna()
        assert (step >= 0).all(), column
    narrowing = out[["jsn_medial", "jsn_lateral"]].max(axis=1)
    assert (out.loc[narrowing > 0, "kl_grade"] >= 1 + narrowing[narrowing > 0]).all()
    assert out["womac_pain"].between(0, 20).all()
    assert (out["womac_pain"] == out["womac_pain"].round()).all()
    assert out.groupby(["participant_id", "side"])["alignment_deg"].nunique().eq(1).all()


def test_knee_custom_visits_and_effects_are_recorded() -> None:
    cohort = knee_cohort(20, seed=1, visits=(0, 6, 24), pain_or=2.0)
    assert sorted(cohort.visits["visit"].unique()) == [0, 6, 24]
    assert "pain_or=2.0" in cohort.source and "visits=(0, 6, 24)" in cohort.source


# --- spine, RA, hip, hand invariants --------------------------------------------------------
def test_spine_corners_scores_never_decrease_and_bridges_face_each_other() -> None:
    corners = spine_cohort(150, seed=8).spine_corners
    assert set(zip(corners["level"].astype(str), corners["corner"].astype(str),
                   strict=True)) == set(MSASSS_CORNERS)
    wide = corners.pivot_table(index=["participant_id", "level", "corner"], columns="visit",
                               values="msasss", observed=True)
    assert (wide[24] >= wide[0]).all()
    assert ((wide[0] <= 1) & (wide[24] >= 2)).any()  # new syndesmophytes occur
    for visit in (0, 24):
        v = wide[visit].reset_index()
        lower = v[v["corner"] == "lower"].assign(partner=lambda d: d["level"].astype(str).map(
            NEXT_VERTEBRA))
        upper = v[v["corner"] == "upper"].assign(level=lambda d: d["level"].astype(str))
        pairs = lower.merge(upper, left_on=["participant_id", "partner"],
                            right_on=["participant_id", "level"], suffixes=("_l", "_u"))
        assert len(pairs) == 12 * 150
        assert ((pairs[f"{visit}_l"] == 3) == (pairs[f"{visit}_u"] == 3)).all()
        assert (pairs[f"{visit}_l"] == 3).any()
    mri = corners[corners["visit"] == 24][["mri_inflammation", "mri_fat"]]
    assert mri.isna().all().all()


def test_ra_bones_erosion_never_decreases_and_courses_exist() -> None:
    cohort = ra_bone_cohort(59, seed=9)
    bones = cohort.ra_bones
    assert len(bones) == 1947 * 3  # Nieuwenhuis 2016: 1,947 bones in 59 patients
    assert bones.groupby(["participant_id", "visit"], observed=True).size().eq(
        len(RA_BONES)).all()
    wide = bones.pivot_table(index=["participant_id", "bone"], columns="visit",
                             values=["bme", "erosion"], observed=True)
    assert ((wide["erosion"][4] >= wide["erosion"][0])
            & (wide["erosion"][12] >= wide["erosion"][4])).all()
    present = wide["bme"] > 0
    base = present[present[0]]
    assert (base[4] & base[12]).any() and (~base[12]).any() and (~base[4] & base[12]).any()
    assert set(cohort.visits["visit"]) == {0, 4, 12}


def test_hip_cases_follow_the_distinguishing_features() -> None:
    cases = hip_cohort(400, seed=10).hip_cases
    bmes, avn = cases[cases["diagnosis"] == "bmes"], cases[cases["diagnosis"] == "avn"]
    assert bmes["bme"].all() and bmes["arco_stage"].isna().all()
    assert avn["arco_stage"].notna().all()
    assert bmes["onset"].eq("acute").mean() > 0.8 and avn["onset"].eq("insidious").mean() > 0.75
    assert bmes["mri_pattern"].eq("diffuse").mean() > 0.85
    per_person = cases.groupby("participant_id")["diagnosis"].agg(["first", "size"])
    bilateral = per_person.groupby("first")["size"].apply(lambda s: (s == 2).mean())
    assert bilateral["avn"] > 0.45 and bilateral["bmes"] < 0.2
    resolved = cases["resolved"].fillna(False).astype(bool)
    assert cases.loc[resolved, "months_to_resolution"].notna().all()
    assert cases.loc[~resolved, "months_to_resolution"].isna().all()
    assert not avn.loc[~avn["bme"].astype(bool), "resolved"].notna().any()
    short = hip_cohort(200, seed=10, follow_up_months=6).hip_cases
    assert (short["months_to_resolution"].dropna() <= 6).all()


def test_hand_frame_columns_and_definitions() -> None:
    joints = hand_oa_joints(70, seed=11)
    assert len(joints) == 70 * 8 and joints["participant_id"].nunique() == 70
    assert joints.groupby("participant_id")["joint"].nunique().eq(8).all()
    assert (joints["bml_increase"] == (joints["bml_followup"] > joints["bml_baseline"])).all()
    seen = joints["synovitis_baseline"].notna()
    assert joints.loc[seen, "participant_id"].nunique() == 48
    assert (joints.loc[seen, "synovitis_increase"]
            == (joints.loc[seen, "synovitis_followup"] > joints.loc[seen, "synovitis_baseline"])
            ).all()
    assert joints.loc[~seen, "synovitis_increase"].isna().all()
    assert (joints["incident_tenderness"].isna() == joints["tender_baseline"]).all()
    for column in ("bml_followup", "synovitis_followup"):
        values = joints[column].dropna()
        assert values.between(0, 3).all() and (values * 2 == np.round(values * 2)).all()


# --- true_effects and input errors ---------------------------------------------------------
def test_true_effects_tables() -> None:
    for kind in ("knee", "spine", "ra", "hip", "hand"):
        truth = true_effects(kind)
        assert list(truth.columns) == ["value", "scale", "exact", "model", "source"]
        assert truth.index.name == "effect" and truth.index.is_unique
        assert truth["value"].notna().all()
    knee = true_effects("knee", pain_or=3.0, seed=1, n_participants=10)
    assert knee.loc["pain_or", "value"] == 3.0
    assert true_effects("knee").loc["cartilage_or_size3", "value"] == 5.55
    assert true_effects("spine").loc["both_or", "value"] == 7.6
    ra = true_effects("ra")
    assert ra.loc["synovitis_bme_or", "value"] == pytest.approx(7.5 * 1.9 / 6.9)
    assert not ra.loc["synovitis_bme_or", "exact"]
    course = true_effects("ra", model="course")
    assert course.loc["persistent_bme_or", "value"] == 60.5
    assert not course.loc["bme_synovitis_or", "exact"]
    assert true_effects("hip").loc["bme_pain_or", "value"] == pytest.approx(22.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: knee_cohort(10, seed=-1), "non-negative"),
    (lambda: knee_cohort(10, seed=1.5), "integer"),
    (lambda: knee_cohort(0, seed=1), "at least 1"),
    (lambda: knee_cohort(10, seed=1, knees="three"), "knees must be"),
    (lambda: knee_cohort(10, seed=1, visits=(12, 24)), "start with the baseline"),
    (lambda: knee_cohort(10, seed=1, visits=(0, 24, 12)), "strictly increasing"),
    (lambda: knee_cohort(10, seed=1, dropout=1.0), "dropout must be below 1"),
    (lambda: knee_cohort(10, seed=1, pain_or=-2), "positive odds ratio"),
    (lambda: knee_cohort(10, seed=1, incidence=1.2), "probability"),
    (lambda: knee_cohort(10, seed=1, jsn_crude_or=60.0), "cannot be reached"),
    (lambda: knee_cohort(10, seed=1, incidence=0.5, bmi_or=1.5), "below 1"),
    (lambda: knee_cohort(10, seed=1, womac_per_grade=8), "womac_per_grade"),
    (lambda: knee_cohort(10, seed=1, cartilage_ors=(2.0, 3.0)), "three odds ratios"),
    (lambda: spine_cohort(10, seed=1, visits=(0, 12)), "must include month"),
    (lambda: ra_bone_cohort(10, seed=1, model="other"), "model must be"),
    (lambda: ra_bone_cohort(10, seed=1, courses=(0.5, 0.3, 0.1)), "summing to 1"),
    (lambda: hip_cohort(10, seed=1, follow_up_months=0), "positive"),
    (lambda: hand_oa_joints(10, seed=1, synovitis_fraction=1.5), "probability"),
    (lambda: true_effects("elbow"), "kind must be one of"),
    (lambda: true_effects("knee", pain_odds=2), "no effect parameter"),
])
def test_bad_arguments_raise_clear_errors(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_content_hash_hashes_categoricals_as_their_values() -> None:
    # the fingerprint is that of the tables with every categorical column as objects (its
    # definition before the categories were hashed instead of one object per row): text,
    # numbers, booleans, dates and missing values alike, on the demo cohort and edge columns
    import hashlib

    def as_objects(cohort: Cohort) -> str:
        digest = hashlib.sha256()
        for name, frame in cohort.tables.items():
            digest.update(name.encode())
            digest.update(",".join(map(str, frame.columns)).encode())
            digest.update(pd.util.hash_pandas_object(frame.astype(
                {c: object for c in frame.columns
                 if isinstance(frame[c].dtype, pd.CategoricalDtype)}), index=False)
                .to_numpy().tobytes())
        return digest.hexdigest()

    edge = pd.DataFrame({
        "text": pd.Categorical(["a", None, "b", "a", None]),
        "integer": pd.Categorical([1, 2, None, 2, 1]),
        "real": pd.Categorical([1.5, 2.0, None, 2.0, 1.5]),
        "string": pd.Series(["x", "y", None, "x", "y"], dtype="string").astype("category"),
        "date": pd.Categorical(pd.to_datetime(["2020-01-01", None, "2020-01-02",
                                               "2020-01-01", None])),
        "flag": pd.Categorical([True, False, None, True, True]),
        "unused": pd.Categorical(["q"] * 5, categories=["q", "r"]),
        "plain": np.arange(5),
    })
    cohorts = [demo_cohort(7, size="small"),
               *(Cohort._trusted({"participants": frame}, allow_within_grade=False,
                                 name="edge", source=None)
                 for frame in (edge, edge.iloc[:0], *(edge[[c]] for c in edge.columns)))]
    for cohort in cohorts:
        assert cohort.content_hash() == as_objects(cohort)
