"""The chain-of-command timeline (notebook 06): deaths per day by force and by department, office holders with
the dated endorsing statements, and states of emergency / curfews, on one shared day axis.

One colour, one meaning: in panels a and b a colour is a force (analysis.report.figures.COLOURS["force"], the same as in
every figure of the suite); office holders are outlined bars with their names (no colour); states of emergency and
curfews have colours no force uses. Hatching always means "date known only as an interval".

`data` has one row per drawn element: panel, row (the y-axis label), force (in words; bar panels only), series,
start, end, value (deaths for the two bar panels; empty for the interval panels). A death known to the day is a
solid bar on that day (series "day known"); a death whose date is known only as an interval [lo, hi] is drawn
hatched on its first possible day (series "day uncertain", with start = lo and end = hi in the data), so every death
is drawn.
"""
import datetime as dt
from collections import Counter

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.report.figures import COLOURS, FORCE_COLOURS, apply_style, caption, day, label, scope_text, wrap, year_axis

DATA_COLUMNS = ["panel", "row", "force", "series", "start", "end", "value"]
TOP_DEPARTMENTS = 7
HATCH = "///"
PANEL_A = "a. Deaths per day, all departments, by force"
PANEL_B = "b. Deaths per day by department (the seven with most deaths; the rest combined)"
UNKNOWN_DEPARTMENT = "department unknown"
OTHER_DEPARTMENTS = "other departments"
MEASURE_COLOURS = COLOURS["measure"]
SOE_WHOLE, SOE_PART, CURFEW = (MEASURE_COLOURS["state of emergency"],
                               MEASURE_COLOURS["state of emergency (part of the department)"], MEASURE_COLOURS["curfew"])
BAR_H = 0.32  # office-holder bars (row spacing 1)
LANES = (0.0, -0.36, -0.56)  # name positions relative to the row: inside the bar, below it, further below
NAME_SIZE = 7


def department_groups(deaths: pd.DataFrame, top: int = TOP_DEPARTMENTS) -> tuple[list, pd.Series]:
    """The `top` departments with most deaths ('' shown as 'department unknown'), listed by count then name, plus
    'other departments' when any death falls elsewhere; and each death's group. Ties at the cut keep the departments seen first
    in `deaths` (value_counts order), as the notebook always has: the row order decides, not the name."""
    dep = deaths.department.replace("", UNKNOWN_DEPARTMENT)
    counts = dep.value_counts()
    keep = sorted(counts.index[:top], key=lambda d: (-counts[d], d))
    groups = dep.where(dep.isin(keep), OTHER_DEPARTMENTS)
    return keep + ([OTHER_DEPARTMENTS] if (groups == OTHER_DEPARTMENTS).any() else []), groups


def emergency_areas(measures: pd.DataFrame) -> list:
    """The y rows of the emergency panel: 'national' first, then departments by name."""
    return sorted({m.department or "national" for m in measures.itertuples()}, key=lambda a: (a != "national", a))


def daily_counts(deaths: pd.DataFrame, labels, groups: pd.Series, days: list) -> dict:
    """{label: deaths per day of `days`} for the deaths known to the day whose group is `label`."""
    out = {}
    for lab in labels:
        per_day = Counter(deaths.day[groups == lab])  # one pass per label, not one per day
        out[lab] = np.array([per_day.get(d, 0) for d in days], dtype=int)
    return out


def uncertain_counts(deaths: pd.DataFrame, labels, groups: pd.Series, days: list) -> dict:
    """{label: deaths per first possible day} for the deaths whose day is not known (interval lo < hi)."""
    unsure = deaths.day.isna()
    out = {}
    for lab in labels:
        per_day = Counter(deaths.lo[(groups == lab) & unsure])
        out[lab] = np.array([per_day.get(d, 0) for d in days], dtype=int)
    return out


