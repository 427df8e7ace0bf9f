"""Figures of notebook 02 (who died, when and where). Each returns (fig, data); data is what the figure shows.

Every title says what is counted, the scope (contexts, window) and n; coded values are shown in words
(analysis.report.figures.LABELS) with their one colour (analysis.report.figures.COLOURS); persons a figure cannot show (date known
only as an interval, department unknown) are counted in its caption. The data keep the codes next to the words.
"""
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from analysis.report import text as T
from analysis.report.figures import (CONTEXT_COLOURS, FORCE_COLOURS, NEUTRAL_COLOUR, SEX_COLOURS, caption, label, wrap,
                                     year_axis)
from analysis.stats.descriptive import (AGE_BANDS, LEVELS, UNKNOWN, DailySeries, age_band, as_category, iso_dates,
                                        pool_groups)

AGE_UNKNOWN_LABEL = "age unknown"


def _title(what: str, scope: str, n_text: str, width_inches: float = 7.5) -> str:
    """Title line, then the scope and n wrapped to the figure's width."""
    return f"{what}\n" + wrap(f"{scope}; {n_text}", width_inches, 9.5)


def deaths_over_time_by_context(by_context: DailySeries, start_date: str, cutoff_date: str, scope: str | None = None):
    """Stacked daily deaths (top) and cumulative steps (bottom) per context, contexts in codebook order, each in its
    colour; only persons certain to a day are drawn (n in the title), the others are counted in the caption.
    `scope`: the scope line of the title (default: the window only). data: one row per (date, context) with the
    context in words."""
    t = by_context.table
    present = [c for c in LEVELS["context"] if c in set(t["group"])]
    ctx = t.pivot(index="date", columns="group", values="deaths")[present]
    cum = t.pivot(index="date", columns="group", values="cumulative")[present]
    totals = ctx.sum()
    n_day, n_span = int(totals.sum()), len(by_context.spanning)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.8), sharex=True)
    bottom = None
    for c in [c for c in present if totals[c] > 0]:
        words = f"{label('context', c)} ({int(totals[c])})"
        ax1.bar(ctx.index, ctx[c], bottom=bottom, width=1.0, color=CONTEXT_COLOURS[c], label=words)
        bottom = ctx[c] if bottom is None else bottom + ctx[c]
        ax2.step(cum.index, cum[c], where="post", color=CONTEXT_COLOURS[c], label=words)
    ax1.set_ylabel("deaths per day")
    ax2.set_ylabel("cumulative deaths")
    ax1.yaxis.get_major_locator().set_params(integer=True)
    year_axis(ax2, start_date, cutoff_date)
    ax1.legend(title="context (deaths shown)", frameon=False, fontsize=8, title_fontsize=8)
    scope = scope or f"deaths {start_date} to {cutoff_date}"
    fig.suptitle(_title("Deaths per day (top) and cumulative deaths (bottom), by context", scope,
                        f"n = {n_day} persons whose date of death is known to the day"), fontsize=10)
    note = (f"Not shown: {T.count_of(n_span)} whose date of death is known only as an interval of several days "
            f"(counted in the notebook's tables; {n_day + n_span} persons possibly in the window in all)."
            if n_span else "Every person possibly in the window has a date of death known to the day.")
    if "unknown" in totals and totals["unknown"]:
        note += f" Grey: {T.count_of(int(totals['unknown']))} whose context is unknown."
    fig.tight_layout()
    caption(fig, note)
    data = iso_dates(t).assign(context=lambda d: d["group"].map(lambda c: label("context", c)))
    return fig, data


def cumulative_by_department(by_department: DailySeries, top: int = 7, scope: str | None = None):
    """Small multiples (seaborn), one panel per department: cumulative deaths of the `top` departments with most
    deaths and of the rest pooled, one colour (the panel says which department). Persons with unknown department
    and persons whose date spans several days are counted in the caption, not drawn.
    data: date, group (department or 'other departments'), deaths, cumulative."""
    t = by_department.table
    unknown = t["group"] == UNKNOWN
    n_unknown = int(t.loc[unknown, "deaths"].sum())
    dep, order = pool_groups(t[~unknown], top)
    totals = dep.groupby("group")["deaths"].sum()
    panel = {g: f"{g} ({int(totals[g])})" for g in order}
    plot = dep[dep["group"].isin(order)].assign(panel=lambda d: d["group"].map(panel))
    n_shown = int(totals.sum())
    g = sns.relplot(data=plot, x="date", y="cumulative", col="panel", col_order=[panel[o] for o in order],
                    col_wrap=4, kind="line", drawstyle="steps-post", color=NEUTRAL_COLOUR, height=1.9, aspect=1.35,
                    facet_kws={"sharey": True, "sharex": True})
    g.set_titles("{col_name}", size=9)
    g.set_axis_labels("", "")
    start, end = t["date"].min(), t["date"].max()
    for ax in g.axes.flat:
        year_axis(ax, start, end, every=2, minor_days=(1,), two_lines=True)
        ax.tick_params(axis="x", labelsize=8)
    fig = g.figure
    fig.supylabel("cumulative deaths", fontsize=9)
    scope = scope or "deaths in the window"
    fig.suptitle(_title(f"Cumulative deaths by department ({T.number_word(top)} with most deaths; the rest combined)",
                        scope, f"n = {n_shown} persons with known department and date known to the day", 9),
                 fontsize=10)
    fig.tight_layout()
    n_span = len(by_department.spanning)
    caption(fig, f"Panel title: department (deaths shown). Not shown: {T.count_of(n_unknown)} with unknown department "
                 f"(date known to the day) and {T.count_of(n_span)} whose date of death spans several days.")
    return fig, iso_dates(dep)


