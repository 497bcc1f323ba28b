# Simple bias analysis for misclassification (Lash, Fox & Fink 2009, ch. 6), hand-coded:
# within each margin, true positives = (observed positives - (1 - Sp) * margin) / (Se + Sp - 1).
# Exposure misclassification: margins are cases and non-cases (se_1/sp_1 for cases);
# outcome misclassification: margins are exposed and unexposed (se_1/sp_1 for exposed).
# Run from the repository root:  Rscript tests/reference/effects/make_misclassification.R
here <- "tests/reference/effects"
x <- read.csv(file.path(here, "inputs", "misclassification.csv"), stringsAsFactors = FALSE)
fix <- function(pos, neg, se, sp) { m <- pos + neg; t <- (pos - (1 - sp) * m) / (se + sp - 1)
  c(t, m - t) }
out <- do.call(rbind, lapply(seq_len(nrow(x)), function(i) {
  r <- x[i, ]
  if (r$kind == "exposure") {
    cs <- fix(r$exposed_cases, r$unexposed_cases, r$se_1, r$sp_1)
    nc <- fix(r$exposed_noncases, r$unexposed_noncases, r$se_2, r$sp_2)
    A <- cs[1]; C <- cs[2]; B <- nc[1]; D <- nc[2]
  } else {
    ex <- fix(r$exposed_cases, r$exposed_noncases, r$se_1, r$sp_1)
    un <- fix(r$unexposed_cases, r$unexposed_noncases, r$se_2, r$sp_2)
    A <- ex[1]; B <- ex[2]; C <- un[1]; D <- un[2]
  }
  data.frame(case = r$case, exposed_cases = A, exposed_noncases = B, unexposed_cases = C,
             unexposed_noncases = D, corrected_odds_ratio = A * D / (B * C),
             corrected_risk_ratio = (A / (A + B)) / (C / (C + D)))
}))
write.csv(format(out, digits = 17), file.path(here, "outputs", "misclassification.csv"),
          row.names = FALSE, quote = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
