"""Report sections on reads and follow-up: reader reliability, trajectories of the total knee
BML score and the lesions' natural history, and the reader policy every lesion analysis
uses (loss to follow-up is :mod:`~bmecohort.report.sections_attrition`).

Cost on the demo cohort (1,000 knees, 2 cores): reliability ~0.1 s with a second reader
(skipped otherwise), trajectories ~1 s (one REML fit), natural history ~1.6 s (two
msm-type fits with simulation intervals). Above :data:`MAX_MODEL_KNEES` knees the two model sections are
skipped with that reason, so the report's build time stays bounded.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, PARTICIPANT, SIDE, TERM, VISIT, N
from .._format import format_count, format_interval
from ._context import Context, attempt, figure, no_table
from .document import Paragraph, ReportTable, Section
from .tables import estimate_table

__all__ = ["MAX_MODEL_KNEES", "history_section", "reader_option", "reader_policy",
           "reliability_section", "trajectory_section"]

#: Knees above which the mixed and multi-state models are not fitted in the report.
MAX_MODEL_KNEES = 20_000
#: Persons below which the report fits no mixed or multi-state model (too few to estimate
#: variance components or transition intensities; the fitters fail on such data).
MIN_MODEL_PERSONS = 10


def readers_of(ctx: Context) -> list[str]:
    """The reader labels of ``lesion_reads`` (empty without the table)."""
    if not ctx.cohort.has("lesion_reads"):
        return []
    # unique values first: astype(str) of millions of reads cost seconds, on every call
    return ctx.cached("readers", lambda: sorted(pd.Series(
        ctx.cohort.table("lesion_reads")["reader"].unique()).astype(str).unique()))


def reader_policy(ctx: Context) -> str | None:
    """The reader policy of every lesion analysis: the one asked for, else None (the single
    reader) with one reader, else ``"adjudicated"`` (an adjudicating or consensus read
    wins; elsewhere the first reader in label order, i.e. the primary read stands)."""
    if ctx.reader is not None:
        return ctx.reader
    return "adjudicated" if len(readers_of(ctx)) > 1 else None


def _follow_up(visits: list[int], preferred: int = 24) -> int:
    return preferred if preferred in visits else visits[1]


# ---------------------------------------------------------------------------- reliability

def reliability_section(ctx: Context) -> Section:
    """Agreement of readers on the knee BML grades, per subregion and for the knee's sum."""
    from ..designs import reliability

    title = "Reader reliability"
    readers = [r for r in readers_of(ctx) if r.lower() not in
               ("consensus", "adjudicated", "adjudication")]
    if not ctx.cohort.has("lesion_reads"):
        return Section("reliability", title, skipped=no_table("lesion_reads",
                                                              "reader reliability"))
    if len(readers) < 2:
        return Section("reliability", title, skipped=(
            f"lesion_reads holds one reader ({', '.join(readers) or 'none'}): no repeated "
            f"reads, so reader reliability cannot be estimated."))
    caveats: list[str] = []
    reads = ctx.cohort.table("lesion_reads")
    system = str(reads["system"].astype(str).mode().iloc[0])
    item = "bml_size" if system.upper() == "MOAKS" else str(
        reads.loc[reads["system"].astype(str) == system, "item"].astype(str).mode().iloc[0])
    blocks: list[Any] = [Paragraph(
        f"Units read by {len(readers)} readers ({', '.join(readers)}): {system} {item}. "
        f"Per subregion, Cohen's kappa (unweighted and linear-weighted; Fleiss' kappa with "
        f"more than two readers; intervals by bootstrap over persons), ICC(2,1) with its F "
        f"interval and the smallest detectable change (SDC, score units); for the knee's "
        f"summed score, ICC and SDC. n: units read by every reader.")]
    results = []
    for unit, label in (("subregion", "per subregion"), ("joint", "knee total score")):
        rel, why = attempt(reliability, ctx.cohort, system=system, item=item,
                           readers=readers, unit=unit, caveats=caveats)
        if rel is None:
            blocks.append(Paragraph(f"Reliability {label}: not estimable ({why}).",
                                    emphasis=True))
            continue
        table = rel.table
        frame = pd.DataFrame({
            "Site": table["site"].astype(str).to_numpy(),
            "Statistic": table["statistic"].astype(str).to_numpy(),
            "n": pd.to_numeric(table[N], errors="coerce").to_numpy(float),
            "Estimate": pd.to_numeric(table[ESTIMATE], errors="coerce").to_numpy(float),
            "95% CI": [format_interval(a, b)
                       for a, b in zip(table[CI_LOWER], table[CI_UPPER], strict=True)],
        })
        undefined = frame["Statistic"].str.contains("kappa") & frame["Estimate"].isna()
        blocks.append(ReportTable(
            frame, f"Reader reliability, {label}: {system} {item}", counts=("n",),
            notes=("kappa: unweighted Cohen's kappa; kappa_linear: linear-weighted; "
                   "icc2: ICC(2,1), two-way random, absolute agreement; sdc: smallest "
                   "detectable change of one reader, 1.96 x sqrt(2) x SEM.",)
            + (("Blank kappa: undefined, a reader gave every unit of the site one grade "
                "(chance agreement then equals the observed one; see the caveats).",)
               if undefined.any() else ())))
        results.append((f"reader reliability, {label}", rel))
    return Section("reliability", title, tuple(blocks), results=tuple(results),
                   caveats=tuple(caveats))


