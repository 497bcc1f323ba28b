"""Axial spondyloarthritis design: MRI corner lesions and new syndesmophytes
(Chiowchanwisawakit 2011)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT
from ..cohort import Cohort
from ..estimators.association.unit_level import odds_ratio
from ..estimators.regression.logit import logistic
from ..results import Accounting
from ..scoring import MSASSS_CORNERS
from ._frames import Exclusions, as_object_keys, at_visit
from ._result import DesignResult, design_table

__all__ = ["syndesmophyte_predictors", "CORNER_GROUPS"]

CORNER = (PARTICIPANT, "level", "corner")
#: Baseline MRI corner groups, reference first.
CORNER_GROUPS = ("neither", "inflammation only", "fat only", "inflammation and fat")


def syndesmophyte_predictors(cohort: Cohort, *, baseline: int = 0, follow_up: int = 24,
                             reader: str | None = None,
                             cov_type: Literal["robust", "bias_reduced"] = "robust",
                             alpha: float = 0.05,
                             engine: Literal["auto", "statsmodels", "fast"] = "auto"
                             ) -> DesignResult:
    """Baseline MRI inflammation and fat at a vertebral corner and a new syndesmophyte there.

    Units: the 24 mSASSS anterior corners of each patient with mSASSS 0 or 1 at
    ``baseline`` (no syndesmophyte yet). Outcome: mSASSS >= 2 at ``follow_up`` (a new
    syndesmophyte). Exposures: the corner's baseline MRI inflammation and fat, as four groups
    (neither, inflammation only, fat only, both) and as two mutually adjusted indicators.
    Corners cluster in patients: GEE, exchangeable working correlation, robust errors.

    Parameters
    ----------
    cohort : Cohort
        A cohort with spine_corners.
    baseline, follow_up : int, default=0, 24
        Visits (nominal months).
    reader : str, optional
        Reader whose scores to use, when several read the images.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        GEE standard errors: the plain sandwich, or Mancl-DeRouen's small-sample correction
        (advisable with fewer than about 50 clusters).
    alpha : float, default=0.05
        One minus the confidence level.
    engine : {"auto", "statsmodels", "fast"}, default="auto"
        GEE solver of both models (see :func:`bmecohort.logistic`): ``"fast"`` reports a
        fit the vectorised solver could not converge as unconverged instead of refitting it
        with statsmodels (which can take a second on separated data).

    Returns
    -------
    DesignResult
        Analyses ``crude`` (both vs neither, Woolf), ``clustered groups`` (GEE, each group vs
        neither) and ``mutually adjusted`` (GEE with inflammation and fat).

    Examples
    --------
    >>> from bmecohort import syndesmophyte_predictors
    >>> from bmecohort.simulate import spine_cohort
    >>> design = syndesmophyte_predictors(spine_cohort(400, seed=1))
    >>> list(design.results)
    ['crude', 'clustered groups', 'mutually adjusted']
    >>> design.accounting.cluster
    'participant_id'
    """
    corners = cohort.table("spine_corners")
    if reader is not None:
        corners = corners[corners["reader"] == reader]
    readers = corners["reader"].astype(str).unique()
    if len(readers) > 1:
        from ..exceptions import AnalysisInputError
        raise AnalysisInputError(f"spine_corners holds readers {sorted(readers)}; pass "
                                 f"reader=... to choose one")
    base = at_visit(corners, baseline, CORNER, ["msasss", "mri_inflammation", "mri_fat"], "_0")
    follow = at_visit(corners, follow_up, CORNER, ["msasss"], "_1")
    frame = base.merge(follow, on=list(CORNER), how="left")
    rows = Exclusions(frame)
    scorable = pd.MultiIndex.from_frame(rows.frame[["level", "corner"]]).isin(MSASSS_CORNERS)
    rows.keep(scorable, "not an mSASSS corner")
    rows.keep(rows.frame["msasss_0"].notna() & rows.frame["msasss_1"].notna(),
              "mSASSS missing at baseline or follow-up")
    rows.keep(rows.frame["msasss_0"] <= 1, "syndesmophyte already at baseline (mSASSS >= 2)")
    rows.keep(rows.frame["mri_inflammation_0"].notna() & rows.frame["mri_fat_0"].notna(),
              "baseline MRI read missing")
    frame = rows.frame.assign(
        new_syndesmophyte=lambda d: d["msasss_1"] >= 2,
        inflammation=lambda d: d["mri_inflammation_0"] == 1,
        fat=lambda d: d["mri_fat_0"] == 1)
    code = frame["inflammation"].to_numpy(int) + 2 * frame["fat"].to_numpy(int)
    frame["mri_group"] = np.asarray(CORNER_GROUPS)[code]
    frame = as_object_keys(frame, CORNER)
    both = frame[frame["mri_group"].isin(["neither", "inflammation and fat"])].assign(
        both=lambda d: d["mri_group"] == "inflammation and fat")
    results = {
        "crude": odds_ratio(both, exposure="both", outcome="new_syndesmophyte", alpha=alpha),
        "clustered groups": logistic(frame, outcome="new_syndesmophyte",
                                     exposures="mri_group", categorical=["mri_group"],
                                     reference="neither", cluster=PARTICIPANT, cov_type=cov_type,
                                     alpha=alpha, engine=engine, unit="corner"),
        "mutually adjusted": logistic(frame, outcome="new_syndesmophyte",
                                      exposures=["inflammation", "fat"], cluster=PARTICIPANT,
                                      cov_type=cov_type, alpha=alpha, engine=engine,
                                      unit="corner"),
    }
    table = design_table([("crude", results["crude"], None),
                          ("clustered groups", results["clustered groups"], None),
                          ("mutually adjusted", results["mutually adjusted"], None)])
    return DesignResult(
        name="syndesmophyte_predictors",
        description="MRI corner inflammation and fat and new syndesmophytes",
        table=table, results=results, frame=frame,
        accounting=Accounting(unit="vertebral corner", n_rows=rows.n_rows, n_used=len(frame),
                              events=int(frame["new_syndesmophyte"].sum()),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons),
        notes=(f"at risk: mSASSS corners scored 0-1 at {baseline}; outcome: mSASSS >= 2 at "
               f"{follow_up}",))
