# Reference values for bmecohort.gee() and logistic(cluster=...) with every family and working
# correlation (tests/test_gee.py), from geepack::geese.
#
# Inputs: inputs/visits.csv and inputs/fallback.csv (written by make_inputs.py), and geepack's
# own data sets ohio and dietox (written here to inputs/ohio.csv and inputs/dietox.csv).
# Outputs: outputs/coefficients.csv, outputs/parameters.csv, outputs/correlation.csv,
# outputs/sessionInfo.txt. Run from this folder: Rscript make_gee.R
#
# - geese() with waves = the visit number: AR-1 uses the lag between the visits actually seen,
#   unstructured one parameter per pair of visits (geepack's genZcor).
# - unstructured with missing visits: geese() builds each cluster's matrix from its own pairs
#   and then indexes it by the visit numbers (corp, which defaults to waves), reading outside
#   the matrix when a visit is missing (wrong values, or a segfault as with geepack 1.3.9
#   here). corp = the row's position within its cluster gives the intended estimator: the
#   parameters still belong to visit pairs through waves (genZcor).
# - scale_fixed: geese(..., scale.fix = TRUE, gm = 1). geeglm(scale.fix = TRUE) would keep the
#   scale of its starting glm fit instead of 1 (gm = NULL), which is not what "fixed" means.
# - epsilon = 1e-12 (default 1e-4) so the reference is precise far below the test tolerances.
suppressPackageStartupMessages(library(geepack))

dir.create("outputs", showWarnings = FALSE)
data(ohio)
data(dietox)
ohio$wave <- ohio$age + 3L
write.csv(ohio, "inputs/ohio.csv", row.names = FALSE)
diet <- data.frame(pig = as.integer(as.character(dietox$Pig)), time = dietox$Time,
                   weight = dietox$Weight,
                   cu035 = as.integer(dietox$Cu == "Cu035"),
                   cu175 = as.integer(dietox$Cu == "Cu175"))
diet <- diet[order(diet$pig, diet$time), ]
write.csv(diet, "inputs/dietox.csv", row.names = FALSE)

visits <- read.csv("inputs/visits.csv")
visits <- visits[order(visits$person_id, visits$visit), ]
fallback <- read.csv("inputs/fallback.csv")

control <- geese.control(epsilon = 1e-12, maxit = 1000)
coefs <- list(); params <- list(); cors <- list()

fit <- function(dataset, model, formula, data, id, waves, family, corstr, scale_fix) {
  data$.id <- data[[id]]
  data$.waves <- data[[waves]]
  data$.position <- ave(data$.waves, data$.id, FUN = seq_along)
  args <- list(formula = formula, id = quote(.id), waves = quote(.waves), data = data,
               family = family, corstr = corstr, control = control, scale.fix = scale_fix)
  if (corstr == "unstructured") args$corp <- quote(.position)
  if (scale_fix) args$gm <- 1
  f <- do.call(geese, args)
  se <- sqrt(diag(f$vbeta))
  key <- paste(dataset, model)
  coefs[[key]] <<- data.frame(dataset = dataset, model = model,
                              term = sub("^\\(Intercept\\)$", "Intercept", names(f$beta)),
                              coef = unname(f$beta), se = unname(se))
  params[[key]] <<- data.frame(dataset = dataset, model = model, family = family$family,
                               corstr = corstr, scale_fixed = scale_fix,
                               scale = unname(f$gamma), error = f$error,
                               n = nrow(data), n_clusters = length(unique(data[[id]])))
  if (length(f$alpha) > 0)
    cors[[key]] <<- data.frame(dataset = dataset, model = model, name = names(f$alpha),
                               value = unname(f$alpha))
}

corstrs <- c("independence", "exchangeable", "ar1", "unstructured")
families <- list(binomial = list(binomial(), pain ~ bml + age),
                 poisson = list(poisson(), lesions ~ bml + age),
                 gaussian = list(gaussian(), volume ~ bml + age + visit))
for (fam in names(families)) for (corstr in corstrs) for (sf in c(FALSE, TRUE)) {
  fit("visits", paste(fam, corstr, if (sf) "fixed" else "estimated", sep = "_"),
      families[[fam]][[2]], visits, "person_id", "visit", families[[fam]][[1]], corstr, sf)
}
for (corstr in corstrs[-1]) for (sf in c(FALSE, TRUE)) {
  fit("ohio", paste("binomial", corstr, if (sf) "fixed" else "estimated", sep = "_"),
      resp ~ age + smoke, ohio, "id", "wave", binomial(), corstr, sf)
}
for (corstr in corstrs[-1]) {
  fit("dietox", paste("gaussian", corstr, "estimated", sep = "_"),
      weight ~ time + cu035 + cu175, diet, "pig", "time", gaussian(), corstr, FALSE)
}
fallback$wave <- ave(fallback$person, fallback$person, FUN = seq_along)
fit("fallback", "binomial_exchangeable_estimated", y ~ x + z, fallback, "person", "wave",
    binomial(), "exchangeable", FALSE)

write.csv(do.call(rbind, coefs), "outputs/coefficients.csv", row.names = FALSE)
write.csv(do.call(rbind, params), "outputs/parameters.csv", row.names = FALSE)
write.csv(do.call(rbind, cors), "outputs/correlation.csv", row.names = FALSE)
writeLines(capture.output(sessionInfo()), "outputs/sessionInfo.txt")
