# Interval conventions: Cornfield with continuity correction, Byar's Poisson interval
# (epitools::pois.byar), Kaplan-Meier "log" and "plain" intervals (survival::survfit), and
# Cox with Breslow/Efron ties and strata, model-based and clustered (survival::coxph).
#
# Run from the repository root:  Rscript tests/reference/effects/make_intervals.R
# Cornfield's corrected limits (Schlesselman 1982, p. 177; Epi Info) have no R package; they
# are solved here from the definition with uniroot(tol = 1e-13). The published check is the
# Stata FAQ table (Gould 1999, "Stata 6: continuity adjustments", cci 11 3 106 223): Epi
# Info's corrected [1.94, 35.63] and Stata's uncorrected [2.26, 26.20].
suppressPackageStartupMessages({ library(epitools); library(survival) })
here <- "tests/reference/effects"
inp <- function(f) read.csv(file.path(here, "inputs", f), stringsAsFactors = FALSE)
out <- function(x, f) write.csv(format(x, digits = 17), file.path(here, "outputs", f),
                                row.names = FALSE, quote = FALSE)
TOL <- 1e-13

# --- Cornfield, corrected and uncorrected ------------------------------------------------
cornfield <- function(a, b, c, d, alpha, corr) {
  n1 <- a + b; n0 <- c + d; m1 <- a + c; z2 <- qnorm(1 - alpha / 2)^2
  lo <- max(0, m1 - n0); hi <- min(n1, m1)
  f <- function(A) pmax(abs(a - A) - corr, 0)^2 *
    (1 / A + 1 / (n1 - A) + 1 / (m1 - A) + 1 / (n0 - m1 + A)) - z2
  or_at <- function(A) A * (n0 - m1 + A) / ((n1 - A) * (m1 - A))
  eps <- 1e-12
  lower <- if (a <= lo) 0 else or_at(uniroot(f, c(lo + eps, a), tol = TOL)$root)
  upper <- if (a >= hi) Inf else or_at(uniroot(f, c(a, hi - eps), tol = TOL)$root)
  c(lower, upper)
}
tabs <- inp("tables_2x2.csv")
rows <- list()
for (i in seq_len(nrow(tabs))) for (alpha in c(0.05, 0.10)) for (corr in c(0, 0.5)) {
  t <- tabs[i, ]
  if (min(t[, -1]) == 0) next
  lim <- cornfield(t$exposed_cases, t$exposed_noncases, t$unexposed_cases,
                   t$unexposed_noncases, alpha, corr)
  rows[[length(rows) + 1]] <- data.frame(dataset = t$dataset, alpha = alpha,
                                         correction = corr > 0, ci_lower = lim[1],
                                         ci_upper = lim[2])
}
cf <- do.call(rbind, rows)
faq <- cf[cf$dataset == "stata_faq" & cf$alpha == 0.05, ]
stopifnot(abs(faq$ci_lower[faq$correction] - 1.94) < 0.01,
          abs(faq$ci_upper[faq$correction] - 35.63) < 0.01,
          abs(faq$ci_lower[!faq$correction] - 2.26) < 0.01,
          abs(faq$ci_upper[!faq$correction] - 26.20) < 0.015)
out(cf, "cornfield.csv")

# --- Byar ---------------------------------------------------------------------------------
rates <- read.csv("tests/reference/association/inputs/rates.csv")
by <- do.call(rbind, lapply(c(0.95, 0.90), function(cl) {
  e <- rbind(data.frame(dataset = rates$dataset, group = "exposed",
                        events = rates$exposed_events, pt = rates$exposed_person_time),
             data.frame(dataset = rates$dataset, group = "unexposed",
                        events = rates$unexposed_events, pt = rates$unexposed_person_time),
             data.frame(dataset = "zero", group = "none", events = 0, pt = 10))
  r <- pois.byar(e$events, e$pt, conf.level = cl)
  data.frame(e, alpha = 1 - cl, estimate = r$rate, ci_lower = r$lower, ci_upper = r$upper)
}))
out(by, "byar.csv")

# --- Kaplan-Meier intervals -------------------------------------------------------------
km <- read.csv("tests/reference/survival/inputs/km.csv")
kr <- list()
for (d in unique(km$dataset)) for (ct in c("log", "plain", "log-log")) {
  fit <- survfit(Surv(time, status) ~ 1, data = km[km$dataset == d, ], conf.type = ct)
  kr[[length(kr) + 1]] <- data.frame(dataset = d, conf_type = ct, time = fit$time,
                                     estimate = fit$surv, ci_lower = fit$lower,
                                     ci_upper = fit$upper)
}
out(do.call(rbind, kr), "km_conf_type.csv")

# --- Cox: ties and strata -----------------------------------------------------------------
cx <- inp("cox_strata.csv")
ctl <- coxph.control(eps = 1e-11, iter.max = 100, toler.chol = 1e-13)
cr <- list()
for (d in unique(cx$dataset)) for (ties in c("efron", "breslow")) for (st in c(FALSE, TRUE))
  for (cl in c(FALSE, TRUE)) {
  dd <- cx[cx$dataset == d, ]
  f <- if (st) Surv(time, status) ~ x + z + strata(site) else Surv(time, status) ~ x + z
  fit <- if (cl) coxph(f, data = dd, ties = ties, cluster = id, control = ctl) else
    coxph(f, data = dd, ties = ties, control = ctl)
  b <- coef(fit); se <- sqrt(diag(vcov(fit)))
  cr[[length(cr) + 1]] <- data.frame(dataset = d, ties = ties, strata = st, cluster = cl,
                                     term = names(b), coef = unname(b), se = unname(se),
                                     loglik = fit$loglik[2])
}
out(do.call(rbind, cr), "cox_ties_strata.csv")
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
