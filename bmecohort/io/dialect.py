"""Reading delimited text files with explicit dialect checks that say what they found.

Every CSV table of a cohort folder (and every OAI file) is read through :func:`read_delimited`,
which checks, before pandas parses anything:

- **encoding**: the file is UTF-8 (a byte-order mark is allowed);
- **delimiter**: the header is separated by the expected delimiter, not by ``;``, tab or
  ``|`` (a semicolon file is usually also written with a **decimal comma**, which is named
  when found);
- **duplicated headers**: no column name appears twice (pandas would silently rename the
  second ``score`` to ``score.1``);
- **field counts**: every row has as many fields as the header, and a file cut mid-row (the
  last row short and no final newline) is reported as **truncated**.

Each problem is returned as a failure naming the file's lines; a table with such a problem is
not parsed further (its values cannot be trusted to be in the right columns). Header
whitespace is checked for every table, however it was made, by the validator.

Missing values. In **key columns** read as text (ids and codes that identify a row) only an
empty field is missing: ``NA``, ``null`` or ``None`` there are text (a reader coded ``NA`` stays
reader ``"NA"``). In every other column the strings of :data:`MISSING_MARKERS` are missing.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MISSING_MARKERS", "DialectProblem", "Read", "read_delimited", "shown_name"]

#: Strings read as missing outside key columns (pandas' defaults, stated explicitly).
MISSING_MARKERS: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
#: Delimiters that a file meant for another one is commonly written with.
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_DECIMAL_COMMA = re.compile(rb"(?:^|[;\t|])\s*-?\d+,\d+\s*(?=[;\t|\r\n]|$)", re.MULTILINE)
_SHOWN_LINES = 8
#: pandas >= 3.1 parses every float exactly and deprecates ``float_precision``.
_ROUND_TRIP: dict[str, str] = (
    {} if tuple(int(v) for v in pd.__version__.split(".")[:2]) >= (3, 1)
    else {"float_precision": "round_trip"})


@dataclass(frozen=True)
class DialectProblem:
    """One dialect failure: the rule and, where it applies, the column and file lines."""

    rule: str
    column: str | None = None
    lines: tuple[int, ...] = ()
    values: tuple[object, ...] = ()


@dataclass
class Read:
    """What :func:`read_delimited` found: the frame (None when unreadable) and problems.

    ``lines`` holds the 1-based file line of every data row (blank lines and quoted line
    breaks make it differ from ``row + 2``).
    """

    frame: pd.DataFrame | None
    problems: list[DialectProblem] = field(default_factory=list)
    lines: np.ndarray | None = None


def shown_name(name: str) -> str:
    """A file name safe to print: bytes that are not UTF-8 are shown as ``\\xe9`` escapes.

    Python decodes such names with surrogate escapes, which any UTF-8 output (a terminal, a
    JSON report, a PDF) refuses with a ``UnicodeEncodeError``.
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _encoding(data: bytes) -> str | DialectProblem:
    """The text, or the problem that stops it being read as UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = data[err.start:err.start + 1].hex()
        line = _line_of(data, err.start)
        return DialectProblem(
            f"encoding: the file is not UTF-8 (byte 0x{byte} at line {line}, e.g. Latin-1 "
            f"or Windows-1252 text); save it as UTF-8 ('CSV UTF-8' in Excel, "
            f"fileEncoding = 'UTF-8' in R's write.csv)", lines=(line,))


def _records(buf: np.ndarray, delimiter: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Start offset, field count and 1-based file line of every non-blank record (vectorised).

    The last value says whether quotes made records span lines or were left unbalanced:
    then :func:`_records_exactly` must confirm (a stray quote, as in ``5'11"``, is text).

    A delimiter or line break is data when an odd number of quotes precede it (inside a
    quoted field; an escaped quote ``""`` counts twice, so the parity holds). Works on the
    positions of the few special bytes only, never on a copy per byte.
    """
    newlines = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34)
    ends = newlines
    if len(quotes):
        ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    if starts[-1] >= len(buf):  # the file ends with a line break
        starts = starts[:-1]
    separators = np.flatnonzero(buf == delimiter)
    if len(quotes):
        separators = separators[np.searchsorted(quotes, separators) % 2 == 0]
    counts = np.diff(np.searchsorted(separators, np.append(starts, len(buf))))
    counts = counts + 1
    lines = np.searchsorted(newlines, starts) + 1
    # A record that holds only its line break (or \r\n) is a blank line: pandas skips it.
    width = np.append(ends, len(buf))[:len(starts)] - starts
    first = buf[np.minimum(starts, len(buf) - 1)]
    blank = (width == 0) | ((width == 1) & (first == 13))
    unsure = bool(len(quotes) % 2 or len(ends) != len(newlines))
    return starts[~blank], counts[~blank], lines[~blank], unsure


def _header(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(first)]


def _delimiter_problem(data: bytes, text: str, header: list[str], delimiter: str
                       ) -> DialectProblem | None:
    line = text.split("\n", 1)[0]
    found = {d: line.count(d) for d in _DELIMITERS if d != delimiter}
    other, n = max(found.items(), key=lambda kv: kv[1])
    if n == 0 or n < line.count(delimiter):
        return None
    decimal = ""
    if other != "," and _DECIMAL_COMMA.search(data[:1_000_000]):
        decimal = (" and numbers with a decimal comma (e.g. 61,5); write them with a "
                   "decimal point")
    return DialectProblem(
        f"delimiter: the header is separated by {_DELIMITERS[other]}s ({other!r}), not "
        f"{_DELIMITERS[delimiter]}s ({delimiter!r}): found {len(header)} column(s) "
        f"{header[:3]!r}{decimal}; save the file {_DELIMITERS[delimiter]}-separated "
        f"(in Excel: 'CSV UTF-8 (comma delimited)'; in R: write.csv, not write.csv2)",
        lines=(1,))


