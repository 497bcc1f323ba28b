# Reference values for bmecohort.estimators.{association,stratified,twobytwo}.
#
# Run from the repository root:  Rscript tests/reference/association/make_association.R
# Reads tests/reference/association/inputs/*.csv (written by make_inputs.py) and writes
# tests/reference/association/outputs/*.csv and tests/reference/association/sessionInfo.txt.
#
# Precision: stats::fisher.test and epitools' mid-p functions solve with uniroot's default
# tolerance (.Machine$double.eps^0.25, about 1e-4 absolute), which is off by up to several
# percent for odds ratios far from 1. The "exact" and "midp" rows below therefore come from
# the same algorithms re-solved with tol = 1e-13 (fisher_tight, midp_tight, rate_midp_tight);
# the untightened package results are written too (methods "*_pkg_default") for comparison.
# epiR 2.0.57's "OR.strata.cfield" is not Cornfield's interval (its zORcfield computes a
# mid-p exact interval, and only for integer tables), so the Cornfield reference is
# implemented here from its definition (Cornfield 1956; Stata `cc, cornfield`, no continuity
# correction) and solved with uniroot(tol = 1e-13).

suppressPackageStartupMessages({
  library(epitools)
  library(epiR)
  library(geepack)
})

here <- "tests/reference/association"
inp <- function(f) read.csv(file.path(here, "inputs", f), stringsAsFactors = FALSE)
out <- function(x, f) write.csv(x, file.path(here, "outputs", f), row.names = FALSE)
dir.create(file.path(here, "outputs"), showWarnings = FALSE)
TOL <- 1e-13
ALPHAS <- c(0.05, 0.10)

# Our layout: rows exposed / unexposed, columns cases / noncases (a = exposed cases).
as_abcd <- function(r) matrix(c(r$exposed_cases, r$exposed_noncases,
                                r$unexposed_cases, r$unexposed_noncases), 2, 2, byrow = TRUE)
# epitools layout: reference (unexposed) row first, columns noncase then case.
as_epitools <- function(r) matrix(c(r$unexposed_noncases, r$unexposed_cases,
                                    r$exposed_noncases, r$exposed_cases), 2, 2, byrow = TRUE)

# ---- conditional (Fisher) machinery: stats::fisher.test's 2x2 code with tol = TOL --------
nchyper <- function(x) {
  m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ]); a <- x[1L, 1L]
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dn <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  mn <- function(ncp) {
    if (ncp == 0) return(lo); if (ncp == Inf) return(hi); sum(support * dn(ncp))
  }
  pn <- function(q, ncp, upper.tail = FALSE) {
    if (ncp == 1) return(if (upper.tail) phyper(q - 1, m, n, k, lower.tail = FALSE)
                         else phyper(q, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper.tail) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper.tail) q <= hi else q >= hi))
    sum(dn(ncp)[if (upper.tail) support >= q else support <= q])
  }
  list(a = a, lo = lo, hi = hi, support = support, dn = dn, mn = mn, pn = pn)
}

fisher_tight <- function(x, conf.level) {
  h <- nchyper(x); a <- h$a
  mle <- if (a == h$lo) 0 else if (a == h$hi) Inf else {
    mu <- h$mn(1)
    if (mu > a) uniroot(function(t) h$mn(t) - a, c(0, 1), tol = TOL)$root
    else if (mu < a) 1 / uniroot(function(t) h$mn(1 / t) - a,
                                 c(.Machine$double.eps, 1), tol = TOL)$root
    else 1
  }
  alpha <- (1 - conf.level) / 2
  upper <- if (a == h$hi) Inf else {
    p <- h$pn(a, 1)
    if (p < alpha) uniroot(function(t) h$pn(a, t) - alpha, c(0, 1), tol = TOL)$root
    else if (p > alpha) 1 / uniroot(function(t) h$pn(a, 1 / t) - alpha,
                                    c(.Machine$double.eps, 1), tol = TOL)$root
    else 1
  }
  lower <- if (a == h$lo) 0 else {
    p <- h$pn(a, 1, upper.tail = TRUE)
    if (p > alpha) uniroot(function(t) h$pn(a, t, upper.tail = TRUE) - alpha,
                           c(0, 1), tol = TOL)$root
    else if (p < alpha) 1 / uniroot(function(t) h$pn(a, 1 / t, upper.tail = TRUE) - alpha,
                                    c(.Machine$double.eps, 1), tol = TOL)$root
    else 1
  }
  c(mle, lower, upper)
}

