"""One figure style for the suite (colour-blind safe) and deterministic export: PNG + SVG + the CSV behind it."""
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt  # noqa: F401  (the backend is left to the caller: inline in notebooks)
import pandas as pd

from . import paths
from .io import atomic_path, write_csv_atomic

# Okabe & Ito (2008) palette: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL_CMAP = "cividis"  # perceptually uniform and colour-blind safe


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
