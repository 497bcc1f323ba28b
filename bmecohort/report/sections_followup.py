"""Report sections on reads and follow-up: reader reliability, loss to follow-up,
trajectories of the total knee BML score and the lesions' natural history.

Cost on the demo cohort (1,000 knees, 2 cores): reliability ~0.1 s with a second reader
(skipped otherwise), loss to follow-up ~1 s (five imputations of the pain analysis)
plus ~1 s for five imputations of the incidence (with 44,000 knees at risk: imputation
8.5 s and five clustered incidences 12 s, on 2 cores at load 6.7), plus ~2 s for the IPCW
incidence and odds ratio (measured with 500 persons on a shared machine),
trajectories ~1 s (one REML fit), natural history ~1.6 s (two msm-type fits with
simulation intervals). Above :data:`MAX_MODEL_KNEES` knees the two model sections are
skipped with that reason, so the report's build time stays bounded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, PARTICIPANT, SIDE, TERM, VISIT, N
from .._format import format_count, format_interval, format_number
from ._context import Context, attempt, figure, no_table
from .document import Paragraph, ReportTable, Section
from .tables import estimate_table

__all__ = ["MAX_MODEL_KNEES", "attrition_section", "history_section", "reader_option", "reader_policy",
           "reliability_section", "trajectory_section"]

#: Knees above which the mixed and multi-state models are not fitted in the report.
MAX_MODEL_KNEES = 20_000
#: Persons below which the report fits no mixed or multi-state model (too few to estimate
#: variance components or transition intensities; the fitters fail on such data).
MIN_MODEL_PERSONS = 10
#: Imputations of the loss-to-follow-up section (fixed seed: the report is reproducible).
IMPUTATIONS = 5
IMPUTATION_SEED = 20261206
#: Cycles of the chained equations before each imputation: few variables, so a short chain
#: converges, and MICE dominates the section's cost.
IMPUTATION_BURN_IN = 5


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


# ----------------------------------------------------------------------- loss to follow-up

def attrition_section(ctx: Context) -> Section:
    """Who was lost, and the headline estimates complete-case, bounded and imputed."""
    from ..designs import attrition, attrition_bounds

    title = "Loss to follow-up"
    if not ctx.cohort.has("lesion_reads"):
        return Section("attrition", title, skipped=no_table("lesion_reads",
                                                            "loss to follow-up of the knee "
                                                            "reads"))
    visits = sorted(int(v) for v in ctx.cohort.visits[VISIT].unique())
    if len(visits) < 2:
        return Section("attrition", title, skipped="The cohort has a single visit: no "
                                                   "follow-up to lose.")
    follow_up = _follow_up(visits)
    caveats: list[str] = []
    blocks: list[Any] = []
    results: list[tuple[str, Any]] = []
    lost, why = attempt(attrition, ctx.cohort, follow_up=follow_up, caveats=caveats,
                        **reader_option(ctx))
    if lost is not None:
        table = lost.table.copy()
        blocks.append(Paragraph(
            f"Persons seen at baseline and not at month {follow_up} "
            f"({format_count(lost.accounting.events, ctx.suppress_below)} of "
            f"{format_count(lost.accounting.n_rows, ctx.suppress_below)}), compared with "
            f"completers at baseline. A standardised difference above 0.1 in absolute "
            f"value suggests the lost differ from those followed."))
        blocks.append(_attrition_table(table, follow_up, ctx.suppress_below))
        results.append((f"persons followed to month {follow_up}", lost))
    else:
        blocks.append(Paragraph(f"Attrition table: not estimable ({why}).", emphasis=True))
    bounds, why = attempt(attrition_bounds, ctx.cohort, follow_up=follow_up,
                          caveats=caveats, **reader_option(ctx))
    ipcw_fit, why_weighted = attempt(_ipcw_incidence, ctx, visits[0], follow_up,
                                     caveats=caveats)
    weighted, weight_model = ipcw_fit if ipcw_fit is not None else (None, [])
    mi_fit, why_imputed = attempt(_imputed_incidence, ctx, visits[0], follow_up,
                                  caveats=caveats)
    imputed, imputation_model, n_imputed = mi_fit if mi_fit is not None else (None, [], 0)
    if bounds is not None:
        rows = bounds.summary()
        rows = rows.assign(term=rows[TERM].str.capitalize())
        added = [] if weighted is None else [weighted.summary().assign(
            **{TERM: "IPCW-weighted"})]
        if imputed is not None:
            # n: every knee at risk, lost ones imputed; events differ between imputations
            added.append(imputed.summary().assign(**{
                TERM: f"Multiple imputation (m={IMPUTATIONS})", "p_value": None,
                N: n_imputed}))
        if added:
            rows = pd.concat([rows.iloc[:1], *added, rows.iloc[1:]], ignore_index=True)
        ipcw_note = (
            f"IPCW: knees read at month {follow_up} weighted by the inverse of their "
            f"modelled probability of being read (logistic model of "
            f"{', '.join(weight_model) or 'nothing'}, stabilised); events unweighted; "
            f"interval "
            f"{'cluster-robust by person' if weighted.cluster else 'robust (sandwich)'}."
            if weighted is not None else f"IPCW-weighted incidence: not estimable "
                                         f"({why_weighted}).")
        mi_note = (
            f"Multiple imputation: the month-{follow_up} BML status of knees lost imputed "
            f"{IMPUTATIONS} times by chained equations with predictive mean matching from "
            f"{', '.join(_PREDICTOR_NAMES.get(c, c) for c in imputation_model)} (seed "
            f"{IMPUTATION_SEED}; knees treated as independent in the imputation model); "
            f"the incidence of each completed data set pooled by Rubin's rules on the logit "
            f"scale (variance of each: its interval's, cluster-robust by person when knees "
            f"share persons) and back-transformed; n: knees at risk, lost ones imputed."
            if imputed is not None else f"Multiply imputed incidence: not estimable "
                                        f"({why_imputed}).")
        blocks.append(estimate_table(
            rows, caption=f"Knee BML incidence, months {visits[0]} to {follow_up}: complete "
                          f"case, weighted for loss (IPCW), multiply imputed and bounds for "
                          f"the knees lost",
            label="Analysis",
            notes=("Best case: no lost knee developed a BML; worst case: every lost knee "
                   "did. Intervals cluster-robust when persons contribute two knees, else "
                   "Wilson.", ipcw_note, mi_note)))
        results.append((f"incidence with loss bounds, months {visits[0]}-{follow_up}",
                         bounds))
        if weighted is not None:
            results.append((f"incidence IPCW-weighted, months {visits[0]}-{follow_up}",
                            weighted))
        if imputed is not None:
            results.append((f"incidence multiply imputed, months {visits[0]}-{follow_up}",
                            imputed))
    else:
        blocks.append(Paragraph(f"Incidence bounds: not estimable ({why}).", emphasis=True))
    pain = _pain_imputed(ctx, visits[0], follow_up, caveats)
    if isinstance(pain, str):
        blocks.append(Paragraph(f"Pain odds ratio under multiple imputation: {pain}",
                                emphasis=True))
    else:
        blocks.append(pain)
    blocks.append(Paragraph(
        "Complete-case estimates assume the knees lost are like those followed. The "
        "inverse-probability-of-censoring weighted (IPCW) estimates correct for loss "
        "explained by the baseline characteristics in the weight model, multiple "
        "imputation does so through its imputation model, and the bounds show how far any "
        "loss could move the incidence."))
    return Section("attrition", title, tuple(blocks), results=tuple(results),
                   caveats=tuple(caveats))


def reader_option(ctx: Context) -> dict[str, Any]:
    """``reader=`` for analyses that take it, when a policy applies (several readers)."""
    policy = reader_policy(ctx)
    return {"reader": policy} if policy is not None else {}


def _attrition_table(table: pd.DataFrame, follow_up: int, suppress_below: int | None
                     ) -> ReportTable:
    """The attrition table as ``n (%)`` or ``mean (SD)`` cells, small counts as ``"<k"``.

    In ``n (%)`` rows the value is a count of persons: it is suppressed with its percentage
    (a percentage of a known group would give the count away).
    """
    suppressed = 0

    def cell(statistic: str, value: Any, spread: Any) -> str:
        nonlocal suppressed
        if pd.isna(value):
            return ""
        if statistic.startswith("n"):
            count = int(round(float(value)))
            if suppress_below is not None and 0 < count < suppress_below:
                suppressed += 1
                return f"<{suppress_below}"
            shown, share = str(count), format_number(spread, 1)
            return f"{shown} ({share}%)" if share else shown
        shown, share = format_number(value), format_number(spread)
        return f"{shown} ({share})" if share else shown

    shown = pd.DataFrame({"Characteristic": table["characteristic"].astype(str).to_numpy()})
    for group, header in (("completers", "Completers"), ("lost", "Lost")):
        shown[f"{header} n"] = pd.to_numeric(table[f"{group}_n"], errors="coerce").to_numpy()
        shown[header] = [cell(str(st), v, sp) for st, v, sp in zip(
            table["statistic"], table[f"{group}_value"], table[f"{group}_spread"],
            strict=True)]
    shown["Std. difference"] = pd.to_numeric(table["standardized_difference"],
                                             errors="coerce").to_numpy(float)
    return ReportTable(
        shown, f"Baseline characteristics of completers and persons lost by month "
               f"{follow_up}: n (%) or mean (SD)", counts=("Completers n", "Lost n"),
        suppressed=suppressed, text=("Characteristic",),
        notes=("n: persons with the characteristic recorded. Std. difference: lost minus "
               "completers (Austin 2009).",))


def _pain_imputed(ctx: Context, baseline: int, follow_up: int, caveats: list[str]
                  ) -> ReportTable | str:
    """Incident BML and incident pain: complete-case and multiply-imputed odds ratios."""
    from ..designs import bml_pain_association
    from ..estimators.missing_data import impute
    from ..estimators.regression.logit import logistic

    if not ctx.cohort.has("knee_outcomes"):
        return no_table("knee_outcomes", "the pain odds ratio")
    design, why = attempt(bml_pain_association, ctx.cohort, baseline=baseline,
                          follow_up=follow_up, caveats=caveats, **reader_option(ctx))
    if design is None:
        return f"not estimable ({why})."
    frame, why = attempt(_pain_frame, ctx, baseline, follow_up, caveats=caveats)
    if frame is None:
        return f"not estimable ({why})."
    covariates = [c for c in ("age", "bmi") if c in frame]
    columns = ["incident_bml", "incident_pain", *covariates,
               *(["female"] if "female" in frame else [])]

    def fit(data: pd.DataFrame) -> Any:
        return logistic(data, outcome="incident_pain", exposures="incident_bml",
                        covariates=[c for c in columns[2:]], unit="knee")

    complete, why = attempt(fit, frame.dropna(subset=columns), caveats=caveats)
    if complete is None:
        return f"not estimable ({why})."
    imputations, why = attempt(impute, frame, columns=columns, m=IMPUTATIONS,
                               seed=IMPUTATION_SEED, burn_in=IMPUTATION_BURN_IN,
                               caveats=caveats)
    pooled = None
    if imputations is not None:
        pooled, why = attempt(imputations.analyse, fit, exponentiate=True, caveats=caveats)
    rows = []
    cc = complete.summary()
    cc = cc.loc[cc[TERM] == "incident_bml"].iloc[0]
    n_missing = int(frame[columns].isna().any(axis=1).sum())
    rows.append({"analysis": "complete case", TERM: "incident BML", ESTIMATE: cc[ESTIMATE],
                 CI_LOWER: cc[CI_LOWER], CI_UPPER: cc[CI_UPPER], "p_value": cc["p_value"],
                 N: len(frame) - n_missing})
    if pooled is not None:
        pr = pooled.summary()
        pr = pr.loc[pr[TERM] == "incident_bml"].iloc[0]
        rows.append({"analysis": f"multiple imputation (m={IMPUTATIONS})",
                     TERM: "incident BML", ESTIMATE: pr[ESTIMATE], CI_LOWER: pr[CI_LOWER],
                     CI_UPPER: pr[CI_UPPER], "p_value": pr["p_value"], N: len(frame)})
    weighted, why_weighted = attempt(_ipcw_logistic, frame, columns, caveats=caveats)
    if weighted is not None:
        wr = weighted.summary()
        wr = wr.loc[wr[TERM] == "incident_bml"].iloc[0]
        rows.append({"analysis": "IPCW-weighted", TERM: "incident BML",
                     ESTIMATE: wr[ESTIMATE], CI_LOWER: wr[CI_LOWER], CI_UPPER: wr[CI_UPPER],
                     "p_value": wr["p_value"], N: weighted.accounting.n_used})
    else:
        rows.append({"analysis": "IPCW-weighted", TERM: "not estimable", ESTIMATE: np.nan,
                     CI_LOWER: np.nan, CI_UPPER: np.nan, "p_value": np.nan, N: np.nan})
    return estimate_table(
        pd.DataFrame(rows), caption=f"Incident BML and incident knee pain (months "
                                    f"{baseline} to {follow_up}): odds ratio by handling "
                                    f"of missing follow-up", label="Exposure",
        notes=(f"Knees free of BML and frequent pain at baseline; adjusted for "
               f"{', '.join(columns[2:]) or 'nothing'}. Complete case: knees with both "
               f"follow-up reads; multiple imputation: chained equations with predictive "
               f"mean matching of the follow-up BML and pain (and missing covariates), "
               f"pooled by Rubin's rules (seed {IMPUTATION_SEED}). The imputation model "
               f"treats knees as independent." + (
                   "" if pooled is not None else f" Imputation failed: {why}"),
               "IPCW-weighted: knees with both follow-up reads, weighted by the inverse of "
               "their modelled probability of having them (logistic model of "
               f"{', '.join(columns[2:]) or 'nothing'}, stabilised); weighted logistic "
               "regression with a robust variance clustered by person (independence "
               "working correlation)." if weighted is not None else
               f"IPCW-weighted: not estimable ({why_weighted})."))


#: Baseline participant characteristics of the report's models of being followed (IPCW).
IPCW_COVARIATES = ("age", "bmi", "female")
#: How the imputation model's predictors read in the report's notes.
_PREDICTOR_NAMES = {"bmi": "BMI", "female": "sex",
                    "other_knee_score": "the other knee's baseline BML score"}


def _with_covariates(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """``frame`` with the numeric IPCW covariates the cohort has (sex as ``female``)."""
    from ..designs._frames import add_participants

    frame = add_participants(frame, ctx.cohort)
    for column in ("age", "bmi"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    if "sex" in frame and frame["sex"].nunique() == 2:
        frame["female"] = (frame["sex"].astype(str).str.lower().str.startswith("f")
                           .astype(float).where(frame["sex"].notna()))
    return frame


def _ipcw_weights(frame: pd.DataFrame, seen: pd.Series, covariates: list[str]) -> pd.Series:
    """Stabilised IPCW of the rows seen, from a logistic model of being seen."""
    from ..estimators.missing_data import ipcw
    from ..exceptions import AnalysisInputError

    if not covariates:
        raise AnalysisInputError("the cohort has no baseline age, BMI or sex to model "
                                 "being followed")
    return ipcw(frame.assign(_seen=seen.astype(float)), observed="_seen",
                covariates=covariates)


def _at_risk_knees(ctx: Context, baseline: int, follow_up: int) -> pd.DataFrame:
    """Knees free of BML at baseline (follow-up status missing when lost), with the baseline
    covariates and ``other_knee_score``: the summed baseline BML score of the person's other
    knees (missing for a person with one knee read)."""
    from ..designs._frames import interval_frame

    frame, _ = interval_frame(ctx.cohort, unit="knee", baseline=baseline,
                              follow_up=follow_up, reader=reader_policy(ctx))
    by_person = frame.groupby(PARTICIPANT)["score_from"]
    other = by_person.transform("sum") - frame["score_from"]
    frame["other_knee_score"] = other.where(by_person.transform("count") > 1).astype(float)
    start = frame["present_from"]
    frame = _with_covariates(frame.loc[start.notna() & ~start.astype(bool)], ctx)
    return frame.assign(visit_from=baseline, visit_to=follow_up)


def _ipcw_incidence(ctx: Context, baseline: int, follow_up: int) -> tuple[Any, list[str]]:
    """Knee BML incidence weighted by the inverse probability of a follow-up read, and the
    covariates of the weight model."""
    from ..estimators.occurrence import incidence

    frame = _at_risk_knees(ctx, baseline, follow_up)
    covariates = [c for c in IPCW_COVARIATES if c in frame]
    frame["ipcw"] = _ipcw_weights(frame, frame["present_to"].notna(), covariates)
    return incidence(frame, weights="ipcw"), covariates


def _imputed_incidence(ctx: Context, baseline: int, follow_up: int
                       ) -> tuple[Any, list[str], int]:
    """Knee BML incidence over imputations of the follow-up status of knees lost, pooled
    on the logit scale; the imputation model's predictors and the knees at risk."""
    from ..estimators.missing_data import impute
    from ..estimators.occurrence import incidence
    from ..exceptions import AnalysisInputError

    frame = _at_risk_knees(ctx, baseline, follow_up)
    predictors = [c for c in (*IPCW_COVARIATES, "other_knee_score")
                  if c in frame and frame[c].notna().any()]
    if not predictors:
        raise AnalysisInputError("the cohort has no baseline age, BMI, sex or lesion score "
                                 "to impute the follow-up status from")
    frame["present_to"] = pd.to_numeric(frame["present_to"].astype("Float64"),
                                        errors="coerce").astype(float)
    imputations = impute(frame, columns=["present_to", *predictors], m=IMPUTATIONS,
                         seed=IMPUTATION_SEED, burn_in=IMPUTATION_BURN_IN)
    return imputations.analyse(incidence), predictors, len(frame)


