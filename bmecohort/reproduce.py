"""Reproductions of the source documents' statistics: published vs reproduced, row by row.

Every analysis in ``analyses/`` types its published numbers once (as printed, with the
literature.md section), computes what it can with bmecohort's public API, and returns rows
built here, so that every row has the same columns and the same rules. A row has one of
three bases, and only the first can be *matched*:

* (a) :data:`BASIS_COUNTS`, recomputed from published counts (:func:`count_row`,
  :func:`p_value_row`): matched when every published number equals the recomputed one at
  its printed precision, or, for a p-value printed as a bound ("P < 0.001"), when the
  recomputed p lies below it. A row whose count was itself read back from a printed
  percentage (``from_percentage=True``), or that repeats a compared estimate with another
  interval, matches by construction: it says so and ``independent`` is False, so it is not
  counted as a confirmation.
* (b) :data:`BASIS_DESIGN`, a design check on simulated data (:func:`design_row`,
  :func:`p_design_row`): the published design simulated with an assumed truth and analysed
  as published, over many replicates. It checks the estimator under that design, not the
  paper's data, so ``matched`` is always empty; the row reports the coverage of the
  published value by the replicates' intervals (unusable replicates count as misses;
  ``coverage_usable`` leaves them out), the median estimate and its bias against the
  simulator's truth, the median p-value, the share of replicates dropped and the median
  ratio of the interval width to the published one.
* (c) :data:`BASIS_NONE`, not reproducible (:func:`not_reproducible_row`), with the reason.

:func:`headline` counts only basis (a). :func:`run_all` discovers and runs every analysis
and :func:`write_reports` writes ``reproductions.csv`` and ``reproductions.md``.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from . import _design_store
from ._design_check import (
    WIDTH_BAND,
    Replication,
    Scale,
    gee_batch,
    replicate,
    replicate_batch,
    summarise,
    woolf_tables,
)
from ._files import atomic_write, write_text
from ._format import format_number
from ._printed import Published, printed_count
from ._printed import fmt as _fmt
from ._printed import within as _within
from .exceptions import AnalysisInputError

__all__ = [
    "BASIS_COUNTS",
    "BASIS_DESIGN",
    "BASIS_NONE",
    "COLUMNS",
    "WIDTH_BAND",
    "Published",
    "Replication",
    "count_row",
    "design_row",
    "discover",
    "gee_batch",
    "headline",
    "headline_text",
    "not_reproducible_row",
    "p_design_row",
    "p_value_row",
    "printed_count",
    "replicate",
    "replicate_batch",
    "reproduce",
    "run_all",
    "show",
    "woolf_tables",
    "write_reports",
]

BASIS_COUNTS = "recomputed from published counts"
BASIS_DESIGN = "design check on simulated data"
BASIS_NONE = "not reproducible"
BASES: tuple[str, ...] = (BASIS_COUNTS, BASIS_DESIGN, BASIS_NONE)
RULE_PRINTED = "equal at printed precision"
RULE_BOUND = "recomputed estimate beyond the printed bound"
RULE_RANGE = "recomputed estimate inside the printed range"
RULE_NONE = "not compared: no published value"
RULE_DESIGN = "design check: no match claimed"
RULE_NOT_REPRODUCIBLE = "not reproducible: see note"
FROM_PERCENTAGE = ("count read back from the printed percentage of the known denominator: "
                   "matches by construction, not an independent confirmation")

#: Columns of every reproduction row, in table order.
COLUMNS: tuple[str, ...] = (
    "id", "paper", "statistic", "published", "reproduced", "basis", "matched", "match_rule",
    "independent", "published_estimate", "published_ci_lower", "published_ci_upper",
    "reproduced_estimate", "reproduced_ci_lower", "reproduced_ci_upper", "replicates",
    "dropped", "coverage", "coverage_usable", "truth", "bias", "median_p", "width_ratio",
    "source", "note",
)


def _row(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
    row.update(note="", source="", published="", matched=None, independent=None)
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise AnalysisInputError(f"unknown reproduction columns {sorted(unknown)}")
    row.update(fields)
    if "reproduced" not in fields:
        est, low, high = (_fmt(float(row[c])) for c in ("reproduced_estimate",
                                                          "reproduced_ci_lower",
                                                          "reproduced_ci_upper"))
        row["reproduced"] = f"{est} ({low}-{high})" if low and high else est
    return row


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _numbers(result: Any, estimate: float | None, ci_lower: float | None,
             ci_upper: float | None) -> tuple[float, float, float]:
    if result is not None:
        return float(result.estimate), float(result.ci_lower), float(result.ci_upper)
    return tuple(math.nan if v is None else float(v)  # type: ignore[return-value]
                 for v in (estimate, ci_lower, ci_upper))


def count_row(id: str, paper: str, statistic: str, published: Published, result: Any = None,
              *, estimate: float | None = None, ci_lower: float | None = None,
              ci_upper: float | None = None, scale: float = 1.0, note: str = "",
              from_percentage: bool = False, independent: bool = True) -> dict:
    """A row recomputed from published counts (basis a), matched at the printed precision.

    Parameters
    ----------
    id, paper, statistic : str
        Row identifier (e.g. ``"1a"``), citation and what the number is.
    published : Published
        The number as printed.
    result : object with ``estimate, ci_lower, ci_upper``, optional
        The recomputation (any bmecohort scalar result); or pass the three numbers.
    estimate, ci_lower, ci_upper : float or None, default=None
        The recomputation when no ``result`` is given.
    scale : float, default=1.0
        Multiplier to the published unit (100 for a proportion printed as a percentage).
    note : str, default=""
        Why not matched, or what else the reader should know.
    from_percentage : bool, default=False
        The count was read back from the printed percentage (:func:`printed_count`): the
        row matches by construction; the note says so and ``independent`` is False.
    independent : bool, default=True
        False for a row that repeats a compared estimate (e.g. with another interval):
        it is shown but not counted by :func:`headline`.

    Returns
    -------
    dict
        One row with the columns :data:`COLUMNS`; ``matched`` is ``None`` when the paper
        printed no estimate.
    """
    reproduced = tuple(v * scale for v in _numbers(result, estimate, ci_lower, ci_upper))
    values, decimals = published.values(), published.decimals()
    special = _special(published, np.asarray([reproduced[0]]))
    if special is not None:
        rule, hits = special
        matched: bool | None = bool(hits[0])
    elif published.estimate is None:
        matched, rule = None, RULE_NONE
    else:
        matched = all(_within(r, p, d) for r, p, d in zip(reproduced, values, decimals,
                                                           strict=True) if not math.isnan(p))
        rule = RULE_PRINTED
    return _row(id=id, paper=paper, statistic=statistic, published=published.text,
                published_estimate=values[0], published_ci_lower=values[1],
                published_ci_upper=values[2], reproduced_estimate=reproduced[0],
                reproduced_ci_lower=reproduced[1], reproduced_ci_upper=reproduced[2],
                basis=BASIS_COUNTS, matched=matched, match_rule=rule,
                independent=None if matched is None else independent and not from_percentage,
                source=published.source,
                note=_join(FROM_PERCENTAGE if from_percentage else "", note))


def _special(published: Published, estimates: np.ndarray) -> tuple[str, np.ndarray] | None:
    """Matching rule and hits for a printed bound or range; ``None`` for a plain number."""
    value, low, high = published.values()
    if published.range:
        return RULE_RANGE, (low <= estimates) & (estimates <= high)
    if published.bound == "<":
        return RULE_BOUND, estimates < value
    if published.bound == ">":
        return RULE_BOUND, estimates > value
    return None


def p_value_row(id: str, paper: str, statistic: str, published: Published, p_value: float,
                *, note: str = "") -> dict:
    """A p-value recomputed from published counts (a printed bound such as "<0.01" must
    hold; a printed value must be equal at its precision)."""
    row = count_row(id, paper, statistic, published, estimate=p_value, note=note)
    row["published"] = f"P{'' if published.bound else ' = '}{published.estimate}"
    return row


def not_reproducible_row(id: str, paper: str, statistic: str, published: Published,
                         reason: str, *, estimate: float | None = None,
                         ci_lower: float | None = None, ci_upper: float | None = None,
                         reproduced: str = "") -> dict:
    """A published statistic that cannot be reproduced (basis c), with the reason.

    ``estimate, ci_lower, ci_upper`` may hold the nearest thing computed (e.g. the closest
    2x2 table), shown but never compared.
    """
    if not reason:
        raise AnalysisInputError(f"row {id}: a statistic that is not reproducible needs "
                                 f"the reason (no counts, no model published, ...)")
    row = _row(id=id, paper=paper, statistic=statistic, published=published.text,
               **dict(zip(("published_estimate", "published_ci_lower", "published_ci_upper"),
                          published.values(), strict=True)),
               reproduced_estimate=math.nan if estimate is None else float(estimate),
               reproduced_ci_lower=math.nan if ci_lower is None else float(ci_lower),
               reproduced_ci_upper=math.nan if ci_upper is None else float(ci_upper),
               basis=BASIS_NONE, matched=None, match_rule=RULE_NOT_REPRODUCIBLE,
               source=published.source, note=reason)
    if reproduced:
        row["reproduced"] = reproduced
    return row


# --- design checks ------------------------------------------------------------------------


def _design_text(numbers: Mapping[str, float]) -> str:
    """``reproduced`` of a design row: the median estimate and interval, and coverage."""
    est, low, high = (_fmt(numbers[c]) for c in ("median_estimate", "ci_lower", "ci_upper"))
    text = f"median {est} ({low}-{high})" if low and high else f"median {est}"
    if not math.isnan(numbers["coverage"]):
        text += f"; coverage {format_number(numbers['coverage'])}"
    return text


def design_row(id: str, paper: str, statistic: str, published: Published,
               replication: Replication, key: str, *, truth: float, scale: Scale = "ratio",
               multiplier: float = 1.0, note: str | Callable[[Replication], str] = "",
               width_reason: str = "") -> dict:
    """A design check on simulated data (basis b): what the estimator does in the design.

    Parameters
    ----------
    id, paper, statistic : str
        Row identifier, citation and what the number is.
    published : Published
        The number as printed (estimate ``None`` when not published).
    replication : Replication
        From :func:`replicate` or :func:`replicate_batch`.
    key : str
        Which statistic of the replication.
    truth : float
        The simulator's true value of the statistic (in the published unit; ``nan`` when
        the simulator has no closed-form truth for it).
    scale : {"ratio", "linear"}, default="ratio"
        Widths are compared on the log scale for ratios; bias is ``median / truth - 1`` for
        ratios and ``median - truth`` otherwise.
    multiplier : float, default=1.0
        From the statistic's unit to the published one (100 for a percentage).
    note : str or callable, default=""
        Design assumptions; a callable receives the replication and returns the note
        (for a note that quotes the replicates: it runs only when the row is computed).
    width_reason : str, default=""
        Why the width ratio lies outside :data:`WIDTH_BAND` (e.g. one simulation serves
        several published intervals); without it such a row's note says "no reason given".

    Returns
    -------
    dict
        One row: ``matched`` empty; ``replicates`` (all run), ``dropped`` (share not usable:
        separation, non-convergence, an infinite interval), ``coverage`` (share of all
        replicates whose interval holds the published value: dropped ones are misses),
        ``coverage_usable`` (among usable ones), ``reproduced_estimate`` (median estimate),
        ``reproduced_ci_lower/upper`` (median limits), ``truth``, ``bias``, ``median_p``
        and ``width_ratio`` (median over usable replicates of their interval width over
        the published width). For a value printed as a bound or a range the coverage asks
        whether each replicate's estimate lies beyond the bound or inside the range.
        While stored design checks are in use (``bmecohort reproduce --stored``) the
        stored row of ``id`` is returned and the replicates are not run.
    """
    stored = _design_store.stored_row(id)
    if stored is not None:
        return stored
    _design_store.computed(id)
    if callable(note):
        note = note(replication)
    runs = replication.of(key)
    pub, pub_low, pub_high = published.values()
    special = _special(published, runs["estimate"].to_numpy() * multiplier)
    # a printed range ("70-80%") is not an interval: no width to compare with
    numbers = summarise(runs, published=pub,
                        published_low=math.nan if published.range else pub_low,
                        published_high=math.nan if published.range else pub_high,
                        hits=None if special is None else special[1], truth=truth,
                        scale=scale, multiplier=multiplier)
    notes = [note]
    has_interval = not (published.range or math.isnan(pub_low) or math.isnan(pub_high))
    ratio = numbers["width_ratio"]
    if published.estimate is None and not published.range:
        notes.append("no published value: coverage not computed")
    elif not has_interval:
        notes.append("the paper printed no interval: no width ratio")
    elif not math.isnan(ratio) and not WIDTH_BAND[0] <= ratio <= WIDTH_BAND[1]:
        notes.append(f"width ratio {format_number(ratio)} outside {WIDTH_BAND[0]}-{WIDTH_BAND[1]}: "
                     f"{width_reason or 'no reason given'}")
    dropped = int(round(numbers["dropped"] * numbers["replicates"]))
    if dropped:
        notes.append(f"{dropped} of {numbers['replicates']} replicates dropped (separation, "
                     "non-convergence or an infinite interval), counted as misses")
    return _row(id=id, paper=paper, statistic=statistic, published=published.text,
                reproduced=_design_text(numbers), published_estimate=pub,
                published_ci_lower=pub_low, published_ci_upper=pub_high,
                reproduced_estimate=numbers["median_estimate"],
                reproduced_ci_lower=numbers["ci_lower"],
                reproduced_ci_upper=numbers["ci_upper"], basis=BASIS_DESIGN, matched=None,
                match_rule=RULE_DESIGN, replicates=numbers["replicates"],
                dropped=numbers["dropped"], coverage=numbers["coverage"],
                coverage_usable=numbers["coverage_usable"], truth=truth,
                bias=numbers["bias"], median_p=numbers["median_p"], width_ratio=ratio,
                source=published.source, note=_join(*notes))


def p_design_row(id: str, paper: str, statistic: str, published: Published,
                 replication: Replication, key: str, *, note: str = "") -> dict:
    """A p-value in a design check: the replicates' median p next to the published one.

    ``reproduced_estimate`` is the median p over usable replicates and
    ``reproduced_ci_lower/upper`` its 2.5% and 97.5% quantiles; ``coverage`` is left empty
    (a p-value has no interval) and the note gives the share of replicates with p < 0.05.
    Like :func:`design_row`, returns the stored row while stored design checks are in use.
    """
    stored = _design_store.stored_row(id)
    if stored is not None:
        return stored
    _design_store.computed(id)
    runs = replication.of(key)
    usable = runs[runs["usable"]]["estimate"].to_numpy()
    total = len(runs)
    median = float(np.median(usable)) if len(usable) else math.nan
    low, high = (np.quantile(usable, [0.025, 0.975]) if len(usable) else (math.nan, math.nan))
    power = float(np.mean(usable < 0.05)) if len(usable) else math.nan
    return _row(id=id, paper=paper, statistic=statistic,
                published=f"P = {published.estimate}", reproduced=f"median P {_fmt(median)}",
                published_estimate=published.values()[0], reproduced_estimate=median,
                reproduced_ci_lower=float(low), reproduced_ci_upper=float(high),
                basis=BASIS_DESIGN, matched=None, match_rule=RULE_DESIGN, replicates=total,
                dropped=(total - len(usable)) / total, median_p=median,
                source=published.source,
                note=_join(note, f"p < 0.05 in {format_number(100 * power, 0)}% of usable "
                                 f"replicates; 95% of "
                                 f"their p-values lie in {_fmt(float(low))}-"
                                 f"{_fmt(float(high))}"))


# --- the runner -----------------------------------------------------------------------------


def default_directory() -> Path:
    """``analyses/`` of the current folder, else of the source checkout holding bmecohort."""
    here = Path.cwd() / "analyses"
    return here if here.is_dir() else Path(__file__).resolve().parents[1] / "analyses"


def discover(directory: str | Path | None = None) -> list[Path]:
    """The analysis files: ``NN_*.py`` in ``directory`` (default :func:`default_directory`)."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        raise FileNotFoundError(f"analyses folder not found: {folder}; run from the source "
                                f"checkout or pass its path")
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py"))


