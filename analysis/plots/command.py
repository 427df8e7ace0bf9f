"""The chain-of-command timeline (notebook 06): deaths per day by department and by force, office holders with
the dated endorsing statements, and states of emergency / curfews, on one shared day axis.

`data` has one row per drawn element: panel, row (the y-axis label), series, start, end, value (deaths for the
two bar panels; empty for the interval panels). A death known to the day is a solid bar on that day (series
"day known"); a death whose date is known only as an interval [lo, hi] is drawn hatched on its first possible day
(series "day uncertain", with start = lo and end = hi in the data), so every death is drawn.
"""
import datetime as dt

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import OKABE_ITO, apply_style

DATA_COLUMNS = ["panel", "row", "series", "start", "end", "value"]
TOP_DEPARTMENTS = 7
HATCH = "///"


def department_groups(deaths: pd.DataFrame, top: int = TOP_DEPARTMENTS) -> tuple[list, pd.Series]:
    """The `top` departments with most deaths ('' shown as 'unknown'), listed by count then name, plus 'other'
    when any death falls elsewhere; and each death's group. Ties at the cut keep the departments seen first in
    `deaths` (value_counts order), as the notebook always has: the row order decides, not the name."""
    dep = deaths.department.replace("", "unknown")
    counts = dep.value_counts()
    keep = sorted(counts.index[:top], key=lambda d: (-counts[d], d))
    groups = dep.where(dep.isin(keep), "other")
    return keep + (["other"] if (groups == "other").any() else []), groups


def emergency_areas(measures: pd.DataFrame) -> list:
    """The y rows of the emergency panel: 'national' first, then departments by name."""
    return sorted({m.department or "national" for m in measures.itertuples()}, key=lambda a: (a != "national", a))


def daily_counts(deaths: pd.DataFrame, labels, groups: pd.Series, days: list) -> dict:
    """{label: deaths per day of `days`} for the deaths known to the day whose group is `label`."""
    return {lab: np.array([int((deaths[groups == lab].day == d).sum()) for d in days]) for lab in labels}


def uncertain_counts(deaths: pd.DataFrame, labels, groups: pd.Series, days: list) -> dict:
    """{label: deaths per first possible day} for the deaths whose day is not known (interval lo < hi)."""
    unsure = deaths.day.isna()
    return {lab: np.array([int((deaths[(groups == lab) & unsure].lo == d).sum()) for d in days]) for lab in labels}


def _stacked(ax, deaths: pd.DataFrame, labels, groups: pd.Series, days: list, title: str, date_field: str) -> list:
    """Stacked daily bars (solid: day known; hatched, on top: day uncertain, at the first possible day); the
    figure-data rows of the non-zero bars."""
    x = pd.to_datetime(days)
    bottom, rows = np.zeros(len(days)), []
    for i, (lab, vals) in enumerate(daily_counts(deaths, labels, groups, days).items()):
        ax.bar(x, vals, bottom=bottom, width=1.0, align="edge", color=OKABE_ITO[i % 8], label=lab, linewidth=0)
        bottom += vals
        rows.extend({"panel": title, "row": lab, "series": "day known", "start": d, "end": d, "value": int(v)}
                    for d, v in zip(days, vals) if v)
    unsure = deaths.day.isna()
    for i, (lab, vals) in enumerate(uncertain_counts(deaths, labels, groups, days).items()):
        if not vals.any():
            continue
        ax.bar(x, vals, bottom=bottom, width=1.0, align="edge", color="white", edgecolor=OKABE_ITO[i % 8],
               hatch=HATCH, linewidth=0.5)
        bottom += vals
        sub = deaths[(groups == lab) & unsure]
        for (lo, hi), g in sub.groupby(["lo", "hi"], sort=True):
            rows.append({"panel": title, "row": lab, "series": "day uncertain", "start": lo, "end": hi,
                         "value": len(g)})
    ax.set_ylabel(f"deaths per day\n(date of {date_field})")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title + (" (hatched: day known only as an interval, drawn at its first day)" if unsure.any()
                          else ""), loc="left")
    ax.legend(ncol=4, fontsize=7, frameon=False, loc="upper right")
    return rows


