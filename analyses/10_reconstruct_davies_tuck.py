# %% [markdown]
# # Beyond the papers: which 2x2 tables give Davies-Tuck's OR 4.2 (1.2-15.1)?
#
# Davies-Tuck 2009 (literature.md section 1) reports that those who developed a BML were
# more likely to develop knee pain, OR 4.2 (95% CI 1.2 to 15.1), and the companion paper
# gives the exposure margins: 33 knees with incident BML, 201 without (234 at risk). The
# pain counts were not published. `reconstruct_2x2` enumerates every table with these
# margins, computes the odds ratio and its interval (Woolf, as an unadjusted logistic
# regression prints it, or Cornfield), rounds to the printed one decimal and keeps the
# tables that reproduce all three numbers.
#
# **The answer is that no crude table fits**, by either method: the published OR was not
# computed from a crude 2x2 table with these margins (it was presumably adjusted, or came
# from fewer knees). The nearest candidates, found by relaxing the precision to whole
# numbers, are listed in the note with the pain counts they would need.

# %%
from __future__ import annotations

from bmecohort import reconstruct_2x2
from bmecohort.reproduce import Published, not_reproducible_row, show

PAPER = "Davies-Tuck 2009 (Ann Rheum Dis 68:904)"

# literature.md 1, VERIFIED (abstract): "OR 4.2, 95% CI 1.2 to 15.1, p = 0.03"
PAIN_OR = Published("4.2", "1.2", "15.1", source="literature.md 1 (VERIFIED)")
# literature.md 1, VERIFIED (companion paper): "Among 234 subjects free of BMLs at baseline,
# 33 developed BMLs" -> 33 exposed, 201 unexposed
INCIDENT, AT_RISK = 33, 234


# %%
def reconstructions(n_exposed: int = INCIDENT, n_unexposed: int = AT_RISK - INCIDENT,
                    method: str = "woolf") -> tuple[object, object]:
    """The tables that reproduce the printed numbers, and the near ones (whole numbers)."""
    exact = reconstruct_2x2(PAIN_OR.estimate, PAIN_OR.ci_lower, PAIN_OR.ci_upper,
                            n_exposed=n_exposed, n_unexposed=n_unexposed, method=method)
    near = reconstruct_2x2(PAIN_OR.estimate, PAIN_OR.ci_lower, PAIN_OR.ci_upper,
                           n_exposed=n_exposed, n_unexposed=n_unexposed, method=method,
                           decimals=0)
    return exact, near


def run(quick: bool = False, seed: int = 904) -> list[dict]:
    """One row per interval method, not reproducible (no simulation: ``quick`` and ``seed``
    are unused)."""
    rows = []
    for method in ("woolf", "cornfield"):
        exact, near = reconstructions(method=method)
        best = exact if exact.n_candidates else near
        top = best.candidates.iloc[0] if best.n_candidates else None
        tables = "; ".join(
            f"{r.exposed_cases}/{r.exposed_noncases} vs {r.unexposed_cases}/"
            f"{r.unexposed_noncases}: {r.estimate:.2f} ({r.ci_lower:.2f}-{r.ci_upper:.2f})"
            for r in near.candidates.head(3).itertuples())
        note = (f"{exact.n_candidates} of {exact.accounting.n_rows} tables with margins "
                f"{INCIDENT}/{AT_RISK - INCIDENT} reproduce 4.2 (1.2-15.1) at one decimal; "
                f"{near.n_candidates} come within half a unit of each number (pain cases/"
                f"non-cases, incident BML vs none): {tables or 'none'}")
        if near.n_candidates:
            pain = near.candidates[["exposed_cases", "unexposed_cases"]].min()
            note += (f"; all need pain in at least {pain['exposed_cases']} of {INCIDENT} "
                     f"knees with incident BML and {pain['unexposed_cases']} of "
                     f"{AT_RISK - INCIDENT} without")
        rows.append(not_reproducible_row(
            f"10-{method}", PAPER, f"crude 2x2 table behind OR 4.2 (1.2-15.1), {INCIDENT} "
            f"vs {AT_RISK - INCIDENT} knees ({method}); shown: the closest table",
            PAIN_OR, f"the pain counts were not published; {note}",
            estimate=None if top is None else float(top["estimate"]),
            ci_lower=None if top is None else float(top["ci_lower"]),
            ci_upper=None if top is None else float(top["ci_upper"])))
    return rows


# %% [markdown]
# A positive control: the crude Woolf OR of Felson 2003 (27/48 vs 12/136), printed to one
# decimal as 6.4 (3.0-13.6), is recovered from its margins alone.

# %%
if __name__ == "__main__":
    print(show(run()).to_string())
    control = reconstruct_2x2("6.4", "3.0", "13.6", n_exposed=75, n_unexposed=148)
    print(control.summary().to_string())
