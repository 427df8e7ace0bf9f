"""Figures of notebook 03 (regional disparity): department death rates and the leave-one-event-out check."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import OKABE_ITO

RATE_COLUMNS = ("ubigeo_dep", "department", "deaths", "rate", "rate_low", "rate_high")
LOO_COLUMNS = ("removed", "rr_top", "rr_top_low", "rr_top_high", "departments", "counted")


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} lacks column(s) {missing}")


def rates_forest(table: pd.DataFrame, national: float):
    """Forest plot of every department's rate per 100,000 with its exact interval, lowest rate at the bottom.

    Departments with no death are drawn as open circles (their interval still has an upper limit); the dashed line
    is the national rate. Returns (fig, table): the figure's data is the rate table as given (one row per
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
    ax.set_title("Death rate by department (number of deaths in brackets)")
    ax.legend(loc="lower right", frameon=False)
    return fig, table


def leave_one_out_drawable(loo: pd.DataFrame) -> bool:
    """True when the leave-one-event-out plot has something to show: the full-data ratio (first row) is finite and
    positive, and at least one event was removed. False also when no top department was tracked (no rr_top)."""
    if "rr_top" not in loo.columns or len(loo) < 2:
        return False
    full = loo.iloc[0]["rr_top"]
    return bool(np.isfinite(full) and full > 0)


def leave_one_out_plot(loo: pd.DataFrame, label: str):
    """Rate ratio of the top department with each event removed (log scale, exact interval), full-data value dashed.

    `loo` is the table of regression.leave_one_event_out with the first row = all events and the columns `counted`
    (persons removed) and `departments` of each event. An infinite ratio (no reference death left) is listed in the
    title, not drawn; a zero ratio (no top-department death left) cannot sit on a log axis and is not drawn either.
    Returns (fig, loo).
    """
    _require(loo, LOO_COLUMNS, "leave-one-event-out table")
    if not leave_one_out_drawable(loo):
        raise ValueError("leave-one-event-out plot needs a finite, positive full-data rate ratio and >= 1 event "
                         "removed")
    rest = loo.iloc[1:]
    d = rest[np.isfinite(rest["rr_top"]) & (rest["rr_top"] > 0)].sort_values(["rr_top", "removed"])
    d = d.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * len(d) + 1.5))
    y = np.arange(len(d))
    high = d["rr_top_high"].where(np.isfinite(d["rr_top_high"]), d["rr_top"])  # open upper limit: drawn to the point
    ax.hlines(y, d["rr_top_low"], high, color=OKABE_ITO[0], lw=1.2)
    ax.plot(d["rr_top"], y, "o", color=OKABE_ITO[0])
    ax.axvline(loo.iloc[0]["rr_top"], color=OKABE_ITO[3], ls="--", lw=1, label="all events")
    ax.set_xscale("log")
    ax.set_yticks(y, [f"without {e} ({dep}, {int(n)})" for e, dep, n in zip(d["removed"], d["departments"],
                                                                                d["counted"])])
    ax.set_xlabel(f"rate ratio {label} (log scale, 95 % exact interval)")
    dropped = rest.loc[~np.isfinite(rest["rr_top"]), "removed"].tolist()
    note = f"\nnot drawn (no reference death left): {', '.join(dropped)}" if dropped else ""
    ax.set_title(f"Leave one lethal event out (counted deaths removed in brackets){note}")
    ax.legend(loc="lower right", frameon=False)
    return fig, loo
