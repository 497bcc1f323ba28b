# Reference values for bmecohort's agreement statistics (tests/test_agreement.py).
# Run from this folder: Rscript make_agreement.R
#  - unweighted kappa: psych::cohen.kappa (estimate, its asymptotic variance), also on
#    degenerate tables (a reader giving one grade only);
#  - weighted kappa: the Fleiss-Cohen-Everitt (1969) large-sample variance written out here,
#    because psych 2.2.9's weighted-kappa variance departs from it;
#  - Fleiss' kappa and the Fleiss-Nee-Landis (1979) z-test (as irr::kappam.fleiss, which is
#    not packaged for this machine), written out;
#  - the six ICCs with F-based intervals: psych::ICC (also under perfect agreement);
#  - Bland-Altman limits (Bland and Altman 1999), written out.
suppressMessages(library(psych))
options(digits = 17)
dir.create("outputs", showWarnings = FALSE)

fce <- function(tab, w) {   # w: agreement weights (1 on the diagonal)
  n <- sum(tab); p <- tab / n
  pr <- rowSums(p); pc <- colSums(p)
  po <- sum(w * p); pe <- sum(w * outer(pr, pc))
  k <- (po - pe) / (1 - pe)
  wr <- as.vector(w %*% pc)          # wbar_i.
  wc <- as.vector(t(w) %*% pr)       # wbar_.j
  a <- sum(p * (w - outer(wr, wc, "+") * (1 - k))^2)
  var <- (a - (k - pe * (1 - k))^2) / (n * (1 - pe)^2)
  var0 <- (sum(outer(pr, pc) * (w - outer(wr, wc, "+"))^2) - pe^2) / (n * (1 - pe)^2)
  c(kappa = k, se = sqrt(var), se0 = sqrt(var0))
}

dr <- read.csv("inputs/double_reads.csv")
lev <- 0:3
tab <- table(factor(dr$reader_a, lev), factor(dr$reader_b, lev))
d <- abs(outer(lev, lev, "-")) / 3
rows <- list()
for (wname in c("unweighted", "linear", "quadratic")) {
  w <- switch(wname, unweighted = diag(4), linear = 1 - d, quadratic = 1 - d^2)
  r <- fce(tab, w)
  rows[[wname]] <- data.frame(weights = wname, kappa = r[["kappa"]], se = r[["se"]],
                              se0 = r[["se0"]])
}
out <- do.call(rbind, rows)
ck <- cohen.kappa(cbind(dr$reader_a, dr$reader_b))
out$psych_kappa <- c(ck$kappa, NA, NA)
out$psych_se <- c(sqrt(ck$var.kappa), NA, NA)
out$agreement <- mean(dr$reader_a == dr$reader_b)
out$within_one <- mean(abs(dr$reader_a - dr$reader_b) <= 1)
write.csv(out, "outputs/kappa.csv", row.names = FALSE)

# degenerate tables (a reader gives every unit one grade): psych::cohen.kappa gives kappa 0
# with zero variance, or NaN; bmecohort reports kappa as undefined (NaN) there
deg <- read.csv("inputs/degenerate_reads.csv")
deg_rows <- list()
for (name in unique(deg$case)) {
  part <- deg[deg$case == name, ]
  tab_d <- table(factor(part$reader_a, lev), factor(part$reader_b, lev))
  ck_d <- cohen.kappa(tab_d)
  deg_rows[[name]] <- data.frame(case = name, n = nrow(part), psych_kappa = ck_d$kappa,
                                 psych_var = ck_d$var.kappa,
                                 psych_lower = ck_d$confid[1, 1],
                                 psych_upper = ck_d$confid[1, 3],
                                 agreement = mean(part$reader_a == part$reader_b))
}
write.csv(do.call(rbind, deg_rows), "outputs/kappa_degenerate.csv", row.names = FALSE)

three <- as.matrix(read.csv("inputs/three_readers.csv"))
n <- nrow(three); m <- ncol(three)
counts <- t(apply(three, 1, function(r) tabulate(r + 1, nbins = 3)))
pj <- colSums(counts) / (n * m)
Pi <- (rowSums(counts^2) - m) / (m * (m - 1))
pbar <- mean(Pi); pe <- sum(pj^2)
kf <- (pbar - pe) / (1 - pe)
pq <- pj * (1 - pj)
se0 <- sqrt(2) / (sum(pq) * sqrt(n * m * (m - 1))) * sqrt(sum(pq)^2 - sum(pq * (1 - 2 * pj)))
write.csv(data.frame(kappa = kf, se0 = se0, z = kf / se0, p = 2 * pnorm(-abs(kf / se0))),
          "outputs/fleiss.csv", row.names = FALSE)

icc_rows <- list()
for (name in c("shrout_fleiss", "scores_long")) {
  long <- read.csv(file.path("inputs", paste0(name, ".csv")))
  names(long) <- c("target", "rater", "rating")
  wide <- reshape(long, idvar = "target", timevar = "rater", direction = "wide")
  r <- ICC(as.matrix(wide[, -1]), lmer = FALSE)$results
  icc_rows[[name]] <- data.frame(data = name, form = r$type, estimate = r$ICC, f = r$F,
                                 df1 = r$df1, df2 = r$df2, p = r$p,
                                 lower = r$`lower bound`, upper = r$`upper bound`)
}
write.csv(do.call(rbind, icc_rows), "outputs/icc.csv", row.names = FALSE)

# perfect agreement: psych::ICC's F statistics overflow and every interval is 1 to 1
perfect <- read.csv("inputs/perfect_agreement.csv")
pw <- reshape(perfect, idvar = "target", timevar = "reader", direction = "wide")
rp <- ICC(as.matrix(pw[, -1]), lmer = FALSE)$results
write.csv(data.frame(form = rp$type, estimate = rp$ICC, p = rp$p, lower = rp$`lower bound`,
                     upper = rp$`upper bound`), "outputs/icc_perfect.csv", row.names = FALSE)

long <- read.csv("inputs/scores_long.csv")
a <- long$score[long$reader == "A"]; b <- long$score[long$reader == "B"]
dd <- a - b; nn <- length(dd)
bias <- mean(dd); s <- sd(dd); z <- qnorm(0.975); t <- qt(0.975, nn - 1)
write.csv(data.frame(
  term = c("bias", "lower limit", "upper limit"),
  estimate = c(bias, bias - z * s, bias + z * s),
  ci_lower = c(bias - t * s / sqrt(nn), bias - z * s - t * sqrt(3 * s^2 / nn),
               bias + z * s - t * sqrt(3 * s^2 / nn)),
  ci_upper = c(bias + t * s / sqrt(nn), bias - z * s + t * sqrt(3 * s^2 / nn),
               bias + z * s + t * sqrt(3 * s^2 / nn))),
  "outputs/bland_altman.csv", row.names = FALSE)

writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
