"""Figures of notebook 05 (how force was used). Each returns (fig, data); data is what the figure shows."""
import matplotlib.pyplot as plt
import pandas as pd

from ..figures import OKABE_ITO

SHARE_COLUMNS = {"label", "k", "n", "share", "ci_low", "ci_high"}


def _check(table: pd.DataFrame, name: str, columns) -> None:
    missing = sorted(set(columns) - set(table.columns))
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}")
    bad = table[(table["ci_low"] > table["share"]) | (table["share"] > table["ci_high"])]
    if len(bad):
        raise ValueError(f"{name}: share outside its interval in row(s) {list(bad.index)}")


def shares_with_intervals(panels, conf: int):
    """One panel per (title, force.proportions table): each level's share with its exact interval, labelled k/n.
    data: the tables stacked, with `variable` = the panel title."""
    for title, t in panels:
        _check(t, title, SHARE_COLUMNS)
    fig, axes = plt.subplots(1, len(panels), figsize=(10, 3.6), sharex=True, squeeze=False)
    for ax, (title, t), color in zip(axes[0], panels, OKABE_ITO):
        y = range(len(t))
        ax.errorbar(t["share"], y, xerr=[t["share"] - t["ci_low"], t["ci_high"] - t["share"]], fmt="o",
                    color=color, capsize=2)
        ax.set_yticks(list(y), [f"{lab.replace('_', ' ')} ({k}/{m})" for lab, k, m in zip(t["label"], t["k"], t["n"])])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(f"{title} (n = {int(t['n'].iloc[0])} known)")
        ax.set_xlabel("share of persons")
    fig.suptitle(f"Shares with exact {conf}% intervals (unknowns excluded from each denominator)")
    fig.tight_layout()
    return fig, pd.concat([t.assign(variable=v) for v, t in panels], ignore_index=True)


def group_comparisons(comp: pd.DataFrame, conf: int):
    """Each comparison's two groups (alternating colours) with the share with the outcome and its exact interval.
    `comp` has one row per (comparison, group), as built from force.comparison_rows."""
    _check(comp, "comparisons", SHARE_COLUMNS - {"label"} | {"comparison", "group"})
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    y = list(range(len(comp)))
    colors = [OKABE_ITO[0] if i % 2 == 0 else OKABE_ITO[1] for i in y]
    for yi, row, c in zip(y, comp.itertuples(), colors):
        ax.errorbar(row.share, yi, xerr=[[row.share - row.ci_low], [row.ci_high - row.share]], fmt="o", color=c,
                    capsize=2)
    ax.set_yticks(y, [f"{r.comparison.split('.', 1)[1]}: {r.group} ({r.k}/{r.n})" for r in comp.itertuples()])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share with the outcome (exact {conf}% interval)")
    ax.set_title("Group comparisons (outcome after the colon; p-values in the table)")
    return fig, comp
