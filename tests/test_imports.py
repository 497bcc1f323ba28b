"""What importing bmecohort loads: never all of statsmodels (issue 16: import time).

``statsmodels.api`` loads time series, graphics and formula code (about 0.8 s); bmecohort
imports the statsmodels modules it uses, and model classes only when first fitted
(bmecohort._statsmodels). Times are in benchmarks/bench_import.py, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _loaded(code: str, *modules: str) -> list[bool]:
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps([m in sys.modules for m in {list(modules)!r}]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["odds_ratio", "mantel_haenszel", "logistic",
                                  "conditional_logistic", "incidence"])
def test_estimators_do_not_import_statsmodels_api(name):
    api, glm = _loaded(f"import bmecohort; bmecohort.{name}", "statsmodels.api",
                       "statsmodels.genmod.generalized_linear_model")
    assert not api
    if name == "odds_ratio":  # the GLM (clustered odds ratio) loads on first clustered fit
        assert not glm


def test_command_line_help_loads_no_scientific_stack():
    pandas, statsmodels = _loaded(
        "import sys; sys.argv = ['bmecohort', '--help']\nfrom bmecohort.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass", "pandas", "statsmodels")
    assert not pandas and not statsmodels


def test_lazy_statsmodels_names_are_the_statsmodels_objects():
    from statsmodels.genmod import cov_struct, families
    from statsmodels.genmod.generalized_estimating_equations import GEE
    from statsmodels.genmod.generalized_linear_model import GLM

    from bmecohort import _statsmodels as sm

    assert (sm.GLM, sm.GEE, sm.families, sm.cov_struct) == (GLM, GEE, families, cov_struct)
    assert {"GLM", "GEE", "families", "cov_struct"} <= set(dir(sm))
    with pytest.raises(AttributeError, match="no attribute 'OLS'"):
        sm.OLS  # noqa: B018
