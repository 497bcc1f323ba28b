"""The ``spine_corners`` table: anterior vertebral corners, radiographic and MRI reads."""

from __future__ import annotations

from typing import Any, Optional

import pandera.pandas as pa
from pandera.typing import Series

from ..scoring import VERTEBRAE
from ._fields import field


class SpineCorners(pa.DataFrameModel):
    """One anterior vertebral corner per row, keyed by participant, visit, level, corner, reader."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    visit: Series[int] = field("integer", "Nominal visit month (see visits).", key=True, ge=0)
    level: Series[Any] = field("label", "Vertebra, C2 to S1.", key=True, isin=list(VERTEBRAE))
    corner: Series[Any] = field("label", "Anterior corner: upper or lower endplate.", key=True,
                                isin=["upper", "lower"])
    reader: Series[Any] = field("label", "Reader (or 'consensus').", key=True)
    msasss: Optional[Series[float]] = field(
        "number", "mSASSS grade: 0 normal, 1 erosion/sclerosis/squaring, 2 syndesmophyte, "
                  "3 bridging syndesmophyte.", ge=0, le=3)
    mri_inflammation: Optional[Series[float]] = field(
        "number", "MRI corner inflammatory lesion (STIR), 0 absent / 1 present.",
        isin=[0.0, 1.0])
    mri_fat: Optional[Series[float]] = field(
        "number", "MRI corner fat lesion (T1), 0 absent / 1 present.", isin=[0.0, 1.0])

    class Config:
        name = "spine_corners"
        description = "Anterior vertebral corners C2-S1: mSASSS and MRI inflammation and fat."
        metadata = {
            "key": ["participant_id", "visit", "level", "corner", "reader"],
            "rules": [
                ("visit exists", "(participant_id, visit) is in visits"),
                ("corner exists", "the corner exists (C2 has no upper and S1 no lower "
                                  "anterior corner)"),
                ("mSASSS corner", "msasss is scored only on the 24 mSASSS corners "
                                  "(C2-T1 and T12-S1)"),
                ("whole grades", "msasss is a whole grade"),
                ("bridging rule", "a bridging syndesmophyte (3) at the lower corner of one "
                                  "vertebra means 3 at the upper corner of the next"),
            ],
        }
