# %% [markdown]
# # Koo 1999: bone marrow edema and pain in osteonecrosis; BMES vs avascular necrosis
#
# "Bone marrow edema and associated pain in early stage osteonecrosis of the femoral head:
# prospective study with serial MR images." *Radiology* 1999;213:715-722 (literature.md
# section 9a; first author Koo KH as cited by the slides). 33 patients, 37 hips.
#
# 1. **Published counts**: marrow edema in 7 of 14 painful vs 1 of 23 painless hips
#    (P < .01), and in 6 of 7 moderately to severely painful hips.
# 2. The slides' table of **distinguishing features of bone marrow edema syndromes (BMES)
#    and avascular necrosis (AVN)** (source slides, seeds/000: male/female 3:1 vs 1:1;
#    unilateral vs bilateral in more than 50%; resolution vs progressive in 70-80%; BMES
#    self-limiting in 6-24 months, unilateral in 90%) as a **design check on simulated
#    data**: `hip_cohort` (200 participants, an assumption; the slides give no size and no
#    interval, so the information cannot be matched to anything) with the slide values as
#    the truth, analysed by `bmes_vs_avn`. It checks the feature table's estimators on
#    data made to fit the slides; it confirms nothing about them.

# %%
from __future__ import annotations

import math

from bmecohort import bmes_vs_avn, odds_ratio_from_counts, proportion
from bmecohort.reproduce import (
    Published,
    count_row,
    design_row,
    p_value_row,
    replicate,
    show,
)
from bmecohort.simulate import hip_cohort

PAPER = "Koo 1999 (Radiology 213:715)"
SLIDES = "Slides: BMES vs AVN (seeds/000)"

# literature.md 9a, VERIFIED: "Seven (50%) of 14 symptomatic hips showed marrow edema ...
# whereas only one (4%) of 23 asymptomatic hips showed edema (P < .01)."
PAINFUL_BME, PAINFUL = 7, 14
PAINLESS_BME, PAINLESS = 1, 23
PAINFUL_PCT = Published("50", unit="%", source="literature.md 9a (VERIFIED)")
PAINLESS_PCT = Published("4", unit="%", source="literature.md 9a (VERIFIED)")
P_VALUE = Published("<.01", source="literature.md 9a (VERIFIED)")
# literature.md 9a, VERIFIED: "Six (86%) of seven hips that were moderately to severely
# painful were associated with surrounding marrow edema."
SEVERE_BME, SEVERE = 6, 7
SEVERE_PCT = Published("86", unit="%", source="literature.md 9a (VERIFIED)")
# literature.md 9a: the published OR: not printed (22.0 is DERIVED there)
ODDS_RATIO = Published(None, source="literature.md 9a (not printed)")

# seeds/000 slide "Distinguishing features of Bone Marrow Edema Syndromes and Avascular
# Osteonecrosis" and slide "Bone Marrow Oedema Syndrome (Transient Osteoporosis of the Hip)":
# "Male/Female Ratio 3 to 1 | 1 to 1"; "Laterality: Unilateral, may be recurrent | Bilateral
# in more than 50 % of cases"; "Prognosis: Resolution | Progressive in 70-80 % of patients";
# "Usually monolateral (90% of cases)"; "Self-limiting clinical course (6-24 months)".
FEATURES = {
    ("bmes", "male"): Published("75", unit="%", label="M/F 3:1", source=SLIDES),
    ("avn", "male"): Published("50", unit="%", label="M/F 1:1", source=SLIDES),
    ("bmes", "bilateral"): Published("10", unit="%", label="monolateral in 90%",
                                     source=SLIDES),
    ("avn", "bilateral"): Published(">50", unit="%", source=SLIDES),
    ("avn", "progressed"): Published(None, "70", "80", unit="%", range=True, source=SLIDES),
}
RESOLUTION_MONTHS = Published(None, "6", "24", unit=" months", range=True, source=SLIDES)
PARTICIPANTS = 200
# Assumptions inside the printed bound and range: AVN bilateral 55%, progression 75%;
# BMES median time to resolution 10 months.
ASSUMED_AVN_BILATERAL, ASSUMED_AVN_PROGRESSION = 0.55, 0.75
ASSUMED_MEDIAN_MONTHS = 10.0
#: The simulator's truth for each feature, in percent.
TRUTH = {("bmes", "male"): 75.0, ("avn", "male"): 50.0, ("bmes", "bilateral"): 10.0,
         ("avn", "bilateral"): 100 * ASSUMED_AVN_BILATERAL,
         ("avn", "progressed"): 100 * ASSUMED_AVN_PROGRESSION}


