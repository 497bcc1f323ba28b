"""Hip design: bone marrow edema syndrome (transient osteoporosis) vs avascular necrosis.

The distinguishing features of the source slides, computed from a hip_cases table, and Koo
1999's association of bone marrow edema with pain in osteonecrotic hips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT
from .._format import format_number
from ..cohort import Cohort
from ..estimators.association.unit_level import odds_ratio
from ..results import Accounting
from ._frames import Exclusions, add_participants, as_object_keys
from ._result import DesignResult, design_table

__all__ = ["bmes_vs_avn", "HIP_FEATURES"]

#: Feature -> (column, value meaning "yes"); the level of each (hip or person) in the table.
HIP_FEATURES: dict[str, tuple[str, object, str]] = {
    "male": ("sex", "M", "person"),
    "bilateral": ("bilateral", True, "person"),
    "acute onset": ("onset", "acute", "hip"),
    "diffuse edema pattern": ("mri_pattern", "diffuse", "hip"),
    "bone marrow edema": ("bme", True, "hip"),
    "painful at presentation": ("painful", True, "hip"),
    "resolved": ("resolved", True, "hip"),
    "progressed": ("progressed", True, "hip"),
}


_DIAGNOSES = ("bmes", "avn")


def _yes_no_counts(diagnosis: pd.Series, hit: pd.Series) -> np.ndarray:
    """2x2 counts: rows bmes, avn; columns hit, not hit (``pd.crosstab`` reindexed, without
    its pivot-table cost: the design runs once per replicate of the design checks)."""
    codes = pd.Categorical(diagnosis, categories=_DIAGNOSES).codes.astype(np.int64)
    miss = ~hit.to_numpy(dtype=bool)
    known = codes >= 0
    return np.bincount(codes[known] * 2 + miss[known], minlength=4).reshape(2, 2)


def _feature_rows(frame: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """Proportion of each feature by diagnosis, Wilson intervals, Fisher p for the contrast."""
    from scipy.stats import fisher_exact

    from ..estimators.occurrence.proportions import proportion

    rows = []
    for feature, (column, yes, level) in HIP_FEATURES.items():
        data = persons if level == "person" else frame
        if column not in data.columns:
            continue
        known = data[data[column].notna()]
        counts = _yes_no_counts(known["diagnosis"], known[column] == yes)
        p = float(fisher_exact(counts)[1]) if counts.sum() else np.nan
        for i, diagnosis in enumerate(_DIAGNOSES):
            events, n = int(counts[i, 0]), int(counts[i].sum())
            if n:  # the estimator's interval: within [0, 1] and holding events / n
                share = proportion(events, n, method="wilson")
                low, high = share.ci_lower, share.ci_upper
            else:
                low, high = np.nan, np.nan
            rows.append({"analysis": diagnosis, "term": feature,
                         "estimate": events / n if n else np.nan, "ci_lower": low,
                         "ci_upper": high, "p_value": p, "n": n, "events": events,
                         "method": f"proportion of {level}s (wilson); p: Fisher bmes vs avn"})
    return pd.DataFrame(rows)


def bmes_vs_avn(cohort: Cohort, *, alpha: float = 0.05) -> DesignResult:
    """Distinguishing features of bone marrow edema syndrome and avascular necrosis.

    For each diagnosis, the share of persons who are male and who have both hips affected,
    and of hips with acute onset, a diffuse edema pattern, edema, pain, resolution and
    progression (Wilson intervals; Fisher's exact test for the difference), the median time
    to resolution, and, in osteonecrotic hips, the odds ratio of edema for pain (Koo 1999,
    exact conditional; cluster-robust Woolf when persons have both hips osteonecrotic).

    Returns
    -------
    DesignResult
        Rows with ``analysis`` "bmes" / "avn" (one per feature), "time to resolution", and
        "edema and pain in AVN".

    Examples
    --------
    >>> from bmecohort import bmes_vs_avn
    >>> from bmecohort.simulate import hip_cohort
    >>> design = bmes_vs_avn(hip_cohort(60, seed=2))
    >>> list(design.results)
    ['edema and pain in AVN']
    >>> sorted(set(design.table.loc[design.table["term"] == "male", "analysis"]))
    ['avn', 'bmes']
    """
    hips = as_object_keys(cohort.table("hip_cases"), [PARTICIPANT, "side"])
    rows = Exclusions(hips)
    rows.keep(rows.frame["diagnosis"].isin(["bmes", "avn"]), "diagnosis other than BMES/AVN")
    frame = add_participants(rows.frame, cohort, columns=("sex", "age"))
    same = frame.groupby([PARTICIPANT, "diagnosis"])["side"].transform("nunique")
    frame["bilateral"] = same > 1
    persons = frame.drop_duplicates([PARTICIPANT, "diagnosis"])
    table = _feature_rows(frame, persons)
    results = {}
    extra = {}
    if "months_to_resolution" in frame:
        months = frame.groupby("diagnosis")["months_to_resolution"].describe()
        extra["time to resolution"] = pd.DataFrame([
            {"term": f"median months ({d})", "estimate": months.loc[d, "50%"],
             "ci_lower": None, "ci_upper": None, "p_value": None,
             "n": int(months.loc[d, "count"]), "events": None,
             "method": f"median (IQR {format_number(months.loc[d, '25%'], 1)}-"
                       f"{format_number(months.loc[d, '75%'], 1)}) "
                       f"among resolved hips"}
            for d in ("bmes", "avn") if d in months.index and months.loc[d, "count"] > 0])
    avn = frame[(frame["diagnosis"] == "avn") & frame["bme"].notna() & frame["painful"].notna()]
    notes = ["male and bilateral are shares of persons; the other features of hips"]
    if "bme" in frame and "painful" in frame and len(avn):
        # Koo 1999's exact interval assumes independent hips; both hips of a person make
        # the cluster-robust Woolf interval the one to report, unless a zero cell leaves
        # it undefined: then the exact one, with the opt-out warned and recorded
        avn = avn.astype({"bme": bool, "painful": bool})
        both_hips = bool(avn[PARTICIPANT].duplicated().any())
        cells = np.bincount(avn["painful"].to_numpy(int) * 2 + avn["bme"].to_numpy(int),
                            minlength=4)
        robust = both_hips and bool((cells > 0).all())
        results["edema and pain in AVN"] = odds_ratio(
            avn, exposure="painful", outcome="bme", method="woolf" if robust else "exact",
            alpha=alpha)
        if robust:
            notes.append("edema and pain in AVN: persons with both hips osteonecrotic, so "
                         "the interval is cluster-robust (Woolf) rather than exact")
        elif both_hips:
            notes.append("edema and pain in AVN: a zero cell leaves no cluster-robust "
                         "interval; the exact interval treats the hips of a person as "
                         "independent")
    parts = [(k, v, None) for k, v in results.items()]
    combined = design_table(parts, extra=extra)
    # all-missing columns would decide the stacked dtypes: leave them to the reindex
    frames = [f.dropna(axis=1, how="all") for f in (table, combined) if len(f)]
    combined = pd.concat(frames, ignore_index=True).reindex(columns=combined.columns)
    return DesignResult(
        name="bmes_vs_avn", description="Bone marrow edema syndrome vs avascular necrosis",
        table=combined, results=results, frame=frame,
        accounting=Accounting(unit="hip", n_rows=rows.n_rows, n_used=len(frame),
                              n_clusters=int(frame[PARTICIPANT].nunique()),
                              cluster=PARTICIPANT, excluded=rows.reasons),
        notes=tuple(notes))
