"""Figures of notebook 05 (how force was used). Each returns (fig, data); data is what the figure shows."""
import textwrap
import unicodedata

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from analysis.report.figures import OKABE_ITO, percent_axis

SHARE_COLUMNS = {"label", "k", "n", "share", "ci_low", "ci_high"}


def _check(table: pd.DataFrame, name: str, columns) -> None:
    missing = sorted(set(columns) - set(table.columns))
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}")
    bad = table[(table["ci_low"] > table["share"]) | (table["share"] > table["ci_high"])]
    if len(bad):
        raise ValueError(f"{name}: share outside its interval in row(s) {list(bad.index)}")


def shares_with_intervals(panels, conf: int, scope_label: str = ""):
    """One panel per (title, force.proportions table): each level's share (in %) with its exact interval, labelled
    k/n; `scope_label` (who is counted) goes in the title. data: the tables stacked, with `variable` = the panel
    title (shares as proportions, as computed)."""
    for title, t in panels:
        _check(t, title, SHARE_COLUMNS)
    fig, axes = plt.subplots(1, len(panels), figsize=(10, 3.6), sharex=True, squeeze=False)
    for ax, (title, t), color in zip(axes[0], panels, OKABE_ITO):
        y = range(len(t))
        pct, low, high = 100 * t["share"], 100 * t["ci_low"], 100 * t["ci_high"]
        ax.errorbar(pct, y, xerr=[pct - low, high - pct], fmt="o", color=color, capsize=2)
        ax.set_yticks(list(y), [f"{lab.replace('_', ' ')} ({k}/{m})" for lab, k, m in zip(t["label"], t["k"], t["n"])])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        percent_axis(ax)
        ax.set_title(f"{title} (n = {int(t['n'].iloc[0])} known)")
        ax.set_xlabel("share of persons")
    fig.suptitle(f"Cause, wound site and force: shares with exact {conf} % intervals (unknowns excluded from each "
                 "denominator)" + (f"\n{scope_label}" if scope_label else ""), fontsize=10)
    fig.tight_layout()
    return fig, pd.concat([t.assign(variable=v) for v, t in panels], ignore_index=True)


def _legend_below(fig, ax, handles, ncol: int, caption: str = "") -> None:
    """Lay the figure out, then put the legend (and an optional caption) under the axes' x labels; saving with
    bbox_inches='tight' keeps them in the image."""
    fig.tight_layout()
    h = fig.get_figheight()
    y0 = ax.get_position().y0 - 0.75 / h  # below the ticks and a two-line x label
    fig.legend(handles=handles, loc="upper center", ncol=ncol, frameon=False, bbox_to_anchor=(0.5, y0))
    if caption:
        fig.text(0.5, y0 - 0.35 / h, "\n".join(textwrap.wrap(caption, 160)), ha="center", va="top", fontsize=7.5)


# ---------------------------------------------------------------- group comparisons with odds ratios
ROLE_COLORS = {"group": OKABE_ITO[0], "comparison group": OKABE_ITO[1]}
OR_COLOR = OKABE_ITO[7]
GROUP_COLUMNS = {"comparison", "outcome", "role", "group", "k", "n", "share", "ci_low", "ci_high", "status",
                 "odds_ratio", "or_low", "or_high", "p_value", "mdd_exact"}


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "n/a"
    if x == float("inf"):
        return "∞"
    return f"{x:.2g}" if x < 10 else f"{x:.0f}"


