"""Write the IPCW reference input (a simulated cohort with loss depending on age and BML)."""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(11)
n = 800
age = rng.normal(62, 8, n).round(1)
bml = rng.integers(0, 2, n)
p_seen = 1 / (1 + np.exp(-(3.0 - 0.04 * (age - 62) * 1.5 - 0.6 * bml)))
pd.DataFrame({"age": age, "bml": bml, "seen": (rng.random(n) < p_seen).astype(int)}).to_csv(
    Path(__file__).parent / "inputs" / "attrition.csv", index=False)
