"""Cohort folders: one CSV or Parquet file per table, named after the table.

A cohort folder holds ``participants.csv``, ``visits.csv`` and any of the optional tables
(``lesion_reads``, ``knee_outcomes``, ``spine_corners``, ``ra_bones``, ``hip_cases``), each as
``<table>.csv`` or ``<table>.parquet``. Any other file is reported with a
:class:`~bmecohort.exceptions.DataQualityWarning`, never ignored silently.

Row labels. Tables keep pandas' 0-based row index, so the ``row`` of a validation failure is
the 0-based data row of the file: in a CSV file, **line = row + 2** (line 1 is the header),
which is also the row number a spreadsheet shows. :func:`load_cohort` adds that line to the
failures it raises (columns ``file`` and ``line``).
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd

from .._columns import FAILURE_COLUMNS
from ..cohort import Cohort
from ..exceptions import CohortValidationError, DataQualityWarning
from ..schemas import TABLES, columns_of
from ..validation._failures import Failures, render

__all__ = ["FORMATS", "load_cohort", "read_tables", "table_files", "write_cohort"]

#: File formats of a cohort folder, by file suffix.
FORMATS: dict[str, str] = {"csv": ".csv", "parquet": ".parquet"}
#: Tables whose ids and labels are read as categoricals (large and repetitive).
_CATEGORICAL_TABLES = frozenset({"lesion_reads", "spine_corners", "ra_bones"})
#: The note that explains ``row`` to someone editing a CSV file.
ROW_NOTE = ("row is the 0-based data row of the file; in a CSV file line = row + 2 "
            "(line 1 is the header)")


def _folder(path: str | os.PathLike[str]) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(f"cohort folder not found: {folder} (a cohort is a folder "
                                f"holding participants.csv, visits.csv, ...)")
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}; give the folder that holds the "
                                 f"table files (participants.csv, visits.csv, ...)")
    return folder


def table_files(path: str | os.PathLike[str], *, stacklevel: int = 2
                ) -> tuple[dict[str, list[Path]], list[Path]]:
    """The table files of a cohort folder, and every other entry in it.

    Parameters
    ----------
    path : str or path-like
        The cohort folder.
    stacklevel : int, default=2
        ``stacklevel`` of the warning about files that are not tables (2: the caller).

    Returns
    -------
    tables : dict of str to list of Path
        Table name -> its files (more than one when a table is given as both CSV and
        Parquet, which :func:`read_tables` reports as a failure).
    others : list of Path
        Entries that are not table files (hidden files, starting with ``.``, excluded).

    Warns
    -----
    DataQualityWarning
        Naming every entry that is not a table file, with the closest table name.
    """
    folder = _folder(path)
    suffixes = set(FORMATS.values())
    tables: dict[str, list[Path]] = {}
    others: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix in suffixes and entry.stem in TABLES:
            tables.setdefault(entry.stem, []).append(entry)
        else:
            others.append(entry)
    if others:
        described = []
        for entry in others:
            close = difflib.get_close_matches(entry.stem.lower(), list(TABLES), n=1)
            hint = f" (did you mean {close[0]}.csv?)" if close else ""
            described.append(f"{entry.name}{'/' if entry.is_dir() else ''}{hint}")
        warnings.warn(
            f"{folder}: not read, not a table file: {', '.join(described)}. Table files are "
            f"named <table>.csv or <table>.parquet with <table> one of {list(TABLES)}.",
            DataQualityWarning, stacklevel=stacklevel)
    return {name: tables[name] for name in TABLES if name in tables}, others


def _csv_dtypes(table: str, header: list[str]) -> dict[str, str]:
    """Read ids and labels as text (categorical in the large tables); infer the rest.

    Numbers, booleans and dates are left to pandas' inference so that a stray word in a
    numeric column arrives as text and the validator reports it, row by row.
    """
    spec = columns_of(table)
    text = "category" if table in _CATEGORICAL_TABLES else "str"
    return {column: text for column in header
            if column in spec and spec[column]["kind"] in ("id", "label")}


def _read_one(table: str, file: Path) -> pd.DataFrame:
    if file.suffix == FORMATS["parquet"]:
        return pd.read_parquet(file)
    header = pd.read_csv(file, nrows=0).columns.tolist()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        # index_col=False: rows with more fields than the header must not silently become a
        # row index (pandas' implicit index); round_trip: the float parser that gives back
        # exactly what to_csv wrote.
        frame = pd.read_csv(file, dtype=_csv_dtypes(table, header), low_memory=False,
                            index_col=False, float_precision="round_trip")
    for warning in caught:
        if issubclass(warning.category, pd.errors.ParserWarning):
            raise ValueError(f"rows have more fields than the header has columns "
                             f"({warning.message})")
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    return frame


def _read(path: str | os.PathLike[str], failures: Failures, *, stacklevel: int
          ) -> tuple[dict[str, pd.DataFrame], dict[str, Path]]:
    files, _ = table_files(path, stacklevel=stacklevel + 1)
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, Path] = {}
    for table, found in files.items():
        if len(found) > 1:
            failures.add_table(table, None, "one file per table: found "
                               + " and ".join(f.name for f in found) + "; keep one")
            continue
        try:
            frames[table] = _read_one(table, found[0])
        except (ValueError, OSError) as err:  # pandas' parser errors subclass ValueError
            reason = " ".join(str(err).split())
            failures.add_table(table, None, f"readable file: {found[0].name} could not be "
                                            f"read ({reason})")
            continue
        sources[table] = found[0]
    return frames, sources


def read_tables(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read the tables of a cohort folder without validating them.

    Use this to inspect or repair data that :func:`load_cohort` rejects; build the cohort
    afterwards with ``Cohort.from_tables(tables)``.

    Parameters
    ----------
    path : str or path-like
        Folder holding ``<table>.csv`` or ``<table>.parquet`` files.

    Returns
    -------
    dict of str to pandas.DataFrame
        Table name -> frame, in data-flow order; absent optional tables are left out. CSV ids
        and labels are read as text (categorical in ``lesion_reads``, ``spine_corners`` and
        ``ra_bones``); other columns are inferred by pandas.

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        When ``path`` is not a folder.
    CohortValidationError
        When a table is given twice (CSV and Parquet) or a file cannot be read.

    Warns
    -----
    DataQualityWarning
        For every file in the folder that is not a table file.
    """
    failures = Failures()
    frames, _ = _read(path, failures, stacklevel=3)
    if failures:
        cases = failures.frame()
        raise CohortValidationError(f"{path}: " + render(cases), cases)
    return frames