def age_sex_table(victims: pd.DataFrame) -> pd.DataFrame:
    """Persons per (age band, sex), every combination (zeros included), bands then sexes in codebook order; the
    words drawn are in age_label and sex_label."""
    bands = [b[2] for b in AGE_BANDS] + [UNKNOWN]
    band = victims["age_years"].map(age_band)
    sex = as_category(victims["sex"])
    extra = sorted(set(sex) - set(LEVELS["sex"]))
    if extra:
        raise ValueError(f"sex: values {extra} not among levels {LEVELS['sex']}")
    counts = pd.crosstab(band, sex).reindex(index=bands, columns=list(LEVELS["sex"]), fill_value=0)
    long = counts.rename_axis(index="age_band", columns="sex").stack().rename("persons").reset_index()
    long["persons"] = long["persons"].astype(int)
    long["age_label"] = long["age_band"].map(lambda b: AGE_UNKNOWN_LABEL if b == UNKNOWN else b)
    long["sex_label"] = long["sex"].map(lambda s: label("sex", s))
    return long


def age_sex(victims: pd.DataFrame, scope: str | None = None):
    """Persons per age band, stacked by sex (seaborn histogram of the counts); the age-unknown persons are the last
    bar and the sex-unknown ones grey, both counted in the caption. data: age_sex_table(victims)."""
    data = age_sex_table(victims)
    n = int(data["persons"].sum())
    sexes = list(LEVELS["sex"])
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    sns.histplot(data=data, x="age_label", weights="persons", hue="sex_label", multiple="stack", discrete=True,
                 shrink=0.8, hue_order=[label("sex", s) for s in sexes[::-1]],
                 palette={label("sex", s): SEX_COLOURS[s] for s in sexes}, edgecolor="white", linewidth=0.5,
                 alpha=1, ax=ax)
    totals = data.groupby("age_label", sort=False)["persons"].sum()
    for x, k in enumerate(totals):
        ax.text(x, k, str(int(k)), ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("age band (completed years)")
    ax.set_ylabel("persons")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.margins(y=0.12)
    legend = ax.get_legend()
    legend.set_title("sex")
    legend.set_frame_on(False)
    by_sex = data.groupby("sex")["persons"].sum()
    ax.set_title(_title("Persons by age band and sex", scope or "persons in scope", f"n = {n} persons"))
    fig.tight_layout()
    caption(fig, f"Age unknown: {T.count_of(int(totals[AGE_UNKNOWN_LABEL]))} (last bar). Sex unknown: "
                 f"{T.count_of(int(by_sex[UNKNOWN]))} (grey). Number above a bar: persons in that age band.")
    return fig, data


def cause_by_force(xt: pd.DataFrame, scope: str | None = None):
    """Horizontal stacked bars: persons per cause, split by the force the sources name, each force in its colour;
    `xt` is descriptive.crosstab with margins. Each bar ends with its total and its share of n in %.
    data: one row per (cause, force) with persons, zeros included, and both in words."""
    wide = xt.drop(index="total", columns="total")
    unknown = [f for f in wide.columns if f not in FORCE_COLOURS]
    if unknown:
        raise ValueError(f"forces without a colour: {unknown}")
    n = int(wide.to_numpy().sum())
    long = wide.reset_index().melt(id_vars="cause", var_name="force", value_name="persons")
    long["cause_label"] = long["cause"].map(lambda c: label("cause", c))
    long["force_label"] = long["force"].map(lambda f: label("force", f))
    long["share_of_n_pct"] = 100 * long["persons"] / n if n else float("nan")
    fig, ax = plt.subplots(figsize=(7.5, 4))
    left = pd.Series(0, index=wide.index)
    labels = [label("cause", c) for c in wide.index]
    for f in wide.columns:
        ax.barh(labels, wide[f], left=left, color=FORCE_COLOURS[f], label=label("force", f))
        left = left + wide[f]
    for y, k in enumerate(left):
        ax.text(k + 0.3, y, f"{int(k)} ({100 * k / n:.0f} %)" if n else "0", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("persons")
    ax.margins(x=0.12)
    ax.legend(title="force named by the sources", frameon=False, fontsize=8, title_fontsize=8, loc="lower right")
    ax.set_title(_title("Cause of death, split by the force the sources name", scope or "persons in scope",
                        f"n = {n} persons"))
    fig.tight_layout()
    col = wide.sum()
    caption(fig, f"Cause unknown: {T.count_of(int(wide.loc['unknown'].sum()))} (last bar). Force unknown: "
                 f"{T.count_of(int(col.get('unknown', 0)))} (grey); no force alleged (e.g. blockade deaths): "
                 f"{T.count_of(int(col.get('not_applicable', 0)))} (light grey). Bar end: persons (% of n).")
    return fig, long
