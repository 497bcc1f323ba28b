"""Report section on loss to follow-up: who was lost, and the knee BML incidence and the
pain odds ratio complete-case, weighted for loss (IPCW), multiply imputed and bounded.

The section is three parts the report's workers share (:class:`~._parallel.Parts`): the
attrition table, bounds and IPCW incidence; the multiply imputed incidence; the pain odds
ratio by handling of missing follow-up (imputation and IPCW). Each returns only what the
section shows, so it pickles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, PARTICIPANT, SIDE, TERM, VISIT, N
from .._format import format_count, format_number
from ._context import Context, attempt, no_table
from ._parallel import Accounted, Parts, _accounted
from .document import Paragraph, ReportTable, Section
from .sections_followup import _follow_up, reader_option, reader_policy
from .tables import estimate_table

__all__ = ["IMPUTATIONS", "IMPUTATION_BURN_IN", "IMPUTATION_SEED", "attrition_section"]

#: Imputations of the loss-to-follow-up section (fixed seed: the report is reproducible).
IMPUTATIONS = 5
IMPUTATION_SEED = 20261206
#: Cycles of the chained equations before each imputation: few variables, so a short chain
#: converges, and MICE dominates the section's cost.
IMPUTATION_BURN_IN = 5


def _visits(ctx: Context) -> tuple[list[int], str | None]:
    """The cohort's visits, or why the section is skipped."""
    if not ctx.cohort.has("lesion_reads"):
        return [], no_table("lesion_reads", "loss to follow-up of the knee reads")
    visits = sorted(int(v) for v in ctx.cohort.visits[VISIT].unique())
    if len(visits) < 2:
        return visits, "The cohort has a single visit: no follow-up to lose."
    return visits, None


def _loss_part(ctx: Context) -> dict[str, Any] | None:
    """Attrition table, incidence bounds and IPCW incidence (the first part)."""
    from ..designs import attrition, attrition_bounds

    visits, skipped = _visits(ctx)
    if skipped is not None:
        return None
    follow_up = _follow_up(visits)
    caveats: list[str] = []
    lost, why_lost = attempt(attrition, ctx.cohort, follow_up=follow_up, caveats=caveats,
                             **reader_option(ctx))
    bounds, why_bounds = attempt(attrition_bounds, ctx.cohort, follow_up=follow_up,
                                 caveats=caveats, **reader_option(ctx))
    ipcw_fit, why_weighted = attempt(_ipcw_incidence, ctx, visits[0], follow_up,
                                     caveats=caveats)
    weighted, weight_model = ipcw_fit if ipcw_fit is not None else (None, [])
    return {
        "caveats": caveats,
        "lost": None if lost is None else (lost.table.copy(), lost.accounting.events,
                                           lost.accounting.n_rows, _accounted(lost)),
        "why_lost": why_lost,
        "bounds": None if bounds is None else (bounds.summary(), _accounted(bounds)),
        "why_bounds": why_bounds,
        "weighted": None if weighted is None else (weighted.summary(), bool(weighted.cluster),
                                                   weight_model, _accounted(weighted)),
        "why_weighted": why_weighted,
    }


def _imputed_part(ctx: Context) -> dict[str, Any] | None:
    """The multiply imputed incidence (the second part)."""
    visits, skipped = _visits(ctx)
    if skipped is not None:
        return None
    caveats: list[str] = []
    mi_fit, why = attempt(_imputed_incidence, ctx, visits[0], _follow_up(visits),
                          caveats=caveats)
    imputed = None
    if mi_fit is not None:
        fit, model, n_imputed = mi_fit
        imputed = (fit.summary(), model, n_imputed, _accounted(fit))
    return {"caveats": caveats, "imputed": imputed, "why_imputed": why}


def _pain_part(ctx: Context) -> dict[str, Any] | None:
    """The pain odds ratio by handling of missing follow-up (the third part)."""
    visits, skipped = _visits(ctx)
    if skipped is not None:
        return None
    caveats: list[str] = []
    pain = _pain_imputed(ctx, visits[0], _follow_up(visits), caveats)
    return {"caveats": caveats, "pain": pain}


