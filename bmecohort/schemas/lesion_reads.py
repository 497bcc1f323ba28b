"""The ``lesion_reads`` table: semi-quantitative MRI scores in long format."""

from __future__ import annotations

from typing import Any, Optional

import pandera.pandas as pa
from pandera.typing import Series

from ..scoring import SYSTEMS
from ._fields import field

JOINTS = ("knee", "hip", "sij", "spine", "hand", "foot")
SIDES = ("L", "R", "M")
LATERAL_JOINTS = ("knee", "hip", "sij", "hand", "foot")


class LesionReads(pa.DataFrameModel):
    """One score per row: participant x visit x joint x side x system x item x site x reader."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    visit: Series[int] = field("integer", "Nominal visit month (see visits).", key=True, ge=0)
    joint: Series[Any] = field("label", "Joint scored.", key=True, isin=list(JOINTS))
    side: Series[Any] = field("label", "Side: L or R; M (midline) for the spine.", key=True,
                              isin=list(SIDES))
    system: Series[Any] = field("label", "Scoring system (bmecohort.scoring registry key).",
                                key=True, isin=list(SYSTEMS))
    item: Series[Any] = field("label", "Item of the system, e.g. bml_size.", key=True)
    site: Series[Any] = field("label", "Site code in the item's vocabulary, e.g. TMC.",
                              key=True)
    reader: Series[Any] = field("label", "Reader (or 'consensus').", key=True)
    score: Series[float] = field("number", "Score; missing when the site was not assessable.")
    slice: Optional[Series[float]] = field(
        "integer", "Slice number, for slice-based systems (SPARCC) only.", key=True, ge=1,
        nullable=True)
    lesion_no: Optional[Series[float]] = field(
        "integer", "Lesion number, for per-lesion systems (BLOKS) only.", key=True, ge=1,
        nullable=True)
    read_project: Optional[Series[Any]] = field("label", "Reading project (e.g. OAI READPRJ).",
                                                key=True, nullable=True)

    class Config:
        name = "lesion_reads"
        description = "Semi-quantitative lesion scores, one per row (long format)."
        metadata = {
            "key": ["participant_id", "visit", "joint", "side", "system", "item", "site",
                    "reader", "slice", "lesion_no", "read_project"],
            "rules": [
                ("visit exists", "(participant_id, visit) is in visits"),
                ("item of system", "item is an item of the system"),
                ("site in vocabulary", "site is in the site vocabulary of (system, item)"),
                ("joint of system", "joint is the joint the system scores"),
                ("side for joint", "side is L or R for lateral joints, M for the spine"),
                ("score in range", "score lies within the item's minimum and maximum"),
                ("score on step", "score is a whole step of the item (half grades only for "
                                  "items with within-grade change, when allowed)"),
                ("slice when needed", "slice is given, within the item's slices, exactly for "
                                      "slice-based items"),
                ("lesion number when needed", "lesion_no is given exactly for per-lesion "
                                              "items"),
            ],
        }
