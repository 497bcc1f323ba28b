"""Table 1: baseline characteristics of persons, by baseline BML status of their knees.

Counts persons, not rows: each person appears once, in the group "BML in any knee" when at
least one knee read at baseline has a BML, else "No BML". Persons whose knees were not read
(or not assessable) at baseline are counted as excluded.
"""

from __future__ import annotations

import pandas as pd

from .._columns import PARTICIPANT, PRESENT, VISIT
from .._format import format_count, format_number, is_missing
from ..cohort import Cohort
from ..course import lesion_status
from ..results import Accounting
from .document import ReportTable

__all__ = ["GROUPS", "baseline_characteristics", "table_one"]

#: Column groups of Table 1, in display order.
GROUPS: tuple[str, ...] = ("BML in any knee", "No BML", "All")
CHARACTERISTIC = "characteristic"
GROUP = "group"
STATISTIC = "statistic"
COUNT = "count"
PERCENT = "percent"
MEAN = "mean"
SD = "sd"


def baseline_characteristics(cohort: Cohort, *, visit: int = 0, threshold: float = 1,
                             reader: str | None = None) -> tuple[pd.DataFrame, Accounting]:
    """Persons' baseline characteristics by baseline BML status of their knees.

    Parameters
    ----------
    cohort : Cohort
        A cohort with knee ``lesion_reads`` and ``participants`` (``age``, ``sex``,
        optionally ``bmi``).
    visit : int, default=0
        The baseline visit (nominal month).
    threshold : float, default=1
        Knee BML score (largest over its subregions) counted as a BML.
    reader : str or None, default=None
        The reader or reader policy (:func:`bmecohort.lesion_status`).

    Returns
    -------
    table : pandas.DataFrame
        Tidy rows ``characteristic, statistic, group, count, percent, mean, sd``:
        ``statistic`` is ``"n"`` (persons, knees), ``"n (%)"`` (female; ``count`` and
        ``percent`` of the group's persons) or ``"mean (SD)"`` (age, BMI over persons with
        a value; ``count`` = persons with a value); ``group`` one of :data:`GROUPS`.
    accounting : Accounting
        Persons with knee reads, persons used, persons with a BML (events), and the
        exclusion of persons with no assessable knee read at ``visit``.

    Examples
    --------
    >>> from bmecohort.simulate import demo_cohort
    >>> table, accounting = baseline_characteristics(demo_cohort(size="small"))
    >>> table["group"].unique().tolist()
    ['BML in any knee', 'No BML', 'All']
    """
    status = lesion_status(cohort, unit="knee", threshold=threshold, reader=reader)
    table = status.table
    persons_with_reads = table[PARTICIPANT].astype(str).nunique()
    base = table.loc[(table[VISIT] == visit) & table[PRESENT].notna(), [PARTICIPANT, PRESENT]]
    base = base.assign(**{PARTICIPANT: base[PARTICIPANT].astype(str),
                          PRESENT: base[PRESENT].astype(bool)})
    persons = base.groupby(PARTICIPANT, sort=True).agg(bml=(PRESENT, "any"),
                                                       knees=(PRESENT, "size"))
    participants = cohort.participants.assign(
        **{PARTICIPANT: cohort.participants[PARTICIPANT].astype(str)}).set_index(PARTICIPANT)
    wanted = [c for c in ("age", "sex", "bmi") if c in participants.columns]
    persons = persons.join(participants[wanted], how="left")
    persons["female"] = persons["sex"].astype(str).eq("F") if "sex" in persons else False
    groups = {
        GROUPS[0]: persons[persons["bml"]],
        GROUPS[1]: persons[~persons["bml"]],
        GROUPS[2]: persons,
    }
    rows: list[dict[str, object]] = []
    for name, part in groups.items():
        size = len(part)
        rows.append({CHARACTERISTIC: "Persons", STATISTIC: "n", GROUP: name, COUNT: size})
        rows.append({CHARACTERISTIC: "Knees read at baseline", STATISTIC: "n", GROUP: name,
                     COUNT: int(part["knees"].sum())})
        for column, label in (("age", "Age, years"), ("bmi", "BMI, kg/m²")):
            if column not in part:
                continue
            values = pd.to_numeric(part[column], errors="coerce").dropna()
            rows.append({CHARACTERISTIC: label, STATISTIC: "mean (SD)", GROUP: name,
                         COUNT: len(values), MEAN: values.mean() if len(values) else None,
                         SD: values.std(ddof=1) if len(values) > 1 else None})
        if "sex" in part:
            female = int(part["female"].sum())
            rows.append({CHARACTERISTIC: "Female", STATISTIC: "n (%)", GROUP: name,
                         COUNT: female, PERCENT: 100 * female / size if size else None})
    frame = pd.DataFrame(rows, columns=[CHARACTERISTIC, STATISTIC, GROUP, COUNT, PERCENT,
                                        MEAN, SD])
    excluded = persons_with_reads - len(persons)
    accounting = Accounting(
        unit="person", n_rows=persons_with_reads, n_used=len(persons),
        events=int(persons["bml"].sum()),
        excluded=((f"no assessable knee read at visit {visit}", excluded),) if excluded
        else ())
    return frame, accounting


