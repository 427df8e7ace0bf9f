"""Inference at the level the evidence was generated: lethal events and departments, not persons.

Persons killed in one afternoon at one place are not independent draws, and the covariates (poverty, Indigenous
share) vary by department. This package gives, for a department covariate's rate ratio:

- a model frame (`Design`): persons per (lethal event x department), population, covariate, adjusters;
- the model-based Poisson Wald interval (shown, never a headline) and its Pearson dispersion;
- quasi-Poisson (errors scaled by the Pearson dispersion, t(D - p) critical values);
- negative binomial NB2 (dispersion by maximum likelihood): likelihood-ratio test and profile-likelihood interval;
- errors clustered by event with G/(G-1) and t(G-1) critical values (normal critical values only for comparison);
- a wild cluster bootstrap of that t statistic (null imposed; Rademacher weights enumerated when G <= 14, Webb
  weights seeded otherwise), p-value and test-inversion interval;
- an exact sign-flip score test over events (all 2^G flips when G <= 16) and its test-inversion interval;
- an exact randomisation test over departments (covariate values re-placed among departments);
- the exact conditional (person-level) rate ratio of a 0/1 contrast, labelled descriptive;
- `most_conservative`: the largest defensible p-value and the widest defensible interval, and which methods.

Plus event-level evidence: lethal events in a set of departments against its population share (exact binomial
test, Clopper-Pearson interval), and an event-cluster bootstrap interval for a death share.

Scores and clustering. Given the N deaths, each person's department is a draw with probability
pi_d = mu_d / N (the multinomial that the Poisson log-linear model implies). Person i's score for the slopes is
x_d(i) - xbar (xbar = sum_d pi_d x_d); an event's score is the sum over its persons. The information is
B = sum_d mu_d (x_d - xbar)(x_d - xbar)', the same as the Poisson model's for the slopes.

Pure statistics: nothing is recorded and no prose is written here.

Modules: `design` (the frame), `models` (model-based fits and test inversion), `resampling` (sign-flip, wild
cluster, randomisation, exact conditional), `headline` (every method side by side, the most conservative),
`events` (event-level evidence). Everything public is importable from `analysis.stats.clustered`.
"""
from analysis.stats.clustered.design import (contrast_design, Design, design_from_register, event_clusters,
                                             make_design, reference_codes, REFERENCES)  # noqa: F401
from analysis.stats.clustered.models import (cluster_cov, cluster_robust, fit_poisson, invert_test, MAX_LOG_RR,
                                             MethodResult, negative_binomial, pearson_dispersion, poisson_model,
                                             quasi_poisson, restricted_fit, slope_scores)  # noqa: F401
from analysis.stats.clustered.resampling import (arrangements, department_randomisation, exact_conditional,
                                                 MAX_EXACT_ARRANGEMENTS, MAX_EXACT_SIGNS, MAX_EXACT_WILD,
                                                 p_from_null, resampling_weights, score_z, SEED, sign_flip,
                                                 sign_flip_p, sign_matrix, wild_cluster, wild_cluster_p)  # noqa: F401
from analysis.stats.clustered.headline import (as_frame, compare, Headline, most_conservative)  # noqa: F401
from analysis.stats.clustered.events import (death_share_bootstrap, event_share_test, lethal_events,
                                             UNKNOWN)  # noqa: F401
