"""Figures of notebook 02 (who died, when and where). Each returns (fig, data); data is what the figure shows."""
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from ..figures import OKABE_ITO
from ..stats.descriptive import LEVELS, DailySeries, iso_dates, pool_groups

UNKNOWN_GREY, NOT_APPLICABLE_GREY = "0.6", "0.85"
FORCE_COLOURS = {"police": OKABE_ITO[0], "army": OKABE_ITO[3], "both": OKABE_ITO[4], "unknown": UNKNOWN_GREY,
                 "not_applicable": NOT_APPLICABLE_GREY}
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def _label(code: str) -> str:
    return code.replace("_", " ")


def deaths_over_time_by_context(by_context: DailySeries, start_date: str, cutoff_date: str):
    """Stacked daily deaths (top) and cumulative steps (bottom) per context, contexts in codebook order; only persons
    certain to a day are drawn, the others are counted in the title."""
    t = by_context.table
    ctx = t.pivot(index="date", columns="group", values="deaths")
    ctx = ctx[[c for c in LEVELS["context"] if c in ctx.columns]]
    cum = t.pivot(index="date", columns="group", values="cumulative")[ctx.columns]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    bottom = None
    for i, c in enumerate(ctx.columns):
        ax1.bar(ctx.index, ctx[c], bottom=bottom, width=1.0, color=OKABE_ITO[i], label=_label(c))
        bottom = ctx[c] if bottom is None else bottom + ctx[c]
        ax2.step(cum.index, cum[c], where="post", color=OKABE_ITO[i], label=_label(c))
    ax1.set_ylabel("deaths per day")
    ax2.set_ylabel("cumulative deaths")
    ax2.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax2.xaxis.get_major_locator()))
    ax1.legend(title="context", frameon=False, fontsize=8)
    ax1.set_title(f"Deaths per day and cumulative, by context, {start_date} to {cutoff_date}\n"
                  f"({len(by_context.spanning)} deaths whose date interval spans several days not shown)")
    return fig, iso_dates(t)


def cumulative_by_department(by_department: DailySeries, top: int = 7):
    """Cumulative deaths of the `top` departments with most deaths and of the rest pooled; beyond the palette's
    length lines turn dashed so no two series look alike."""
    dep, order = pool_groups(by_department.table, top)
    wide = dep.pivot(index="date", columns="group", values="cumulative")
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, g in enumerate(order):
        ax.step(wide.index, wide[g], where="post", color=OKABE_ITO[i % len(OKABE_ITO)],
                linestyle="-" if i < len(OKABE_ITO) else "--", label=g)
    ax.set_ylabel("cumulative deaths")
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.legend(title="department", frameon=False, fontsize=8, ncols=2)
    ax.set_title(f"Cumulative deaths by department ({_count_word(top)} with most deaths; the rest combined)")
    return fig, iso_dates(dep)


def _count_word(k: int) -> str:
    return NUMBER_WORDS.get(k, str(k))


def age_sex(ages: pd.DataFrame, sexes: pd.DataFrame):
    """Persons per age band and per sex; the last level of each (unknown) in grey."""
    for name, t in (("ages", ages), ("sexes", sexes)):
        if len(t) == 0 or t.iloc[-1, 0] != "unknown":
            raise ValueError(f"{name}: the last row must be the 'unknown' level, got {list(t.iloc[:, 0])}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.2), gridspec_kw={"width_ratios": [3, 1.3]})
    ax1.bar(ages["age_band"], ages["persons"], color=[OKABE_ITO[0]] * (len(ages) - 1) + [UNKNOWN_GREY])
    ax1.set_xlabel("age band (years)")
    ax1.set_ylabel("persons")
    colours = [OKABE_ITO[1 + i] for i in range(len(sexes) - 1)] + [UNKNOWN_GREY]
    ax2.bar(sexes["sex"], sexes["persons"], color=colours)
    ax2.set_ylabel("persons")
    fig.suptitle("Age and sex of persons in scope (grey = unknown)")
    data = pd.concat([ages.assign(variable="age_band").rename(columns={"age_band": "level"}),
                      sexes.assign(variable="sex").rename(columns={"sex": "level"})], ignore_index=True)
    return fig, data


def cause_by_force(xt: pd.DataFrame):
    """Horizontal stacked bars: persons per cause, split by force; `xt` is descriptive.crosstab with margins.
    data: one row per (cause, force) with persons, zeros included."""
    wide = xt.drop(index="total", columns="total")
    unknown = [f for f in wide.columns if f not in FORCE_COLOURS]
    if unknown:
        raise ValueError(f"forces without a colour: {unknown}")
    long = wide.reset_index().melt(id_vars="cause", var_name="force", value_name="persons")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    left = pd.Series(0, index=wide.index)
    labels = [_label(c) for c in wide.index]
    for f in wide.columns:
        ax.barh(labels, wide[f], left=left, color=FORCE_COLOURS[f], label=_label(f))
        left = left + wide[f]
    ax.invert_yaxis()
    ax.set_xlabel("persons")
    ax.legend(title="force", frameon=False, fontsize=8)
    ax.set_title("Cause of death by force deployed")
    return fig, long
