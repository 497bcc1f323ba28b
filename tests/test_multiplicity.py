"""adjust_pvalues against R p.adjust (tests/reference/effects/make_multiplicity.R), 1e-12."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError

REF = Path(__file__).parent / "reference" / "effects"
INPUT = pd.read_csv(REF / "inputs" / "pvalues.csv")
OUTPUT = pd.read_csv(REF / "outputs" / "pvalues.csv")
R_NAME = {"holm": "holm", "bonferroni": "bonferroni", "fdr_bh": "BH"}


@pytest.mark.parametrize("method", list(R_NAME))
def test_matches_r_overall_and_by_family(method: str) -> None:
    overall = bc.adjust_pvalues(INPUT, method=method)
    np.testing.assert_allclose(overall["p_adjusted"], OUTPUT[f"all_{R_NAME[method]}"],
                               rtol=1e-12)
    by = bc.adjust_pvalues(INPUT, method=method, by="family")
    np.testing.assert_allclose(by["p_adjusted"], OUTPUT[f"by_{R_NAME[method]}"], rtol=1e-12)
    assert by.attrs["p_adjustment"]["families"] == 2
    assert overall.attrs["p_adjustment"]["n_tests"] == len(INPUT)


def test_input_not_modified_and_missing_p_kept() -> None:
    frame = INPUT.head(4).copy()
    frame.loc[2, "p_value"] = np.nan
    before = frame.copy()
    out = bc.adjust_pvalues(frame, method="bonferroni")
    pd.testing.assert_frame_equal(frame, before)
    assert np.isnan(out.loc[2, "p_adjusted"])
    # three tests, not four
    assert out.loc[0, "p_adjusted"] == pytest.approx(min(1, 3 * frame.loc[0, "p_value"]))
    assert out.attrs["p_adjustment"]["n_tests"] == 3


def test_results_and_mapping() -> None:
    a = bc.odds_ratio_from_counts(exposed_cases=27, exposed_noncases=48, unexposed_cases=12,
                                  unexposed_noncases=136)
    b = bc.risk_ratio_from_counts(exposed_cases=20, exposed_noncases=30, unexposed_cases=15,
                                  unexposed_noncases=35)
    out = bc.adjust_pvalues({"medial": a, "lateral": b}, method="holm")
    assert out["analysis"].tolist() == ["medial", "lateral"]
    ordered = sorted([a.p_value, b.p_value])
    assert out["p_adjusted"].min() == pytest.approx(2 * ordered[0])
    assert len(bc.adjust_pvalues([a, b])) == 2


@pytest.mark.parametrize("args, kwargs, match", [
    (pd.DataFrame({"x": [1]}), {}, "p_value"),
    (pd.DataFrame({"p_value": [1.5]}), {}, r"\[0, 1\]"),
    (INPUT, {"method": "sidak_x"}, "method"),
    (INPUT, {"by": "nope"}, "nope"),
    ("text", {}, "DataFrame"),
])
def test_bad_input(args: object, kwargs: dict, match: str) -> None:
    with pytest.raises(AnalysisInputError, match=match):
        bc.adjust_pvalues(args, **kwargs)
