"""Report pieces for effect measures beyond the odds ratio: E-values and multiplicity-adjusted
p-values for Table 2, and standardised risks (g-computation) for the designs with an
adjusted model of a binary exposure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, N
from .._format import format_count, format_estimate, format_number, format_p
from ..estimators.sensitivity.evalue import RARE_OUTCOME_THRESHOLD, evalue
from ..estimators.sensitivity.multiplicity import adjust_pvalues
from ._context import Context, attempt, figure
from .document import Figure, Paragraph, ReportTable, Subheading

__all__ = ["EVALUE_COLUMN", "EVALUE_NOTE", "HOLM_COLUMN", "HOLM_NOTE", "STANDARDIZE",
           "StandardizedRisk", "evalue_cells", "holm_cells", "standardized_assembled",
           "standardized_blocks", "standardized_risk", "with_sensitivity_columns"]

EVALUE_COLUMN = "E-value"
HOLM_COLUMN = "p (Holm)"
EVALUE_NOTE = (
    "E-value: the minimum strength of association, on the risk-ratio scale, that an "
    "unmeasured confounder would need with both exposure and outcome to explain the estimate "
    "away, then (in brackets) the confidence limit nearer 1 (1: the interval includes 1); "
    "VanderWeele and Ding 2017. Odds ratios are converted with the square root when the "
    f"outcome is common (at least {100 * RARE_OUTCOME_THRESHOLD:.0f}% of units).")
HOLM_NOTE = (
    "p (Holm): p-values adjusted by Holm's method within each analysis that tests several "
    "terms (MRI corner groups, bone-level exposures, BML size categories, strata); equal to "
    "p where an analysis tests one term.")


def evalue_cells(summary: pd.DataFrame) -> list[str]:
    """``"E (E of the CI)"`` for every odds-ratio row of a design summary ("" otherwise)."""
    out = []
    for row in summary.to_dict("records"):
        estimate = pd.to_numeric(row.get(ESTIMATE), errors="coerce")
        lower = pd.to_numeric(row.get(CI_LOWER), errors="coerce")
        upper = pd.to_numeric(row.get(CI_UPPER), errors="coerce")
        if not (np.isfinite(estimate) and estimate > 0):
            out.append("")
            continue
        n = pd.to_numeric(row.get(N), errors="coerce")
        events = pd.to_numeric(row.get(EVENTS), errors="coerce")
        # unknown prevalence: the conservative (smaller) common-outcome conversion
        rare = bool(np.isfinite(n) and n > 0 and np.isfinite(events)
                    and events / n < RARE_OUTCOME_THRESHOLD)
        limits = ((lower, upper) if np.isfinite(lower) and np.isfinite(upper)
                  and lower <= estimate <= upper else (None, None))
        e = evalue(float(estimate), *limits, measure="or", rare_outcome=rare)
        out.append(_evalue_text(e))
    return out


def holm_cells(summary: pd.DataFrame, *, by: str = "analysis") -> list[str]:
    """Holm-adjusted p-values within each ``by`` group of a design summary, formatted."""
    frame = summary.reset_index(drop=True)
    if P_VALUE not in frame or frame[P_VALUE].isna().all():
        return [""] * len(frame)
    adjusted = adjust_pvalues(frame, method="holm", by=by if by in frame else None)
    return [format_p(v) for v in adjusted["p_adjusted"]]


def with_sensitivity_columns(table: ReportTable, designs: list[tuple[str, Any]]
                             ) -> ReportTable:
    """Table 2 with ``p (Holm)`` after ``p`` and an ``E-value`` column, and their notes.

    ``table`` is :func:`~bmecohort.report.tables.effect_table` of ``designs``: its rows are
    the designs' summaries in order, so the cells are computed from those summaries.
    """
    summaries = [design.summary() for _, design in designs]
    holm = [cell for s in summaries for cell in holm_cells(s)]
    evalues = [cell for s in summaries for cell in evalue_cells(s)]
    frame = table.frame.reset_index(drop=True)
    if len(holm) != len(frame):  # not the table of these designs: leave it as it is
        return table
    shown = [c for c in frame.columns if c != table.group]
    widths = dict(zip(shown, table.widths, strict=True)) if table.widths else None
    position = frame.columns.get_loc("p") + 1 if "p" in frame.columns else len(frame.columns)
    frame.insert(position, HOLM_COLUMN, holm)
    frame[EVALUE_COLUMN] = evalues
    new_widths = None
    if widths is not None:
        new_widths = tuple(widths.get(c, "auto") for c in frame.columns if c != table.group)
    return replace(table, frame=frame, widths=new_widths,
                   notes=(*table.notes, HOLM_NOTE, EVALUE_NOTE))


#: Designs with a binary exposure and an adjusted model: (exposure, outcome, covariates).
STANDARDIZE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bml_pain_association": ("incident_bml", "incident_pain", ("age", "sex", "bmi")),
    "bml_progression": ("bml", "progression", ("alignment_deg_0",)),
}


def _label(column: str) -> str:
    """A covariate for display: ``alignment_deg_0`` -> ``alignment deg (baseline)``."""
    base, baseline = (column[:-2], True) if column.endswith("_0") else (column, False)
    return base.replace("_", " ") + (" (baseline)" if baseline else "")


def _percent(m: Any) -> str:
    return format_estimate(100 * m.estimate, 100 * m.ci_lower, 100 * m.ci_upper, 1)


def _ratio(m: Any) -> str:
    return format_estimate(m.estimate, m.ci_lower, m.ci_upper)


def _evalue_text(e: Any) -> str:
    """``"E (E of the limit nearer the null)"``, the estimate's alone without an interval."""
    limit = format_number(e.evalue_ci)
    return f"{format_number(e.evalue)} ({limit})" if limit else format_number(e.evalue)


