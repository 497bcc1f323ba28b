"""Reproductions of the source documents' statistics: published vs reproduced, row by row.

Every analysis in ``analyses/`` types its published numbers once (as printed, with the
literature.md section), computes the reproduction with bmecohort's public API, and returns
rows built here, so that every row has the same columns and the same matching rules:

* ``"published counts"``: the statistic recomputed from counts the paper printed; matched
  when every published number is equal to the reproduced one at its printed precision
  (:func:`count_row`), or, for a p-value printed as a bound ("P < 0.001"), when the
  reproduced p lies below it (:func:`p_value_row`).
* ``"design replication on simulated data"``: the published design (sample size,
  clustering, follow-up) simulated with the true effect set to the published one and
  analysed as published (:func:`replicate`, :func:`replication_row`). It checks the method
  and the design, not the paper's data: matched when the published value lies inside the
  interval of one seeded replicate; across replicates the row also reports how often the
  interval covers the published value and the mean ratio of its width to the published one.

:func:`run_all` discovers and runs every analysis and :func:`write_reports` writes
``reproductions.csv`` and ``reproductions.md``.
"""

from __future__ import annotations

import importlib.util
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._files import atomic_write, write_text
from .exceptions import AnalysisInputError, BmecohortWarning

__all__ = [
    "BASIS_COUNTS",
    "BASIS_DESIGN",
    "COLUMNS",
    "Published",
    "Replication",
    "count_row",
    "discover",
    "p_replication_row",
    "p_value_row",
    "printed_count",
    "replicate",
    "replication_row",
    "reproduce",
    "run_all",
    "show",
    "write_reports",
]

BASIS_COUNTS = "published counts"
BASIS_DESIGN = "design replication on simulated data"
RULE_PRINTED = "equal at printed precision"
RULE_BOUND = "reproduced estimate beyond the printed bound"
RULE_RANGE = "reproduced estimate inside the printed range"
RULE_INSIDE = "published value inside the reproduced interval"
RULE_P_RANGE = "published p inside the 2.5-97.5% range of replicate p-values"
RULE_NONE = "not compared: no published value"

#: Columns of every reproduction row, in table order.
COLUMNS: tuple[str, ...] = (
    "id", "paper", "statistic", "published", "reproduced", "basis", "matched", "match_rule",
    "published_estimate", "published_ci_lower", "published_ci_upper", "reproduced_estimate",
    "reproduced_ci_lower", "reproduced_ci_upper", "replicates", "coverage", "width_ratio",
    "median_estimate", "source", "note",
)
Scale = Literal["ratio", "linear"]


def _parse(text: str | None, name: str) -> tuple[float, int]:
    """A printed number and its decimal places ("15.1" -> (15.1, 1)); None -> (nan, 0)."""
    if text is None:
        return math.nan, 0
    if not isinstance(text, str):
        raise AnalysisInputError(f"{name}: type published numbers as printed strings "
                                 f"(e.g. '1.20'), got {text!r}.")
    body = text.strip().lstrip("<>")
    try:
        value = float(body)
    except ValueError:
        raise AnalysisInputError(f"{name}: cannot read {text!r} as a printed number.") from None
    return value, len(body.split(".")[1]) if "." in body else 0


