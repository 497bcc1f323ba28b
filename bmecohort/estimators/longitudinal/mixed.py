r"""Linear mixed models for repeated scores: random intercepts, slopes and nesting.

:func:`mixed_model` fits ``outcome ~ exposures + covariates`` with a random intercept per
``groups`` (a person), optionally a random slope (e.g. on years since baseline) and a
nested random intercept (knees within persons), by REML or ML with the PyPI package
``mixedlm`` (a Rust implementation of lme4's penalised least squares; its estimates match
lme4 to the optimiser's tolerance, ``tests/reference/mixed``). statsmodels' ``MixedLM``
fits the same model more slowly and is the ``engine="statsmodels"`` alternative.

Fixed effects have t intervals with Satterthwaite degrees of freedom by default (as R
``lmerTest``; the Kenward-Roger correction of ``mixedlm`` is only an approximation of
``pbkrtest``'s and is not offered), or Wald z intervals. Variance components have intervals
on the log-SD and atanh-correlation scales from the Hessian of the (restricted)
likelihood, knees nested in persons included (checked against an independent R
computation and against lme4's likelihood).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ..._checks import check_alpha, prepare
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, PARTICIPANT, TERM, N
from ..._format import format_number, format_significant
from ...exceptions import AnalysisInputError, ConvergenceWarning, DataQualityWarning
from ...results import Accounting, Result, result, summary_frame
from ..regression._design import as_names, build_design
from ._marginal import crossproducts, phi_covariance

__all__ = ["LikelihoodRatioResult", "MixedModelResult", "likelihood_ratio", "mixed_model"]

DfMethod = Literal["satterthwaite", "wald"]
INTERCEPT = "(Intercept)"
SE, DF = "se", "df"


@result
class MixedModelResult(Result):
    r"""A fitted linear mixed model.

    Attributes
    ----------
    table : pandas.DataFrame
        Fixed effects: ``term, estimate, ci_lower, ci_upper, p_value, n, se, df``
        (intercept included; ``estimate`` on the outcome's scale).
    variance : pandas.DataFrame
        Variance components: ``group``, ``term`` (``"sd((Intercept))"``,
        ``"sd(years)"``, ``"cor((Intercept),years)"``, ``"sigma"``), ``estimate``,
        ``ci_lower``, ``ci_upper`` (NaN where no interval is computed, see ``notes``) and
        ``variance`` (the squared SDs).
    icc : dict
        Intraclass correlations of the random intercepts: ``{group: var / total}`` with
        total = intercept variances + residual variance (at time 0 with a random slope).
    outcome : str
    exposures, covariates : tuple of str
    groups : str
    nested : str or None
    random_slope : str or None
    reml : bool
    loglik : float
    n_params : int
        Parameters counted by the likelihood (fixed + variance).
    df_method : str
        ``"satterthwaite"`` or ``"wald"``.
    method : str
    engine : str
    alpha : float
    accounting : Accounting
        Rows in, rows used, persons (clusters), exclusions.
    converged, singular : bool
    time_range : tuple of float or None
        Range of ``random_slope`` among the rows used (for the trajectory plot).
    notes : tuple of str
    raw : object
        The ``mixedlm`` (or statsmodels) results.
    """

    table: pd.DataFrame
    variance: pd.DataFrame
    icc: dict[str, float]
    outcome: str
    exposures: tuple[str, ...]
    covariates: tuple[str, ...]
    groups: str
    nested: str | None
    random_slope: str | None
    reml: bool
    loglik: float
    n_params: int
    df_method: str
    method: str
    engine: str
    alpha: float
    accounting: Accounting
    converged: bool = True
    singular: bool = False
    time_range: tuple[float, float] | None = None
    notes: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        """Display title."""
        return f"MixedModelResult: {self.outcome} ~ {' + '.join(self.exposures)}"

    def summary(self) -> pd.DataFrame:
        """Fixed effects with ``term, estimate, ci_lower, ci_upper, p_value, n, se, df``."""
        return self.table.copy()

    def header(self) -> dict[str, object]:
        """Method, accounting, variance components and notes, for display."""
        out = super().header()
        for row in self.variance.itertuples():
            out[f"{row.group}: {row.term}"] = format_significant(row.estimate, 4)
        for group, value in self.icc.items():
            out[f"ICC ({group})"] = format_number(value, 3)
        for i, note in enumerate(self.notes, start=1):
            out[f"note {i}"] = note
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Fitted mean trajectories over ``random_slope`` by the first exposure."""
        from ...plots.trajectories import trajectory_plot

        return trajectory_plot(self, ax=ax, **kwargs)


def _safe_frame(frame: pd.DataFrame, design: pd.DataFrame, outcome: str, groups: str,
                nested: str | None, slope_column: str | None) -> tuple[pd.DataFrame, str]:
    """A frame with formula-safe names, and the mixedlm formula."""
    safe = pd.DataFrame({f"f{i}": design[c].to_numpy(float)
                         for i, c in enumerate(design.columns)}, index=design.index)
    safe["y"] = frame[outcome].to_numpy(float)
    safe["g"] = pd.factorize(frame[groups])[0]
    fixed = " + ".join(safe.columns[:-2]) if design.shape[1] else "1"
    random = "(1 | g)"
    if slope_column is not None:
        safe["s"] = frame[slope_column].to_numpy(float)
        random = "(1 + s | g)"
    if nested is not None:
        # knees are nested in persons: their labels may repeat across persons
        safe["h"] = pd.factorize(pd.MultiIndex.from_frame(frame[[groups, nested]]))[0]
        random += " + (1 | h)"
    return safe, f"y ~ {fixed} + {random}"


def _variance_table(vc: Any, nested: str | None, groups: str, slope: str | None,
                    sigma: float) -> pd.DataFrame:
    rows = []
    names = {"g": groups, "h": f"{nested} in {groups}" if nested else "h"}
    label = {"(Intercept)": "(Intercept)", "s": slope}
    for key, group in vc.groups.items():
        terms = list(group.term_names)
        for t in terms:
            rows.append({"group": names.get(key, key), TERM: f"sd({label.get(t, t)})",
                         ESTIMATE: float(group.stddev[t]), "variance": float(group.variance[t])})
        for i in range(len(terms)):
            for j in range(i):
                rows.append({"group": names.get(key, key),
                             TERM: f"cor({label.get(terms[j], terms[j])},"
                                   f"{label.get(terms[i], terms[i])})",
                             ESTIMATE: float(group.corr[i, j]), "variance": np.nan})
    rows.append({"group": "residual", TERM: "sigma", ESTIMATE: sigma, "variance": sigma**2})
    out = pd.DataFrame(rows)
    out[CI_LOWER] = np.nan
    out[CI_UPPER] = np.nan
    return out[["group", TERM, ESTIMATE, CI_LOWER, CI_UPPER, "variance"]]


def _variance_intervals(table: pd.DataFrame, safe: pd.DataFrame, n_fixed: int, reml: bool,
                        alpha: float, groups: str, nested_label: str | None) -> pd.DataFrame:
    """Intervals of the SDs, correlations and sigma (log / atanh scale), also with knees
    nested in persons (the knee's intercept as indicator columns of the person's ``Z``)."""
    x = np.column_stack([np.ones(len(safe)), safe[[f"f{i}" for i in range(n_fixed)]]])
    columns = [np.ones(len(safe))] + ([safe["s"].to_numpy(float)] if "s" in safe else [])
    nested = 0
    if nested_label is not None:
        # position of each knee within its person: one indicator column per position
        position = safe.groupby("g", sort=False)["h"].rank(method="dense").to_numpy(int) - 1
        nested = int(position.max()) + 1
        columns += [(position == k).astype(float) for k in range(nested)]
    z = np.column_stack(columns)
    cp = crossproducts(x, z, safe["y"].to_numpy(float), safe["g"].to_numpy())
    own = table["group"] == groups
    sd_rows = table.index[own & table[TERM].str.startswith("sd(")]
    cor_rows = table.index[own & table[TERM].str.startswith("cor(")]
    nest_rows = table.index[table["group"] == nested_label] if nested else table.index[:0]
    sigma_rows = table.index[table[TERM] == "sigma"]
    rows = [*sd_rows, *cor_rows, *nest_rows, *sigma_rows]
    values = table.loc[rows, ESTIMATE].to_numpy(float)
    is_corr = np.isin(rows, cor_rows)
    if (values[~is_corr] <= 0).any() or (np.abs(values[is_corr]) >= 1).any():
        return table  # at the boundary: no Wald interval on these scales
    phi = np.where(is_corr, np.arctanh(np.where(is_corr, values, 0.0)),
                   np.log(np.where(is_corr, 1.0, values)))
    try:
        cov = phi_covariance(phi, cp, reml=reml, nested=nested)
    except np.linalg.LinAlgError:
        return table  # a flat likelihood (a component next to its boundary): no Wald interval
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(cov))
    if not np.isfinite(se).all():
        return table  # not a maximum on these scales: no Wald interval either
    zq = special.ndtri(1 - alpha / 2)
    lo, hi = phi - zq * se, phi + zq * se
    out = table.copy()
    out.loc[rows, CI_LOWER] = np.where(is_corr, np.tanh(lo), np.exp(lo))
    out.loc[rows, CI_UPPER] = np.where(is_corr, np.tanh(hi), np.exp(hi))
    return out


