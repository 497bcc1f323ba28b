"""The ``knee_outcomes`` table: clinical and radiographic knee outcomes per visit."""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ._fields import field


class KneeOutcomes(pa.DataFrameModel):
    """Knee outcomes, keyed by (participant_id, visit, side)."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    visit: Series[int] = field("integer", "Nominal visit month (see visits).", key=True, ge=0)
    side: Series[Any] = field("label", "Knee: L or R.", key=True, isin=["L", "R"])
    womac_pain: Optional[Series[float]] = field(
        "number", "WOMAC pain, Likert format, 0 (none) to 20 (worst).", ge=0, le=20)
    frequent_knee_pain: Optional[Series[pd.BooleanDtype]] = field(
        "boolean", "Pain, aching or stiffness on most days of a month in the past year.")
    vas_pain: Optional[Series[float]] = field("number", "Knee pain, visual analogue scale "
                                                        "0-100 mm.", ge=0, le=100)
    kl_grade: Optional[Series[float]] = field("number", "Kellgren-Lawrence grade 0-4.",
                                              ge=0, le=4)
    jsn_medial: Optional[Series[float]] = field("number", "OARSI joint space narrowing, "
                                                          "medial, 0-3.", ge=0, le=3)
    jsn_lateral: Optional[Series[float]] = field("number", "OARSI joint space narrowing, "
                                                           "lateral, 0-3.", ge=0, le=3)
    cartilage_defect: Optional[Series[float]] = field(
        "number", "Tibiofemoral cartilage defect score: four sites (medial and lateral tibia "
                  "and femur) each 0-4, summed 0-16.", ge=0, le=16)
    cartilage_volume_medial_tibial: Optional[Series[float]] = field(
        "number", "Medial tibial cartilage volume, mm3 (MRI segmentation).", ge=0, le=20000)
    cartilage_volume_lateral_tibial: Optional[Series[float]] = field(
        "number", "Lateral tibial cartilage volume, mm3 (MRI segmentation).", ge=0, le=20000)
    alignment_deg: Optional[Series[float]] = field(
        "number", "Mechanical (hip-knee-ankle) alignment, degrees; positive = varus.",
        ge=-30, le=30)

    class Config:
        name = "knee_outcomes"
        description = "Clinical and radiographic outcomes of each knee at each visit."
        metadata = {
            "key": ["participant_id", "visit", "side"],
            "rules": [
                ("visit exists", "(participant_id, visit) is in visits"),
                ("whole grades", "kl_grade, jsn_medial, jsn_lateral and cartilage_defect are "
                                 "whole grades (half grades only when within-grade change "
                                 "is allowed)"),
            ],
        }
