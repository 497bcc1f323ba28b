# Reference values for conditional_logistic() with knees clustered in persons
# (tests/test_conditional.py).
#
# Reads inputs/visits_persons.csv (written by make_inputs.py: two knees per person, two
# visits, so every informative knee has exactly one painful visit) and writes
# outputs/clogit_clustered.csv and outputs/sessionInfo_clogit_clustered.txt. Run from this
# folder:  Rscript make_conditional_clustered.R
# survival::clogit refuses a robust variance with method = "exact"; with one event per
# stratum the exact conditional likelihood equals Breslow's, so method = "breslow" gives
# the same estimates once the knees whose pain never changes are dropped (under Breslow a
# knee painful at both visits would still contribute), and cluster(participant_id) the
# robust (sandwich, no small-sample factor) variance of coxph.
suppressPackageStartupMessages(library(survival))

d <- read.csv(file.path("inputs", "visits_persons.csv"), stringsAsFactors = FALSE)
varies <- ave(d$pain, d$knee_id, FUN = function(v) length(unique(v))) > 1
d <- d[varies, ]
exact <- clogit(pain ~ factor(bml_cat) + strata(knee_id), data = d, method = "exact")
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
rows <- list()
for (model in c("categorical", "trend")) {
  f <- if (model == "categorical") {
    pain ~ factor(bml_cat) + strata(knee_id) + cluster(participant_id)
  } else {
    pain ~ bml_cat + strata(knee_id) + cluster(participant_id)
  }
  fit <- clogit(f, data = d, method = "breslow", control = ctl)
  if (model == "categorical") stopifnot(max(abs(coef(fit) - coef(exact))) < 1e-8)
  s <- summary(fit)$coefficients
  term <- sub("^factor\\(bml_cat\\)(.+)$", "bml_cat[\\1]", rownames(s))
  term[term == "bml_cat"] <- "bml_cat (trend)"
  rows[[model]] <- data.frame(model = model, term = term, coef = s[, "coef"],
                              se_naive = s[, "se(coef)"], se_robust = s[, "robust se"],
                              p_robust = s[, "Pr(>|z|)"], row.names = NULL)
}
write.csv(do.call(rbind, rows), file.path("outputs", "clogit_clustered.csv"), row.names = FALSE)
writeLines(capture.output(sessionInfo()),
           file.path("outputs", "sessionInfo_clogit_clustered.txt"))