@dataclass(frozen=True)
class Published:
    """A published statistic as printed: estimate and interval as strings, and its source.

    Parameters
    ----------
    estimate : str or None
        The printed estimate, e.g. ``"4.2"``, ``"14"`` (a percentage) or ``"<0.001"`` (a
        p-value bound); ``None`` when the paper printed none (literature.md: NOT FOUND).
    ci_lower, ci_upper : str or None, default=None
        The printed confidence limits.
    source : str, default=""
        Where the number comes from, e.g. ``"literature.md 1 (VERIFIED)"``.
    unit : str, default=""
        Appended when displayed, e.g. ``"%"``.
    label : str, default=""
        How it was printed when that is not a number, e.g. ``"M/F 3:1"``.
    range : bool, default=False
        ``ci_lower``-``ci_upper`` is a printed range of values ("progressive in 70-80%"),
        not a confidence interval; ``estimate`` is then ``None``.

    Notes
    -----
    An estimate printed as a bound (``"<0.001"``, ``">50"``) is matched when the
    reproduced estimate lies beyond it.
    """

    estimate: str | None
    ci_lower: str | None = None
    ci_upper: str | None = None
    source: str = ""
    unit: str = ""
    label: str = ""
    range: bool = False

    @property
    def bound(self) -> str:
        """``"<"`` or ``">"`` when the estimate is printed as a bound, else ``""``."""
        text = (self.estimate or "").strip()
        return text[0] if text[:1] in ("<", ">") else ""

    def values(self) -> tuple[float, float, float]:
        """``(estimate, ci_lower, ci_upper)`` as floats, ``nan`` where not printed."""
        return tuple(_parse(v, n)[0] for n, v in self._items())  # type: ignore[return-value]

    def decimals(self) -> tuple[int, int, int]:
        """Printed decimal places of the estimate and the limits."""
        return tuple(_parse(v, n)[1] for n, v in self._items())  # type: ignore[return-value]

    def _items(self) -> tuple[tuple[str, str | None], ...]:
        return (("estimate", self.estimate), ("ci_lower", self.ci_lower),
                ("ci_upper", self.ci_upper))

    @property
    def text(self) -> str:
        """The numbers as printed, e.g. ``"4.2 (1.2-15.1)"``; ``""`` when none."""
        if self.label:
            return self.label
        if self.range:
            return f"{self.ci_lower}-{self.ci_upper}{self.unit}"
        if self.estimate is None:
            return ""
        out = f"{self.estimate}{self.unit}"
        if self.ci_lower is not None and self.ci_upper is not None:
            out += f" ({self.ci_lower}-{self.ci_upper})"
        return out


def _within(value: float, published: float, decimals: int) -> bool:
    """``|value - published| <= half a unit of the last printed digit`` (either tie rule)."""
    return bool(abs(value - published) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9))


def _fmt(value: float) -> str:
    """Three significant digits; scientific below 0.001; ``""`` for nan."""
    if value is None or math.isnan(value):
        return ""
    if value != 0 and abs(value) < 0.001:
        return f"{value:.1e}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _row(**fields: Any) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS, math.nan)
    row.update(note="", source="", published="", matched=None)
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise AnalysisInputError(f"unknown reproduction columns {sorted(unknown)}")
    row.update(fields)
    est, low, high = (_fmt(float(row[c])) for c in ("reproduced_estimate",
                                                      "reproduced_ci_lower",
                                                      "reproduced_ci_upper"))
    row["reproduced"] = f"{est} ({low}-{high})" if low and high else est
    return row


def _numbers(result: Any, estimate: float | None, ci_lower: float | None,
             ci_upper: float | None) -> tuple[float, float, float]:
    if result is not None:
        return float(result.estimate), float(result.ci_lower), float(result.ci_upper)
    return tuple(math.nan if v is None else float(v)  # type: ignore[return-value]
                 for v in (estimate, ci_lower, ci_upper))


