"""Dates in one documented format: ISO 8601, ``YYYY-MM-DD`` (optionally with a time).

A date column accepts datetime values (Parquet, or frames built in Python) and text in ISO
8601 form: ``2024-03-31``, ``2024-03-31 14:05`` or ``2024-03-31T14:05:09``. Everything else is
refused with a message saying how to convert, never guessed:

- **numbers** (``43921``, ``20240331``): an Excel serial day or a yyyymmdd integer would
  otherwise be read as nanoseconds after 1970;
- **other text formats** (``03/04/2021``, ``31.03.2024``, ``Mar 31 2024``): day and month
  order cannot be told from the value (3 April or 4 March?), so no format is guessed;
- ISO-shaped text that is not a calendar date (``2022-13-45``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._failures import Failures

__all__ = ["DATE_FORMAT", "parse_dates"]

#: The documented date format (ISO 8601 calendar date, an optional time after ``T`` or space).
DATE_FORMAT = "YYYY-MM-DD"
_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
_NUMBER = r"[+-]?\d+(?:\.\d*)?"

RULE_NUMERIC = ("numeric date: a number is not a date (an Excel serial day such as 43921, or "
                "yyyymmdd such as 20240331?); write dates as YYYY-MM-DD text, e.g. "
                "pd.to_datetime(x, unit='D', origin='1899-12-30') for Excel serials or "
                "pd.to_datetime(x.astype(str), format='%Y%m%d') for yyyymmdd")
RULE_FORMAT = ("date format: not an ISO 8601 date (YYYY-MM-DD); day/month order cannot be "
               "told from such text (03/04/2021 is 3 April or 4 March), so it is not guessed; "
               "convert with pd.to_datetime(x, format='%d/%m/%Y') (or the format you used) "
               "and write YYYY-MM-DD")
RULE_CALENDAR = "must be a date: ISO-shaped but not a calendar date"


def _in_ns_range(parsed: pd.Series) -> pd.Series:
    """``parsed`` in nanoseconds, NaT where outside that range (1677-2262).

    pandas 2 refuses such dates (NaT under ``errors="coerce"``); pandas 3 keeps them in a
    coarser unit. Both now refuse them, so a typo such as year 1583 fails on every pandas.
    """
    if parsed.dt.unit == "ns":
        return parsed
    inside = parsed.isna() | ((parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max))
    return parsed.where(inside).dt.as_unit("ns")


def parse_dates(name: str, column: str, series: pd.Series, failures: Failures
                ) -> tuple[pd.Series, np.ndarray]:
    """Parse ``series`` as dates in the documented format; record every refused value.

    Returns the parsed dates (``NaT`` where refused or missing) and the mask of refused rows.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return series, np.zeros(len(series), dtype=bool)
    present = series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        bad = present
        if bad.any():
            failures.add(name, column, series.index[bad], series[bad], RULE_NUMERIC)
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"), bad
    values = series.astype(object)
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    is_time = values.map(lambda v: isinstance(v, (dt.date, np.datetime64))).to_numpy(dtype=bool)
    text = values.where(is_text, "").astype(str).str.strip()
    iso = is_text & text.str.fullmatch(_ISO).to_numpy(dtype=bool)
    numeric = present & ~is_time & ~iso & (
        ~is_text | text.str.fullmatch(_NUMBER).to_numpy(dtype=bool))
    other = present & ~is_time & ~iso & ~numeric
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if iso.any():
        out[iso] = _in_ns_range(pd.to_datetime(text[iso], format="ISO8601", errors="coerce"))
    if is_time.any():
        out[is_time] = _in_ns_range(pd.to_datetime(values[is_time], errors="coerce"))
    calendar = (iso | is_time) & out.isna().to_numpy()
    for mask, rule in ((numeric, RULE_NUMERIC), (other, RULE_FORMAT),
                       (calendar, RULE_CALENDAR)):
        if mask.any():
            failures.add(name, column, series.index[mask], series[mask], rule)
    return out, numeric | other | calendar
