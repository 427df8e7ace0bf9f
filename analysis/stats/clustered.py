"""Inference at the level the evidence was generated: lethal events and departments, not persons.

Persons killed in one afternoon at one place are not independent draws, and the covariates (poverty, Indigenous
share) vary by department. This module gives, for a department covariate's rate ratio:

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
"""
from dataclasses import dataclass, field
from functools import lru_cache
import itertools
import math

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis.stats.exact import binom_ci

REFERENCES = {"rest": None, "Lima": ("15",), "Lima+Callao": ("15", "07")}
MAX_EXACT_SIGNS = 16        # 2^16 = 65,536 sign vectors enumerated
MAX_EXACT_WILD = 14         # Rademacher enumeration for the wild cluster bootstrap
MAX_EXACT_ARRANGEMENTS = 200_000
SEED = 20221207
_TOL = 1e-9                 # statistics equal up to rounding count as "as extreme"
MAX_LOG_RR = 12.0           # test inversion stops here: beyond it the bound is reported as 0 or infinity
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


# ------------------------------------------------------------------------------------------------ the frame
@dataclass(frozen=True)
class Design:
    """Persons per (cluster, department) and the department covariates of one rate-ratio question.

    counts: G x D non-negative integers (row = lethal event, column = department); population: D; x: D target
    covariate; Z: D x q adjusters (q may be 0). Labels are for reporting only.
    """
    counts: np.ndarray
    population: np.ndarray
    x: np.ndarray
    Z: np.ndarray
    departments: tuple = ()
    clusters: tuple = ()
    covariate: str = "x"
    adjust: tuple = ()
    n_unknown_department: int = 0

    @property
    def y(self) -> np.ndarray:
        return self.counts.sum(axis=0).astype(float)

    @property
    def sizes(self) -> np.ndarray:
        return self.counts.sum(axis=1).astype(float)

    @property
    def G(self) -> int:
        return int(self.counts.shape[0])

    @property
    def D(self) -> int:
        return int(self.counts.shape[1])

    @property
    def N(self) -> int:
        return int(self.counts.sum())

    @property
    def offset(self) -> np.ndarray:
        return np.log(self.population)

    @property
    def X(self) -> np.ndarray:
        """Constant, target covariate, adjusters (in that order)."""
        return np.column_stack([np.ones(self.D), self.x, self.Z])

    def key(self) -> tuple:
        """Hashable content of the design: equal keys give equal results (memoise a sweep on it)."""
        return (self.counts.shape, self.counts.tobytes(), self.population.tobytes(), self.x.tobytes(),
                self.Z.tobytes())

    @property
    def binary(self) -> bool:
        return set(np.unique(self.x)) == {0.0, 1.0}


