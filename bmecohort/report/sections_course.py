"""Report sections on the knee cohort's lesions: Table 1, lesion course, time to event."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE
from .._format import format_count, format_interval
from ..course import LesionStatus, lesion_course, lesion_status, transitions
from ..estimators.survival.event_times import time_to_event
from ..estimators.survival.kaplan_meier import kaplan_meier
from ..plots import course_plot, prevalence_plot, survival_plot, transition_plot
from ..results import Accounting
from ._context import Context, attempt, figure, no_table
from .document import Paragraph, ReportTable, Section, Subheading
from .sections_followup import reader_option
from .table_one import table_one
from .tables import estimate_table

__all__ = ["course_section", "table_one_section", "time_to_event_section"]

KNEE_STATUS = "knee status"


def knee_status(ctx: Context, caveats: list[str]) -> tuple[LesionStatus | None, str | None]:
    """The knee-level BML status (largest subregion score, lesion at >= 1), computed once."""
    if not ctx.cohort.has("lesion_reads"):
        return None, no_table("lesion_reads", "knee BML status")
    return ctx.cached(KNEE_STATUS, lambda: attempt(lesion_status, ctx.cohort, unit="knee",
                                                   caveats=caveats, **reader_option(ctx)))


def _follow_up(visits: list[int], preferred: int = 24) -> int:
    """The follow-up visit of the knee designs: 24 months when read, else the second visit."""
    return preferred if preferred in visits else visits[1]


def table_one_section(ctx: Context) -> Section:
    """Table 1: persons' baseline characteristics by baseline BML status of their knees."""
    title = "Baseline characteristics (Table 1)"
    caveats: list[str] = []
    status, reason = knee_status(ctx, caveats)
    if status is None:
        return Section("table1", title, skipped=reason)
    result, reason = attempt(table_one, ctx.cohort, suppress_below=ctx.suppress_below,
                             caveats=caveats, **reader_option(ctx))
    if result is None:
        return Section("table1", title, skipped=reason)
    table, accounting = result
    return Section("table1", title, (
        Paragraph("The knee cohort: every person with a knee MRI read. Each person is counted "
                  "once, by whether any of their knees had a bone marrow lesion (BML) at "
                  "baseline; characteristics are those recorded in the participants table."),
        table), results=(("Table 1 (persons)", _Accounted(accounting)),),
        caveats=tuple(caveats))


@dataclass(frozen=True)
class _Accounted:
    """An accounting without a result (Table 1's persons), for the participant flow."""

    accounting: Accounting


def _matrix_table(change: Any, baseline: int, follow_up: int) -> ReportTable:
    matrix = change.matrix(visit_from=baseline, visit_to=follow_up)
    frame = matrix.reset_index()
    first = frame.columns[0]
    frame[first] = frame[first].map(lambda v: f"{v:g}")
    frame.columns = [f"Score at month {baseline}"] + [f"{v:g} at month {follow_up}"
                                                      for v in matrix.columns]
    return ReportTable(
        frame, f"Knee BML score (largest MOAKS BML size) at month {baseline} by score at "
        f"month {follow_up}: knees", counts=tuple(frame.columns[1:]),
        notes=("Rows: score at the first visit; columns: score at the second; knees read at "
               "both visits.",))


def _interval_notes(design: Any, suppress_below: int | None) -> tuple[str, ...]:
    """The incidence design's definitions, and its count of knees that changed and changed
    back in between, small-cell suppressed (the design's own note shows the raw count)."""
    frame = design.frame
    back = int(((frame["status_changes"] >= 2) & frame["change"].notna()).sum())
    if not back:
        return design.notes[:1]
    return (design.notes[0], f"{format_count(back, suppress_below)} knees changed BML status "
            "and changed back at visits in between; the comparison of the two visits does "
            "not count them.")


