"""Knee designs of the source documents: BML incidence and resolution, BML and pain, BML and
structural progression (joint space narrowing, cartilage defects), pain fluctuation.

Each function builds its analysis frame from a Cohort (lesion status, transitions, knee
outcomes, participant covariates), picks the unit and clustering of the published design,
calls bmecohort's estimators and returns a :class:`DesignResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._columns import (
    PARTICIPANT,
    PRESENT_FROM,
    PRESENT_TO,
    SCORE_FROM,
    SIDE,
    VISIT,
)
from ..cohort import Cohort
from ..course import lesion_status, transitions
from ..estimators.association.stratified import mantel_haenszel
from ..estimators.association.unit_level import odds_ratio
from ..estimators.occurrence.proportions import ProportionMethod, incidence, resolution
from ..estimators.regression.conditional import conditional_logistic
from ..estimators.regression.logit import logistic
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result
from ._frames import (
    Exclusions,
    add_participants,
    as_object_keys,
    at_visit,
    clustered,
    interval_frame,
    reading_notes,
)
from ._result import DesignResult, design_table

__all__ = [
    "bml_incidence_resolution",
    "bml_pain_prevalence",
    "bml_pain_association",
    "bml_progression",
    "cartilage_progression",
    "pain_fluctuation",
]

KNEE = (PARTICIPANT, SIDE)


def _covariates(frame: pd.DataFrame, wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """Covariates present with some variation, and the categorical ones among them."""
    present = [c for c in wanted if c in frame.columns and frame[c].nunique(dropna=True) > 1]
    categorical = [c for c in present if not pd.api.types.is_numeric_dtype(frame[c])]
    return present, categorical


def bml_incidence_resolution(cohort: Cohort, *, unit: str = "knee", baseline: int = 0,
                             follow_up: int = 24, threshold: float = 1,
                             method: ProportionMethod = "wilson", alpha: float = 0.05,
                             definition: str = "two-visit",
                             reader: str | None = None) -> DesignResult:
    """Incidence of BML among units free of BML at baseline, and complete resolution of
    baseline BMLs, between two visits (Davies-Tuck 2009).

    Parameters
    ----------
    cohort : Cohort
        A cohort with lesion_reads (or spine_corners / ra_bones for those units).
    unit : str, default="knee"
        Unit of analysis (see :func:`bmecohort.lesion_status`); intervals are
        cluster-robust when units cluster in participants.
    baseline, follow_up : int, default=0, 24
        Visits (nominal months).
    threshold : float, default=1
        Score counted as a lesion (2: incidence of a large lesion). Resolution is complete
        resolution whatever the threshold: no lesion of grade 1 or more left at follow-up.
    method : {"wilson", "exact", "jeffreys"}, default="wilson"
        Interval for unclustered units.
    alpha : float, default=0.05
        One minus the confidence level.
    definition : {"two-visit", "ever"}, default="two-visit"
        The paper compares the two visits; units whose status changed and changed back at
        visits in between are counted in the notes. ``"ever"`` counts a lesion seen at any
        visit up to ``follow_up`` as incident (see :func:`bmecohort.transitions`).
    reader : str, optional
        The reader, or a reader policy combining several readers' reads per site
        (``"first"``, ``"mean"``, ``"max"``, ``"adjudicated"``; see
        :func:`bmecohort.lesion_status`); recorded on the result (``reading``) and, for a
        policy, in the notes.

    Returns
    -------
    DesignResult
        Analyses ``incidence`` and ``resolution``.

    Examples
    --------
    >>> from bmecohort import bml_incidence_resolution
    >>> from bmecohort.simulate import knee_cohort
    >>> design = bml_incidence_resolution(knee_cohort(60, seed=1), definition="two-visit")
    >>> design.table[["analysis", "n", "events"]]
         analysis   n  events
    0   incidence  96      11
    1  resolution  10       2
    >>> round(design.result("incidence").estimate, 3)
    0.115
    """
    status = lesion_status(cohort, unit=unit, threshold=threshold, reader=reader)
    change = transitions(status, baseline=baseline, follow_up=follow_up,
                         definition=definition)
    inc = incidence(change, method=method, alpha=alpha)
    # resolution() reads the change class: complete resolution whatever the threshold
    res = resolution(change, method=method, alpha=alpha)
    table = design_table([("incidence", inc, None), ("resolution", res, None)])
    notes = [f"incidence: {unit}s without a lesion (score < {threshold:g}) at {baseline} "
             f"with one at {follow_up}"
             + (" or at any visit in between" if definition == "ever" else "")
             + f"; resolution: {unit}s with a lesion at {baseline} and none of grade 1 or "
             f"more at {follow_up}"]
    if change.n_intermediate_change:
        notes.append(f"{change.n_intermediate_change} {unit}s changed lesion status and "
                     f"changed back at visits between {baseline} and {follow_up} "
                     f"(definition {definition!r})")
    notes += reading_notes(status.reading)
    return DesignResult(
        name="bml_incidence_resolution",
        description=f"BML incidence and resolution per {unit}, months {baseline} to {follow_up}",
        table=table, results={"incidence": inc, "resolution": res}, frame=change.table,
        accounting=change.accounting, notes=tuple(notes), reading=status.reading)


def bml_pain_prevalence(cohort: Cohort, *, visit: int = 0, large: float = 2,
                        alpha: float = 0.05, reader: str | None = None) -> DesignResult:
    """Cross-sectional association of knee pain with BML (Felson 2001).

    Exposure: frequent knee pain at ``visit``; outcomes: any BML (knee maximum >= 1) and a
    large BML (>= ``large``). Woolf odds ratios, cluster-robust when knees share persons;
    the exact and mid-p intervals, which have no clustered form, only when every person
    contributes one knee. ``reader``: the reader or reader
    policy (see :func:`bml_incidence_resolution`).

    Returns
    -------
    DesignResult
        Analyses ``crude (woolf)`` for any BML, ``large BML (woolf)``, and, with one knee
        per person, ``crude (exact)`` and ``crude (midp)``; the frame carries the
        proportions behind the 2x2 tables.

    Examples
    --------
    >>> from bmecohort import bml_pain_prevalence
    >>> from bmecohort.simulate import knee_cohort
    >>> design = bml_pain_prevalence(knee_cohort(120, seed=2))
    >>> list(design.results)
    ['crude (woolf)', 'large BML (woolf)']
    >>> design.accounting.unit
    'knee'
    """
    status = lesion_status(cohort, unit="knee", reader=reader)
    knees = as_object_keys(status.table[status.table[VISIT] == visit], KNEE)
    knees = knees[[*KNEE, "score"]].rename(columns={"score": "bml_score"})
    pain = at_visit(cohort.table("knee_outcomes"), visit, KNEE, ["frequent_knee_pain"], "")
    frame = knees.merge(pain, on=list(KNEE), how="left")
    rows = Exclusions(frame)
    rows.keep(frame["bml_score"].notna(), "no assessable BML read")
    rows.keep(rows.frame["frequent_knee_pain"].notna(), "knee pain missing")
    frame = rows.frame.assign(
        painful=lambda d: d["frequent_knee_pain"].astype(bool),
        bml=lambda d: d["bml_score"] >= 1, large_bml=lambda d: d["bml_score"] >= large)
    results = {"crude (woolf)": odds_ratio(frame, exposure="painful", outcome="bml",
                                           alpha=alpha)}
    notes = ["exposure: frequent knee pain; outcome: BML (knee maximum >= 1)",
             *reading_notes(status.reading)]
    if clustered(frame):
        notes.append("knees cluster in persons: cluster-robust Woolf intervals; the exact "
                     "and mid-p intervals assume independent knees and are not shown")
    else:
        for m in ("exact", "midp"):
            results[f"crude ({m})"] = odds_ratio(frame, exposure="painful", outcome="bml",
                                                 method=m, alpha=alpha)
    results["large BML (woolf)"] = odds_ratio(frame, exposure="painful", outcome="large_bml",
                                              alpha=alpha)
    table = design_table([(k, v, None) for k, v in results.items()])
    return DesignResult(
        name="bml_pain_prevalence", description=f"BML in painful vs painless knees (visit {visit})",
        table=table, results=results, frame=frame,
        accounting=Accounting(unit="knee", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["bml"].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons,
                              clustered=clustered(frame)),
        notes=tuple(notes), reading=status.reading)


def bml_pain_association(cohort: Cohort, *, baseline: int = 0, follow_up: int = 24,
                         covariates: Sequence[str] = ("age", "sex", "bmi"),
                         alpha: float = 0.05, reader: str | None = None) -> DesignResult:
    """Incident BML and incident knee pain (Davies-Tuck 2009).

    Knees free of BML and of frequent knee pain at ``baseline``; exposure: a BML at
    ``follow_up`` (incident BML); outcome: frequent knee pain at ``follow_up`` (incident
    pain). ``reader``: the reader or reader policy (see :func:`bml_incidence_resolution`).

    Every analysis accounts for knees clustered in persons when persons contribute two
    knees (``cluster="auto"`` of the estimators).

    Returns
    -------
    DesignResult
        Analyses ``crude`` (Woolf; cluster-robust when clustered), ``exact`` (only with one
        knee per person), ``stratified`` (by sex: Mantel-Haenszel, or the stratified GEE
        when clustered) and ``adjusted`` (logistic with ``covariates``; GEE when
        clustered).

    Examples
    --------
    >>> from bmecohort import bml_pain_association
    >>> from bmecohort.simulate import knee_cohort
    >>> design = bml_pain_association(knee_cohort(200, seed=1))
    >>> list(design.results)
    ['crude', 'stratified', 'adjusted']
    >>> design.accounting.unit
    'knee'
    """
    frame, reading = interval_frame(cohort, unit="knee", baseline=baseline,
                                    follow_up=follow_up, reader=reader)
    outcomes = cohort.table("knee_outcomes")
    frame = frame.merge(at_visit(outcomes, baseline, KNEE, ["frequent_knee_pain"], "_0"),
                        on=list(KNEE), how="left")
    frame = frame.merge(at_visit(outcomes, follow_up, KNEE, ["frequent_knee_pain"], "_1"),
                        on=list(KNEE), how="left")
    rows = Exclusions(frame)
    rows.keep(rows.frame[PRESENT_FROM].notna(), "no assessable baseline BML read")
    rows.keep(~rows.frame[PRESENT_FROM].astype(bool), "BML at baseline")
    rows.keep(rows.frame["frequent_knee_pain_0"].notna(), "baseline pain missing")
    rows.keep(~rows.frame["frequent_knee_pain_0"].astype(bool), "knee pain at baseline")
    rows.keep(rows.frame[PRESENT_TO].notna(), "no follow-up MRI")
    rows.keep(rows.frame["frequent_knee_pain_1"].notna(), "follow-up pain missing")
    frame = add_participants(rows.frame, cohort).assign(
        incident_bml=lambda d: d[PRESENT_TO].astype(bool),
        incident_pain=lambda d: d["frequent_knee_pain_1"].astype(bool))
    exposure, outcome = "incident_bml", "incident_pain"
    results: dict[str, Result] = {
        "crude": odds_ratio(frame, exposure=exposure, outcome=outcome, alpha=alpha)}
    notes = [f"knees free of BML and pain at {baseline}; exposure: BML at {follow_up}; "
             f"outcome: frequent knee pain at {follow_up}", *reading_notes(reading)]
    if clustered(frame):
        notes.append("knees cluster in persons: every analysis is cluster-robust (GEE for "
                     "the stratified and adjusted ones); the exact interval assumes "
                     "independent knees and is not shown")
    else:
        results["exact"] = odds_ratio(frame, exposure=exposure, outcome=outcome,
                                      method="exact", alpha=alpha)
        notes.append("one knee per person: no clustering to account for")
    if "sex" in frame and frame["sex"].nunique() > 1:
        results["stratified"] = mantel_haenszel(frame, exposure=exposure, outcome=outcome,
                                                strata="sex", alpha=alpha)
    names, categorical = _covariates(frame, covariates)
    results["adjusted"] = logistic(frame, outcome=outcome, exposures=exposure,
                                   covariates=names, categorical=categorical, alpha=alpha,
                                   unit="knee")
    parts = [(k, v, None if k != "adjusted" else [exposure]) for k, v in results.items()]
    return DesignResult(
        name="bml_pain_association", description="Incident BML and incident knee pain",
        table=design_table(parts), results=results, frame=frame,
        accounting=Accounting(unit="knee", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame[outcome].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons,
                              clustered=clustered(frame)),
        notes=tuple(notes), reading=reading)


_JSN = {"medial_tf": "jsn_medial", "lateral_tf": "jsn_lateral"}


def bml_progression(cohort: Cohort, *, compartment: str = "medial_tf", baseline: int = 0,
                    follow_up: int = 24, adjust_for: Sequence[str] = ("alignment_deg",),
                    cov_type: Literal["robust", "bias_reduced"] = "robust",
                    alpha: float = 0.05,
                    reader: str | None = None) -> DesignResult:
    """BML in a tibiofemoral compartment and joint space narrowing there (Felson 2003).

    Exposure: a BML in ``compartment`` at ``baseline``; outcome: an increase of at least one
    OARSI JSN grade in that compartment by ``follow_up``. Knees already at JSN grade 3
    cannot progress and are excluded. Knees cluster in persons: GEE (exchangeable, robust
    errors) before and after adjustment for ``adjust_for`` (mechanical alignment).

    Parameters
    ----------
    cohort : Cohort
        A cohort with lesion_reads and knee_outcomes.
    compartment : {"medial_tf", "lateral_tf"}, default="medial_tf"
        Tibiofemoral compartment whose BML and JSN are related.
    baseline, follow_up : int, default=0, 24
        Visits (nominal months).
    adjust_for : sequence of str, default=("alignment_deg",)
        Baseline knee_outcomes columns to adjust for.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        GEE standard errors: the plain sandwich, or Mancl-DeRouen's small-sample correction
        (advisable with fewer than about 50 clusters).
    alpha : float, default=0.05
        One minus the confidence level.
    reader : str, optional
        The reader, or a reader policy combining several readers' reads per site
        (``"first"``, ``"mean"``, ``"max"``, ``"adjudicated"``; see
        :func:`bmecohort.lesion_status`); recorded on the result (``reading``) and, for a
        policy, in the notes.

    Returns
    -------
    DesignResult
        Analyses ``crude`` (Woolf; cluster-robust when knees share persons), ``clustered``
        (GEE, unadjusted) and ``clustered adjusted`` (or ``adjusted`` when every person
        contributes one knee).

    Examples
    --------
    >>> from bmecohort import bml_progression
    >>> from bmecohort.simulate import knee_cohort
    >>> design = bml_progression(knee_cohort(400, seed=1))
    >>> list(design.results)
    ['crude', 'clustered', 'clustered adjusted']
    >>> design.result("clustered").accounting.cluster
    'participant_id'
    """
    if compartment not in _JSN:
        raise AnalysisInputError(f"compartment must be one of {list(_JSN)}")
    jsn = _JSN[compartment]
    frame, reading = interval_frame(cohort, unit="compartment", baseline=baseline,
                                    follow_up=follow_up, reader=reader)
    frame = frame[frame["compartment"] == compartment].drop(columns="compartment")
    outcomes = cohort.table("knee_outcomes")
    adjust = [c for c in adjust_for if c in outcomes.columns]
    frame = frame.merge(at_visit(outcomes, baseline, KNEE, [jsn, *adjust], "_0"),
                        on=list(KNEE), how="left")
    frame = frame.merge(at_visit(outcomes, follow_up, KNEE, [jsn], "_1"), on=list(KNEE),
                        how="left")
    rows = Exclusions(frame)
    rows.keep(rows.frame[PRESENT_FROM].notna(), f"no assessable baseline {compartment} read")
    rows.keep(rows.frame[f"{jsn}_0"].notna() & rows.frame[f"{jsn}_1"].notna(),
              "JSN missing at baseline or follow-up")
    rows.keep(rows.frame[f"{jsn}_0"] < 3, "JSN grade 3 at baseline (cannot progress)")
    covariates = [f"{c}_0" for c in adjust]
    for c in covariates:
        rows.keep(rows.frame[c].notna(), f"{c} missing")
    frame = rows.frame.assign(
        bml=lambda d: d[PRESENT_FROM].astype(bool),
        progression=lambda d: (d[f"{jsn}_1"] - d[f"{jsn}_0"]) >= 1)
    results: dict[str, Result] = {
        "crude": odds_ratio(frame, exposure="bml", outcome="progression", alpha=alpha)}
    notes = [f"exposure: BML in {compartment} at {baseline}; outcome: {jsn} up by >= 1 "
             f"grade by {follow_up}", *reading_notes(reading)]
    if clustered(frame):
        results["clustered"] = logistic(frame, outcome="progression", exposures="bml",
                                        cluster=PARTICIPANT, cov_type=cov_type, alpha=alpha,
                                        unit="knee")
        if covariates:
            results["clustered adjusted"] = logistic(
                frame, outcome="progression", exposures="bml", covariates=covariates,
                cluster=PARTICIPANT, cov_type=cov_type, alpha=alpha, unit="knee")
    elif covariates:
        results["adjusted"] = logistic(frame, outcome="progression", exposures="bml",
                                       covariates=covariates, alpha=alpha, unit="knee")
    parts = [(k, v, None if k == "crude" else ["bml"]) for k, v in results.items()]
    return DesignResult(
        name="bml_progression",
        description=f"BML and joint space narrowing, {compartment.replace('_', ' ')}",
        table=design_table(parts), results=results, frame=frame,
        accounting=Accounting(unit="knee", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["progression"].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons,
                              clustered=clustered(frame)),
        notes=tuple(notes), reading=reading)


def cartilage_progression(cohort: Cohort, *, baseline: int = 0, follow_up: int = 24,
                          covariates: Sequence[str] = ("age", "bmi"),
                          alpha: float = 0.05, reader: str | None = None) -> DesignResult:
    """BML size and progression of tibiofemoral cartilage defects (Wluka 2009).

    Exposure: the knee's largest baseline BML grade (0 none, 1, 2, 3 "very large"), as a
    categorical with reference 0 and a trend test; outcome: tibiofemoral cartilage defect
    score up by at least one by ``follow_up``. ``reader``: the reader or reader policy (see
    :func:`bml_incidence_resolution`).

    Returns
    -------
    DesignResult
        Analyses ``crude`` and ``adjusted`` (both logistic; clustered GEE when persons
        contribute two knees).

    Examples
    --------
    >>> from bmecohort import cartilage_progression
    >>> from bmecohort.simulate import knee_cohort
    >>> design = cartilage_progression(knee_cohort(60, seed=2))
    >>> list(design.results)
    ['crude', 'adjusted']
    >>> design.accounting.unit
    'knee'
    """
    frame, reading = interval_frame(cohort, unit="knee", baseline=baseline,
                                    follow_up=follow_up, reader=reader)
    outcomes = cohort.table("knee_outcomes")
    frame = frame.merge(at_visit(outcomes, baseline, KNEE, ["cartilage_defect"], "_0"),
                        on=list(KNEE), how="left")
    frame = frame.merge(at_visit(outcomes, follow_up, KNEE, ["cartilage_defect"], "_1"),
                        on=list(KNEE), how="left")
    rows = Exclusions(frame)
    rows.keep(rows.frame[SCORE_FROM].notna(), "no assessable baseline BML read")
    rows.keep(rows.frame["cartilage_defect_0"].notna()
              & rows.frame["cartilage_defect_1"].notna(), "cartilage defects missing")
    frame = add_participants(rows.frame, cohort).assign(
        bml_size=lambda d: np.floor(d[SCORE_FROM]).astype(int),
        progression=lambda d: (d["cartilage_defect_1"] - d["cartilage_defect_0"]) >= 1)
    names, categorical = _covariates(frame, covariates)
    common: dict[str, Any] = dict(outcome="progression", exposures="bml_size",
                                  categorical=["bml_size"], reference=0, trend=True,
                                  alpha=alpha, unit="knee")
    results = {"crude": logistic(frame, **common),
               "adjusted": logistic(frame, covariates=names, **common)}
    parts = [(k, v, [t for t in v.summary()["term"] if str(t).startswith("bml_size")])
             for k, v in results.items()]
    return DesignResult(
        name="cartilage_progression", description="BML size and cartilage defect progression",
        table=design_table(parts), results=results, frame=frame,
        accounting=Accounting(unit="knee", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["progression"].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons,
                              clustered=clustered(frame)),
        notes=("exposure: largest baseline BML grade (reference 0); outcome: cartilage "
               "defect score up by >= 1", *reading_notes(reading)),
        reading=reading)


#: Zhang 2011's categories of within-knee BML score change.
CHANGE_BINS = (-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 6.5, np.inf)
CHANGE_LABELS = ("0", "1", "2", "3", "4", "5-6", "7+")


def pain_fluctuation(cohort: Cohort, *, alpha: float = 0.05,
                     reader: str | None = None) -> DesignResult:
    """Fluctuation of knee pain with change in BML within a knee (Zhang 2011).

    Each knee is compared with itself across visits (conditional logistic regression, the
    knee as the group). Exposure: the knee's summed BML score at a visit minus its lowest
    summed score over the visits, in Zhang's categories 0, 1, 2, 3, 4, 5-6, 7+; outcome:
    frequent knee pain at that visit. Knees whose pain never changes carry no information and
    are excluded by the conditional likelihood (counted in the accounting). ``reader``: the
    reader or reader policy (see :func:`bml_incidence_resolution`).

    Returns
    -------
    DesignResult
        Analysis ``conditional`` with one odds ratio per change category vs 0 and a trend
        test.

    Examples
    --------
    >>> from bmecohort import pain_fluctuation
    >>> from bmecohort.simulate import knee_cohort
    >>> design = pain_fluctuation(knee_cohort(120, seed=3))
    >>> list(design.results)
    ['conditional']
    >>> design.result("conditional").method
    'conditional-logistic-cluster-robust'
    """
    status = lesion_status(cohort, unit="knee", aggregate="sum", reader=reader)
    knees = as_object_keys(status.table[[*KNEE, VISIT, "score"]], KNEE)
    pain = as_object_keys(cohort.table("knee_outcomes")[[*KNEE, VISIT, "frequent_knee_pain"]],
                          KNEE)
    frame = knees.merge(pain, on=[*KNEE, VISIT], how="inner")
    rows = Exclusions(frame)
    rows.keep(rows.frame["score"].notna() & rows.frame["frequent_knee_pain"].notna(),
              "BML score or pain missing")
    frame = rows.frame.copy()
    frame["knee"] = frame[PARTICIPANT] + ":" + frame[SIDE]
    lowest = frame.groupby("knee")["score"].transform("min")
    frame["bml_change"] = pd.cut(frame["score"] - lowest, bins=CHANGE_BINS,
                                 labels=list(CHANGE_LABELS)).astype(str)
    frame["pain"] = frame["frequent_knee_pain"].astype(bool)
    result = conditional_logistic(frame, outcome="pain", exposure="bml_change", group="knee",
                                  categorical=["bml_change"], reference="0", trend=True,
                                  alpha=alpha, unit="knee-visit")
    return DesignResult(
        name="pain_fluctuation", description="Within-knee change in BML and frequent knee pain",
        table=design_table([("conditional", result, None)]),
        results={"conditional": result}, frame=frame,
        accounting=Accounting(unit="knee-visit", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["pain"].sum()),
                              n_clusters=int(frame["knee"].nunique()), cluster="knee",
                              excluded=rows.reasons),
        notes=("exposure: summed BML score minus the knee's lowest, in categories "
               + ", ".join(CHANGE_LABELS) + " (interpretation of Zhang 2011's 'change')",
               *reading_notes(status.reading)),
        reading=status.reading)
