"""Simulated mixed-model input: knees within persons over 5 visits (simulated data).

Total BML score by visit month, a person-level exposure (``bml_baseline``), a knee-level
random intercept nested in a person-level random intercept and slope.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
persons, visits = 150, np.array([0, 12, 24, 36, 48])
pid = np.repeat(np.arange(persons), 2 * len(visits))
side = np.tile(np.repeat([0, 1], len(visits)), persons)
months = np.tile(visits, 2 * persons)
years = months / 12
exposure = np.repeat(rng.integers(0, 2, persons), 2 * len(visits))
person_int = np.repeat(rng.normal(0, 2.0, persons), 2 * len(visits))
person_slope = np.repeat(rng.normal(0, 0.4, persons), 2 * len(visits))
knee_int = np.repeat(rng.normal(0, 1.0, 2 * persons), len(visits))
score = (3 + 1.5 * exposure + 0.5 * years + 0.3 * exposure * years + person_int
         + person_slope * years + knee_int + rng.normal(0, 1.2, len(pid)))
frame = pd.DataFrame({"participant_id": pid, "side": np.where(side == 0, "L", "R"),
                      "years": years, "bml_baseline": exposure, "score": score.round(4)})
frame = frame.drop(index=rng.choice(len(frame), 80, replace=False))  # missed visits
frame.to_csv(Path(__file__).parent / "inputs" / "knees.csv", index=False)
