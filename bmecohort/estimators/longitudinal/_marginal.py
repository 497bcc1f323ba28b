r"""The marginal (RE)ML likelihood of a one-factor linear mixed model, vectorised over groups.

Used for the intervals of the variance components: the Hessian of :math:`-2\ell` in the
parameters :math:`\phi = (\log sd_1..\log sd_q, \operatorname{atanh}\rho_{12}.., \log\sigma)`
at the estimates, exactly as R ``nlme::intervals`` (``apVar``). With per-group
cross-products (``Z'Z``, ``Z'X``, ``Z'y``) and Woodbury's identity the likelihood of any
number of groups costs a few batched ``q x q`` solves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GroupCrossproducts", "crossproducts", "neg2_loglik", "phi_covariance"]


@dataclass(frozen=True)
class GroupCrossproducts:
    """Per-group ``Z'Z`` (G,q,q), ``Z'X`` (G,q,p), ``Z'y`` (G,q) and the pooled ``X'X``,
    ``X'y``, ``y'y``, with ``n`` rows and ``p`` fixed effects."""

    zz: np.ndarray
    zx: np.ndarray
    zy: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: float
    n: int
    p: int


def crossproducts(x: np.ndarray, z: np.ndarray, y: np.ndarray, groups: np.ndarray
                  ) -> GroupCrossproducts:
    """Sums over the rows of each group (``groups`` coded 0..G-1), by ``np.add.at``."""
    n_groups = int(groups.max()) + 1
    q, p = z.shape[1], x.shape[1]
    zz = np.zeros((n_groups, q, q))
    zx = np.zeros((n_groups, q, p))
    zy = np.zeros((n_groups, q))
    np.add.at(zz, groups, z[:, :, None] * z[:, None, :])
    np.add.at(zx, groups, z[:, :, None] * x[:, None, :])
    np.add.at(zy, groups, z * y[:, None])
    return GroupCrossproducts(zz=zz, zx=zx, zy=zy, xx=x.T @ x, xy=x.T @ y, yy=float(y @ y),
                              n=len(y), p=p)


def _covariance(phi: np.ndarray, q: int, nested: int = 0) -> tuple[np.ndarray, float]:
    """``G`` of the ``q`` correlated terms, then (``nested`` > 0) one shared nested-intercept
    variance on the diagonal for each of the ``nested`` indicator columns."""
    n_corr = q * (q - 1) // 2
    sd = np.exp(phi[:q])
    corr = np.eye(q)
    corr[np.tril_indices(q, -1)] = np.tanh(phi[q:q + n_corr])
    corr = np.tril(corr) + np.tril(corr, -1).T
    g = sd[:, None] * corr * sd[None, :]
    if nested:
        tau2 = float(np.exp(2 * phi[q + n_corr]))
        g = np.block([[g, np.zeros((q, nested))],
                      [np.zeros((nested, q)), tau2 * np.eye(nested)]])
    return g, float(np.exp(phi[-1]))


def neg2_loglik(phi: np.ndarray, cp: GroupCrossproducts, *, reml: bool,
                nested: int = 0) -> float:
    r"""``-2`` times the (restricted) log-likelihood, fixed effects profiled out.

    Notes
    -----
    :math:`V_i = \sigma^2(I + Z_i D Z_i^\top)` with :math:`D = G/\sigma^2`;
    :math:`V_i^{-1} = \sigma^{-2}(I - Z_i W_i Z_i^\top)`, :math:`W_i = D(I + A_i D)^{-1}`,
    :math:`A_i = Z_i^\top Z_i`, and :math:`\log|V_i| = n_i\log\sigma^2 + \log|I + A_i D|`.
    A nested random intercept (knees within persons) enters as ``nested`` indicator columns
    of ``Z`` (the unit's position within its group) sharing one variance.
    """
    q = cp.zz.shape[1] - nested
    g, sigma = _covariance(phi, q, nested)
    s2 = sigma**2
    d = g / s2
    m = np.eye(len(d))[None] + cp.zz @ d  # I + A_i D
    _, logdet = np.linalg.slogdet(m)
    w = d[None] @ np.linalg.inv(m)  # D (I + A_i D)^-1
    wzx = w @ cp.zx
    xvx = (cp.xx - np.einsum("gqp,gqr->pr", cp.zx, wzx)) / s2
    xvy = (cp.xy - np.einsum("gqp,gq->p", wzx, cp.zy)) / s2
    yvy = (cp.yy - np.einsum("gq,gqr,gr->", cp.zy, w, cp.zy)) / s2
    beta = np.linalg.solve(xvx, xvy)
    quad = yvy - 2 * beta @ xvy + beta @ xvx @ beta
    out = logdet.sum() + cp.n * np.log(s2) + quad
    if reml:
        out += np.linalg.slogdet(xvx)[1]
        return float(out + (cp.n - cp.p) * np.log(2 * np.pi))
    return float(out + cp.n * np.log(2 * np.pi))


def phi_covariance(phi: np.ndarray, cp: GroupCrossproducts, *, reml: bool,
                   nested: int = 0) -> np.ndarray:
    """Approximate covariance of ``phi``: ``2 H^-1`` with ``H`` the central-difference
    Hessian of :func:`neg2_loglik` (step 1e-4, as nlme's ``fdHess``)."""
    k = len(phi)
    h = 1e-4
    hess = np.empty((k, k))
    def f(x: np.ndarray) -> float:
        return neg2_loglik(x, cp, reml=reml, nested=nested)

    f0 = f(phi)
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            if i == j:
                value = (f(phi + e_i) - 2 * f0 + f(phi - e_i)) / h**2
            else:
                value = (f(phi + e_i + e_j) - f(phi + e_i - e_j) - f(phi - e_i + e_j)
                         + f(phi - e_i - e_j)) / (4 * h**2)
            hess[i, j] = hess[j, i] = value
    return 2 * np.linalg.inv(hess)
