"""The inference methods of the `model` dimension on one 0/1 design (method_result), and the naive person-level
reference.

For 0/1 contrasts the sign-flip and wild-bootstrap p-values reduce to event sums in closed form (Binary, SignFlip,
WildCluster: the same statistics as clustered.sign_flip_p and clustered.wild_cluster_p, checked against them in the
tests); the sign and weight matrices and the department arrangements are generated once per process and reused
across specifications. The negative binomial solves each group's rate directly (NegBin), as clustered computes it.
"""
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, special, stats

from analysis.stats import clustered as C
from analysis.stats.exact import binom_ci
from analysis.tasks.robustness.grid import ALPHA, MODELS, NAIVE


@lru_cache(maxsize=None)
def _weights(G: int, max_exact: int, kind: str, n_draws: int, seed: int):
    """clustered.resampling_weights, generated once per process and shared by every specification with G events.
    Seeded draws for G events are the first n_draws x G draws of one stream (the generator fills the matrix row by
    row; checked in the tests), so one stream per kind serves every G: each worker draws it once, not once per G."""
    if G <= max_exact:
        W, exact = C.resampling_weights(G, max_exact, kind, n_draws, seed)
    else:
        W, exact = _draw_stream(kind, n_draws, seed, G)[:n_draws * G].reshape(n_draws, G), False
    W = np.asarray(W)
    W.setflags(write=False)
    return W, exact


_STREAMS: dict = {}


def _draw_stream(kind: str, n_draws: int, seed: int, G: int) -> np.ndarray:
    """At least n_draws x G seeded draws of clustered.resampling_weights (drawn again, longer, when a larger G
    asks)."""
    stream = _STREAMS.get((kind, n_draws, seed))
    if stream is None or stream.size < n_draws * G:
        # at least 32 events' worth, more than the grid's selections have: each worker draws it once
        stream = np.asarray(C.resampling_weights(max(G, 32), 0, kind, n_draws, seed)[0]).ravel()
        stream.setflags(write=False)
        _STREAMS[(kind, n_draws, seed)] = stream
    return stream


@lru_cache(maxsize=64)
def _arrangements(x_bytes: bytes, n_draws: int, seed: int):
    """clustered.arrangements of a 0/1 covariate (passed as bytes, to be hashable), once per process."""
    x = np.frombuffer(x_bytes, dtype=float)
    Xp, exact, total = C.arrangements(x, C.MAX_EXACT_ARRANGEMENTS, n_draws, seed)
    Xp.setflags(write=False)
    return Xp, exact, total


@dataclass(frozen=True)
class Binary:
    """A 0/1 contrast summarised by events: m (deaths per event), m1 (of them in the group), group and reference
    populations. Every Poisson-score statistic of the design depends only on these."""
    m: np.ndarray
    m1: np.ndarray
    P1: float
    P0: float

    @classmethod
    def of(cls, d: C.Design) -> "Binary":
        g = d.x == 1
        return cls(d.sizes, d.counts[:, g].sum(axis=1).astype(float), float(d.population[g].sum()),
                   float(d.population[~g].sum()))

    @property
    def N(self) -> float:
        return float(self.m.sum())

    @property
    def k1(self) -> float:
        return float(self.m1.sum())

    @property
    def G(self) -> int:
        return len(self.m)

    @property
    def log_rr(self) -> float:
        k1, k0 = self.k1, self.N - self.k1
        if k1 == 0:
            return -math.inf
        if k0 == 0:
            return math.inf
        return math.log(k1 / self.P1) - math.log(k0 / self.P0)

    def pi1(self, b0: float) -> float:
        """Expected share of the deaths in the group when the log rate ratio is b0 (the restricted Poisson fit)."""
        return float(special.expit(b0 + math.log(self.P1 / self.P0)))


