# Reference values for weighted (inverse-probability-of-censoring) analyses in bmecohort:
# odds_ratio / risk_ratio / risk_difference / logistic / gee with weights=.
#  - weights: glm-based stabilised IPCW, seen ~ age + bml + pain (rows missing pain get none)
#  - clustered (two knees per person): geepack::geeglm(weights = w, id = participant_id,
#    corstr = "independence"), estimates and san.se (the plain sandwich, no small-sample
#    factor: bmecohort's SANDWICH); survey::svyglm(ids = ~participant_id) for comparison,
#    whose variance carries the factor G / (G - 1) (G clusters).
#  - unclustered (right knees only): geeglm with one cluster per row (= HC0, no factor) and
#    survey::svyglm(ids = ~1), whose variance carries n / (n - 1).
# Run from this folder: Rscript make_weights.R
suppressMessages({library(geepack); library(survey)})
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)

d <- read.csv("inputs/cohort.csv")
d$row <- seq_len(nrow(d)) - 1L  # the pandas index
g <- glm(seen ~ age + bml + pain, family = binomial, data = d, na.action = na.exclude,
         control = glm.control(epsilon = 1e-14, maxit = 100))
p <- fitted(g)
complete <- !is.na(p)
d$w <- ifelse(d$seen == 1 & complete, mean(d$seen[complete]) / p, NA)
write.csv(data.frame(row = d$row, w = d$w), "outputs/weights.csv", row.names = FALSE)

a <- d[d$seen == 1 & !is.na(d$w), ]  # the rows a weighted analysis uses
right <- a[a$side == 0, ]
right$unit <- seq_len(nrow(right))
ctl <- geese.control(epsilon = 1e-12, maxit = 100)

out <- list()
add <- function(fit_name, f, se, n, extra = list()) {
  cf <- coef(f)
  out[[fit_name]] <<- data.frame(fit = fit_name, term = names(cf), estimate = unname(cf),
                                 se = unname(se), n = n,
                                 scale = if (is.null(extra$scale)) NA else extra$scale)
}
gee_fit <- function(name, formula, family, data, id) {
  data$.id <- data[[id]]
  f <- geeglm(formula, family = family, data = data, weights = w, id = .id,
              corstr = "independence", control = ctl)
  add(name, f, summary(f)$coefficients[, "Std.err"], nrow(data),
      list(scale = unname(f$geese$gamma)))
}
svy_fit <- function(name, formula, family, data, ids) {
  des <- svydesign(ids = ids, weights = ~w, data = data)
  f <- svyglm(formula, design = des, family = family,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  add(name, f, sqrt(diag(vcov(f))), nrow(data))
}

# clustered: both knees
gee_fit("gee_or_crude", progressed ~ bml, binomial, a, "participant_id")
gee_fit("gee_or_adjusted", progressed ~ bml + age + female, binomial, a, "participant_id")
gee_fit("gee_rr_crude", progressed ~ bml, poisson, a, "participant_id")
gee_fit("gee_rd_crude", progressed ~ bml, gaussian, a, "participant_id")
gee_fit("gee_poisson_lesions", lesions ~ bml + age, poisson, a, "participant_id")
gee_fit("gee_gaussian_pain", pain ~ bml + age, gaussian, a, "participant_id")
svy_fit("svy_cluster_or_crude", progressed ~ bml, quasibinomial, a, ~participant_id)
svy_fit("svy_cluster_or_adjusted", progressed ~ bml + age + female, quasibinomial, a,
        ~participant_id)
# unclustered: right knees, one per person
gee_fit("hc0_or_crude", progressed ~ bml, binomial, right, "unit")
gee_fit("hc0_or_adjusted", progressed ~ bml + age + female, binomial, right, "unit")
gee_fit("hc0_rr_crude", progressed ~ bml, poisson, right, "unit")
gee_fit("hc0_rd_crude", progressed ~ bml, gaussian, right, "unit")
svy_fit("svy_or_crude", progressed ~ bml, quasibinomial, right, ~1)
svy_fit("svy_or_adjusted", progressed ~ bml + age + female, quasibinomial, right, ~1)
svy_fit("svy_rr_crude", progressed ~ bml, quasipoisson(link = "log"), right, ~1)
svy_fit("svy_rd_crude", progressed ~ bml, gaussian(), right, ~1)

res <- do.call(rbind, out)
res$n_clusters <- ifelse(grepl("^(gee|svy_cluster)", res$fit),
                         length(unique(a$participant_id)), res$n)
write.csv(res, "outputs/weighted_fits.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
