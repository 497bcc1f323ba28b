# Reference values for bmecohort.estimators.survival and .interval_censored.
#
#   Rscript tests/reference/survival/make_survival.R   (from the repository root)
#
# Reads inputs/*.csv (written by make_inputs.py), writes outputs/*.csv and sessionInfo.txt.
#   km:         survfit(Surv(time, status) ~ 1, conf.type = "log-log") (R's default is "log")
#   cox:        coxph(ties = "efron"), model-based and with cluster(id) (robust sandwich)
#   weibull:    survreg(Surv(lower, upper, type = "interval2") ~ ..., dist = "weibull")
#   turnbull:   survfit's Turnbull NPMLE for interval2 data, with the EM tolerance tightened
#               from 5e-5 to 1e-11 (a copy of survival:::survfitTurnbull, see below)
#   competing:  multi-state survfit(Surv(time, factor(status)) ~ 1) (Aalen-Johansen), and the
#               delta-method variance of the cumulative incidence (Marubini & Valsecchi 1995;
#               SAS PROC LIFETEST) computed here from its formula, with a log(-log) interval
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/survival"
inputs <- file.path(here, "inputs")
outputs <- file.path(here, "outputs")
dir.create(outputs, showWarnings = FALSE)
write <- function(x, name) write.csv(x, file.path(outputs, name), row.names = FALSE)
read <- function(name) read.csv(file.path(inputs, name))
z <- qnorm(0.975)

# --- Kaplan-Meier ---------------------------------------------------------------------
km <- read("km.csv")
km_rows <- list(); median_rows <- list()
for (d in unique(km$dataset)) {
  fit <- survfit(Surv(time, status) ~ 1, data = km[km$dataset == d, ], conf.type = "log-log")
  s <- summary(fit)
  km_rows[[d]] <- data.frame(dataset = d, time = s$time, n_risk = s$n.risk,
                             n_event = s$n.event, estimate = s$surv, ci_lower = s$lower,
                             ci_upper = s$upper)
  q <- quantile(fit, probs = 0.5, conf.int = TRUE)
  median_rows[[d]] <- data.frame(dataset = d, median = unname(q$quantile),
                                 ci_lower = unname(q$lower), ci_upper = unname(q$upper))
}
write(do.call(rbind, km_rows), "km.csv")
write(do.call(rbind, median_rows), "km_median.csv")

# --- Cox ---------------------------------------------------------------------------------
cox <- read("cox.csv")
ctl <- coxph.control(eps = 1e-11, iter.max = 100, toler.chol = 1e-13)
cox_rows <- list()
for (d in unique(cox$dataset)) {
  cx <- cox[cox$dataset == d, ]
  fits <- list(
    model = coxph(Surv(time, status) ~ x + z, data = cx, ties = "efron", control = ctl),
    robust = coxph(Surv(time, status) ~ x + z, data = cx, ties = "efron", cluster = id,
                   control = ctl))
  for (m in names(fits)) {
  fit <- fits[[m]]
  b <- coef(fit); se <- sqrt(diag(vcov(fit)))  # vcov is the robust one with cluster
  cox_rows[[paste(d, m)]] <- data.frame(dataset = d, model = m, term = names(b),
                              coef = unname(b), se = unname(se),
                              estimate = exp(unname(b)), ci_lower = exp(unname(b - z * se)),
                              ci_upper = exp(unname(b + z * se)),
                              p_value = unname(2 * pnorm(-abs(b / se))),
                              loglik = fit$loglik[2], n = fit$n, events = fit$nevent)
  }
}
write(do.call(rbind, cox_rows), "cox.csv")

# --- Weibull AFT, interval-censored -----------------------------------------------------
ic <- read("interval.csv")
ic$L <- ifelse(ic$lower == 0, NA, ic$lower)       # (0, R]: left-censored
ic$R <- ifelse(is.infinite(ic$upper), NA, ic$upper)  # (L, inf): right-censored
sctl <- survreg.control(rel.tolerance = 1e-13, maxiter = 200)
wfits <- list(
  intercept = survreg(Surv(L, R, type = "interval2") ~ 1, data = ic, dist = "weibull",
                      control = sctl),
  covariates = survreg(Surv(L, R, type = "interval2") ~ x + z, data = ic, dist = "weibull",
                       control = sctl))
weibull_rows <- list()
for (m in names(wfits)) {
  fit <- wfits[[m]]
  b <- coef(fit); v <- vcov(fit)
  # lifelines' parameters: lambda_ = (Intercept) and covariates, log(rho) = -log(scale)
  coef_all <- c(b, -log(fit$scale))
  se_all <- sqrt(diag(v))
  term <- c(ifelse(names(b) == "(Intercept)", "lambda_", names(b)), "rho_")
  weibull_rows[[m]] <- data.frame(model = m, term = term, coef = unname(coef_all),
                                  se = unname(se_all), ci_lower = unname(coef_all - z * se_all),
                                  ci_upper = unname(coef_all + z * se_all),
                                  loglik = fit$loglik[2])
}
write(do.call(rbind, weibull_rows), "weibull.csv")