def make_design(counts, population, x, Z=None, *, departments=(), clusters=(), covariate: str = "x",
                adjust=(), n_unknown_department: int = 0) -> Design:
    """Validated Design from arrays (see Design). Refuses negative or fractional counts, a cluster without deaths,
    fewer than 2 clusters, non-positive populations and a covariate that does not vary."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2:
        raise ValueError(f"counts must be a clusters x departments matrix, got {counts.ndim} dimension(s)")
    if counts.size == 0 or counts.sum() == 0:
        raise ValueError("no deaths in scope: no lethal event to analyse")
    if (counts < 0).any():
        g, d = np.argwhere(counts < 0)[0]
        raise ValueError(f"negative count {counts[g, d]:g} (cluster {g}, department {d}): counts must be >= 0")
    if (counts != np.round(counts)).any():
        raise ValueError("counts must be whole numbers of persons")
    empty = np.flatnonzero(counts.sum(axis=1) == 0)
    if empty.size:
        raise ValueError(f"cluster {int(empty[0])} has no deaths: every lethal event holds at least one person")
    G, D = counts.shape
    if G < 2:
        raise ValueError(f"G = {G} lethal event(s): cluster-aware inference needs at least 2")
    population = np.asarray(population, dtype=float)
    x = np.asarray(x, dtype=float)
    Z = np.zeros((D, 0)) if Z is None else np.asarray(Z, dtype=float).reshape(D, -1)
    for name, arr in (("population", population), ("x", x)):
        if arr.shape != (D,):
            raise ValueError(f"{name} must have one value per department ({D}), got shape {arr.shape}")
    if not (np.isfinite(population).all() and (population > 0).all()):
        raise ValueError("population must be positive and finite for every department")
    if not (np.isfinite(x).all() and np.isfinite(Z).all()):
        raise ValueError(f"covariate {covariate!r} or an adjuster is missing (NaN) for some department")
    if np.ptp(x) == 0:
        raise ValueError(f"covariate {covariate!r} takes one value in every department: no contrast to estimate")
    if np.linalg.matrix_rank(np.column_stack([np.ones(D), x, Z])) < 2 + Z.shape[1]:
        raise ValueError("the covariate and adjusters are collinear (with the constant): the model is not identified")
    return Design(counts.astype(np.int64), population, x, Z, tuple(departments), tuple(clusters), covariate,
                  tuple(adjust), int(n_unknown_department))


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def event_clusters(persons: pd.DataFrame) -> pd.Series:
    """Lethal-event key of each person: the register's event_id; a death in no listed event is its own
    department-day event (`day:<ubigeo_dep>:<date>`, date of death or an exact date interval); with no department
    or no single date, the person is their own event (`person:<victim_id>`)."""
    date = persons["date_death"].astype("string") if "date_death" in persons else pd.Series(pd.NA, index=persons.index)
    if {"date_death_min", "date_death_max"} <= set(persons.columns):
        same = persons["date_death_min"].astype("string") == persons["date_death_max"].astype("string")
        date = date.fillna(persons["date_death_min"].astype("string").where(same.fillna(False)))
    dep = persons["ubigeo_dep"].astype("string")
    day = "day:" + dep + ":" + date
    solo = "person:" + persons["victim_id"].astype(str)
    key = persons["event_id"].astype("string").where(~_blank(persons["event_id"]))
    return key.fillna(day.where(~_blank(dep) & ~_blank(date))).fillna(solo).astype(str)


def _department_column(departments: pd.DataFrame, column: str) -> np.ndarray:
    if column not in departments.columns:
        raise KeyError(f"departments table has no column {column!r}")
    return pd.to_numeric(departments[column], errors="coerce").to_numpy(dtype=float)


def design_from_register(persons: pd.DataFrame, departments: pd.DataFrame, covariate: str, *, adjust=(),
                         population_col: str = "pop_census_2017_persons", drop_missing: bool = False) -> Design:
    """Design from the persons in scope (scope.select(...).certain) and the departments table.

    Persons with no department are in no department's count (reported as n_unknown_department). A department
    whose covariate or adjuster is missing is an error, unless drop_missing, which leaves it (and its persons) out.
    """
    deps = departments.reset_index(drop=True)
    cols = [covariate, *adjust]
    values = np.column_stack([_department_column(deps, c) for c in cols])
    pop = _department_column(deps, population_col)
    missing = ~np.isfinite(values).all(axis=1)
    if missing.any() and not drop_missing:
        names = ", ".join(deps.loc[missing, "department"].astype(str))
        raise ValueError(f"covariate(s) {cols} missing for {int(missing.sum())} department(s): {names}; "
                         "nothing is imputed (pass drop_missing=True to leave them out)")
    deps, values, pop = deps.loc[~missing].reset_index(drop=True), values[~missing], pop[~missing]
    codes = deps["ubigeo_dep"].astype(str).to_numpy()
    return _design_for_codes(persons, codes, pop, values[:, 0], values[:, 1:], covariate, tuple(adjust))


def _design_for_codes(persons, codes, pop, x, Z, covariate, adjust) -> Design:
    dep = persons["ubigeo_dep"].astype("string")
    known = ~_blank(dep)
    inside = dep.isin(list(codes)).fillna(False).to_numpy() & known.to_numpy()
    keys = event_clusters(persons).to_numpy()[inside]
    col = pd.Index(codes).get_indexer(dep.to_numpy()[inside])
    labels, row = np.unique(keys, return_inverse=True)
    counts = np.zeros((len(labels), len(codes)), dtype=np.int64)
    np.add.at(counts, (row, col), 1)
    return make_design(counts, pop, x, Z, departments=tuple(codes), clusters=tuple(labels), covariate=covariate,
                       adjust=adjust, n_unknown_department=int((~known).sum()))


def reference_codes(reference: str, group, all_codes) -> list:
    """Departments compared with `group`: "rest" (every other department, the default), "Lima" or "Lima+Callao"."""
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {list(REFERENCES)}, got {reference!r}")
    group, all_codes = set(map(str, group)), [str(c) for c in all_codes]
    codes = [c for c in all_codes if c not in group] if REFERENCES[reference] is None else list(REFERENCES[reference])
    overlap = sorted(set(codes) & group)
    if overlap:
        raise ValueError(f"reference {reference!r} overlaps the group ({overlap}): choose another reference")
    return codes


def contrast_design(persons: pd.DataFrame, departments: pd.DataFrame, group, *, reference: str = "rest",
                    within=None, population_col: str = "pop_census_2017_persons") -> Design:
    """0/1 Design: departments of `group` (x = 1) against the reference departments (x = 0); others left out.
    `within` restricts both sides (e.g. to the departments whose status is known)."""
    deps = departments.reset_index(drop=True)
    all_codes = deps["ubigeo_dep"].astype(str).tolist()
    if within is not None:
        all_codes = [c for c in all_codes if c in set(map(str, within))]
    group = [c for c in map(str, group) if c in all_codes]
    if not group:
        raise ValueError("the group holds no department of the table")
    ref = reference_codes(reference, group, all_codes)
    keep = deps["ubigeo_dep"].astype(str).isin(group + ref).to_numpy()
    sub = deps.loc[keep].reset_index(drop=True)
    codes = sub["ubigeo_dep"].astype(str).to_numpy()
    x = np.isin(codes, group).astype(float)
    return _design_for_codes(persons, codes, _department_column(sub, population_col), x, np.zeros((len(codes), 0)),
                             "group", ())


# ------------------------------------------------------------------------------------------- model fitting
def _irls(y, X, offset, weight_fn, beta=None, tol=1e-11, maxiter=200):
    """Iteratively reweighted least squares for a log-link count model; weight_fn(mu) = IRLS weights."""
    if beta is None:
        mu = (y + y.mean()) / 2
        eta = np.log(mu)
        beta = np.linalg.lstsq(X, eta - offset, rcond=None)[0]
    for _ in range(maxiter):
        eta = offset + X @ beta
        mu = np.exp(eta)
        w = weight_fn(mu)
        z = eta - offset + (y - mu) / mu
        new = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * z))
        if np.max(np.abs(new - beta)) < tol * (1 + np.max(np.abs(beta))):
            beta = new
            break
        beta = new
    else:
        raise RuntimeError("count model did not converge (a group with no deaths gives an infinite rate ratio)")
    if np.max(np.abs(beta)) > 50:
        raise RuntimeError("count model diverged (a group with no deaths gives an infinite rate ratio)")
    return beta, np.exp(offset + X @ beta)


def _poisson(y, X, offset, beta=None):
    return _irls(y, X, offset, lambda mu: mu, beta)


def _nb_llf(y, mu, a):
    r = 1.0 / a
    return float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                        + y * np.log(a * mu / (1 + a * mu)) - r * np.log1p(a * mu)))


def _negbin(y, X, offset, beta=None):
    """NB2 (var = mu + a mu^2) by maximum likelihood: IRLS for beta at fixed a, a profiled on the log scale."""
    start = _poisson(y, X, offset, beta)[0]

    def neg(log_a):
        a = math.exp(log_a)
        b, mu = _irls(y, X, offset, lambda m: m / (1 + a * m), start)
        return -_nb_llf(y, mu, a)

    opt = optimize.minimize_scalar(neg, bounds=(-18.0, 7.0), method="bounded", options={"xatol": 1e-9})
    a = math.exp(opt.x)
    b, mu = _irls(y, X, offset, lambda m: m / (1 + a * m), start)
    return b, mu, a, _nb_llf(y, mu, a)


def _slopes(d: Design, mu):
    """Centred slope columns Xc (D x k), information B (k x k) and event scores s (G x k) at fitted means mu."""
    Xs = d.X[:, 1:]
    pi = mu / mu.sum()
    Xc = Xs - pi @ Xs
    B = Xc.T @ (mu[:, None] * Xc)
    return Xc, B, d.counts @ Xc


def _restricted(d: Design, b0: float):
    """Poisson fit with the target coefficient fixed at b0 (the constant and adjusters free)."""
    Xr = np.column_stack([np.ones(d.D), d.Z])
    return _poisson(d.y, Xr, d.offset + b0 * d.x)[1]


# ------------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class MethodResult:
    """One method's answer for the rate ratio exp(b) of the design's covariate (per unit of it)."""
    method: str
    label: str
    level: str            # person, department or event: the unit treated as independent
    estimate: float
    low: float
    high: float
    p_value: float
    defensible: bool      # may be a headline (cluster-aware or department-level, small-sample valid)
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"method": self.method, "label": self.label, "level": self.level, "estimate": self.estimate,
                "low": self.low, "high": self.high, "p_value": self.p_value, "defensible": self.defensible,
                **self.details}


def pearson_dispersion(d: Design) -> float:
    """Pearson chi-square / residual df of the Poisson model (1 = Poisson variance)."""
    beta, mu = _poisson(d.y, d.X, d.offset)
    df = d.D - d.X.shape[1]
    return float(np.sum((d.y - mu) ** 2 / mu) / df) if df > 0 else math.nan


def _wald(method, label, level, b, se, crit_dist, defensible, **details) -> MethodResult:
    q = crit_dist.ppf(0.975 if "alpha" not in details else 1 - details["alpha"] / 2)
    p = float(2 * crit_dist.sf(abs(b / se)))
    details.pop("alpha", None)
    return MethodResult(method, label, level, float(np.exp(b)), float(np.exp(b - q * se)), float(np.exp(b + q * se)),
                        p, defensible, details)


def poisson_model(d: Design, alpha: float = 0.05) -> MethodResult:
    """Model-based Poisson Wald interval: every person an independent draw. Never a headline."""
    beta, mu = _poisson(d.y, d.X, d.offset)
    cov = np.linalg.inv(d.X.T @ (mu[:, None] * d.X))
    return _wald("poisson_model", "Poisson, model-based errors", "person", beta[1], math.sqrt(cov[1, 1]),
                 stats.norm, False, alpha=alpha, dispersion=pearson_dispersion(d))


def quasi_poisson(d: Design, alpha: float = 0.05) -> MethodResult:
    """Poisson estimate, errors scaled by the Pearson dispersion, t(D - p) critical values."""
    beta, mu = _poisson(d.y, d.X, d.offset)
    df = d.D - d.X.shape[1]
    if df < 1:
        raise ValueError("quasi-Poisson needs more departments than parameters")
    phi = float(np.sum((d.y - mu) ** 2 / mu) / df)
    cov = np.linalg.inv(d.X.T @ (mu[:, None] * d.X)) * phi
    return _wald("quasi_poisson", f"quasi-Poisson (Pearson scale), t({df})", "department", beta[1],
                 math.sqrt(cov[1, 1]), stats.t(df), True, alpha=alpha, dispersion=phi, df=df)


def _cluster_cov(d: Design, mu):
    Xc, B, s = _slopes(d, mu)
    Binv = np.linalg.inv(B)
    return Binv @ (s.T @ s) @ Binv * d.G / (d.G - 1), B, s


def cluster_robust(d: Design, alpha: float = 0.05, critical: str = "t") -> MethodResult:
    """Errors clustered by lethal event (CR1: times G/(G-1)); critical values t(G-1), or normal ('normal', shown
    only to make the anti-conservative version visible: never a headline)."""
    beta, mu = _poisson(d.y, d.X, d.offset)
    cov, _, _ = _cluster_cov(d, mu)
    se = math.sqrt(cov[0, 0])
    if critical == "t":
        return _wald("cluster_t", f"clustered by event, t({d.G - 1})", "event", beta[1], se, stats.t(d.G - 1), True,
                     alpha=alpha, clusters=d.G)
    if critical == "normal":
        return _wald("cluster_normal", "clustered by event, normal critical values", "event", beta[1], se,
                     stats.norm, False, alpha=alpha, clusters=d.G)
    raise ValueError(f"critical must be 't' or 'normal', got {critical!r}")


def negative_binomial(d: Design, alpha: float = 0.05, interval: bool = True) -> MethodResult:
    """NB2 with the dispersion a estimated: likelihood-ratio test of b = 0 and profile-likelihood interval."""
    beta, mu, a, llf = _negbin(d.y, d.X, d.offset)
    Xr = np.column_stack([np.ones(d.D), d.Z])

    def lr_p(b0):
        llf0 = _negbin(d.y, Xr, d.offset + b0 * d.x)[3]
        return float(stats.chi2.sf(max(2 * (llf - llf0), 0.0), 1))

    p = lr_p(0.0)
    low, high = invert_test(lr_p, beta[1], 0.5, alpha) if interval else (math.nan, math.nan)
    return MethodResult("negbin_lr", "negative binomial (NB2), likelihood ratio", "department", float(np.exp(beta[1])),
                        low, high, p, True, {"nb_alpha": a, "llf": llf})


# ------------------------------------------------------------------------------------- resampling tests
@lru_cache(maxsize=8)
def sign_matrix(G: int) -> np.ndarray:
    """All 2^G vectors of +-1 (rows), first row all +1; cached per G (read-only)."""
    if G > 22:
        raise ValueError(f"2^{G} sign vectors are too many to enumerate")
    bits = (np.arange(2 ** G)[:, None] >> np.arange(G)[None, :]) & 1
    out = 1.0 - 2.0 * bits
    out.setflags(write=False)
    return out


def resampling_weights(G: int, exact_max: int, kind: str, n_draws: int, seed: int):
    """(matrix of weights, exact?) Rademacher enumeration when G <= exact_max, else seeded draws."""
    if G <= exact_max:
        return sign_matrix(G), True
    rng = np.random.default_rng(seed)
    if kind == "webb":
        return rng.choice(_WEBB, size=(n_draws, G)), False
    return rng.choice(np.array([-1.0, 1.0]), size=(n_draws, G)), False


def p_from_null(null, observed, exact) -> float:
    """Share of the null statistics at least as extreme as `observed` (up to rounding); with random draws the
    observed statistic counts as one of them ((1 + hits) / (1 + draws))."""
    hits = int(np.sum(null >= observed - _TOL * max(1.0, abs(observed))))
    return hits / null.size if exact else (1 + hits) / (1 + null.size)


def _efficient_scores(d: Design, b0: float) -> np.ndarray:
    """Event scores for the target coefficient at b = b0, with the adjusters' scores projected out."""
    mu = _restricted(d, b0)
    _, B, s = _slopes(d, mu)
    if B.shape[0] == 1:
        return s[:, 0]
    gamma = np.linalg.solve(B[1:, 1:], B[1:, 0])
    return s[:, 0] - s[:, 1:] @ gamma


