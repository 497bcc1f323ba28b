# Reference values for bmecohort.mixed_model (tests/test_mixed.py).
#  - lme4::lmer (REML and ML) on lme4's sleepstudy (random intercept and slope) and on a
#    simulated knees-within-persons panel (nested random intercepts): fixed effects,
#    variance components, log-likelihood;
#  - lmerTest Satterthwaite degrees of freedom;
#  - the covariance of the variance parameters phi = (log sd's, atanh corr, log sigma): the
#    REML and ML -2 log-likelihoods written out here with dense per-subject V matrices (an
#    implementation independent of the package's Woodbury form), differentiated by
#    numDeriv::hessian (Richardson extrapolation) at lme4's estimates. nlme::intervals
#    (apVar) is written beside it for information only: its Hessian of the correlation
#    parameter differs by about 10% from the exact one.
suppressMessages({library(lme4); library(lmerTest); library(nlme); library(numDeriv)})
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)
write.csv(lme4::sleepstudy, "inputs/sleepstudy.csv", row.names = FALSE)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.1, rhoend = 1e-12,
                                                          maxfun = 1e5))
knees <- read.csv("inputs/knees.csv")
knees$knee <- interaction(knees$participant_id, knees$side)
fits <- list(
  sleep_reml = lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), lme4::sleepstudy,
                              REML = TRUE, control = ctrl),
  sleep_ml = lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), lme4::sleepstudy,
                            REML = FALSE, control = ctrl),
  sleep_int = lmerTest::lmer(Reaction ~ Days + (1 | Subject), lme4::sleepstudy,
                             REML = TRUE, control = ctrl),
  knees_nested = lmerTest::lmer(score ~ bml_baseline * years + (1 + years | participant_id)
                                + (1 | knee), knees, REML = TRUE, control = ctrl))
fixed <- do.call(rbind, lapply(names(fits), function(n) {
  s <- summary(fits[[n]])$coefficients
  data.frame(model = n, term = rownames(s), estimate = s[, "Estimate"], se = s[, "Std. Error"],
             df = s[, "df"], p = s[, "Pr(>|t|)"])
}))
write.csv(fixed, "outputs/fixed.csv", row.names = FALSE)
vc <- do.call(rbind, lapply(names(fits), function(n) {
  v <- as.data.frame(VarCorr(fits[[n]]))
  data.frame(model = n, grp = v$grp, var1 = v$var1, var2 = v$var2, vcov = v$vcov,
             sdcor = v$sdcor, loglik = as.numeric(logLik(fits[[n]])))
}))
write.csv(vc, "outputs/varcorr.csv", row.names = FALSE)
nl <- lme(Reaction ~ Days, random = ~ 1 + Days | Subject, data = lme4::sleepstudy,
          method = "REML", control = lmeControl(opt = "optim", msTol = 1e-12, tolerance = 1e-12))
iv <- intervals(nl, which = "var-cov")
re <- iv$reStruct$Subject
write.csv(data.frame(term = c(rownames(re), "sigma"),
                     lower = c(re[, "lower"], iv$sigma[["lower"]]),
                     estimate = c(re[, "est."], iv$sigma[["est."]]),
                     upper = c(re[, "upper"], iv$sigma[["upper"]])),
          "outputs/nlme_intervals.csv", row.names = FALSE)
neg2 <- function(phi, data, reml) {
  X <- cbind(1, data$Days); y <- data$Reaction; p <- ncol(X)
  sd <- exp(phi[1:2]); rho <- tanh(phi[3]); sigma <- exp(phi[4])
  G <- diag(sd) %*% matrix(c(1, rho, rho, 1), 2) %*% diag(sd)
  XVX <- matrix(0, p, p); XVy <- rep(0, p); ld <- 0; blocks <- list()
  for (s in split(seq_along(y), data$Subject)) {
    Z <- X[s, , drop = FALSE]
    V <- Z %*% G %*% t(Z) + sigma^2 * diag(length(s))
    Vi <- solve(V); ld <- ld + as.numeric(determinant(V)$modulus)
    XVX <- XVX + t(X[s, ]) %*% Vi %*% X[s, ]; XVy <- XVy + t(X[s, ]) %*% Vi %*% y[s]
    blocks[[length(blocks) + 1]] <- list(s = s, Vi = Vi)
  }
  beta <- solve(XVX, XVy); q <- 0
  for (b in blocks) { r <- y[b$s] - X[b$s, ] %*% beta; q <- q + as.numeric(t(r) %*% b$Vi %*% r) }
  n <- length(y)
  if (reml) ld + q + as.numeric(determinant(XVX)$modulus) + (n - p) * log(2 * pi)
  else ld + q + n * log(2 * pi)
}
vc_rows <- list()
for (n in c("sleep_reml", "sleep_ml")) {
  v <- as.data.frame(VarCorr(fits[[n]]))
  phi <- c(log(v$sdcor[1]), log(v$sdcor[2]), atanh(v$sdcor[3]), log(v$sdcor[4]))
  H <- hessian(function(f) neg2(f, lme4::sleepstudy, n == "sleep_reml"), phi)
  C <- 2 * solve(H)
  vc_rows[[n]] <- data.frame(model = n, parameter = c("log_sd_intercept", "log_sd_days",
    "atanh_corr", "log_sigma"), phi = phi, neg2 = neg2(phi, lme4::sleepstudy, n == "sleep_reml"),
    C)
}
write.csv(do.call(rbind, vc_rows), "outputs/phi_covariance.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
