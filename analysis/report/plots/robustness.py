"""Figures of notebook 08 (robustness), drawn from the tables of `python -m analysis sweep`:

- specification_curve: per finding, its distinct results ranked by rate ratio (interval, decision, how many
  specifications give each) above a map of the choices behind each result;
- influence_figure: per finding, how often changing one choice (all others fixed) flips the decision.

Every label is in words (the sweep passes them in as `Words`), every title names the finding's scope and its n.
Nothing here knows the grid: its findings, dimensions and choices come with the data.
"""
import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.report.figures import OKABE_ITO

DECISION_COLOURS = {"holds": OKABE_ITO[0], "does not hold": OKABE_ITO[3], "not estimable": "#999999"}
FINDING_TITLES = {"ethnic": "Ethnic finding", "regional": "Regional finding"}
CURVE_COLUMNS = ("finding", "result_id", "rank", "multiplicity", "rr", "rr_low", "rr_high", "p_value", "decision")


@dataclass(frozen=True)
class Words:
    """What the figures say in words: per finding its dimensions (grid order) and what it compares; per dimension
    its label; per dimension the words of each choice ({choice text: words}, or a function of the choice)."""
    dims: dict  # finding -> dimensions it uses
    meaning: dict  # finding -> what it compares
    dimension: dict  # dimension -> label
    choices: dict  # dimension -> {choice text: words} or callable

    def choice(self, dim: str, value) -> str:
        """The words of one choice (its text when none are given; thresholds as 50, not 50.0)."""
        text = f"{value:g}" if isinstance(value, float) else str(value)
        words = self.choices.get(dim, {})
        return words(value) if callable(words) else words.get(text, text)


def _wrap(text: str, width: int = 95) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join(lines + [line])


def curve_data(results: pd.DataFrame, distinct: pd.DataFrame, dims: dict) -> pd.DataFrame:
    """The distinct results of each finding ranked by rate ratio (ties: by p-value, then id), with for every choice
    the share of the result's specifications that use it (columns `<dimension>=<choice>`). dims: finding -> its
    dimensions (Words.dims)."""
    parts = []
    for finding in [f for f in dims if (distinct["finding"] == f).any()]:
        d = distinct[distinct["finding"] == finding].copy()
        d = d.sort_values(["rr", "p_value", "result_id"], kind="stable", na_position="first").reset_index(drop=True)
        d.insert(2, "rank", np.arange(1, len(d) + 1))
        r = results[results["finding"] == finding]
        for dim in dims[finding]:
            share = pd.crosstab(r["result_id"], r[dim].astype(str), normalize="index")
            for choice in pd.unique(r[dim].astype(str)):
                d[f"{dim}={choice}"] = d["result_id"].map(share[choice]).fillna(0.0).to_numpy()
        parts.append(d[[*CURVE_COLUMNS, *[c for c in d.columns if "=" in c]]])
    return pd.concat(parts, ignore_index=True)


def _choice_rows(data: pd.DataFrame, finding: str, dims: tuple):
    return [c for c in data.columns if "=" in c and c.split("=", 1)[0] in dims
            and data.loc[data["finding"] == finding, c].notna().any()]


