"""Reader reliability of a cohort's reads, recovered against a simulated reader error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import ONE_GRADE_ERROR, add_second_reader, expected_kappa, knee_cohort


@pytest.fixture(scope="module")
def doubled():
    return add_second_reader(knee_cohort(300, seed=4), seed=5, fraction=0.6)


def test_second_reader_follows_the_misclassification_matrix(doubled):
    reads = doubled.lesion_reads
    wide = reads.pivot_table(index=["participant_id", "side", "visit", "site"],
                             columns="reader", values="score", observed=True).dropna()
    counts = pd.crosstab(wide["R1"], wide["R2"]).to_numpy()
    n_row = counts.sum(axis=1, keepdims=True)
    # within 4 binomial standard errors of the matrix, row by row
    se = np.sqrt(ONE_GRADE_ERROR * (1 - ONE_GRADE_ERROR) / n_row)
    assert (np.abs(counts / n_row - ONE_GRADE_ERROR) <= 4 * se + 1e-12).all()
    # the re-read share of knees is near the requested fraction
    knees = reads.groupby(["participant_id", "side"], observed=True)["reader"].nunique()
    assert (knees == 2).mean() == pytest.approx(0.6, abs=0.07)
    again = add_second_reader(knee_cohort(300, seed=4), seed=5, fraction=0.6)
    pd.testing.assert_frame_equal(again.lesion_reads, doubled.lesion_reads)


def test_reliability_recovers_the_simulated_kappa(doubled):
    reads = doubled.lesion_reads.query("reader == 'R1'")
    grades = reads["score"].dropna().astype(int)
    p = np.bincount(grades, minlength=4) / len(grades)
    wide = doubled.lesion_reads.pivot_table(
        index=["participant_id", "side", "visit", "site"], columns="reader", values="score",
        observed=True).dropna()
    pooled = bc.kappa(wide, rater_a="R1", rater_b="R2", weights="linear")
    truth = expected_kappa(p, ONE_GRADE_ERROR, weights="linear")
    assert pooled.ci_lower < truth < pooled.ci_upper
    r = bc.reliability(doubled, system="MOAKS", item="bml_size")
    table = r.summary()
    assert set(table["statistic"]) == {"kappa", "kappa_linear", "icc2", "sdc"}
    assert table["site"].nunique() == 15
    n_units = wide.shape[0]
    assert table.query("statistic == 'icc2'")["n"].sum() == n_units
    assert r.accounting.n_used == 2 * n_units


def test_reliability_of_joint_totals_and_change_scores(doubled):
    joint = bc.reliability(doubled, system="MOAKS", item="bml_size", unit="joint")
    assert joint.summary()["site"].unique().tolist() == ["all sites"]
    assert set(joint.summary()["statistic"]) == {"icc2", "sdc"}
    change = bc.reliability(doubled, system="MOAKS", item="bml_size", change=(0, 24))
    assert change.change == (0, 24)
    # change scores add the reading error of two visits: their SDC exceeds the status SDC
    status = bc.reliability(doubled, system="MOAKS", item="bml_size", visits=[0])
    sdc = lambda r: r.summary().query("statistic == 'sdc'")["estimate"].median()  # noqa: E731
    assert sdc(change) > sdc(status)


def test_reliability_bad_input(doubled):
    with pytest.raises(AnalysisInputError, match="no WORMS"):
        bc.reliability(doubled, system="WORMS", item="bml_size")
    with pytest.raises(AnalysisInputError, match="unknown"):
        bc.reliability(doubled, system="MOAKS", item="bml_size", readers=["R1", "R9"])
    with pytest.raises(AnalysisInputError, match="unit="):
        bc.reliability(doubled, system="MOAKS", item="bml_size", unit="bone")
    single = knee_cohort(30, seed=1)
    with pytest.raises(AnalysisInputError, match="at least two"):
        bc.reliability(single, system="MOAKS", item="bml_size")


def test_reliability_renders_and_plots(doubled):
    import matplotlib.pyplot as plt

    r = bc.reliability(doubled, system="MOAKS", item="bml_size", visits=[0])
    assert "<table" in r._repr_html_()
    ax = r.plot()
    assert ax.has_data()
    plt.close(ax.figure)


def test_a_reader_with_one_grade_at_a_site_gives_an_undefined_kappa(doubled):
    # a sparse subregion: the first reader never grades a lesion at TLA (as in the demo's
    # report with few double reads); kappa is NaN with the site named, not 0/0 from numpy
    tables = doubled.tables
    reads = tables["lesion_reads"].copy()
    at_site = (reads["site"].astype(str) == "TLA") & (reads["reader"].astype(str) == "R1")
    reads.loc[at_site & reads["score"].notna(), "score"] = 0
    cohort = bc.Cohort.from_tables({**tables, "lesion_reads": reads})
    with np.errstate(all="raise"), pytest.warns(bc.exceptions.SmallCellWarning) as caught:
        r = bc.designs.reliability(cohort, system="MOAKS", item="bml_size")
    messages = [str(w.message) for w in caught
                if issubclass(w.category, bc.exceptions.SmallCellWarning)]
    assert len(messages) == 1 and messages[0].startswith("reliability, site TLA: kappa")
    table = r.table.set_index(["site", "statistic"])
    assert np.isnan(table.loc[("TLA", "kappa"), ["estimate", "ci_lower", "ci_upper"]]).all()
    assert np.isnan(table.loc[("TLA", "kappa_linear"), "estimate"])
    assert np.isfinite(table.loc[("TLC", "kappa"), "estimate"])
