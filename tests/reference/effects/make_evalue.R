# E-value references (VanderWeele & Ding 2017, Ann Intern Med 167:268-274), computed from
# the paper's formulas: the R package EValue is not in Debian (apt-cache policy
# r-cran-evalue: no candidate), so this is an independent implementation of the same
# equations, checked against the paper's worked example (RR 3.9, 1.8 to 8.7 -> 7.26, 3.00).
#
# Run from the repository root:  Rscript tests/reference/effects/make_evalue.R
here <- "tests/reference/effects"
x <- read.csv(file.path(here, "inputs", "evalue.csv"), stringsAsFactors = FALSE)

ev <- function(rr) { rr <- ifelse(rr < 1, 1 / rr, rr); rr + sqrt(rr * (rr - 1)) }
to_rr <- function(v, measure, rare, p0) {
  if (measure == "rd") return((p0 + v) / p0)
  if (measure == "rr" || isTRUE(rare)) return(v)
  if (measure == "or") return(sqrt(v))
  (1 - 0.5^sqrt(v)) / (1 - 0.5^sqrt(1 / v))            # hr, common outcome
}
out <- do.call(rbind, lapply(seq_len(nrow(x)), function(i) {
  r <- x[i, ]
  est <- to_rr(r$estimate, r$measure, r$rare_outcome, r$baseline_risk)
  lo <- to_rr(r$ci_lower, r$measure, r$rare_outcome, r$baseline_risk)
  hi <- to_rr(r$ci_upper, r$measure, r$rare_outcome, r$baseline_risk)
  e_ci <- if (is.na(lo)) NA else if (lo <= 1 && hi >= 1) 1 else if (lo > 1) ev(lo) else ev(hi)
  data.frame(case = r$case, rr_equivalent = est, evalue = ev(est), evalue_ci = e_ci)
}))
stopifnot(abs(out$evalue[1] - 7.26) < 0.005, abs(out$evalue_ci[1] - 3.00) < 0.005)
write.csv(out, file.path(here, "outputs", "evalue.csv"), row.names = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
