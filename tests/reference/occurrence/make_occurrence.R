# Reference values for bmecohort.estimators.occurrence and .rates.
#
#   Rscript tests/reference/occurrence/make_occurrence.R   (from the repository root)
#
# Reads inputs/*.csv (written by make_inputs.py), writes outputs/*.csv and sessionInfo.txt.
#   proportions:  binom.test (Clopper-Pearson), prop.test(correct = FALSE) (Wilson),
#                 qbeta (Jeffreys, equal-tailed; lower 0 at x = 0 and upper 1 at x = n,
#                 Brown, Cai & DasGupta 2001, as DescTools::BinomCI)
#   poisson:      poisson.test (exact Garwood; epitools::pois.exact solves the same limits
#                 with uniroot and is off by up to ~1e-5), closed forms for Wald, score and
#                 Jeffreys
#   rate ratios:  poisson.test(c(x1, x0), c(T1, T0)) (exact conditional)
#   incidence:    geepack::geeglm(y ~ 1, binomial, id = participant, "independence"),
#                 robust (san.se) logit-scale Wald interval (the *_geepack columns, which
#                 bmecohort matches: no small-sample factor), also rescaled by sqrt(G/(G-1))
#                 (Stata's vce(cluster) factor, for comparison)
suppressPackageStartupMessages(library(geepack))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/occurrence"
inputs <- file.path(here, "inputs")
outputs <- file.path(here, "outputs")
dir.create(outputs, showWarnings = FALSE)
write <- function(x, name) write.csv(x, file.path(outputs, name), row.names = FALSE)

# --- proportions ------------------------------------------------------------------------
p <- read.csv(file.path(inputs, "proportions.csv"))
prop_rows <- list()
for (i in seq_len(nrow(p))) {
  x <- p$events[i]; n <- p$n[i]; a <- p$alpha[i]
  exact <- binom.test(x, n, conf.level = 1 - a)$conf.int
  wilson <- suppressWarnings(prop.test(x, n, conf.level = 1 - a, correct = FALSE))$conf.int
  jeffreys <- qbeta(c(a / 2, 1 - a / 2), x + 0.5, n - x + 0.5)
  if (x == 0) jeffreys[1] <- 0
  if (x == n) jeffreys[2] <- 1
  prop_rows[[i]] <- data.frame(
    id = p$id[i], method = c("exact", "wilson", "jeffreys"), estimate = x / n,
    ci_lower = c(exact[1], wilson[1], jeffreys[1]),
    ci_upper = c(exact[2], wilson[2], jeffreys[2]))
}
write(do.call(rbind, prop_rows), "proportions.csv")

# --- Poisson rates ----------------------------------------------------------------------
r <- read.csv(file.path(inputs, "poisson.csv"))
rate_rows <- list()
for (i in seq_len(nrow(r))) {
  x <- r$events[i]; t <- r$person_time[i]; a <- r$alpha[i]; z <- qnorm(1 - a / 2)
  exact <- poisson.test(x, t, conf.level = 1 - a)$conf.int
  wald <- x / t + c(-1, 1) * z * sqrt(x) / t
  score <- (x + z^2 / 2 + c(-1, 1) * z * sqrt(x + z^2 / 4)) / t
  jeffreys <- qgamma(c(a / 2, 1 - a / 2), x + 0.5) / t
  if (x == 0) jeffreys[1] <- 0
  rate_rows[[i]] <- data.frame(
    id = r$id[i], method = c("exact", "wald", "score", "jeffreys"),
    estimate = x / t,
    ci_lower = c(exact[1], max(wald[1], 0), score[1], jeffreys[1]),
    ci_upper = c(exact[2], wald[2], score[2], jeffreys[2]))
}
write(do.call(rbind, rate_rows), "poisson.csv")

