"""A claim that does not state its definition: Amnesty's 13 % of the population / 80 % of the deaths (AI-F-01;
AI-F-02 is the Spanish release), recomputed under every defensible definition (`search_definitions`), each with its
verdict, and compared under the best-matching one, which is named (ranking in `search_definitions`). A range over
unknown data is never a verdict.
"""
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.register import vocab
from analysis.register import scope as S
from analysis.stats import ethnic
from analysis.tasks.claims.definitions import START, Reproduced
from analysis.tasks.claims.verdicts import verdict

# Amnesty's 13 % / 80 % (AI-F-01; AI-F-02 is the Spanish release): "the regions with majority Indigenous populations
# represent only 13 % of Peru's total population, [and] account for 80 % of the total deaths registered since the
# crisis began". The release names neither the departments, nor the census measure, nor which deaths it counted, nor
# up to which day. Instead of imposing one reading, the suite computes both figures under every defensible reading
# (the grid below), says which readings reproduce the published figures within their printed rounding, and compares
# the claim under the best-matching one, which it names. Unknown data are never a reading: a department whose
# Indigenous share is not published is either counted as not majority (Amnesty names the majority departments and
# sets them against the rest of the country) or left out with its deaths; the range over every resolution of the
# unknowns is reported beside, never as a verdict.
AMNESTY_CLAIM = "AI-F-01"
SEARCH_MEASURES = {"selfid": "self-identification", "mothertongue": "mother tongue"}
SEARCH_THRESHOLDS = (40.0, 50.0, 60.0)
SEARCH_UNKNOWN = {  # name: (scenario of analysis.stats.ethnic.shares, meaning)
    "not_majority": ("all_unknown_below", "departments of unknown status counted as not majority"),
    "known_only": ("known_only", "departments of known status only"),
}
SEARCH_DEATHS = {  # name: (contexts, meaning)
    "clash": (("clash",), "civilians killed in clashes"),
    "civilian": (tuple(c for c in vocab.CONTEXT if c != "police_officer"), "every civilian death"),
    "all": (tuple(vocab.CONTEXT), "every death, the police officer's included"),
}
SEARCH_POLICIES = {"certain": "certainly dead", "possible": "possibly dead"}
SEARCH_CUTOFFS = {  # the report's cut-off and the dates around it, each with its basis
    "2023-02-02": "the Defensoría's last national count before the release, DP-08",
    "2023-02-09": "the end of the period Amnesty itself documented, AI-L-02",
    "2023-02-16": "the release date, the cut-off when no period is stated",
    "2023-02-28": "the end of February",
}
# The reading closest to the release's words: "majority Indigenous" read as more than half self-identifying as
# Indigenous (the census's ethnic question); the departments it does not name as the rest of the country; "the total
# deaths registered since the crisis began" as every death to the release date; persons certainly in the window.
STATED = {"measure": "selfid", "threshold": 50.0, "unknown": "not_majority", "deaths": "all",
          "date_policy": "certain", "cutoff": "2023-02-16"}
SEARCH_VICTIM_COLUMNS = ("victim_id", "identified", "context", "event_id", "department", "ubigeo_dep",
                         "date_death_min", "date_death_max", "date_injury_min", "date_injury_max")
SEARCH_COLUMNS = ["rank", "best", "key", "measure", "threshold", "unknown", "deaths", "date_policy", "cutoff",
                  "cutoff_basis", "n_majority", "majority_departments", "population_majority", "population_total",
                  "population_share", "population_share_min", "population_share_max", "deaths_majority",
                  "deaths_total", "death_share", "death_share_low", "death_share_high", "deaths_uncertain_majority",
                  "deaths_uncertain_other", "population_verdict", "death_verdict", "n_reproduced", "departures",
                  "departs_from", "distance", "departments_vs_best", "persons_not_in_best", "best_persons_not_here",
                  "persons_other_group_than_best", "definition"]


