"""The ``visits`` table: one row per participant per scheduled visit."""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ._fields import field


class Visits(pa.DataFrameModel):
    """Visits, keyed by (participant_id, visit); ``visit`` is the nominal month (0 = baseline)."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    visit: Series[int] = field(
        "integer", "Scheduled visit, named by its nominal month from baseline (0 = baseline).",
        key=True, ge=0)
    months_from_baseline: Optional[Series[float]] = field(
        "number", "Actual time since the baseline visit, months (defaults to visit).", ge=0,
        nullable=False)
    visit_date: Optional[Series[pd.Timestamp]] = field(
        "date", "Date of the visit, as ISO 8601 text YYYY-MM-DD (a time may follow); numbers "
                "(Excel serials, yyyymmdd) and other formats (03/04/2021) are refused.")

    class Config:
        name = "visits"
        description = "One row per participant per scheduled visit."
        metadata = {
            "key": ["participant_id", "visit"],
            "rules": [
                ("participant exists", "participant_id is in participants"),
                ("one baseline", "every participant has exactly one baseline visit: the row "
                                 "with visit 0 (months_from_baseline 0); every participant "
                                 "of participants has one"),
                ("not empty", "the table has at least one row"),
                ("baseline at month 0", "months_from_baseline is 0 at visit 0 and > 0 later"),
                ("visits ordered", "months_from_baseline and visit_date strictly increase "
                                   "with visit within a participant"),
            ],
        }
