# %% [markdown]
# # Felson 2001: bone marrow lesions in painful and painless knees
#
# Felson DT et al. The association of bone marrow lesions with pain in knee osteoarthritis.
# *Ann Intern Med* 2001;134:541-549. Cross-sectional, 401 patients with radiographic knee
# OA: 351 with knee pain, 50 without (literature.md section 3).
#
# Everything here is recomputed from **published counts**: BML in 272 of 351 painful and 15
# of 50 painless knees. The paper's own odds ratio was not found (literature.md 3: NOT
# FOUND), so the odds-ratio rows have nothing to match; they show how the interval method
# changes the interval. The large-lesion counts were printed only as percentages of the
# known denominators; the counts are the integers that round to them, so those rows match
# by construction and are not counted as confirmations.

# %%
from __future__ import annotations

from bmecohort import odds_ratio_from_counts, proportion
from bmecohort.reproduce import Published, count_row, p_value_row, printed_count, show

PAPER = "Felson 2001 (Ann Intern Med 134:541)"

# literature.md 3, VERIFIED: "77.5% (272 of 351) of patients with knee pain had MRI evidence
# of bone marrow lesions compared with only 30% (15 of 50) of patients without knee pain
# (P<0.001)."
PAINFUL_BML, PAINFUL = 272, 351
PAINLESS_BML, PAINLESS = 15, 50
PAINFUL_PCT = Published("77.5", unit="%", source="literature.md 3 (VERIFIED)")
PAINLESS_PCT = Published("30", unit="%", source="literature.md 3 (VERIFIED)")
P_VALUE = Published("<0.001", source="literature.md 3 (VERIFIED)")
# literature.md 3: the published OR and CI (crude or adjusted): NOT FOUND
ODDS_RATIO = Published(None, source="literature.md 3 (NOT FOUND)")
# literature.md 3, VERIFIED: "Large bone marrow lesions were found in 35.9% of patients
# having knee pain compared to only 2% of patients without knee pain."
LARGE_PAINFUL = Published("35.9", unit="%", source="literature.md 3 (VERIFIED)")
LARGE_PAINLESS = Published("2", unit="%", source="literature.md 3 (VERIFIED)")


# %% [markdown]
# ## Any BML: proportions, the odds ratio by every interval method, Fisher's exact test
#
# Pain is the row variable (exposure) and BML the outcome, as the paper's comparison reads.

# %%
def any_bml_rows(counts: dict[str, int] | None = None) -> list[dict]:
    """Rows for any BML; ``counts`` overrides the published cells (used by the tests)."""
    cells = counts or {"exposed_cases": PAINFUL_BML,
                       "exposed_noncases": PAINFUL - PAINFUL_BML,
                       "unexposed_cases": PAINLESS_BML,
                       "unexposed_noncases": PAINLESS - PAINLESS_BML}
    painful_n = cells["exposed_cases"] + cells["exposed_noncases"]
    painless_n = cells["unexposed_cases"] + cells["unexposed_noncases"]
    rows = [
        count_row("2a", PAPER, f"BML in painful knees, % ({cells['exposed_cases']}/"
                  f"{painful_n}; Wilson 95% CI)", PAINFUL_PCT,
                  proportion(cells["exposed_cases"], painful_n), scale=100),
        count_row("2b", PAPER, f"BML in painless knees, % ({cells['unexposed_cases']}/"
                  f"{painless_n}; Wilson 95% CI)", PAINLESS_PCT,
                  proportion(cells["unexposed_cases"], painless_n), scale=100),
    ]
    exact = None
    for suffix, method in (("woolf", "woolf"), ("exact", "exact"), ("midp", "midp"),
                           ("cornfield", "cornfield")):
        result = odds_ratio_from_counts(**cells, method=method)
        exact = result if method == "exact" else exact
        rows.append(count_row(
            f"2c-{suffix}", PAPER, f"OR of BML, painful vs painless ({result.method})",
            ODDS_RATIO, result,
            note="the paper's odds ratio was not found; this row shows the crude OR by "
                 "interval method"))
    rows.append(p_value_row("2d", PAPER, "Fisher's exact p, BML vs pain", P_VALUE,
                            exact.p_values["fisher"]))
    return rows


# %% [markdown]
# ## Large lesions
#
# Only the percentages were printed. Of 351 painful knees exactly one count, 126, rounds to
# 35.9%; of 50 painless knees, 1 gives 2%. The proportions then match by construction; the
# intervals and the odds ratio are new, and the two proportions confirm nothing. The 1-count cell makes the exact interval the one
# to read.

# %%
def large_bml_rows() -> list[dict]:
    """Large BML: counts implied by the printed percentages, proportions and exact OR."""
    painful = printed_count(LARGE_PAINFUL.estimate, PAINFUL)
    painless = printed_count(LARGE_PAINLESS.estimate, PAINLESS)
    if len(painful) != 1 or len(painless) != 1:
        raise ValueError(f"the printed percentages do not give unique counts: {painful}, "
                         f"{painless}")
    a, c = int(painful[0]), int(painless[0])
    implied = "count implied by the printed percentage of the known denominator (unique)"
    rows = [
        count_row("2e", PAPER, f"large BML in painful knees, % ({a}/{PAINFUL}; Wilson 95% CI)",
                  LARGE_PAINFUL, proportion(a, PAINFUL), scale=100, from_percentage=True,
                  note="the interval is new"),
        count_row("2f", PAPER, f"large BML in painless knees, % ({c}/{PAINLESS}; Wilson 95% "
                  "CI)", LARGE_PAINLESS, proportion(c, PAINLESS), scale=100,
                  from_percentage=True, note="the interval is new"),
    ]
    result = odds_ratio_from_counts(exposed_cases=a, exposed_noncases=PAINFUL - a,
                                    unexposed_cases=c, unexposed_noncases=PAINLESS - c,
                                    method="exact")
    rows.append(count_row("2g", PAPER, "OR of large BML, painful vs painless (exact)",
                          ODDS_RATIO, result,
                          note=f"no published OR; {implied}"))
    return rows


def run(quick: bool = False, seed: int = 2001) -> list[dict]:
    """Every row of this analysis (no simulation: ``quick`` and ``seed`` are unused)."""
    return [*any_bml_rows(), *large_bml_rows()]


# %%
if __name__ == "__main__":
    print(show(run()).to_string())