def _force_bars(ax, deaths: pd.DataFrame, forces, days: list, panel: str, row: str | None) -> list:
    """Daily bars stacked by force (solid: day known; hatched, on top: day uncertain, at the first possible day);
    the figure-data rows of the non-zero bars (row = `row`, or the force's words when None)."""
    x = pd.to_datetime(days)
    bottom, rows = np.zeros(len(days)), []
    for f, vals in daily_counts(deaths, forces, deaths.force, days).items():
        if vals.any():
            ax.bar(x, vals, bottom=bottom, width=1.0, align="edge", color=FORCE_COLOURS[f], linewidth=0)
            bottom += vals
        rows.extend({"panel": panel, "row": row or label("force", f), "force": label("force", f),
                     "series": "day known", "start": d, "end": d, "value": int(v)} for d, v in zip(days, vals) if v)
    unsure = deaths.day.isna()
    for f, vals in uncertain_counts(deaths, forces, deaths.force, days).items():
        if not vals.any():
            continue
        ax.bar(x, vals, bottom=bottom, width=1.0, align="edge", color="white", edgecolor=FORCE_COLOURS[f],
               hatch=HATCH, linewidth=0.5)
        bottom += vals
        sub = deaths[(deaths.force == f) & unsure]
        for (lo, hi), g in sub.groupby(["lo", "hi"], sort=True):
            rows.append({"panel": panel, "row": row or label("force", f), "force": label("force", f),
                         "series": "day uncertain", "start": lo, "end": hi, "value": len(g)})
    return rows


def _tenure_panel(ax, tenures, endorse, roles, x0, x1) -> tuple[list, list]:
    """One outlined bar per tenure on its role's row (uncertain end hatched) and a diamond per endorsing statement;
    statements by holders of roles not shown go on a row 0 labelled 'other roles'. Returns the data rows and the
    names to place: (y, start, end, name)."""
    ax.set_title("c. Office holders and dated statements endorsing the forces", loc="left")
    rows, names = [], []
    for i, role in enumerate(roles):
        y = len(roles) - i
        for t in tenures[tenures.role == role].itertuples():
            lo = max(pd.Timestamp(t.start_latest), x0)
            hi = x1 if t.open else min(pd.Timestamp(t.end_earliest), x1)
            ax.barh(y, hi - lo, left=lo, height=BAR_H, color="white", edgecolor="0.15", linewidth=0.8)
            if not t.open and t.end_latest > t.end_earliest:
                ax.barh(y, pd.Timestamp(t.end_latest) - pd.Timestamp(t.end_earliest),
                        left=pd.Timestamp(t.end_earliest), height=BAR_H, color="white", edgecolor="0.15",
                        hatch=HATCH, linewidth=0.8)
            names.append((y, lo, hi, t.short_name))
            rows.append({"panel": "tenure", "row": role, "force": None, "series": t.person,
                         "start": t.start_earliest, "end": None if t.open else t.end_latest, "value": None})
        for s in endorse[endorse.role == role].itertuples():
            mid = pd.Timestamp(s.date_earliest) + (pd.Timestamp(s.date_latest) - pd.Timestamp(s.date_earliest)) / 2
            ax.plot([mid + pd.Timedelta(hours=12)], [y + BAR_H / 2 + 0.1], marker="D", color="black", markersize=4,
                    linestyle="none")
    extra = [r for r in sorted(set(endorse.role)) if r not in roles]
    for role in extra:
        for s in endorse[endorse.role == role].itertuples():
            ax.plot([pd.Timestamp(s.date_latest) + pd.Timedelta(hours=12)], [0], marker="D", color="black",
                    markersize=4, linestyle="none")
    rows.extend({"panel": "statement", "row": s.role, "force": None, "series": s.holder, "start": s.date_earliest,
                 "end": s.date_latest, "value": None} for s in endorse.itertuples())
    ax.set_yticks(range(len(roles), -1 if extra else 0, -1))
    ax.set_yticklabels(list(roles) + (["other roles: " + ", ".join(extra)] if extra else []), fontsize=7)
    ax.set_ylim(-0.8 if extra else 0.3, len(roles) + 0.6)
    ax.legend(handles=[Patch(facecolor="white", edgecolor="0.15", label="in office (name: holder)"),
                       Patch(facecolor="white", edgecolor="0.15", hatch=HATCH, label="first day out uncertain"),
                       Line2D([], [], marker="D", color="black", markersize=4, linestyle="none",
                              label="statement endorsing the forces")],
              frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.005, 1))
    return rows, names