def table_one(cohort: Cohort, *, visit: int = 0, suppress_below: int | None = None,
              reader: str | None = None) -> tuple[ReportTable, Accounting]:
    """Table 1 for the report: one row per characteristic, one column per group.

    Parameters
    ----------
    cohort : Cohort
        See :func:`baseline_characteristics`.
    visit : int, default=0
        The baseline visit.
    reader : str or None, default=None
        The reader or reader policy of the knees' BML status
        (:func:`bmecohort.lesion_status`).
    suppress_below : int or None, default=None
        Counts ``0 < n < suppress_below`` are shown as ``"<k"`` (and their percentages
        withheld, since they would reveal the count); a mean (SD) over fewer than
        ``suppress_below`` persons is withheld too, as it is near their own values.

    Returns
    -------
    table : ReportTable
        Display table (cells already formatted; ``suppressed`` counts the cells hidden).
    accounting : Accounting
        As :func:`baseline_characteristics`.

    Examples
    --------
    >>> from bmecohort import table_one
    >>> from bmecohort.simulate import knee_cohort
    >>> table, accounting = table_one(knee_cohort(60, seed=1))
    >>> list(table.frame.columns)
    ['Characteristic', 'BML in any knee', 'No BML', 'All']
    >>> table.frame["Characteristic"].iloc[0], accounting.unit, accounting.n_used
    ('Persons, n', 'person', 60)
    """
    frame, accounting = baseline_characteristics(cohort, visit=visit, reader=reader)
    suppressed = 0
    cells: dict[tuple[str, str], str] = {}
    order: list[str] = []
    for row in frame.to_dict("records"):
        label = f"{row[CHARACTERISTIC]}, {row[STATISTIC]}"
        if label not in order:
            order.append(label)
        count = row[COUNT]
        shown = format_count(count, suppress_below)
        hidden = shown.startswith("<")
        suppressed += hidden
        if row[STATISTIC] == "n (%)":
            percent = format_number(row[PERCENT], 1)
            text = shown if hidden or not percent else f"{shown} ({percent})"
        elif row[STATISTIC] == "mean (SD)":
            if hidden:  # the mean of fewer than k persons is close to their own values
                text = f"n{shown}, not shown"
            elif is_missing(row[MEAN]):
                text = "" if not count else f"n={shown}"
            else:
                sd = format_number(row[SD], 1)
                text = format_number(row[MEAN], 1) + (f" ({sd})" if sd else "")
        else:
            text = shown
        cells[(label, str(row[GROUP]))] = text
    display = pd.DataFrame(
        [[label, *[cells.get((label, g), "") for g in GROUPS]] for label in order],
        columns=["Characteristic", *GROUPS])
    n_missing = frame[(frame[STATISTIC] == "mean (SD)") & (frame[GROUP] == GROUPS[2])]
    persons = int(frame.loc[(frame[CHARACTERISTIC] == "Persons") & (frame[GROUP] == GROUPS[2]),
                            COUNT].iloc[0])
    notes = [f"Persons, not knees: a person is in \"{GROUPS[0]}\" when any knee read at "
             f"visit {visit} has a BML (largest subregion score >= 1)."]
    for row in n_missing.to_dict("records"):
        if row[COUNT] < persons:
            missing = format_count(persons - int(row[COUNT]), suppress_below)
            notes.append(f"{row[CHARACTERISTIC]}: missing for {missing} person(s).")
    for reason, count in accounting.excluded:
        notes.append(f"Not included: {format_count(count, suppress_below)} person(s) with "
                     f"{reason}.")
    table = ReportTable(frame=display, caption="Baseline characteristics of persons by "
                        "baseline BML status (Table 1)", notes=tuple(notes),
                        suppressed=suppressed, widths=("1fr", "auto", "auto", "auto"))
    return table, accounting
