# Reference values for bmecohort.pool (Rubin's rules) and bmecohort.ipcw.
#  - pool: mice 3.15 on its own nhanes data (m = 5, seed 1); the per-imputation glm
#    estimates and variances are written out so the Python test pools the same numbers,
#    and mice::pool's results are the reference; pool.scalar on the docstring example.
#  - ipcw: glm-based stabilised weights.
#  - incidence under multiple imputation: per completed data set (inputs/incidence_imputed.csv,
#    written by make_inputs.py), the logit of the knee incidence and its variance (geepack
#    geeglm independence sandwich by person when knees share persons, glm otherwise), pooled
#    by mice::pool.scalar with complete-data df clusters - 1, back-transformed with plogis.
suppressMessages(library(mice))
suppressMessages(library(geepack))
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)

imp <- mice(nhanes, m = 5, seed = 1, printFlag = FALSE)
fits <- with(imp, lm(chl ~ age + bmi))
per <- do.call(rbind, lapply(seq_along(fits$analyses), function(i) {
  f <- fits$analyses[[i]]
  data.frame(imputation = i, term = names(coef(f)), estimate = unname(coef(f)),
             variance = unname(diag(vcov(f))), dfcom = df.residual(f))
}))
write.csv(per, "inputs/nhanes_per_imputation.csv", row.names = FALSE)
pooled <- pool(fits)$pooled
write.csv(pooled[, c("term", "m", "estimate", "ubar", "b", "t", "dfcom", "df", "riv",
                     "lambda", "fmi")], "outputs/pool_nhanes.csv", row.names = FALSE)
s <- summary(pool(fits), conf.int = TRUE)
write.csv(data.frame(term = s$term, p = s$p.value, lower = s$`2.5 %`, upper = s$`97.5 %`),
          "outputs/pool_nhanes_summary.csv", row.names = FALSE)

ps <- pool.scalar(Q = c(0.52, 0.61, 0.47, 0.58, 0.55),
                  U = c(0.010, 0.012, 0.011, 0.010, 0.013), n = 200, k = 3)
write.csv(data.frame(qbar = ps$qbar, ubar = ps$ubar, b = ps$b, t = ps$t, df = ps$df,
                     riv = ps$r, fmi = ps$fmi), "outputs/pool_scalar.csv", row.names = FALSE)

d <- read.csv("inputs/attrition.csv")
g <- glm(seen ~ age + bml, family = binomial, data = d, control = glm.control(epsilon = 1e-14))
p <- fitted(g)
w <- ifelse(d$seen == 1, mean(d$seen) / p, NA)
q <- quantile(w[d$seen == 1], c(0.05, 0.95), type = 7)
write.csv(data.frame(stabilized = w, unstabilized = ifelse(d$seen == 1, 1 / p, NA),
                     truncated = pmin(pmax(w, q[1]), q[2])),
          "outputs/ipcw.csv", row.names = FALSE)

imputed <- read.csv("inputs/incidence_imputed.csv")
per <- list(); pooled <- list()
for (case in unique(imputed$case)) {
  part <- imputed[imputed$case == case, ]
  qu <- t(sapply(sort(unique(part$imputation)), function(i) {
    d <- part[part$imputation == i, ]
    d <- d[order(d$participant_id), ]
    if (anyDuplicated(d$participant_id)) {
      f <- geeglm(present_to ~ 1, family = binomial, data = d, id = participant_id,
                  corstr = "independence", control = geese.control(epsilon = 1e-12))
      c(coef(f)[[1]], summary(f)$coefficients[1, "Std.err"]^2)
    } else {
      f <- glm(present_to ~ 1, family = binomial, data = d,
               control = glm.control(epsilon = 1e-14))
      c(coef(f)[[1]], vcov(f)[1, 1])
    }
  }))
  clusters <- length(unique(part$participant_id))
  per[[case]] <- data.frame(case = case, imputation = seq_len(nrow(qu)), logit = qu[, 1],
                            variance = qu[, 2])
  ps <- pool.scalar(Q = qu[, 1], U = qu[, 2], n = clusters, k = 1)
  half <- qt(0.975, ps$df) * sqrt(ps$t)
  pooled[[case]] <- data.frame(case = case, qbar = ps$qbar, ubar = ps$ubar, b = ps$b,
                               t = ps$t, df = ps$df, riv = ps$r, fmi = ps$fmi,
                               estimate = plogis(ps$qbar), lower = plogis(ps$qbar - half),
                               upper = plogis(ps$qbar + half))
}
write.csv(do.call(rbind, per), "outputs/incidence_per_imputation.csv", row.names = FALSE)
write.csv(do.call(rbind, pooled), "outputs/incidence_pooled.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
