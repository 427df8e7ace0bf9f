"""One figure style for the suite (colour-blind safe) and deterministic export: PNG + SVG + the CSV behind it."""
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import matplotlib.transforms as mtransforms
import matplotlib.pyplot as plt  # noqa: F401  (the backend is left to the caller: inline in notebooks)
import pandas as pd

from analysis import paths
from analysis.io import atomic_path, write_csv_atomic

# Okabe & Ito (2008) palette: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL_CMAP = "cividis"  # perceptually uniform and colour-blind safe


# ---------------------------------------------------------------- words, colours and scope, defined once
# Every figure labels coded values with these words (never the codes) and colours a category with the same
# colour in every figure. Within one figure a colour has one meaning; the greys always mean unknown / not
# applicable. The keys are the codes of analysis.register.vocab (a test checks they match).
LABELS = {
    "context": {"clash": "clash with security forces", "blockade": "blockade (accident or care blocked)",
                "police_officer": "police officer killed", "other": "other context", "unknown": "context unknown"},
    "force": {"police": "police", "army": "army", "both": "police and army", "unknown": "force unknown",
              "not_applicable": "no force alleged"},
    "cause": {"firearm_projectile": "firearm projectile", "pellets": "shotgun pellets",
              "tear_gas_canister": "tear-gas canister", "blunt_trauma": "blunt trauma",
              "traffic_accident": "traffic accident", "lack_of_medical_care": "lack of medical care",
              "other": "other cause", "unknown": "cause unknown"},
    "wound": {"head": "head", "neck": "neck", "thorax": "thorax", "abdomen": "abdomen", "back": "back",
              "limbs": "limbs", "multiple": "several sites", "unknown": "site unknown",
              "not_applicable": "no wound (not applicable)"},
    "sex": {"male": "male", "female": "female", "unknown": "sex unknown"},
}

UNKNOWN_COLOUR = "#999999"
NOT_APPLICABLE_COLOUR = "#D9D9D9"
NEUTRAL_COLOUR = "#404040"  # one series only (no category): dark grey
COLOURS = {
    "force": {"police": "#0072B2", "army": "#D55E00", "both": "#CC79A7", "unknown": UNKNOWN_COLOUR,
              "not_applicable": NOT_APPLICABLE_COLOUR},
    "context": {"clash": "#E69F00", "blockade": "#009E73", "police_officer": "#56B4E9", "other": "#F0E442",
                "unknown": UNKNOWN_COLOUR},
    "sex": {"male": "#332288", "female": "#882255", "unknown": UNKNOWN_COLOUR},
    # states of emergency and curfews (notebook 06): colours no category above uses
    "measure": {"state of emergency": "#999933", "state of emergency (part of the department)": "#D6D6A3",
                "curfew": "#44AA99"},
}
FORCE_COLOURS, CONTEXT_COLOURS, SEX_COLOURS = COLOURS["force"], COLOURS["context"], COLOURS["sex"]


def label(field: str, code) -> str:
    """The words for a coded value (`field` as in LABELS); a code the map lacks fails loudly."""
    try:
        return LABELS[field][str(code)]
    except KeyError:
        raise KeyError(f"no label for {field} = {code!r}; add it to analysis.report.figures.LABELS") from None


def colour(field: str, code) -> str:
    """The one colour of a coded value in every figure."""
    try:
        return COLOURS[field][str(code)]
    except KeyError:
        raise KeyError(f"no colour for {field} = {code!r}; add it to analysis.report.figures.COLOURS") from None


def day(d) -> str:
    """'7 Dec 2022' (a date, a Timestamp or ISO text)."""
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b %Y}"


def scope_text(contexts, start, end, date_field: str = "death") -> str:
    """'all contexts; date of death 7 Dec 2022 – 31 Mar 2023' (contexts in words, in vocab order)."""
    codes = [c for c in LABELS["context"] if c in set(contexts)]
    what = "all contexts" if len(codes) == len(LABELS["context"]) else ", ".join(label("context", c) for c in codes)
    return f"{what}; date of {date_field} {day(start)} – {day(end)}"


def year_axis(ax, start=None, end=None, every: int = 1, minor_days=(8, 15, 22), two_lines: bool = False) -> None:
    """A date x axis whose every label carries the year. With a window [start, end]: a tick on its first day and on
    the first day of every `every`-th month after it ('7 Dec 2022', '1 Jan 2023', ...); without: month starts
    ('Dec 2022'). Unlabelled minor ticks on `minor_days`. Sets the x limits to the window (a day's margin)."""
    sep = "\n" if two_lines else " "
    if start is None:
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=every))
        ax.xaxis.set_major_formatter(mdates.DateFormatter(f"%b{sep}%Y"))
    else:
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        firsts = [d for d in pd.date_range(lo, hi, freq="MS") if d > lo]
        months = [lo] + firsts[every - 1::every]
        ax.xaxis.set_major_locator(mticker.FixedLocator(mdates.date2num(months)))
        ax.xaxis.set_major_formatter(mticker.FixedFormatter([f"{d.day} {d:%b}{sep}{d:%Y}" for d in months]))
        ax.set_xlim(lo - pd.Timedelta(days=1), hi + pd.Timedelta(days=1))
    ax.xaxis.set_minor_locator(mdates.DayLocator(bymonthday=list(minor_days)))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())


def percent_axis(ax, axis: str = "x", decimals: int = 0) -> None:
    """Tick labels '40 %' for data already in percent (0–100)."""
    fmt = mticker.PercentFormatter(xmax=100, decimals=decimals, symbol=" %")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def wrap(text: str, width_inches: float, fontsize: float = 8) -> str:
    """`text` wrapped to fit `width_inches` at `fontsize` points (DejaVu Sans: about 0.55 em per character)."""
    chars = max(20, int(width_inches * 72 / (0.55 * fontsize)))
    return "\n".join(textwrap.fill(p, chars) for p in text.split("\n"))


def caption(fig, text: str, fontsize: float = 8):
    """A caption below the figure (unknowns counted, how to read it); saved with the figure (bbox 'tight')."""
    width = fig.get_figwidth() - 0.2
    below = mtransforms.offset_copy(fig.transFigure, fig=fig, y=-6, units="points")
    return fig.text(0.01, 0.0, wrap(text, width, fontsize), ha="left", va="top", fontsize=fontsize, color="0.2",
                    transform=below)


def apply_style() -> None:
    """Fixed fonts (bundled DejaVu Sans: no font download), sizes and palette for every figure."""
    matplotlib.rcParams.update({
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "svg.hashsalt": "peru-protests-2022",  # stable element ids in SVG
        "svg.fonttype": "none",
        "image.cmap": SEQUENTIAL_CMAP,
    })


def save_figure(fig, name: str, data: pd.DataFrame, outdir: Path | None = None) -> dict:
    """Write `name`.png, `name`.svg and `name`.csv (the data behind the figure), atomically.

    Metadata that would change between runs (creation date, software version) is removed so a rerun gives
    byte-identical files.
    """
    outdir = Path(outdir or paths.FIGURES)
    outdir.mkdir(parents=True, exist_ok=True)
    out = {}
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        target = outdir / f"{name}.{ext}"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, metadata=meta, bbox_inches="tight")
        out[ext] = target
    out["csv"] = outdir / f"{name}.csv"
    write_csv_atomic(data, out["csv"])
    return out