def load(path: str | Path) -> ModuleType:
    """Import one analysis file as a module (its name: ``analyses_<stem>``)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"analyses_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AnalysisInputError(f"{path} defines no run(quick=False, seed=...) function")
    return module


def check_rows(rows: Sequence[Mapping[str, Any]], origin: str) -> pd.DataFrame:
    """The rows as a frame with :data:`COLUMNS`, or an error naming what is wrong.

    Only rows recomputed from published counts may carry ``matched``: a design check or a
    statistic that is not reproducible with a match would overclaim, and is refused.
    """
    frame = pd.DataFrame(list(rows))
    missing = [c for c in COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in COLUMNS]
    if frame.empty or missing or extra:
        raise AnalysisInputError(f"{origin}: rows must have exactly the columns {COLUMNS}; "
                                 f"missing {missing}, unexpected {extra}, {len(frame)} rows")
    bad = frame[~frame["basis"].isin(BASES)]
    if not bad.empty:
        raise AnalysisInputError(f"{origin}: rows {bad['id'].tolist()} have basis "
                                 f"{bad['basis'].tolist()}; use one of {BASES}")
    claims = frame[(frame["basis"] != BASIS_COUNTS) & frame["matched"].notna()]
    if not claims.empty:
        raise AnalysisInputError(f"{origin}: rows {claims['id'].tolist()} are not recomputed "
                                 f"from published counts but carry matched="
                                 f"{claims['matched'].tolist()}; only basis {BASIS_COUNTS!r} "
                                 f"can be matched")
    return frame[list(COLUMNS)]


def _run_one(path: Path, quick: bool, stored: Mapping[str, dict] | None
             ) -> tuple[str, pd.DataFrame, tuple[float, float], list[str], list[str],
                        list[str]]:
    start, cpu = time.perf_counter(), time.process_time()
    with _design_store.session(stored) as session:
        rows = load(path).run(quick=quick)
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    return (path.stem, check_rows(rows, path.name), seconds, session.taken,
            session.computed, _design_store.loaded_modules())


def run_all(directory: str | Path | None = None, *, quick: bool = False, n_jobs: int = 1,
            progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run every analysis and return their rows as one frame (ordered by file, then row).

    Parameters
    ----------
    directory : str, Path or None, default=None
        The analyses folder (see :func:`default_directory`).
    quick : bool, default=False
        Small settings (fewer replicates), for tests.
    n_jobs : int, default=1
        Analyses run in parallel processes (joblib; ``-1``: every core). Every analysis
        seeds its own simulations, so the table does not depend on ``n_jobs``.
    progress : callable or None, default=None
        Called with a line of text as each analysis finishes (name, rows, wall and CPU
        seconds, stored design rows used).

    Returns
    -------
    pandas.DataFrame
        The columns :data:`COLUMNS`; ``matched`` and ``independent`` are nullable booleans
        (missing outside basis (a), or when there was no published value to compare) and
        ``replicates`` a nullable integer.
    """
    return _run(discover(directory), quick=quick, n_jobs=n_jobs, progress=progress)[0]


