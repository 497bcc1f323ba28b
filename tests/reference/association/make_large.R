# Reference values for exact and mid-p odds ratios on large 2x2 tables (counts 1e5 to 1e6).
#
# Run from the repository root:  Rscript tests/reference/association/make_large.R
# Reads tests/reference/association/inputs/tables_2x2_large.csv (written by make_inputs.py)
# and writes outputs/odds_ratio_large.csv, outputs/p_values_large.csv and
# sessionInfo_large.txt.
#
# bmecohort computes these on a window of the support in log space; here they come from
# stats::fisher.test's own full-support code (dhyper over every possible table), re-solved
# with uniroot(tol = 1e-13) as in make_association.R (whose default tolerance, about 1e-4
# absolute, would be far too loose for intervals this narrow). The p-values are R's own:
# fisher.test()$p.value and epitools::ormidp.test() (mid-p).

suppressPackageStartupMessages(library(epitools))

here <- "tests/reference/association"
TOL <- 1e-13
ALPHAS <- c(0.05, 0.10)
tables <- read.csv(file.path(here, "inputs", "tables_2x2_large.csv"), stringsAsFactors = FALSE)
as_abcd <- function(r) matrix(as.numeric(c(r$exposed_cases, r$exposed_noncases,
                                           r$unexposed_cases, r$unexposed_noncases)),
                              2, 2, byrow = TRUE)

# ---- the same functions as make_association.R (stats::fisher.test's 2x2 code) ------------
nchyper <- function(x) {
  m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ]); a <- x[1L, 1L]
  lo <- max(0, k - n); hi <- min(k, m); support <- lo:hi
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

midp_tight <- function(x, conf.level) {
  h <- nchyper(x); a <- h$a
  midp <- function(or) h$pn(a, or) - 0.5 * h$dn(or)[h$support == a]
  alpha <- 1 - conf.level
  solve <- function(f) exp(uniroot(function(l) f(exp(l)), c(-40, 40), tol = TOL)$root)
  est <- if (a == h$lo) 0 else if (a == h$hi) Inf else solve(function(or) midp(or) - 0.5)
  lower <- if (a == h$lo) 0 else solve(function(or) 1 - midp(or) - alpha / 2)
  upper <- if (a == h$hi) Inf else solve(function(or) midp(or) - alpha / 2)
  c(est, lower, upper)
}

or_rows <- list(); p_rows <- list()
for (i in seq_len(nrow(tables))) {
  r <- tables[i, ]; x <- as_abcd(r); ds <- r$dataset
  for (alpha in ALPHAS) {
    ex <- fisher_tight(x, 1 - alpha)
    mp <- midp_tight(x, 1 - alpha)
    or_rows[[length(or_rows) + 1]] <- data.frame(
      dataset = ds, alpha = alpha, method = c("exact", "midp"),
      estimate = c(ex[1], mp[1]), ci_lower = c(ex[2], mp[2]), ci_upper = c(ex[3], mp[3]))
  }
  mid <- ormidp.test(r$exposed_cases, r$unexposed_cases, r$exposed_noncases,
                     r$unexposed_noncases)
  p_rows[[length(p_rows) + 1]] <- data.frame(
    dataset = ds, fisher = fisher.test(x, conf.int = FALSE)$p.value,
    midp = mid$two.sided)
}
write.csv(do.call(rbind, or_rows), file.path(here, "outputs", "odds_ratio_large.csv"),
          row.names = FALSE)
write.csv(do.call(rbind, p_rows), file.path(here, "outputs", "p_values_large.csv"),
          row.names = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo_large.txt"))