def sign_flip_p(d: Design, b0: float = 0.0, *, n_draws: int = 99_999, seed: int = SEED,
                max_exact: int = MAX_EXACT_SIGNS) -> tuple[float, bool]:
    """(two-sided p, exact?) of the score test of b = b0: |sum_g e_g| against |sum_g eps_g e_g| over sign flips.

    The fast path the multiverse calls: one restricted Poisson fit and one product with the cached sign matrix.
    """
    e = _efficient_scores(d, b0)
    W, exact = resampling_weights(d.G, max_exact, "rademacher", n_draws, seed)
    return p_from_null(np.abs(W @ e), abs(float(e.sum())), exact), exact


def sign_flip(d: Design, alpha: float = 0.05, interval: bool = True, **kw) -> MethodResult:
    """Exact sign-flip score test over lethal events (valid when event scores are symmetric under the null), and
    the interval of b0 it does not reject."""
    p, exact = sign_flip_p(d, 0.0, **kw)
    beta, mu = _poisson(d.y, d.X, d.offset)
    low, high = invert_test(lambda b: sign_flip_p(d, b, **kw)[0], beta[1], 0.5, alpha) if interval else (math.nan,) * 2
    how = f"all {2 ** d.G:,} sign flips" if exact else f"{kw.get('n_draws', 99_999):,} random flips"
    return MethodResult("sign_flip", f"sign-flip score test by event ({how})", "event", float(np.exp(beta[1])),
                        low, high, p, True, {"clusters": d.G, "exact": exact})