def place_names(ax, names, fontsize: float = NAME_SIZE) -> list:
    """Write each holder's name on its bar when it fits; else in the lane below the bar where it can start closest
    to the bar's start, after every name already written in that lane (names never overlap while the axes are wide
    enough). Needs the final layout (call after the layout is fixed). Returns the texts."""
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    xmin, xmax = ax.get_xlim()
    pad = 0.5  # days
    taken: dict = {}  # (y, lane) -> [(x0, x1)]
    texts = []
    for y, lo, hi, name in names:
        lo, hi = mdates.date2num(lo), mdates.date2num(hi)
        t = ax.text(lo + pad, y, name, fontsize=fontsize, va="center", ha="left")
        box = t.get_window_extent(renderer)
        w = to_data.transform((box.x1, 0))[0] - to_data.transform((box.x0, 0))[0]
        inside = lo + pad + w + pad <= hi  # bars of one row do not overlap: nor do names inside them
        if inside:
            lane, x = 0, lo + pad
        else:
            options = []
            for lane in range(1, len(LANES)):
                x = max([min(lo + pad, xmax - pad - w)] + [b + pad for a, b in taken.get((y, lane), [])])
                options.append((x + w > xmax, x, lane))
            _, x, lane = min(options)
            x = min(x, xmax - pad - w)
        t.set_position((x, y + LANES[lane]))
        taken.setdefault((y, lane), []).append((x - pad, x + w))
        texts.append(t)
    return texts


def place_counts(ax, counts, fontsize: float = 6) -> list:
    """Write each day's count above its bar, raising a number above any number it would overlap (adjacent days).
    `counts`: [(day, total, bar top)]. Needs the final layout. Returns the texts."""
    renderer = ax.figure.canvas.get_renderer()
    boxes, texts = [], []
    for d, k, top in counts:
        t = ax.text(mdates.date2num(pd.Timestamp(d)) + 0.5, top, str(k), ha="center", va="bottom",
                    fontsize=fontsize, color="0.15", clip_on=False)
        box = t.get_window_extent(renderer)
        while any(box.overlaps(b) for b in boxes):
            x, y = ax.transData.inverted().transform((0, box.y1 + 1))
            t.set_y(y)
            box = t.get_window_extent(renderer)
        boxes.append(box)
        texts.append(t)
    return texts


def _day_totals(deaths: pd.DataFrame, days: list) -> list:
    """[(day, deaths drawn on it, bar top)] for the days with a bar: known to the day plus first possible days."""
    known = deaths.day.value_counts()
    first = deaths[deaths.day.isna()].lo.value_counts()
    out = []
    for d in days:
        k = int(known.get(d, 0) + first.get(d, 0))
        if k:
            out.append((d, k, k))
    return out


def measure_style(m) -> tuple[str, float]:
    """Colour and bar height: states of emergency over a whole department (or the nation) dark olive and tall, over
    some provinces or districts light olive and shorter; curfews teal and thin."""
    whole = m.level in ("department", "national")
    if m.measure != "state of emergency":
        return CURFEW, 0.16
    return (SOE_WHOLE, 0.4) if whole else (SOE_PART, 0.22)


