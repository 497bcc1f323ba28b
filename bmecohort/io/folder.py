"""Cohort folders: one CSV or Parquet file per table, named after the table.

A cohort folder holds ``participants.csv``, ``visits.csv`` and any of the optional tables
(``lesion_reads``, ``knee_outcomes``, ``spine_corners``, ``ra_bones``, ``hip_cases``), each as
``<table>.csv`` or ``<table>.parquet``, or as a SAS (``.sas7bdat``, ``.xpt``), Stata (``.dta``)
or SPSS (``.sav``) file, read by :mod:`bmecohort.io.statfiles` (value labels, dates). Any other file is reported with a
:class:`~bmecohort.exceptions.DataQualityWarning`, never ignored silently.

Row labels. Tables keep pandas' 0-based row index, so the ``row`` of a validation failure is
the 0-based data row of the file: in a CSV file, **line = row + 2** (line 1 is the header),
which is also the row number a spreadsheet shows. :func:`load_cohort` adds the line to the
failures it raises (columns ``file`` and ``line``), counting blank lines and quoted line
breaks when the file has them.

CSV files are read by :func:`bmecohort.io.dialect.read_delimited`: dialect checks first
(encoding, delimiter, duplicated headers, field counts, a truncated last row), then pandas
with key columns reading only the empty field as missing (a reader coded ``NA`` stays text).
Writes go to hidden temporary files renamed into place once every table is written.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._columns import FAILURE_COLUMNS
from ..cohort import Cohort
from ..exceptions import CohortValidationError, DataQualityWarning
from ..schemas import TABLES, columns_of
from ..validation._failures import Failures, render
from .dialect import DialectProblem, Read, read_delimited, shown_name
from .statfiles import STAT_FORMATS, read_stat_file

__all__ = ["FORMATS", "READ_SUFFIXES", "load_cohort", "read_tables", "table_files",
           "write_cohort"]

#: File formats that :func:`write_cohort` writes, by file suffix.
FORMATS: dict[str, str] = {"csv": ".csv", "parquet": ".parquet"}
#: Suffixes of the table files that are read: CSV, Parquet, SAS, Stata and SPSS.
READ_SUFFIXES: tuple[str, ...] = (*FORMATS.values(), *STAT_FORMATS)
#: Tables whose ids and labels are read as categoricals (large and repetitive).
_CATEGORICAL_TABLES = frozenset({"lesion_reads", "spine_corners", "ra_bones"})
#: The note that explains ``row`` to someone editing a CSV file.
ROW_NOTE = ("row is the 0-based data row of the file; in a CSV file line = row + 2 "
            "(line 1 is the header); in a SAS, Stata or SPSS file the observation number "
            "is row + 1")


def require_parquet(file: str | os.PathLike[str]) -> None:
    """Raise a clear ImportError when Parquet support (pyarrow, an optional extra) is absent."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{shown_name(Path(file).name)} is a Parquet file and Parquet support is not "
            f"installed; install it with `pip install 'bmecohort[parquet]'` (pyarrow), or "
            f"use CSV files") from None


def _folder(path: str | os.PathLike[str]) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(f"cohort folder not found: {folder} (a cohort is a folder "
                                f"holding participants.csv, visits.csv, ...)")
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}; give the folder that holds the "
                                 f"table files (participants.csv, visits.csv, ...)")
    return folder


def _not_a_file(entry: Path) -> str | None:
    """Why ``entry`` cannot be read as a file (a folder, a broken link, ...), or None."""
    try:
        mode = entry.stat().st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symbolic link loop (the link points, through other links, to itself)"
        if entry.is_symlink():
            return f"a broken link (it points to {shown_name(os.readlink(entry))}, which " \
                   f"does not exist)"
        return f"not accessible ({shown_name(err.strerror or str(err))})"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a device, pipe or socket)"
    return None