def _tenure_panel(ax, tenures, endorse, roles, x0, x1) -> list:
    """One bar row per role (certain part solid, uncertain end hatched) and a diamond per endorsing statement;
    statements by holders of roles not shown go on a row 0 labelled 'other roles'."""
    ax.set_title("c. Office holders (hatched: uncertain boundary) and dated statements endorsing the forces (◆)",
                 loc="left")
    rows = []
    for i, role in enumerate(roles):
        y = len(roles) - i
        for j, t in enumerate(tenures[tenures.role == role].itertuples()):
            lo = max(pd.Timestamp(t.start_latest), x0)
            hi = x1 if t.open else min(pd.Timestamp(t.end_earliest), x1)
            colour = OKABE_ITO[j % 2 * 5]  # successive holders alternate blue / light blue
            ax.barh(y, hi - lo, left=lo, height=0.6, color=colour, alpha=0.6)
            if not t.open and t.end_latest > t.end_earliest:
                ax.barh(y, pd.Timestamp(t.end_latest) - pd.Timestamp(t.end_earliest),
                        left=pd.Timestamp(t.end_earliest), height=0.6, color="white", edgecolor=colour, hatch=HATCH)
            ax.text(lo + pd.Timedelta(days=1), y, t.short_name, va="center", fontsize=7)
            rows.append({"panel": "tenure", "row": role, "series": t.person, "start": t.start_earliest,
                         "end": None if t.open else t.end_latest, "value": None})
        for s in endorse[endorse.role == role].itertuples():
            mid = pd.Timestamp(s.date_earliest) + (pd.Timestamp(s.date_latest) - pd.Timestamp(s.date_earliest)) / 2
            ax.plot([mid + pd.Timedelta(hours=12)], [y + 0.42], marker="D", color="black", markersize=4)
    extra = [r for r in sorted(set(endorse.role)) if r not in roles]
    for role in extra:
        for s in endorse[endorse.role == role].itertuples():
            ax.plot([pd.Timestamp(s.date_latest) + pd.Timedelta(hours=12)], [0], marker="D", color="black",
                    markersize=4)
    rows.extend({"panel": "statement", "row": s.role, "series": s.holder, "start": s.date_earliest,
                 "end": s.date_latest, "value": None} for s in endorse.itertuples())
    ax.set_yticks(range(len(roles), -1 if extra else 0, -1))
    ax.set_yticklabels(list(roles) + (["other roles: " + ", ".join(extra)] if extra else []), fontsize=7)
    return rows


def _measure_style(m) -> tuple[str, float]:
    """Colour and bar height: states of emergency dark blue (whole department/nation, tall) or light blue (part,
    shorter); curfews orange and thin."""
    whole = m.level in ("department", "national")
    if m.measure != "state of emergency":
        return OKABE_ITO[1], 0.25
    return (OKABE_ITO[0], 0.7) if whole else (OKABE_ITO[5], 0.4)


def _emergency_panel(ax, measures, areas, x0, x1) -> list:
    ax.set_title("d. States of emergency by department (dark blue: whole department; light blue: some provinces or "
                 "districts), curfews (orange); hatched: uncertain start or end", loc="left")
    rows = []
    for i, area in enumerate(areas):
        y = len(areas) - i
        for m in measures[measures.department.replace("", "national") == area].itertuples():
            colour, h = _measure_style(m)
            lo, hi = max(pd.Timestamp(m.start_latest), x0), min(pd.Timestamp(m.end_earliest), x1)
            if hi > lo:
                ax.barh(y, hi - lo, left=lo, height=h, color=colour, alpha=0.7)
            for a, b in ((m.start_earliest, m.start_latest), (m.end_earliest, m.end_latest)):
                if b > a:
                    ax.barh(y, pd.Timestamp(b) - pd.Timestamp(a), left=pd.Timestamp(a), height=h, color="white",
                            edgecolor=colour, hatch=HATCH)
            rows.append({"panel": "emergency", "row": m.place or area, "series": m.measure_id,
                         "start": m.start_earliest, "end": m.end_latest, "value": None})
    ax.set_yticks(range(len(areas), 0, -1))
    ax.set_yticklabels(areas, fontsize=6)
    return rows


def timeline_figure(deaths: pd.DataFrame, tenures: pd.DataFrame, endorse: pd.DataFrame, measures: pd.DataFrame,
                    roles, forces, window_start: dt.date, window_end: dt.date, date_field: str = "death"):
    """The four-panel timeline over [window_start, window_end]; returns (fig, data).

    `deaths`: deaths in the window (deaths.death_frame: columns lo, hi, day, department, force); `tenures`:
    tally.in_window output;
    `endorse`: the endorsing statements; `measures`: emergency.code_measures output; `forces` gives the order of
    the force series (only forces with a death are drawn); `date_field` names the date the deaths are placed by
    ('injury' or 'death', shown on the y axes).
    """
    missing = sorted({"victim_id", "lo", "hi", "day", "department", "force"} - set(deaths.columns))
    if missing:
        raise ValueError(f"deaths table lacks column(s) {missing}")
    outside = deaths[[pd.isna(lo) or pd.isna(hi) or not window_start <= lo <= hi <= window_end
                      for lo, hi in zip(deaths.lo, deaths.hi)]]
    if len(outside):
        raise ValueError(f"deaths undated or outside {window_start}..{window_end}: {list(outside.victim_id)}")
    apply_style()
    days = [d.date() for d in pd.date_range(window_start, window_end, freq="D")]
    x0, x1 = pd.Timestamp(window_start), pd.Timestamp(window_end) + pd.Timedelta(days=1)
    areas = emergency_areas(measures)
    heights = [3, 2, max(2, 0.45 * (len(roles) + 1)), max(2, 0.35 * len(areas))]
    fig, axes = plt.subplots(4, 1, figsize=(11, sum(heights) * 0.75 + 1.5), sharex=True,
                             gridspec_kw={"height_ratios": heights})
    dep_labels, dep_groups = department_groups(deaths)
    rows = _stacked(axes[0], deaths, dep_labels, dep_groups, days, "a. Deaths per day by department", date_field)
    force_labels = [f for f in forces if (deaths.force == f).any()]
    rows += _stacked(axes[1], deaths, force_labels, deaths.force, days, "b. Deaths per day by force", date_field)
    rows += _tenure_panel(axes[2], tenures, endorse, list(roles), x0, x1)
    rows += _emergency_panel(axes[3], measures, areas, x0, x1)
    axes[3].set_xlim(x0, x1)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig, pd.DataFrame(rows, columns=DATA_COLUMNS)