def _emergency_panel(ax, measures, areas, x0, x1) -> list:
    ax.set_title("d. States of emergency and curfews by department", loc="left")
    rows = []
    for i, area in enumerate(areas):
        y = len(areas) - i
        for m in measures[measures.department.replace("", "national") == area].itertuples():
            colour, h = measure_style(m)
            yy = y - 0.27 if m.measure != "state of emergency" else y + 0.1  # curfews in a lane below
            lo, hi = max(pd.Timestamp(m.start_latest), x0), min(pd.Timestamp(m.end_earliest), x1)
            if hi > lo:
                ax.barh(yy, hi - lo, left=lo, height=h, color=colour, linewidth=0)
            for a, b in ((m.start_earliest, m.start_latest), (m.end_earliest, m.end_latest)):
                if b > a:
                    ax.barh(yy, pd.Timestamp(b) - pd.Timestamp(a), left=pd.Timestamp(a), height=h, color="white",
                            edgecolor=colour, hatch=HATCH, linewidth=0.5)
            rows.append({"panel": "emergency", "row": m.place or area, "force": None, "series": m.measure_id,
                         "start": m.start_earliest, "end": m.end_latest, "value": None})
    ax.set_yticks(range(len(areas), 0, -1))
    ax.set_yticklabels(areas, fontsize=7)
    ax.set_ylim(0.5, len(areas) + 0.5)
    ax.legend(handles=[Patch(color=SOE_WHOLE, label="state of emergency:\nwhole department (or national)"),
                       Patch(color=SOE_PART, label="state of emergency:\nsome provinces or districts"),
                       Patch(color=CURFEW, label="curfew (lower lane)"),
                       Patch(facecolor="white", edgecolor="0.3", hatch=HATCH, label="start or end uncertain")],
              frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.005, 1))
    return rows


def _department_strips(strips, deaths, dep_labels, dep_groups, force_order, days) -> list:
    """Panel b: one strip of daily bars per department group, all on the same scale; returns the data rows."""
    rows, top = [], 1
    for ax, lab in zip(strips, dep_labels):
        sub = deaths[dep_groups == lab]
        rows += _force_bars(ax, sub, force_order, days, PANEL_B, lab)
        top = max(top, max(ax.get_ylim()[1], 1))
        ax.set_ylabel(f"{lab} ({len(sub)})", rotation=0, ha="right", va="center", fontsize=7)
        ax.spines["left"].set_visible(False)
        ax.axhline(0, color="0.6", lw=0.5)
    for ax in strips:
        ax.set_ylim(0, top * 1.25)
        ax.set_yticks([])
    if strips:
        strips[0].set_title(PANEL_B + "\nthe same scale in every row; the number above a bar: deaths that day",
                            loc="left")
    return rows


