"""Figures of notebook 04 (ethnic disparity): population vs death share per scenario, and each department's death
rate against its Indigenous share (a published value as a point, bounds only as a segment, none at all apart)."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from analysis.report.figures import OKABE_ITO
from analysis.stats.ethnic import SCENARIO_LABELS

SCENARIO_ORDER = ["known_only", "all_unknown_below", "all_unknown_above"]
SCENARIO_COLUMNS = ("death_share", "death_share_low", "death_share_high", "population_share")
RATE_COLUMNS = ["ubigeo_dep", "department", "share", "share_low", "share_high", "basis", "status", "population",
                "deaths", "rate_per_100k", "rate_low", "rate_high"]
MEASURE_WORDS = {"selfid": "self-identified Indigenous", "mothertongue": "Indigenous mother tongue"}
STATUS_COLORS = {"majority": OKABE_ITO[3], "not_majority": OKABE_ITO[0], "unknown": OKABE_ITO[7]}


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} lacks column(s) {missing}")


def population_vs_death_share(scenarios: pd.DataFrame, measure: str, threshold: float, subtitle: str = ""):
    """Paired horizontal bars per scenario: population share and death share (with its Clopper–Pearson interval,
    persons as independent draws: descriptive). `subtitle` (scope, counts) goes under the title.

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
            label="death share (95 % Clopper–Pearson CI, persons: descriptive)")
    ax.errorbar(d["death_share"], y - 0.18, xerr=[d["death_share"] - d["death_share_low"],
                                                  d["death_share_high"] - d["death_share"]],
                fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.set_yticks(y, [SCENARIO_LABELS[o] for o in SCENARIO_ORDER])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.set_title(f"Majority-Indigenous departments ({MEASURE_WORDS.get(measure, measure)}, > {threshold:g} %): "
                 "population vs deaths" + (f"\n{subtitle}" if subtitle else ""), fontsize=9 if subtitle else None)
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


def _declutter(fig, ax, texts, obstacles=(), pad: float = 1.0) -> None:
    """Move annotation labels up (in offset points) until no two overlap and none covers an obstacle (data-space
    boxes (x0, x1, y): a point or a segment to keep clear), lowest first; a label moved away from its point gets a
    thin leader line. Deterministic: labels are placed in (y, x, text) order of their anchors."""
    from matplotlib.transforms import Bbox

    if not texts:
        return
    renderer = fig.canvas.get_renderer()
    to_points = 72.0 / fig.dpi
    order = sorted(texts, key=lambda t: (t.xy[1], t.xy[0], t.get_text()))
    placed = []
    for x0, x1, yv in obstacles:
        (a, b), (c, _) = ax.transData.transform([(x0, yv), (x1, yv)])
        placed.append(Bbox([[min(a, c) - 3, b - 3], [max(a, c) + 3, b + 3]]))
    for t in order:
        for _ in range(200):
            box = t.get_window_extent(renderer).expanded(1.0, 1.0)
            hit = next((b for b in placed if box.x0 < b.x1 + pad and b.x0 < box.x1 + pad
                        and box.y0 < b.y1 + pad and b.y0 < box.y1 + pad), None)
            if hit is None:
                break
            dx, dy = t.get_position() if t.get_anncoords() == "offset points" else (0, 0)
            t.set_position((dx, dy + (hit.y1 + pad - box.y0) * to_points + 0.5))
        if t.get_position()[1] > 6:
            t.arrow_patch = None
            ax.annotate("", t.xy, xytext=t.get_position(), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.5, "shrinkA": 0, "shrinkB": 2})
        placed.append(t.get_window_extent(renderer))