def _run(paths: list[Path], *, quick: bool, n_jobs: int,
         progress: Callable[[str], None] | None,
         stored: Mapping[str, dict] | None = None
         ) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """:func:`run_all`'s table, with the design rows taken from ``stored`` and computed,
    and the package modules the analyses loaded."""
    if not paths:
        raise FileNotFoundError("no analyses (files named NN_*.py) found")
    if n_jobs == 1:
        results = (_run_one(path, quick, stored) for path in paths)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_run_one)(path, quick, stored) for path in paths)
    frames, taken, computed, modules = [], [], [], set()
    for name, frame, seconds, took, made, loaded in results:
        frames.append(frame)
        taken += took
        computed += made
        modules.update(loaded)
        if progress is not None:
            progress(f"{name}: {len(frame)} rows in {seconds[0]:.1f} s ({seconds[1]:.1f} s "
                     "CPU)"
                     + (f" ({len(took)} stored design rows)" if took else ""))
    table = pd.concat(frames, ignore_index=True)
    for column in ("matched", "independent"):
        table[column] = table[column].astype("boolean")
    table["replicates"] = table["replicates"].astype("Int64")
    return table, taken, computed, sorted(modules)


def _flag(values: pd.Series) -> pd.Series:
    """True/False/NA from a boolean column or its text in a CSV read as strings."""
    text = values.astype("string").str.strip().str.lower()
    return text.map({"true": True, "yes": True, "1": True, "false": False, "no": False,
                     "0": False}).astype("boolean")


