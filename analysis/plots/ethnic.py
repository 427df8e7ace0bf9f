"""Figures of notebook 04 (ethnic disparity): population vs death share per scenario, and each department's death
rate against its Indigenous share (a published value as a point, bounds only as a segment, none at all apart)."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from ..figures import OKABE_ITO
from ..stats.ethnic import SCENARIO_LABELS

SCENARIO_ORDER = ["known_only", "all_unknown_below", "all_unknown_above"]
SCENARIO_COLUMNS = ("death_share", "death_share_low", "death_share_high", "population_share")
RATE_COLUMNS = ["ubigeo_dep", "department", "share", "share_low", "share_high", "basis", "status", "population",
                "deaths", "rate_per_100k", "rate_low", "rate_high"]
STATUS_COLORS = {"majority": OKABE_ITO[3], "not_majority": OKABE_ITO[0], "unknown": OKABE_ITO[7]}


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} lacks column(s) {missing}")


def population_vs_death_share(scenarios: pd.DataFrame, measure: str, threshold: float):
    """Paired horizontal bars per scenario: population share and death share (with its Clopper–Pearson interval).

    `scenarios` is shares()["scenarios"] (indexed by scenario name). Returns (fig, data): the three scenarios in
    SCENARIO_ORDER with the scenario name as a column.
    """
    _require(scenarios, SCENARIO_COLUMNS, "scenario table")
    missing = [s for s in SCENARIO_ORDER if s not in scenarios.index]
    if missing:
        raise KeyError(f"scenario table lacks scenario(s) {missing}")
    d = scenarios.loc[SCENARIO_ORDER]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    y = np.arange(len(SCENARIO_ORDER))
    ax.barh(y + 0.18, d["population_share"], height=0.34, color=OKABE_ITO[0], label="population share (census 2017)")
    ax.barh(y - 0.18, d["death_share"], height=0.34, color=OKABE_ITO[3],
            label="death share (95 % Clopper–Pearson CI)")
    ax.errorbar(d["death_share"], y - 0.18, xerr=[d["death_share"] - d["death_share_low"],
                                                  d["death_share_high"] - d["death_share"]],
                fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.set_yticks(y, [SCENARIO_LABELS[o] for o in SCENARIO_ORDER])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.set_title(f"Majority-Indigenous departments ({measure}, > {threshold:g} %): population vs deaths")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=8)
    return fig, d.reset_index()


def _draw_status(ax, status: str, g: pd.DataFrame) -> None:
    """One status group: published shares as points with the exact rate interval, bounds-only units as segments
    across their bounds (their rate interval is left out: two error directions would read as a 2-d interval)."""
    exact = g["share"].notna()
    color, name = STATUS_COLORS[status], status.replace("_", " ")
    if exact.any():
        e = g[exact]
        ax.errorbar(e["share"], e["rate_per_100k"], yerr=[e["rate_per_100k"] - e["rate_low"],
                                                          e["rate_high"] - e["rate_per_100k"]],
                    fmt="o", color=color, capsize=2, label=f"{name}: share published")
    b = g[~exact]
    if len(b):
        ax.hlines(b["rate_per_100k"], b["share_low"], b["share_high"], color=color, linewidth=2,
                  label=f"{name}: bounds only (rate CI not drawn)")


def rate_vs_share(table: pd.DataFrame, measure: str, threshold: float):
    """Death rate per 100,000 of each unit against its Indigenous share; units with no published figure at all
    (basis "missing") sit in a narrow side panel instead of being placed at an invented share.

    `table` is shares()["table"]. Returns (fig, data): the table's RATE_COLUMNS, every unit, in its own order.
    """
    _require(table, RATE_COLUMNS, "department table")
    unknown_status = sorted(set(table["status"]) - set(STATUS_COLORS))
    if unknown_status:
        raise ValueError(f"department table: status not one of {sorted(STATUS_COLORS)}: {unknown_status}")
    fig, (ax, ax_u) = plt.subplots(1, 2, figsize=(7.2, 3.8), sharey=True, gridspec_kw={"width_ratios": [5, 1]})
    missing = table["basis"] == "missing"
    placed = table[~missing]
    for status, g in placed.groupby("status"):
        _draw_status(ax, status, g)
    for _, r in placed.iterrows():
        x = r["share"] if pd.notna(r["share"]) else r["share_low"]
        ax.annotate(r["department"], (x, r["rate_per_100k"]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Indigenous share, % ({measure})")
    ax.set_ylabel("deaths per 100,000 (exact Poisson 95 % CI)")
    ax.legend(frameon=False, fontsize=6, loc="upper left")
    u = table[missing].sort_values("rate_per_100k")
    ax_u.errorbar(np.zeros(len(u)), u["rate_per_100k"], yerr=[u["rate_per_100k"] - u["rate_low"],
                                                              u["rate_high"] - u["rate_per_100k"]],
                  fmt="o", color=STATUS_COLORS["unknown"], capsize=2, alpha=0.7)
    ax_u.set_xticks([0], ["no share\npublished"])
    ax_u.set_title(f"{len(u)} units", fontsize=8)
    fig.suptitle("Death rate by department against its Indigenous share")
    return fig, table[RATE_COLUMNS]
