"""Reader policies of lesion_status on tiny double-read cohorts worked by hand, on OAI-style
reads with reading projects, and against a simulated second reader's known error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort import Cohort, lesion_course, lesion_status, transitions
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning
from bmecohort.simulate import ONE_GRADE_ERROR, add_second_reader, knee_cohort

# (participant, visit, site, reader, score); knee side R throughout
READS = [
    # a at 0: TMC R1 1, R2 2, consensus 2; FMC R1 0, R2 not assessable
    ("a", 0, "TMC", "R1", 1), ("a", 0, "TMC", "R2", 2), ("a", 0, "TMC", "consensus", 2),
    ("a", 0, "FMC", "R1", 0), ("a", 0, "FMC", "R2", np.nan),
    # a at 24: R1 and R2 agree on 0
    ("a", 24, "TMC", "R1", 0), ("a", 24, "TMC", "R2", 0),
    # b at 0: R1 0, R2 1 (disagree on lesion or not); b at 24: read by R2 only
    ("b", 0, "TMC", "R1", 0), ("b", 0, "TMC", "R2", 1),
    ("b", 24, "TMC", "R2", 1),
]


def _cohort(reads=READS, visits=(0, 24), project: dict | None = None) -> Cohort:
    ids = sorted({r[0] for r in reads})
    participants = pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0})
    visit_rows = pd.DataFrame([(p, v) for p in ids for v in visits],
                              columns=["participant_id", "visit"])
    rows = pd.DataFrame([
        {"participant_id": p, "visit": v, "joint": "knee", "side": "R", "system": "MOAKS",
         "item": "bml_size", "site": s, "reader": r, "score": float(x)}
        for p, v, s, r, x in reads])
    if project is not None:
        rows["read_project"] = rows["reader"].map(project)
    return Cohort(participants, visit_rows, lesion_reads=rows)


def _scores(status) -> dict[tuple[str, int], float]:
    t = status.table
    return {(str(p), int(v)): s for p, v, s in zip(t["participant_id"], t["visit"],
                                                   t["score"], strict=True)}


def test_policies_by_hand():
    cohort = _cohort()
    two = ["R1", "R2"]
    first = lesion_status(cohort, unit="knee", reader="first", readers=two)
    # b at 24: R1 did not read it, so R2's read fills in
    assert _scores(first) == {("a", 0): 1, ("a", 24): 0, ("b", 0): 0, ("b", 24): 1}
    second = lesion_status(cohort, unit="knee", reader="first", readers=["R2", "R1"])
    # a at 0: R2's TMC 2; FMC not assessable by R2, so R1's 0 is used
    assert _scores(second) == {("a", 0): 2, ("a", 24): 0, ("b", 0): 1, ("b", 24): 1}
    mean = lesion_status(cohort, unit="knee", reader="mean", readers=two)
    assert _scores(mean) == {("a", 0): 1.5, ("a", 24): 0, ("b", 0): 0.5, ("b", 24): 1}
    assert mean.table["present"].tolist() == [True, False, False, True]
    mx = lesion_status(cohort, unit="knee", reader="max", readers=two)
    assert _scores(mx) == {("a", 0): 2, ("a", 24): 0, ("b", 0): 1, ("b", 24): 1}
    summed = lesion_status(cohort, unit="knee", reader="mean", readers=two, aggregate="sum")
    assert _scores(summed)[("a", 0)] == 1.5  # TMC mean 1.5 + FMC 0 (R1 only)
    for status in (first, mean, mx):
        r = status.reading
        # a@0 (1 vs 2), a@24 (0 vs 0), b@0 (0 vs 1) read twice; b@24 once
        assert (r.n_multiple, r.n_disagree, r.n_status_disagree) == (3, 2, 1)
        assert r.readers == ("R1", "R2")
    table = first.reading.table
    assert table["n_readers"].tolist() == [2, 2, 2]
    assert table["status_agree"].tolist() == [True, True, False]
    assert table["score"].tolist() == [1, 0, 0]


def test_adjudicated_read_wins_else_fallback():
    cohort = _cohort()
    status = lesion_status(cohort, unit="knee", reader="adjudicated")
    r = status.reading
    assert r.adjudicators == ("consensus",) and r.fallback == "first"
    assert r.readers == ("R1", "R2", "consensus")
    # a@0: TMC consensus 2 wins; b@0 no consensus: first of R1, R2 -> R1's 0
    assert _scores(status) == {("a", 0): 2, ("a", 24): 0, ("b", 0): 0, ("b", 24): 1}
    assert r.n_adjudicated == 1
    assert "consensus" in r.describe() and "else first of R1, R2" in r.describe()
    mean = lesion_status(cohort, unit="knee", reader="adjudicated", fallback="mean")
    assert _scores(mean)[("b", 0)] == 0.5 and _scores(mean)[("a", 0)] == 2
    # adjudication flagged by the read project, whatever the reader's label
    cohort = _cohort(project={"R1": "P1", "R2": "P1", "consensus": "adjudication"})
    by_project = lesion_status(cohort, unit="knee", reader="adjudicated")
    assert by_project.reading.adjudicators == ("consensus/adjudication",)
    assert _scores(by_project)[("a", 0)] == 2


def test_one_reader_and_errors():
    cohort = _cohort()
    with pytest.raises(AnalysisInputError, match="several readers.*'R2'.*'R1'.*'first'"):
        lesion_status(cohort, unit="knee")
    r1 = lesion_status(cohort, unit="knee", reader="R1")
    assert r1.reading.policy == "reader" and r1.reading.describe() == "reader R1"
    assert "(reader R1)" in r1.source
    with pytest.raises(AnalysisInputError, match="orders the readers of a reader policy"):
        lesion_status(cohort, unit="knee", reader="R1", readers=["R1"])
    with pytest.raises(AnalysisInputError, match=r"readers \['R9'\] are not readers"):
        lesion_status(cohort, unit="knee", reader="first", readers=["R1", "R9"])
    with pytest.raises(AnalysisInputError, match="fallback must be one of"):
        lesion_status(cohort, unit="knee", reader="adjudicated", fallback="last")
    only = lesion_status(cohort, unit="knee", reader="max", readers=["R2"])
    assert only.reading.n_multiple == 0
    assert dict(only.accounting.excluded)["readers not listed in readers="] == 5


def test_policy_flows_to_transitions_course_and_designs():
    extra = [("a", 48, "TMC", "R1", 1), ("b", 48, "TMC", "R1", 0), ("c", 0, "TMC", "R1", 0),
             ("c", 24, "TMC", "R1", 1), ("c", 48, "TMC", "R1", 1)]
    cohort = _cohort(reads=[*READS, *extra], visits=(0, 24, 48))
    status = lesion_status(cohort, unit="knee", reader="max")
    change = transitions(status, baseline=0, follow_up=24)
    assert change.reading is status.reading
    assert change.header()["readers"] == "max of R1, R2, consensus per site"
    course = lesion_course(status)
    assert course.reading is status.reading
    assert "knee-visits whose readers disagree (score)" in course.header()
    design = bc.bml_incidence_resolution(cohort, reader="max")
    assert design.reading.policy == "max"
    assert any(n.startswith("readers: max of") and "read by two or more readers" in n
               for n in design.notes)
    assert "readers" in design.to_text()
    single = bc.bml_incidence_resolution(_cohort(
        reads=[r for r in [*READS, *extra] if r[3] == "R1"], visits=(0, 24, 48)))
    assert single.reading.describe() == "reader R1"
    assert not any(n.startswith("readers:") for n in single.notes)


def test_read_projects_are_readers_of_oai_reads():
    fixtures = Path(__file__).parent / "fixtures" / "oai"
    with pytest.warns(DataQualityWarning):
        reads = bc.read_oai_moaks(fixtures / "moaks_wide_V00_V01.txt",
                                  visit_months={"V00": 0, "V01": 12},
                                  special_values="missing")
    projects = sorted(reads["read_project"].dropna().unique())
    assert len(projects) >= 2 and "63A" in projects and set(reads["reader"]) == {"BICL"}
    ids = sorted(reads["participant_id"].unique())
    cohort = Cohort(pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0}),
                    pd.DataFrame([(p, v) for p in ids for v in (0, 12)],
                                 columns=["participant_id", "visit"]), lesion_reads=reads)
    with pytest.raises(AnalysisInputError, match="several read projects"):
        lesion_status(cohort, unit="knee")
    status = lesion_status(cohort, unit="knee", reader="first", readers=["BICL/63A"])
    assert status.reading.readers == ("BICL/63A",)
    only = lesion_status(cohort, unit="knee", read_project="63A")
    pd.testing.assert_series_equal(status.table["score"], only.table["score"])
    both = lesion_status(cohort, unit="knee", reader="first", readers=["BICL"])
    assert both.reading.readers == tuple(f"BICL/{p}" for p in projects)
    knees_twice = reads.groupby(["participant_id", "side", "visit"])["read_project"].nunique()
    assert both.reading.n_multiple == int((knees_twice > 1).sum())


@pytest.fixture(scope="module")
def doubled() -> Cohort:
    return add_second_reader(knee_cohort(250, seed=11), seed=12, fraction=0.5)


def test_second_reader_recovered_against_truth(doubled):
    # R1 is the simulated truth; R2 misreads each subregion by one grade w.p. 1/8 (ONE_GRADE_ERROR)
    truth = lesion_status(doubled, unit="knee", reader="R1")
    first = lesion_status(doubled, unit="knee", reader="first")
    pd.testing.assert_frame_equal(first.table, truth.table)
    second = lesion_status(doubled, unit="knee", reader="R2")
    mx = lesion_status(doubled, unit="knee", reader="max")
    keys = ["participant_id", "side", "visit"]
    merged = truth.table.merge(second.table, on=keys, how="left", suffixes=("", "_2"))
    merged = merged.merge(mx.table, on=keys, suffixes=("", "_max"))
    assert (merged["score_max"] == merged[["score", "score_2"]].max(axis=1)).all()
    reread = merged[merged["score_2"].notna()]
    assert first.reading.n_multiple == len(reread)
    assert first.reading.n_disagree == int((reread["score"] != reread["score_2"]).sum())
    # A knee free of BML by the truth in all 15 subregions is called a lesion by R2 unless
    # R2 reads all 15 correctly: P = 1 - (7/8)^15 = 0.865
    clean = reread[(reread["score"] == 0) & (reread["n_sites"] == 15)]
    expected = 1 - ONE_GRADE_ERROR[0, 0] ** 15
    observed = (clean["score_2"] >= 1).mean()
    se = np.sqrt(expected * (1 - expected) / len(clean))
    assert len(clean) > 300 and abs(observed - expected) < 4 * se
    status_disagree = first.reading.table["status_agree"].eq(False).sum()
    assert first.reading.n_status_disagree == status_disagree


def test_bone_reads_of_two_readers():
    rows = [{"participant_id": "r1", "visit": 0, "side": "R", "bone": b, "region": "wrist",
             "reader": reader, "bme": bme, "erosion": 0.0}
            for b, reader, bme in (("lunate", "A", 1.0), ("lunate", "B", 3.0),
                                   ("capitate", "A", 0.0))]
    cohort = Cohort(pd.DataFrame({"participant_id": ["r1"], "sex": "F", "age": 50.0}),
                    pd.DataFrame({"participant_id": ["r1"], "visit": [0]}),
                    ra_bones=pd.DataFrame(rows))
    status = lesion_status(cohort, unit="bone", reader="mean")
    scores = dict(zip(status.table["bone"].astype(str), status.table["score"], strict=True))
    assert scores == {"lunate": 2.0, "capitate": 0.0}
    assert status.reading.n_multiple == 1 and status.reading.n_disagree == 1


def test_row_order_and_reader_labels_do_not_matter(doubled):
    reads = doubled.lesion_reads
    shuffled = reads.iloc[np.random.default_rng(3).permutation(len(reads))]
    renamed = reads.assign(reader=reads["reader"].astype(str).map({"R1": "Z", "R2": "A"}))
    tables = dict(doubled.tables)
    for policy in ("first", "mean", "max", "adjudicated"):
        base = lesion_status(doubled, unit="knee", reader=policy)
        again = lesion_status(Cohort.from_tables({**tables, "lesion_reads": shuffled}),
                              unit="knee", reader=policy)
        pd.testing.assert_frame_equal(base.table, again.table)
        assert base.reading.n_disagree == again.reading.n_disagree
    relabelled = Cohort.from_tables({**tables, "lesion_reads": renamed})
    for policy in ("mean", "max"):
        pd.testing.assert_frame_equal(
            lesion_status(doubled, unit="knee", reader=policy).table,
            lesion_status(relabelled, unit="knee", reader=policy).table)
    # "first" follows the stated order, not the labels: Z (was R1) first is the truth
    pd.testing.assert_frame_equal(
        lesion_status(doubled, unit="knee", reader="R1").table,
        lesion_status(relabelled, unit="knee", reader="first", readers=["Z", "A"]).table)


def test_report_provenance_names_the_readers(doubled):
    from bmecohort.report.provenance import Provenance, provenance_section

    def settings(cohort, **kwargs):
        section = provenance_section(cohort, Provenance(source="x", seed=None,
                                                        suppress_below=None, **kwargs))
        table = section.blocks[1].frame.set_index("Item")["Value"]
        return table["Readers of lesion_reads"]

    assert settings(doubled).startswith("2 readers (R1, R2)")
    assert settings(knee_cohort(20, seed=1)) == "one reader (R1)"
    status = lesion_status(doubled, unit="knee", reader="adjudicated")
    assert settings(doubled, readers=status.reading.describe()).startswith("adjudicated")
