"""Importer for OAI-style wide MOAKS files (the ``kMRI_SQ_MOAKS_BICLxx`` layout).

The Osteoarthritis Initiative distributes its MOAKS reads as pipe-delimited ASCII files with
one row per knee per reading project (``ID``, ``SIDE``, ``READPRJ``) and one column per visit,
item and subregion: ``V{vv}MBM{S|N|P}{subregion}``, e.g. ``V00MBMSFMC`` (BML size, femur
medial central, visit code 00). Values arrive as coded strings such as ``"2: 2"`` or ``"2"``;
missing values as ``".: Missing Form/Incomplete Workbook"`` or ``".A: Not Expected"``.
:func:`read_oai_moaks` turns such files into the long ``lesion_reads`` table. The format was
reproduced from public analysis code (see ``domain.md`` 1.3); the tests use synthetic
fixtures only.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from ..exceptions import CohortValidationError, DataQualityWarning
from ..scoring import KNEE_SUBREGIONS
from ..validation._failures import render
from .dialect import read_delimited, shown_name
from .statfiles import STAT_FORMATS, read_stat_file

__all__ = ["OAI_ITEMS", "read_oai_moaks", "parse_oai_codes"]

#: The letter after ``MBM`` -> the MOAKS item in ``lesion_reads``.
OAI_ITEMS: MappingProxyType[str, str] = MappingProxyType(
    {"S": "bml_size", "N": "bml_number", "P": "bml_percent"})

_COLUMN = re.compile(r"^V(?P<visit>\d{2})MBM(?P<item>[SNP])(?P<site>[A-Z]+)$")
#: Missing codes: "." or ".A" ... optionally followed by ": label".
_MISSING = r"^\.[A-Z]?\s*(?::.*)?$"
#: A number, optionally followed by ": label" (OAI coded values such as "2: 2").
_NUMBER = r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?::.*)?$"
_DEFAULT_SIDES: MappingProxyType[int, str] = MappingProxyType({1: "R", 2: "L"})
_OUTPUT_COLUMNS = ("participant_id", "visit", "joint", "side", "system", "item", "site",
                   "reader", "score", "read_project")

Source: TypeAlias = str | os.PathLike[str] | pd.DataFrame


def parse_oai_codes(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse OAI coded values into numbers.

    Parameters
    ----------
    values : pandas.Series
        Raw values: numbers, numeric text (``"2"``, ``"0.5"``), coded text (``"2: 2"``,
        ``"1: Right"``) or missing codes (``"."``, ``".: Missing Form/Incomplete Workbook"``,
        ``".A: Not Expected"``, empty).

    Returns
    -------
    numbers : pandas.Series of float
        The leading number of each value; missing codes and empty values become NaN.
    unparseable : numpy.ndarray of bool
        Values that are neither a number, a coded number nor a missing code.

    Examples
    --------
    >>> import pandas as pd
    >>> numbers, bad = parse_oai_codes(pd.Series(["2: 2", "0.5", ".A: Not Expected", "x"]))
    >>> numbers.tolist()[:2], bad.tolist()
    ([2.0, 0.5], [False, False, False, True])
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float), np.zeros(len(values), dtype=bool)
    # Parse each distinct value once: OAI columns hold a handful of codes.
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).map(str).str.strip()
    number = pd.to_numeric(text.str.extract(_NUMBER, expand=False), errors="coerce")
    missing = text.str.match(_MISSING) | (text == "")
    bad_unique = (number.isna() & ~missing).to_numpy()
    safe = np.where(codes >= 0, codes, 0)
    numbers = np.where(codes >= 0, number.to_numpy(dtype=float)[safe] if len(uniques) else
                       np.nan, np.nan)
    unparseable = (codes >= 0) & (bad_unique[safe] if len(uniques) else False)
    return pd.Series(numbers, index=values.index, dtype=float), np.asarray(unparseable)


def _visit_code(key: str | int) -> str:
    text = str(key).strip().upper().removeprefix("V")
    if not text.isdigit():
        raise ValueError(f"visit_months: {key!r} is not an OAI visit code (e.g. 'V00', 'V01')")
    return f"{int(text):02d}"


def _months(visit_months: Mapping[str | int, int | None]) -> dict[str, int | None]:
    if not isinstance(visit_months, Mapping) or not visit_months:
        raise TypeError("visit_months must map OAI visit codes to months from baseline, e.g. "
                        "{'V00': 0, 'V01': 12}; the mapping is study-specific (domain.md 1.3)")
    months: dict[str, int | None] = {}
    for key, month in visit_months.items():
        code = _visit_code(key)
        if month is not None and (not float(month).is_integer() or month < 0):
            raise ValueError(f"visit_months[{key!r}] = {month!r}: months must be whole "
                             f"numbers >= 0 (or None to skip the visit)")
        months[code] = None if month is None else int(month)
    given = [m for m in months.values() if m is not None]
    if len(given) != len(set(given)):
        raise ValueError(f"visit_months maps two visit codes to the same month: {visit_months}")
    return months


def _text(values: pd.Series) -> pd.Series:
    """Stripped text with missing values kept missing (IDs and READPRJ codes)."""
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        # Numeric IDs read with missing values arrive as floats: 1000001.0 -> "1000001".
        values = values.astype("Int64")
    return values.astype("string").str.strip().astype(object).where(values.notna(), None)


def _read_source(source: Source, problems: _Problems) -> tuple[pd.DataFrame | None, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), "<DataFrame>"
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"OAI file not found: {shown_name(str(path))}")
    name = shown_name(path.name)
    if path.suffix.lower() in STAT_FORMATS:
        # OAI's SAS files (and Stata/SPSS exports) hold the codes as numbers (SIDE 1/2,
        # special missing .A as missing): the stored values, without their labels.
        problems.binary.add(name)
        try:
            return read_stat_file(path, raw=True), name
        except ValueError as err:
            problems.add_table(name, None, f"readable file: could not be read ({err})")
            return None, name
    # Everything as text, only empty fields missing: the codes are parsed (and unparseable
    # values reported) below. The dialect checks (UTF-8, '|' delimiter, duplicated headers,
    # field counts, a truncated last row) are those of cohort folders.
    read = read_delimited(path, delimiter="|", dtype=str, text_keys=True)
    for problem in read.problems:
        rows = [line - 2 for line in problem.lines if line >= 2]
        if rows:
            problems.add(name, problem.column or "", rows,
                         problem.values or [None] * len(rows), problem.rule)
        else:
            problems.add_table(name, problem.column, problem.rule)
    return read.frame, name


class _Problems:
    """Failures of one import, with file and line, raised together at the end."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        #: Sources without lines (SAS, Stata, SPSS files): their ``line`` stays empty.
        self.binary: set[str] = set()

    def add(self, name: str, column: str, index: pd.Index | Sequence[object],
            values: Iterable[object], rule: str) -> None:
        rows = list(index)
        is_file = name != "<DataFrame>"
        has_lines = is_file and name not in self.binary
        self.parts.append(pd.DataFrame({
            "table": name, "column": column, "row": pd.Series(rows, dtype=object),
            "value": pd.Series(list(values), dtype=object), "rule": rule,
            "file": name if is_file else None,
            "line": pd.array([r + 2 if has_lines else None for r in rows], dtype="Int64"),
        }))

    def add_table(self, name: str, column: str | None, rule: str) -> None:
        self.parts.append(pd.DataFrame({
            "table": [name], "column": [column], "row": [None], "value": [None],
            "rule": [rule], "file": [name if name != "<DataFrame>" else None],
            "line": pd.array([None], dtype="Int64")}))

    def raise_if_any(self) -> None:
        if not self.parts:
            return
        cases = pd.concat(self.parts, ignore_index=True)
        raise CohortValidationError(
            "cannot import the OAI MOAKS file: " + render(cases)
            + "\n  (row is the 0-based data row; line = row + 2 in a text file, observation "
              "= row + 1 in a SAS, Stata or SPSS file)", cases)


