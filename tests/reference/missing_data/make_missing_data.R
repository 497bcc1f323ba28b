# Reference values for bmecohort.pool (Rubin's rules) and bmecohort.ipcw.
#  - pool: mice 3.15 on its own nhanes data (m = 5, seed 1); the per-imputation glm
#    estimates and variances are written out so the Python test pools the same numbers,
#    and mice::pool's results are the reference; pool.scalar on the docstring example.
#  - ipcw: glm-based stabilised weights.
suppressMessages(library(mice))
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
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