# --- exact conditional rate ratios ------------------------------------------------------
rr <- read.csv(file.path(inputs, "rate_ratios.csv"))
rr_rows <- list()
for (i in seq_len(nrow(rr))) {
  test <- poisson.test(c(rr$exposed_events[i], rr$unexposed_events[i]),
                       c(rr$exposed_time[i], rr$unexposed_time[i]),
                       conf.level = 1 - rr$alpha[i])
  rr_rows[[i]] <- data.frame(id = rr$id[i], estimate = unname(test$estimate),
                             ci_lower = test$conf.int[1], ci_upper = test$conf.int[2],
                             p_value = test$p.value)
}
write(do.call(rbind, rr_rows), "rate_ratios.csv")

# --- unit-level incidence rates (per 100 person-years) ----------------------------------
u <- read.csv(file.path(inputs, "rate_units.csv"))
unit_rows <- list()
for (d in unique(u$dataset)) {
  s <- u[u$dataset == d & complete.cases(u), ]
  x <- c(sum(s$event[s$exposed == 1]), sum(s$event[s$exposed == 0]))
  t <- c(sum(s$years[s$exposed == 1]), sum(s$years[s$exposed == 0]))
  g1 <- poisson.test(x[1], t[1]); g0 <- poisson.test(x[2], t[2]); both <- poisson.test(x, t)
  all <- poisson.test(sum(x), sum(t))
  unit_rows[[d]] <- data.frame(
    dataset = d, term = c("rate", "rate[exposed=1]", "rate[exposed=0]", "rate ratio"),
    n = c(nrow(s), sum(s$exposed == 1), sum(s$exposed == 0), nrow(s)),
    events = c(sum(x), x, sum(x)),
    estimate = c(100 * sum(x) / sum(t), 100 * x / t, unname(both$estimate)),
    ci_lower = c(100 * all$conf.int[1], 100 * g1$conf.int[1], 100 * g0$conf.int[1],
                 both$conf.int[1]),
    ci_upper = c(100 * all$conf.int[2], 100 * g1$conf.int[2], 100 * g0$conf.int[2],
                 both$conf.int[2]),
    p_value = c(NA, NA, NA, both$p.value))
}
write(do.call(rbind, unit_rows), "rate_units.csv")

# --- cluster-robust incidence and resolution --------------------------------------------
tr <- read.csv(file.path(inputs, "transitions.csv"), stringsAsFactors = FALSE)
as_flag <- function(x) ifelse(x == "True", TRUE, ifelse(x == "False", FALSE, NA))
tr$present_from <- as_flag(tr$present_from)
tr$present_to <- as_flag(tr$present_to)
inc_rows <- list()
for (v in unique(tr$visit_from)) {
  for (outcome in c("incidence", "resolution")) {
    at_risk_status <- outcome == "resolution"
    s <- tr[tr$visit_from == v & !is.na(tr$present_from) &
              tr$present_from == at_risk_status & !is.na(tr$present_to), ]
    s$y <- as.integer(s$present_to != at_risk_status)
    s <- s[order(s$participant_id), ]  # geepack needs rows sorted by cluster
    fit <- geeglm(y ~ 1, family = binomial, id = participant_id, data = s,
                  corstr = "independence")
    b <- unname(coef(fit)); se <- unname(sqrt(diag(fit$geese$vbeta)))
    g <- length(unique(s$participant_id)); z <- qnorm(0.975)
    se_sm <- se * sqrt(g / (g - 1))
    inc_rows[[paste(v, outcome)]] <- data.frame(
      visit_from = v, visit_to = unique(s$visit_to), outcome = outcome, n = nrow(s),
      events = sum(s$y), clusters = g, estimate = plogis(b), coef = b, se_geepack = se,
      se = se_sm, ci_lower = plogis(b - z * se_sm), ci_upper = plogis(b + z * se_sm),
      ci_lower_geepack = plogis(b - z * se), ci_upper_geepack = plogis(b + z * se),
      naive_se = sqrt(1 / (nrow(s) * mean(s$y) * (1 - mean(s$y)))))
  }
}
write(do.call(rbind, inc_rows), "incidence_clustered.csv")

writeLines(capture.output(sessionInfo()), file.path(outputs, "sessionInfo.txt"))
