"""fit_fast_gee_batch: many independence GEE problems at once, each equal to fit_fast_gee
on its own rows (which tests/test_fastgee.py checks against geepack)."""

from __future__ import annotations

import numpy as np
import pytest

from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.estimators.regression.fastgee_batch import fit_fast_gee_batch


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_each_batch_equals_its_own_fit(family):
    rng = np.random.default_rng(5)
    batches, n = 6, 160
    batch = np.repeat(np.arange(batches), n)
    groups = np.tile(np.repeat(np.arange(n // 2), 2), batches)  # labels reused across batches
    x = np.column_stack([np.ones(batches * n), rng.normal(size=batches * n),
                         rng.integers(0, 2, batches * n)])
    shared = rng.normal(size=batches * n // 2).repeat(2)  # real clustering within pairs
    eta = 0.3 + 0.5 * x[:, 1] - 0.4 * x[:, 2] + 0.5 * shared
    y = {"gaussian": eta + rng.normal(size=batches * n),
         "binomial": rng.random(batches * n) < 1 / (1 + np.exp(-eta)),
         "poisson": rng.poisson(np.exp(eta))}[family].astype(float)
    order = rng.permutation(batches * n)  # rows need not be sorted
    fit = fit_fast_gee_batch(y[order], x[order], groups[order], batch[order], family=family)
    assert fit.converged.all() and fit.n_clusters.tolist() == [n // 2] * batches
    for b in range(batches):
        rows = batch == b
        one = fit_fast_gee(y[rows], x[rows], groups[rows], family=family,
                           cov_struct="independence")
        np.testing.assert_allclose(fit.params[b], one.params, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(fit.cov_robust[b], one.cov_robust, rtol=1e-8, atol=1e-14)


def test_a_separated_batch_stops_alone():
    rng = np.random.default_rng(2)
    x = np.column_stack([np.ones(200), rng.normal(size=200)])
    y = (rng.random(200) < 0.5).astype(float)
    y[100:] = (x[100:, 1] > 0).astype(float)  # batch 1 separates perfectly
    fit = fit_fast_gee_batch(y, x, np.arange(200), np.repeat([0, 1], 100), family="binomial")
    assert fit.converged.tolist() == [True, False]
    one = fit_fast_gee(y[:100], x[:100], np.arange(100), cov_struct="independence")
    np.testing.assert_allclose(fit.params[0], one.params, rtol=1e-8)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same"):
        fit_fast_gee_batch(np.ones(3), np.ones((2, 1)), np.arange(3), np.zeros(3))
    with pytest.raises(ValueError, match="family"):
        fit_fast_gee_batch(np.ones(3), np.ones((3, 1)), np.arange(3), np.zeros(3),
                           family="gamma")  # type: ignore[arg-type]