def headline(table: pd.DataFrame) -> dict[str, int]:
    """The headline counts, from basis (a) only.

    Returns
    -------
    dict
        ``compared`` (independent rows recomputed from published counts with a published
        value), ``matched`` (of those, matched at the printed precision),
        ``by_construction`` (rows of basis (a) that repeat a printed percentage or a
        compared estimate: shown, not counted), ``no_value`` (basis (a) rows with nothing
        published to compare), ``design`` (basis (b) rows, never matched) and
        ``not_reproducible`` (basis (c) rows).
    """
    basis = table["basis"].astype(str) if "basis" in table else pd.Series("", table.index)
    counts = basis == BASIS_COUNTS
    matched = _flag(table["matched"]) if "matched" in table else pd.Series(
        pd.NA, table.index, dtype="boolean")
    independent = (_flag(table["independent"]).fillna(True) if "independent" in table
                   else pd.Series(True, table.index, dtype="boolean"))
    compared = counts & matched.notna()
    return {"compared": int((compared & independent).sum()),
            "matched": int((compared & independent & matched.fillna(False)).sum()),
            "by_construction": int((compared & ~independent).sum()),
            "no_value": int((counts & matched.isna()).sum()),
            "design": int((basis == BASIS_DESIGN).sum()),
            "not_reproducible": int((basis == BASIS_NONE).sum())}


