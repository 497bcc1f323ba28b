"""Rheumatoid arthritis designs at bone level: the course of bone marrow edema and erosive
progression (Nieuwenhuis 2016)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from .._columns import PARTICIPANT, SIDE
from ..cohort import Cohort
from ..course import lesion_course, lesion_status
from ..estimators.association.stratified import mantel_haenszel
from ..estimators.association.unit_level import odds_ratio
from ..estimators.regression.logit import logistic
from ..results import Accounting, Result
from ._frames import Exclusions, as_object_keys, at_visit, reading_notes
from ._result import DesignResult, design_table

__all__ = ["bme_course", "erosive_progression"]

BONE = (PARTICIPANT, SIDE, "bone")


def bme_course(cohort: Cohort, *, visits: Sequence[int] = (0, 4, 12),
               reader: str | None = None) -> DesignResult:
    """Course of bone marrow edema per bone over ``visits``: persistent, resolved, relapsing.

    ``reader``: the reader, or a reader policy combining several readers per bone and visit
    (``"first"``, ``"mean"``, ``"max"``, ``"adjudicated"``; see
    :func:`bmecohort.lesion_status`).

    Returns
    -------
    DesignResult
        Analysis ``course``: the share of bones with baseline BME that persisted, resolved or
        relapsed (and, for bones without, stayed absent or became incident).

    Examples
    --------
    >>> from bmecohort import bme_course
    >>> from bmecohort.simulate import ra_bone_cohort
    >>> design = bme_course(ra_bone_cohort(40, seed=3))
    >>> design.name, list(design.results)
    ('bme_course', ['course'])
    >>> present = design.table[design.table["baseline_present"].eq(True)]
    >>> round(float(present["estimate"].sum()), 6)
    1.0
    """
    status = lesion_status(cohort, unit="bone", reader=reader)
    course = lesion_course(status, visits=visits)
    return DesignResult(
        name="bme_course", description="Course of bone marrow edema per bone",
        table=design_table([("course", course, None)]), results={"course": course},
        frame=course.table, accounting=course.accounting,
        notes=("persistent: BME at every later visit; resolved: gone and never back; "
               "relapsing: gone then back",
               "bones with a missing read are classified when the reads they have decide "
               "the course; the others are counted as undetermined in the accounting",
               *reading_notes(status.reading)),
        reading=status.reading)


def erosive_progression(cohort: Cohort, *, baseline: int = 0, follow_up: int = 12,
                        course_visits: Sequence[int] = (0, 4, 12),
                        cov_type: Literal["robust", "bias_reduced"] = "robust",
                        alpha: float = 0.05) -> DesignResult:
    """Baseline BME and local synovitis and erosive progression of the same bone.

    Outcome: RAMRIS erosion up by at least one between ``baseline`` and ``follow_up``.
    Exposures: BME (RAMRIS >= 1) and synovitis of the bone's joint region (>= 1) at baseline,
    analysed stratified (the effect of each in the presence and absence of the other, as the
    paper's Figure), pooled by Mantel-Haenszel, and, over ``course_visits``, persistent BME
    and persistent synovitis in a GEE (bones cluster in patients).

    Parameters
    ----------
    cohort : Cohort
        A cohort with ra_bones.
    baseline, follow_up : int, default=0, 12
        Visits (nominal months) between which erosive progression is measured.
    course_visits : sequence of int, default=(0, 4, 12)
        Visits over which BME and synovitis must be present to be persistent.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        GEE standard errors: the plain sandwich, or Mancl-DeRouen's small-sample correction
        (advisable with fewer than about 50 clusters).
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    DesignResult
        Analyses ``BME | synovitis present``, ``BME | synovitis absent``,
        ``synovitis | BME present``, ``synovitis | BME absent`` (cluster-robust odds ratios),
        ``BME pooled over synovitis`` (Mantel-Haenszel) and ``persistent (GEE)``.

    Examples
    --------
    >>> from bmecohort import erosive_progression
    >>> from bmecohort.simulate import ra_bone_cohort
    >>> design = erosive_progression(ra_bone_cohort(120, seed=3))
    >>> "persistent (GEE)" in design.results
    True
    >>> design.result("BME pooled over synovitis").method
    'gee-independence-strata-cluster-robust'
    """
    bones = cohort.table("ra_bones")
    base = at_visit(bones, baseline, BONE, ["bme", "synovitis", "erosion"], "_0")
    follow = at_visit(bones, follow_up, BONE, ["erosion"], "_1")
    frame = base.merge(follow, on=list(BONE), how="left")
    rows = Exclusions(frame)
    rows.keep(rows.frame["erosion_0"].notna() & rows.frame["erosion_1"].notna(),
              "erosion missing at baseline or follow-up")
    rows.keep(rows.frame["bme_0"].notna() & rows.frame["synovitis_0"].notna(),
              "baseline BME or synovitis missing")
    frame = rows.frame.assign(
        progression=lambda d: (d["erosion_1"] - d["erosion_0"]) >= 1,
        bme=lambda d: d["bme_0"] >= 1, synovitis=lambda d: d["synovitis_0"] >= 1)
    persistent = _persistence(bones, course_visits)
    frame = frame.merge(persistent, on=list(BONE), how="left")
    results: dict[str, Result] = {}
    for exposure, other in (("bme", "synovitis"), ("synovitis", "bme")):
        for state, label in ((True, "present"), (False, "absent")):
            part = frame[frame[other] == state]
            name = f"{'BME' if exposure == 'bme' else 'synovitis'} | " \
                   f"{'synovitis' if other == 'synovitis' else 'BME'} {label}"
            results[name] = odds_ratio(part, exposure=exposure, outcome="progression",
                                       cluster=PARTICIPANT, alpha=alpha)
    results["BME pooled over synovitis"] = mantel_haenszel(
        frame, exposure="bme", outcome="progression", strata="synovitis", alpha=alpha)
    complete = frame.dropna(subset=["persistent_bme", "persistent_synovitis"])
    results["persistent (GEE)"] = logistic(
        complete.astype({"persistent_bme": bool, "persistent_synovitis": bool}),
        outcome="progression", exposures=["persistent_bme", "persistent_synovitis"],
        cluster=PARTICIPANT, cov_type=cov_type, alpha=alpha, unit="bone")
    parts = [(k, v, None) for k, v in results.items()]
    return DesignResult(
        name="erosive_progression",
        description="BME, local synovitis and erosive progression at bone level",
        table=design_table(parts), results=results, frame=frame,
        accounting=Accounting(unit="bone", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["progression"].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons),
        notes=(f"outcome: erosion up by >= 1 from {baseline} to {follow_up}; persistent: "
               f"present at every visit of {tuple(course_visits)}",))


def _persistence(bones: pd.DataFrame, visits: Sequence[int]) -> pd.DataFrame:
    """Whether BME and synovitis were present at every one of ``visits`` (NaN if unread)."""
    part = as_object_keys(bones[bones["visit"].isin(list(visits))], BONE).assign(
        bme_on=lambda d: d["bme"] >= 1, syn_on=lambda d: d["synovitis"] >= 1)
    counts = part.groupby(list(BONE)).agg(
        bme=("bme_on", "sum"), bme_read=("bme", "count"), syn=("syn_on", "sum"),
        syn_read=("synovitis", "count")).reset_index()
    full = len(visits)
    counts["persistent_bme"] = (counts["bme"] == full).where(counts["bme_read"] == full)
    counts["persistent_synovitis"] = (counts["syn"] == full).where(counts["syn_read"] == full)
    return counts[[*BONE, "persistent_bme", "persistent_synovitis"]]