def wild_cluster_p(d: Design, b0: float = 0.0, *, n_draws: int = 9_999, seed: int = SEED,
                   max_exact: int = MAX_EXACT_WILD) -> tuple[float, bool]:
    """(two-sided p, exact?) of the wild cluster bootstrap of the CR1 t statistic, null b = b0 imposed.

    Linearised for the count model: from the restricted fit, a draw with event weights w moves the estimate by
    B^-1 S* (S* = sum_g w_g s_g) and each event's score becomes w_g s_g - (m_g / N) S*; t* is the target
    coordinate over its CR1 error. Rademacher weights enumerated when G <= max_exact, else seeded Webb weights.
    """
    beta, mu = _poisson(d.y, d.X, d.offset)
    cov, _, _ = _cluster_cov(d, mu)
    t_obs = abs((beta[1] - b0) / math.sqrt(cov[0, 0]))
    _, B, s = _slopes(d, _restricted(d, b0))
    c = s @ np.linalg.inv(B)[:, 0]
    W, exact = resampling_weights(d.G, max_exact, "webb", n_draws, seed)
    delta = W @ c
    q = W * c - np.outer(delta, d.sizes / d.N)
    se = np.sqrt(np.sum(q * q, axis=1) * d.G / (d.G - 1))
    t_star = np.abs(np.divide(delta, se, out=np.zeros_like(delta), where=se > 0))
    return p_from_null(t_star, t_obs, exact), exact