def headline_text(table: pd.DataFrame) -> str:
    """The headline as a sentence: matches are counted from basis (a) only."""
    h = headline(table)
    return (f"Recomputed from published counts: {h['matched']} of {h['compared']} "
            f"independent comparisons matched at the printed precision ({h['by_construction']} "
            f"further rows repeat a printed percentage or a compared estimate and match by "
            f"construction; {h['no_value']} have no published value). Design checks on "
            f"simulated data: {h['design']} rows, which check the estimator under an assumed "
            f"design and claim no match. Not reproducible: {h['not_reproducible']} rows.")


def to_markdown(table: pd.DataFrame, *, quick: bool = False,
                provenance: Mapping[str, Any] | None = None) -> str:
    """The table as Markdown: one line per row, numbers to three significant digits."""
    def verdict(value: object) -> str:
        return "" if value is pd.NA or value is None else ("yes" if value else "no")

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")


    lines = [
        "# Reproductions of the source documents' statistics",
        "",
        "Published numbers come from `literature.md` (and the source slides); everything else "
        "is computed by `analyses/` with bmecohort. Each row has one of three bases, and only "
        "the first can be matched.",
        "",
        f"- *{BASIS_COUNTS}* (a): the statistic recomputed from counts the paper printed; "
        "matched when equal at the printed precision. Rows whose count was read back from a "
        "printed percentage match by construction and are not counted.",
        f"- *{BASIS_DESIGN}* (b): the published design simulated with an assumed truth and "
        "analysed as published, over many replicates: a simulation check of the estimator "
        "under that design, **not** a reproduction of the paper's data, and never matched. "
        "Reproduced: median estimate (median limits); coverage: share of all replicates "
        "whose interval holds the published value (dropped replicates count as misses; "
        "`coverage_usable` in the CSV leaves them out); bias: median against the simulator's "
        "truth (relative for ratios); width: median ratio of the interval width to the "
        f"published one (log scale for ratios), aimed at {WIDTH_BAND[0]}-{WIDTH_BAND[1]}.",
        f"- *{BASIS_NONE}* (c): the reason is in the note.",
        "",
        f"Settings: {'quick (few replicates)' if quick else 'full'}. {headline_text(table)}",
        *(["", _design_store.provenance_text(provenance)] if provenance else []),
        "",
        "| id | paper | statistic | published | reproduced | basis | matched | coverage "
        "(dropped) | bias | median p | width ratio | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        coverage = "" if pd.isna(row["coverage"]) else (
            f"{format_number(row['coverage'])} ({format_number(100 * row['dropped'], 0)}% of "
            f"{row['replicates']})")
        lines.append("| " + " | ".join(cell(x) for x in (
            row["id"], row["paper"], row["statistic"], row["published"],
            row["reproduced"], row["basis"], verdict(row["matched"]), coverage,
            format_number(row["bias"]), _fmt(row["median_p"]), _fmt(row["width_ratio"]),
            row["note"])) + " |")
    return "\n".join(lines) + "\n"