def course_section(ctx: Context) -> Section:
    """Lesion course: prevalence, transitions, incidence and resolution, course classes."""
    title = "Lesion course"
    caveats: list[str] = []
    status, reason = knee_status(ctx, caveats)
    blocks: list[Any] = []
    results: list[tuple[str, Any]] = []
    if status is not None:
        visits = status.visits
        blocks.append(Subheading("Knee bone marrow lesions"))
        blocks.append(Paragraph(
            f"Knee-level BML status: the largest BML size over the knee's subregions "
            f"({status.source}); a knee has a BML when that score is at least "
            f"{status.threshold:g}. Visits (months from baseline): "
            f"{', '.join(map(str, visits))}."))
        blocks.append(figure("prevalence", lambda: prevalence_plot(status),
                             "Share of knees with a BML at each visit (Wilson 95% intervals, "
                             "knees treated as independent).", width="80%"))
        if len(visits) >= 2:
            consecutive, _ = attempt(transitions, status, caveats=caveats)
            if consecutive is not None:
                blocks.append(figure(
                    "transitions", lambda: transition_plot(consecutive),
                    "Change of knee BML between consecutive visits: none (no BML at either "
                    "visit), incident, resolved, progressed, regressed, stable; share of "
                    "knees read at both visits.", width="85%"))
            baseline, follow_up = visits[0], _follow_up(visits)
            # the matrix cross-tabulates the two visits' reads: two visits on purpose
            pair, _ = attempt(transitions, status, baseline=baseline, follow_up=follow_up,
                              definition="two-visit", caveats=caveats)
            if pair is not None:
                blocks.append(_matrix_table(pair, baseline, follow_up))
            from ..designs import bml_incidence_resolution

            design, why = attempt(bml_incidence_resolution, ctx.cohort, baseline=baseline,
                                  follow_up=follow_up, caveats=caveats, **reader_option(ctx))
            if design is not None:
                rows = design.summary()
                blocks.append(estimate_table(
                    rows.assign(term=rows["term"].str.capitalize()).drop(columns="analysis"),
                    caption=f"BML incidence and resolution per knee, months {baseline} to "
                            f"{follow_up}", label="Outcome",
                    notes=(*map(ctx.redact, _interval_notes(design, ctx.suppress_below)),
                           "Intervals are cluster-robust (knees within persons) when persons "
                           "contribute two knees; see the method in the participant flow.")))
                results.append((f"incidence and resolution, months {baseline}-{follow_up}",
                                design))
            else:
                blocks.append(Paragraph(f"Incidence and resolution not estimable: {why}"))
        if len(visits) >= 3:
            course, why = attempt(lesion_course, status, caveats=caveats)
            if course is not None:
                blocks.append(figure(
                    "course", lambda: course_plot(course, suppress_below=ctx.suppress_below),
                    "Course of knees with a BML at baseline over every visit: persistent "
                    "(present at every later visit), resolved (gone and never back), "
                    "relapsing (gone, then back); knees with a missing read are included "
                    "when the reads they have decide the course "
                    f"({format_count(course.n_gap_classified, ctx.suppress_below)} knees). "
                    "Wilson 95% intervals.",
                    width="75%"))
                results.append(("knee BML course", course))
    else:
        blocks.append(Paragraph(f"Knee lesion course: {reason}"))
    bone = _bone_course(ctx, caveats)
    blocks.extend(bone[0])
    results.extend(bone[1])
    if not results and status is None:
        return Section("course", title, skipped=f"{reason} {bone[2] or ''}".strip())
    return Section("course", title, tuple(blocks), results=tuple(results),
                   caveats=tuple(caveats))


def _bone_course(ctx: Context, caveats: list[str]) -> tuple[list[Any], list[Any], str | None]:
    """RA bone marrow edema course per bone (design bme_course), when ra_bones exist."""
    if not ctx.cohort.has("ra_bones"):
        return [], [], no_table("ra_bones", "the course of bone marrow edema per bone")
    from ..designs import bme_course

    design, why = attempt(bme_course, ctx.cohort, caveats=caveats)
    if design is None:
        return [Paragraph(f"Bone marrow edema course per bone not estimable: {why}")], [], why
    course: Any = design.results["course"]  # a LesionCourse
    blocks = [
        Subheading("Bone marrow edema in rheumatoid arthritis"),
        Paragraph("Bone marrow edema (RAMRIS osteitis >= 1) per bone of the hand or foot, "
                  "over months " + ", ".join(map(str, course.visits)) + "."),
        figure("bone_course", lambda: course_plot(course, suppress_below=ctx.suppress_below),
               "Course of bones with edema at baseline (RA): persistent, resolved, relapsing. "
               "Wilson 95% intervals.", width="75%"),
    ]
    return blocks, [("RA bone edema course", design)], None