def wild_cluster(d: Design, alpha: float = 0.05, interval: bool = True, **kw) -> MethodResult:
    """Wild cluster bootstrap (restricted) p-value and the interval of b0 it does not reject."""
    p, exact = wild_cluster_p(d, 0.0, **kw)
    beta, mu = _poisson(d.y, d.X, d.offset)
    low, high = (invert_test(lambda b: wild_cluster_p(d, b, **kw)[0], beta[1], 0.5, alpha) if interval
                 else (math.nan,) * 2)
    how = f"Rademacher, all {2 ** d.G:,}" if exact else f"Webb, {kw.get('n_draws', 9_999):,} draws"
    return MethodResult("wild_cluster", f"wild cluster bootstrap by event ({how})", "event", float(np.exp(beta[1])),
                        low, high, p, True, {"clusters": d.G, "exact": exact})


def invert_test(pfun, center: float, step: float, alpha: float, tol: float = 1e-6) -> tuple[float, float]:
    """exp of the outermost crossings of p(b) = alpha on each side of `center` found by stepping out and bisecting
    ({b : p(b) > alpha}); beyond |b| = 12 the bound is 0 or infinity."""
    bounds = []
    for side in (-1.0, 1.0):
        inner, outer, s = center, None, step
        while abs(center + side * s) <= MAX_LOG_RR:
            b = center + side * s
            if pfun(b) <= alpha:
                outer = b
                break
            inner, s = b, s * 2
        if outer is None:
            bounds.append(0.0 if side < 0 else math.inf)
            continue
        while abs(outer - inner) > tol:
            mid = (inner + outer) / 2
            if pfun(mid) > alpha:
                inner = mid
            else:
                outer = mid
        bounds.append(float(np.exp((inner + outer) / 2)))
    return bounds[0], bounds[1]


