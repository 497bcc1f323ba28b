# Reference values for bmecohort.multistate (tests/test_multistate.py), from R msm on its own
# documented example (the CAV heart-transplant data, Jackson 2011, section 2) and on a
# simulated two-state lesion panel (inputs/lesions.csv, written by make_inputs.py).
# msm's default optimiser stops short of the maximum, so every fit is refined with
# reltol = 1e-12 (no fnscale), restarted from msm's own solution, and confirmed from a
# second start (the log-likelihoods agree to 1e-6 or the script stops).
suppressMessages(library(msm))
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)
cav <- msm::cav
write.csv(cav[, c("PTNUM", "years", "state", "sex", "dage")], "inputs/cav.csv", row.names = FALSE)
twoway4.q <- rbind(c(0, 0.25, 0, 0.25), c(0.166, 0, 0.166, 0.166), c(0, 0.25, 0, 0.5),
                   c(0, 0, 0, 0))
ctl <- list(reltol = 1e-12, maxit = 10000)
fit_cav <- msm(state ~ years, subject = PTNUM, data = cav, qmatrix = twoway4.q,
               deathexact = 4, control = ctl)
q_restart <- unclass(qmatrix.msm(fit_cav, ci = "none"))
fit_cav2 <- msm(state ~ years, subject = PTNUM, data = cav, qmatrix = q_restart,
                deathexact = 4, control = ctl)
stopifnot(abs(fit_cav$minus2loglik - fit_cav2$minus2loglik) < 1e-6)
fit_sex <- msm(state ~ years, subject = PTNUM, data = cav, qmatrix = twoway4.q,
               deathexact = 4, covariates = ~ sex, control = ctl)
lesions <- read.csv("inputs/lesions.csv")
q2 <- rbind(c(0, 0.1), c(0.3, 0))
fit_les <- msm(state ~ years, subject = participant_id, data = lesions, qmatrix = q2,
               covariates = ~ bmi_c, control = ctl)
fit_les2 <- msm(state ~ years, subject = participant_id, data = lesions,
                qmatrix = rbind(c(0, 0.5), c(0.5, 0)), covariates = ~ bmi_c, control = ctl)
stopifnot(abs(fit_les$minus2loglik - fit_les2$minus2loglik) < 1e-6)

rows <- list()
for (nm in c("cav", "cav_sex", "lesions")) {
  f <- switch(nm, cav = fit_cav2, cav_sex = fit_sex, lesions = fit_les)
  q <- qmatrix.msm(f, ci = "delta")
  idx <- which(f$qmodel$imatrix == 1, arr.ind = TRUE)
  idx <- idx[order(idx[, 1], idx[, 2]), , drop = FALSE]
  rows[[length(rows) + 1]] <- data.frame(model = nm, kind = "intensity", from = idx[, 1],
    to = idx[, 2], covariate = NA, estimate = q$estimates[idx], lower = q$L[idx],
    upper = q$U[idx], minus2loglik = f$minus2loglik)
  if (length(f$covariates) > 0) {
    h <- hazard.msm(f)
    for (cv in names(h)) {
      rows[[length(rows) + 1]] <- data.frame(model = nm, kind = "hazard_ratio",
        from = idx[, 1], to = idx[, 2], covariate = cv, estimate = h[[cv]][, "HR"],
        lower = h[[cv]][, "L"], upper = h[[cv]][, "U"], minus2loglik = f$minus2loglik)
    }
  }
}
write.csv(do.call(rbind, rows), "outputs/intensities.csv", row.names = FALSE)
p <- pmatrix.msm(fit_cav2, t = 5, ci = "none")
write.csv(as.data.frame(unclass(p)), "outputs/pmatrix_cav_t5.csv", row.names = FALSE)
so <- sojourn.msm(fit_cav2)
write.csv(data.frame(state = 1:3, estimate = so$estimates, se = so$SE),
          "outputs/sojourn_cav.csv", row.names = FALSE)
p2 <- pmatrix.msm(fit_les, t = 2, covariates = list(bmi_c = 0), ci = "none")
write.csv(as.data.frame(unclass(p2)), "outputs/pmatrix_lesions_t2.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
