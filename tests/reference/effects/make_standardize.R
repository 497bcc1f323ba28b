# Standardised risks by g-computation (hand-coded in R) for bmecohort.standardize.
#
# Run from the repository root:  Rscript tests/reference/effects/make_standardize.R
# Outcome model: glm(progressed ~ bml + age + sex + factor(kl), binomial), tightened
# (epsilon = 1e-14). Risks are means of the predictions with bml set to 1 and to 0, over all
# complete rows and over the exposed. Delta-method variances from the influence functions
# (model scores through the inverse information, plus the sampling of the covariates; as
# stdReg), summed within participant_id (clustered) or per row (unclustered); ratios on the
# log scale. Written independently of the Python code (matrix algebra, no shared helpers).
here <- "tests/reference/effects"
d <- read.csv(file.path(here, "inputs", "standardize.csv"))
d <- d[complete.cases(d[, c("progressed", "bml", "age", "sex", "kl")]), ]
d$kl <- factor(d$kl)
fit <- glm(progressed ~ bml + age + sex + kl, family = binomial, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
X <- model.matrix(fit); b <- coef(fit); y <- d$progressed; n <- nrow(d)
X1 <- X; X1[, "bml"] <- 1; X0 <- X; X0[, "bml"] <- 0
p <- plogis(drop(X %*% b)); p1 <- plogis(drop(X1 %*% b)); p0 <- plogis(drop(X0 %*% b))
info <- crossprod(X * (p * (1 - p)), X)
ifb <- t(solve(info, t(X * (y - p))))          # n x k influence of the coefficients
E <- d$bml == 1
risk_if <- function(pa, Xa, w) {
  w <- w / sum(w); r <- sum(w * pa)
  g <- colSums(Xa * (w * pa * (1 - pa)))
  list(r = r, if_ = w * (pa - r) + drop(ifb %*% g))
}
pieces <- list(risk_if(p1, X1, rep(1, n)), risk_if(p0, X0, rep(1, n)),
               risk_if(p1, X1, as.numeric(E)), risk_if(p0, X0, as.numeric(E)))
R <- sapply(pieces, `[[`, "r"); IF <- sapply(pieces, `[[`, "if_")
rows <- list()
for (clustered in c(TRUE, FALSE)) {
  g <- if (clustered) d$participant_id else seq_len(n)
  S <- rowsum(IF, g); V <- crossprod(S)
  for (pop in c("study population", "exposed")) {
    i <- if (pop == "exposed") c(3, 4) else c(1, 2)
    r1 <- R[i[1]]; r0 <- R[i[2]]
    v <- V[i, i]
    se <- function(gr) sqrt(drop(t(gr) %*% v %*% gr))
    z <- qnorm(0.975)
    m <- rbind(
      c(r1, se(c(1, 0)), 0), c(r0, se(c(0, 1)), 0), c(r1 - r0, se(c(1, -1)), 0),
      c(r1 / r0, se(c(1 / r1, -1 / r0)), 1),
      c((r1 / (1 - r1)) / (r0 / (1 - r0)), se(c(1 / (r1 * (1 - r1)), -1 / (r0 * (1 - r0)))), 1))
    lower <- ifelse(m[, 3] == 1, m[, 1] * exp(-z * m[, 2]), m[, 1] - z * m[, 2])
    upper <- ifelse(m[, 3] == 1, m[, 1] * exp(z * m[, 2]), m[, 1] + z * m[, 2])
    rows[[length(rows) + 1]] <- data.frame(
      clustered = clustered, population = pop,
      term = c("risk_exposed", "risk_unexposed", "risk_difference", "risk_ratio", "odds_ratio"),
      estimate = m[, 1], se = m[, 2], ci_lower = lower, ci_upper = upper)
  }
}
write.csv(format(do.call(rbind, rows), digits = 17),
          file.path(here, "outputs", "standardize.csv"), row.names = FALSE, quote = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