def _wide_to_long(frame: pd.DataFrame, name: str, months: dict[str, int | None],
                  side_map: Mapping[int, str], reader: str, problems: _Problems
                  ) -> pd.DataFrame | None:
    frame = frame.rename(columns=lambda c: str(c).strip().upper())
    twice = sorted(set(frame.columns[frame.columns.duplicated()]))
    for column in twice:
        problems.add_table(name, column, "duplicated column: names that differ only in case "
                                         "or surrounding spaces are the same column; keep one")
    if twice:
        return None
    for column in ("ID", "SIDE"):
        if column not in frame.columns:
            problems.add_table(name, column, "required column: OAI MOAKS files have ID and "
                                             "SIDE columns")
    matches = {c: _COLUMN.match(c) for c in frame.columns if "MBM" in c}
    unknown = [c for c, m in matches.items() if m is None or m["site"] not in KNEE_SUBREGIONS]
    for column in unknown:
        problems.add_table(name, column, f"MOAKS column: not V{{vv}}MBM{{S|N|P}}{{subregion}} "
                                         f"with a subregion in {list(KNEE_SUBREGIONS)}")
    parsed = {c: m for c, m in matches.items() if m is not None and c not in unknown}
    if not parsed:
        problems.add_table(name, None, "MOAKS column: no BML column V{vv}MBM{S|N|P}{subregion} "
                                       "(e.g. V00MBMSFMC) in the file")
    if "ID" not in frame.columns or "SIDE" not in frame.columns or not parsed:
        return None
    unmapped = sorted({m["visit"] for m in parsed.values()} - set(months))
    if unmapped:
        raise ValueError(
            f"{name}: visit_months has no month for visit code(s) "
            f"{', '.join('V' + v for v in unmapped)}; add them (e.g. visit_months="
            f"{{'V00': 0, 'V{unmapped[-1]}': ...}}) or map them to None to skip those "
            f"visits. The months behind OAI visit codes are study documentation, not code "
            f"(domain.md 1.3).")
    parsed = {c: m for c, m in parsed.items() if months[m["visit"]] is not None}
    if not parsed:
        return _empty()

    pid = _text(frame["ID"])
    no_id = pid.isna() | (pid == "")
    if no_id.any():
        problems.add(name, "ID", frame.index[no_id.to_numpy()], frame["ID"][no_id],
                     "missing key value: every row needs an ID")
    side_code, side_bad = parse_oai_codes(frame["SIDE"])
    side = side_code.map(dict(side_map))
    bad_side = side.isna().to_numpy()
    if bad_side.any():
        problems.add(name, "SIDE", frame.index[bad_side], frame["SIDE"][bad_side],
                     f"side: not a code of side_map {dict(side_map)} (OAI codes SIDE as "
                     f"'1: Right' / '2: Left')")
    project = (_text(frame["READPRJ"]) if "READPRJ" in frame.columns
               else pd.Series(None, index=frame.index, dtype=object))

    columns = list(parsed)
    wide = frame[columns]
    long = wide.melt(ignore_index=False, var_name="column", value_name="raw")
    score, bad = parse_oai_codes(long["raw"])
    if bad.any():
        for column, group in long.loc[bad].groupby("column", sort=False):
            problems.add(name, column, group.index, group["raw"],
                         "OAI value: neither a number, a coded number ('2: 2') nor a "
                         "missing code ('.: Missing Form/Incomplete Workbook')")
    meta = pd.DataFrame({
        "column": columns,
        "visit": [months[parsed[c]["visit"]] for c in columns],
        "item": [OAI_ITEMS[parsed[c]["item"]] for c in columns],
        "site": [parsed[c]["site"] for c in columns],
    }).set_index("column")
    out = pd.DataFrame({
        "participant_id": pid.reindex(long.index).to_numpy(),
        "visit": meta["visit"].reindex(long["column"]).to_numpy(dtype=np.int64),
        "joint": "knee",
        "side": side.reindex(long.index).to_numpy(),
        "system": "MOAKS",
        "item": meta["item"].reindex(long["column"]).to_numpy(),
        "site": meta["site"].reindex(long["column"]).to_numpy(),
        "reader": reader,
        "score": score.to_numpy(),
        "read_project": project.reindex(long.index).to_numpy(),
        "_row": long.index.to_numpy(),
        "_column": long["column"].to_numpy(),
    })
    # A knee not read at a visit has every score missing: it yields no rows. Missing scores
    # of a knee read at that visit stay, as not assessable.
    unit = ["_row", "visit"]
    read = out["score"].notna().groupby([out[c] for c in unit]).transform("any")
    return out.loc[read.to_numpy()]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object)
                         for c in (*_OUTPUT_COLUMNS, "_row", "_column")})