def arrangements(x: np.ndarray, max_exact: int, n_draws: int, seed: int):
    """(matrix of re-placements of x among the departments, exact?) every distinct one when few enough."""
    values, counts = np.unique(x, return_counts=True)
    total = math.factorial(len(x))
    for c in counts:
        total //= math.factorial(int(c))
    if total > max_exact:
        rng = np.random.default_rng(seed)
        return rng.permuted(np.tile(x, (n_draws, 1)), axis=1), False, total
    rows = []
    D = len(x)

    def place(free, k, row):
        if k == len(values) - 1:
            row = row.copy()
            row[list(free)] = values[k]
            rows.append(row)
            return
        for idx in itertools.combinations(free, int(counts[k])):
            nxt = row.copy()
            nxt[list(idx)] = values[k]
            place([i for i in free if i not in idx], k + 1, nxt)

    place(list(range(D)), 0, np.zeros(D))
    return np.array(rows), True, total


def score_z(y, expected, Xp):
    """Standardised Poisson score of each row of Xp (arrangements x D) under the constant-rate null."""
    N = expected.sum()
    xbar = Xp @ expected / N
    u = Xp @ y - N * xbar
    var = (Xp ** 2) @ expected - N * xbar ** 2
    return np.divide(u, np.sqrt(var), out=np.zeros_like(u), where=var > 0)


def department_randomisation(d: Design, *, n_draws: int = 99_999, seed: int = SEED,
                             max_exact: int = MAX_EXACT_ARRANGEMENTS) -> MethodResult:
    """Exact randomisation test over departments: the covariate values re-placed among the departments (every
    distinct arrangement when few enough, else seeded draws); statistic = |standardised Poisson score|.
    Unadjusted only: with adjusters a re-placement would break their relation to the covariate."""
    if d.Z.shape[1]:
        raise ValueError("the department randomisation test is for an unadjusted covariate (no adjusters)")
    expected = d.N * d.population / d.population.sum()
    Xp, exact, total = arrangements(d.x, max_exact, n_draws, seed)
    null = np.abs(score_z(d.y, expected, Xp))
    obs = abs(float(score_z(d.y, expected, d.x[None, :])[0]))
    beta, _ = _poisson(d.y, d.X, d.offset)
    how = f"all {total:,} arrangements" if exact else f"{n_draws:,} random arrangements of {total:,}"
    return MethodResult("randomisation_departments", f"randomisation over departments ({how})", "department",
                        float(np.exp(beta[1])), math.nan, math.nan, p_from_null(null, obs, exact), True,
                        {"arrangements": total, "exact": exact})