# epitools::or.midp re-solved: median-unbiased estimate and mid-p limits, tol = TOL.
# midp(or) = P(X < a) + P(X = a) / 2 under odds ratio `or` (as epitools' midp()).
midp_tight <- function(x, conf.level) {
  h <- nchyper(x); a <- h$a
  midp <- function(or) h$pn(a, or) - 0.5 * h$dn(or)[h$support == a]
  alpha <- 1 - conf.level
  # solve on log(or) so that limits far from 1 are found to full relative precision
  solve <- function(f) exp(uniroot(function(l) f(exp(l)), c(-40, 40), tol = TOL)$root)
  est <- if (a == h$lo) 0 else if (a == h$hi) Inf else solve(function(or) midp(or) - 0.5)
  lower <- if (a == h$lo) 0 else solve(function(or) 1 - midp(or) - alpha / 2)
  upper <- if (a == h$hi) Inf else solve(function(or) midp(or) - alpha / 2)
  c(est, lower, upper)
}

cornfield_tight <- function(x, conf.level) {
  a <- x[1, 1]; n1 <- sum(x[1, ]); n0 <- sum(x[2, ]); m1 <- sum(x[, 1])
  z <- qnorm(1 - (1 - conf.level) / 2)
  lo <- max(0, m1 - n0); hi <- min(n1, m1)
  f <- function(A) (a - A)^2 * (1 / A + 1 / (n1 - A) + 1 / (m1 - A) + 1 / (n0 - m1 + A)) - z^2
  or_of <- function(A) A * (n0 - m1 + A) / ((n1 - A) * (m1 - A))
  eps <- 1e-12
  lower <- if (a <= lo) 0 else or_of(uniroot(f, c(lo + eps * (a - lo), a - eps * (a - lo)), tol = TOL)$root)
  upper <- if (a >= hi) Inf else or_of(uniroot(f, c(a + eps * (hi - a), hi - eps * (hi - a)), tol = TOL)$root)
  c(x[1, 1] * x[2, 2] / (x[1, 2] * x[2, 1]), lower, upper)
}

# ---- 2x2 tables: odds ratio, risk ratio, risk difference, p-values ----------------------
tables <- inp("tables_2x2.csv")
or_rows <- list(); rr_rows <- list(); rd_rows <- list(); p_rows <- list()
add <- function(lst, ...) { lst[[length(lst) + 1]] <- data.frame(...); lst }
for (i in seq_len(nrow(tables))) {
  r <- tables[i, ]; x <- as_abcd(r); e <- as_epitools(r); ds <- r$dataset
  for (alpha in ALPHAS) {
    cl <- 1 - alpha
    w <- oddsratio.wald(e, conf.level = cl)$measure[2, ]
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "woolf",
                   estimate = w[1], ci_lower = w[2], ci_upper = w[3])
    # Haldane-Anscombe: 0.5 added to all four cells when any cell is 0
    shift <- if (any(x == 0)) 0.5 else 0
    wh <- oddsratio.wald(e + shift, conf.level = cl)$measure[2, ]
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "woolf_haldane",
                   estimate = wh[1], ci_lower = wh[2], ci_upper = wh[3])
    ex <- fisher_tight(x, cl)
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "exact",
                   estimate = ex[1], ci_lower = ex[2], ci_upper = ex[3])
    ft <- fisher.test(x, conf.level = cl)
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "exact_pkg_default",
                   estimate = unname(ft$estimate), ci_lower = ft$conf.int[1],
                   ci_upper = ft$conf.int[2])
    mp <- midp_tight(x, cl)
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "midp",
                   estimate = mp[1], ci_lower = mp[2], ci_upper = mp[3])
    mpd <- tryCatch(oddsratio.midp(e, conf.level = cl)$measure[2, ],
                    error = function(err) c(NA, NA, NA))
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "midp_pkg_default",
                   estimate = mpd[1], ci_lower = mpd[2], ci_upper = mpd[3])
    cf <- cornfield_tight(x, cl)
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "cornfield",
                   estimate = cf[1], ci_lower = cf[2], ci_upper = cf[3])
    cfh <- cornfield_tight(x + shift, cl)
    or_rows <- add(or_rows, dataset = ds, alpha = alpha, method = "cornfield_haldane",
                   estimate = cfh[1], ci_lower = cfh[2], ci_upper = cfh[3])

    k <- riskratio.wald(e, conf.level = cl)$measure[2, ]
    rr_rows <- add(rr_rows, dataset = ds, alpha = alpha, method = "katz",
                   estimate = k[1], ci_lower = k[2], ci_upper = k[3])
    ep <- epi.2by2(as.table(x), method = "cohort.count", conf.level = cl)$massoc.detail
    rr_rows <- add(rr_rows, dataset = ds, alpha = alpha, method = "katz_epiR",
                   estimate = ep$RR.strata.wald$est, ci_lower = ep$RR.strata.wald$lower,
                   ci_upper = ep$RR.strata.wald$upper)
    # epiR reports the risk difference per 100 units
    rd_rows <- add(rd_rows, dataset = ds, alpha = alpha, method = "wald",
                   estimate = ep$ARisk.strata.wald$est / 100,
                   ci_lower = ep$ARisk.strata.wald$lower / 100,
                   ci_upper = ep$ARisk.strata.wald$upper / 100)
  }
  pv <- tab2by2.test(e)$p.value[2, ]
  p_rows <- add(p_rows, dataset = ds, chi_square = pv[["chi.square"]],
                fisher = pv[["fisher.exact"]], midp = pv[["midp.exact"]],
                chi_square_stats = suppressWarnings(chisq.test(x, correct = FALSE)$p.value),
                fisher_stats = fisher.test(x)$p.value)
}
out(do.call(rbind, or_rows), "odds_ratio.csv")
out(do.call(rbind, rr_rows), "risk_ratio.csv")
out(do.call(rbind, rd_rows), "risk_difference.csv")
out(do.call(rbind, p_rows), "p_values.csv")

