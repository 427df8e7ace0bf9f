"""Model-based estimates on a Design: Poisson (Wald, shown, never a headline), quasi-Poisson, errors clustered by
event with t(G-1) critical values, negative binomial with its likelihood-ratio test and profile-likelihood interval;
and the test inversion that turns a p-value function into an interval."""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from analysis.stats.clustered.design import Design

MAX_LOG_RR = 12.0           # test inversion stops here: beyond it the bound is reported as 0 or infinity


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


def fit_poisson(y, X, offset, beta=None):
    return _irls(y, X, offset, lambda mu: mu, beta)


def _nb_llf(y, mu, a):
    r = 1.0 / a
    return float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                        + y * np.log(a * mu / (1 + a * mu)) - r * np.log1p(a * mu)))


def _negbin(y, X, offset, beta=None):
    """NB2 (var = mu + a mu^2) by maximum likelihood: IRLS for beta at fixed a, a profiled on the log scale."""
    start = fit_poisson(y, X, offset, beta)[0]

    def neg(log_a):
        a = math.exp(log_a)
        b, mu = _irls(y, X, offset, lambda m: m / (1 + a * m), start)
        return -_nb_llf(y, mu, a)

    opt = optimize.minimize_scalar(neg, bounds=(-18.0, 7.0), method="bounded", options={"xatol": 1e-9})
    a = math.exp(opt.x)
    b, mu = _irls(y, X, offset, lambda m: m / (1 + a * m), start)
    return b, mu, a, _nb_llf(y, mu, a)


def slope_scores(d: Design, mu):
    """Centred slope columns Xc (D x k), information B (k x k) and event scores s (G x k) at fitted means mu."""
    Xs = d.X[:, 1:]
    pi = mu / mu.sum()
    Xc = Xs - pi @ Xs
    B = Xc.T @ (mu[:, None] * Xc)
    return Xc, B, d.counts @ Xc


def restricted_fit(d: Design, b0: float):
    """Poisson fit with the target coefficient fixed at b0 (the constant and adjusters free)."""
    Xr = np.column_stack([np.ones(d.D), d.Z])
    return fit_poisson(d.y, Xr, d.offset + b0 * d.x)[1]


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
    beta, mu = fit_poisson(d.y, d.X, d.offset)
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
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    cov = np.linalg.inv(d.X.T @ (mu[:, None] * d.X))
    return _wald("poisson_model", "Poisson, model-based errors", "person", beta[1], math.sqrt(cov[1, 1]),
                 stats.norm, False, alpha=alpha, dispersion=pearson_dispersion(d))


def quasi_poisson(d: Design, alpha: float = 0.05) -> MethodResult:
    """Poisson estimate, errors scaled by the Pearson dispersion, t(D - p) critical values."""
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    df = d.D - d.X.shape[1]
    if df < 1:
        raise ValueError("quasi-Poisson needs more departments than parameters")
    phi = float(np.sum((d.y - mu) ** 2 / mu) / df)
    cov = np.linalg.inv(d.X.T @ (mu[:, None] * d.X)) * phi
    return _wald("quasi_poisson", f"quasi-Poisson (Pearson scale), t({df})", "department", beta[1],
                 math.sqrt(cov[1, 1]), stats.t(df), True, alpha=alpha, dispersion=phi, df=df)


def cluster_cov(d: Design, mu):
    Xc, B, s = slope_scores(d, mu)
    Binv = np.linalg.inv(B)
    return Binv @ (s.T @ s) @ Binv * d.G / (d.G - 1), B, s


def cluster_robust(d: Design, alpha: float = 0.05, critical: str = "t") -> MethodResult:
    """Errors clustered by lethal event (CR1: times G/(G-1)); critical values t(G-1), or normal ('normal', shown
    only to make the anti-conservative version visible: never a headline)."""
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    cov, _, _ = cluster_cov(d, mu)
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