def mixed_model(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposures: str | Sequence[str],
    covariates: str | Sequence[str] = (),
    interactions: Sequence[tuple[str, str]] = (),
    categorical: Sequence[str] = (),
    groups: str = PARTICIPANT,
    nested: str | None = None,
    random_slope: str | None = None,
    reml: bool = True,
    df_method: DfMethod = "satterthwaite",
    alpha: float = 0.05,
) -> MixedModelResult:
    r"""Linear mixed model of a repeated continuous outcome (scores, volumes, WOMAC).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per measurement (e.g. knee and visit); never modified.
    outcome : str
        Continuous outcome (e.g. total BML score, cartilage volume in mm3).
    exposures, covariates : str or sequence of str
        Fixed-effect terms (numeric, or listed in ``categorical``).
    interactions : sequence of (str, str), default=()
        Products of two numeric terms, named ``"a:b"`` (e.g. exposure by years, for
        exposure-specific trajectories).
    categorical : sequence of str, default=()
        Terms expanded into indicators of their non-reference levels.
    groups : str, default="participant_id"
        The grouping factor of the random intercept (and slope).
    nested : str or None, default=None
        A second grouping nested in ``groups`` (e.g. ``"side"``: knees within persons),
        with its own random intercept.
    random_slope : str or None, default=None
        Numeric column with a random slope per ``groups`` (correlated with the intercept),
        e.g. years since baseline.
    reml : bool, default=True
        REML (unbiased variance components) or ML (needed to compare fixed effects).
    df_method : {"satterthwaite", "wald"}, default="satterthwaite"
        t intervals and tests with Satterthwaite degrees of freedom (as lmerTest; the
        default, because with few persons the z test is anti-conservative), or z.
    alpha : float, default=0.05

    Returns
    -------
    MixedModelResult
        ``summary()``: fixed effects; ``variance``: SDs, correlation and sigma with
        intervals; ``icc``; ``loglik`` for :func:`likelihood_ratio`; ``.plot()``.

    Raises
    ------
    AnalysisInputError
        Missing columns, non-numeric terms, fewer than 3 groups, a grouping column among
        the terms.

    Notes
    -----
    The model is :math:`y_{ij} = x_{ij}^\top\beta + b_{0i} + b_{1i} t_{ij} (+ c_{ik}) +
    \varepsilon_{ij}` with :math:`(b_{0i}, b_{1i}) \sim N(0, G)`, :math:`c_{ik} \sim
    N(0, \tau^2)` and :math:`\varepsilon \sim N(0, \sigma^2)`. Variance-component
    intervals: :math:`\exp(\log\hat{sd} \pm z\,se)` and :math:`\tanh(\operatorname{atanh}
    \hat\rho \pm z\,se)` with standard errors from the central-difference Hessian of the
    (restricted) likelihood, as ``nlme::intervals``; NaN for estimates on the boundary.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> pid = np.repeat(np.arange(40), 4)
    >>> years = np.tile([0.0, 1.0, 2.0, 4.0], 40)
    >>> bml = np.repeat(rng.integers(0, 2, 40), 4)
    >>> score = 2 + bml + 0.5 * years + np.repeat(rng.normal(0, 1, 40), 4) + rng.normal(0, 1, 160)
    >>> d = pd.DataFrame({"participant_id": pid, "years": years, "bml": bml, "score": score})
    >>> r = mixed_model(d, outcome="score", exposures="bml", covariates="years")
    >>> r.summary()["term"].tolist(), r.accounting.n_clusters
    (['(Intercept)', 'bml', 'years'], 40)
    """
    import mixedlm
    from mixedlm.inference.ddf import satterthwaite_df

    alpha = check_alpha(alpha)
    if df_method not in ("satterthwaite", "wald"):
        raise AnalysisInputError(f"df_method={df_method!r}; use 'satterthwaite' or 'wald'.")
    exposures_ = as_names(exposures, argument="exposures")
    covariates_ = as_names(covariates, argument="covariates")
    if not exposures_:
        raise AnalysisInputError("mixed_model: pass at least one exposure.")
    pairs = [tuple(p) for p in interactions]
    if any(len(p) != 2 for p in pairs):
        raise AnalysisInputError(
            f"interactions={interactions!r}; pass pairs of column names, e.g. "
            f"[('bml', 'years')].")
    terms = [*exposures_, *covariates_]
    needed = [*terms, *[c for p in pairs for c in p if c not in terms]]
    clash = [c for c in (groups, nested) if c is not None and c in needed + [outcome]]
    if clash:
        raise AnalysisInputError(
            f"mixed_model: grouping column(s) {clash} are also model terms or the outcome.")
    # the random slope is usually also a fixed term (years): read each column once
    frame, excluded = prepare(data, list(dict.fromkeys(
        [outcome, *needed, groups, nested, random_slope])))
    if not pd.api.types.is_numeric_dtype(frame[outcome]) or pd.api.types.is_bool_dtype(
            frame[outcome]):
        raise AnalysisInputError(
            f"mixed_model: outcome {outcome!r} holds {frame[outcome].dtype} values; a linear "
            f"mixed model needs a numeric outcome (use logistic or ordinal for grades).")
    n_groups = int(frame[groups].nunique())
    if n_groups < 3:
        raise AnalysisInputError(
            f"mixed_model: {n_groups} group(s) in {groups!r} among the rows used; a random "
            f"effect needs at least 3 (and is well estimated only with many more).")
    design = build_design(frame, needed, categorical=categorical, intercept=False).exog
    for a, b in pairs:
        design[f"{a}:{b}"] = design[a] * design[b]
    design = design[[c for c in design.columns if c in terms or c in
                     {f"{a}:{b}" for a, b in pairs} or any(c.startswith(f"{t}[")
                                                           for t in categorical)]]
    safe, formula = _safe_frame(frame, design, outcome, groups, nested, random_slope)
    if float(np.var(safe["y"])) == 0.0:
        raise AnalysisInputError(
            f"mixed_model: outcome {outcome!r} is constant "
            f"({float(safe['y'].iloc[0]):g}) in the {len(safe)} rows used; there is no "
            f"variance to model.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = mixedlm.lmer(formula, safe, REML=reml)
        except (RuntimeError, ValueError, np.linalg.LinAlgError) as error:
            # degenerate data (e.g. more random effects than the groups can carry): an
            # input problem, said as one, never the library's traceback
            raise AnalysisInputError(
                f"mixed_model: the model of {outcome!r} cannot be fitted to these "
                f"{len(safe)} rows in {n_groups} groups ({type(error).__name__}: {error}). "
                f"Simplify the random effects (drop random_slope or nested) or use more "
                f"data.") from error
    converged, singular = bool(fit.converged), bool(fit.isSingular())
    notes: list[str] = []
    if not converged:
        warnings.warn(f"mixed_model: the fit of {outcome!r} did not converge.",
                      ConvergenceWarning, stacklevel=2)
        notes.append("the optimiser did not converge")
    if singular:
        warnings.warn(
            f"mixed_model: a variance component of {outcome!r} is estimated at its boundary "
            f"(zero variance or correlation of +/-1); simplify the random effects.",
            DataQualityWarning, stacklevel=2)
        notes.append("singular fit: a variance component is on its boundary")
    names = [INTERCEPT, *design.columns]
    beta = np.asarray(list(fit.fixef().values()), float)
    se = np.sqrt(np.diag(np.asarray(fit.vcov(), float)))
    if df_method == "satterthwaite":
        df = np.asarray(satterthwaite_df(fit).df, float)
        crit = stats.t.ppf(1 - alpha / 2, df)
        p = 2 * stats.t.sf(np.abs(beta / se), df)
    else:
        df = np.full(len(beta), np.inf)
        crit = np.full(len(beta), special.ndtri(1 - alpha / 2))
        p = 2 * stats.norm.sf(np.abs(beta / se))
    table = pd.DataFrame({TERM: names, ESTIMATE: beta, CI_LOWER: beta - crit * se,
                          CI_UPPER: beta + crit * se, P_VALUE: p, N: len(frame), SE: se,
                          DF: df})
    vc = fit.VarCorr()
    variance = _variance_table(vc, nested, groups, random_slope, float(fit.sigma))
    variance = _variance_intervals(variance, safe, design.shape[1], reml, alpha, groups,
                                   f"{nested} in {groups}" if nested else None)
    intercepts = variance[variance[TERM] == "sd((Intercept))"]
    total = float(intercepts["variance"].sum() + fit.sigma**2)
    icc = {row.group: float(row.variance / total) for row in intercepts.itertuples()}
    loglik = float(fit.logLik().value)
    n_params = len(beta) + len(variance)
    clusters = Accounting(unit="measurement", n_rows=len(data), n_used=len(frame),
                          n_clusters=n_groups, cluster=groups, excluded=excluded)
    method = "linear-mixed-model-" + ("reml" if reml else "ml") + (
        "-satterthwaite" if df_method == "satterthwaite" else "-wald")
    return MixedModelResult(
        table=summary_frame(table.to_dict("records"), extra=(N, SE, DF)),
        variance=variance, icc=icc, outcome=outcome, exposures=exposures_,
        covariates=covariates_, groups=groups, nested=nested, random_slope=random_slope,
        reml=reml, loglik=loglik, n_params=n_params, df_method=df_method, method=method,
        engine="mixedlm", alpha=alpha, accounting=clusters, converged=converged,
        singular=singular,
        time_range=(float(frame[random_slope].min()), float(frame[random_slope].max()))
        if random_slope is not None else None, notes=tuple(notes), raw=fit)


@result
class LikelihoodRatioResult(Result):
    """Likelihood-ratio test of a reduced mixed model against a fuller one.

    Attributes
    ----------
    chi2, df, p_value : float
    loglik_reduced, loglik_full : float
    refitted : bool
        Whether REML fits were refitted by ML because their fixed effects differ.
    method : str
    """

    chi2: float
    df: int
    p_value: float
    loglik_reduced: float
    loglik_full: float
    refitted: bool
    method: str

    def summary(self) -> pd.DataFrame:
        """One row: ``term`` "likelihood ratio", ``estimate`` = chi2, ``p_value``, ``df``."""
        return summary_frame([{TERM: "likelihood ratio", ESTIMATE: self.chi2,
                               P_VALUE: self.p_value, DF: self.df}], extra=(DF,))


def likelihood_ratio(reduced: MixedModelResult, full: MixedModelResult
                     ) -> LikelihoodRatioResult:
    """Likelihood-ratio test of nested mixed models fitted to the same rows.

    Parameters
    ----------
    reduced, full : MixedModelResult
        ``reduced`` nested in ``full``. When their fixed effects differ and they were fitted
        by REML, both are refitted by ML (REML likelihoods of different fixed effects are not
        comparable), and ``refitted`` says so.

    Returns
    -------
    LikelihoodRatioResult
        ``chi2 = 2 (loglik_full - loglik_reduced)`` on the difference in parameters.
        Testing a variance component at zero is conservative (a boundary; the p-value may be
        halved for one variance, Self and Liang 1987).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> pid = np.repeat(np.arange(30), 3)
    >>> d = pd.DataFrame({"participant_id": pid, "x": rng.normal(size=90),
    ...                   "years": np.tile([0.0, 1.0, 2.0], 30)})
    >>> d["y"] = d["x"] + np.repeat(rng.normal(size=30), 3) + rng.normal(size=90)
    >>> small = mixed_model(d, outcome="y", exposures="years")
    >>> big = mixed_model(d, outcome="y", exposures="years", covariates="x")
    >>> likelihood_ratio(small, big).refitted
    True
    """
    if reduced.accounting.n_used != full.accounting.n_used or reduced.outcome != full.outcome:
        raise AnalysisInputError(
            "likelihood_ratio: the models must be fitted to the same rows and outcome "
            f"({reduced.accounting.n_used} vs {full.accounting.n_used} rows).")
    k = full.n_params - reduced.n_params
    if k <= 0:
        raise AnalysisInputError(
            f"likelihood_ratio: the full model has {full.n_params} parameters, not more than "
            f"the reduced model's {reduced.n_params}; pass (reduced, full).")
    same_fixed = list(reduced.table[TERM]) == list(full.table[TERM])
    refit = not same_fixed and (reduced.reml or full.reml)
    ll_r, ll_f = reduced.loglik, full.loglik
    if refit:
        ll_r = float(reduced.raw.refitML().logLik().value)
        ll_f = float(full.raw.refitML().logLik().value)
    chi2 = max(2 * (ll_f - ll_r), 0.0)
    return LikelihoodRatioResult(
        chi2=chi2, df=k, p_value=float(stats.chi2.sf(chi2, k)), loglik_reduced=ll_r,
        loglik_full=ll_f, refitted=bool(refit),
        method="likelihood-ratio-ml" if refit or not reduced.reml else "likelihood-ratio-reml")