def _locate(cases: pd.DataFrame, sources: Mapping[str, Path]) -> pd.DataFrame:
    """Add ``file`` and ``line`` (CSV line number = row + 2) to failure cases."""
    file = cases["table"].map({t: p.name for t, p in sources.items()})
    is_csv = file.fillna("").str.endswith(FORMATS["csv"])
    row = pd.to_numeric(cases["row"], errors="coerce")
    line = (row + 2).where(is_csv & row.notna()).astype("Int64")
    out = cases.loc[:, list(FAILURE_COLUMNS)].copy()
    out["file"] = file.astype(object).where(file.notna(), None)
    out["line"] = line
    return out


def load_cohort(path: str | os.PathLike[str], *, allow_within_grade: bool = False,
                name: str | None = None) -> Cohort:
    """Read and validate a cohort folder of CSV or Parquet files.

    Parameters
    ----------
    path : str or path-like
        Folder holding one file per table, named after it: ``participants.csv``,
        ``visits.parquet``, ... (``participants`` and ``visits`` are required; the other
        tables may be absent). CSV and Parquet files may be mixed, one file per table.
    allow_within_grade : bool, default=False
        Accept half grades (within-grade change codes) for the items that define them.
    name : str or None, default=None
        Name of the cohort; the folder's name when ``None``.

    Returns
    -------
    Cohort
        The validated cohort, with ``source`` set to the folder.

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        When ``path`` is not a folder.
    CohortValidationError
        Listing every failure at once: unreadable files, tables given twice, and every
        broken rule. Its ``failure_cases`` has the columns ``table, column, row, value,
        rule`` plus ``file`` and ``line``: ``row`` is the 0-based data row of the file and,
        for CSV files, ``line = row + 2`` is the line to edit (line 1 is the header).

    Warns
    -----
    DataQualityWarning
        For every file in the folder that is not a table file.

    See Also
    --------
    read_tables : the same tables, unvalidated.
    write_cohort : the inverse.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from bmecohort import Cohort
    >>> from bmecohort.io import load_cohort, write_cohort
    >>> cohort = Cohort(
    ...     participants=pd.DataFrame({"participant_id": ["p1"], "sex": ["F"], "age": [61.0]}),
    ...     visits=pd.DataFrame({"participant_id": ["p1", "p1"], "visit": [0, 24]}))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_cohort(cohort, folder)
    ...     loaded = load_cohort(folder)
    >>> loaded.visits.equals(cohort.visits)
    True
    """
    folder = _folder(path)
    failures = Failures()
    frames, sources = _read(folder, failures, stacklevel=3)
    unreadable = set(failures.frame()["table"]) if failures else set()
    try:
        # Every table by name, None when absent, so that a missing required table is
        # reported by validation like any other failure.
        cohort = Cohort(**{t: frames.get(t) for t in TABLES},
                        allow_within_grade=allow_within_grade, name=name or folder.name,
                        source=str(folder))
    except CohortValidationError as err:
        cases = err.failure_cases
        # A required table that could not be read is already reported as unreadable.
        redundant = cases["table"].isin(unreadable) & cases["rule"].str.startswith(
            "required table")
        failures.extend(cases.loc[~redundant])
    else:
        if not failures:
            return cohort
    cases = _locate(failures.frame(), sources)
    message = f"{folder}: {render(cases)}\n  ({ROW_NOTE})"
    raise CohortValidationError(message, cases)


