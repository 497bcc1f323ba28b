"""fit_fast_gee_batch(cov_struct="exchangeable"): every batch gets what fit_fast_gee gives on
its rows alone (tests/test_fastgee.py checks fit_fast_gee against geepack), converged or not.

Tolerances: estimates 1e-8 (relative), robust covariances 1e-6 (relative); correlation,
scale, convergence, stop reason and iteration count equal. The solver is built to give the
same bits (the design checks' stored medians depend on it); the tests ask for the stated
tolerances so that another BLAS cannot fail them.
"""

from __future__ import annotations

import numpy as np
import pytest

from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.estimators.regression.fastgee_batch import fit_fast_gee_batch


def _replicate(rng: np.random.Generator, family: str, persons: int, max_size: int = 3
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One clustered data set: unequal clusters, a shared person effect, rows shuffled."""
    sizes = rng.integers(1, max_size + 1, persons)
    person = np.repeat(np.arange(persons), sizes)
    n = len(person)
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=n)])
    eta = -0.5 + 0.8 * x[:, 1] + 0.3 * x[:, 2] + 0.7 * rng.normal(size=persons)[person]
    y = {"gaussian": eta + rng.normal(size=n),
         "binomial": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float),
         "poisson": rng.poisson(np.exp(eta)).astype(float)}[family]
    order = rng.permutation(n)
    return y[order], x[order], person[order]


def _stack(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """The replicates' rows stacked, with batch labels, in a shuffled order."""
    y, x, g = (np.concatenate([p[i] for p in parts]) for i in range(3))
    batch = np.repeat(np.arange(len(parts)), [len(p[0]) for p in parts])
    order = np.random.default_rng(0).permutation(len(y))  # batches interleaved
    return y[order], x[order], g[order], batch[order]


def _assert_each_batch_equal(parts, family, scale_fixed=False, maxiter=100):
    y, x, g, batch = _stack(parts)
    fit = fit_fast_gee_batch(y, x, g, batch, family=family, cov_struct="exchangeable",
                             scale_fixed=scale_fixed, maxiter=maxiter)
    fitted = np.empty(len(y))
    for b in range(len(parts)):
        rows = batch == b  # its rows alone, in the order given
        one = fit_fast_gee(y[rows], x[rows], g[rows], family=family, cov_struct="exchangeable",
                           scale_fixed=scale_fixed, maxiter=maxiter)
        np.testing.assert_allclose(fit.params[b], one.params, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(fit.cov_robust[b], one.cov_robust, rtol=1e-6, atol=1e-14)
        np.testing.assert_allclose(fit.bse[b], one.bse, rtol=1e-6)
        assert fit.dep_param[b] == pytest.approx(one.dep_param, rel=1e-8, abs=1e-12)
        assert fit.scale[b] == pytest.approx(one.scale, rel=1e-8)
        assert (fit.converged[b], fit.stop_reason[b], fit.n_iter[b]) == (
            one.converged, one.stop_reason, one.n_iter)
        assert (fit.n_obs[b], fit.n_clusters[b]) == (one.n_obs, one.n_clusters)
        fitted[rows] = one.fittedvalues
    np.testing.assert_allclose(fit.fittedvalues, fitted, rtol=1e-8, atol=1e-12)
    return fit


@pytest.mark.parametrize("scale_fixed", [False, True])
@pytest.mark.parametrize("family", ["binomial", "poisson", "gaussian"])
def test_each_batch_equals_its_own_fit(family, scale_fixed):
    rng = np.random.default_rng(11)
    parts = [_replicate(rng, family, int(rng.integers(40, 120))) for _ in range(12)]
    fit = _assert_each_batch_equal(parts, family, scale_fixed)
    assert np.all(fit.dep_param != 0.0)
    # with the scale held at 1 (not the residuals' variance) a correlation estimate can
    # leave its range: stopped there as fit_fast_gee stops (checked above)
    assert fit.converged.all() or scale_fixed


def test_unconverged_batches_stop_as_they_do_alone():
    """Separation, an inadmissible correlation, a singular information and the iteration
    limit each stop their own batch with fit_fast_gee's reason and estimates; the others
    converge as usual."""
    rng = np.random.default_rng(4)
    parts = [_replicate(rng, "binomial", 80) for _ in range(6)]
    y, x, g = parts[1]
    parts[1] = (x[:, 1].copy(), x, g)  # the outcome is the binary exposure: separation
    y, x, g = parts[2]
    x = x.copy()
    x[:, 1] = 0.0  # an exposure that never varies: singular information
    parts[2] = (y, x, g)
    # clusters of 8 whose outcomes alternate: correlation near -1/7 or below
    person = np.repeat(np.arange(60), 8)
    xs = np.column_stack([np.ones(480), rng.normal(size=480) * 1e-3,
                          rng.normal(size=480) * 1e-3])
    parts[3] = (np.tile([0.0, 1.0], 240), xs, person)
    fit = _assert_each_batch_equal(parts, "binomial")
    reasons = fit.stop_reason.tolist()
    assert reasons[0] is None and reasons[4] is None and reasons[5] is None
    assert "diverging" in reasons[1] and "singular" in reasons[2]
    assert "admissible" in reasons[3]
    limited = _assert_each_batch_equal(parts[:1] + parts[4:], "binomial", maxiter=3)
    assert limited.stop_reason.tolist() == ["iteration limit (3) reached"] * 3


def test_clusters_of_one_are_the_independence_fit():
    rng = np.random.default_rng(8)
    parts = [_replicate(rng, "binomial", 150, max_size=1) for _ in range(3)]
    parts.append(_replicate(rng, "binomial", 60))
    fit = _assert_each_batch_equal(parts, "binomial")
    assert fit.dep_param[:3].tolist() == [0.0, 0.0, 0.0] and fit.dep_param[3] != 0.0


def test_cov_struct_is_checked():
    with pytest.raises(ValueError, match="cov_struct"):
        fit_fast_gee_batch(np.ones(3), np.ones((3, 1)), np.arange(3), np.zeros(3),
                           cov_struct="ar1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="0/1"):
        fit_fast_gee_batch(np.full(3, 2.0), np.ones((3, 1)), np.arange(3), np.zeros(3),
                           family="binomial", cov_struct="exchangeable")