def count_row(id: str, paper: str, statistic: str, published: Published, result: Any = None,
              *, estimate: float | None = None, ci_lower: float | None = None,
              ci_upper: float | None = None, scale: float = 1.0, note: str = "") -> dict:
    """A row reproduced from published counts, matched at the printed precision.

    Parameters
    ----------
    id, paper, statistic : str
        Row identifier (e.g. ``"1a"``), citation and what the number is.
    published : Published
        The number as printed.
    result : object with ``estimate, ci_lower, ci_upper``, optional
        The reproduction (any bmecohort scalar result); or pass the three numbers.
    estimate, ci_lower, ci_upper : float or None, default=None
        The reproduction when no ``result`` is given.
    scale : float, default=1.0
        Multiplier to the published unit (100 for a proportion printed as a percentage).
    note : str, default=""
        Why not matched, or what else the reader should know.

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
                source=published.source, note=note)


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
    """A p-value reproduced from published counts (a printed bound such as "<0.01" must
    hold; a printed value must be equal at its precision)."""
    row = count_row(id, paper, statistic, published, estimate=p_value, note=note)
    row["published"] = f"P{'' if published.bound else ' = '}{published.estimate}"
    return row


def printed_count(percent: str, n: int) -> np.ndarray:
    """Every count ``k`` of ``n`` whose percentage rounds to the printed ``percent``.

    >>> printed_count("35.9", 351).tolist()
    [126]
    """
    value, decimals = _parse(percent, "percent")
    k = np.arange(n + 1)
    return k[np.abs(100.0 * k / n - value) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9)]


# --- design replications ----------------------------------------------------------------


@dataclass(frozen=True)
class Replication:
    """Every replicate's estimates of a design replication.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per replicate and statistic: ``replicate`` (0 is the seeded one), ``seed``,
        ``key``, ``estimate``, ``ci_lower``, ``ci_upper``, ``usable`` (see
        :func:`replicate`) and ``warnings`` (bmecohort warning classes raised).
    replicates : int
        Number of replicates run.
    seed : int
        Seed of replicate 0; replicate ``i`` uses ``seed + i``.
    """

    runs: pd.DataFrame
    replicates: int
    seed: int

    def of(self, key: str) -> pd.DataFrame:
        """The rows of one statistic."""
        return self.runs[self.runs["key"] == key]


def replicate(fit: Callable[[int], Mapping[str, tuple]], *, seed: int,
              replicates: int) -> Replication:
    """Run ``fit(seed + i)`` for ``i < replicates`` and collect every statistic.

    ``fit`` simulates the design with the given seed, analyses it as published and returns
    ``{key: (estimate, ci_lower, ci_upper)}``, or ``(estimate, ci_lower, ci_upper, usable)``
    when it judges a statistic's usability itself (e.g. a separated covariate does not
    spoil the exposure's odds ratio). bmecohort warnings raised inside a replicate
    (separation, non-convergence, sparse cells) are recorded, not raised; unless ``fit``
    says otherwise, a statistic is not usable when its replicate raised a separation or
    convergence warning or when it is not finite.
    """
    if replicates < 1:
        raise AnalysisInputError(f"replicates must be at least 1, got {replicates}")
    records = []
    for i in range(replicates):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", BmecohortWarning)
            stats = fit(seed + i)
        names = sorted({type(w.message).__name__ for w in caught
                        if issubclass(w.category, BmecohortWarning)})
        fatal = any(n in ("SeparationWarning", "ConvergenceWarning") for n in names)
        for key, value in stats.items():
            est, low, high, *judged = value
            # a statistic may have no interval (both limits nan), never an infinite one
            limits = np.array([low, high], dtype=float)
            finite = bool(np.isfinite(est) and (np.isfinite(limits).all()
                                                or np.isnan(limits).all()))
            usable = bool(judged[0]) if judged else not fatal
            records.append({"replicate": i, "seed": seed + i, "key": key, "estimate": est,
                            "ci_lower": low, "ci_upper": high,
                            "usable": finite and usable, "warnings": ", ".join(names)})
    return Replication(runs=pd.DataFrame(records), replicates=replicates, seed=seed)


def _width(low: Any, high: Any, scale: Scale) -> Any:
    if scale == "ratio":
        return np.log(high) - np.log(low)
    return high - low


def replication_row(id: str, paper: str, statistic: str, published: Published,
                    replication: Replication, key: str, *, scale: Scale = "ratio",
                    multiplier: float = 1.0, note: str = "") -> dict:
    """A design-replication row: the seeded replicate and the coverage across replicates.

    Parameters
    ----------
    id, paper, statistic : str
        Row identifier, citation and what the number is.
    published : Published
        The number as printed (estimate ``None`` when not published).
    replication : Replication
        From :func:`replicate`.
    key : str
        Which statistic of the replication.
    scale : {"ratio", "linear"}, default="ratio"
        Interval widths are compared on the log scale for ratios, as they are.
    multiplier : float, default=1.0
        To the published unit (100 for a percentage).
    note : str, default=""
        Design assumptions, or why not matched.

    Returns
    -------
    dict
        One row: the seeded replicate's estimate and interval, ``matched`` (the published
        value inside that interval), ``coverage`` (share of usable replicates whose interval
        holds the published value), ``width_ratio`` (mean width over the published width),
        ``median_estimate`` over usable replicates and ``replicates`` (usable ones). For a
        value printed as a bound or a range, ``matched`` and ``coverage`` ask whether the
        seeded and each replicate's *estimate* lies beyond the bound or inside the range.
    """
    runs = replication.of(key)
    if runs.empty:
        raise AnalysisInputError(f"no statistic {key!r} in the replication; keys are "
                                 f"{sorted(replication.runs['key'].unique())}")
    usable = runs[runs["usable"]]
    first = runs[runs["replicate"] == runs["replicate"].min()].iloc[0]
    est, low, high = (float(first[c]) * multiplier for c in ("estimate", "ci_lower",
                                                             "ci_upper"))
    pub, pub_low, pub_high = published.values()
    lows = usable["ci_lower"].to_numpy() * multiplier
    highs = usable["ci_upper"].to_numpy() * multiplier
    notes = [note] if note else []
    special = _special(published, np.asarray([est, *(usable["estimate"] * multiplier)]))
    matched: bool | None
    if special is not None:
        rule, hits = special
        matched = bool(hits[0])
        coverage = float(np.mean(hits[1:])) if len(usable) else math.nan
    elif math.isnan(pub):
        matched, rule, coverage = None, RULE_NONE, math.nan
    else:
        matched, rule = bool(low <= pub <= high), RULE_INSIDE
        coverage = float(np.mean((lows <= pub) & (pub <= highs))) if len(usable) else math.nan
    if not first["usable"]:
        notes.append(f"the seeded replicate was not usable ({first['warnings'] or 'non-finite'})")
    ratio = math.nan
    if not (published.range or math.isnan(pub_low) or math.isnan(pub_high)) and len(usable):
        ratio = float(np.mean(_width(lows, highs, scale) / _width(pub_low, pub_high, scale)))
    dropped = len(runs) - len(usable)
    if dropped:
        notes.append(f"{dropped} of {len(runs)} replicates not usable (separation, "
                     f"non-convergence or an infinite interval) and left out")
    return _row(id=id, paper=paper, statistic=statistic, published=published.text,
                published_estimate=pub, published_ci_lower=pub_low, published_ci_upper=pub_high,
                reproduced_estimate=est, reproduced_ci_lower=low, reproduced_ci_upper=high,
                basis=BASIS_DESIGN, matched=matched, match_rule=rule,
                replicates=len(usable), coverage=coverage, width_ratio=ratio,
                median_estimate=float(usable["estimate"].median() * multiplier)
                if len(usable) else math.nan,
                source=published.source, note="; ".join(notes))


def p_replication_row(id: str, paper: str, statistic: str, published: Published,
                      replication: Replication, key: str, *, note: str = "") -> dict:
    """A p-value of a design replication: the seeded replicate's p, the replicates' range.

    ``reproduced_ci_lower/upper`` hold the 2.5% and 97.5% quantiles of the usable
    replicates' p-values; matched when the published p lies in that range.
    """
    runs = replication.of(key)
    usable = runs[runs["usable"]]["estimate"].to_numpy()
    first = float(runs.iloc[0]["estimate"])
    low, high = (np.quantile(usable, [0.025, 0.975]) if len(usable) else (math.nan, math.nan))
    pub = published.values()[0]
    return _row(id=id, paper=paper, statistic=statistic,
                published=f"P = {published.estimate}", published_estimate=pub,
                reproduced_estimate=first, reproduced_ci_lower=float(low),
                reproduced_ci_upper=float(high), basis=BASIS_DESIGN,
                matched=bool(low <= pub <= high), match_rule=RULE_P_RANGE,
                replicates=len(usable),
                coverage=float(np.mean(usable < 0.05)) if len(usable) else math.nan,
                median_estimate=float(np.median(usable)) if len(usable) else math.nan,
                source=published.source,
                note="; ".join(x for x in (note, "coverage column: share of replicates with "
                                                 "p < 0.05 (power)") if x))


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
    """The rows as a frame with :data:`COLUMNS`, or an error naming what is wrong."""
    frame = pd.DataFrame(list(rows))
    missing = [c for c in COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in COLUMNS]
    if frame.empty or missing or extra:
        raise AnalysisInputError(f"{origin}: rows must have exactly the columns {COLUMNS}; "
                                 f"missing {missing}, unexpected {extra}, {len(frame)} rows")
    bad = frame[~frame["basis"].isin([BASIS_COUNTS, BASIS_DESIGN])]
    if not bad.empty:
        raise AnalysisInputError(f"{origin}: rows {bad['id'].tolist()} have basis "
                                 f"{bad['basis'].tolist()}; use BASIS_COUNTS or BASIS_DESIGN")
    return frame[list(COLUMNS)]


def _run_one(path: Path, quick: bool) -> tuple[str, pd.DataFrame, float]:
    start = time.perf_counter()
    rows = load(path).run(quick=quick)
    return path.stem, check_rows(rows, path.name), time.perf_counter() - start


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
        Called with a line of text as each analysis finishes (name, rows, seconds).

    Returns
    -------
    pandas.DataFrame
        The columns :data:`COLUMNS`; ``matched`` is a nullable boolean (missing when there
        was no published value to compare) and ``replicates`` a nullable integer.
    """
    paths = discover(directory)
    if not paths:
        raise FileNotFoundError("no analyses (files named NN_*.py) found")
    if n_jobs == 1:
        results = (_run_one(path, quick) for path in paths)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_run_one)(path, quick) for path in paths)
    frames = []
    for name, frame, seconds in results:
        frames.append(frame)
        if progress is not None:
            progress(f"{name}: {len(frame)} rows in {seconds:.1f} s")
    table = pd.concat(frames, ignore_index=True)
    table["matched"] = table["matched"].astype("boolean")
    table["replicates"] = table["replicates"].astype("Int64")
    return table


