"""Inputs for the GEE references (make_gee.R): python make_inputs.py, from this folder.

visits.csv: 160 participants seen at up to 5 yearly visits (1-5), about a fifth of the visits
missing (never visit 1 for every participant, so the waves have gaps), with a binary, a
count and a continuous outcome that share an AR-1-like participant process, a time-varying
exposure (bml), a participant-level one (age) and the visit number.
fallback.csv: one of tests/test_fastgee.py's random designs in which the exchangeable
correlation falls below -1/(m_max - 1) (the fast solver stops; statsmodels and geepack
converge).
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2026)
n, visits = 160, 5
person = np.repeat(np.arange(1, n + 1), visits)
visit = np.tile(np.arange(1, visits + 1), n)
age = np.repeat(rng.normal(60, 8, n).round(1), visits)
# AR-1 latent process over visits, correlation 0.6 per year
latent = np.empty((n, visits))
latent[:, 0] = rng.normal(size=n)
for t in range(1, visits):
    latent[:, t] = 0.6 * latent[:, t - 1] + np.sqrt(1 - 0.36) * rng.normal(size=n)
latent = latent.ravel()
bml = (rng.random(n * visits) < 0.35 + 0.1 * (latent > 0)).astype(int)
linear = -0.8 + 0.7 * bml + 0.03 * (age - 60) + 0.1 * visit
pain = (rng.random(n * visits) < 1 / (1 + np.exp(-(linear + 1.2 * latent)))).astype(int)
lesions = rng.poisson(np.exp(0.2 + 0.5 * bml + 0.02 * (age - 60) + 0.5 * latent))
volume = 2.0 + 0.8 * bml + 0.05 * (age - 60) + 0.2 * visit + 1.0 * latent + rng.normal(0, 0.7, n * visits)
frame = pd.DataFrame({"person_id": person, "visit": visit, "age": age, "bml": bml,
                      "pain": pain, "lesions": lesions, "volume": volume.round(4)})
keep = rng.random(len(frame)) > 0.2
keep[frame["person_id"].to_numpy() <= 20] = True  # some participants seen at every visit
frame = frame[keep]
here = Path(__file__).parent
frame.to_csv(here / "inputs" / "visits.csv", index=False)

sys.path.insert(0, str(here.parents[1]))
from test_fastgee import _random_design  # noqa: E402

_, design = _random_design(30)
design.dropna().sort_values("person", kind="stable").to_csv(here / "inputs" / "fallback.csv",
                                                            index=False)
