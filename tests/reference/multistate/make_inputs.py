"""Simulated two-state lesion panel (no lesion <-> lesion) at irregular visits (simulated).

2,000 persons observed at 0 and about 1, 2, 4 years (visit times jittered); intensities
0.15 / year (onset) and 0.45 / year (resolution) at mean BMI, onset hazard ratio 1.08 per
kg/m2 (centred BMI ``bmi_c``), resolution hazard ratio 0.95.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg import expm

rng = np.random.default_rng(2024)
n = 2000
bmi_c = rng.normal(0, 4, n).round(2)
times = np.column_stack([np.zeros(n), 1 + rng.uniform(-0.2, 0.2, n),
                         2 + rng.uniform(-0.2, 0.2, n), 4 + rng.uniform(-0.3, 0.3, n)])
state = np.zeros((n, 4), dtype=int)
state[:, 0] = (rng.random(n) < 0.25).astype(int)
for j in range(1, 4):
    for i in range(n):  # a reference generator: clarity over speed
        q01 = 0.15 * 1.08 ** bmi_c[i]
        q10 = 0.45 * 0.95 ** bmi_c[i]
        p = expm(np.array([[-q01, q01], [q10, -q10]]) * (times[i, j] - times[i, j - 1]))
        state[i, j] = int(rng.random() < p[state[i, j - 1], 1])
frame = pd.DataFrame({"participant_id": np.repeat(np.arange(n), 4),
                      "years": times.ravel().round(4), "state": state.ravel() + 1,
                      "bmi_c": np.repeat(bmi_c, 4)})
frame.to_csv(Path(__file__).parent / "inputs" / "lesions.csv", index=False)