# ---- rate ratios -------------------------------------------------------------------------
# epitools::rateratio.midp's solve.p with tol = TOL (its midprob is unchanged).
rate_midp_tight <- function(aa, bb, pt1, pt0, conf.level) {
  alpha <- 1 - conf.level; mm <- aa + bb
  midprob <- function(p, lower.tail, offset) dbinom(aa, mm, p) / 2 +
    pbinom(aa - lower.tail, mm, p, lower.tail = lower.tail) + offset
  solve.p <- function(offset, lower.tail) {
    if (lower.tail && !midprob(1, lower.tail, offset) < 0) return(1)
    if (!lower.tail && !midprob(0, lower.tail, offset) < 0) return(0)
    uniroot(midprob, c(0, 1), lower.tail = lower.tail, offset = offset, tol = TOL)$root
  }
  to_irr <- function(s) (s / (1 - s)) * (pt0 / pt1)
  c(to_irr(solve.p(-0.5, FALSE)), to_irr(solve.p(-alpha / 2, FALSE)),
    to_irr(solve.p(-alpha / 2, TRUE)))
}
rates <- inp("rates.csv")
rate_rows <- list()
for (i in seq_len(nrow(rates))) {
  r <- rates[i, ]; ds <- r$dataset
  rt <- matrix(c(r$unexposed_events, r$unexposed_person_time,
                 r$exposed_events, r$exposed_person_time), 2, 2, byrow = TRUE)
  for (alpha in ALPHAS) {
    cl <- 1 - alpha
    pt <- poisson.test(c(r$exposed_events, r$unexposed_events),
                       c(r$exposed_person_time, r$unexposed_person_time), conf.level = cl)
    rate_rows <- add(rate_rows, dataset = ds, alpha = alpha, method = "exact",
                     estimate = unname(pt$estimate), ci_lower = pt$conf.int[1],
                     ci_upper = pt$conf.int[2], p_value = pt$p.value)
    mt <- rate_midp_tight(r$exposed_events, r$unexposed_events, r$exposed_person_time,
                          r$unexposed_person_time, cl)
    mp <- rateratio.midp(rt, conf.level = cl)
    rate_rows <- add(rate_rows, dataset = ds, alpha = alpha, method = "midp",
                     estimate = mt[1], ci_lower = mt[2], ci_upper = mt[3],
                     p_value = mp$p.value[2, "midp.exact"])
    rate_rows <- add(rate_rows, dataset = ds, alpha = alpha, method = "midp_pkg_default",
                     estimate = mp$measure[2, 1], ci_lower = mp$measure[2, 2],
                     ci_upper = mp$measure[2, 3], p_value = mp$p.value[2, "midp.exact"])
    wd <- rateratio.wald(rt, conf.level = cl)
    rate_rows <- add(rate_rows, dataset = ds, alpha = alpha, method = "wald",
                     estimate = wd$measure[2, 1], ci_lower = wd$measure[2, 2],
                     ci_upper = wd$measure[2, 3], p_value = wd$p.value[2, "wald"])
  }
}
out(do.call(rbind, rate_rows), "rate_ratio.csv")