def write_cohort(cohort: Cohort, path: str | os.PathLike[str], *,
                 format: Literal["csv", "parquet"] = "csv",
                 overwrite: bool = False) -> dict[str, Path]:
    """Write a cohort as a folder of table files that :func:`load_cohort` reads back.

    Parameters
    ----------
    cohort : Cohort
        The cohort to write; every table it has becomes ``<table>.<format>``.
    path : str or path-like
        Folder to write into; created (with its parents) when absent.
    format : {"csv", "parquet"}, default="csv"
        File format. CSV is plain text (dates as ISO, missing values empty, booleans
        ``True``/``False``); Parquet keeps dtypes (categoricals, nullable booleans).
    overwrite : bool, default=False
        Replace existing table files. Every table file already in the folder (of any table,
        in either format) is removed first, so that no stale table is read back.

    Returns
    -------
    dict of str to Path
        Table name -> the file written.

    Raises
    ------
    FileExistsError
        When the folder already holds table files and ``overwrite`` is false.
    ValueError
        For an unknown ``format``.

    Notes
    -----
    Row labels are not written: tables are read back with a 0-based row index, so
    ``load_cohort(write_cohort(c, p))`` reproduces ``c``'s tables exactly when their index is
    the default 0-based one (always the case for a cohort read with :func:`load_cohort`).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}, got {format!r}")
    if not isinstance(cohort, Cohort):
        raise TypeError(f"write_cohort needs a Cohort, got {type(cohort).__name__}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    existing = [folder / f"{t}{s}" for t in TABLES for s in FORMATS.values()
                if (folder / f"{t}{s}").exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{folder} already holds table files ({', '.join(p.name for p in existing)}); "
            f"pass overwrite=True to replace them")
    for file in existing:
        file.unlink()
    written: dict[str, Path] = {}
    for table, frame in cohort.tables.items():
        target = folder / f"{table}{FORMATS[format]}"
        if format == "csv":
            frame.to_csv(target, index=False)
        else:
            frame.to_parquet(target, index=False)
        written[table] = target
    return written