def _duplicates(header: list[str]) -> list[DialectProblem]:
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        seen.setdefault(name, []).append(position)
    return [DialectProblem(
        f"duplicated column: {name!r} is the name of columns {positions} of the header; "
        f"keep one column per name (pandas would read the second as {name + '.1'!r})",
        column=name, lines=(1,), values=(name,))
        for name, positions in seen.items() if len(positions) > 1]


def _line_text(data: bytes, start: int) -> str:
    """The text of the line starting at byte ``start``, shortened for a message."""
    stop = data.find(b"\n", start)
    line = data[start:stop if stop >= 0 else len(data)].decode("utf-8").rstrip("\r")
    return line if len(line) <= 80 else line[:77] + "..."


def _records_exactly(data: bytes, delimiter: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_records` by Python's csv module: a quote inside an unquoted value is text.

    The quote-parity shortcut cannot tell ``5'11"`` from an opening quote; this slow path
    confirms the rows it found wrong before they are reported.
    """
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter)
    counts: list[int] = []
    lines: list[int] = []
    first = 1
    for row in reader:
        if row:
            counts.append(len(row))
            lines.append(first)
        first = reader.line_num + 1
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    line = np.asarray(lines, dtype=np.int64)
    starts = np.where(line > 1, newlines[np.maximum(line - 2, 0)] + 1, 0) if len(newlines) \
        else np.zeros(len(line), dtype=np.int64)
    return starts, np.asarray(counts, dtype=np.int64), line


def _field_counts(data: bytes, delimiter: str, n_header: int
                  ) -> tuple[list[DialectProblem], np.ndarray]:
    starts, counts, lines, unsure = _records(np.frombuffer(data, dtype=np.uint8),
                                             ord(delimiter))
    if unsure or (b'"' in data and (counts[1:] != n_header).any()):
        starts, counts, lines = _records_exactly(data, delimiter)
    problems: list[DialectProblem] = []
    wrong = np.flatnonzero(counts[1:] != n_header) + 1
    truncated = (len(counts) > 1 and not data.endswith(b"\n") and counts[-1] < n_header)
    if truncated:
        wrong = wrong[wrong != len(counts) - 1]
        problems.append(DialectProblem(
            f"truncated last row: the file ends mid-row without a final line break (line "
            f"{lines[-1]} has {counts[-1]} of {n_header} fields); the file was cut off, "
            f"export or copy it again", lines=(int(lines[-1]),),
            values=(_line_text(data, int(starts[-1])),)))
    for kind, select in (("fewer", counts[wrong] < n_header),
                         ("more", counts[wrong] > n_header)):
        bad = wrong[select]
        if len(bad):
            problems.append(DialectProblem(
                f"field count: {len(bad)} row(s) have {kind} fields than the header's "
                f"{n_header} (a delimiter inside an unquoted value, a decimal comma, or a "
                f"broken line); quote such values or fix the rows",
                lines=tuple(int(x) for x in lines[bad]),
                values=tuple(_line_text(data, int(x)) for x in starts[bad])))
    return problems, lines[1:]


def _na_values(header: list[str], text_keys: Collection[str] | bool) -> dict[str, list[str]]:
    return {name: [""] if text_keys is True or (text_keys is not False and name in text_keys)
            else list(MISSING_MARKERS) for name in header}


def read_delimited(path: Path, *, delimiter: str = ",",
                   dtype: Mapping[str, str] | str | type | None = None,
                   text_keys: Collection[str] | bool = ()) -> Read:
    """Read one delimited text file after checking its dialect.

    Parameters
    ----------
    path : Path
        The file.
    delimiter : str, default=","
        The delimiter the file must use.
    dtype : mapping, str or type, optional
        Passed to :func:`pandas.read_csv` (e.g. text for ids and labels).
    text_keys : collection of str or bool, default=()
        Key columns read as text in which only an empty field is missing (``True``: every
        column).

    Returns
    -------
    Read
        The frame (``None`` when a dialect problem makes the values untrustworthy) and the
        problems found, each naming the file lines concerned.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = _encoding(data)
    if isinstance(text, DialectProblem):
        return Read(None, [text])
    if not text.strip():
        return Read(None, [DialectProblem(
            "empty file: no header line; write the column names on line 1 (or remove the "
            "file if the table is absent)")])
    header = _header(text, delimiter)
    problems = [p for p in [_delimiter_problem(data, text, header, delimiter)] if p]
    if problems:
        return Read(None, problems)
    problems = _duplicates(header)
    counted, lines = _field_counts(data, delimiter, len(header))
    problems += counted
    if problems:
        return Read(None, problems)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        # index_col=False: never turn a column into a row index; round_trip: the float
        # parser that gives back exactly what to_csv wrote.
        frame = pd.read_csv(io.BytesIO(data), sep=delimiter, dtype=dtype, low_memory=False,
                            index_col=False, **_ROUND_TRIP,
                            keep_default_na=False,
                            na_values=_na_values(header, text_keys))
    return Read(frame, [], lines)
