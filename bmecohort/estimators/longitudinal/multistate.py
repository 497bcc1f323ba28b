r"""Multi-state Markov models of lesion states observed at irregular visits (as R ``msm``).

A continuous-time Markov chain with intensity matrix :math:`Q` (e.g. no lesion <-> lesion
-> large lesion) is fitted by maximum likelihood to states observed at visits (Kalbfleisch
and Lawless 1985): each pair of consecutive visits contributes
:math:`P(t_{j+1}-t_j)_{r s}` with :math:`P(t) = e^{Qt}`. Covariates act on the
intensities, :math:`q_{rs}(x) = q_{rs}\,e^{\beta_{rs}^\top (x - \bar x)}` (centred at their
means, as msm). Entry into an ``absorbing`` state may be observed at its exact time, with
the state just before unknown (msm's ``deathexact``); ``exact_times`` treats every visit as
the time of a transition (msm's ``exacttimes``).

The likelihood eigen-decomposes :math:`Q` once per distinct covariate pattern (as msm) and
forms :math:`P(t) = V e^{\Lambda t} V^{-1}` for every interval at once; where the
eigenvectors are ill-conditioned (repeated eigenvalues) it falls back to
:func:`scipy.linalg.expm` for those intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy.linalg import expm

from ..._checks import check_alpha, describe_rows, prepare
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM
from ...exceptions import AnalysisInputError, ConvergenceWarning
from ...results import Accounting, Result, result, summary_frame

__all__ = ["MultistateResult", "multistate"]


@result
class MultistateResult(Result):
    r"""A fitted multi-state Markov model.

    Attributes
    ----------
    intensities : pandas.DataFrame
        Per allowed transition: ``from, to, estimate`` (per unit of ``time``, at the
        covariates' means), ``ci_lower, ci_upper``.
    hazard_ratios : pandas.DataFrame
        Per transition and covariate: ``from, to, covariate, estimate, ci_lower, ci_upper,
        p_value`` (hazard ratio per unit of the covariate).
    states : tuple
        State labels in the order of ``qmatrix``.
    covariates : tuple of str
    covariate_means : numpy.ndarray
    params, cov : numpy.ndarray
        Log baseline intensities then coefficients, and their covariance (inverse Hessian).
    loglik : float
    method : str
    alpha : float
    accounting : Accounting
        Observations in and used, subjects (clusters), transitions (pairs of visits).
    converged : bool
    boundary : tuple of str
        Transitions whose intensity or hazard ratio ran off to the boundary (no number is
        reported for them).
    """

    intensities: pd.DataFrame
    hazard_ratios: pd.DataFrame
    states: tuple[Any, ...]
    covariates: tuple[str, ...]
    covariate_means: np.ndarray
    params: np.ndarray
    cov: np.ndarray
    loglik: float
    method: str
    alpha: float
    accounting: Accounting
    converged: bool
    boundary: tuple[str, ...]
    observed: pd.DataFrame
    allowed: np.ndarray
    initial: np.ndarray

    def summary(self) -> pd.DataFrame:
        """Intensities then hazard ratios, as ``term`` (e.g. ``"q(1->2)"``) rows."""
        rows = [{TERM: f"q({r.frm}->{r.to})", ESTIMATE: r.estimate, CI_LOWER: r.ci_lower,
                 CI_UPPER: r.ci_upper} for r in self.intensities.rename(
                     columns={"from": "frm"}).itertuples()]
        rows += [{TERM: f"HR {r.covariate} ({r.frm}->{r.to})", ESTIMATE: r.estimate,
                  CI_LOWER: r.ci_lower, CI_UPPER: r.ci_upper, P_VALUE: r.p_value}
                 for r in self.hazard_ratios.rename(columns={"from": "frm"}).itertuples()]
        return summary_frame(rows)

    # --- derived quantities -------------------------------------------------------------
    def qmatrix(self, covariates: dict[str, float] | None = None,
                params: np.ndarray | None = None) -> np.ndarray:
        """The intensity matrix at ``covariates`` (default: their means)."""
        x = self._centred(covariates)
        return _qmatrices(self.params if params is None else params, self.allowed,
                          x[None, :])[0]

    def _centred(self, covariates: dict[str, float] | None) -> np.ndarray:
        if not covariates:
            return np.zeros(len(self.covariates))
        unknown = sorted(set(covariates) - set(self.covariates))
        if unknown:
            raise AnalysisInputError(f"covariates {unknown} are not in the model "
                                     f"{list(self.covariates)}.")
        values = np.array([covariates.get(c, m) for c, m in
                           zip(self.covariates, self.covariate_means, strict=True)], float)
        return values - self.covariate_means

    def pmatrix(self, t: float, *, covariates: dict[str, float] | None = None,
                ci: bool = True, replicates: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Transition probabilities over ``t`` time units, long form with intervals.

        Intervals are the 2.5th and 97.5th percentiles (for ``alpha=0.05``) over
        ``replicates`` draws of the parameters from their asymptotic normal distribution
        (msm's ``ci="normal"``), seeded.
        """
        p = expm(self.qmatrix(covariates) * t)
        lo = hi = np.full_like(p, np.nan)
        if ci:
            draws = self._draws(replicates, seed)
            x = self._centred(covariates)
            qs = np.stack([_qmatrices(d, self.allowed, x[None, :])[0] for d in draws])
            sims = _pmatrices(qs, np.arange(len(qs)), np.full(len(qs), float(t)))
            lo, hi = np.nanquantile(sims, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
        k = len(self.states)
        idx = np.indices((k, k)).reshape(2, -1)
        return pd.DataFrame({"from": [self.states[i] for i in idx[0]],
                             "to": [self.states[j] for j in idx[1]], "t": t,
                             ESTIMATE: p.ravel(), CI_LOWER: lo.ravel(), CI_UPPER: hi.ravel()})

    def _draws(self, replicates: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.params, self.cov, size=replicates,
                                       method="eigh")

    def sojourn(self, covariates: dict[str, float] | None = None) -> pd.DataFrame:
        """Mean sojourn time ``-1/q_rr`` in each transient state, delta-method SE and
        log-scale interval."""
        q = self.qmatrix(covariates)
        rows = []
        z = special.ndtri(1 - self.alpha / 2)
        for r in range(len(self.states)):
            if q[r, r] == 0:
                continue
            grad = _numeric_grad(lambda th, r=r: np.log(-1 / self.qmatrix(covariates, th)[r, r]),
                                 self.params)
            se_log = float(np.sqrt(grad @ self.cov @ grad))
            est = -1 / q[r, r]
            rows.append({"state": self.states[r], ESTIMATE: est, "se": est * se_log,
                         CI_LOWER: est * np.exp(-z * se_log), CI_UPPER: est * np.exp(z * se_log)})
        return pd.DataFrame(rows)

    def next_state(self, covariates: dict[str, float] | None = None) -> pd.DataFrame:
        """Probability that the next transition from each state is to each other state,
        ``q_rs / -q_rr`` (e.g. that a lesion resolves before it grows)."""
        q = self.qmatrix(covariates)
        rows = [{"from": self.states[r], "to": self.states[s], ESTIMATE: q[r, s] / -q[r, r]}
                for r in range(len(self.states)) for s in range(len(self.states))
                if r != s and q[r, r] != 0 and self.allowed[r, s]]
        return pd.DataFrame(rows)

    def prevalence(self, times: Sequence[float] | None = None) -> pd.DataFrame:
        """Observed and expected share of subjects in each state over time.

        Observed: among subjects still under observation at ``t``, the state at their last
        visit at or before ``t`` (as msm's ``prevalence.msm``); expected: the states at
        first visit carried forward by :math:`P(t)` at the covariates' means.
        """
        obs = self.observed
        grid: Sequence[float] | np.ndarray
        if times is None:
            # up to the time by which 90% of subjects had their last visit: later shares
            # rest on a handful of subjects
            ends = obs.groupby("subject", sort=False)["time"].max()
            grid = np.linspace(0, float(ends.quantile(0.9)), 9)
        else:
            grid = times
        k = len(self.states)
        out = []
        last_time = obs.groupby("subject", sort=False)["time"].transform("max")
        for t in grid:
            alive = obs.loc[(obs["time"] <= t) & (last_time >= t)]
            current = alive.groupby("subject", sort=False)["code"].last()
            counts = np.bincount(current.to_numpy(), minlength=k)
            expected = self.initial @ expm(self.qmatrix() * t)
            for j in range(k):
                out.append({"time": float(t), "state": self.states[j],
                            "observed": counts[j] / max(counts.sum(), 1),
                            "expected": float(expected[j]), "n": int(counts.sum())})
        return pd.DataFrame(out)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Observed (points) and expected (lines) prevalence of each state over time."""
        from ...plots.multistate import prevalence_fit_plot

        return prevalence_fit_plot(self, ax=ax, **kwargs)


def _qmatrices(params: np.ndarray, allowed: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Intensity matrices for each covariate row of ``x`` (M, p): shape (M, K, K)."""
    k = allowed.shape[0]
    rows, cols = np.nonzero(allowed)
    n_q = len(rows)
    base = params[:n_q]
    beta = params[n_q:].reshape(n_q, -1) if x.shape[1] else np.zeros((n_q, 0))
    rates = np.exp(base[None, :] + x @ beta.T)  # (M, n_q)
    q = np.zeros((x.shape[0], k, k))
    q[:, rows, cols] = rates
    q[:, np.arange(k), np.arange(k)] = -q.sum(axis=2)
    return q


def _pmatrices(q: np.ndarray, pattern: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """``P(dt_m) = expm(Q[pattern_m] dt_m)`` for every interval m: shape (M, K, K)."""
    w, v = np.linalg.eig(q)
    with np.errstate(all="ignore"):
        vi = np.linalg.inv(v)
        cond = np.linalg.cond(v)
    e = np.exp(w[pattern] * dt[:, None])
    # V diag(e) V^-1 as one batched matmul (a three-operand einsum loops far slower)
    p = ((v[pattern] * e[:, None, :]) @ vi[pattern]).real
    bad = ~np.isfinite(cond) | (cond > 1e8)
    if bad.any():
        rows = np.flatnonzero(bad[pattern])
        if rows.size:
            p[rows] = expm(q[pattern[rows]] * dt[rows, None, None])
    return np.clip(p, 0.0, 1.0)


def _entries(q: np.ndarray, pattern: np.ndarray, dt: np.ndarray, frm: np.ndarray,
             to: np.ndarray) -> np.ndarray | None:
    """Only ``P(dt_m)[frm_m, to_m]`` for every interval (K operations each, not K**3), or
    None when an eigenvector basis is ill-conditioned (the caller then uses expm)."""
    w, v = np.linalg.eig(q)
    with np.errstate(all="ignore"):
        vi = np.linalg.inv(v)
        cond = np.linalg.cond(v)
    if not np.isfinite(cond).all() or (cond > 1e8).any():
        return None
    e = np.exp(w[pattern] * dt[:, None])
    values = np.einsum("mj,mj,mj->m", v[pattern, frm, :], e, vi[pattern, :, to]).real
    return np.clip(values, 0.0, 1.0)


def _numeric_grad(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def _hessian(f: Any, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    k = len(x)
    out = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        ei = np.eye(k)[i] * h
        out[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h**2
        for j in range(i):
            ej = np.eye(k)[j] * h
            out[i, j] = out[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                     + f(x - ei - ej)) / (4 * h**2)
    return out


class _Likelihood:
    """Minus the log-likelihood on the distinct (interval, covariates) combinations."""

    def __init__(self, frm: np.ndarray, to: np.ndarray, dt: np.ndarray, x: np.ndarray,
                 allowed: np.ndarray, exact: np.ndarray, exact_times: bool) -> None:
        if x.shape[1]:
            self.patterns, inverse = np.unique(x, axis=0, return_inverse=True)
            self.pattern = inverse.ravel()
        else:
            self.patterns, self.pattern = np.zeros((1, 0)), np.zeros(len(dt), dtype=int)
        self.dt = dt
        self.frm, self.to = frm, to
        self.allowed = allowed
        self.exact = exact  # per pair: entry into an exactly timed absorbing state
        self.exact_times = exact_times

    def __call__(self, params: np.ndarray) -> float:
        q = _qmatrices(params, self.allowed, self.patterns)
        g = self.pattern
        if self.exact_times:
            stay = np.exp(q[g, self.frm, self.frm] * self.dt)
            move = np.where(self.frm == self.to, 1.0, q[g, self.frm, self.to])
            lik = stay * move
        else:
            lik = None if self.exact.any() else _entries(q, g, self.dt, self.frm, self.to)
            if lik is None:
                p = _pmatrices(q, g, self.dt)
                lik = p[np.arange(len(g)), self.frm, self.to]
            if self.exact.any():
                i = self.exact
                # state just before the exactly timed entry unknown: sum over it
                rates = q[g[i], :, self.to[i]].copy()
                rates[np.arange(i.sum()), self.to[i]] = 0.0
                lik = lik.copy()
                lik[i] = np.einsum("nm,nm->n", p[np.flatnonzero(i), self.frm[i], :], rates)
        with np.errstate(divide="ignore"):
            total = np.log(lik).sum()
        return float(-total) if np.isfinite(total) else 1e300


def _codes(values: pd.Series, states: Sequence[Any] | None, k: int, column: str
           ) -> tuple[np.ndarray, tuple[Any, ...]]:
    labels = tuple(states) if states is not None else tuple(range(1, k + 1))
    if len(labels) != k:
        raise AnalysisInputError(
            f"multistate: states={list(labels)} has {len(labels)} labels but qmatrix is "
            f"{k} x {k}.")
    lookup = {label: i for i, label in enumerate(labels)}
    codes = values.map(lookup)
    bad = codes.isna().to_numpy()
    if bad.any():
        raise AnalysisInputError(
            f"multistate: column {column!r} has values {sorted(set(values[bad]), key=str)[:5]}"
            f" at rows {describe_rows(values.index[bad])} that are not states {list(labels)};"
            f" code states 1..{k} (as msm) or pass states=[...].")
    return codes.to_numpy(int), labels


def multistate(
    data: pd.DataFrame,
    *,
    subject: str,
    time: str,
    state: str,
    qmatrix: Any,
    covariates: Sequence[str] = (),
    absorbing: Sequence[Any] | None = None,
    exact_times: bool = False,
    states: Sequence[Any] | None = None,
    alpha: float = 0.05,
) -> MultistateResult:
    r"""Fit a continuous-time multi-state Markov model to states observed at visits.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject and visit; never modified.
    subject, time, state : str
        Columns: who, when (e.g. years since baseline) and the state observed.
    qmatrix : array-like (K, K)
        Allowed transitions: positive off-diagonal entries (their values start the
        optimiser, as msm's ``qmatrix``); zeros forbid a transition.
    covariates : sequence of str, default=()
        Numeric covariates acting on every allowed intensity (value at the start of each
        interval), centred at their means.
    absorbing : sequence or None, default=None
        Absorbing states whose entry is observed at its exact time (msm's ``deathexact``).
    exact_times : bool, default=False
        Every visit is the exact time of a transition (msm's ``exacttimes``).
    states : sequence or None, default=None
        State labels in ``qmatrix`` order; default ``1..K`` (msm's coding).
    alpha : float, default=0.05

    Returns
    -------
    MultistateResult
        ``intensities``, ``hazard_ratios`` (``.summary()`` gives both), ``pmatrix(t)``,
        ``sojourn()``, ``next_state()``, ``prevalence()`` and ``.plot()``.

    Raises
    ------
    AnalysisInputError
        Bad qmatrix, unknown states, repeated visit times of a subject, subjects with one
        visit only (they carry no transition: excluded and counted, an error if none is
        left).

    Notes
    -----
    Intervals of intensities are :math:`\exp(\log\hat q \pm z\,se)` and of hazard ratios
    :math:`\exp(\hat\beta \pm z\,se)`, with the inverse of the numerical Hessian of the
    log-likelihood (msm's ``ci="delta"``). A transition whose log intensity or coefficient
    runs away (an estimate beyond :math:`e^{\pm 15}`) is listed in ``boundary`` and its
    numbers are NaN. Checked against R msm 1.7 on msm's CAV example and on a simulated
    lesion panel (``tests/reference/multistate``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.DataFrame({"id": np.repeat([1, 2, 3, 4], 3), "years": np.tile([0.0, 1, 2], 4),
    ...                   "state": [1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 2, 1]})
    >>> m = multistate(d, subject="id", time="years", state="state",
    ...                qmatrix=[[0, 0.5], [0.5, 0]])
    >>> m.intensities[["from", "to"]].to_numpy().tolist()
    [[1, 2], [2, 1]]
    """
    alpha = check_alpha(alpha)
    q0 = np.asarray(qmatrix, float)
    if q0.ndim != 2 or q0.shape[0] != q0.shape[1] or q0.shape[0] < 2 or (q0 < 0).any() & \
            ~np.eye(len(q0), dtype=bool).any():
        raise AnalysisInputError(
            "multistate: qmatrix must be a square K x K array (K >= 2) with positive entries "
            "for the allowed transitions and zeros elsewhere.")
    allowed = (q0 > 0) & ~np.eye(len(q0), dtype=bool)
    if not allowed.any():
        raise AnalysisInputError("multistate: qmatrix allows no transition.")
    k = len(q0)
    covariates = list(covariates)
    frame, excluded = prepare(data, [subject, time, state, *covariates])
    bad = [c for c in covariates if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise AnalysisInputError(f"multistate: covariates {bad} are not numeric.")
    codes, labels = _codes(frame[state], states, k, state)
    order = np.lexsort((frame[time].to_numpy(float), pd.factorize(frame[subject])[0]))
    frame = frame.iloc[order]
    codes = codes[order]
    sid = pd.factorize(frame[subject])[0]
    t = frame[time].to_numpy(float)
    same = sid[1:] == sid[:-1]
    repeated = same & (t[1:] == t[:-1])
    if repeated.any():
        rows = frame.index[1:][repeated]
        raise AnalysisInputError(
            f"multistate: subjects observed twice at the same {time!r}, at rows "
            f"{describe_rows(rows)}; keep one state per subject and time.")
    counts = np.bincount(sid)
    single = int((counts == 1).sum())
    if single:
        excluded = (*excluded, ("subjects with a single visit (no transition)", single))
    if not same.any():
        raise AnalysisInputError("multistate: no subject has two visits; nothing to fit.")
    x_all = frame[covariates].to_numpy(float) if covariates else np.zeros((len(frame), 0))
    means = x_all.mean(axis=0) if covariates else np.zeros(0)
    frm, to = codes[:-1][same], codes[1:][same]
    dt = (t[1:] - t[:-1])[same]
    x = (x_all[:-1][same] - means) if covariates else np.zeros((len(frm), 0))
    absorbing_codes = [labels.index(a) for a in (absorbing or ())]
    exact = np.isin(to, absorbing_codes) & (frm != to)
    impossible = ~allowed[frm, to] & (frm != to)
    if not exact_times:
        impossible = np.zeros_like(impossible)  # any state reachable over an interval
    n_q = int(allowed.sum())
    start = np.concatenate([np.log(q0[allowed]), np.zeros(n_q * len(covariates))])
    nll = _Likelihood(frm, to, dt, x, allowed, exact, exact_times)
    if impossible.any():
        raise AnalysisInputError(
            f"multistate: {int(impossible.sum())} observed transitions are not allowed by "
            f"qmatrix with exact_times=True.")
    if not np.isfinite(nll(start)) or nll(start) >= 1e299:
        raise AnalysisInputError(
            "multistate: the data are impossible under qmatrix (an observed change has zero "
            "probability); allow the transitions the data show.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = optimize.minimize(nll, start, method="BFGS", jac="3-point",
                                options={"gtol": 1e-5, "maxiter": 2000})
    params, best = fit.x, float(fit.fun)
    # Newton steps on the numerical Hessian to the maximum (msm's optimiser stops short)
    hess = _hessian(nll, params)
    for _ in range(20):
        grad = _numeric_grad(nll, params, h=1e-5)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        trial = params - step
        value = nll(trial)
        if not value < best:
            break
        params, best = trial, value
        hess = _hessian(nll, params)
        if np.abs(step).max() < 1e-9:
            break
    grad = _numeric_grad(nll, params, h=1e-5)
    converged = bool(np.abs(grad).max() < 1e-3)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
    se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    runaway = np.abs(params) > 15
    if not converged:
        warnings.warn("multistate: the optimiser did not converge.", ConvergenceWarning,
                      stacklevel=2)
    z = special.ndtri(1 - alpha / 2)
    rows, cols = np.nonzero(allowed)
    boundary: list[str] = []
    qrows = []
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        ok = not runaway[i]
        if not ok:
            boundary.append(f"q({labels[r]}->{labels[c]})")
        qrows.append({"from": labels[r], "to": labels[c],
                      ESTIMATE: np.exp(params[i]) if ok else np.nan,
                      CI_LOWER: np.exp(params[i] - z * se[i]) if ok else np.nan,
                      CI_UPPER: np.exp(params[i] + z * se[i]) if ok else np.nan})
    hrows = []
    for j, name in enumerate(covariates):
        for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
            idx = n_q + i * len(covariates) + j
            ok = not runaway[idx]
            if not ok:
                boundary.append(f"HR {name} ({labels[r]}->{labels[c]})")
            b, s = params[idx], se[idx]
            hrows.append({"from": labels[r], "to": labels[c], "covariate": name,
                          ESTIMATE: np.exp(b) if ok else np.nan,
                          CI_LOWER: np.exp(b - z * s) if ok else np.nan,
                          CI_UPPER: np.exp(b + z * s) if ok else np.nan,
                          P_VALUE: 2 * special.ndtr(-abs(b / s)) if ok else np.nan})
    if boundary:
        warnings.warn(
            f"multistate: {boundary} ran off to the boundary (the data hold too few of those "
            f"transitions); no number is reported for them.", ConvergenceWarning,
            stacklevel=2)
    first = codes[np.r_[True, ~same]]
    observed = pd.DataFrame({"subject": sid, "time": t, "code": codes})
    method = "msm-markov-panel" + ("-exacttimes" if exact_times else "") + (
        "-deathexact" if absorbing_codes else "")
    return MultistateResult(
        intensities=pd.DataFrame(qrows), hazard_ratios=pd.DataFrame(
            hrows, columns=["from", "to", "covariate", ESTIMATE, CI_LOWER, CI_UPPER, P_VALUE]),
        states=labels, covariates=tuple(covariates), covariate_means=means, params=params,
        cov=cov, loglik=-best, method=method, alpha=alpha,
        accounting=Accounting(unit="visit", n_rows=len(data), n_used=len(frame),
                              events=int(same.sum()), n_clusters=int(sid.max()) + 1,
                              cluster=subject, excluded=tuple(excluded)),
        converged=converged, boundary=tuple(boundary), observed=observed, allowed=allowed,
        initial=np.bincount(first, minlength=k) / len(first))