def search_key(measure: str, threshold: float, unknown: str, deaths: str, policy: str, cutoff: str) -> str:
    """Stable key of one searched definition, e.g. 'selfid.t50.not_majority.clash.certain.c20230202'."""
    return f"{measure}.t{threshold:g}.{unknown}.{deaths}.{policy}.c{cutoff.replace('-', '')}"


def describe_search_row(r) -> str:
    """A searched definition in words (the departments it classifies as majority named)."""
    deps = r["majority_departments"] or "none"
    measure = {"selfid": "self-identified as Indigenous (census 2017, persons 12+)",
               "mothertongue": "have an Indigenous mother tongue (census 2017)"}.get(r["measure"], r["measure"])
    return (f"{r['n_majority']} department(s) ({deps}) where more than {r['threshold']:g} % {measure}, "
            f"{SEARCH_UNKNOWN[r['unknown']][1]}; {SEARCH_DEATHS[r['deaths']][1]} "
            f"{SEARCH_POLICIES[r['date_policy']]} between {START} and {r['cutoff']} "
            f"({SEARCH_CUTOFFS.get(r['cutoff'], 'cut-off')})")


def _departures(spec: dict, stated: dict) -> list[str]:
    label = {"measure": lambda v: SEARCH_MEASURES.get(v, v), "threshold": lambda v: f"{v:g} %",
             "unknown": lambda v: v.replace("_", " "), "deaths": str, "date_policy": str, "cutoff": str}
    return [f"{dim.replace('_', ' ')}: {label[dim](spec[dim])} instead of {label[dim](stated[dim])}" for dim in stated
            if spec[dim] != stated[dim]]


@dataclass(frozen=True)
class Search:
    """The definitions searched for a claim that does not state its own: `table` (one row per definition, ranked;
    SEARCH_COLUMNS), `persons` (key -> the persons it counts: victim_id, department, status of their department,
    in_group, certain), `published` (amnesty_published) and `stated` (the reading closest to the claim's words)."""
    table: pd.DataFrame
    persons: dict
    published: dict
    stated: dict = field(default_factory=lambda: dict(STATED))

    @property
    def best(self) -> pd.Series:
        return self.table.loc[self.table["best"]].iloc[0]

    def row(self, **spec) -> pd.Series:
        """The one row matching every given column (e.g. measure="selfid", threshold=50.0, ...)."""
        hit = self.table
        for col, value in spec.items():
            hit = hit[hit[col] == value]
        if len(hit) != 1:
            raise KeyError(f"{spec}: {len(hit)} searched definitions match, expected 1")
        return hit.iloc[0]

    def reproducing(self, figure: str | None = None) -> pd.DataFrame:
        """The rows that reproduce one figure ("population" or "death"), or both (None), within the published
        rounding or exactly."""
        ok = lambda col: self.table[col] != "not reproduced"  # noqa: E731
        mask = ok(f"{figure}_verdict") if figure else ok("population_verdict") & ok("death_verdict")
        return self.table[mask]


def _persons_of(victims: pd.DataFrame, scope: S.Scope, status: dict) -> pd.DataFrame:
    """Every person possibly in a definition's death scope: victim_id, department, status of their department
    ('no department' when none), in_group (a majority department), certain (certainly in the window) and counted
    (in the count under the scope's date policy). The "known_only" treatment keeps the rows of a known status."""
    sel = S.select(victims, scope)
    p = sel.possible
    code = p["ubigeo_dep"].astype("string").fillna("").str.strip()
    st = code.map(status).fillna("no department").astype(str)
    certain = p["victim_id"].isin(sel.certain["victim_id"]).to_numpy()
    return pd.DataFrame({"victim_id": p["victim_id"].astype(str).to_numpy(),
                         "department": p["department"].astype("string").fillna("").to_numpy(),
                         "status": st.to_numpy(), "in_group": (st == "majority").to_numpy(), "certain": certain,
                         "counted": certain if scope.policy == "certain" else np.ones(len(p), dtype=bool)})