def _ipcw_logistic(frame: pd.DataFrame, columns: list[str]) -> Any:
    """The pain odds ratio among knees with both follow-up reads, weighted by IPCW."""
    from ..estimators.regression.logit import logistic

    covariates = [c for c in columns[2:]]
    seen = frame[["incident_bml", "incident_pain"]].notna().all(axis=1)
    data = frame.assign(ipcw=_ipcw_weights(frame, seen, covariates))
    return logistic(data, outcome="incident_pain", exposures="incident_bml",
                    covariates=covariates, unit="knee", weights="ipcw",
                    cov_struct="independence")


def _pain_frame(ctx: Context, baseline: int, follow_up: int) -> pd.DataFrame:
    """Knees at risk (no BML, no frequent pain at baseline) with follow-up possibly missing."""
    from ..designs._frames import add_participants, at_visit, interval_frame

    frame, _ = interval_frame(ctx.cohort, unit="knee", baseline=baseline,
                              follow_up=follow_up, reader=reader_policy(ctx))
    keys = [PARTICIPANT, SIDE]
    outcomes = ctx.cohort.table("knee_outcomes")
    frame = frame.merge(at_visit(outcomes, baseline, keys, ["frequent_knee_pain"], "_0"),
                        on=keys, how="left")
    frame = frame.merge(at_visit(outcomes, follow_up, keys, ["frequent_knee_pain"], "_1"),
                        on=keys, how="left")
    start = frame["present_from"]
    pain0 = frame["frequent_knee_pain_0"]
    at_risk = start.notna() & ~start.astype(bool) & pain0.notna() & ~pain0.astype(bool)
    frame = add_participants(frame.loc[at_risk], ctx.cohort)
    out = pd.DataFrame({
        PARTICIPANT: frame[PARTICIPANT].to_numpy(),
        "incident_bml": pd.to_numeric(frame["present_to"], errors="coerce").to_numpy(float),
        "incident_pain": pd.to_numeric(frame["frequent_knee_pain_1"],
                                       errors="coerce").to_numpy(float)})
    for column in ("age", "bmi"):
        if column in frame:
            out[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    if "sex" in frame and frame["sex"].nunique() == 2:
        out["female"] = (frame["sex"].astype(str).str.lower().str.startswith("f")
                         .astype(float).where(frame["sex"].notna()).to_numpy())
    return out


# ---------------------------------------------------------------------------- trajectories

def trajectory_section(ctx: Context) -> Section:
    """Total knee BML score over years by baseline BML: linear mixed model and its figure."""
    from ..course import lesion_status
    from ..estimators.longitudinal import mixed_model

    title = "Trajectories"
    if not ctx.cohort.has("lesion_reads"):
        return Section("trajectories", title, skipped=no_table("lesion_reads",
                                                               "BML trajectories"))
    caveats: list[str] = []
    status, why = attempt(lesion_status, ctx.cohort, unit="knee", aggregate="sum",
                          caveats=caveats, **reader_option(ctx))
    if status is None:
        return Section("trajectories", title, skipped=why)
    table = status.table
    n_knees = int(table[[PARTICIPANT, SIDE]].drop_duplicates().shape[0])
    if n_knees > MAX_MODEL_KNEES:
        return Section("trajectories", title, skipped=(
            f"The cohort has {n_knees} knees, more than the report fits mixed models for "
            f"({MAX_MODEL_KNEES}); fit bmecohort.mixed_model directly."))
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
