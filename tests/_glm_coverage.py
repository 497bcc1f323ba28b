"""Coverage of many replicate studies' cluster-robust logistic intervals, fitted at once.

The simulator tests split one large simulated population into disjoint groups (independent
replicate studies) and count the groups whose 95% interval covers the truth. Fitting each
group with statsmodels' ``GLM(...).fit(cov_type="cluster")`` costs about 7 ms a group; here
every group is solved at once by bmecohort's batched independence GEE
(:func:`~bmecohort.estimators.regression.fastgee_batch.fit_fast_gee_batch`, tested against
statsmodels in test_fastgee_batch.py), with the small-sample factor statsmodels applies to
``cov_type="cluster"``, G/(G-1) (N-1)/(N-K). The first and last groups are refitted by
statsmodels and must agree to 1e-6; a group still unconverged after 10 Fisher-scoring steps
(a separated one diverges) is fitted by statsmodels and its interval kept as statsmodels
gives it. The counts equal those of a loop of statsmodels fits on every coverage check of
test_simulate_effects.py and test_simulate_knee.py (checked when this was introduced).
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from scipy import stats

from bmecohort.estimators.regression.fastgee_batch import fit_fast_gee_batch


def cluster_glm(y: np.ndarray, x: np.ndarray, person: np.ndarray):
    """statsmodels' logistic GLM (intercept added), person-clustered covariance."""
    return sm.GLM(y, sm.add_constant(x, has_constant="add"),
                  family=sm.families.Binomial()).fit(cov_type="cluster",
                                                     cov_kwds={"groups": person})


def glm_coverage(y: np.ndarray, x: np.ndarray, person: np.ndarray, group: np.ndarray,
                 columns: dict[int, float]) -> dict[int, int]:
    """Per coefficient column (0 is the intercept): groups whose 95% interval covers the
    log-scale truth ``columns[column]``."""
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float).reshape(len(y), -1)
    exog = sm.add_constant(x, has_constant="add")
    # Fisher scoring converges in about 6 steps; groups left unconverged are refitted below
    fit = fit_fast_gee_batch(y, exog, person, group, family="binomial", maxiter=10)
    factor = (fit.n_clusters / (fit.n_clusters - 1)
              * (fit.n_obs - 1) / (fit.n_obs - exog.shape[1]))
    params, se = fit.params.copy(), fit.bse * np.sqrt(factor)[:, None]
    checked = {0, len(fit.batches) - 1}
    for i in sorted(checked | set(np.flatnonzero(~fit.converged).tolist())):
        rows = group == fit.batches[i]
        reference = cluster_glm(y[rows], x[rows], person[rows])
        if fit.converged[i]:
            np.testing.assert_allclose(params[i], reference.params, rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(se[i], reference.bse, rtol=1e-6)
        params[i], se[i] = reference.params, reference.bse
    half = stats.norm.isf(0.025) * se
    lower, upper = params - half, params + half
    return {column: int(((lower[:, column] <= truth) & (truth <= upper[:, column])).sum())
            for column, truth in columns.items()}