# ---- Mantel-Haenszel ---------------------------------------------------------------------
strata <- inp("strata.csv")
mh_rows <- list(); st_rows <- list()
for (ds in unique(strata$dataset)) {
  s <- strata[strata$dataset == ds, ]
  arr <- array(0L, dim = c(2, 2, nrow(s)))
  for (j in seq_len(nrow(s))) arr[, , j] <- as.integer(as_abcd(s[j, ]))
  for (alpha in ALPHAS) {
    cl <- 1 - alpha
    mh <- mantelhaen.test(arr, correct = FALSE, conf.level = cl)
    ep <- epi.2by2(as.table(arr), method = "cohort.count", conf.level = cl)$massoc.detail
    mh_rows <- add(mh_rows, dataset = ds, alpha = alpha, estimate = unname(mh$estimate),
                   ci_lower = mh$conf.int[1], ci_upper = mh$conf.int[2],
                   p_value = mh$p.value, statistic = unname(mh$statistic),
                   homogeneity_p_value = ep$bOR.homog$p.value,
                   homogeneity_statistic = ep$bOR.homog$test.statistic)
    st_rows <- add(st_rows, dataset = ds, alpha = alpha, stratum = s$stratum,
                   estimate = ep$OR.strata.wald$est, ci_lower = ep$OR.strata.wald$lower,
                   ci_upper = ep$OR.strata.wald$upper,
                   p_value = ep$chi2.strata.uncor$p.value.2s)
  }
}
out(do.call(rbind, mh_rows), "mantel_haenszel.csv")
out(do.call(rbind, st_rows), "mh_strata.csv")

# ---- cluster-robust (sandwich) intervals: geepack, independence working correlation ----
# std.err = "san.se" is the plain sandwich, without a small-sample factor.
gee_rows <- list()
for (f in c("clustered_a", "clustered_b")) {
  d <- inp(paste0(f, ".csv"))
  d <- d[order(d$participant_id), ]  # geepack needs rows of a cluster to be contiguous
  fams <- list(or = binomial(link = "logit"), rr = poisson(link = "log"),
               rd = gaussian(link = "identity"))
  for (measure in names(fams)) {
    fit <- geeglm(outcome ~ exposure, id = participant_id, data = d, family = fams[[measure]],
                  corstr = "independence", std.err = "san.se")
    cf <- summary(fit)$coefficients
    gee_rows <- add(gee_rows, dataset = f, measure = measure,
                    coef = cf["exposure", "Estimate"], se = cf["exposure", "Std.err"],
                    n = nrow(d), n_clusters = length(unique(d$participant_id)))
  }
}
out(do.call(rbind, gee_rows), "gee.csv")

# ---- clustered stratified odds ratio: independence GEE with stratum terms (plain sandwich) --
# The pooled row is geeglm(outcome ~ exposure + factor(stratum)); each stratum's row is
# geeglm(outcome ~ exposure) on that stratum's knees. Clusters cross strata. Homogeneity:
# anova()'s robust Wald test of the interaction in geeglm(outcome ~ factor(stratum) * x).
d <- inp("clustered_strata.csv")
d <- d[order(d$participant_id), ]
ctl <- geese.control(epsilon = 1e-12, maxit = 100)
fit <- geeglm(outcome ~ exposure + factor(stratum), id = participant_id, data = d,
              family = binomial, corstr = "independence", std.err = "san.se", control = ctl)
cf <- summary(fit)$coefficients
strat_rows <- list()
strat_rows <- add(strat_rows, stratum = "pooled", coef = cf["exposure", "Estimate"],
                  se = cf["exposure", "Std.err"], n = nrow(d),
                  n_clusters = length(unique(d$participant_id)))
for (s in sort(unique(d$stratum))) {
  ds <- d[d$stratum == s, ]
  fs <- geeglm(outcome ~ exposure, id = participant_id, data = ds, family = binomial,
               corstr = "independence", std.err = "san.se", control = ctl)
  cs <- summary(fs)$coefficients
  strat_rows <- add(strat_rows, stratum = s, coef = cs["exposure", "Estimate"],
                    se = cs["exposure", "Std.err"], n = nrow(ds),
                    n_clusters = length(unique(ds$participant_id)))
}
# homogeneity: the robust Wald test of the exposure-by-stratum interaction (last term)
inter <- geeglm(outcome ~ factor(stratum) * exposure, id = participant_id, data = d,
                family = binomial, corstr = "independence", std.err = "san.se", control = ctl)
av <- anova(inter)
out(do.call(rbind, strat_rows), "stratified_clustered.csv")
out(data.frame(statistic = av[nrow(av), "X2"], df = av[nrow(av), "Df"],
               p_value = av[nrow(av), "P(>|Chi|)"]), "stratified_clustered_homogeneity.csv")

writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