def time_to_event_section(ctx: Context) -> Section:
    """Time to incident BML (and to resolution) per knee, with numbers at risk."""
    title = "Time to event"
    caveats: list[str] = []
    status, reason = knee_status(ctx, caveats)
    if status is None:
        return Section("time_to_event", title, skipped=reason)
    if len(status.visits) < 2:
        return Section("time_to_event", title,
                       skipped="Knees were read at one visit only: no follow-up.")
    blocks: list[Any] = [Paragraph(
        "A BML is seen only at MRI visits, so each knee's event time is interval-censored: "
        "it lies between the last visit without the event and the first visit with it. The "
        "Kaplan-Meier curves below place each event at the midpoint of its interval, an "
        "approximation that is close when visits are frequent relative to the event rate; "
        "estimates at the scheduled visits are the least affected. For an analysis that "
        "uses the intervals as they are, see bmecohort.estimators.survival.interval_fits "
        "(Turnbull's non-parametric estimate or a Weibull model). Time is measured from "
        "each knee's baseline visit; numbers at risk are under each plot's axis.")]
    results: list[tuple[str, Any]] = []
    for event, label, ylabel in (
            ("incidence", "incident BML", "Knees free of BML"),
            ("resolution", "BML resolution", "Knees with their baseline BML")):
        blocks.append(Subheading(f"Time to {label}"))
        frame, why = attempt(time_to_event, status, event=event, caveats=caveats)
        if frame is None or not len(frame) or not frame["event"].any():
            blocks.append(Paragraph(f"Time to {label}: not estimable"
                                    + (f" ({why})" if why else " (no events).")))
            continue
        km, why = attempt(kaplan_meier, frame, duration="midpoint", event="event",
                          label="knees", caveats=caveats)
        if km is None:
            blocks.append(Paragraph(f"Time to {label}: not estimable ({why})."))
            continue
        blocks.append(figure(
            f"time_to_{event}",
            partial(survival_plot, km, ylabel=f"{ylabel} (proportion)",
                    at_risk_times=_grid(status.visits), suppress_below=ctx.suppress_below),
            f"Time to {label} per knee: Kaplan-Meier estimate (events at the midpoints of "
            f"their intervals) with pointwise 95% log(-log) intervals and numbers at risk; "
            f"{_km_variance(km)}.",
            width="85%"))
        at = km.survival_at(status.visits[1:])
        table = pd.DataFrame({
            "Month": [f"{t:g}" for t in at["time"]],
            "Estimate": at[ESTIMATE].to_numpy(float),
            "95% CI": [format_interval(a, b)
                       for a, b in zip(at[CI_LOWER], at[CI_UPPER], strict=True)],
            "At risk": at["at_risk"].to_numpy(float) if "at_risk" in at else None,
        })
        blocks.append(ReportTable(
            table, f"{ylabel} at each follow-up visit (Kaplan-Meier, midpoint convention)",
            counts=("At risk",),
            notes=(f"At risk: knees still under observation just before the month; "
                   f"{format_count(km.accounting.n_used, ctx.suppress_below)} knees, "
                   f"{format_count(km.accounting.events, ctx.suppress_below)} events. "
                   f"Intervals: log(-log), {_km_variance(km)}.",)))
        results.append((f"time to {label} (Kaplan-Meier)", km))
    return Section("time_to_event", title, tuple(blocks), results=tuple(results),
                   caveats=tuple(caveats))


def _km_variance(km: Any) -> str:
    """How a Kaplan-Meier interval's variance treats the knees of one person."""
    if km.cluster is not None:
        return ("variance robust by person (infinitesimal jackknife, as R survfit(cluster "
                "= id)): the knees of a person are not independent")
    return "Greenwood's variance"


def _grid(visits: list[int]) -> list[float]:
    """Times of the numbers at risk: the scheduled visits."""
    return [float(v) for v in visits]
