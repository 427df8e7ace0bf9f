"""Department choropleths (no basemap, no network): geometry and drawing only.

The boundaries are the register's (INEI 2007 limits, data/processed/departments.geojson); the values drawn come
from the analyses (the rates per 100,000 from analysis.stats.rates).
"""
import contextlib
import locale
from pathlib import Path

import geopandas as gpd
import matplotlib.patheffects as patheffects
import matplotlib.pyplot as plt
import pandas as pd

from analysis.report.figures import SEQUENTIAL_CMAP
from analysis.report.figures import caption as add_caption

N_DEPARTMENTS = 25  # 24 departments + Provincia Constitucional del Callao (07)


def read_departments_geo(path) -> gpd.GeoDataFrame:
    """Department polygons keyed by ubigeo_dep (= FIRST_IDDP, INEI 2-digit); checks all 25 units are there once."""
    path = Path(path)
    with _c_locale():
        geo = gpd.read_file(path)
    geo["ubigeo_dep"] = geo["FIRST_IDDP"].astype(str)
    codes = sorted(geo["ubigeo_dep"])
    expected = [f"{i:02d}" for i in range(1, N_DEPARTMENTS + 1)]
    if codes != expected:
        raise ValueError(f"{path.name}: FIRST_IDDP codes {codes} are not exactly 01..25 once each")
    return geo.sort_values("ubigeo_dep").reset_index(drop=True)


@contextlib.contextmanager
def _c_locale():
    """GDAL checks its sorted option tables with the process locale the first time it runs; under a locale whose
    case rules differ (tr_TR: dotless i) every check fails and floods stderr. Read under C.UTF-8, then restore."""
    old = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, "C.UTF-8")
    except locale.Error:
        old = None
    try:
        yield
    finally:
        if old is not None:
            locale.setlocale(locale.LC_ALL, old)


def join_geo(geo: gpd.GeoDataFrame, table: pd.DataFrame, key: str = "ubigeo_dep") -> gpd.GeoDataFrame:
    """Attach a department table to the polygons. Every code must match both ways, or it fails loudly."""
    codes = table[key].astype(str)
    if codes.duplicated().any():
        raise ValueError(f"duplicate department codes in table: {sorted(codes[codes.duplicated()])}")
    unknown = sorted(set(codes) - set(geo["ubigeo_dep"]))
    if unknown:
        raise ValueError(f"department code(s) {unknown} not in the boundary file (FIRST_IDDP)")
    absent = sorted(set(geo["ubigeo_dep"]) - set(codes))
    if absent:
        raise ValueError(f"department code(s) {absent} have no row in the table: a zero must be explicit")
    cols = [c for c in table.columns if c != key and c not in geo.columns]
    return geo.merge(table.assign(**{key: codes})[[key, *cols]], on=key, how="left", validate="one_to_one")


# Units too small to hold their label: the label goes at this offset (degrees lon, lat) from the unit, with a line.
LABEL_OFFSETS = {"07": (-1.9, 0.35)}  # Callao, west of Lima, offshore
# Units whose inside point would put the label on a neighbour's: the label's position (lon, lat), inside the unit.
LABEL_AT = {"05": (-74.35, -14.6),  # Ayacucho: its southern half, clear of Apurímac's label
            "06": (-78.6, -6.6)}  # Cajamarca: its centre, clear of Lambayeque's label


def choropleth(gdf: gpd.GeoDataFrame, column: str, title: str, legend_label: str, ax=None, *, labels: str | None = None,
               name_column: str = "department", caption: str | None = None):
    """Sequential colour-blind-safe map (cividis) of `column`; zeros are coloured as zeros (no missing class).

    `labels`: a count column (e.g. "deaths"); each unit is then named (`name_column`, else the boundary file's name)
    with its count below the name where it is not zero. `caption`: text under the map (scope notes, unknowns).
    """
    if gdf[column].isna().any():
        raise ValueError(f"{column}: missing values would be drawn as blanks; fill zeros explicitly first")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 8.6) if labels else (5.5, 7))
    else:
        fig = ax.figure
    gdf.plot(column=column, cmap=SEQUENTIAL_CMAP, linewidth=0.4, edgecolor="0.35", legend=True, ax=ax,
             legend_kwds={"label": legend_label, "shrink": 0.5})
    if labels:
        label_units(ax, gdf, column, labels, name_column)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    if caption:
        fig.tight_layout()
        add_caption(fig, caption)
    return fig


def label_units(ax, gdf: gpd.GeoDataFrame, column: str, counts: str, name_column: str = "department") -> list:
    """Name each unit at a point inside it (LABEL_AT: a chosen point; LABEL_OFFSETS: outside, with a line) and print
    its count (bold) below the name where it is not zero; black text on a white halo reads on every fill. Returns
    the texts."""
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    names = gdf[name_column] if name_column in gdf.columns else gdf["NOMBDEP"].str.title()
    texts = []
    for (_, row), name in zip(gdf.iterrows(), names):
        code = str(row["ubigeo_dep"])
        p = row.geometry.representative_point()
        k = int(row[counts])
        text = f"{name}\n{k}" if k else name
        offset = LABEL_OFFSETS.get(code)
        xy = LABEL_AT.get(code, (p.x, p.y))
        if offset:
            xy = (p.x + offset[0], p.y + offset[1])
            ax.annotate("", xy=(p.x, p.y), xytext=xy, arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.6})
        t = ax.text(*xy, text, ha="right" if offset else "center", va="center", fontsize=7.5 if k else 6,
                    color="black", fontweight="bold" if k else "normal", linespacing=1.1, path_effects=halo)
        texts.append(t)
    return texts
