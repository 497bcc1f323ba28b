# %% [markdown]
# # Davies-Tuck 2009: incidence, resolution and incident pain
#
# Davies-Tuck ML et al. The natural history of bone marrow lesions in community-based
# adults with no clinical knee osteoarthritis. *Ann Rheum Dis* 2009;68:904-908.
# 271 pain-free adults, the dominant knee (one knee per person), MRI at baseline and about
# 2 years later (literature.md section 1).
#
# * Incidence (14%) and complete resolution (46%) are recomputed from the counts of the
#   companion paper on the same cohort (33 of 234, 17 of 37): **published counts**.
# * The odds ratio of incident pain for incident BML, 4.2 (1.2-15.1), cannot be recomputed:
#   the pain counts were not published, nor the model or its covariates. It gets a
#   **design check on simulated data**: the crude (unadjusted) Woolf odds ratio of 2x2
#   tables with the published margins, 33 knees with incident BML vs 201 without, and a
#   true odds ratio of 4.2. This checks the estimator under an assumed design, not the
#   paper's data, and an unadjusted analysis of an estimate whose adjustment is unknown.

# %%
from __future__ import annotations

import numpy as np
import pandas as pd

from bmecohort import cartilage_volume_change, proportion
from bmecohort.reproduce import (
    Published,
    count_row,
    design_row,
    gee_batch,
    not_reproducible_row,
    replicate_batch,
    show,
    woolf_tables,
)
from bmecohort.simulate import knee_cohort

PAPER = "Davies-Tuck 2009 (Ann Rheum Dis 68:904)"

# literature.md 1, VERIFIED (abstract): "incident BML developed in 14% of people"
INCIDENCE = Published("14", unit="%", source="literature.md 1 (VERIFIED)")
# literature.md 1, VERIFIED (abstract): "46% completely resolved"
RESOLUTION = Published("46", unit="%", source="literature.md 1 (VERIFIED)")
# literature.md 1, VERIFIED (companion paper, Arthritis Res Ther 2010;12:R10):
# "Among 234 subjects free of BMLs at baseline, 33 developed BMLs over 2 years."
INCIDENT, AT_RISK = 33, 234
# "Among 37 subjects with BMLs at baseline, 17 resolved."
RESOLVED, WITH_BML = 17, 37
# literature.md 1, VERIFIED (abstract): "OR 4.2, 95% CI 1.2 to 15.1, p = 0.03"
PAIN_OR = Published("4.2", "1.2", "15.1", source="literature.md 1 (VERIFIED)")
# literature.md 1, VERIFIED (abstract): "Increased body mass index (BMI; odds ratio (OR)
# 1.15, 95% CI 1.06 to 1.2, p = 0.001)" for incident BML
BMI_OR = Published("1.15", "1.06", "1.2", source="literature.md 1 (VERIFIED)")
# literature.md 1, VERIFIED (companion paper, Arthritis Res Ther 2010;12:R10): "Resolution
# of BML was associated with reduced medial tibial cartilage loss: beta -35.9 (-65, -6.82)
# mm3/yr"
RESOLUTION_BETA = Published("-35.9", "-65", "-6.82", unit=" mm3/yr",
                            source="literature.md 1 (VERIFIED, Davies-Tuck 2010)")
# Assumption (not published): risk of incident pain in knees without incident BML, chosen
# so that the simulated intervals are as wide as the published one (width ratio near 1).
ASSUMED_PAIN_RISK = 0.035


# %% [markdown]
# ## Incidence and resolution from the published counts
#
# Wilson (score) and Clopper-Pearson (exact) 95% intervals; the paper printed none.

# %%
def occurrence_rows() -> list[dict]:
    """Incidence and resolution with Wilson and exact intervals, from the counts."""
    rows = []
    for id_, name, published, events, n in (
            ("1a", "BML incidence", INCIDENCE, INCIDENT, AT_RISK),
            ("1b", "complete BML resolution", RESOLUTION, RESOLVED, WITH_BML)):
        for suffix, method in (("", "wilson"), ("-exact", "exact")):
            result = proportion(events, n, method=method)
            rows.append(count_row(
                f"{id_}{suffix}", PAPER, f"{name}, % ({events}/{n}; {result.method} 95% CI)",
                published, result, scale=100, independent=method == "wilson",
                note="the paper printed no interval; the interval is new"
                + ("" if method == "wilson" else "; the estimate repeats the Wilson row "
                   "(not counted twice)")))
    return rows