def timeline_figure(deaths: pd.DataFrame, tenures: pd.DataFrame, endorse: pd.DataFrame, measures: pd.DataFrame,
                    roles, forces, window_start: dt.date, window_end: dt.date, date_field: str = "death", *,
                    contexts=None, n_possible: int | None = None):
    """The timeline over [window_start, window_end]; returns (fig, data).

    `deaths`: deaths in the window (deaths.death_frame: columns lo, hi, day, department, force); `tenures`:
    tally.in_window output; `endorse`: the endorsing statements; `measures`: emergency.code_measures output;
    `forces` gives the order of the force series (only forces with a death are drawn); `date_field` names the date
    the deaths are placed by ('injury' or 'death'). `contexts` (codes) and `n_possible` (persons possibly in the
    window) complete the title's scope and n.
    """
    missing = sorted({"victim_id", "lo", "hi", "day", "department", "force"} - set(deaths.columns))
    if missing:
        raise ValueError(f"deaths table lacks column(s) {missing}")
    outside = deaths[[pd.isna(lo) or pd.isna(hi) or not window_start <= lo <= hi <= window_end
                      for lo, hi in zip(deaths.lo, deaths.hi)]]
    if len(outside):
        raise ValueError(f"deaths undated or outside {window_start}..{window_end}: {list(outside.victim_id)}")
    unknown = sorted(set(deaths.force) - set(FORCE_COLOURS))
    if unknown:
        raise ValueError(f"forces without a colour: {unknown}")
    apply_style()
    days = [d.date() for d in pd.date_range(window_start, window_end, freq="D")]
    x0, x1 = pd.Timestamp(window_start), pd.Timestamp(window_end) + pd.Timedelta(days=1)
    areas = emergency_areas(measures)
    dep_labels, dep_groups = department_groups(deaths)
    force_order = [f for f in forces if (deaths.force == f).any()]
    n_roles = len(roles) + bool(set(endorse.role) - set(roles))
    heights = [2.0] + [0.62] * len(dep_labels) + [0.55 * n_roles + 0.3, 0.36 * len(areas) + 0.3]
    fig = plt.figure(figsize=(11.5, sum(heights) + 2.6), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.02, hspace=0.0)
    gs = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    ax_a = fig.add_subplot(gs[0])
    strips = [fig.add_subplot(gs[1 + i], sharex=ax_a) for i in range(len(dep_labels))]
    ax_c = fig.add_subplot(gs[1 + len(dep_labels)], sharex=ax_a)
    ax_d = fig.add_subplot(gs[2 + len(dep_labels)], sharex=ax_a)

    rows = _force_bars(ax_a, deaths, force_order, days, PANEL_A, None)
    ax_a.set_title(PANEL_A, loc="left")
    ax_a.set_ylabel(f"deaths per day\n(date of {date_field})")
    ax_a.yaxis.get_major_locator().set_params(integer=True)
    handles = [Patch(color=FORCE_COLOURS[f], label=label("force", f)) for f in force_order]
    if deaths.day.isna().any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch=HATCH,
                             label="day known only as an interval\n(drawn at its first possible day)"))
    ax_a.legend(handles=handles, title="force named by the sources", frameon=False, fontsize=7, title_fontsize=7,
                loc="upper left", bbox_to_anchor=(1.005, 1))
    rows += _department_strips(strips, deaths, dep_labels, dep_groups, force_order, days)
    tenure_rows, names = _tenure_panel(ax_c, tenures, endorse, list(roles), x0, x1)
    rows += tenure_rows
    rows += _emergency_panel(ax_d, measures, areas, x0, x1)
    for ax in [ax_a, *strips, ax_c]:
        ax.tick_params(axis="x", which="both", labelbottom=False)
    year_axis(ax_d, window_start, window_end)
    ax_d.set_xlim(x0, x1)

    n = len(deaths)
    ctx = scope_text(contexts, window_start, window_end, date_field) if contexts else \
        f"date of {date_field} {day(window_start)} – {day(window_end)}"
    n_text = f"n = {n} deaths counted" + (f" (up to {n_possible} possibly in the window)"
                                          if n_possible is not None and n_possible != n else "")
    fig.suptitle("Deaths, office holders and states of emergency\n" + wrap(f"{ctx}; {n_text}", 11, 10),
                 fontsize=11, x=0.01, ha="left")
    fig.draw_without_rendering()  # the constrained layout, computed once, then frozen for placing the names
    fig.set_layout_engine("none")
    n_unknown_dep = int((deaths.department == "").sum())
    n_unknown_force = int((deaths.force == "unknown").sum())
    place_names(ax_c, names)
    for ax, lab in zip(strips, dep_labels):
        place_counts(ax, _day_totals(deaths[dep_groups == lab], days))
    caption(fig, f"Every counted death is drawn, in a and in b. Force unknown: {n_unknown_force} deaths (grey). "
                 f"Department unknown: {n_unknown_dep} deaths"
                 + (f" (row '{UNKNOWN_DEPARTMENT}')." if n_unknown_dep else ".")
                 + " Office holders: a tenure includes its first day and ends the day before the successor's; a "
                   "name that does not fit in its bar is written below it.")
    return fig, pd.DataFrame(rows, columns=DATA_COLUMNS)