def _special(out: pd.DataFrame) -> np.ndarray:
    """Within-grade and change codes: scores that are negative or not whole."""
    score = out["score"].to_numpy(dtype=float)
    return ~np.isnan(score) & ((score < 0) | (score != np.round(score)))


def _deduplicate(out: pd.DataFrame, prefer_projects: Sequence[str] | str) -> pd.DataFrame:
    """Keep, for each knee and visit, the reads of one reading project."""
    knee_visit = ["participant_id", "side", "visit"]
    projects = out["read_project"].astype(object).fillna("")
    first_seen = pd.Index(pd.unique(projects))
    if isinstance(prefer_projects, str):
        # Fewest missing scores first; ties by the order the projects appear in the file.
        missing = out["score"].isna().groupby([*(out[c] for c in knee_visit), projects]
                                               ).transform("sum").to_numpy(dtype=float)
        rank = missing * len(first_seen) + first_seen.get_indexer(projects)
    else:
        order = {str(p): i for i, p in enumerate(prefer_projects)}
        # copy: under copy-on-write to_numpy() is a read-only view
        rank = projects.map(order).to_numpy(dtype=float, copy=True)
        unlisted = np.isnan(rank)
        rank[unlisted] = len(order) + first_seen.get_indexer(projects[unlisted])
    best = pd.Series(rank, index=out.index).groupby([out[c] for c in knee_visit]
                                                    ).transform("min").to_numpy()
    keep = rank == best
    if (~keep).any():
        dropped = out.loc[~keep]
        by_project = dropped["read_project"].astype(object).fillna("(none)").value_counts()
        knees = dropped[knee_visit].drop_duplicates().shape[0]
        warnings.warn(
            f"read_oai_moaks: kept one reading project per knee and visit "
            f"(prefer_projects={prefer_projects!r}); dropped {len(dropped)} reads of "
            f"{knees} knee-visits read in more than one project: "
            + ", ".join(f"READPRJ {p}: {n}" for p, n in by_project.items()),
            DataQualityWarning, stacklevel=3)
    return out.loc[keep]