def exact_conditional(d: Design, alpha: float = 0.05) -> MethodResult:
    """Person-level exact conditional rate ratio of a 0/1 contrast (binomial given the total; Clopper-Pearson
    mapped to the rate-ratio scale). Descriptive: it treats persons as independent."""
    if not d.binary or d.Z.shape[1]:
        raise ValueError("the exact conditional rate ratio needs a 0/1 covariate and no adjusters")
    g = d.x == 1
    k1, k0 = int(d.y[g].sum()), int(d.y[~g].sum())
    p1, p0 = float(d.population[g].sum()), float(d.population[~g].sum())
    n = k1 + k0
    lo, hi = binom_ci(k1, n, alpha)
    odds = lambda p: math.inf if p >= 1 else p / (1 - p)  # noqa: E731
    p = float(stats.binomtest(k1, n, p1 / (p1 + p0)).pvalue)
    return MethodResult("exact_conditional", "exact conditional, persons", "person", odds(k1 / n) * p0 / p1,
                        odds(lo) * p0 / p1, odds(hi) * p0 / p1, p, False,
                        {"deaths_group": k1, "deaths_reference": k0})


# ------------------------------------------------------------------------------------------- side by side
def compare(d: Design, alpha: float = 0.05, *, interval: bool = True, seed: int = SEED,
            n_draws: int = 99_999) -> list[MethodResult]:
    """Every method on one design, the non-headline ones (person-level, normal critical values) included."""
    out = [poisson_model(d, alpha), quasi_poisson(d, alpha), negative_binomial(d, alpha, interval),
           cluster_robust(d, alpha, "normal"), cluster_robust(d, alpha, "t"),
           wild_cluster(d, alpha, interval, seed=seed, n_draws=min(n_draws, 9_999)),
           sign_flip(d, alpha, interval, seed=seed, n_draws=n_draws)]
    if not d.Z.shape[1]:
        out.append(department_randomisation(d, seed=seed, n_draws=n_draws))
        if d.binary:
            out.append(exact_conditional(d, alpha))
    return out


def as_frame(results) -> pd.DataFrame:
    return pd.DataFrame([r.as_dict() for r in results])


@dataclass(frozen=True)
class Headline:
    """The most conservative defensible answer: the largest p-value and the widest interval, with their methods."""
    p_value: float
    p_method: str
    estimate: float
    low: float
    high: float
    interval_method: str
    considered: tuple


def _log_width(r: MethodResult) -> float:
    if math.isnan(r.low) or math.isnan(r.high):
        return -math.inf
    if r.low <= 0 or math.isinf(r.high):
        return math.inf
    return math.log(r.high) - math.log(r.low)


def most_conservative(results) -> Headline:
    """Largest p-value (ties: the wider interval) and widest interval (log scale) among the defensible results.
    Person-level and normal-critical-value results are never chosen."""
    ok = [r for r in results if r.defensible and np.isfinite(r.p_value)]
    if not ok:
        raise ValueError("no defensible result to choose from")
    p_best = max(ok, key=lambda r: (r.p_value, _log_width(r)))
    with_ci = [r for r in ok if not (math.isnan(r.low) or math.isnan(r.high))]
    wide = max(with_ci, key=_log_width) if with_ci else p_best
    return Headline(p_best.p_value, p_best.method, p_best.estimate, wide.low, wide.high, wide.method,
                    tuple(r.method for r in ok))


# -------------------------------------------------------------------------------------- event-level evidence
def lethal_events(persons: pd.DataFrame) -> pd.DataFrame:
    """One row per lethal event (event_clusters): deaths, its department (the one holding most of its persons with a
    known department; ties by code; NA when none is known), and how many departments its persons span."""
    key = event_clusters(persons)
    dep = persons["ubigeo_dep"].astype("string").where(~_blank(persons["ubigeo_dep"]))
    frame = pd.DataFrame({"event": key.to_numpy(), "ubigeo_dep": dep.to_numpy()})
    rows = []
    for event, grp in frame.groupby("event", sort=True):
        known = grp["ubigeo_dep"].dropna()
        top = known.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        rows.append({"event": event, "deaths": len(grp), "ubigeo_dep": top.index[0] if len(top) else pd.NA,
                     "n_departments": int(known.nunique()),
                     "kind": event.split(":")[0] if ":" in event else "event"})
    return pd.DataFrame(rows, columns=["event", "deaths", "ubigeo_dep", "n_departments", "kind"])