def write_reports(table: pd.DataFrame, out: str | Path, *, quick: bool = False,
                  provenance: Mapping[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``reproductions.csv`` (full precision) and ``reproductions.md`` into ``out``,
    and the design rows' ``provenance`` to ``reproductions.json`` when given."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    csv, md = folder / "reproductions.csv", folder / "reproductions.md"
    if provenance is not None:  # first: the table must not look newer than its provenance
        _design_store.write_provenance(folder / _design_store.PROVENANCE_NAME, provenance)
    write_text(md, to_markdown(table, quick=quick, provenance=provenance))
    with atomic_write(csv, "w", newline="") as handle:
        table.to_csv(handle, index=False, float_format="%.10g", lineterminator="\n")
    return csv, md


def reproduce(out: str | Path = "reports", *, directory: str | Path | None = None,
              quick: bool = False, n_jobs: int = 1,
              progress: Callable[[str], None] | None = None,
              stored: bool = False) -> tuple[Path, Path]:
    """Run every analysis and write the reports into ``out``; returns the table's paths.

    Parameters
    ----------
    out : str or Path, default="reports"
        Folder of ``reproductions.csv``, ``reproductions.md``, ``reproductions.json`` (the
        design rows' provenance) and the stored design checks (``design_checks.csv`` and
        its manifest ``design_checks.json``).
    directory, quick, n_jobs, progress
        As :func:`run_all`.
    stored : bool, default=False
        False: the full run, every design check simulated and fitted, then stored in
        ``out`` with when, from which code version and from which inputs (SHA-256) it was
        built. True: rows recomputed from published counts are computed now and the design
        rows are taken from the store in ``out`` (a design row missing there is computed);
        ``reproductions.json`` says when they were built and whether the analyses or the
        package modules they use changed since.
    """
    paths = discover(directory)
    folder = Path(out)
    analyses = paths[0].parent if paths else Path(".")
    if not stored:
        table, _, _, modules = _run(paths, quick=quick, n_jobs=n_jobs, progress=progress)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = _design_store.write_store(folder, table, analyses=analyses,
                                             modules=modules, quick=quick,
                                             design_basis=BASIS_DESIGN)
        taken = table.loc[table["basis"] == BASIS_DESIGN, "id"].tolist()
        record = _design_store.provenance(manifest, analyses=analyses, taken=taken,
                                          computed=[])
        return write_reports(table, folder, quick=quick, provenance=record)
    if quick:
        raise AnalysisInputError("stored design checks are the full run's: a quick run "
                                 "computes its own (drop stored or quick)")
    store = _design_store.read_store(folder)
    stored_rows, stored_manifest = store if store is not None else ({}, None)
    table, taken, computed, _ = _run(paths, quick=False, n_jobs=n_jobs, progress=progress,
                                     stored=stored_rows)
    record = _design_store.provenance(stored_manifest, analyses=analyses, taken=taken,
                                      computed=computed)
    return write_reports(table, folder, provenance=record,
                         quick=stored_manifest is not None
                         and stored_manifest["settings"] == "quick")


def show(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows of one analysis as a compact frame, for a notebook or a script."""
    frame = check_rows(list(rows), "rows")
    return frame[["id", "statistic", "published", "reproduced", "basis", "matched",
                  "coverage", "bias", "median_p", "width_ratio", "note"]]

