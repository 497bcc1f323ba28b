# Reference values for bmecohort.ordinal (tests/test_ordinal.py).
#  - MASS::polr and ordinal::clm (logit) on MASS's housing data (expanded by Freq) and on a
#    simulated two-knees-per-person data set; coefficients, cut-points, model-based errors;
#  - the cluster-robust errors: sandwich::vcovCL(polr, cluster = ~participant_id,
#    type = "HC0", cadjust = FALSE): the plain sandwich, bmecohort's one definition;
#  - the Brant (1990) test, written out from the paper's formulas (R's brant package is not
#    packaged for this machine).
suppressMessages({library(MASS); library(ordinal); library(sandwich)})
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)

housing_long <- housing[rep(seq_len(nrow(housing)), housing$Freq), c("Sat", "Infl", "Type", "Cont")]
write.csv(housing_long, "inputs/housing.csv", row.names = FALSE)
knees <- read.csv("inputs/knees.csv")
knees$grade <- factor(knees$grade, levels = 0:3, ordered = TRUE)

rows <- list()
add <- function(name, fit, cl = NULL) {
  cf <- coef(fit); z <- fit$zeta
  v <- vcov(fit)
  se <- sqrt(diag(v))
  rows[[length(rows) + 1]] <<- data.frame(data = name, kind = c(rep("coef", length(cf)),
    rep("zeta", length(z))), term = c(names(cf), names(z)), estimate = c(cf, z),
    se = se[c(names(cf), names(z))])
}
h <- polr(Sat ~ Infl + Type + Cont, data = housing_long, Hess = TRUE,
          control = list(reltol = 1e-14, maxit = 1000))
add("housing", h)
k <- polr(grade ~ bmi + female + malalign, data = knees, Hess = TRUE,
          control = list(reltol = 1e-14, maxit = 1000))
add("knees", k)
out <- do.call(rbind, rows)
# ordinal::clm as a second implementation of the same model
c1 <- clm(Sat ~ Infl + Type + Cont, data = housing_long, control = clm.control(gradTol = 1e-12))
c2 <- clm(grade ~ bmi + female + malalign, data = knees, control = clm.control(gradTol = 1e-12))
out$clm_estimate <- c(coef(c1)[c(names(coef(h)), names(h$zeta))],
                      coef(c2)[c(names(coef(k)), names(k$zeta))])
write.csv(out, "outputs/polr.csv", row.names = FALSE)

vc <- vcovCL(k, cluster = ~participant_id, type = "HC0", cadjust = FALSE)
write.csv(data.frame(term = names(coef(k)), se = sqrt(diag(vc))[names(coef(k))]),
          "outputs/cluster_se.csv", row.names = FALSE)

brant <- function(formula, data, y) {
  X <- model.matrix(formula, data)[, -1, drop = FALSE]
  lev <- sort(unique(y)); m <- length(lev) - 1; p <- ncol(X); D1 <- cbind(1, X)
  fits <- lapply(seq_len(m), function(j) glm.fit(D1, as.numeric(y > lev[j]), family = binomial(),
                                                 control = glm.control(epsilon = 1e-14)))
  pr <- lapply(fits, fitted); b <- unlist(lapply(fits, function(f) coef(f)[-1]))
  inv <- lapply(pr, function(pi) solve(t(D1) %*% (D1 * (pi * (1 - pi)))))
  V <- matrix(0, m * p, m * p)
  for (j in 1:m) for (s in j:m) {
    w <- pr[[s]] * (1 - pr[[j]])
    B <- (inv[[j]] %*% (t(D1) %*% (D1 * w)) %*% inv[[s]])[-1, -1, drop = FALSE]
    V[(j - 1) * p + 1:p, (s - 1) * p + 1:p] <- B
    V[(s - 1) * p + 1:p, (j - 1) * p + 1:p] <- t(B)
  }
  Dm <- matrix(0, (m - 1) * p, m * p)
  for (j in 2:m) { Dm[(j - 2) * p + 1:p, 1:p] <- diag(p); Dm[(j - 2) * p + 1:p, (j - 1) * p + 1:p] <- -diag(p) }
  test <- function(r) { C <- Dm[r, , drop = FALSE]; d <- C %*% b
    c(chi2 = as.numeric(t(d) %*% MASS::ginv(C %*% V %*% t(C)) %*% d), df = length(r)) }
  res <- rbind(omnibus = test(seq_len((m - 1) * p)),
               t(sapply(seq_len(p), function(i) test(seq(i, (m - 1) * p, by = p)))))
  rownames(res) <- c("omnibus", colnames(X))
  data.frame(term = rownames(res), chi2 = res[, "chi2"], df = res[, "df"])
}
write.csv(brant(~ bmi + female + malalign, knees, as.integer(as.character(knees$grade))),
          "outputs/brant.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