def _attrition(ctx: Context, parts: list[dict[str, Any] | None]) -> Section:
    """Who was lost, and the headline estimates complete-case, bounded and imputed."""
    title = "Loss to follow-up"
    visits, skipped = _visits(ctx)
    loss, mi, pain_part = parts
    if skipped is not None or loss is None or mi is None or pain_part is None:
        return Section("attrition", title, skipped=skipped)
    follow_up = _follow_up(visits)
    caveats: list[str] = []
    for part in parts:
        for caveat in part["caveats"] if part is not None else ():
            if caveat not in caveats:
                caveats.append(caveat)
    blocks: list[Any] = []
    results: list[tuple[str, Accounted]] = []
    if loss["lost"] is not None:
        table, events, n_rows, lost = loss["lost"]
        blocks.append(Paragraph(
            f"Persons seen at baseline and not at month {follow_up} "
            f"({format_count(events, ctx.suppress_below)} of "
            f"{format_count(n_rows, ctx.suppress_below)}), compared with "
            f"completers at baseline. A standardised difference above 0.1 in absolute "
            f"value suggests the lost differ from those followed."))
        blocks.append(_attrition_table(table, follow_up, ctx.suppress_below))
        results.append((f"persons followed to month {follow_up}", lost))
    else:
        blocks.append(Paragraph(f"Attrition table: not estimable ({loss['why_lost']}).",
                                emphasis=True))
    weighted = loss["weighted"]
    imputed = mi["imputed"]
    if loss["bounds"] is not None:
        rows, bounds = loss["bounds"]
        rows = rows.assign(term=rows[TERM].str.capitalize())
        added = [] if weighted is None else [weighted[0].assign(**{TERM: "IPCW-weighted"})]
        if imputed is not None:
            # n: every knee at risk, lost ones imputed; events differ between imputations
            added.append(imputed[0].assign(**{
                TERM: f"Multiple imputation (m={IMPUTATIONS})", "p_value": None,
                N: imputed[2]}))
        if added:
            rows = pd.concat([rows.iloc[:1], *added, rows.iloc[1:]], ignore_index=True)
        ipcw_note = (
            f"IPCW: knees read at month {follow_up} weighted by the inverse of their "
            f"modelled probability of being read (logistic model of "
            f"{', '.join(weighted[2]) or 'nothing'}, stabilised); events unweighted; "
            f"interval "
            f"{'cluster-robust by person' if weighted[1] else 'robust (sandwich)'}."
            if weighted is not None else f"IPCW-weighted incidence: not estimable "
                                         f"({loss['why_weighted']}).")
        mi_note = (
            f"Multiple imputation: the month-{follow_up} BML status of knees lost imputed "
            f"{IMPUTATIONS} times by chained equations with predictive mean matching from "
            f"{', '.join(_PREDICTOR_NAMES.get(c, c) for c in imputed[1])} (seed "
            f"{IMPUTATION_SEED}; knees treated as independent in the imputation model); "
            f"the incidence of each completed data set pooled by Rubin's rules on the logit "
            f"scale (variance of each: its interval's, cluster-robust by person when knees "
            f"share persons) and back-transformed; n: knees at risk, lost ones imputed."
            if imputed is not None else f"Multiply imputed incidence: not estimable "
                                        f"({mi['why_imputed']}).")
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
                            weighted[3]))
        if imputed is not None:
            results.append((f"incidence multiply imputed, months {visits[0]}-{follow_up}",
                            imputed[3]))
    else:
        blocks.append(Paragraph(f"Incidence bounds: not estimable ({loss['why_bounds']}).",
                                emphasis=True))
    pain = pain_part["pain"]
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


#: Who was lost, and the headline estimates complete-case, bounded and imputed: three parts
#: (the two imputation models apart), so that the report's workers share them.
attrition_section = Parts((_loss_part, _imputed_part, _pain_part), _attrition)


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


