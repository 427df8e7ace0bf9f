"""Figures of notebook 03 (regional disparity): department death rates and the leave-one-event-out check."""
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from analysis.report.figures import OKABE_ITO

RATE_COLUMNS = ("ubigeo_dep", "department", "deaths", "rate", "rate_low", "rate_high")
LOO_COLUMNS = ("removed", "rr_top", "rr_top_low", "rr_top_high", "departments", "counted")


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} lacks column(s) {missing}")


def rates_forest(table: pd.DataFrame, national: float, scope_label: str = ""):
    """Forest plot of every department's rate per 100,000 with its exact interval, lowest rate at the bottom.

    Departments with no death are drawn as open circles (their interval still has an upper limit); the dashed line
    is the national rate; `scope_label` (who is counted, e.g. Scope.describe()) goes under the title with n.
    Returns (fig, table): the figure's data is the rate table as given (one row per
    department, in its own order), so the saved CSV is the same table the notebook writes.
    """
    _require(table, RATE_COLUMNS, "rate table")
    t = table.sort_values(["rate", "ubigeo_dep"], ascending=[True, False]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    y = np.arange(len(t))
    has = t["deaths"] > 0
    ax.hlines(y, t["rate_low"], t["rate_high"], color=OKABE_ITO[0], lw=1.4)
    ax.plot(t.loc[has, "rate"], y[has], "o", color=OKABE_ITO[0], label="rate (deaths > 0)")
    ax.plot(t.loc[~has, "rate"], y[~has], "o", mfc="white", color=OKABE_ITO[0], label="no death counted")
    ax.axvline(national, color=OKABE_ITO[3], ls="--", lw=1, label="whole country")
    ax.set_yticks(y, [f"{d} ({k})" for d, k in zip(t["department"], t["deaths"])])
    ax.set_xlabel("deaths per 100,000 inhabitants (95 % exact Poisson interval)")
    n = int(t["deaths"].sum())
    ax.set_title("Death rate by department per 100,000 (deaths in brackets)\n"
                 + (f"{scope_label}; " if scope_label else "") + f"n = {n} deaths with a known department",
                 fontsize=9)
    ax.legend(loc="lower right", frameon=False)
    return fig, table


def leave_one_out_drawable(loo: pd.DataFrame) -> bool:
    """True when the leave-one-event-out plot has something to show: the full-data ratio (first row) is finite and
    positive, and at least one event was removed. False also when no top department was tracked (no rr_top)."""
    if "rr_top" not in loo.columns or len(loo) < 2:
        return False
    full = loo.iloc[0]["rr_top"]
    return bool(np.isfinite(full) and full > 0)


def _plain_log_axis(ax) -> None:
    """Log axis with plain tick labels (0.5, 1, 2, 10, 100), not powers of ten."""
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def leave_one_out_plot(loo: pd.DataFrame, label: str, *, subtitle: str = "", model_label: str | None = None):
    """Rate ratio of the top department with each event removed (log scale, exact interval), full-data value dashed.

    `loo` is the table of regression.leave_one_event_out with the first row = all events and the columns `counted`
    (persons removed) and `departments` of each event; with a column `label` each event is named in words (else by
    its id). An infinite ratio (no reference death left) is listed in the title, not drawn; a zero ratio (no
    top-department death left) cannot sit on a log axis and is not drawn either. `subtitle` (scope and counts) goes
    under the title. With `model_label` and the columns model_rr_first / sign_flip_p, a second panel shows the
    covariate's rate ratio with each event removed and its sign-flip p-value. Returns (fig, loo).
    """
    _require(loo, LOO_COLUMNS, "leave-one-event-out table")
    if not leave_one_out_drawable(loo):
        raise ValueError("leave-one-event-out plot needs a finite, positive full-data rate ratio and >= 1 event "
                         "removed")
    rest = loo.iloc[1:]
    d = rest[np.isfinite(rest["rr_top"]) & (rest["rr_top"] > 0)].sort_values(["rr_top", "removed"])
    d = d.reset_index(drop=True)
    names = d["label"] if "label" in d.columns else d["removed"]
    ticks = [textwrap.fill(f"without {e} ({dep}, {int(n)})", 48)
             for e, dep, n in zip(names, d["departments"], d["counted"])]
    lines = sum(t.count("\n") + 1 for t in ticks)
    second = model_label is not None and {"model_rr_first", "sign_flip_p"} <= set(loo.columns)
    height = 0.2 * lines + 0.15 * len(d) + 2.2
    if second:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, height), sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    else:
        fig, ax = plt.subplots(figsize=(7.5, height))
    y = np.arange(len(d))
    high = d["rr_top_high"].where(np.isfinite(d["rr_top_high"]), d["rr_top"])  # open upper limit: drawn to the point
    ax.hlines(y, d["rr_top_low"], high, color=OKABE_ITO[0], lw=1.2)
    ax.plot(d["rr_top"], y, "o", color=OKABE_ITO[0])
    ax.axvline(loo.iloc[0]["rr_top"], color=OKABE_ITO[3], ls="--", lw=1)
    ax.set_xscale("log")
    _plain_log_axis(ax)
    ax.set_yticks(y, ticks, fontsize=8)
    ax.set_title(f"rate ratio {label}\n95 % exact interval (persons: descriptive)", fontsize=9)
    ax.set_xlabel("rate ratio (log scale); dashed: all events", fontsize=8)
    dropped = rest.loc[~np.isfinite(rest["rr_top"])]
    dropped_names = (dropped["label"] if "label" in dropped.columns else dropped["removed"]).tolist()
    note = f"\nnot drawn (no reference death left): {', '.join(dropped_names)}" if dropped_names else ""
    if second:
        ax2.plot(d["model_rr_first"], y, "s", color=OKABE_ITO[5])
        ax2.axvline(loo.iloc[0]["model_rr_first"], color=OKABE_ITO[3], ls="--", lw=1)
        ax2.axvline(1.0, color="grey", lw=0.6)
        ax2.set_xscale("log")
        _plain_log_axis(ax2)
        ax2.set_title(f"rate ratio per step of {model_label}\nsign-flip p-value by event at right", fontsize=9)
        ax2.set_xlabel("rate ratio (log scale); dashed: all events", fontsize=8)
        for yy, p in zip(y, d["sign_flip_p"]):
            ax2.annotate(f"p {p:.2f}", (1.0, yy), xycoords=("axes fraction", "data"), xytext=(4, 0),
                         textcoords="offset points", va="center", fontsize=7)
    fig.suptitle("Leave one lethal event out (the event's counted deaths in brackets)"
                 + (f"\n{subtitle}" if subtitle else "") + note, fontsize=10)
    fig.tight_layout()
    return fig, loo


