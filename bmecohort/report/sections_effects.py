"""Report sections on associations: Table 2 with forest plots, pain course by BML course,
BMES vs avascular necrosis, and the reproduction of published numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, PARTICIPANT, SIDE, TERM, N
from .._format import format_count, format_estimate, format_number
from ..plots import forest_plot
from ..results import Accounting
from ._context import Context, attempt, figure, no_table
from ._parallel import Parts
from .document import Figure, Paragraph, ReportTable, Section, Subheading
from .sections_course import knee_status
from .sections_followup import reader_option
from .sensitivity import (
    HOLM_COLUMN,
    StandardizedRisk,
    holm_cells,
    standardized_assembled,
    standardized_risk,
    with_sensitivity_columns,
)
from .tables import effect_table, estimate_table

__all__ = ["DesignDigest", "EffectPart", "effect_part", "effects_section", "hip_section",
           "pain_course_section", "reproduction_section"]


def _design(name: str) -> Callable[..., Any]:
    from .. import designs

    return getattr(designs, name)


#: Table 2's designs: heading, design function, the tables it needs, keyword arguments.
EFFECT_DESIGNS: tuple[tuple[str, str, tuple[str, ...], dict[str, Any]], ...] = (
    ("Pain: BML in painful and painless knees (cross-sectional)", "bml_pain_prevalence",
     ("lesion_reads", "knee_outcomes"), {}),
    ("Pain: incident BML and incident knee pain", "bml_pain_association",
     ("lesion_reads", "knee_outcomes"), {}),
    ("Progression: medial BML and joint space narrowing", "bml_progression",
     ("lesion_reads", "knee_outcomes"), {}),
    ("Progression: BML size and cartilage defects", "cartilage_progression",
     ("lesion_reads", "knee_outcomes"), {}),
    ("Syndesmophytes: MRI corner lesions and new syndesmophytes", "syndesmophyte_predictors",
     ("spine_corners",), {}),
    ("Erosive progression: BME, synovitis and erosions (RA)", "erosive_progression",
     ("ra_bones",), {}),
)


@dataclass(frozen=True)
class Analysis:
    """An analysis of a design as the report reads it: its accounting and method."""

    accounting: Accounting | None
    method: str | None


@dataclass(frozen=True)
class DesignDigest:
    """What the report reads of a design result, without its fits (so it pickles): the
    summary (Table 2's rows), the notes, and the accountings the participant flow lists."""

    name: str
    table: pd.DataFrame
    notes: tuple[str, ...]
    accounting: Accounting | None
    results: Mapping[str, Analysis]

    @classmethod
    def of(cls, design: Any) -> DesignDigest:
        def accounting(res: Any) -> Accounting | None:
            acc = getattr(res, "accounting", None)
            return acc if isinstance(acc, Accounting) else None

        return cls(name=str(getattr(design, "name", "")), table=design.summary(),
                   notes=tuple(design.notes), accounting=accounting(design),
                   results={str(a): Analysis(accounting(r), getattr(r, "method", None))
                            for a, r in design.results.items()})

    def summary(self) -> pd.DataFrame:
        """The design's summary (a copy)."""
        return self.table.copy()


@dataclass(frozen=True)
class EffectPart:
    """One design of Table 2, computed on its own (a task of the report's workers): the
    digest or why it is missing, its caveats, forest plot and standardised risk."""

    heading: str
    design: DesignDigest | None = None
    missing: str | None = None
    caveats: tuple[str, ...] = ()
    forest: Figure | None = None
    standardized: StandardizedRisk | None = None


def effect_part(ctx: Context, index: int) -> EffectPart:
    """Table 2's design ``index`` of :data:`EFFECT_DESIGNS`: fitted, summarised, plotted."""
    heading, name, tables, options = EFFECT_DESIGNS[index]
    absent = [t for t in tables if not ctx.cohort.has(t)]
    if absent:
        return EffectPart(heading, missing=f"{heading}: skipped, the cohort has no "
                                           f"{' or '.join(absent)} table.")
    if "lesion_reads" in tables:  # the knee designs take the report's reader policy
        options = {**options, **reader_option(ctx)}
    caveats: list[str] = []
    design, why = attempt(_design(name), ctx.cohort, caveats=caveats, **options)
    if design is None:
        return EffectPart(heading, missing=f"{heading}: not estimable ({why}).",
                          caveats=tuple(caveats))
    # named when the section is assembled (forest_<i> in the order of the designs done)
    forest = figure(
        "forest", partial(forest_plot, design, suppress_below=ctx.suppress_below),
        f"{heading}: odds ratios with 95% intervals by analysis (log scale). "
        + " ".join(ctx.redact(n).capitalize() + "." for n in design.notes), width="90%")
    return EffectPart(heading, DesignDigest.of(design), caveats=tuple(caveats),
                      forest=forest, standardized=standardized_risk(ctx, heading, design))


def _effects(ctx: Context, parts: list[EffectPart]) -> Section:
    """Table 2 (crude, stratified, adjusted, clustered estimates) and a forest plot each,
    assembled from its designs' parts."""
    title = "Effect estimates (Table 2)"
    caveats: list[str] = []
    for part in parts:
        for caveat in part.caveats:
            if caveat not in caveats:
                caveats.append(caveat)
    done = [(p.heading, p.design) for p in parts if p.design is not None]
    missing = [p.missing for p in parts if p.missing is not None]
    if not done:
        return Section("effects", title, skipped=" ".join(missing))
    blocks: list[Any] = [Paragraph(
        "Each design is analysed as the source study did and then more ways: crude "
        "(2x2 table), stratified (Mantel-Haenszel), adjusted (logistic regression) and, "
        "for repeated measures, GEE. Whenever units share a person (two knees, vertebral "
        "corners or bones of one patient) every analysis is cluster-robust: the stratified "
        "one becomes a GEE with stratum terms, the adjusted one a GEE; the Clustered "
        "column says which rows are. Odds ratios above 1 mean the outcome is more likely "
        "with the exposure.")]
    table = effect_table(done)
    if table is not None:
        blocks.append(with_sensitivity_columns(table, done))
    blocks.extend(standardized_assembled(ctx, [p.standardized for p in parts
                                               if p.design is not None], caveats))
    forests = [p.forest for p in parts if p.forest is not None]  # one per design done
    for i, ((heading, _), forest) in enumerate(zip(done, forests, strict=True), start=1):
        blocks.append(Subheading(heading))
        blocks.append(replace(forest, name=f"forest_{i}"))
    blocks.extend(Paragraph(m, emphasis=True) for m in missing)
    return Section("effects", title, tuple(blocks),
                   results=tuple((h, d) for h, d in done), caveats=tuple(caveats))


#: Table 2 (crude, stratified, adjusted, clustered estimates) and a forest plot each: one
#: part per design, so that the report's workers share them.
effects_section = Parts(tuple(partial(effect_part, index=i)
                              for i in range(len(EFFECT_DESIGNS))), _effects)


def _pain_by_course(ctx: Context, caveats: list[str]) -> ReportTable | None:
    """Frequent knee pain at the first and last visit, by the knee's BML course."""
    from ..course import lesion_course

    status, _ = knee_status(ctx, caveats)
    if status is None or len(status.visits) < 3:
        return None
    course, _ = attempt(lesion_course, status, caveats=caveats)
    if course is None:
        return None
    first, last = status.visits[0], status.visits[-1]
    outcomes = ctx.cohort.table("knee_outcomes")
    if "frequent_knee_pain" not in outcomes.columns:
        return None
    pain = outcomes.loc[outcomes["visit"].isin([first, last]),
                        [PARTICIPANT, SIDE, "visit", "frequent_knee_pain"]]
    pain = pain.assign(**{PARTICIPANT: pain[PARTICIPANT].astype(str),
                          SIDE: pain[SIDE].astype(str)})
    wide = pain.pivot_table(index=[PARTICIPANT, SIDE], columns="visit",
                            values="frequent_knee_pain", aggfunc="first")
    knees = course.table.assign(**{PARTICIPANT: course.table[PARTICIPANT].astype(str),
                                   SIDE: course.table[SIDE].astype(str)})
    knees = knees.join(wide, on=[PARTICIPANT, SIDE])
    rows = []
    suppressed = 0
    for name, part in knees.groupby("course", observed=True, sort=False):
        cells = {"BML course": str(name).capitalize()}
        total = len(part)
        cells["Knees"] = format_count(total, ctx.suppress_below)
        suppressed += cells["Knees"].startswith("<")
        for visit in (first, last):
            known = part[visit].dropna() if visit in part else pd.Series(dtype=float)
            hit = int(known.astype(bool).sum())
            shown = format_count(hit, ctx.suppress_below)
            hidden = shown.startswith("<")
            suppressed += hidden
            share = ("" if hidden or not len(known)
                     else f" ({format_number(100 * hit / len(known), 0)}%)")
            cells[f"Pain at month {visit}, n (%)"] = f"{shown}{share}"
        rows.append(cells)
    order = {c: i for i, c in enumerate(("Persistent", "Resolved", "Relapsing", "Absent",
                                         "Incident"))}
    frame = pd.DataFrame(rows).sort_values("BML course", key=lambda s: s.map(order))
    return ReportTable(
        frame, f"Frequent knee pain at months {first} and {last} by the knee's BML course",
        suppressed=suppressed,
        notes=("Course over every visit; persistent, resolved and relapsing knees had a BML "
               "at baseline, absent and incident knees did not. Percentages of knees with a "
               "pain answer at that visit.",))


def pain_course_section(ctx: Context) -> Section:
    """Pain course by BML course, and within-knee pain fluctuation with BML change."""
    title = "Pain course by BML course"
    if not (ctx.cohort.has("lesion_reads") and ctx.cohort.has("knee_outcomes")):
        absent = "lesion_reads" if not ctx.cohort.has("lesion_reads") else "knee_outcomes"
        return Section("pain_course", title,
                       skipped=no_table(absent, "pain by BML course"))
    caveats: list[str] = []
    blocks: list[Any] = []
    results: list[tuple[str, Any]] = []
    table = _pain_by_course(ctx, caveats)
    if table is not None:
        blocks.append(Subheading("Pain by the knee's BML course"))
        blocks.append(table)
    design, why = attempt(_design("pain_fluctuation"), ctx.cohort, caveats=caveats,
                          **reader_option(ctx))
    if design is not None:
        rows = design.summary()
        blocks.append(Subheading("Pain fluctuation with BML change within a knee"))
        blocks.append(estimate_table(
            rows.drop(columns="analysis"), caption="Within-knee change in BML and frequent "
            "knee pain (conditional logistic regression, the knee as its own control)",
            label="BML change", notes=tuple(map(ctx.redact, design.notes))))
        blocks.append(figure(
            "pain_fluctuation",
            lambda: forest_plot(design, suppress_below=ctx.suppress_below,
                                show_counts=False),
            "Odds ratio of frequent knee pain at a visit by the knee's BML score above its "
            "own lowest (categories vs 0), with 95% intervals; trend per category.",
            width="90%"))
        results.append(("pain fluctuation", design))
    else:
        blocks.append(Paragraph(f"Pain fluctuation not estimable: {why}"))
    if not blocks:
        return Section("pain_course", title, skipped="Knees were not followed over three or "
                       "more visits with pain recorded.")
    return Section("pain_course", title, tuple(blocks), results=tuple(results),
                   caveats=tuple(caveats))


def hip_section(ctx: Context) -> Section:
    """BMES vs avascular necrosis: distinguishing features by diagnosis."""
    title = "Bone marrow edema syndrome vs avascular necrosis"
    if not ctx.cohort.has("hip_cases"):
        return Section("hip", title, skipped=no_table("hip_cases",
                                                      "the BMES vs AVN comparison"))
    caveats: list[str] = []
    design, why = attempt(_design("bmes_vs_avn"), ctx.cohort, caveats=caveats)
    if design is None:
        return Section("hip", title, skipped=f"Not estimable: {why}")
    rows = design.summary()
    features = rows[rows["analysis"].isin(["bmes", "avn"])]
    blocks: list[Any] = []
    if len(features):
        wide: dict[Any, dict[str, Any]] = {}
        for (term, diagnosis), row in features.set_index([TERM, "analysis"]).iterrows():
            cells = wide.setdefault(term, {"Feature": term})
            events = format_count(row[EVENTS], ctx.suppress_below)
            n = format_count(row[N], ctx.suppress_below)
            label = diagnosis.upper()
            cells[f"{label}: n/N"] = f"{events}/{n}"
            share, low, high = 100 * pd.to_numeric(row[[ESTIMATE, CI_LOWER, CI_UPPER]],
                                                   errors="coerce")
            cells[f"{label}: % (95% CI)"] = format_estimate(share, low, high, 0, unit="%")
            cells["p"] = row[P_VALUE]
        frame = pd.DataFrame(list(wide.values()))
        frame = frame[["Feature", "BMES: n/N", "BMES: % (95% CI)", "AVN: n/N",
                       "AVN: % (95% CI)", "p"]]
        frame[HOLM_COLUMN] = holm_cells(frame.rename(columns={"p": P_VALUE}))
        suppressed = int(sum(str(v).startswith("<") for c in ("BMES: n/N", "AVN: n/N")
                             for v in frame[c]))
        blocks.append(ReportTable(
            frame, "Features of bone marrow edema syndrome (BMES) and avascular necrosis "
            "(AVN) of the hip", suppressed=suppressed,
            notes=("p (Holm): p adjusted by Holm's method over the features compared.",
                   "Share of persons (male, bilateral) or hips (other features) with the "
                   "feature; Wilson 95% intervals; p: Fisher's exact test, BMES vs AVN.",
                   *map(ctx.redact, design.notes))))
    other = rows[~rows["analysis"].isin(["bmes", "avn"])]
    if len(other):
        blocks.append(estimate_table(other, caption="Time to resolution and edema and pain "
                                     "in avascular necrosis"))
    return Section("hip", title, tuple(blocks), results=(("BMES vs AVN", design),),
                   caveats=tuple(caveats))


#: Columns of the reproduction table shown in the report, when present.
REPRODUCTION_COLUMNS: tuple[str, ...] = ("id", "paper", "statistic", "published", "reproduced",
                                         "basis", "matched", "coverage", "width_ratio")


def reproduction_section(ctx: Context) -> Section:
    """The reproduction of published numbers (reports/reproductions.csv), when it exists.

    The headline counts only rows recomputed from published counts
    (:func:`bmecohort.reproduce.headline`); design checks on simulated data are shown with
    their coverage and width ratio, never as matches.
    """
    from .._design_store import provenance_text, read_provenance
    from ..reproduce import headline_text

    title = "Reproduction of published results"
    path = ctx.reproductions
    if path is None:
        return Section("reproductions", title, skipped="No reproduction table was given.")
    path = Path(path)
    if not path.is_file():
        return Section("reproductions", title, skipped=(
            f"The reproduction table {path.as_posix()} does not exist; run `make reproduce` "
            f"to compute it from analyses/, then rebuild the report."))
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as err:  # empty, binary or malformed CSV
        return Section("reproductions", title, skipped=(
            f"The reproduction table {path.as_posix()} could not be read as CSV "
            f"({type(err).__name__}: {err}); run `make reproduce` to write it again."))
    record = read_provenance(path)  # when and from which code the design checks were built
    shown = [c for c in REPRODUCTION_COLUMNS if c in table.columns]
    frame = table[shown] if shown else table
    for column in ("coverage", "width_ratio"):
        if column in frame.columns:
            frame = frame.assign(**{column: pd.to_numeric(frame[column], errors="coerce").map(
                format_number)})
    # the paper heads its rows (a group row) so that the statistic gets the width
    group = "paper" if "paper" in frame.columns else None
    shown_columns = [c for c in frame.columns if c != group]
    widths = tuple({"statistic": "2fr", "basis": "1fr", "reproduced": "1.3fr"}.get(c, "auto")
                   for c in shown_columns)
    return Section("reproductions", title, (
        Paragraph(f"Published statistics from the source documents ({path.as_posix()}, made "
                  f"by analyses/). Only a statistic recomputed from counts the paper printed "
                  f"can be matched. A design check simulates the published design with an "
                  f"assumed truth: it checks the estimator there, not the paper's data; its "
                  f"coverage is the share of replicates whose interval holds the published "
                  f"value (dropped replicates count as misses) and its width ratio compares "
                  f"their interval width with the published one. " + headline_text(table)
                  + (" " + provenance_text(record) if record is not None else "")),
        ReportTable(frame.rename(columns=lambda c: c.replace("_", " ").capitalize()),
                    "Published vs reproduced statistics", widths=widths,
                    group=group.capitalize() if group else None),
    ), caveats=(("The stored design checks predate changes to the code that made them "
                 "(see above): `make reproduce` rebuilds them.",)
                if record is not None and record.get("changed_inputs") else ()))
