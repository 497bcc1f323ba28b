# Reference values for bmecohort's regression estimators (tests/test_regression.py,
# tests/test_conditional.py, tests/test_fastgee.py).
#
# Reads inputs/*.csv (written by make_inputs.py) and writes outputs/coefficients.csv,
# outputs/gee_parameters.csv and outputs/sessionInfo.txt. Run from this folder:
#   Rscript make_regression.R
# Every iterative fit is run with its tolerance tightened far below its default so that the
# reference is precise to well below the test tolerances.
suppressPackageStartupMessages({
  library(geepack)
  library(survival)
  library(brglm2)
})

inputs <- "inputs"
outputs <- "outputs"
dir.create(outputs, showWarnings = FALSE)
z <- qnorm(0.975)

# R term names -> bmecohort term names ("factor(bml_size)2" -> "bml_size[2]").
term_name <- function(x) {
  x <- gsub("^factor\\(([^)]+)\\)(.+)$", "\\1[\\2]", x)
  sub("^\\(Intercept\\)$", "Intercept", x)
}

tidy <- function(dataset, model, coef, se, p, n, events, extra = list()) {
  out <- data.frame(dataset = dataset, model = model, term = term_name(names(coef)),
                    coef = unname(coef), se = unname(se),
                    estimate = exp(unname(coef)),
                    ci_lower = exp(unname(coef - z * se)),
                    ci_upper = exp(unname(coef + z * se)),
                    p_value = unname(p), n = n, events = events,
                    stringsAsFactors = FALSE)
  for (k in names(extra)) out[[k]] <- extra[[k]]
  out
}

rows <- list()
gee_rows <- list()

# ---- plain logistic regression: glm + confint.default ----------------------------------
fit_glm <- function(dataset, model, formula, d) {
  fit <- glm(formula, family = binomial, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(fit)$coefficients
  ci <- exp(confint.default(fit))  # Wald on the log-odds scale
  out <- tidy(dataset, model, coef(fit), s[, "Std. Error"], s[, "Pr(>|z|)"],
              nrow(d), sum(d[[all.vars(formula)[1]]]))
  out$ci_lower <- unname(ci[, 1]); out$ci_upper <- unname(ci[, 2])
  out
}

# ---- GEE: geepack::geeglm, robust (sandwich) errors ------------------------------------
fit_gee <- function(dataset, model, formula, d, id, corstr) {
  d <- d[order(d[[id]]), ]
  d$.id <- d[[id]]
  fit <- geeglm(formula, family = binomial, data = d, id = .id, corstr = corstr,
                std.err = "san.se",
                control = geese.control(epsilon = 1e-12, maxit = 200))
  s <- summary(fit)$coefficients
  gee_rows[[length(gee_rows) + 1]] <<- data.frame(
    dataset = dataset, model = model,
    alpha = if (corstr == "exchangeable") unname(fit$geese$alpha) else 0,
    scale = unname(fit$geese$gamma), n_clusters = length(unique(d$.id)),
    n = nrow(d), converged = fit$geese$error == 0)
  # summary.geeglm computes 1 - pchisq(W, 1), which loses precision for small p-values;
  # the same Wald test from the upper tail directly is exact
  p <- pchisq(s[, "Wald"], df = 1, lower.tail = FALSE)
  tidy(dataset, model, coef(fit), s[, "Std.err"], p,
       nrow(d), sum(d[[all.vars(formula)[1]]]))
}

knees <- na.omit(read.csv(file.path(inputs, "knees.csv")))
vert <- read.csv(file.path(inputs, "vertebrae.csv"))

f_bin <- pain ~ bml + age + female
f_cat <- pain ~ factor(bml_size) + age + female
f_trend <- pain ~ bml_size + age + female
f_vert <- syndesmophyte ~ bme + age

rows[["glm_bin"]] <- fit_glm("knees", "glm_binary", f_bin, knees)
rows[["glm_cat"]] <- fit_glm("knees", "glm_categorical", f_cat, knees)
rows[["glm_trend"]] <- fit_glm("knees", "glm_trend", f_trend, knees)
rows[["glm_vert"]] <- fit_glm("vertebrae", "glm", f_vert, vert)
for (cs in c("exchangeable", "independence")) {
  rows[[paste0("gee_bin_", cs)]] <- fit_gee("knees", paste0("gee_binary_", cs), f_bin,
                                            knees, "person_id", cs)
  rows[[paste0("gee_cat_", cs)]] <- fit_gee("knees", paste0("gee_categorical_", cs), f_cat,
                                            knees, "person_id", cs)
  rows[[paste0("gee_trend_", cs)]] <- fit_gee("knees", paste0("gee_trend_", cs), f_trend,
                                              knees, "person_id", cs)
  rows[[paste0("gee_vert_", cs)]] <- fit_gee("vertebrae", paste0("gee_", cs), f_vert,
                                             vert, "patient_id", cs)
}
# The trend rows are named like bmecohort's trend row.
for (k in grep("trend", names(rows), value = TRUE)) {
  rows[[k]]$term[rows[[k]]$term == "bml_size"] <- "bml_size (trend)"
}

# ---- conditional logistic regression: survival::clogit (exact conditional likelihood) ---
visits <- read.csv(file.path(inputs, "visits.csv"))
varies <- ave(visits$pain, visits$knee_id, FUN = function(v) length(unique(v))) > 1
informative <- visits[varies, ]
fit_clogit <- function(model, formula) {
  fit <- clogit(formula, data = visits, method = "exact",
                control = coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100))
  s <- summary(fit)$coefficients
  tidy("visits", model, coef(fit), s[, "se(coef)"], s[, "Pr(>|z|)"],
       nrow(informative), sum(informative$pain),
       extra = list(n_groups = length(unique(informative$knee_id))))
}
rows[["clogit_cat"]] <- fit_clogit("clogit_categorical",
                                   pain ~ factor(bml_cat) + effusion + strata(knee_id))
