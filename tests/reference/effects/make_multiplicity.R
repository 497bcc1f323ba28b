# Adjusted p-values (R stats::p.adjust) for bmecohort.adjust_pvalues, per family and overall.
# Run from the repository root:  Rscript tests/reference/effects/make_multiplicity.R
here <- "tests/reference/effects"
x <- read.csv(file.path(here, "inputs", "pvalues.csv"), stringsAsFactors = FALSE)
for (m in c("holm", "bonferroni", "BH")) {
  x[[paste0("all_", m)]] <- p.adjust(x$p_value, method = m)
  x[[paste0("by_", m)]] <- ave(x$p_value, x$family, FUN = function(p) p.adjust(p, method = m))
}
write.csv(x, file.path(here, "outputs", "pvalues.csv"), row.names = FALSE)
writeLines(capture.output(sessionInfo()), file.path(here, "sessionInfo.txt"))
