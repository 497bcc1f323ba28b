"""Figures: each plot draws what its result holds, on the given Axes or a new figure."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort, lesion_course, lesion_status, transitions
from bmecohort.estimators.association.unit_level import odds_ratio
from bmecohort.estimators.survival.competing import aalen_johansen
from bmecohort.estimators.survival.kaplan_meier import kaplan_meier
from bmecohort.exceptions import AnalysisInputError
from bmecohort.plots import (
    CHANGE_COLORS,
    PALETTE,
    at_risk_counts,
    course_plot,
    forest_frame,
    forest_plot,
    power_plot,
    prevalence_plot,
    survival_plot,
    transition_plot,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _cohort() -> Cohort:
    """Three persons, two knees, three visits; knee scores chosen to give every course."""
    knees = {  # (person, side): knee score at visits 0, 12, 24
        ("p1", "R"): (2, 2, 2), ("p1", "L"): (1, 0, 0), ("p2", "R"): (1, 0, 1),
        ("p2", "L"): (0, 0, 0), ("p3", "R"): (0, 1, 1), ("p3", "L"): (0, 0, 2),
    }
    visits = (0, 12, 24)
    reads = pd.DataFrame([
        {"participant_id": p, "visit": v, "joint": "knee", "side": s, "system": "MOAKS",
         "item": "bml_size", "site": "TMC", "reader": "R1", "score": float(score)}
        for (p, s), scores in knees.items() for v, score in zip(visits, scores, strict=True)])
    participants = pd.DataFrame({"participant_id": ["p1", "p2", "p3"], "sex": ["F", "M", "F"],
                                 "age": [60.0, 55.0, 70.0]})
    visit_rows = pd.DataFrame([(p, v) for p in ("p1", "p2", "p3") for v in visits],
                              columns=["participant_id", "visit"])
    return Cohort(participants, visit_rows, lesion_reads=reads)


@pytest.fixture(scope="module")
def status():
    return lesion_status(_cohort(), unit="knee")


def _ors():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"exposed": rng.random(200) < 0.4, "other": rng.random(200) < 0.5})
    data["case"] = rng.random(200) < np.where(data["exposed"], 0.5, 0.2)
    return (odds_ratio(data, exposure="exposed", outcome="case"),
            odds_ratio(data, exposure="other", outcome="case", method="exact"))


def _km():
    times = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
                          "event": [1, 1, 0, 1, 0, 1, 0, 0]})
    return kaplan_meier(times, duration="months", event="event", label="knees")


def _drawn(ax) -> int:
    return len(ax.lines) + len(ax.patches) + len(ax.collections)


def _all_plots(status):
    t = transitions(status)
    course = lesion_course(status)
    power = pd.DataFrame({"n": [50, 100, 200], "power": [0.3, 0.6, 0.9],
                          "ci_lower": [0.25, 0.55, 0.86], "ci_upper": [0.35, 0.65, 0.93]})
    return {
        "forest": (forest_plot, list(_ors())),
        "transition": (transition_plot, t),
        "course": (course_plot, course),
        "prevalence": (prevalence_plot, status),
        "survival": (survival_plot, _km()),
        "power": (power_plot, power),
    }


@pytest.mark.parametrize("name", ["forest", "transition", "course", "prevalence", "survival",
                                  "power"])
def test_plot_returns_the_given_axes_and_draws_on_it(status, name):
    function, result = _all_plots(status)[name]
    fig, ax = plt.subplots()
    returned = function(result, ax=ax)
    assert returned is ax
    assert _drawn(ax) > 0
    assert plt.get_fignums() == [fig.number]  # no figure of its own


@pytest.mark.parametrize("name", ["forest", "transition", "course", "prevalence", "survival",
                                  "power"])
def test_plot_makes_a_new_figure_without_axes(status, name):
    function, result = _all_plots(status)[name]
    before = set(plt.get_fignums())
    ax = function(result)
    assert set(plt.get_fignums()) - before == {ax.figure.number}
    assert _drawn(ax) > 0
    assert ax.get_xlabel() and ax.get_ylabel() is not None


def test_style_is_applied_only_during_the_call(status):
    before = {k: matplotlib.rcParams[k] for k in ("font.size", "axes.prop_cycle",
                                                  "axes.spines.top", "svg.hashsalt")}
    ax = prevalence_plot(status)
    after = {k: matplotlib.rcParams[k] for k in before}
    assert after == before
    # the figure itself was made in the package style (Okabe-Ito blue first)
    assert matplotlib.colors.to_hex(ax.lines[0].get_color()).upper() == PALETTE[0].upper()
    assert not ax.spines["top"].get_visible()


def test_import_does_not_load_pyplot():
    code = "import sys, bmecohort.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_forest_plot_log_scale_reference_and_texts():
    crude, exact = _ors()
    ax = forest_plot({"crude": crude, "exact": exact})
    assert ax.get_xscale() == "log"
    assert any(np.allclose(line.get_xdata(), [1, 1]) for line in ax.lines)  # reference
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["crude: exposed", "exact: other"]  # one-row results, different terms
    same = forest_plot({"woolf": crude, "again": crude})
    assert [t.get_text() for t in same.get_yticklabels()] == ["woolf", "again"]
    texts = [t.get_text() for t in ax.texts]
    assert f"{crude.estimate:.2f} ({crude.ci_lower:.2f} to {crude.ci_upper:.2f})" in texts
    assert f"{crude.accounting.events}/{crude.accounting.n_used}" in texts
    # the square of each row sits at its estimate
    squares = ax.lines[0]
    np.testing.assert_allclose(sorted(squares.get_xdata()),
                               sorted([crude.estimate, exact.estimate]))


def test_forest_plot_from_frame_with_groups_and_suppression():
    frame = pd.DataFrame({
        "analysis": ["crude", "adjusted", "adjusted"],
        "term": ["bml", "bml", "age"],
        "estimate": [2.0, 1.5, np.nan], "ci_lower": [1.2, 0.9, np.nan],
        "ci_upper": [3.3, np.inf, np.nan], "n": [120, 120, 120], "events": [3, 3, 3]})
    rows, ratio, _ = forest_frame(frame)
    assert rows["group"].tolist() == [None, "adjusted", "adjusted"]
    assert rows["label"].tolist() == ["crude: bml", "bml", "age"]
    ax = forest_plot(frame, log_scale=True, suppress_below=5)
    texts = [t.get_text() for t in ax.texts]
    assert "<5/120" in texts and "3/120" not in texts
    assert "not estimable" in texts
    assert "1.50 (0.90 to inf)" in texts
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["adjusted"]
    linear = forest_plot(frame.iloc[:1])
    assert linear.get_xscale() == "linear"
    zero = forest_plot(pd.DataFrame({"label": ["zero cell", "other"], "estimate": [0.0, 2.0],
                                     "ci_lower": [0.0, 1.1], "ci_upper": [4.0, 3.0]}),
                       log_scale=True)
    np.testing.assert_allclose(zero.lines[0].get_xdata(), [2.0])  # no marker at 0
    assert "0.00 (0.00 to 4.00)" in [t.get_text() for t in zero.texts]


def test_forest_plot_rejects_what_it_cannot_draw():
    with pytest.raises(AnalysisInputError, match="ci_lower"):
        forest_plot(pd.DataFrame({"term": ["x"], "estimate": [1.0]}))
    with pytest.raises(AnalysisInputError, match="expected a result"):
        forest_plot(42)
    with pytest.raises(AnalysisInputError, match="negative"):
        forest_plot(pd.DataFrame({"label": ["d"], "estimate": [-0.2], "ci_lower": [-0.5],
                                  "ci_upper": [0.1]}), log_scale=True)


def test_transition_plot_stacks_the_summary_shares(status):
    t = transitions(status)
    ax = transition_plot(t)
    summary = t.summary()
    heights = {}
    classes = np.repeat(list(CHANGE_COLORS), len(t.intervals))
    for patch, change in zip(ax.patches, classes, strict=True):
        heights.setdefault(change, []).append(patch.get_height())
    for change, values in heights.items():
        expected = (summary[summary["change"] == change].set_index(["visit_from", "visit_to"])
                    ["estimate"].reindex(t.intervals).fillna(0).to_numpy())
        np.testing.assert_allclose(values, expected)
    stacked = np.sum([v for v in heights.values()], axis=0)
    np.testing.assert_allclose(stacked, 1.0)
    counts = transition_plot(t, normalize=False, classes=("incident", "resolved"))
    assert counts.get_ylabel() == "Knees (n)"
    with pytest.raises(AnalysisInputError, match="unknown change classes"):
        transition_plot(t, classes=("vanished",))


def test_course_plot_bars_are_the_course_shares(status):
    course = lesion_course(status)
    ax = course_plot(course, suppress_below=5)
    summary = course.summary().set_index("term")
    expected = [summary.loc[c, "estimate"] if c in summary.index else 0.0
                for c in ("persistent", "resolved", "relapsing")]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], expected)
    assert "n = <5 knees" in ax.get_xlabel()  # 3 knees with a baseline BML, suppressed


def test_survival_plot_risk_table_reads_the_curve():
    km = _km()
    # at risk just before t: 8 at 0 and 6, 7 at 12, 5 at 18, 4 at 24, 2 at 30, 1 at 36, 0 after
    np.testing.assert_array_equal(at_risk_counts(km, [0, 6, 12, 13, 24, 36, 40]),
                                  [8, 8, 7, 5, 4, 1, 0])
    ax = survival_plot(km, at_risk_times=[0, 12, 24, 36], suppress_below=5)
    texts = [t.get_text() for t in ax.texts]
    assert "Number at risk" in texts
    assert texts.count("<5") == 2 and "8" in texts and "7" in texts
    assert ax.get_ylabel() == "Survival probability"
    # the step curve passes through the estimates of the result's table
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), km.table["estimate"])


def test_survival_plot_cumulative_incidence_and_several_curves():
    data = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
                         "event": [1, 2, 0, 1, 0, 1, 2, 0]})
    aj = aalen_johansen(data, duration="months", event="event", event_of_interest=1)
    ax = survival_plot(aj)
    assert ax.get_ylabel() == "Cumulative incidence"
    both = survival_plot({"A": _km(), "B": _km()}, at_risk=False)
    assert [t.get_text() for t in both.get_legend().get_texts()] == ["A", "B"]
    with pytest.raises(AnalysisInputError, match="curve result"):
        survival_plot(pd.DataFrame({"x": [1]}))


def test_power_plot_from_frame():
    frame = pd.DataFrame({"n": [200, 50, 100], "power": [0.9, 0.3, 0.6]})
    ax = power_plot(frame, target=0.8)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [50, 100, 200])
    assert any(np.allclose(line.get_ydata(), [0.8, 0.8]) for line in ax.lines[1:])
    with pytest.raises(AnalysisInputError, match="power"):
        power_plot(pd.DataFrame({"n": [1]}))


def test_transitions_plot_method_delegates(status):
    ax = transitions(status).plot()
    assert ax.get_xlabel() == "Visit interval (months from baseline)"
