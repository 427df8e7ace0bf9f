"""Exact intervals and tests for small counts (no normal approximations)."""
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    method: str

    def as_tuple(self):
        return (self.value, self.low, self.high)


def poisson_ci(k: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood 1936) interval for a Poisson mean, from the chi-square/gamma relation."""
    if k < 0 or int(k) != k:
        raise ValueError(f"count must be a non-negative integer, got {k!r}")
    low = 0.0 if k == 0 else stats.chi2.ppf(alpha / 2, 2 * k) / 2
    high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return float(low), float(high)


def binom_ci(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact Clopper–Pearson interval for a binomial proportion k/n."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return float("nan"), float("nan")
    low = 0.0 if k == 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
    return float(low), float(high)


def proportion(k: int, n: int, alpha: float = 0.05) -> Estimate:
    low, high = binom_ci(k, n, alpha)
    return Estimate(k / n if n else float("nan"), low, high, "Clopper-Pearson exact")


def binom_test(k: int, n: int, p: float, alternative: str = "two-sided") -> float:
    """Exact binomial test p-value (scipy's, which sums probabilities no larger than the observed)."""
    return float(stats.binomtest(k, n, p, alternative=alternative).pvalue)