def group_comparisons(groups: pd.DataFrame, conf: int, title: str, min_group: int = 5):
    """Left: each group's share with the outcome and its exact interval (colour = role: the group named first or
    the comparison group; hollow = too small to compare). Right: the comparison's odds ratio with its exact
    conditional interval on a log axis, with Fisher's p and the minimum detectable difference in words.
    `groups` is force.comparison_groups(compare_all(...)): two rows per comparison (role 'group', then
    'comparison group'). data: `groups` itself."""
    _check(groups, "comparisons", GROUP_COLUMNS)
    blocks = list(dict.fromkeys(groups["comparison"]))
    for key in blocks:
        roles = list(groups.loc[groups["comparison"] == key, "role"])
        if roles != ["group", "comparison group"]:
            raise ValueError(f"comparison {key}: expected rows 'group' then 'comparison group', got {roles}")
    nrows = 3 * len(blocks)
    fig, (axl, axr) = plt.subplots(1, 2, figsize=(11, 0.42 * nrows + 1.6), sharey=True,
                                   width_ratios=[3, 2])
    ticks, labels = [], []
    finite = [v for v in pd.concat([groups["or_low"], groups["or_high"], groups["odds_ratio"]])
              if v == v and 0 < v < float("inf")]
    lo_lim = min(finite + [0.1]) / 2
    hi_lim = max(finite + [10]) * 2
    for b, key in enumerate(blocks):
        pair = groups[groups["comparison"] == key]
        first = pair.iloc[0]
        head = 3 * b
        axl.text(0, head, first["outcome"], fontweight="bold", va="center", ha="left")
        for j, r in enumerate(pair.itertuples()):
            y = head + 1 + j
            c = ROLE_COLORS[r.role]
            axl.errorbar(r.share, y, xerr=[[r.share - r.ci_low], [r.ci_high - r.share]], fmt="o", color=c,
                         capsize=2, markerfacecolor=c if r.status == "tested" else "white")
            ticks.append(y)
            labels.append(f"{r.group} ({r.k}/{r.n})")
        ymid = head + 1.5
        if first["status"] != "tested":
            axr.text(lo_lim * 1.15, ymid, f"too small to compare:\na group has fewer than {min_group} persons",
                     va="center", ha="left", color="0.35", style="italic",
                     bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
            continue
        est, low, high = first["odds_ratio"], first["or_low"], first["or_high"]
        draw_lo = low if low > 0 else lo_lim
        draw_hi = high if high < float("inf") else hi_lim
        axr.plot([draw_lo, draw_hi], [ymid, ymid], color=OR_COLOR, lw=1.3)
        if low <= 0:
            axr.plot(lo_lim, ymid, marker="<", color=OR_COLOR)
        if high == float("inf"):
            axr.plot(hi_lim, ymid, marker=">", color=OR_COLOR)
        if 0 < est < float("inf"):
            axr.plot(est, ymid, marker="D", color=OR_COLOR, ms=5)
        mdd = first["mdd_exact"]
        mdd_txt = f"detectable: ≥ {100 * mdd:.0f} points" if mdd == mdd else "no difference detectable"
        axr.text(lo_lim * 1.15, head + 0.35, f"odds ratio {_fmt(est)} ({_fmt(low)}–{_fmt(high)}), "
                 f"p = {first['p_value']:.2f}; {mdd_txt}", va="center", ha="left", fontsize=8,
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    axl.set_yticks(ticks, labels)
    axl.set_ylim(nrows - 0.5, -0.6)
    axl.set_xlim(0, 1)
    axl.xaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f} %")
    axl.set_xlabel(f"share of the group with the outcome\n(exact {conf} % interval)")
    axr.set_xscale("log")
    axr.set_xlim(lo_lim, hi_lim)
    axr.xaxis.set_major_formatter(lambda x, _: f"{x:g}")
    axr.axvline(1, color="0.6", lw=0.8, ls="--", zorder=0)
    axr.set_xlabel(f"odds ratio, group named first vs comparison group\n(exact conditional {conf} % interval; log scale)")
    axr.tick_params(axis="y", left=False)
    handles = [Line2D([], [], marker="o", color=ROLE_COLORS["group"], label="group named first"),
               Line2D([], [], marker="o", color=ROLE_COLORS["comparison group"], label="comparison group"),
               Line2D([], [], marker="o", color="0.4", markerfacecolor="white", ls="",
                      label=f"hollow: not tested (a group under {min_group})"),
               Line2D([], [], marker="D", color=OR_COLOR, label="odds ratio (1 = no difference, dashed)")]
    fig.suptitle(title)
    _legend_below(fig, axl, handles, ncol=4)
    return fig, groups


# ---------------------------------------------------------------- the injured
WAVE_COLORS = {"wave1": OKABE_ITO[2], "wave2": OKABE_ITO[4]}
POOLED_COLOR = OKABE_ITO[7]


def injured_by_department(rates: pd.DataFrame, lethality: pd.DataFrame, pooled: pd.DataFrame, majority,
                          wave_labels: dict, conf: int, title: str, policy: str = "certain", index_max: float = 0.6):
    """(a) MINSA attended per 100,000 by department and wave with Garwood intervals; (b) lethality index (deaths per
    attended) with exact intervals, same rows, plus the pooled groups at the bottom. Departments MINSA listed in no
    wave are left out and named in the caption (unknown, not zero); a wave in which a shown department is not
    listed reads 'not listed'. Rows: majority-Indigenous departments first, then the others.
    rates = injured.attended_rates, lethality = injured.lethality_by_department, pooled = the two rows (group, rest)
    to show at the bottom with columns label, deaths, attended, index, low, high.
    data: one row per plotted department and wave (rate and index with intervals), then the pooled rows."""
    need_l = _check_injured_columns(rates, lethality, policy)
    majority = [str(c) for c in majority]
    m = rates.merge(lethality[list(need_l)], on=["wave", "ubigeo_dep"], how="left", validate="one_to_one")
    listed_any = m.groupby("ubigeo_dep")["status"].apply(lambda s: (s == "listed").any())
    shown = m[m["ubigeo_dep"].map(listed_any)]
    never = sorted(m.loc[~m["ubigeo_dep"].map(listed_any), "department"].unique(),
                   key=lambda s: unicodedata.normalize("NFD", s))
    rows = _injured_rows(shown, pooled, majority)
    fig, (axa, axb) = plt.subplots(1, 2, figsize=(11, 0.3 * rows["y"] + 2.0), sharey=True)
    waves = list(dict.fromkeys(shown["wave"]))
    _draw_departments(axa, axb, shown, rows["y_of"], waves, policy, index_max)
    _draw_pooled(axa, axb, pooled, rows["pooled_y"], index_max)
    _label_injured_axes(axa, axb, rows, conf, index_max, float(shown["ci_high"].max()) * 1.12)
    handles = [Line2D([], [], marker="o", color=WAVE_COLORS.get(w, "0.3"), label=wave_labels.get(w, w))
               for w in waves]
    handles.append(Line2D([], [], marker="D", color=POOLED_COLOR, label="pooled group, both waves"))
    fig.suptitle(title)
    never_txt = (f"Not listed by MINSA in either wave (attended unknown, not zero; not shown): {', '.join(never)}. "
                 if never else "")
    caption = never_txt + (f"An arrow at {index_max:g} means the interval continues beyond the axis (tiny counts).")
    _legend_below(fig, axa, handles, ncol=len(handles), caption=caption)
    data = shown.assign(group=shown["ubigeo_dep"].isin(majority).map({True: "majority-Indigenous",
                                                                      False: "other"}))
    return fig, pd.concat([data, pooled.assign(wave="pooled")], ignore_index=True)


def _check_injured_columns(rates: pd.DataFrame, lethality: pd.DataFrame, policy: str) -> set:
    """The lethality columns the figure reads (a missing column of either table is an error naming it)."""
    need_r = {"wave", "ubigeo_dep", "department", "status", "rate", "ci_low", "ci_high", "attended"}
    need_l = {"wave", "ubigeo_dep", f"deaths_{policy}", f"index_{policy}", f"low_{policy}", f"high_{policy}"}
    for name, t, need in (("rates", rates, need_r), ("lethality", lethality, need_l)):
        missing = sorted(need - set(t.columns))
        if missing:
            raise ValueError(f"{name}: missing column(s) {missing}")
    return need_l


def _injured_rows(shown: pd.DataFrame, pooled: pd.DataFrame, majority) -> dict:
    """Row positions: a header per block (majority-Indigenous, other, pooled), then its departments by name."""
    deps = shown[["ubigeo_dep", "department"]].drop_duplicates()
    blocks = [("Majority-Indigenous departments (notebook 04)", deps[deps["ubigeo_dep"].isin(majority)]),
              ("Other departments", deps[~deps["ubigeo_dep"].isin(majority)])]
    y_of, ticks, labels, headers, y = {}, [], [], [], 0
    for head, d in blocks:
        headers.append((y, head))
        y += 1
        for r in d.sort_values("department").itertuples():
            y_of[r.ubigeo_dep] = y
            ticks.append(y)
            labels.append(r.department)
            y += 1
    headers.append((y, "Pooled over both waves"))
    y += 1
    pooled_y = []
    for r in pooled.itertuples():
        pooled_y.append(y)
        ticks.append(y)
        labels.append(r.label)
        y += 1
    return {"y_of": y_of, "ticks": ticks, "labels": labels, "headers": headers, "pooled_y": pooled_y, "y": y}


def _draw_departments(axa, axb, shown, y_of, waves, policy, index_max) -> None:
    """Each department and wave: its rate (a) and its lethality index (b), or 'not listed'."""
    offsets = {w: (i - (len(waves) - 1) / 2) * 0.3 for i, w in enumerate(waves)}
    for r in shown.itertuples():
        yy = y_of[r.ubigeo_dep] + offsets[r.wave]
        c = WAVE_COLORS.get(r.wave, "0.3")
        if r.status != "listed":
            for ax in (axa, axb):
                ax.text(0, yy, " not listed", va="center", ha="left", fontsize=7, color="0.45", style="italic")
            continue
        axa.errorbar(r.rate, yy, xerr=[[r.rate - r.ci_low], [r.ci_high - r.rate]], fmt="o", color=c, capsize=2,
                     ms=4)
        v, lo, hi = (getattr(r, f"{k}_{policy}") for k in ("index", "low", "high"))
        axb.errorbar(v, yy, xerr=[[v - lo], [min(hi, index_max) - v]], fmt="o", color=c, capsize=2, ms=4)
        if hi > index_max:
            axb.plot(index_max, yy, marker=">", color=c, ms=4)
        axb.text(min(hi, index_max) + 0.012 * index_max * (3 if hi > index_max else 1), yy,
                 f"{getattr(r, f'deaths_{policy}')}/{r.attended}", va="center", ha="left", fontsize=7)


def _draw_pooled(axa, axb, pooled, pooled_y, index_max) -> None:
    for yy, r in zip(pooled_y, pooled.itertuples()):
        axb.errorbar(r.index, yy, xerr=[[r.index - r.low], [r.high - r.index]], fmt="D", color=POOLED_COLOR,
                     capsize=2, ms=4)
        axb.text(r.high + 0.012 * index_max, yy, f"{r.deaths}/{r.attended}", va="center", ha="left", fontsize=7)
        axa.text(0, yy, " (both waves pooled: see right)", va="center", ha="left", fontsize=7, color="0.45")


def _label_injured_axes(axa, axb, rows, conf, index_max, rate_max) -> None:
    for yy, head in rows["headers"]:
        axa.text(0, yy, head, fontweight="bold", va="center", ha="left")
    axa.set_yticks(rows["ticks"], rows["labels"])
    axa.set_ylim(rows["y"] - 0.5, -0.7)
    axa.set_xlim(0, rate_max)
    axa.set_xlabel(f"persons attended by MINSA per 100,000 inhabitants\n(exact {conf} % interval)")
    axa.set_title("(a) attended per 100,000", loc="left")
    axb.set_xlim(0, index_max * 1.18)
    axb.set_xlabel(f"lethality index: deaths per person attended\n(exact {conf} % interval; label = deaths/attended)")
    axb.set_title("(b) lethality index", loc="left")
    axb.tick_params(axis="y", left=False)