# %% [markdown]
# ## Edema and pain in osteonecrotic hips, from the published counts

# %%
def count_rows(counts: dict[str, int] | None = None) -> list[dict]:
    """Proportions, the exact OR and Fisher's p (``counts`` overrides the cells)."""
    cells = counts or {"exposed_cases": PAINFUL_BME,
                       "exposed_noncases": PAINFUL - PAINFUL_BME,
                       "unexposed_cases": PAINLESS_BME,
                       "unexposed_noncases": PAINLESS - PAINLESS_BME}
    n1 = cells["exposed_cases"] + cells["exposed_noncases"]
    n0 = cells["unexposed_cases"] + cells["unexposed_noncases"]
    exact = odds_ratio_from_counts(**cells, method="exact")
    return [
        count_row("9a", PAPER, f"marrow edema in painful hips, % ({cells['exposed_cases']}/"
                  f"{n1}; Wilson 95% CI)", PAINFUL_PCT,
                  proportion(cells["exposed_cases"], n1), scale=100),
        count_row("9b", PAPER, f"marrow edema in painless hips, % ({cells['unexposed_cases']}"
                  f"/{n0}; Wilson 95% CI)", PAINLESS_PCT,
                  proportion(cells["unexposed_cases"], n0), scale=100),
        count_row("9c", PAPER, "OR of marrow edema, painful vs painless hips (exact)",
                  ODDS_RATIO, exact, note="no OR printed; conditional MLE with Fisher's "
                  "interval (the one-count cell makes Woolf's unreliable)"),
        p_value_row("9d", PAPER, "Fisher's exact p, edema vs pain", P_VALUE,
                    exact.p_values["fisher"]),
        count_row("9e", PAPER, f"marrow edema in moderately to severely painful hips, % "
                  f"({SEVERE_BME}/{SEVERE}; Wilson 95% CI)", SEVERE_PCT,
                  proportion(SEVERE_BME, SEVERE), scale=100),
    ]


# %% [markdown]
# ## The BMES vs AVN table on a simulated hip cohort

# %%
def simulate_and_fit(seed: int) -> dict[str, tuple[float, ...]]:
    """One replicate: the feature proportions and the BMES median time to resolution."""
    cohort = hip_cohort(PARTICIPANTS, seed=seed, bmes_male=0.75, avn_male=0.5,
                        bmes_recurrence=0.10, avn_bilateral=ASSUMED_AVN_BILATERAL,
                        avn_progression=ASSUMED_AVN_PROGRESSION,
                        bmes_median_months=ASSUMED_MEDIAN_MONTHS)
    table = bmes_vs_avn(cohort).summary()
    out = {}
    for (diagnosis, feature) in FEATURES:
        row = table[(table["analysis"] == diagnosis) & (table["term"] == feature)].iloc[0]
        out[f"{diagnosis}: {feature}"] = (float(row["estimate"]), float(row["ci_lower"]),
                                          float(row["ci_upper"]), math.nan)
    median = table[table["term"] == "median months (bmes)"].iloc[0]
    out["bmes: months to resolution"] = (float(median["estimate"]), math.nan, math.nan,
                                         math.nan)
    return out


def run(quick: bool = False, seed: int = 715) -> list[dict]:
    """Every row of this analysis (``quick``: 20 replicates instead of 200)."""
    replication = replicate(simulate_and_fit, seed=seed, replicates=20 if quick else 200)
    design = (f"{PARTICIPANTS} simulated participants (an assumption); simulator set to the "
              "slide values (3:1, 1:1, 10% recurrence; AVN bilateral 55% and progression 75% "
              "chosen inside the printed bound and range), so agreement is by construction")
    rows = count_rows()
    for i, ((diagnosis, feature), published) in enumerate(FEATURES.items(), start=1):
        unit = "persons" if feature in ("male", "bilateral") else "hips"
        rows.append(design_row(
            f"9f-{i}", SLIDES, f"{diagnosis.upper()}: {feature}, % of {unit} (Wilson 95% CI)",
            published, replication, f"{diagnosis}: {feature}",
            truth=TRUTH[(diagnosis, feature)], scale="linear", multiplier=100, note=design))
    rows.append(design_row(
        "9g", SLIDES, "BMES: median months to resolution", RESOLUTION_MONTHS, replication,
        "bmes: months to resolution", truth=ASSUMED_MEDIAN_MONTHS, scale="linear",
        note=design + "; lognormal time to resolution, median 10 months (assumption)"))
    return rows


# %%
if __name__ == "__main__":
    print(show(run()).to_string())