# %% [markdown]
# ## Incident BML and incident pain: design check
#
# The crude odds ratio from a 2x2 table: 33 knees with incident BML and 201 without (the
# published margins), incident pain drawn binomially with risk 3.5% without incident BML
# (an assumption: the pain counts were not published; chosen so that the Woolf intervals
# are about as wide as the published 1.2-15.1) and odds 4.2 times higher with it. Every
# replicate's table is analysed at once (Woolf, as `odds_ratio_from_counts`). The
# published estimate may be adjusted (its model and covariates were not found): this is
# an unadjusted check of the estimator, not a reproduction.

# %%
def simulate_and_fit(seeds: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Every replicate at once: one 2x2 table per seed, the crude Woolf odds ratio."""
    unexposed_risk = ASSUMED_PAIN_RISK
    odds = PAIN_OR.values()[0] * unexposed_risk / (1 - unexposed_risk)
    exposed_risk = odds / (1 + odds)
    n1, n0 = INCIDENT, AT_RISK - INCIDENT
    draws = np.array([np.random.default_rng(s).binomial([n1, n0],
                                                        [exposed_risk, unexposed_risk])
                      for s in seeds])
    a, c = draws[:, 0], draws[:, 1]
    return {"pain": woolf_tables(a, n1 - a, c, n0 - c)}


def volume_fit(seeds: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Every replicate of the 2010 cartilage analysis at once: resolved vs persistent knees.

    A replicate is 271 persons, one knee, 37 with a BML at baseline in expectation of
    which 17 resolve; medial tibial cartilage loss (mm3/yr) by Gaussian GEE adjusted for
    age and BMI. One cohort of ``len(seeds)`` x 271 persons is simulated with the first
    seed and analysed once by `cartilage_volume_change`; its consecutive blocks of 271
    persons are the replicates, each fitted on its own knees (`gee_batch`, as `gee` fits
    one). A replicate whose BML knees all resolve, or none, is dropped.
    """
    persons = AT_RISK + WITH_BML
    cohort = knee_cohort(persons * len(seeds), seed=int(seeds[0]), knees="one",
                         visits=(0, 24), dropout=0.0, pain_free_baseline=True,
                         baseline_prevalence=WITH_BML / persons,
                         resolution=RESOLVED / WITH_BML,
                         volume_loss_resolved=RESOLUTION_BETA.values()[0])
    frame = cartilage_volume_change(cohort).frame
    lesion = frame[frame["bml0"].astype(bool)].assign(
        resolved=lambda d: (d["course"] == "resolved").astype(float))
    position = pd.Series(np.arange(len(cohort.participants)),
                         index=cohort.participants["participant_id"].astype(str))
    block = position.reindex(lesion["participant_id"].astype(str)).to_numpy() // persons
    return {"resolution": gee_batch(lesion, outcome="annual_loss", exposure="resolved",
                                    covariates=("age", "bmi"), batch=block,
                                    replicates=len(seeds))}


def run(quick: bool = False, seed: int = 2009) -> list[dict]:
    """Every row of this analysis (``quick``: 50 replicates instead of 1000)."""
    replication = replicate_batch(simulate_and_fit, seed=seed,
                                  replicates=50 if quick else 1000)
    pain = design_row(
        "1c", PAPER, "OR of incident knee pain for incident BML (crude Woolf; the published "
        "model is unknown)", PAIN_OR, replication, "pain", truth=PAIN_OR.values()[0],
        note=f"{INCIDENT} vs {AT_RISK - INCIDENT} knees; pain risk {ASSUMED_PAIN_RISK:.1%} "
             "without incident BML is an assumption chosen for the interval width; the "
             "true OR is the published one (a simulator input)")
    bmi = not_reproducible_row(
        "1d", PAPER, "OR of incident BML per unit of BMI", BMI_OR,
        "BMI is continuous and no individual data or model were published")
    volumes = replicate_batch(volume_fit, seed=seed + 1, replicates=20 if quick else 200)
    beta = design_row(
        "1e", "Davies-Tuck 2010 (Arthritis Res Ther 12:R10)", "difference in medial tibial "
        "cartilage loss, resolved vs persistent BML (mm3/yr; Gaussian GEE adjusted for age "
        "and BMI; the paper's adjustment is unknown)", RESOLUTION_BETA, volumes, "resolution",
        truth=RESOLUTION_BETA.values()[0], scale="linear",
        note="the true difference -35.9 mm3/yr is a simulator input; a knee's own loss rate "
             "varies with SD 40 mm3/yr, an assumption; the replicates are consecutive blocks "
             "of 271 persons of one simulated cohort, fitted at once")
    return [*occurrence_rows(), pain, bmi, beta]


# %%
if __name__ == "__main__":
    print(show(run()).to_string())