rows[["clogit_trend"]] <- fit_clogit("clogit_trend",
                                     pain ~ bml_cat + effusion + strata(knee_id))
rows$clogit_trend$term[rows$clogit_trend$term == "bml_cat"] <- "bml_cat (trend)"

# ---- Firth: brglm2 (AS_mean = Firth for the logit link) + penalised profile likelihood ---
# brglm2 gives the estimates and Wald errors. The profile penalised-likelihood intervals and
# likelihood-ratio p-values (logistf's convention: the full model's Jeffreys penalty kept in
# every constrained fit) are computed here directly, with Newton steps on the modified score.
pen_loglik <- function(beta, X, y) {
  eta <- drop(X %*% beta)
  w <- plogis(eta) * plogis(-eta)
  sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE)) +
    0.5 * as.numeric(determinant(crossprod(X, X * w), logarithm = TRUE)$modulus)
}
constrained_max <- function(beta, j, value, X, y) {
  beta[j] <- value
  free <- setdiff(seq_along(beta), j)
  for (it in 1:200) {
    eta <- drop(X %*% beta); mu <- plogis(eta); w <- mu * (1 - mu)
    info <- crossprod(X, X * w)
    h <- rowSums((X %*% solve(info)) * X) * w  # leverages
    score <- crossprod(X, y - mu + h * (0.5 - mu))
    step <- solve(info[free, free], score[free])
    old <- pen_loglik(beta, X, y)
    t <- 1
    repeat {
      trial <- beta; trial[free] <- beta[free] + t * step
      if (pen_loglik(trial, X, y) >= old - 1e-12 || t < 1e-8) break
      t <- t / 2
    }
    beta <- trial
    if (max(abs(t * step)) < 1e-13) break
  }
  list(beta = beta, loglik = pen_loglik(beta, X, y))
}
fit_firth <- function(dataset, file) {
  d <- read.csv(file.path(inputs, file))
  fit <- glm(y ~ exposed + z, family = binomial, data = d, method = "brglmFit",
             type = "AS_mean", control = brglmControl(epsilon = 1e-13, maxit = 200))
  X <- model.matrix(fit); y <- d$y
  bhat <- coef(fit); lhat <- pen_loglik(bhat, X, y)
  se <- sqrt(diag(vcov(fit)))
  crit <- qchisq(0.95, 1)
  lower <- upper <- p_lrt <- numeric(length(bhat))
  for (j in seq_along(bhat)) {
    dev <- function(b) 2 * (lhat - constrained_max(bhat, j, b, X, y)$loglik) - crit
    k <- 1; while (dev(bhat[j] + k * se[j]) < 0) k <- 2 * k
    upper[j] <- uniroot(dev, c(bhat[j], bhat[j] + k * se[j]), tol = 1e-13)$root
    k <- 1; while (dev(bhat[j] - k * se[j]) < 0) k <- 2 * k
    lower[j] <- uniroot(dev, c(bhat[j] - k * se[j], bhat[j]), tol = 1e-13)$root
    lr <- 2 * (lhat - constrained_max(bhat, j, 0, X, y)$loglik)
    p_lrt[j] <- pchisq(lr, 1, lower.tail = FALSE)
  }
  s <- summary(fit)$coefficients
  out <- tidy(dataset, "firth", bhat, se, p_lrt, nrow(d), sum(y),
              extra = list(wald_p_value = unname(s[, "Pr(>|z|)"])))
  out$ci_lower <- exp(lower); out$ci_upper <- exp(upper)
  out
}
rows[["firth_sep"]] <- fit_firth("firth_separated", "firth_separated.csv")
rows[["firth_small"]] <- fit_firth("firth_small", "firth_small.csv")

all_rows <- do.call(rbind, lapply(rows, function(r) {
  for (k in c("wald_p_value", "n_groups")) if (is.null(r[[k]])) r[[k]] <- NA
  r
}))
write.csv(all_rows, file.path(outputs, "coefficients.csv"), row.names = FALSE)
write.csv(do.call(rbind, gee_rows), file.path(outputs, "gee_parameters.csv"),
          row.names = FALSE)
writeLines(capture.output(sessionInfo()), file.path(outputs, "sessionInfo.txt"))