class SignFlip:
    """clustered.sign_flip_p for a 0/1 contrast. The event scores at b0 are e_g = m1_g - pi1(b0) m_g, so the
    statistic of every sign vector eps is |eps.m1 - pi1(b0) eps.m|: the two products with the (cached) sign matrix
    are taken once per design. They are whole numbers, and few distinct pairs (eps.m1, eps.m) occur among the
    (up to 99,999) sign vectors: each is kept once with its count, so each b0 of the test inversion costs a pass
    over a few hundred pairs, not over every sign vector (the same statistics and counts: the same p-value)."""

    def __init__(self, b: Binary, n_draws: int = 99_999, seed: int = C.SEED, max_exact: int = C.MAX_EXACT_SIGNS):
        self.b = b
        W, self.exact = _weights(b.G, max_exact, "rademacher", n_draws, seed)
        # one pass over W for both products (it is large, and two workers share the memory bandwidth); the sums
        # are of whole numbers, exact in any order, so equal to two separate products
        Wm1, Wm = np.vstack([b.m1, b.m]).astype(float) @ W.T
        self.Wm1, self.Wm, self.count = _distinct_pairs(Wm1, Wm)

    def p(self, b0: float = 0.0) -> float:
        pi = self.b.pi1(b0)
        observed = abs(float(self.b.k1 - pi * self.b.N))
        return C.p_from_null(np.abs(self.Wm1 - pi * self.Wm), observed, self.exact, self.count)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple:
    """(a', b', count): each distinct pair (a_r, b_r) once, with how many rows hold it. For whole numbers (as
    floats) by counting codes in one pass; anything else is returned as is, each row counted once."""
    ia, ib = a.astype(np.int64), b.astype(np.int64)
    if not (len(a) and np.array_equal(ia, a) and np.array_equal(ib, b)):
        return a, b, np.ones(len(a), dtype=np.int64)
    lo_a, lo_b = int(ia.min()), int(ib.min())
    width = int(ib.max()) - lo_b + 1
    count = np.bincount((ia - lo_a) * width + (ib - lo_b))
    code = np.flatnonzero(count)
    return (code // width + lo_a).astype(float), (code % width + lo_b).astype(float), count[code]


def sign_flip_p(b: Binary, b0: float = 0.0, **kw) -> tuple[float, bool]:
    """(two-sided p, enumerated?) of the sign-flip score test of log RR = b0 (as clustered.sign_flip_p)."""
    sf = SignFlip(b, **kw)
    return sf.p(b0), sf.exact


def _cluster_var(b: Binary) -> float:
    """CR1 variance of the log rate ratio at the fit: sum_g s_g^2 / B^2 x G/(G-1)."""
    pi = b.k1 / b.N
    s = b.m1 - pi * b.m
    B = b.N * pi * (1 - pi)
    return float(s @ s) / B ** 2 * b.G / (b.G - 1)


class WildCluster:
    """clustered.wild_cluster_p for a 0/1 contrast (restricted wild cluster bootstrap of the CR1 t statistic).

    With c_g = (m1_g - pi0 m_g) / B0 (pi0 = pi1(b0), B0 = N pi0 (1 - pi0)), a weight vector w gives
    delta = w.c and a squared error sum_g (w_g c_g - delta m_g / N)^2; both expand into products of the (cached)
    weight matrix with fixed event vectors, taken once per design."""

    def __init__(self, b: Binary, n_draws: int = 9_999, seed: int = C.SEED, max_exact: int = C.MAX_EXACT_WILD):
        self.b = b
        W, self.exact = _weights(b.G, max_exact, "webb", n_draws, seed)
        m, m1 = b.m, b.m1
        self.W_m1, self.W_m, self.W_m1m, self.W_mm = W @ m1, W @ m, W @ (m1 * m), W @ (m * m)
        W2 = W * W
        self.W2_m1m1, self.W2_m1m, self.W2_mm = W2 @ (m1 * m1), W2 @ (m1 * m), W2 @ (m * m)
        self.M2 = float(m @ m)
        self.se_fit = math.sqrt(_cluster_var(b)) if np.isfinite(b.log_rr) else math.nan

    def p(self, b0: float = 0.0) -> float:
        b, N, G = self.b, self.b.N, self.b.G
        t_obs = abs((b.log_rr - b0) / self.se_fit)
        pi = b.pi1(b0)
        B0 = N * pi * (1 - pi)
        delta = (self.W_m1 - pi * self.W_m) / B0
        sum_wc2 = (self.W2_m1m1 - 2 * pi * self.W2_m1m + pi * pi * self.W2_mm) / B0 ** 2
        sum_wcm = (self.W_m1m - pi * self.W_mm) / B0
        ss = sum_wc2 - 2 * (delta / N) * sum_wcm + (delta / N) ** 2 * self.M2
        ss = np.where(ss > 1e-12 * np.max(np.abs(sum_wc2)), ss, 0.0)
        se = np.sqrt(ss * G / (G - 1))
        t_star = np.abs(np.divide(delta, se, out=np.zeros_like(delta), where=se > 0))
        return C.p_from_null(t_star, t_obs, self.exact)


def wild_cluster_p(b: Binary, b0: float = 0.0, **kw) -> tuple[float, bool]:
    """(two-sided p, enumerated?) of the wild cluster bootstrap test of log RR = b0 (as clustered.wild_cluster_p)."""
    w = WildCluster(b, **kw)
    return w.p(b0), w.exact


@lru_cache(maxsize=64)
def _subsets(D: int, k: int) -> np.ndarray:
    """Every k-subset of range(D) as rows, in the lexicographic order of itertools.combinations, generated once
    per process (every worker makes its own: built block-wise in numpy, not tuple by tuple)."""
    memo = {}

    def block(n, j):  # the j-subsets of range(n): first element i, then a (j-1)-subset of range(i + 1, n)
        if j == 0 or n < j:
            return np.zeros((1 if j == 0 else 0, j), dtype=np.intp)
        if (n, j) not in memo:
            parts = []
            for i in range(n - j + 1):
                tail = block(n - i - 1, j - 1) + (i + 1)
                parts.append(np.column_stack([np.full(len(tail), i, dtype=np.intp), tail]))
            memo[(n, j)] = np.concatenate(parts)
        return memo[(n, j)]

    out = block(D, k)
    out.setflags(write=False)
    return out


def randomisation_p(d: C.Design, n_draws: int = 99_999, seed: int = C.SEED) -> tuple[float, bool]:
    """clustered.department_randomisation's p-value for a 0/1 covariate. Exact case: the score of each arrangement
    depends only on the deaths and expected deaths of the departments labelled 1, so the arrangements are the
    k-subsets of the smaller side (generated once per (D, k)); otherwise the same seeded draws as clustered."""
    expected = d.N * d.population / d.population.sum()
    obs = abs(float(C.score_z(d.y, expected, d.x[None, :])[0]))
    ones = int(d.x.sum())
    k = min(ones, d.D - ones)
    if math.comb(d.D, k) > C.MAX_EXACT_ARRANGEMENTS:
        Xp, exact, _ = _arrangements(np.ascontiguousarray(d.x, dtype=float).tobytes(), n_draws, seed)
        return C.p_from_null(np.abs(C.score_z(d.y, expected, Xp)), obs, exact), exact
    idx = _subsets(d.D, k)
    Y, Ex = d.y[idx].sum(axis=1), expected[idx].sum(axis=1)
    if k != ones:  # the subsets are the departments labelled 0: the group is their complement
        Y, Ex = d.y.sum() - Y, expected.sum() - Ex
    N = expected.sum()
    u, var = Y - Ex, Ex - Ex ** 2 / N
    z = np.divide(u, np.sqrt(np.maximum(var, 0)), out=np.zeros_like(u), where=var > 0)
    return C.p_from_null(np.abs(z), obs, True), True


class NegBin:
    """Negative binomial (NB2, var = mu + a mu^2) fits of a 0/1 contrast, as clustered.negative_binomial computes
    them (the dispersion profiled on the log scale over (-18, 7) by the same bounded scalar search, the same
    log-likelihood), with the rates solved per group: at fixed a, each group's rate solves
    sum (y - mu) / (1 + a mu) = 0 (Newton on its log, warm-started). Used for the likelihood-ratio test and the
    profile-likelihood interval."""

    def __init__(self, d: C.Design):
        self.y, self.pop, self.x = d.y, d.population, d.x
        self.full = self._fit(self.pop, (d.x == 1).astype(np.intp), 2)

    def _fit(self, o, gidx, ngroups):
        y = self.y
        tot_y = np.bincount(gidx, weights=y, minlength=ngroups)
        tot_o = np.bincount(gidx, weights=o, minlength=ngroups)
        state = {"c": np.log(tot_y / tot_o)}
        lgy1 = float(special.gammaln(y + 1).sum())
        masks = [gidx == g for g in range(ngroups)]

        def rates(a):
            c = state["c"].copy()
            ay = 1.0 + a * y
            for _ in range(100):
                mu = o * np.exp(c[gidx]) if ngroups > 1 else o * math.exp(c[0])
                w = 1.0 + a * mu
                r1 = (y - mu) / w
                r2 = mu * ay / (w * w)
                if ngroups == 1:
                    step = np.array([r1.sum() / r2.sum()])
                else:
                    step = np.array([r1[m].sum() / r2[m].sum() for m in masks])
                big = float(np.abs(step).max())
                if big > 5.0:
                    step *= 5.0 / big
                c += step
                if big < 1e-12:
                    break
            state["c"] = c
            return c, (o * np.exp(c[gidx]) if ngroups > 1 else o * math.exp(c[0]))

        def llf(mu, a):
            r = 1.0 / a
            am = a * mu
            return float(special.gammaln(y + r).sum() - len(y) * special.gammaln(r) - lgy1
                         + (y * np.log(am / (1 + am))).sum() - r * np.log1p(am).sum())

        def neg(log_a):
            a = math.exp(log_a)
            return -llf(rates(a)[1], a)

        opt = optimize.minimize_scalar(neg, bounds=(-18.0, 7.0), method="bounded", options={"xatol": 1e-9})
        a = math.exp(opt.x)
        c, mu = rates(a)
        return c, a, llf(mu, a)

    @property
    def estimate(self) -> float:
        c = self.full[0]
        return float(math.exp(c[1] - c[0]))

    def lr(self, b0: float) -> float:
        """Likelihood-ratio statistic of log RR = b0."""
        restricted = self._fit(self.pop * np.exp(b0 * self.x), np.zeros(len(self.y), dtype=np.intp), 1)
        return max(2 * (self.full[2] - restricted[2]), 0.0)


def _negbin_lr(d: C.Design, alpha: float, interval: bool) -> dict:
    """Negative binomial: likelihood-ratio p of b = 0 and the profile-likelihood interval (the b0 the LR test does
    not reject), each end found by Brent's method on LR(b0) - chi2_1(1 - alpha)."""
    nb = NegBin(d)
    centre = math.log(nb.estimate)
    out = {"estimate": nb.estimate, "p": float(stats.chi2.sf(nb.lr(0.0), 1)), "low": math.nan, "high": math.nan}
    if interval:
        crit = float(stats.chi2.ppf(1 - alpha, 1))
        ends = []
        for side in (-1.0, 1.0):
            inner, step, end = centre, 0.5, None
            while abs(centre + side * step) <= C.MAX_LOG_RR:
                outer = centre + side * step
                if nb.lr(outer) >= crit:
                    end = optimize.brentq(lambda b0: nb.lr(b0) - crit, min(inner, outer), max(inner, outer),
                                          xtol=1e-7)
                    break
                inner, step = outer, step * 2
            ends.append((0.0 if side < 0 else math.inf) if end is None else float(np.exp(end)))
        out["low"], out["high"] = ends
    return out


def event_binomial(d: C.Design, alpha: float = ALPHA) -> dict:
    """Lethal events in the group against the group's population share (as clustered.event_share_test): each event
    placed in the department holding most of its persons (ties: the first in table order), exact two-sided binomial
    test, and the event-rate ratio group / reference with the Clopper-Pearson interval mapped to that scale."""
    dominant = d.counts.argmax(axis=1)
    k, n = int((d.x[dominant] == 1).sum()), d.G
    P1, P0 = float(d.population[d.x == 1].sum()), float(d.population[d.x == 0].sum())
    share = P1 / (P1 + P0)
    lo, hi = binom_ci(k, n, alpha)
    odds = lambda q: math.inf if q >= 1 else q / (1 - q)  # noqa: E731
    return {"estimate": odds(k / n) / odds(share), "low": odds(lo) / odds(share), "high": odds(hi) / odds(share),
            "p": float(stats.binomtest(k, n, share).pvalue), "enumerated": True,
            "note": f"{k} of {n} lethal events in the group"}


def result_dict(estimate=math.nan, low=math.nan, high=math.nan, p=math.nan, enumerated=False, note="") -> dict:
    """One method's result as plain numbers (NaN where it has none), and a note when it cannot be estimated."""
    return {"estimate": float(estimate), "low": float(low), "high": float(high), "p": float(p),
            "enumerated": bool(enumerated), "note": note}


def method_result(d: C.Design, method: str, alpha: float = ALPHA, interval: bool = True) -> dict:
    """One method on one 0/1 design: rate ratio, interval (NaN where the method has none or interval=False),
    two-sided p, whether the reference distribution was enumerated, and a note when it cannot be estimated."""
    b = Binary.of(d)
    rr = math.exp(b.log_rr) if np.isfinite(b.log_rr) else (math.inf if b.log_rr > 0 else 0.0)
    finite = np.isfinite(b.log_rr)
    infinite = "" if finite else "a side with no death: the rate ratio is not finite"
    try:
        if method == "sign_flip":
            sf = SignFlip(b)
            low, high = (C.invert_test(sf.p, b.log_rr, 0.5, alpha) if interval and finite else (math.nan, math.nan))
            return result_dict(rr, low, high, sf.p(0.0), sf.exact, infinite)
        if method == "wild_cluster":
            if not finite:
                return result_dict(rr, note=infinite)
            w = WildCluster(b)
            low, high = C.invert_test(w.p, b.log_rr, 0.5, alpha) if interval else (math.nan, math.nan)
            return result_dict(rr, low, high, w.p(0.0), w.exact)
        if method == "event_binomial":
            return result_dict(**event_binomial(d, alpha))
        if method == "randomisation":
            p, exact = randomisation_p(d)
            return result_dict(rr, math.nan, math.nan, p, exact, infinite)
        if not finite:
            return result_dict(rr, note=infinite)
        if method == "cluster_t":
            r = C.cluster_robust(d, alpha, "t")
        elif method == "quasi_poisson":
            r = C.quasi_poisson(d, alpha)
        elif method == "negbin_lr":
            return result_dict(**_negbin_lr(d, alpha, interval))
        elif method == NAIVE:
            r = C.exact_conditional(d, alpha)
        else:
            raise ValueError(f"unknown method {method!r}; valid: {[*MODELS, NAIVE]}")
    except (RuntimeError, ValueError, np.linalg.LinAlgError) as err:
        if method not in (*MODELS, NAIVE):
            raise
        return result_dict(rr, note=f"not estimable: {err}")
    return result_dict(r.estimate, r.low if interval else math.nan, r.high if interval else math.nan, r.p_value)


def design_summary(d) -> dict:
    """Counts behind one design: persons, events, departments, deaths on each side, population share."""
    if isinstance(d, str):
        return {"persons": 0, "events": 0, "departments": 0, "deaths_group": 0, "deaths_reference": 0,
                "population_share": math.nan, "death_share": math.nan, "persons_no_department": 0}
    b = Binary.of(d)
    return {"persons": d.N, "events": d.G, "departments": d.D, "deaths_group": int(b.k1),
            "deaths_reference": int(b.N - b.k1), "population_share": b.P1 / (b.P1 + b.P0),
            "death_share": b.k1 / b.N, "persons_no_department": d.n_unknown_department}