@dataclass(frozen=True)
class StandardizedRisk:
    """One design's standardised risks as the report shows them: the table row and the
    figure (named when the blocks are assembled), or no row; the caveats either way."""

    row: dict[str, Any] | None
    figure: Figure | None
    caveats: tuple[str, ...] = ()


def standardized_risk(ctx: Context, heading: str, design: Any) -> StandardizedRisk:
    """Standardised risks of ``design`` when it is one of :data:`STANDARDIZE`."""
    caveats: list[str] = []
    spec = STANDARDIZE.get(getattr(design, "name", ""))
    if spec is None:
        return StandardizedRisk(None, None)
    exposure, outcome, wanted = spec
    frame = design.frame
    covariates = [c for c in wanted if c in frame and frame[c].nunique(dropna=True) > 1]
    res, why = attempt(_standardize, frame, outcome=outcome, exposure=exposure,
                       covariates=covariates, caveats=caveats)
    if res is None:
        caveats.append(f"{heading}: standardised risks not estimable ({why}).")
        return StandardizedRisk(None, None, tuple(caveats))
    e = res.evalue()
    row = {
        "Design": heading,
        "Adjusted for": ", ".join(_label(c) for c in covariates) or "nothing",
        "n": format_count(res.accounting.n_used, ctx.suppress_below),
        "Risk if exposed, % (95% CI)": _percent(res.risk_exposed),
        "Risk if unexposed, % (95% CI)": _percent(res.risk_unexposed),
        "Risk difference, % (95% CI)": _percent(res.risk_difference),
        "Risk ratio (95% CI)": _ratio(res.risk_ratio),
        "Marginal OR (95% CI)": _ratio(res.odds_ratio),
        EVALUE_COLUMN: _evalue_text(e),
    }
    return StandardizedRisk(row, figure(
        "standardized", res.plot,
        f"{heading}: risk of the outcome had every unit been exposed and had none been "
        f"(study population), and among the exposed, with 95% intervals.", width="60%"),
        tuple(caveats))


def standardized_blocks(ctx: Context, designs: list[tuple[str, Any]],
                        caveats: list[str]) -> list[Any]:
    """Standardised risks (table, figures) for the designs of :data:`STANDARDIZE`."""
    return standardized_assembled(
        ctx, [standardized_risk(ctx, heading, design) for heading, design in designs],
        caveats)


def standardized_assembled(ctx: Context, risks: list[StandardizedRisk | None],
                           caveats: list[str]) -> list[Any]:
    """The standardised-risk blocks of designs' :func:`standardized_risk`, in order: the
    table and the figures numbered ``standardized_<k>``; their caveats added to
    ``caveats`` (each once)."""
    rows: list[dict[str, Any]] = []
    figures: list[Any] = []
    for risk in risks:
        if risk is None:
            continue
        for caveat in risk.caveats:
            if caveat not in caveats:
                caveats.append(caveat)
        if risk.row is not None and risk.figure is not None:
            rows.append(risk.row)
            figures.append(replace(risk.figure, name=f"standardized_{len(figures) + 1}"))
    if not rows:
        return []
    frame = pd.DataFrame(rows)
    suppressed = int(frame["n"].str.startswith("<").sum())
    table = ReportTable(
        frame, "Standardised risks (g-computation) and E-values", suppressed=suppressed,
        widths=("1.3fr", "1fr", "auto", "1fr", "1fr", "1fr", "1fr", "1fr", "auto"),
        notes=("Logistic model of the outcome on the exposure and the covariates listed; "
               "each unit's risk predicted exposed and unexposed and averaged over the study "
               "population. Delta-method 95% intervals from influence functions, "
               "cluster-robust when persons contribute several knees. The marginal odds ratio "
               "differs from the adjusted (conditional) odds ratio of Table 2 by "
               "non-collapsibility.", EVALUE_NOTE))
    return [Subheading("Standardised risks"),
            Paragraph("Risks the cohort would have had if every unit had been exposed and if "
                      "none had been, standardised to its covariates: the risk difference and "
                      "ratio a reader can compare across studies."), table, *figures]


def _standardize(frame: pd.DataFrame, **options: Any) -> Any:
    from ..estimators.association.standardize import standardize

    return standardize(frame, cluster="auto", **options)

