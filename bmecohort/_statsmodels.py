"""The statsmodels models and tables bmecohort uses, each imported from its module on first use.

``import statsmodels.api`` loads all of statsmodels (time series, graphics, formulas, mixed
models): about a second before the first odds ratio; even one ``statsmodels.stats`` module
loads ``scipy.stats`` (about 0.7 s). Modules import this one as ``sm``
(``from .. import _statsmodels as sm``) and write ``sm.GLM``, ``sm.GEE``, ``sm.families``,
``sm.cov_struct``, ``sm.Table2x2``, ... as with ``statsmodels.api``; each name is imported
from its statsmodels module when first used (PEP 562 module ``__getattr__``), so importing
bmecohort's estimators loads no statsmodels code (issue 16).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and readers see them
    from statsmodels.genmod import cov_struct, families
    from statsmodels.genmod.generalized_estimating_equations import GEE
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.stats import rates
    from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

__all__ = ["GEE", "GLM", "StratifiedTable", "Table2x2", "confint_proportions_2indep",
           "cov_struct", "families", "proportion_confint", "rates"]

#: name -> (statsmodels module, attribute or None for the module itself)
_WHERE = {
    "GLM": ("statsmodels.genmod.generalized_linear_model", "GLM"),
    "GEE": ("statsmodels.genmod.generalized_estimating_equations", "GEE"),
    "families": ("statsmodels.genmod.families", None),
    "cov_struct": ("statsmodels.genmod.cov_struct", None),
    "Table2x2": ("statsmodels.stats.contingency_tables", "Table2x2"),
    "StratifiedTable": ("statsmodels.stats.contingency_tables", "StratifiedTable"),
    "proportion_confint": ("statsmodels.stats.proportion", "proportion_confint"),
    "confint_proportions_2indep": ("statsmodels.stats.proportion",
                                   "confint_proportions_2indep"),
    # a module, not its functions: a global named ``test_...`` would be collected by pytest
    "rates": ("statsmodels.stats.rates", None),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = import_module(module)
    value = value if attribute is None else getattr(value, attribute)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
