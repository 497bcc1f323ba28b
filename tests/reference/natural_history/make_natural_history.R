# Reference values for bmecohort.lesion_natural_history (tests/test_natural_history.py), from
# R msm on the design's own states (inputs/states.csv, written by make_inputs.py): the
# two-state model no lesion <-> lesion and the recurrence model never -> lesion -> resolved
# -> lesion. As in ../multistate, msm's default optimiser stops short of the maximum, so each
# fit is refined with reltol = 1e-12, restarted from its own solution, and confirmed (the
# log-likelihoods agree to 1e-6 or the script stops).
suppressMessages(library(msm))
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)
ctl <- list(reltol = 1e-12, maxit = 10000)
d <- read.csv("inputs/states.csv")
fit_twice <- function(formula, q) {
  f <- msm(formula, subject = subject, data = d, qmatrix = q, control = ctl)
  g <- msm(formula, subject = subject, data = d,
           qmatrix = unclass(qmatrix.msm(f, ci = "none")), control = ctl)
  stopifnot(abs(f$minus2loglik - g$minus2loglik) < 1e-6)
  g
}
two <- fit_twice(state ~ time, rbind(c(0, 0.1), c(0.3, 0)))
tunnel <- fit_twice(recurrence_state ~ time, rbind(c(0, 0.1, 0), c(0, 0, 0.3), c(0, 0.1, 0)))
rows <- list()
for (nm in c("markov", "recurrence")) {
  f <- if (nm == "markov") two else tunnel
  q <- qmatrix.msm(f, ci = "delta")
  idx <- which(f$qmodel$imatrix == 1, arr.ind = TRUE)
  idx <- idx[order(idx[, 1], idx[, 2]), , drop = FALSE]
  rows[[nm]] <- data.frame(model = nm, from = idx[, 1], to = idx[, 2],
                           estimate = q$estimates[idx], lower = q$L[idx], upper = q$U[idx])
}
write.csv(do.call(rbind, rows), "outputs/intensities.csv", row.names = FALSE)
p <- do.call(rbind, lapply(c(1, 2, 5), function(t) {
  m <- unclass(pmatrix.msm(two, t = t, ci = "none"))
  data.frame(t = t, p11 = m[1, 1], p21 = m[2, 1])
}))
write.csv(p, "outputs/pmatrix.csv", row.names = FALSE)
so <- sojourn.msm(two)
write.csv(data.frame(state = 1:2, estimate = so$estimates, lower = so$L, upper = so$U),
          "outputs/sojourn.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