ROLE_STYLE = {"defensible": (OKABE_ITO[0], "o"),
              "descriptive: persons treated as independent": ("#8c8c8c", "s"),
              "for comparison only: normal critical values with few clusters": ("#8c8c8c", "D")}
METHOD_COLUMNS = ("label", "estimate", "low", "high", "p_value", "role", "headline_p", "headline_interval")


def methods_forest(methods: pd.DataFrame, xlabel: str, title: str):
    """One row per method (regression.methods_table): estimate and 95 % interval on a log axis, grey for the
    descriptive / comparison-only methods, the p-value at the right, the headline method(s) marked in bold.
    A method without an interval (the randomisation test) is a point; an open bound (0 or infinity) is drawn to the
    axis edge with an arrow. Returns (fig, methods)."""
    _require(methods, METHOD_COLUMNS, "methods table")
    unknown = sorted(set(methods["role"]) - set(ROLE_STYLE))
    if unknown:
        raise ValueError(f"methods table: role not one of {sorted(ROLE_STYLE)}: {unknown}")
    d = methods.iloc[::-1].reset_index(drop=True)  # first method at the top
    finite = pd.concat([d["estimate"], d["low"], d["high"]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo_edge, hi_edge = finite.min() / 1.6, finite.max() * 1.6
    fig, ax = plt.subplots(figsize=(8.6, 0.55 * len(d) + 2.2))
    y = np.arange(len(d))
    for yy, r in zip(y, d.itertuples(index=False)):
        color, marker = ROLE_STYLE[r.role]
        if np.isfinite(r.low) or np.isfinite(r.high):
            low = r.low if r.low > 0 else lo_edge
            high = r.high if np.isfinite(r.high) else hi_edge
            ax.hlines(yy, low, high, color=color, lw=1.6)
            if not r.low > 0:
                ax.annotate("", (lo_edge, yy), (lo_edge * 1.3, yy), arrowprops={"arrowstyle": "->", "color": color})
            if not np.isfinite(r.high):
                ax.annotate("", (hi_edge, yy), (hi_edge / 1.3, yy), arrowprops={"arrowstyle": "->", "color": color})
        ax.plot(r.estimate, yy, marker, color=color, ms=6)
        ax.annotate(f"p {r.p_value:.3f}" if r.p_value >= 0.001 else "p < 0.001", (1.0, yy),
                    xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=8, fontweight="bold" if r.headline_p else "normal")
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlim(lo_edge, hi_edge)
    ticks = [textwrap.fill(f"{r.label} ★" if (r.headline_p or r.headline_interval) else r.label, 40)
             for r in d.itertuples(index=False)]
    ax.set_yticks(y, ticks, fontsize=8)
    _plain_log_axis(ax)
    for t, r in zip(ax.get_yticklabels(), d.itertuples(index=False)):
        if r.role != "defensible":
            t.set_color("dimgrey")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    handles = [plt.Line2D([], [], color=c, marker=m, ls="-", label=lab) for lab, (c, m) in ROLE_STYLE.items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, -0.09 - 0.4 / len(d)), frameon=False,
              fontsize=7, ncol=1)
    fig.tight_layout()
    return fig, methods
