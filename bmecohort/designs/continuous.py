"""The source documents' continuous results: cartilage volume loss by BML course or size,
and the course of the total BML score over every visit.

Davies-Tuck 2010 (literature.md 1) reports medial tibial cartilage loss in mm3 per year by
BML course (resolution vs persistence, beta -35.9 mm3/yr); Wluka 2009 (literature.md 4)
lateral tibial cartilage volume loss with a BML (39.2 mm3). Both are linear models of a
knee's volume change; with two knees per person they are fitted by a Gaussian GEE with
robust errors by person (:func:`bmecohort.gee`). The total score's course over every visit is
a linear mixed model with a random slope (:func:`bmecohort.mixed_model`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._columns import MONTHS, PARTICIPANT, PRESENT, SIDE, VISIT
from ..cohort import Cohort
from ..course import lesion_status
from ..course.readers import Reading
from ..estimators.longitudinal import mixed_model
from ..estimators.regression.gee import gee
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result
from ._frames import Exclusions, as_object_keys, clustered, reading_notes
from ._result import DesignResult, design_table

__all__ = ["bml_score_trajectory", "cartilage_volume_change"]

KNEE = (PARTICIPANT, SIDE)
_VOLUME = {"medial_tibial": "cartilage_volume_medial_tibial",
           "lateral_tibial": "cartilage_volume_lateral_tibial"}
_COMPARTMENT = {"medial_tibial": "medial_tf", "lateral_tibial": "lateral_tf"}
COURSES = ("absent", "incident", "persistent", "resolved")


def _status_at(cohort: Cohort, unit: str, visit: int, reader: str | None,
               compartment: str | None = None) -> tuple[pd.DataFrame, Reading | None]:
    status = lesion_status(cohort, unit=unit, reader=reader)
    table = status.table[status.table[VISIT] == visit]
    if compartment is not None:
        table = table[table["compartment"].astype(str) == compartment]
    table = as_object_keys(table, KNEE)[[*KNEE, "score", PRESENT]]
    return table, status.reading


def cartilage_volume_change(
    cohort: Cohort,
    *,
    compartment: Literal["medial_tibial", "lateral_tibial"] = "medial_tibial",
    by: Literal["course", "size", "compartment_bml"] = "course",
    baseline: int = 0,
    follow_up: int = 24,
    covariates: Sequence[str] = ("age", "bmi"),
    reader: str | None = None,
    alpha: float = 0.05,
) -> DesignResult:
    """Annual tibial cartilage volume loss (mm3/yr) by BML course or baseline BML size.

    Parameters
    ----------
    cohort : Cohort
        With knee ``lesion_reads`` and ``knee_outcomes`` holding
        ``cartilage_volume_<compartment>`` (mm3) at both visits.
    compartment : {"medial_tibial", "lateral_tibial"}, default="medial_tibial"
    by : {"course", "size", "compartment_bml"}, default="course"
        ``"course"``: the knee's BML course from ``baseline`` to ``follow_up`` (absent,
        incident, persistent, resolved; Davies-Tuck 2010), with the contrast resolved vs
        persistent among knees with a BML at baseline; ``"size"``: the knee's largest BML
        size at baseline (1-3 vs 0); ``"compartment_bml"``: a BML in the same tibiofemoral
        compartment at baseline (Wluka 2009).
    baseline, follow_up : int, default=0, 24
    covariates : sequence of str, default=("age", "bmi")
        Participant columns to adjust for (the adjusted analysis; a crude one is always
        shown).
    reader : str or None, default=None
        Reader or reader policy of :func:`bmecohort.lesion_status`.
    alpha : float, default=0.05

    Returns
    -------
    DesignResult
        Differences in annual loss (mm3/yr; positive = more loss) with intervals; the frame
        has ``annual_loss`` per knee.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> r = cartilage_volume_change(knee_cohort(300, seed=2))
    >>> sorted(set(r.table["analysis"]))
    ['course (adjusted)', 'course (crude)', 'resolved vs persistent (adjusted)', 'resolved vs persistent (crude)']
    """
    column = _VOLUME.get(compartment)
    if column is None:
        raise AnalysisInputError(
            f"compartment={compartment!r}; use one of {sorted(_VOLUME)}.")
    if by not in ("course", "size", "compartment_bml"):
        raise AnalysisInputError(f"by={by!r}; use 'course', 'size' or 'compartment_bml'.")
    if follow_up <= baseline:
        raise AnalysisInputError(f"follow_up={follow_up} must come after baseline={baseline}.")
    outcomes = cohort.table("knee_outcomes")
    if column not in outcomes.columns:
        raise AnalysisInputError(
            f"knee_outcomes has no column {column!r} (cartilage volume in mm3).")
    volume = as_object_keys(outcomes, KNEE)
    v0 = volume.loc[volume[VISIT] == baseline, [*KNEE, column]].rename(columns={column: "v0"})
    v1 = volume.loc[volume[VISIT] == follow_up, [*KNEE, column]].rename(
        columns={column: "v1"})
    s0, reading = _status_at(cohort, "knee", baseline, reader)
    s1, _ = _status_at(cohort, "knee", follow_up, reader)
    frame = v0.merge(v1, on=list(KNEE), how="outer").merge(
        s0.rename(columns={"score": "size0", PRESENT: "bml0"}), on=list(KNEE), how="left"
    ).merge(s1.rename(columns={"score": "size1", PRESENT: "bml1"})[[*KNEE, "bml1"]],
            on=list(KNEE), how="left")
    if by == "compartment_bml":
        c0, _ = _status_at(cohort, "compartment", baseline, reader, _COMPARTMENT[compartment])
        frame = frame.merge(c0[[*KNEE, PRESENT]].rename(columns={PRESENT: "compartment_bml"}),
                            on=list(KNEE), how="left")
    people = as_object_keys(cohort.participants, [PARTICIPANT])
    missing = [c for c in covariates if c not in people.columns]
    if missing:
        raise AnalysisInputError(f"participants has no column(s) {missing} for covariates.")
    frame = frame.merge(people[[PARTICIPANT, *covariates]], on=PARTICIPANT, how="left")
    rows = Exclusions(frame)
    rows.keep(frame["v0"].notna() & frame["v1"].notna(),
              f"{column} not measured at both visits")
    rows.keep(rows.frame["bml0"].notna(), "no assessable BML read at baseline")
    if by == "course":
        rows.keep(rows.frame["bml1"].notna(), "no assessable BML read at follow-up")
    frame = rows.frame.copy()
    years = (follow_up - baseline) / 12.0
    frame["annual_loss"] = (frame["v0"] - frame["v1"]) / years
    b0, b1 = frame["bml0"].astype(bool), frame["bml1"].fillna(False).astype(bool)
    frame["course"] = np.select([b0 & b1, b0 & ~b1, ~b0 & b1],
                                ["persistent", "resolved", "incident"], "absent")
    analyses: list[tuple[str, Result, Sequence[str] | None]] = []
    adjust = list(covariates)
    fit = lambda data, exposure, extra, categorical=(): gee(  # noqa: E731
        data, outcome="annual_loss", exposures=exposure, covariates=extra, family="gaussian",
        cov_struct="independence", categorical=categorical, alpha=alpha, unit="knee")
    if by == "course":
        frame["course"] = pd.Categorical(frame["course"], categories=COURSES)
        for label, extra in (("crude", []), ("adjusted", adjust)):
            res = fit(frame, "course", extra, categorical=["course"])
            analyses.append((f"course ({label})", res,
                             [t for t in res.summary()["term"] if t.startswith("course[")]))
        lesion = frame[b0.to_numpy()].assign(
            resolved=lambda d: (d["course"] == "resolved").astype(float))
        if lesion["resolved"].nunique() == 2:
            for label, extra in (("crude", []), ("adjusted", adjust)):
                analyses.append((f"resolved vs persistent ({label})",
                                 fit(lesion, "resolved", extra), ["resolved"]))
    elif by == "size":
        frame["size0"] = frame["size0"].astype(int)
        for label, extra in (("crude", []), ("adjusted", adjust)):
            res = fit(frame, "size0", extra, categorical=["size0"])
            analyses.append((f"BML size at baseline ({label})", res,
                             [t for t in res.summary()["term"] if t.startswith("size0[")]))
    else:
        frame = frame[frame["compartment_bml"].notna()].assign(
            compartment_bml=lambda d: d["compartment_bml"].astype(float))
        for label, extra in (("crude", []), ("adjusted", adjust)):
            analyses.append((f"{_COMPARTMENT[compartment]} BML at baseline ({label})",
                             fit(frame, "compartment_bml", extra), ["compartment_bml"]))
    table = design_table(analyses)
    notes = [f"outcome: annual loss of {column} (mm3/yr) from visit {baseline} to "
             f"{follow_up}; estimates are differences in mm3/yr (positive = more loss)",
             "Gaussian GEE, independence working correlation, robust errors by person"
             + (" (knees share persons)" if clustered(frame) else ""),
             *reading_notes(reading)]
    return DesignResult(
        name="cartilage_volume_change",
        description=f"Annual {compartment.replace('_', ' ')} cartilage volume loss by "
                    f"{'BML course' if by == 'course' else 'baseline BML'}",
        table=table, results={a: r for a, r, _ in analyses}, frame=frame,
        accounting=Accounting(unit="knee", n_rows=rows.n_rows, n_used=len(frame),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons,
                              clustered=clustered(frame)),
        notes=tuple(notes), reading=reading)


def bml_score_trajectory(
    cohort: Cohort,
    *,
    exposure: str = "obese",
    reader: str | None = None,
    alpha: float = 0.05,
) -> DesignResult:
    """Total knee BML score over every visit by a baseline characteristic (mixed model).

    Parameters
    ----------
    cohort : Cohort
        With knee ``lesion_reads``; ``participants`` holds the exposure (or ``bmi`` for the
        default ``"obese"``: BMI >= 30).
    exposure : str, default="obese"
        A binary participant column, or ``"obese"``.
    reader : str or None, default=None
    alpha : float, default=0.05

    Returns
    -------
    DesignResult
        The fixed effects of ``score ~ exposure * years`` with a random intercept and slope
        per person and a random intercept per knee: ``exposure:years`` is the difference in
        the yearly change of the summed MOAKS BML grades; ``results["mixed model"].plot()``
        draws the trajectories.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> r = bml_score_trajectory(knee_cohort(400, seed=2))
    >>> r.table["term"].tolist()
    ['obese', 'years', 'obese:years']
    """
    status = lesion_status(cohort, unit="knee", aggregate="sum", reader=reader)
    frame = as_object_keys(status.table, KNEE)
    people = as_object_keys(cohort.participants, [PARTICIPANT])
    if exposure == "obese":
        if "bmi" not in people.columns:
            raise AnalysisInputError("participants has no 'bmi' column for exposure='obese'.")
        people = people.assign(obese=(people["bmi"] >= 30).astype(float).where(
            people["bmi"].notna()))
    elif exposure not in people.columns:
        raise AnalysisInputError(f"participants has no column {exposure!r}.")
    frame = frame.merge(people[[PARTICIPANT, exposure]], on=PARTICIPANT, how="left")
    rows = Exclusions(frame)
    rows.keep(frame["score"].notna(), "no assessable read at the visit")
    rows.keep(rows.frame[exposure].notna(), f"{exposure} missing")
    frame = rows.frame.assign(years=lambda d: d[MONTHS] / 12.0,
                              **{exposure: lambda d: d[exposure].astype(float)})
    model = mixed_model(frame, outcome="score", exposures=exposure, covariates="years",
                        interactions=[(exposure, "years")], nested=SIDE, random_slope="years",
                        alpha=alpha)
    table = design_table([("mixed model", model, [exposure, "years", f"{exposure}:years"])])
    return DesignResult(
        name="bml_score_trajectory",
        description=f"Total knee BML score over visits by {exposure}",
        table=table, results={"mixed model": model}, frame=frame,
        accounting=Accounting(unit="knee-visit", n_rows=rows.n_rows, n_used=len(frame),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons, clustered=True),
        notes=("outcome: sum of MOAKS BML sizes over a knee's 15 subregions at each visit",
               "linear mixed model: random intercept and slope on years per person, random "
               "intercept per knee; Satterthwaite intervals",
               *reading_notes(status.reading)),
        reading=status.reading)