def rate_vs_share(table: pd.DataFrame, measure: str, threshold: float, subtitle: str = ""):
    """Death rate per 100,000 of each unit against its Indigenous share; units with no published figure at all
    (basis "missing") sit in a narrow side panel instead of being placed at an invented share. Labels are moved
    apart so that none overlaps another; `subtitle` (scope, counts) goes under the title.

    `table` is shares()["table"]. Returns (fig, data): the table's RATE_COLUMNS, every unit, in its own order.
    """
    _require(table, RATE_COLUMNS, "department table")
    unknown_status = sorted(set(table["status"]) - set(STATUS_COLORS))
    if unknown_status:
        raise ValueError(f"department table: status not one of {sorted(STATUS_COLORS)}: {unknown_status}")
    fig, (ax, ax_u) = plt.subplots(1, 2, figsize=(8.4, 5.0), sharey=True, gridspec_kw={"width_ratios": [5, 1]})
    missing = table["basis"] == "missing"
    placed = table[~missing]
    for status, g in placed.groupby("status"):
        _draw_status(ax, status, g)
    texts = []
    for _, r in placed.iterrows():
        x = r["share"] if pd.notna(r["share"]) else (r["share_low"] + r["share_high"]) / 2
        texts.append(ax.annotate(r["department"], (x, r["rate_per_100k"]), fontsize=7, xytext=(2, 3),
                                 textcoords="offset points", ha="center"))
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %"))
    ax.set_xlabel(f"Indigenous share of the population ({MEASURE_WORDS.get(measure, measure)}); "
                  f"dashed: threshold {threshold:g} %")
    ax.set_ylabel("deaths per 100,000 (exact Poisson 95 % CI)")
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    u = table[missing].sort_values("rate_per_100k")
    ax_u.errorbar(np.zeros(len(u)), u["rate_per_100k"], yerr=[u["rate_per_100k"] - u["rate_low"],
                                                              u["rate_high"] - u["rate_per_100k"]],
                  fmt="o", color=STATUS_COLORS["unknown"], capsize=2, alpha=0.7)
    ax_u.set_xticks([0], ["no share\npublished"])
    ax_u.set_title(f"{len(u)} units", fontsize=8)
    drawn = table["rate_high"].where(table["share"].notna() | missing, table["rate_per_100k"])  # CI drawn or not
    top = float(np.nanmax(drawn)) if len(table) and np.nanmax(drawn) > 0 else 1.0
    ax.set_ylim(-0.04 * top, 1.15 * top)
    fig.suptitle("Death rate by department against its Indigenous share"
                 + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    fig.tight_layout()
    obstacles = [(r["share"], r["share"], r["rate_per_100k"]) if pd.notna(r["share"])
                 else (r["share_low"], r["share_high"], r["rate_per_100k"]) for _, r in placed.iterrows()]
    _declutter(fig, ax, texts, obstacles)
    return fig, table[RATE_COLUMNS]


LEVEL_COLUMNS = ("population_share", "event_share", "event_share_low", "event_share_high", "death_share",
                 "death_share_low", "death_share_high")


def evidence_levels(levels: pd.DataFrame, title: str, headline: str | None = None):
    """Per scenario (rows in SCENARIO_ORDER): the population share, the share of lethal events (Clopper-Pearson on
    events) and the share of deaths (event-cluster bootstrap interval), as % bars with their intervals. `levels` is
    indexed by scenario with LEVEL_COLUMNS; the `headline` scenario's label says so. Returns (fig, data) with the
    scenario as a column."""
    _require(levels, LEVEL_COLUMNS, "evidence table")
    order = [s for s in SCENARIO_ORDER if s in levels.index]
    if not order:
        raise KeyError(f"evidence table has none of the scenarios {SCENARIO_ORDER}")
    d = levels.loc[order]
    fig, ax = plt.subplots(figsize=(7.2, 1.35 * len(order) + 1.6))
    y = np.arange(len(order))
    h = 0.26
    bars = [("population_share", None, None, OKABE_ITO[0], "population share (census 2017)"),
            ("event_share", "event_share_low", "event_share_high", OKABE_ITO[5],
             "share of lethal events (95 % Clopper–Pearson, events)"),
            ("death_share", "death_share_low", "death_share_high", OKABE_ITO[3],
             "share of deaths (95 % event-cluster bootstrap)")]
    for i, (col, lo, hi, color, label) in enumerate(bars):
        yy = y - h + i * h
        ax.barh(yy, d[col], height=h * 0.9, color=color, label=label)
        if lo is not None:
            ax.errorbar(d[col], yy, xerr=[d[col] - d[lo], d[hi] - d[col]], fmt="none", ecolor="black",
                        capsize=3, linewidth=1)
        for v, yv, top in zip(d[col], yy, d[hi] if hi is not None else d[col]):
            ax.annotate(f"{100 * v:.1f} %", (top, yv), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=7)
    ax.set_yticks(y, [SCENARIO_LABELS[o] + ("\n(headline)" if o == headline else "") for o in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, frameon=False, fontsize=8)
    fig.tight_layout()
    return fig, d.reset_index()