# ---------------------------------------------------------------------------- readers

def reader_option(ctx: Context) -> dict[str, Any]:
    """``reader=`` for analyses that take it, when a policy applies (several readers)."""
    policy = reader_policy(ctx)
    return {"reader": policy} if policy is not None else {}


# ---------------------------------------------------------------------------- trajectories

def trajectory_section(ctx: Context) -> Section:
    """Total knee BML score over years by baseline BML: linear mixed model and its figure."""
    from ..course import lesion_status
    from ..estimators.longitudinal import mixed_model

    title = "Trajectories"
    if not ctx.cohort.has("lesion_reads"):
        return Section("trajectories", title, skipped=no_table("lesion_reads",
                                                               "BML trajectories"))
    from .sections_course import knee_status

    # the knees of the knee status Table 1 built (the same reads, aggregated otherwise): too
    # many for the model, the section is skipped before the summed status is built
    knees, _ = knee_status(ctx, [])
    if knees is not None:
        n_knees = int(knees.table[[PARTICIPANT, SIDE]].drop_duplicates().shape[0])
        if n_knees > MAX_MODEL_KNEES:
            return Section("trajectories", title, skipped=_too_many_knees(n_knees))
    caveats: list[str] = []
    status, why = attempt(lesion_status, ctx.cohort, unit="knee", aggregate="sum",
                          caveats=caveats, **reader_option(ctx))
    if status is None:
        return Section("trajectories", title, skipped=why)
    table = status.table
    n_knees = int(table[[PARTICIPANT, SIDE]].drop_duplicates().shape[0])
    if n_knees > MAX_MODEL_KNEES:
        return Section("trajectories", title, skipped=_too_many_knees(n_knees))
    if len(status.visits) < 2:
        return Section("trajectories", title, skipped="One read visit: no trajectory.")
    if table[PARTICIPANT].nunique() < MIN_MODEL_PERSONS:
        return Section("trajectories", title, skipped=(
            f"Fewer than {MIN_MODEL_PERSONS} persons have knee reads: too few for a mixed "
            f"model with random slopes."))
    first = status.visits[0]
    base = table.loc[table[VISIT] == first, [PARTICIPANT, SIDE, "present"]].rename(
        columns={"present": "baseline_bml"})
    frame = table.merge(base, on=[PARTICIPANT, SIDE], how="inner").dropna(
        subset=["score", "baseline_bml"])
    frame = frame.assign(years=frame["months_from_baseline"].astype(float) / 12,
                         baseline_bml=frame["baseline_bml"].astype(float),
                         knee=frame[SIDE].astype(str))
    fit, why = attempt(_fit_mixed, mixed_model, frame, outcome="score", exposures="baseline_bml",
                       covariates="years", interactions=[("baseline_bml", "years")],
                       nested="knee", random_slope="years", caveats=caveats)
    if fit is None:
        return Section("trajectories", title, skipped=why)
    blocks: list[Any] = [
        Paragraph(
            "Total knee BML score (sum of the subregions' BML sizes) over years from "
            "baseline, by whether the knee had a BML at baseline: linear mixed model (REML) "
            "with a random intercept and a random slope on years per person and a random "
            "intercept per knee within the person; Satterthwaite intervals. "
            f"{format_count(n_knees, ctx.suppress_below)} knees, "
            f"{format_count(frame[PARTICIPANT].nunique(), ctx.suppress_below)} persons, "
            f"{format_count(len(frame), ctx.suppress_below)} knee-visits."),
        estimate_table(fit.summary().drop(columns=[c for c in ("n", "events")
                                                   if c in fit.summary()]),
                       caption="Total knee BML score: fixed effects of the mixed model",
                       notes=("baseline_bml:years: difference in yearly change of the "
                              "score between knees with and without a baseline BML.",)),
        figure("trajectories", lambda: fit.plot(units="score"),
               "Fitted mean total knee BML score over years by baseline BML (fixed "
               "effects of the mixed model).", width="75%"),
    ]
    return Section("trajectories", title, tuple(blocks),
                   results=(("total BML score trajectories", fit),), caveats=tuple(caveats))