def _scan(folder: Path) -> tuple[dict[str, list[Path]], list[Path], dict[str, list[str]]]:
    """Table files, other entries, and table-named entries that are not readable files."""
    suffixes = set(READ_SUFFIXES)
    tables: dict[str, list[Path]] = {}
    others: list[Path] = []
    broken: dict[str, list[str]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        named = entry.suffix in suffixes and entry.stem in TABLES
        problem = _not_a_file(entry)
        if named and problem is None:
            tables.setdefault(entry.stem, []).append(entry)
            continue
        others.append(entry)
        if named:
            broken.setdefault(entry.stem, []).append(f"{shown_name(entry.name)} is {problem}")
    return tables, others, broken


def _describe_other(entry: Path) -> str:
    name = shown_name(entry.name)
    problem = _not_a_file(entry)
    if problem == "a folder, not a file":
        name += "/"
    elif problem is not None:
        name += f" ({problem})"
    stem = entry.stem.lower()
    close = difflib.get_close_matches(stem, list(TABLES), n=1)
    suffix = entry.suffix.lower() if entry.suffix.lower() in READ_SUFFIXES else ".csv"
    # A hint only when it names something else than the entry itself.
    if close and f"{close[0]}{suffix}" != entry.name:
        name += f" (did you mean {close[0]}{suffix}?)"
    return name


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
        Entries that are not readable table files (hidden files, starting with ``.``,
        excluded): other files, folders, broken links and link loops, including those named
        like a table (which :func:`load_cohort` reports as failures of that table).

    Warns
    -----
    DataQualityWarning
        Naming every entry that is not named like a table file, with what it is (folder,
        broken link, link loop) and the closest table name when that differs from it.
    """
    folder = _folder(path)
    tables, others, _ = _scan(folder)
    unnamed = [e for e in others if not (e.suffix in READ_SUFFIXES and e.stem in TABLES)]
    if unnamed:
        warnings.warn(
            f"{shown_name(str(folder))}: not read, not a table file: "
            f"{', '.join(_describe_other(e) for e in unnamed)}. Table files are named "
            f"<table>.csv or <table>.parquet (or .sas7bdat, .xpt, .dta, .sav) with <table> "
            f"one of {list(TABLES)}.",
            DataQualityWarning, stacklevel=stacklevel)
    return {name: tables[name] for name in TABLES if name in tables}, others


def _csv_dtypes(table: str) -> tuple[dict[str, str], set[str]]:
    """Ids and labels as text (categorical in the large tables); the key columns among them.

    Numbers, booleans and dates are left to pandas' inference so that a stray word in a
    numeric column arrives as text and the validator reports it, row by row.
    """
    spec = columns_of(table)
    text = "category" if table in _CATEGORICAL_TABLES else "str"
    dtypes = {c: text for c, s in spec.items() if s["kind"] in ("id", "label")}
    return dtypes, {c for c in dtypes if spec[c]["key"]}


def _read_one(table: str, file: Path) -> Read:
    if file.suffix == FORMATS["parquet"]:
        require_parquet(file)
        return Read(pd.read_parquet(file))
    dtypes, keys = _csv_dtypes(table)
    if file.suffix in STAT_FORMATS:
        spec = columns_of(table)
        return Read(read_stat_file(file, text=dtypes, boolean={
            c for c, s in spec.items() if s["kind"] == "boolean"}))
    return read_delimited(file, dtype=dtypes, text_keys=keys)


def _add_problems(table: str, file: Path, problems: list[DialectProblem],
                  failures: Failures) -> None:
    for problem in problems:
        rule = f"{problem.rule} [{shown_name(file.name)}]"
        rows = [line - 2 for line in problem.lines if line >= 2]
        if rows:
            values = problem.values or [None] * len(rows)
            failures.add(table, problem.column, rows, values, rule)
        else:
            failures.add_table(table, problem.column, rule,
                               problem.values[0] if problem.values else None)


def _read(path: str | os.PathLike[str], failures: Failures, *, stacklevel: int
          ) -> tuple[dict[str, pd.DataFrame], dict[str, Path], dict[str, np.ndarray]]:
    files, _ = table_files(path, stacklevel=stacklevel + 1)
    _, _, broken = _scan(Path(path))
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, Path] = {}
    lines: dict[str, np.ndarray] = {}
    for table, reasons in broken.items():
        for reason in reasons:
            failures.add_table(table, None, f"readable file: {reason}; put the table file "
                                            f"itself there")
    for table, found in files.items():
        if len(found) > 1:
            failures.add_table(table, None, "one file per table: found "
                               + " and ".join(f.name for f in found) + "; keep one")
            continue
        sources[table] = found[0]
        if table in broken:
            continue
        try:
            read = _read_one(table, found[0])
        except (ValueError, OSError) as err:  # pandas' parser errors subclass ValueError
            reason = shown_name(" ".join(str(err).split()))
            failures.add_table(table, None, f"readable file: {found[0].name} could not be "
                                            f"read ({reason})")
            continue
        _add_problems(table, found[0], read.problems, failures)
        if read.frame is not None:
            frames[table] = read.frame
            if read.lines is not None:
                lines[table] = read.lines
    return frames, sources, lines


def read_tables(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read the tables of a cohort folder without validating them.

    Use this to inspect or repair data that :func:`load_cohort` rejects; build the cohort
    afterwards with ``Cohort.from_tables(tables)``.

    Parameters
    ----------
    path : str or path-like
        Folder holding ``<table>.csv``, ``<table>.parquet``, ``.sas7bdat``, ``.xpt``, ``.dta``
        or ``.sav`` files.

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
        When a table is given twice (CSV and Parquet), a table-named entry is not a readable
        file (a folder, a broken link, a link loop), or a CSV file fails the dialect checks
        of :mod:`bmecohort.io.dialect` (UTF-8, comma delimiter, header, field counts, a
        truncated last row); each failure names the file and its lines.

    Warns
    -----
    DataQualityWarning
        For every file in the folder that is not a table file.
    """
    failures = Failures()
    frames, sources, lines = _read(path, failures, stacklevel=3)
    if failures:
        cases = _locate(failures.frame(), sources, lines)
        raise CohortValidationError(f"{shown_name(str(path))}: " + render(cases), cases)
    return frames


def _locate(cases: pd.DataFrame, sources: Mapping[str, Path],
            lines: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Add ``file`` and ``line`` (the CSV line of the row; row + 2 without blank lines)."""
    file = cases["table"].map({t: shown_name(p.name) for t, p in sources.items()})
    is_csv = file.fillna("").str.endswith(FORMATS["csv"]).to_numpy()
    row = pd.to_numeric(cases["row"], errors="coerce").to_numpy(dtype=float)
    line = np.where(is_csv & ~np.isnan(row), row + 2, np.nan)
    for table, where in lines.items():
        # Rows of a parsed file: the physical line of that data row (blank lines and quoted
        # line breaks shift it).
        at = ((cases["table"] == table).to_numpy() & ~np.isnan(row)
              & (row >= 0) & (row < len(where)))
        line[at] = where[row[at].astype(np.int64)]
    out = cases.loc[:, list(FAILURE_COLUMNS)].copy()
    out["file"] = file.astype(object).where(file.notna(), None)
    out["line"] = pd.array(np.where(np.isnan(line), pd.NA, line), dtype="Int64")
    return out


def load_cohort(path: str | os.PathLike[str], *, allow_within_grade: bool = False,
                name: str | None = None) -> Cohort:
    """Read and validate a cohort folder of CSV or Parquet files.

    Parameters
    ----------
    path : str or path-like
        Folder holding one file per table, named after it: ``participants.csv``,
        ``visits.parquet``, ... (``participants`` and ``visits`` are required; the other
        tables may be absent). CSV, Parquet, SAS (``.sas7bdat``, ``.xpt``), Stata (``.dta``)
        and SPSS (``.sav``) files may be mixed, one file per table; the last four need the
        extra ``bmecohort[formats]`` (pyreadstat), and their value labels replace the codes
        of text columns (see :mod:`bmecohort.io.statfiles`).
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
        for CSV files, ``line = row + 2`` is the line to edit (line 1 is the header); SAS,
        Stata and SPSS files have no lines (``line`` empty; observation = ``row + 1``).

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
    frames, sources, lines = _read(folder, failures, stacklevel=3)
    unreadable = set(failures.frame()["table"]) if failures else set()
    try:
        # Every table by name, None when absent, so that a missing required table is
        # reported by validation like any other failure.
        cohort = Cohort(**{t: frames.get(t) for t in TABLES},
                        allow_within_grade=allow_within_grade,
                        name=name or shown_name(folder.name), source=shown_name(str(folder)))
    except CohortValidationError as err:
        cases = err.failure_cases
        # A required table that could not be read is already reported as unreadable.
        redundant = cases["table"].isin(unreadable) & cases["rule"].str.startswith(
            "required table")
        failures.extend(cases.loc[~redundant])
    else:
        if not failures:
            return cohort
    cases = _locate(failures.frame(), sources, lines)
    message = f"{shown_name(str(folder))}: {render(cases)}\n  ({ROW_NOTE})"
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
        Replace existing table files. Table files of the folder that the cohort does not
        replace (other tables, the other format) are removed once every table is written,
        so that no stale table is read back.

    Returns
    -------
    dict of str to Path
        Table name -> the file written.

    Raises
    ------
    FileExistsError
        When the folder already holds table files and ``overwrite`` is false, or holds
        SAS, Stata or SPSS table files (whatever ``overwrite``: they are source data).
    ValueError
        For an unknown ``format``.

    Notes
    -----
    Each table is written to a hidden temporary file in ``path`` and renamed into place
    only when every table was written: a failed write (full disk, unwritable column) leaves
    the folder exactly as it was, with no partial files.

    Row labels are not written: tables are read back with a 0-based row index, so
    ``load_cohort(write_cohort(c, p))`` reproduces ``c``'s tables exactly when their index is
    the default 0-based one (always the case for a cohort read with :func:`load_cohort`).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from bmecohort import Cohort, write_cohort
    >>> cohort = Cohort(
    ...     participants=pd.DataFrame({"participant_id": ["p1"], "sex": ["F"], "age": [61.0]}),
    ...     visits=pd.DataFrame({"participant_id": ["p1", "p1"], "visit": [0, 24]}))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_cohort(cohort, folder)
    ...     names = sorted(path.name for path in written.values())
    >>> names
    ['participants.csv', 'visits.csv']
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}, got {format!r}")
    if not isinstance(cohort, Cohort):
        raise TypeError(f"write_cohort needs a Cohort, got {type(cohort).__name__}")
    if format == "parquet":
        require_parquet(f"{next(iter(cohort.tables))}.parquet")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    existing = [folder / f"{t}{s}" for t in TABLES for s in FORMATS.values()
                if os.path.lexists(folder / f"{t}{s}")]
    # SAS, Stata and SPSS tables are the user's source data: never removed, and a table
    # written beside one would be read twice.
    sources = [folder / f"{t}{s}" for t in TABLES for s in STAT_FORMATS
               if os.path.lexists(folder / f"{t}{s}")]
    if sources:
        raise FileExistsError(
            f"{shown_name(str(folder))} holds SAS, Stata or SPSS table files "
            f"({', '.join(shown_name(p.name) for p in sources)}), which are never replaced; "
            f"write the cohort to another folder")
    if existing and not overwrite:
        raise FileExistsError(
            f"{shown_name(str(folder))} already holds table files "
            f"({', '.join(shown_name(p.name) for p in existing)}); pass overwrite=True to "
            f"replace them")
    targets = {table: folder / f"{table}{FORMATS[format]}" for table in cohort.tables}
    temporary: dict[str, Path] = {}
    try:
        # Every table goes to a hidden temporary file first; only when all are written are
        # they renamed into place, so a failure leaves the folder as it was.
        for table, frame in cohort.tables.items():
            handle, name = tempfile.mkstemp(dir=folder, prefix=f".{table}.",
                                            suffix=".partial")
            os.close(handle)
            temporary[table] = Path(name)
            if format == "csv":
                frame.to_csv(temporary[table], index=False)
            else:
                frame.to_parquet(temporary[table], index=False)
        for table, target in targets.items():
            os.replace(temporary.pop(table), target)
    finally:
        for leftover in temporary.values():
            leftover.unlink(missing_ok=True)
    # Stale tables (another format, or tables this cohort lacks) would be read back.
    for file in existing:
        if file not in targets.values():
            file.unlink()
    return targets
