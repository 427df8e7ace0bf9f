"""Figure of notebook 08 (robustness): the specification curve of the multiverse of analytic choices."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import OKABE_ITO
from ..multiverse import FINDINGS

CURVE_COLUMNS = ("finding", "spec_id", "rank", "estimate", "low", "high", "holds")
TITLES = {"ethnic": "Ethnic: death share minus population share\n(majority-Indigenous departments, 95 % CI)",
          "regional": "Regional: death-rate ratio regions / Lima+Callao\n(95 % interval, log scale)"}


def _choice_label(dim: str, value) -> str:
    return f"{dim}: {value:g}" if isinstance(value, float) else f"{dim}: {value}"


def specification_curve(data: pd.DataFrame):
    """Specification curve: per finding (columns), the ranked estimates with intervals above, the choices as dots
    below (one row per dimension value, in grid order). Blue = the finding holds, vermilion = it does not.

    `data` is multiverse.curve_data(results): the distinct specifications of each finding, ranked by estimate.
    Returns (fig, data).
    """
    missing = [c for c in (*CURVE_COLUMNS, *{d for _, dims, _ in FINDINGS.values() for d in dims})
               if c not in data.columns]
    if missing:
        raise KeyError(f"specification-curve data lacks column(s) {missing}")
    absent = [f for f in FINDINGS if not (data["finding"] == f).any()]
    if absent:
        raise ValueError(f"specification-curve data has no row for finding(s) {absent}")
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), sharex="col",
                             gridspec_kw={"height_ratios": [1, 1.5], "hspace": 0.05, "wspace": 0.35})
    for j, (finding, (_, dims, _)) in enumerate(FINDINGS.items()):
        _draw_finding(axes[0, j], axes[1, j], data[data.finding == finding].reset_index(drop=True), finding, dims)
    handles = [plt.Line2D([], [], marker="o", ls="", color=OKABE_ITO[0], label="finding holds"),
               plt.Line2D([], [], marker="o", ls="", color=OKABE_ITO[3], label="does not hold")]
    fig.legend(handles=handles, loc="upper center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 1.0))
    return fig, data


def _draw_finding(top, bottom, d: pd.DataFrame, finding: str, dims) -> None:
    colour = np.where(d["holds"], OKABE_ITO[0], OKABE_ITO[3])
    x = d["rank"].to_numpy()
    low = d["low"].where(np.isfinite(d["low"]))  # an open limit is not drawn rather than drawn to infinity
    high = d["high"].where(np.isfinite(d["high"]))
    top.vlines(x, low, high, colors=colour, lw=0.6, alpha=0.5)
    top.scatter(x, d["estimate"], c=colour, s=6, zorder=3)
    top.axhline(0 if finding == "ethnic" else 1, color="black", lw=0.8, ls="--")
    if finding == "regional":
        top.set_yscale("log")
    else:
        top.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:+.0f} pp"))
    top.set_title(TITLES[finding])
    labels = []
    in_grid_order = d.sort_values("spec_id")
    for dim in dims:
        for value in pd.unique(in_grid_order[dim]):
            on = (d[dim] == value).to_numpy()
            bottom.scatter(x[on], np.full(on.sum(), len(labels)), c=colour[on], s=4, marker="s", linewidths=0)
            labels.append(_choice_label(dim, value))
    bottom.set_yticks(range(len(labels)), labels, fontsize=7)
    bottom.set_ylim(len(labels) - 0.5, -0.5)
    bottom.set_xlabel(f"specification (ranked by estimate; n = {len(d)})")
    for spine in ("left", "bottom"):
        bottom.spines[spine].set_visible(False)