def _too_many_knees(n_knees: int) -> str:
    return (f"The cohort has {n_knees} knees, more than the report fits mixed models for "
            f"({MAX_MODEL_KNEES}); fit bmecohort.mixed_model directly.")


def _fit_mixed(mixed_model: Any, frame: pd.DataFrame, **options: Any) -> Any:
    """The mixed model, its fitter's failure on degenerate data as a reason to skip."""
    from ..exceptions import AnalysisInputError

    try:
        return mixed_model(frame, **options)
    except RuntimeError as err:
        raise AnalysisInputError(f"the mixed model could not be fitted: {err}") from err


def _both_transitions(ctx: Context) -> bool:
    """Whether some knee gains and some knee loses a lesion between consecutive visits."""
    from ..course import lesion_status

    table = lesion_status(ctx.cohort, unit="knee", **reader_option(ctx)).table
    table = table.dropna(subset=["present"]).sort_values([PARTICIPANT, SIDE, VISIT])
    same = ((table[PARTICIPANT] == table[PARTICIPANT].shift())
            & (table[SIDE] == table[SIDE].shift())).to_numpy()
    now = table["present"].to_numpy(float)
    before = table["present"].shift().to_numpy(float)
    return bool((same & (before == 0) & (now == 1)).any()
                and (same & (before == 1) & (now == 0)).any())


# ------------------------------------------------------------------------ natural history

def history_section(ctx: Context) -> Section:
    """Multi-state model of knee lesions: intensities, P(lesion at 1, 2, 5 years), sojourn."""
    from ..designs import lesion_natural_history

    title = "Lesion natural history"
    if not ctx.cohort.has("lesion_reads"):
        return Section("natural_history", title, skipped=no_table("lesion_reads",
                                                                  "the natural history"))
    reads = ctx.cohort.table("lesion_reads")
    n_knees = int(reads[[PARTICIPANT, SIDE]].drop_duplicates().shape[0]) \
        if SIDE in reads else 0
    if n_knees > MAX_MODEL_KNEES:
        return Section("natural_history", title, skipped=(
            f"The cohort has {n_knees} knees, more than the report fits multi-state models "
            f"for ({MAX_MODEL_KNEES}); run bmecohort.lesion_natural_history directly."))
    caveats: list[str] = []
    if reads[PARTICIPANT].nunique() < MIN_MODEL_PERSONS:
        return Section("natural_history", title, skipped=(
            f"Fewer than {MIN_MODEL_PERSONS} persons have knee reads: too few for a "
            f"multi-state model."))
    observed, why = attempt(_both_transitions, ctx, caveats=caveats)
    if not observed:
        return Section("natural_history", title, skipped=why or (
            "Between consecutive visits no knee gained a lesion, or none lost one: the "
            "incidence and resolution intensities cannot both be estimated."))
    design, why = attempt(lesion_natural_history, ctx.cohort, caveats=caveats,
                          **reader_option(ctx))
    if design is None:
        return Section("natural_history", title, skipped=why)
    rows = design.summary()
    shown = rows.assign(term=rows[TERM].astype(str)).drop(
        columns=[c for c in (EVENTS,) if c in rows])
    blocks: list[Any] = [
        Paragraph(
            "Knees move between no lesion and a lesion (BML score >= 1) in continuous time: "
            "a time-homogeneous Markov model fitted to the panel of visits (as R's msm), "
            "with a second model in which knees whose lesion resolved have a state of their "
            "own, for the recurrence intensity. Intensities per year; probabilities of a "
            "lesion after 1, 2 and 5 years with simulation intervals; mean years in each "
            "state. The knees of a person are treated as independent subjects."),
        estimate_table(shown, caption="Lesion natural history (multi-state model)",
                       label="Quantity",
                       notes=tuple(ctx.redact(n) for n in design.notes)),
    ]
    return Section("natural_history", title, tuple(blocks),
                   results=(("lesion natural history", design),), caveats=tuple(caveats))
