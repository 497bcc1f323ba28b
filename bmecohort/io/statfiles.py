"""Tables of statistical packages: SAS (``.sas7bdat``, ``.xpt``), Stata (``.dta``), SPSS (``.sav``).

All four are read by `pyreadstat <https://github.com/Roche/pyreadstat>`_ (ReadStat; Apache
2.0), one reader that gives the values *and* their metadata (value labels, formats) for every
format alike; pandas' ``read_spss`` needs it anyway, and pandas' ``read_sas`` returns no value
labels. It is the optional extra ``bmecohort[formats]``: CSV and Parquet folders need nothing.

How such a file meets the schemas:

- **Value labels replace codes in text columns** (kind ``id`` or ``label``): ``sex`` stored as
  1/2 with the labels ``"F"``/``"M"`` arrives as ``"F"``/``"M"``; a code without a label stays
  its code, as text (``1.0`` -> ``"1"``), so the validator names it. **Numeric columns keep their
  codes** (a grade's label describes the grade, it is not the value); their labels are kept in
  ``frame.attrs["value_labels"]`` (column -> {code: label}), as are the labels of text columns.
- **Dates** stored as dates (SAS/SPSS/Stata date formats) arrive as datetimes, which the ISO
  date rule accepts as they are.
- **Missing**: system and special missing values (SAS ``.A``, Stata ``.a``, SPSS user-missing)
  are missing; an empty string in a text column is missing, as an empty CSV field is.
- **SAS value labels** live in a separate format catalogue (``.sas7bcat``), which is not read:
  SAS columns arrive as stored (transport files have no labels at all); write labelled text
  as text in SAS.
- **Rows**: a failure's ``row`` is the 0-based observation; the package's observation number
  is ``row + 1``. There are no lines in a binary file: ``line`` is left empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import ModuleType

import pandas as pd

__all__ = ["STAT_FORMATS", "read_stat_file"]

#: File suffix -> the pyreadstat reader of that format.
STAT_FORMATS: dict[str, str] = {
    ".sas7bdat": "read_sas7bdat", ".xpt": "read_xport", ".dta": "read_dta",
    ".sav": "read_sav"}

#: Reader options: stored codes (labels are applied below, to text columns only) and
#: user-defined missing values as missing. Transport files hold no labels; without its
#: catalogue a .sas7bdat reader applies none.
_OPTIONS: dict[str, dict[str, bool]] = {
    ".sas7bdat": {"user_missing": False}, ".xpt": {},
    ".dta": {"apply_value_formats": False, "user_missing": False},
    ".sav": {"apply_value_formats": False, "user_missing": False}}


def _pyreadstat() -> ModuleType:
    try:
        import pyreadstat
    except ImportError as err:  # an optional extra: say which
        raise ImportError(
            "reading SAS (.sas7bdat, .xpt), Stata (.dta) and SPSS (.sav) files needs the "
            "optional extra 'formats': pip install 'bmecohort[formats]' (it installs "
            "pyreadstat); or save the table as CSV or Parquet") from err
    return pyreadstat


def _as_text(series: pd.Series, labels: dict | None) -> pd.Series:
    """Codes -> labels where labelled; whole floats as integers; empty strings missing."""
    values = series
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole % 1 == 0).all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    if labels:
        keyed = {str(int(k)) if isinstance(k, float) and k % 1 == 0 else str(k): str(v)
                 for k, v in labels.items()}
        text = text.map(lambda v: keyed.get(v, v) if isinstance(v, str) else v,
                        na_action="ignore").astype("string")
    text = text.mask(text == "")
    return text.astype(object).where(text.notna(), None)


def _dates(values: pd.Series) -> pd.Series:
    """Python dates (pyreadstat's date formats) as datetime64; other columns unchanged.

    A date outside datetime64's range (before 1677, a typo such as year 1583) keeps the
    column as date objects, so that validation names that row instead of the whole file
    failing to read.
    """
    present = values.dropna()
    if present.empty or not present.map(lambda v: isinstance(v, dt.date)).all():
        return values
    try:
        # nanoseconds on every pandas: pandas 3 would otherwise pick a coarser unit that
        # holds year 1583, and the typo would pass as a date
        return pd.to_datetime(values).dt.as_unit("ns")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        return values


def read_stat_file(path: Path, *, text: dict[str, str] | None = None,
                   boolean: frozenset[str] | set[str] = frozenset(),
                   raw: bool = False) -> pd.DataFrame:
    """Read one SAS, Stata or SPSS file into a frame (0-based row index).

    Parameters
    ----------
    path : Path
        A ``.sas7bdat``, ``.xpt``, ``.dta`` or ``.sav`` file.
    text : dict of str to str, optional
        Columns read as text (ids and labels) -> ``"str"`` or ``"category"``; their value
        labels replace the codes.
    boolean : set of str, optional
        Boolean columns: whole numbers become integers (``1.0`` -> ``1``, read as true).
    raw : bool, default=False
        Return the stored values only, without labels (the OAI importer parses codes itself).

    Returns
    -------
    pandas.DataFrame
        With ``attrs["value_labels"]`` (column -> {code: label}) and ``attrs["format"]``.

    Raises
    ------
    ImportError
        When pyreadstat (the extra ``bmecohort[formats]``) is not installed.
    ValueError
        When the file cannot be read as its suffix says (pyreadstat's ReadstatError is one).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> import pyreadstat
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "participants.sav"
    ...     pyreadstat.write_sav(pd.DataFrame({"participant_id": ["p1", "p2"],
    ...                                        "sex": [1.0, 2.0]}), str(path),
    ...                          variable_value_labels={"sex": {1: "F", 2: "M"}})
    ...     frame = read_stat_file(path, text={"participant_id": "str", "sex": "str"})
    >>> frame["sex"].tolist(), frame.attrs["value_labels"]
    (['F', 'M'], {'sex': {1.0: 'F', 2.0: 'M'}})
    """
    reader = getattr(_pyreadstat(), STAT_FORMATS[path.suffix.lower()])
    try:
        options = _OPTIONS[path.suffix.lower()]
        frame, meta = reader(str(path), **options)
    except Exception as err:  # pyreadstat raises its own classes (ReadstatError, PyreadstatError)
        raise ValueError(f"{type(err).__name__}: {err}") from err
    sets = getattr(meta, "value_labels", None) or {}
    labels = {column: dict(sets[name])
              for column, name in (getattr(meta, "variable_to_label", None) or {}).items()
              if name in sets}
    frame = frame.reset_index(drop=True)
    # object columns only (dates come as Python objects); pandas 3's text columns are `str`
    for column in [c for c in frame.columns if frame[c].dtype == object]:
        frame[column] = _dates(frame[column])
    if not raw:
        for column, kind in (text or {}).items():
            if column in frame.columns:
                values = _as_text(frame[column], labels.get(column))
                frame[column] = values.astype("category") if kind == "category" else values
        for column in boolean:
            values = frame[column] if column in frame.columns else None
            if values is None:
                continue
            if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
                frame[column] = values.astype("Int64")
            elif values.dtype == object:  # text true/false: an empty string is missing
                frame[column] = values.where(values.astype(str).str.strip() != "", None)
    frame.attrs["value_labels"] = labels
    frame.attrs["format"] = path.suffix.lower()
    return frame