def to_markdown(table: pd.DataFrame, *, quick: bool = False) -> str:
    """The table as Markdown: one line per row, numbers to three significant digits."""
    def verdict(value: object) -> str:
        return "n/a" if value is pd.NA or value is None else ("yes" if value else "no")

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        "# Reproductions of the source documents' statistics",
        "",
        "Published numbers come from `literature.md` (and the source slides); reproduced ones "
        "are computed by `analyses/` with bmecohort. Basis *published counts*: recomputed from "
        "counts the paper printed, matched at the printed precision. Basis *design replication "
        "on simulated data*: the published design simulated with the published effect as the "
        "truth; it checks the method and the design, **not** the paper's data. Matched: the "
        "published value lies inside the seeded replicate's interval; coverage: share of "
        "replicates whose interval holds it; width ratio: mean interval width over the "
        "published width (log scale for ratios).",
        "",
        f"Settings: {'quick (few replicates)' if quick else 'full'}; "
        f"{int(table['matched'].eq(True).sum())} of {int(table['matched'].notna().sum())} "
        f"compared rows matched.",
        "",
        "| id | paper | statistic | published | reproduced | basis | matched | rule | "
        "coverage (R) | width ratio | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        coverage = ("" if pd.isna(row["coverage"])
                    else f"{row['coverage']:.2f} ({row['replicates']})")
        lines.append("| " + " | ".join(cell(x) for x in (
            row["id"], row["paper"], row["statistic"], row["published"],
            row["reproduced"], row["basis"], verdict(row["matched"]), row["match_rule"],
            coverage, _fmt(row["width_ratio"]), row["note"])) + " |")
    return "\n".join(lines) + "\n"


def write_reports(table: pd.DataFrame, out: str | Path, *, quick: bool = False
                  ) -> tuple[Path, Path]:
    """Write ``reproductions.csv`` (full precision) and ``reproductions.md`` into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    csv, md = folder / "reproductions.csv", folder / "reproductions.md"
    with atomic_write(csv, "w", newline="") as handle:
        table.to_csv(handle, index=False, float_format="%.10g", lineterminator="\n")
    write_text(md, to_markdown(table, quick=quick))
    return csv, md


def reproduce(out: str | Path = "reports", *, directory: str | Path | None = None,
              quick: bool = False, n_jobs: int = 1,
              progress: Callable[[str], None] | None = None) -> tuple[Path, Path]:
    """Run every analysis (:func:`run_all`) and write the two reports; returns their paths."""
    table = run_all(directory, quick=quick, n_jobs=n_jobs, progress=progress)
    return write_reports(table, out, quick=quick)


def show(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows of one analysis as a compact frame, for a notebook or a script."""
    frame = check_rows(list(rows), "rows")
    return frame[["id", "statistic", "published", "reproduced", "basis", "matched",
                  "coverage", "width_ratio", "note"]]

