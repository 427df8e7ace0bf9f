"""Shared test set-up: figures drawn off-screen (Agg) and closed after each test."""
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- a synthetic victims register (tests of 02 and 05)
from tests.registers import synthetic_victims  # noqa: E402


@pytest.fixture(scope="session")
def make_victims():
    """The synthetic register's factory: make_victims(n=60, seed=3)."""
    return synthetic_victims
