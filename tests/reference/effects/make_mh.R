# Mantel-Haenszel risk ratio and risk difference (Greenland-Robins), the continuity-corrected
# CMH test and the Tarone-adjusted Breslow-Day test, for bmecohort.mantel_haenszel.
#
# Run from the repository root:  Rscript tests/reference/effects/make_mh.R
# Sources: epiR::epi.2by2 (RR.mh.wald, ARisk.mh.green, wRR.homog), stats::mantelhaen.test
# (correct = TRUE), and DescTools::BreslowDayTest(correct = TRUE) re-implemented from its
# published code (DescTools is not in Debian) with the cell expectation solved exactly
# (quadratic root) rather than by polyroot. The Greenland-Robins formulas are also coded
# here from the paper, as a second check on epiR. epiR 2.0.57's ARisk.mh.wald is NOT used:
# its variance takes a*d and c*b where a*b and c*d belong.
suppressPackageStartupMessages(library(epiR))
here <- "tests/reference/effects"
x <- read.csv(file.path(here, "inputs", "strata.csv"), stringsAsFactors = FALSE)
LEVELS <- c(0.95, 0.90)

as_array <- function(s) {
  arr <- array(0, dim = c(2, 2, nrow(s)))
  arr[1, 1, ] <- s$exposed_cases; arr[1, 2, ] <- s$exposed_noncases
  arr[2, 1, ] <- s$unexposed_cases; arr[2, 2, ] <- s$unexposed_noncases
  arr
}

gr <- function(s, cl) {
  a <- s$exposed_cases; b <- s$exposed_noncases; c <- s$unexposed_cases
  d <- s$unexposed_noncases; n1 <- a + b; n0 <- c + d; N <- n1 + n0
  z <- qnorm(1 - (1 - cl) / 2)
  R <- sum(a * n0 / N); S <- sum(c * n1 / N)
  rr <- R / S; v <- sum((a + c) * n1 * n0 / N^2 - a * c / N) / (R * S)
  W <- sum(n1 * n0 / N); rd <- sum((a * n0 - c * n1) / N) / W
  vd <- sum((a * b * n0^3 + c * d * n1^3) / (n1 * n0 * N^2)) / W^2
  # Woolf-type homogeneity of the risk differences (inverse Wald variance)
  p1 <- a / n1; p0 <- c / n0; th <- p1 - p0; w <- 1 / (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
  hd <- if (all(is.finite(w))) sum(w * (th - sum(w * th) / sum(w))^2) else NA
  c(rr = rr, rr_lower = rr * exp(-z * sqrt(v)), rr_upper = rr * exp(z * sqrt(v)),
    rd = rd, rd_lower = rd - z * sqrt(vd), rd_upper = rd + z * sqrt(vd),
    rd_homog = hd, rd_homog_p = if (is.na(hd)) NA else pchisq(hd, nrow(s) - 1, lower.tail = FALSE))
}

breslow_day_tarone <- function(arr) {
  or <- mantelhaen.test(arr, correct = FALSE)$estimate[[1]]
  a <- arr[1, 1, ]; n1 <- arr[1, 1, ] + arr[1, 2, ]; m1 <- arr[1, 1, ] + arr[2, 1, ]
  N <- apply(arr, 3, sum); n0 <- N - n1
  # expected a under the common odds ratio: root of (1-or) A^2 + (n0 - m1 + or(n1 + m1)) A
  # - or n1 m1 = 0 inside the support (DescTools solves the same quadratic with polyroot)
  qa <- 1 - or; qb <- n0 - m1 + or * (n1 + m1); qc <- -or * n1 * m1
  ea <- if (abs(qa) < 1e-15) -qc / qb else (-qb + sqrt(qb^2 - 4 * qa * qc)) / (2 * qa)
  va <- 1 / (1 / ea + 1 / (n1 - ea) + 1 / (m1 - ea) + 1 / (n0 - m1 + ea))
  bd <- sum((a - ea)^2 / va)
  bdt <- bd - (sum(a) - sum(ea))^2 / sum(va)
  k <- dim(arr)[3]
  c(bd = bd, bd_p = pchisq(bd, k - 1, lower.tail = FALSE),
    bd_tarone = bdt, bd_tarone_p = pchisq(bdt, k - 1, lower.tail = FALSE))
}

rows <- list()
for (ds in unique(x$dataset)) for (cl in LEVELS) {
  s <- x[x$dataset == ds, ]
  arr <- as_array(s)
  ep <- suppressWarnings(epi.2by2(as.table(arr), method = "cohort.count",
                                  conf.level = cl)$massoc.detail)
  own <- gr(s, cl)
  stopifnot(abs(own[["rr"]] / ep$RR.mh.wald$est - 1) < 1e-12,
            abs(own[["rr_lower"]] / ep$RR.mh.wald$lower - 1) < 1e-12,
            abs(own[["rd"]] - ep$ARisk.mh.green$est / 100) < 1e-12,
            abs(own[["rd_upper"]] - ep$ARisk.mh.green$upper / 100) < 1e-12)
  cmh <- mantelhaen.test(arr, correct = TRUE)
  cmh0 <- mantelhaen.test(arr, correct = FALSE)
  # Breslow-Day on the strata informative for the odds ratio (all four margins non-zero)
  keep <- apply(arr, 3, function(t) all(rowSums(t) > 0) && all(colSums(t) > 0))
  bd <- breslow_day_tarone(arr[, , keep, drop = FALSE])
  rows[[length(rows) + 1]] <- data.frame(
    dataset = ds, alpha = 1 - cl,
    rr = ep$RR.mh.wald$est, rr_lower = ep$RR.mh.wald$lower, rr_upper = ep$RR.mh.wald$upper,
    rr_homog = ep$wRR.homog$test.statistic, rr_homog_p = ep$wRR.homog$p.value,
    rd = ep$ARisk.mh.green$est / 100, rd_lower = ep$ARisk.mh.green$lower / 100,
    rd_upper = ep$ARisk.mh.green$upper / 100,
    rd_wald_epir_lower = ep$ARisk.mh.wald$lower / 100,
    rd_homog = own[["rd_homog"]], rd_homog_p = own[["rd_homog_p"]],
    cmh_corrected = unname(cmh$statistic), cmh_corrected_p = cmh$p.value,
    cmh = unname(cmh0$statistic), cmh_p = cmh0$p.value,
    bd = bd[["bd"]], bd_p = bd[["bd_p"]], bd_tarone = bd[["bd_tarone"]],
    bd_tarone_p = bd[["bd_tarone_p"]])
}
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), file.path(here, "outputs", "mh_measures.csv"),
          row.names = FALSE, quote = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