def specification_curve(data: pd.DataFrame, summary: pd.DataFrame, words: Words):
    """data: curve_data(...); summary: the sweep's summary table (n of specifications per finding); words: the
    labels of findings, dimensions and choices. One block per finding (estimates above, choices below).
    Returns (fig, data)."""
    missing = [c for c in CURVE_COLUMNS if c not in data.columns]
    if missing:
        raise KeyError(f"specification-curve data lacks column(s) {missing}")
    findings = [f for f in words.dims if (data["finding"] == f).any()]
    if not findings:
        raise ValueError("specification-curve data has no finding")
    rows = {f: _choice_rows(data, f, words.dims[f]) for f in findings}
    block = {f: 3.0 + 0.2 * len(rows[f]) + 2.0 for f in findings}
    fig = plt.figure(figsize=(11.5, sum(block.values())))
    subfigs = np.atleast_1d(fig.subfigures(len(findings), 1, height_ratios=[block[f] for f in findings]))
    n_specs = summary.set_index("finding")["n_specs"]
    present = set(data["decision"])
    handles = [Line2D([], [], marker="o", ls="", color=c, label=k) for k, c in DECISION_COLOURS.items()
               if k in present]
    largest = int(data["multiplicity"].max())
    handles += [Line2D([], [], marker="o", ls="", color="black", markersize=math.sqrt(_size(m)),
                       label=f"{m} specification{'s' if m > 1 else ''}")
                for m in sorted({1, (1 + largest) // 2, largest})]
    for sub, finding in zip(subfigs, findings):
        d = data[data["finding"] == finding].reset_index(drop=True)
        top, bottom = sub.subplots(2, 1, gridspec_kw={"height_ratios": [3.0, 0.2 * len(rows[finding]) + 0.3],
                                                      "hspace": 0.06})
        _draw_estimates(top, d)
        _draw_choices(bottom, d, rows[finding], words)
        sub.suptitle(_wrap(f"{FINDING_TITLES[finding]}: {words.meaning[finding]}. "
                           f"{int(n_specs[finding]):,} specifications give {len(d):,} distinct results "
                           "(rate ratio and 95 % interval of each)", 110), x=0.01, ha="left", fontsize=10)
        top.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles), frameon=False,
                   fontsize=7.5, handletextpad=0.3, columnspacing=1.0, borderaxespad=0.2)
        sub.subplots_adjust(top=1 - 1.05 / block[finding], bottom=0.55 / block[finding], left=0.2, right=0.98)
    return fig, data


def _size(multiplicity) -> float:
    return 5.0 * np.asarray(multiplicity, dtype=float) ** 0.75


def _draw_estimates(ax, d: pd.DataFrame) -> None:
    x = d["rank"].to_numpy()
    colour = np.array([DECISION_COLOURS.get(v, "#999999") for v in d["decision"]])
    est = d["rr"].to_numpy(dtype=float)
    low, high = d["rr_low"].to_numpy(dtype=float), d["rr_high"].to_numpy(dtype=float)
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (est, low, high)])
    ymin, ymax = finite.min() / 1.6, finite.max() * 1.6
    ymin, ymax = min(ymin, 0.5), max(ymax, 2.0)
    lo = np.where(np.isfinite(low) & (low > 0), low, np.nan)
    hi = np.where(np.isfinite(high), high, np.nan)
    open_low = (low == 0) & np.isfinite(est)
    open_high = np.isinf(high)
    lo = np.where(open_low, ymin, lo)
    hi = np.where(open_high, ymax, hi)
    ax.vlines(x, lo, hi, colors=colour, lw=0.5, alpha=0.45)
    ax.scatter(x[open_high], np.full(open_high.sum(), ymax), marker="^", s=6, c=colour[open_high], linewidths=0)
    ax.scatter(x[open_low], np.full(open_low.sum(), ymin), marker="v", s=6, c=colour[open_low], linewidths=0)
    ax.scatter(x, est, c=colour, s=_size(d["multiplicity"]), zorder=3, linewidths=0)
    ax.axhline(1, color="black", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_ylim(ymin, ymax)
    ax.set_xlim(0.5, len(d) + 0.5)
    ax.set_ylabel("rate ratio (log scale)")
    ax.tick_params(axis="x", labelbottom=False)
    ax.text(0.995, 0.02, "▲ / ▼: interval open at that end; no bar: the method gives no interval",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555555")


def _draw_choices(ax, d: pd.DataFrame, rows: list, words: Words) -> None:
    matrix = d[rows].to_numpy(dtype=float).T
    ax.imshow(matrix, aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest",
              extent=(0.5, len(d) + 0.5, len(rows) - 0.5, -0.5))
    names = []
    previous = None
    for r in rows:
        dim, choice = r.split("=", 1)
        head = words.dimension[dim] + ": " if dim != previous else ""
        names.append(f"{head}{words.choice(dim, choice)}")
        previous = dim
    ax.set_yticks(range(len(rows)), names, fontsize=7)
    dims = [r.split("=", 1)[0] for r in rows]
    for k in range(1, len(rows)):
        if dims[k] != dims[k - 1]:
            ax.axhline(k - 0.5, color="#BBBBBB", lw=0.6)
    ax.set_xlabel(f"distinct results, ranked by rate ratio (n = {len(d):,}); shade = share of the result's "
                  "specifications that make this choice", fontsize=8)
    for spine in ("left", "bottom", "top", "right"):
        ax.spines[spine].set_visible(False)


# ---- influence -------------------------------------------------------------------------------------------------

def change_label(words: Words, dim: str, from_choice, to_choice) -> str:
    """'<dimension>: <reference choice> → <other choice>' in words."""
    return f"{words.dimension[dim]}: {words.choice(dim, from_choice)} → {words.choice(dim, to_choice)}"


INFLUENCE_COLUMNS = ("finding", "dimension", "from_choice", "to_choice", "pairs", "holds_to_fails", "fails_to_holds",
                     "share_flipped")


def influence_figure(influence: pd.DataFrame, summary: pd.DataFrame, words: Words):
    """Per finding (stacked panels), one bar per non-reference choice: the share of pairs of specifications that
    differ only in that choice whose decision flips, split by direction, annotated 'k of n pairs'.
    Returns (fig, data)."""
    missing = [c for c in INFLUENCE_COLUMNS if c not in influence.columns]
    if missing:
        raise KeyError(f"influence data lacks column(s) {missing}")
    findings = [f for f in words.dims if (influence["finding"] == f).any()]
    if not findings:
        raise ValueError("influence data has no finding")
    sizes = [int((influence["finding"] == f).sum()) for f in findings]
    fig, axes = plt.subplots(len(findings), 1, figsize=(10, 0.3 * sum(sizes) + 1.5 * len(findings) + 0.6),
                             gridspec_kw={"height_ratios": [s + 2.5 for s in sizes], "hspace": 0.55}, squeeze=False)
    n_specs = summary.set_index("finding")["n_specs"]
    data = influence.copy()
    data["label"] = [change_label(words, r.dimension, r.from_choice, r.to_choice)
                     for r in influence.itertuples(index=False)]
    for ax, finding in zip(axes[:, 0], findings):
        d = data[data["finding"] == finding].reset_index(drop=True)
        y = np.arange(len(d))
        lost = d["holds_to_fails"] / d["pairs"]
        gained = d["fails_to_holds"] / d["pairs"]
        ax.barh(y, 100 * lost, color=DECISION_COLOURS["does not hold"], label="holds → does not hold")
        ax.barh(y, 100 * gained, left=100 * lost, color=DECISION_COLOURS["holds"], label="does not hold → holds")
        for yi, r in zip(y, d.itertuples(index=False)):
            ax.text(100 * r.share_flipped + 1, yi, f"{r.holds_to_fails + r.fails_to_holds:,} of {r.pairs:,} pairs",
                    va="center", fontsize=7)
        ax.set_yticks(y, d["label"], fontsize=7.5)
        ax.set_ylim(len(d) - 0.5, -0.5)
        ax.set_xlim(0, 118)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel("pairs of specifications identical but for this choice whose decision flips (%)")
        ax.set_title(f"{FINDING_TITLES[finding]}, {int(n_specs[finding]):,} specifications: how often changing one "
                     "choice flips the decision\n" + _wrap(f"({words.meaning[finding]}; the reference choice is "
                                                           "left of the arrow)", 110), loc="left")
    fig.legend(handles=[Patch(color=DECISION_COLOURS["does not hold"], label="holds → does not hold"),
                        Patch(color=DECISION_COLOURS["holds"], label="does not hold → holds")],
               loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.45 / fig.get_figheight() + 0.02)
    return fig, data