def _measure_columns(departments: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Only the columns of `departments` one census measure reads (the grid repeats the classification often)."""
    mc = ethnic.MEASURES[measure]
    wanted = ("ubigeo_dep", "department", *ethnic.POPULATION_BASES.values(), *mc.total, *mc.source_cols,
              *(c for names in (*mc.parts, *mc.others) for c in names))
    return departments[[c for c in dict.fromkeys(wanted) if c in departments.columns]]


def _kept(everyone: pd.DataFrame, unknown: str) -> pd.DataFrame:
    """The persons a treatment of the departments of unknown status keeps ("known_only": a known status only)."""
    if unknown == "not_majority":
        return everyone
    return everyone[everyone["status"].isin(["majority", "not_majority"])].reset_index(drop=True)


def _check_counted(p: pd.DataFrame, s: pd.Series, where: str) -> None:
    """The persons counted must be the deaths ethnic.shares counted (the same selection, read person by person)."""
    c = p[p["counted"]]
    if (int(c["in_group"].sum()), len(c)) != (int(s["deaths_majority"]), int(s["deaths_total"])):
        raise AssertionError(f"{where}: persons counted {int(c['in_group'].sum())}/{len(c)} differ from ethnic.shares "
                             f"{int(s['deaths_majority'])}/{int(s['deaths_total'])}")


def _search_row(key: str, spec: dict, res: dict, p: pd.DataFrame, published: dict, stated: dict) -> dict:
    """One searched definition: both shares, their verdicts, the persons only possibly in the window, the
    departures from the stated reading and the distance to the published figures in rounding units."""
    tab, scen = res["table"], res["scenarios"]
    s = scen.loc[SEARCH_UNKNOWN[spec["unknown"]][0]]
    majority = tab.loc[tab["status"] == "majority", "department"].astype(str).tolist()
    unc = p[~p["certain"]]
    pop_pub, death_pub = published["population_share"], published["death_share"]
    pop, death = 100 * s["population_share"], 100 * s["death_share"]
    pv = verdict("share", pop_pub["value"], pop_pub["qualifier"], pop_pub["unit"], pop)
    dv = verdict("share", death_pub["value"], death_pub["qualifier"], death_pub["unit"], death)
    dep = _departures(spec, stated)
    lo_b = 100 * scen.loc["all_unknown_below", "population_share"]
    hi_b = 100 * scen.loc["all_unknown_above", "population_share"]
    known_only = spec["unknown"] != "not_majority"
    return {"key": key, **spec, "cutoff_basis": SEARCH_CUTOFFS.get(spec["cutoff"], ""),
            "n_majority": len(majority), "majority_departments": ", ".join(majority),
            "population_majority": int(s["population_majority"]), "population_total": int(s["population_total"]),
            "population_share": pop, "population_share_min": lo_b if known_only else pop,
            "population_share_max": hi_b if known_only else pop,
            "deaths_majority": int(s["deaths_majority"]), "deaths_total": int(s["deaths_total"]),
            "death_share": death, "death_share_low": 100 * s["death_share_low"],
            "death_share_high": 100 * s["death_share_high"],
            "deaths_uncertain_majority": int(unc["in_group"].sum()),
            "deaths_uncertain_other": int((~unc["in_group"]).sum()),
            "population_verdict": pv, "death_verdict": dv,
            "n_reproduced": int(pv != "not reproduced") + int(dv != "not reproduced"),
            "departures": len(dep), "departs_from": "; ".join(dep),
            "distance": abs(pop - pop_pub["value"]) / pop_pub["unit"]
            + (abs(death - death_pub["value"]) / death_pub["unit"] if np.isfinite(death) else np.inf)}


def _rank(rows: list) -> pd.DataFrame:
    """Rank 1 = the best-matching definition: most figures reproduced, fewest departures, smallest distance, key."""
    table = pd.DataFrame(rows)
    table = table.sort_values(["n_reproduced", "departures", "distance", "key"],
                              ascending=[False, True, True, True], kind="mergesort").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table.insert(1, "best", table["rank"] == 1)
    return table


def _versus_best(table: pd.DataFrame, persons: dict) -> pd.DataFrame:
    """How each ranked row differs from the best: departments classified otherwise, persons counted here and not
    there (and the reverse), persons counted in the other group."""
    # per definition: {victim_id: (department, in_group)} of the persons it counts
    counted = {k: dict(zip(p.loc[p["counted"], "victim_id"],
                           zip(p.loc[p["counted"], "department"], p.loc[p["counted"], "in_group"].astype(bool))))
               for k, p in persons.items()}
    best = table.iloc[0]
    bp = counted[best["key"]]
    best_deps = set(filter(None, best["majority_departments"].split(", ")))

    def who(ids, of):
        return " ; ".join(f"{i} ({of[i][0] or 'no department'})" for i in sorted(ids))
    diffs = []
    for r in table.itertuples():
        p = counted[r.key]
        deps = set(filter(None, r.majority_departments.split(", ")))
        other = [i for i in set(p) & set(bp) if p[i][1] != bp[i][1]]
        diffs.append({"departments_vs_best": "; ".join([f"+{d}" for d in sorted(deps - best_deps)]
                                                       + [f"-{d}" for d in sorted(best_deps - deps)]),
                      "persons_not_in_best": who(set(p) - set(bp), p),
                      "best_persons_not_here": who(set(bp) - set(p), bp),
                      "persons_other_group_than_best": who(other, p)})
    return pd.DataFrame(diffs)


def search_definitions(victims: pd.DataFrame, departments: pd.DataFrame, published: dict, *, start: str = START,
                       measures=tuple(SEARCH_MEASURES), thresholds=SEARCH_THRESHOLDS, unknown=tuple(SEARCH_UNKNOWN),
                       deaths=tuple(SEARCH_DEATHS), policies=tuple(SEARCH_POLICIES), cutoffs=tuple(SEARCH_CUTOFFS),
                       stated: dict = STATED, alpha: float = 0.05) -> Search:
    """Population and death share of the majority-Indigenous departments under every definition of the grid
    (measure × threshold × treatment of departments of unknown status × death scope × date policy × cut-off),
    each through analysis.stats.ethnic.shares, with a verdict per published figure (`verdict`, share rule).

    Ranking (rank 1 = the best-matching definition, `best`): most published figures reproduced; then the fewest
    departures from the reading closest to the claim's words (`stated`, listed in `departs_from`); then the smallest
    distance to the published figures in rounding units; then the key. Each row says how it differs from the best:
    departments classified otherwise, persons counted here and not there (and the reverse), persons counted in the
    other group. `deaths_uncertain_*`: persons only possibly in the window (in / outside the group), which bound
    the death share of a certain-policy row; the persons counted are checked against ethnic.shares' totals."""
    rows, persons = [], {}
    # only the columns a definition reads (the grid repeats the selection and classification 144 times)
    victims = victims[[c for c in SEARCH_VICTIM_COLUMNS if c in victims.columns]]
    for m in measures:
        deps_m = _measure_columns(departments, m)
        for t, dk, pol, cut in itertools.product(thresholds, deaths, policies, cutoffs):
            sc = S.Scope(contexts=SEARCH_DEATHS[dk][0], start=start, end=cut, date_field="death", policy=pol)
            res = ethnic.shares(victims, deps_m, sc, measure=m, threshold=float(t), alpha=alpha)
            tab = res["table"]
            everyone = _persons_of(victims, sc, dict(zip(tab["ubigeo_dep"].astype(str), tab["status"].astype(str))))
            for u in unknown:
                p = _kept(everyone, u)
                _check_counted(p, res["scenarios"].loc[SEARCH_UNKNOWN[u][0]], f"{m}/{t}/{u}/{dk}/{pol}/{cut}")
                key = search_key(m, float(t), u, dk, pol, cut)
                persons[key] = p
                spec = {"measure": m, "threshold": float(t), "unknown": u, "deaths": dk, "date_policy": pol,
                        "cutoff": cut}
                rows.append(_search_row(key, spec, res, p, published, stated))
    table = _rank(rows)
    table = pd.concat([table, _versus_best(table, persons)], axis=1)
    table["definition"] = [describe_search_row(r) for r in table.to_dict("records")]
    return Search(table[SEARCH_COLUMNS], persons, published, dict(stated))


def amnesty_result(search: Search, quantity: str) -> Reproduced:
    """The comparison of one of the claim's figures under the best-matching definition. Population share: a census
    count (no sampling interval). Death share: exact (Clopper–Pearson) interval over the persons counted; its range
    is over the persons only possibly in the window (none, some or all of them counted) — shown, never a verdict."""
    b = search.best
    n_defs, n_both = len(search.table), len(search.reproducing())
    found = (f"best of {n_defs} definitions searched (outputs/tables/claims_definition_search.csv); {n_both} "
             "reproduce both figures")
    if quantity == "population_share":
        v = b["population_share"]
        return Reproduced(v, v, v, b["population_share_min"], b["population_share_max"], found, b["definition"])
    p = search.persons[b["key"]]
    kc, nc = int((p["in_group"] & p["certain"]).sum()), int(p["certain"].sum())
    a_in, a_out = int(b["deaths_uncertain_majority"]), int(b["deaths_uncertain_other"])
    lo = 100 * kc / (nc + a_out) if nc + a_out else np.nan
    hi = 100 * (kc + a_in) / (nc + a_in) if nc + a_in else np.nan
    note = found + (f"; {a_in + a_out} death(s) only possibly in the window ({a_in} in the group)" if a_in + a_out
                    else "")
    cand = tuple((i, "possible", f"only possibly inside the window ({d or 'no department'})")
                 for i, d in zip(p.loc[~p["certain"], "victim_id"], p.loc[~p["certain"], "department"]))
    return Reproduced(b["death_share"], b["death_share_low"], b["death_share_high"], lo, hi, note, b["definition"],
                      int(b["deaths_majority"]), kc + a_in, cand)


def amnesty_verdict(search: Search) -> str:
    """The claim's verdict under the best definition: exactly when both figures are; within the rounding when both
    are reproduced, at least one only within the rounding; otherwise not reproduced."""
    v = {search.best["population_verdict"], search.best["death_verdict"]}
    if "not reproduced" in v:
        return "not reproduced"
    return "reproduced exactly" if v == {"reproduced exactly"} else "reproduced within the published rounding"


def five_department(search: Search, deaths: str = "clash", policy: str = "certain", cutoff: str | None = None):
    """The row of the stated department reading (self-identification > 50 %, departments of unknown status counted
    as not majority: the five departments Apurímac, Ayacucho, Cusco, Huancavelica and Puno on today's data) under
    one death scope, date policy and cut-off (default: the release date)."""
    st = search.stated
    return search.row(measure=st["measure"], threshold=st["threshold"], unknown=st["unknown"], deaths=deaths,
                      date_policy=policy, cutoff=cutoff or st["cutoff"])


def former_comparison(search: Search) -> pd.Series:
    """The row of the comparison this claim used to get (notebook 04's descriptive default): the stated measure and
    threshold, departments of known status only, civilians killed in clashes certainly by the stated cut-off."""
    st = search.stated
    return search.row(measure=st["measure"], threshold=st["threshold"], unknown="known_only", deaths="clash",
                      date_policy="certain", cutoff=st["cutoff"])