UNKNOWN = ("outside", "inside", "drop")


def event_share_test(events: pd.DataFrame, group, population: pd.Series, *, within=None,
                     unknown: str = "outside", alternative: str = "two-sided", alpha: float = 0.05) -> dict:
    """Lethal events in the `group` departments against the group's population share: exact binomial test and
    Clopper-Pearson interval of the event share. population: indexed by department code. within: departments
    considered (default all of `population`); events elsewhere are left out. Events with no known department are
    counted outside the group (default), inside it, or dropped."""
    if unknown not in UNKNOWN:
        raise ValueError(f"unknown must be one of {UNKNOWN}, got {unknown!r}")
    if len(events) == 0:
        raise ValueError("no lethal events in scope")
    if (events["deaths"] < 0).any():
        raise ValueError("an event has a negative number of deaths")
    pop = population.copy()
    pop.index = pop.index.astype(str)
    if within is not None:
        pop = pop[pop.index.isin(list(map(str, within)))]
    if (pop <= 0).any() or pop.isna().any():
        raise ValueError("population must be positive for every department considered")
    group = set(map(str, group)) & set(pop.index)
    dep = events["ubigeo_dep"].astype("string")
    no_dep = int(dep.isna().sum())
    placed = dep.notna() & dep.isin(list(pop.index))
    k = int((placed & dep.isin(list(group))).sum()) + (no_dep if unknown == "inside" else 0)
    n = int(placed.sum()) + (0 if unknown == "drop" else no_dep)
    if n == 0:
        raise ValueError("no lethal event falls in the departments considered")
    share = float(pop[list(group)].sum() / pop.sum())
    lo, hi = binom_ci(k, n, alpha)
    return {"events_group": k, "events_total": n, "event_share": k / n, "event_share_low": lo,
            "event_share_high": hi, "population_share": share,
            "p_value": float(stats.binomtest(k, n, share, alternative=alternative).pvalue),
            "alternative": alternative, "events_no_department": no_dep, "unknown": unknown,
            "method": "exact binomial test on lethal events; Clopper-Pearson interval"}


def death_share_bootstrap(persons: pd.DataFrame, group, *, within=None, unknown: str = "outside",
                          n_boot: int = 10_000, seed: int = SEED, alpha: float = 0.05) -> dict:
    """Share of the persons in scope who died in the `group` departments, with a percentile interval from
    resampling lethal events (event_clusters) with replacement, seeded. within/unknown as in event_share_test."""
    if unknown not in UNKNOWN:
        raise ValueError(f"unknown must be one of {UNKNOWN}, got {unknown!r}")
    if len(persons) == 0:
        raise ValueError("no persons in scope")
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    dep = persons["ubigeo_dep"].astype("string").where(~_blank(persons["ubigeo_dep"]))
    keep = dep.isna() | (dep.isin(list(map(str, within))) if within is not None else True)
    keep &= ~dep.isna() | (unknown != "drop")
    p, dep = persons[keep.fillna(False).to_numpy()], dep[keep.fillna(False).to_numpy()]
    inside = dep.isin(list(map(str, group))).fillna(unknown == "inside").to_numpy()
    keys = event_clusters(p).to_numpy()
    labels, idx = np.unique(keys, return_inverse=True)
    m = np.bincount(idx, minlength=len(labels)).astype(float)
    m_in = np.bincount(idx, weights=inside.astype(float), minlength=len(labels))
    G = len(labels)
    if G < 2:
        raise ValueError(f"G = {G} lethal event(s): an event bootstrap needs at least 2")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(G, np.full(G, 1.0 / G), size=n_boot)
    boot = (draws @ m_in) / (draws @ m)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return {"deaths_group": int(m_in.sum()), "deaths_total": int(m.sum()), "death_share": float(m_in.sum() / m.sum()),
            "death_share_low": float(lo), "death_share_high": float(hi), "events": G, "n_boot": n_boot, "seed": seed,
            "method": "event-cluster bootstrap (lethal events resampled with replacement), percentile interval"}