def read_oai_moaks(
    path_or_frame: Source | Sequence[Source],
    *,
    visit_months: Mapping[str | int, int | None],
    side_map: Mapping[int, str] = _DEFAULT_SIDES,
    reader: str = "BICL",
    prefer_projects: Sequence[str] | Literal["least_missing"] | None = None,
    special_values: Literal["keep", "missing", "error"] = "keep",
) -> pd.DataFrame:
    """Import OAI-style wide MOAKS BML files into the long ``lesion_reads`` table.

    Parameters
    ----------
    path_or_frame : path, DataFrame, or a sequence of them
        Pipe-delimited OAI ASCII file(s) (e.g. ``kMRI_SQ_MOAKS_BICL00.txt``), OAI SAS files
        (``.sas7bdat``, ``.xpt``; also Stata ``.dta`` and SPSS ``.sav`` exports, read with the
        extra ``bmecohort[formats]``: the stored codes, SAS special missing values missing)
        or frames read from them. Several sources (one per visit file) are stacked. Column names are matched
        case-insensitively; ``ID`` and ``SIDE`` are required, ``READPRJ`` is kept as
        ``read_project`` when present. Only the BML variables ``V{vv}MBM{S|N|P}{subregion}``
        are imported; the files' other variables (cartilage, menisci, ...) are not BML reads
        and are left out.
    visit_months : mapping of str to int or None
        OAI visit code -> nominal month from baseline, e.g. ``{"V00": 0, "V01": 12,
        "V03": 24}`` (keys ``"V01"``, ``"01"`` and ``1`` are the same code). Required, and
        it must cover every visit code in the files: the months behind OAI's later visit
        codes are disputed (domain.md 1.3), so bmecohort does not guess them. Map a code to
        ``None`` to skip that visit.
    side_map : mapping of int to str, default={1: "R", 2: "L"}
        SIDE code -> side. OAI codes SIDE as ``"1: Right"`` / ``"2: Left"`` (or 1 / 2).
    reader : str, default="BICL"
        Value of ``lesion_reads.reader``. The OAI MOAKS datasets are named after the reading
        centre (``BICL``; "Boston Imaging Core Lab" is RECALLED).
    prefer_projects : sequence of str, "least_missing" or None, default=None
        De-duplication over ``READPRJ``, only on request. ``None`` keeps every read: a knee
        read in several projects then has several rows per site, told apart by
        ``read_project`` (part of the lesion_reads key). A sequence of READPRJ codes keeps,
        for each knee and visit, the reads of the first listed project that read it
        (unlisted projects rank after the listed ones, in file order); ``"least_missing"``
        keeps the project with the fewest missing BML scores at that knee and visit, as
        analysts of OAI MOAKS data do (ties in file order). Dropped reads are reported.
    special_values : {"keep", "missing", "error"}, default="keep"
        What to do with OAI's within-grade change codes, scores that are not whole or are
        negative (0.5, 1.5, -0.5, -1; rare, "indicate change over time", domain.md 1.3).
        ``"keep"`` keeps them as scores: half grades within 0-3 are then valid for
        ``bml_size`` only when the cohort is built with ``allow_within_grade=True``, and
        negative codes are not grades at all and are rejected by the validator (a
        :class:`~bmecohort.exceptions.DataQualityWarning` says so at import).
        ``"missing"`` sets them to missing and reports how many per column;
        ``"error"`` raises, listing them.

    Returns
    -------
    pandas.DataFrame
        ``lesion_reads`` rows: ``participant_id`` (str), ``visit`` (int, months),
        ``joint`` ("knee"), ``side`` ("L"/"R"), ``system`` ("MOAKS"), ``item``
        (``bml_size`` from S, ``bml_number`` from N, ``bml_percent`` from P), ``site`` (the
        subregion code, e.g. "FMC"), ``reader``, ``score`` (float; NaN when missing) and
        ``read_project``. A knee with every BML score missing at a visit was not read then
        and yields no rows; missing scores of a knee that was read are kept as NaN.

    Raises
    ------
    CohortValidationError
        Listing every value that cannot be parsed, with file, column, rows and values
        (``failure_cases`` has ``file`` and ``line`` = row + 2), and every missing ID,
        unknown SIDE code or malformed BML column name.
    ValueError
        When ``visit_months`` lacks a visit code present in the files or is malformed.
    FileNotFoundError
        When a file does not exist.

    Warns
    -----
    DataQualityWarning
        When reads are dropped by ``prefer_projects``, special values are set to missing,
        or kept negative change codes will fail validation.

    Notes
    -----
    The interpretation of the change codes (+0.5 within-grade worsening, -0.5 within-grade
    improvement) is RECALLED; their existence and rarity are VERIFIED (domain.md 1.3).
    OAI documentation gives ``ID, SIDE, READPRJ`` as the key of these datasets.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"ID": ["1000001"], "SIDE": ["1: Right"], "READPRJ": ["22"],
    ...                      "V00MBMSTMC": ["2: 2"], "V01MBMSTMC": ["."]})
    >>> reads = read_oai_moaks(wide, visit_months={"V00": 0, "V01": 12})
    >>> reads[["participant_id", "visit", "side", "item", "site", "score"]]
      participant_id  visit side      item site  score
    0        1000001      0    R  bml_size  TMC    2.0
    """
    if special_values not in ("keep", "missing", "error"):
        raise ValueError(f"special_values must be 'keep', 'missing' or 'error', "
                         f"got {special_values!r}")
    if isinstance(prefer_projects, str) and prefer_projects != "least_missing":
        raise ValueError(f"prefer_projects must be a sequence of READPRJ codes or "
                         f"'least_missing', got {prefer_projects!r}")
    months = _months(visit_months)
    sources = (list(path_or_frame) if isinstance(path_or_frame, (list, tuple))
               else [path_or_frame])
    problems = _Problems()
    parts = []
    for source in sources:
        frame, name = _read_source(source, problems)
        if frame is None:
            continue
        part = _wide_to_long(frame, name, months, side_map, reader, problems)
        if part is not None:
            parts.append(part.assign(_source=name))
    problems.raise_if_any()
    out = pd.concat(parts, ignore_index=True) if parts else _empty()

    special = _special(out)
    if special.any():
        if special_values == "error":
            for (source, column), group in out.loc[special].groupby(["_source", "_column"],
                                                                     sort=False):
                problems.add(source, column, group["_row"].tolist(), group["score"],
                             "special value: within-grade change code (0.5, -0.5, -1, ...); "
                             "pass special_values='keep' or 'missing'")
            problems.raise_if_any()
        counts = out.loc[special].groupby("item")["score"].value_counts()
        listed = ", ".join(f"{item} {value:g}: {n}" for (item, value), n in counts.items())
        if special_values == "missing":
            out.loc[special, "score"] = np.nan
            warnings.warn(f"read_oai_moaks: set {int(special.sum())} within-grade change "
                          f"codes to missing ({listed})", DataQualityWarning, stacklevel=2)
        elif (out.loc[special, "score"] < 0).any():
            warnings.warn(
                f"read_oai_moaks: kept {int(special.sum())} within-grade change codes "
                f"({listed}); negative codes are not grades and will fail validation, and "
                f"half grades need allow_within_grade=True. Pass special_values='missing' "
                f"to set them to missing.", DataQualityWarning, stacklevel=2)
    if prefer_projects is not None:
        if out["read_project"].isna().all() and len(out):
            raise ValueError("prefer_projects needs a READPRJ column in the OAI file(s)")
        out = _deduplicate(out, prefer_projects)
    out = out.sort_values(["_source", "_row", "visit"], kind="stable")
    out = out.loc[:, list(_OUTPUT_COLUMNS)].reset_index(drop=True)
    return out.astype({"visit": np.int64, "score": float})

