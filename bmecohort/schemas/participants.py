"""The ``participants`` table: one row per person."""

from __future__ import annotations

from typing import Any, Optional

import pandera.pandas as pa
from pandera.typing import Series

from ._fields import field

SEXES = ("F", "M")
CONDITIONS = ("knee_oa", "knee_no_oa", "axspa", "early_arthritis", "ra", "hand_oa", "hip",
              "other")


class Participants(pa.DataFrameModel):
    """Participants: one row per person, keyed by ``participant_id``."""

    participant_id: Series[Any] = field("id", "Participant identifier (unique).", key=True)
    sex: Series[Any] = field("label", "Sex: F or M.", isin=list(SEXES), nullable=False)
    age: Series[float] = field("number", "Age at baseline, years.", ge=0, le=120,
                               nullable=False)
    bmi: Optional[Series[float]] = field("number", "Body mass index at baseline, kg/m2.",
                                         ge=10, le=80)
    condition: Optional[Series[Any]] = field(
        "label", "Condition the participant was enrolled for.", isin=list(CONDITIONS))
    study: Optional[Series[Any]] = field("label", "Study or cohort the participant comes from.")

    class Config:
        name = "participants"
        description = "One row per participant."
        metadata = {"key": ["participant_id"], "rules": [
            ("one baseline", "every participant has a baseline visit (visit 0) in visits; a "
                             "participant without any visit is refused"),
            ("not empty", "a cohort has at least one participant"),
        ]}
