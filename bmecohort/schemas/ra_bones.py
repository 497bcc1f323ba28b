"""The ``ra_bones`` table: RAMRIS scores per bone of the wrist, MCP and MTP joints."""

from __future__ import annotations

from typing import Any, Optional

import pandera.pandas as pa
from pandera.typing import Series

from ..scoring import RA_BONES
from ._fields import field


class RABones(pa.DataFrameModel):
    """One bone per row, keyed by participant, visit, side, bone and reader."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    visit: Series[int] = field("integer", "Nominal visit month (see visits).", key=True, ge=0)
    side: Series[Any] = field("label", "Hand or foot: L or R.", key=True, isin=["L", "R"])
    bone: Series[Any] = field("label", "RAMRIS bone (bmecohort.scoring.RA_BONES).", key=True,
                              isin=list(RA_BONES))
    reader: Series[Any] = field("label", "Reader (or 'consensus').", key=True)
    bme: Optional[Series[float]] = field("number", "RAMRIS bone marrow edema (osteitis), 0-3.",
                                         ge=0, le=3)
    erosion: Optional[Series[float]] = field("number", "RAMRIS erosion, 0-10 (10% steps).",
                                             ge=0, le=10)
    synovitis: Optional[Series[float]] = field(
        "number", "RAMRIS synovitis of the joint region the bone lies in, 0-3.", ge=0, le=3)

    class Config:
        name = "ra_bones"
        description = "RAMRIS bone marrow edema, erosion and local synovitis per bone."
        metadata = {
            "key": ["participant_id", "visit", "side", "bone", "reader"],
            "rules": [
                ("visit exists", "(participant_id, visit) is in visits"),
                ("whole grades", "bme, erosion and synovitis are whole grades"),
                ("one synovitis per region", "bones of the same synovitis region carry the "
                                             "same synovitis score at a visit"),
            ],
        }