# --- Turnbull NPMLE ----------------------------------------------------------------------
# survfitTurnbull iterates until max |change| < 5e-5; tighten that to 1e-11 and silence its
# progress printing, leaving the algorithm unchanged.
turnbull <- survival:::survfitTurnbull
body_text <- deparse(body(turnbull))
stopifnot(sum(grepl("5e-05", body_text, fixed = TRUE)) == 1)
body_text <- sub("5e-05", "1e-11", body_text, fixed = TRUE)
body(turnbull) <- parse(text = body_text)[[1]]
environment(turnbull) <- asNamespace("survival")
tb <- read("turnbull.csv")
tb$L <- ifelse(tb$lower == 0, NA, tb$lower)
tb$R <- ifelse(is.infinite(tb$upper), NA, tb$upper)
y <- with(tb, Surv(L, R, type = "interval2"))
fit <- turnbull(factor(rep(1, nrow(tb))), y, rep(1, nrow(tb)), conf.type = "none")
bounds <- sort(unique(c(0, tb$lower, tb$upper[is.finite(tb$upper)])))
# survfit places each drop at the midpoint of its Turnbull interval; at the bounds the
# step function equals the (unique) NPMLE
step <- stepfun(fit$time, c(1, fit$surv))
write(data.frame(time = bounds, estimate = step(bounds)), "turnbull.csv")

# --- Aalen-Johansen ------------------------------------------------------------------------
cr <- read("competing.csv")
cr_rows <- list()
for (d in unique(cr$dataset)) {
  s <- cr[cr$dataset == d, ]
  fit <- survfit(Surv(time, factor(status, levels = 0:2)) ~ 1, data = s)
  states <- fit$states
  cif1 <- fit$pstate[, which(states == "1")]
  cif2 <- fit$pstate[, which(states == "2")]
  # delta-method variance of F1 (Marubini & Valsecchi 1995; SAS LIFETEST), events first at ties
  tt <- sort(unique(s$time))
  n <- sapply(tt, function(t) sum(s$time >= t))
  dall <- sapply(tt, function(t) sum(s$time == t & s$status > 0))
  d1 <- sapply(tt, function(t) sum(s$time == t & s$status == 1))
  surv <- cumprod(1 - dall / n)
  lag_surv <- c(1, head(surv, -1))
  f1 <- cumsum(lag_surv * d1 / n)
  var_f1 <- sapply(seq_along(tt), function(k) {
    i <- seq_len(k); diff <- f1[k] - f1[i]
    a <- ifelse(dall[i] > 0, diff^2 * dall[i] / (n[i] * (n[i] - dall[i])), 0)
    sum(a) + sum(lag_surv[i]^2 * d1[i] * (n[i] - d1[i]) / n[i]^3) -
      2 * sum(diff * lag_surv[i] * d1[i] / n[i]^2)
  })
  se_t <- sqrt(var_f1) / (f1 * abs(log(f1)))
  lo <- exp(-exp(log(-log(f1)) + z * se_t)); hi <- exp(-exp(log(-log(f1)) - z * se_t))
  stopifnot(isTRUE(all.equal(f1, unname(cif1[match(tt, fit$time)]), tolerance = 1e-12)))
  cr_rows[[d]] <- data.frame(dataset = d, time = fit$time, n_risk = fit$n.risk[, 1],
                             cif1 = unname(cif1), cif2 = unname(cif2),
                             var_delta = var_f1[match(fit$time, tt)],
                             ci_lower_delta = lo[match(fit$time, tt)],
                             ci_upper_delta = hi[match(fit$time, tt)])
}
write(do.call(rbind, cr_rows), "competing.csv")

# Clustered (two knees a person): the infinitesimal-jackknife standard error of F1 with the
# influences summed by person. survival 3.5-3's multi-state survfit returns per-id
# influence (influence.pstate) and does not group its std.err by cluster=, so the grouping
# is done here: rowsum over persons, then the root of the column sums of squares.
cc <- read("competing_clustered.csv")
cc_rows <- list()
for (d in unique(cc$dataset)) {
  s <- cc[cc$dataset == d, ]
  s$row <- seq_len(nrow(s))
  fit <- survfit(Surv(time, factor(status, levels = 0:2)) ~ 1, data = s, id = row,
                 influence = TRUE)
  j <- which(fit$states == "1")
  inf <- fit$influence.pstate[, , j]
  inf <- inf[, ncol(inf) - rev(seq_along(fit$time)) + 1]  # drop the leading time-0 column
  stopifnot(isTRUE(all.equal(sqrt(colSums(inf^2)), unname(fit$std.err[, j]),
                             tolerance = 1e-12)))
  se <- sqrt(colSums(rowsum(inf, s$participant_id)^2))
  f1 <- unname(fit$pstate[, j])
  se_t <- se / (f1 * abs(log(f1)))
  inside <- f1 > 0 & f1 < 1
  lo <- ifelse(inside, exp(-exp(log(-log(f1)) + z * se_t)), f1)
  hi <- ifelse(inside, exp(-exp(log(-log(f1)) - z * se_t)), f1)
  cc_rows[[d]] <- data.frame(dataset = d, time = fit$time, cif1 = f1, se_clustered = se,
                             se_unclustered = unname(fit$std.err[, j]), ci_lower = lo,
                             ci_upper = hi)
}
write(do.call(rbind, cc_rows), "competing_clustered.csv")

writeLines(capture.output(sessionInfo()), file.path(outputs, "sessionInfo.txt"))
