# Reference values for weighted incidence, resolution and Kaplan-Meier (bmecohort weights=).
#
#   Rscript tests/reference/weights_occurrence/make_weights_occurrence.R  (from the repo root)
#
# Reads inputs/*.csv (written by make_inputs.py), writes outputs/*.csv and sessionInfo.txt.
#   proportions: survey::svydesign(ids = ~participant_id, weights = ~w) (or ids = ~1 for one
#     knee per person), svymean (weighted mean, linearisation SE) and
#     svyciprop(method = "logit", df = Inf) (Wald interval on the logit scale, normal
#     quantile). survey's with-replacement cluster variance carries the factor G/(G-1);
#     bmecohort's sandwich has none (as geepack san.se), so the *_plain columns remove it:
#     se_plain = se * sqrt((G-1)/G), interval expit(logit p +- z se_plain / (p (1 - p))).
#     geepack::geeglm(y ~ 1, binomial, weights = w, id = participant, "independence") gives
#     the same plain interval independently (the *_geepack columns).
#   kaplan_meier: survival::survfit(Surv(time, event) ~ 1, weights = w, cluster =
#     participant_id, robust = TRUE): weighted product-limit estimate, weighted n.risk and
#     n.event, and the infinitesimal-jackknife (robust) standard error of log S(t), grouped
#     by person, with log-log, log and plain intervals (R's std.err here is the standard
#     error of S(t); the log and log-log intervals use std.err / S, that of log S(t)); also
#     ungrouped (id = row) and unweighted with cluster = participant_id.
suppressPackageStartupMessages({library(survey); library(geepack); library(survival)})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/weights_occurrence"
inputs <- file.path(here, "inputs")
outputs <- file.path(here, "outputs")
dir.create(outputs, showWarnings = FALSE)
write <- function(x, name) write.csv(x, file.path(outputs, name), row.names = FALSE)

# --- weighted incidence and resolution --------------------------------------------------
tr <- read.csv(file.path(inputs, "transitions.csv"))
tr$present_from <- as.logical(tr$present_from)
tr$present_to <- as.logical(tr$present_to)
cases <- list(
  list(id = "incidence_clustered", kind = "incidence", first = FALSE, clustered = TRUE, alpha = 0.05),
  list(id = "incidence_clustered_90", kind = "incidence", first = FALSE, clustered = TRUE, alpha = 0.10),
  list(id = "resolution_clustered", kind = "resolution", first = FALSE, clustered = TRUE, alpha = 0.05),
  list(id = "incidence_one_knee", kind = "incidence", first = TRUE, clustered = FALSE, alpha = 0.05))
rows <- list()
for (case in cases) {
  d <- tr
  if (case$first) d <- d[as.logical(d$first_knee), ]
  at_risk <- if (case$kind == "incidence") !d$present_from else d$present_from
  d <- d[at_risk & !is.na(d$present_to) & !is.na(d$w), ]
  d$y <- as.numeric(if (case$kind == "incidence") d$present_to else !d$present_to)
  d <- d[order(d$participant_id), ]
  design <- if (case$clustered) svydesign(ids = ~participant_id, weights = ~w, data = d) else
    svydesign(ids = ~1, weights = ~w, data = d)
  m <- svymean(~y, design)
  p <- as.numeric(coef(m)); se <- as.numeric(SE(m))
  ci <- attr(svyciprop(~y, design, method = "logit", level = 1 - case$alpha, df = Inf), "ci")
  g <- if (case$clustered) length(unique(d$participant_id)) else nrow(d)
  se_plain <- se * sqrt((g - 1) / g)
  z <- qnorm(1 - case$alpha / 2)
  eta <- qlogis(p); se_eta <- se_plain / (p * (1 - p))
  d$cl <- if (case$clustered) d$participant_id else seq_len(nrow(d))
  gee <- geeglm(y ~ 1, family = binomial, weights = w, id = cl, data = d,
                corstr = "independence")
  b <- coef(gee)[[1]]; sb <- sqrt(vcov(gee)[1, 1])
  rows[[case$id]] <- data.frame(
    id = case$id, kind = case$kind, one_knee = case$first, alpha = case$alpha,
    n = nrow(d), events = sum(d$y), clusters = g, estimate = p, se_survey = se,
    ci_lower_survey = ci[[1]], ci_upper_survey = ci[[2]], se_plain = se_plain,
    ci_lower_plain = plogis(eta - z * se_eta), ci_upper_plain = plogis(eta + z * se_eta),
    estimate_geepack = plogis(b), ci_lower_geepack = plogis(b - z * sb),
    ci_upper_geepack = plogis(b + z * sb))
}
write(do.call(rbind, rows), "weighted_proportions.csv")

# --- weighted Kaplan-Meier with the robust (infinitesimal-jackknife) variance -----------
sv <- read.csv(file.path(inputs, "survival.csv"))
km <- list()
for (ct in c("log-log", "log", "plain")) {
  fit <- survfit(Surv(time, event) ~ 1, data = sv, weights = w, cluster = participant_id,
                 robust = TRUE, conf.type = ct)
  km[[ct]] <- data.frame(conf_type = ct, time = fit$time, n_risk = fit$n.risk,
                         n_event = fit$n.event, n_censor = fit$n.censor, surv = fit$surv,
                         std_err = fit$std.err, lower = fit$lower, upper = fit$upper)
}
write(do.call(rbind, km), "weighted_km.csv")
# the same without clustering (each knee its own cluster): robust, ungrouped
fit <- survfit(Surv(time, event) ~ 1, data = sv, weights = w, robust = TRUE,
               id = seq_len(nrow(sv)))
write(data.frame(time = fit$time, surv = fit$surv, std_err = fit$std.err,
                 lower = fit$lower, upper = fit$upper), "weighted_km_unclustered.csv")

# unweighted, clustered by person: the robust variance without weights
fit <- survfit(Surv(time, event) ~ 1, data = sv, cluster = participant_id, robust = TRUE)
write(data.frame(time = fit$time, n_risk = fit$n.risk, surv = fit$surv,
                 std_err = fit$std.err, lower = fit$lower, upper = fit$upper),
      "km_clustered_unweighted.csv")

writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
