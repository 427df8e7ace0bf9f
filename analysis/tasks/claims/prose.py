"""The values notebook 07 displays and its prose quotes, beside the recorded numbers: the tables it shows (the
search grid, the definitions that reproduce Amnesty's figures, the death scopes of the stated reading, the
comparison, the numbers not reproduced, the claims not addressed) and the parts of sentences that depend on the data
(which persons make a difference, which definitions reproduce the death share). Computed here, never in the
notebook."""
import pandas as pd

from analysis.report import text
from analysis.stats import ethnic
from analysis.tasks.claims.definitions import START
from analysis.tasks.claims.search import (AMNESTY_CLAIM, SEARCH_CUTOFFS, SEARCH_DEATHS, SEARCH_MEASURES,
                                          SEARCH_POLICIES, SEARCH_THRESHOLDS, SEARCH_UNKNOWN, Search, five_department,
                                          former_comparison)

REPRODUCING_COLUMNS = ["rank", "key", "majority_departments", "population_share", "deaths_majority", "deaths_total",
                       "death_share", "death_share_low", "death_share_high", "departs_from"]
COMPARISON_COLUMNS = ["claim_id", "quantity", "published_raw", "published", "rounding", "reproduced", "n_certain",
                      "n_possible", "ci_low", "ci_high", "verdict"]
OUTSIDE_COLUMNS = ["claim_id", "quantity", "published", "n_certain", "n_possible", "difference_persons",
                   "difference_reasons"]


def search_grid() -> pd.DataFrame:
    """The choices the definition search crosses, in words."""
    return pd.DataFrame([
        ("census measure", "; ".join(SEARCH_MEASURES.values())),
        ("threshold: Indigenous share more than", "; ".join(f"{t:g} %" for t in SEARCH_THRESHOLDS)),
        ("departments of unknown status", "; ".join(v[1] for v in SEARCH_UNKNOWN.values())),
        ("deaths counted", "; ".join(v[1] for v in SEARCH_DEATHS.values())),
        ("date policy", "; ".join(SEARCH_POLICIES.values())),
        ("cut-off (deaths from " + START + ")", "; ".join(f"{d}: {why}" for d, why in SEARCH_CUTOFFS.items())),
    ], columns=["choice", "values searched"])


def stated_reading(stated: dict) -> dict:
    """The literal reading of the press release, each choice in words."""
    return {"measure": SEARCH_MEASURES[stated["measure"]], "threshold": f"{stated['threshold']:g}",
            "unknown": SEARCH_UNKNOWN[stated["unknown"]][1], "deaths": SEARCH_DEATHS[stated["deaths"]][1],
            "policy": SEARCH_POLICIES[stated["date_policy"]], "cutoff": stated["cutoff"],
            "cutoff_basis": SEARCH_CUTOFFS.get(stated["cutoff"], "cut-off")}


def published(search: Search) -> dict:
    """Each published figure with the interval its printed rounding stands for (13 % means 12.5 % up to 13.5 %)."""
    return {name: {**p, "low": p["value"] - p["unit"] / 2, "high": p["value"] + p["unit"] / 2}
            for name, p in search.published.items()}


def death_scopes(search: Search) -> pd.DataFrame:
    """The stated department reading's death share under every death scope and date policy."""
    return pd.DataFrame([
        {"deaths counted": SEARCH_DEATHS[dk][1], "date policy": pol, "in the departments": r["deaths_majority"],
         "all": r["deaths_total"], "death share %": round(r["death_share"], 2),
         "exact 95 % interval": text.interval(r["death_share_low"], r["death_share_high"]),
         "verdict": r["death_verdict"]}
        for dk in SEARCH_DEATHS for pol in SEARCH_POLICIES for r in [five_department(search, dk, pol)]])


def _person(victims: pd.DataFrame, i: str) -> str:
    v = victims.set_index("victim_id").loc[i]
    lo, hi = v["date_death_min"], v["date_death_max"]
    when = lo if lo == hi else f"between {lo} and {hi}"
    return f"{i} ({v['department']}, died {when})"


def five_versus_best(search: Search, victims: pd.DataFrame) -> str:
    """How the stated department reading differs from the best-matching definition, person by person."""
    five, best = five_department(search), search.best
    if five["key"] == best["key"]:
        return "This is also the best-matching definition."
    ids = lambda key: set(search.persons[key].query("counted")["victim_id"])  # noqa: E731
    extra, missing = sorted(ids(five["key"]) - ids(best["key"])), sorted(ids(best["key"]) - ids(five["key"]))
    if not (extra or missing):
        return "It counts the same persons as the best-matching definition; the departments differ."
    return ("The persons that make the difference from the best-matching definition: "
            + "; ".join([f"{_person(victims, i)}, counted here and not there" for i in extra]
                        + [f"{_person(victims, i)}, counted there and not here" for i in missing]) + ".")


def death_search(search: Search) -> str:
    """Which of the definitions searched reproduce the death share, and what they give for the population."""
    dead, both = search.reproducing("death"), search.reproducing()
    if dead.empty:
        return "No definition searched reproduces the death share."
    rest = dead.drop(both.index)
    out = (f"Of all {len(search.table)} definitions, {len(dead)} reproduce the death share; "
           f"{len(both)} of them also reproduce the population share")
    if len(both):
        out += ", all counting " + " or ".join(SEARCH_DEATHS[d][1] for d in SEARCH_DEATHS if d in set(both["deaths"]))
    if len(rest):
        lo, hi = (text.num(x, 1, thousands=False) for x in (rest["population_share"].min(),
                                                              rest["population_share"].max()))
        pop = text.num(search.published["population_share"]["value"], 0, thousands=False)
        out += (f". The other {len(rest)} give a population share of {lo if lo == hi else f'{lo}–{hi}'} %, "
                f"outside the rounding of Amnesty's {pop} %")
    return out + "."


def unknown_departments(departments: pd.DataFrame, stated: dict) -> dict:
    """The departments whose status the stated reading cannot classify: how many, and their population share (%)."""
    cls = ethnic.classify_departments(departments, stated["measure"], stated["threshold"])
    pop = ethnic.population(departments).reset_index(drop=True)
    unknown = (cls["status"] == "unknown").to_numpy()
    return {"n": int(unknown.sum()), "population_pct": 100 * pop[unknown].sum() / pop.sum()}


def amnesty(claims: pd.DataFrame, victims: pd.DataFrame, departments: pd.DataFrame, search: Search) -> dict:
    """Everything sections 2 and 3 show about Amnesty's 13 % / 80 %."""
    best, pub = search.best, published(search)
    rows = {dk: five_department(search, dk) for dk in SEARCH_DEATHS}
    old = former_comparison(search)
    others = search.reproducing().iloc[1:]
    return {
        "search": search, "grid": search_grid(), "stated": stated_reading(search.stated), "published": pub,
        "quote": claims.set_index("claim_id").loc[AMNESTY_CLAIM, "quote"],
        "reproducing": search.reproducing()[REPRODUCING_COLUMNS].round(2),
        "death_scopes": death_scopes(search), "five": five_department(search), "five_by_deaths": rows,
        "five_added": {"total": rows["civilian"]["deaths_total"] - rows["clash"]["deaths_total"],
                       "majority": rows["civilian"]["deaths_majority"] - rows["clash"]["deaths_majority"]},
        "five_versus_best": five_versus_best(search, victims), "death_search": death_search(search),
        "best": best, "old": old,
        "old_gap": {name: pub[name]["value"] - old[name] for name in ("population_share", "death_share")},
        "n_others": len(others), "n_others_same_departments": int(
            (others["majority_departments"] == best["majority_departments"]).sum()),
        "unknown_departments": unknown_departments(departments, search.stated),
    }


def comparison(table: pd.DataFrame) -> dict:
    """The comparison as shown (rounded), the numbers not reproduced, the claims not addressed, and each addressed
    row by "<claim_id>.<quantity>" for the prose."""
    addr = table[table["status"] == "addressed"]
    keys = addr["claim_id"] + "." + addr["quantity"]
    if keys.duplicated().any():
        raise KeyError(f"{keys[keys.duplicated()].iloc[0]}: more than one row in the comparison table")
    return {"comparison": addr[COMPARISON_COLUMNS].round(1),
            "not_reproduced": addr.loc[addr["verdict"] == "not reproduced", OUTSIDE_COLUMNS],
            "not_addressed": table.loc[table["status"] == "not_addressed", ["claim_id", "publisher", "reason"]],
            "rows": {k: r for k, (_, r) in zip(keys, addr.iterrows())}}
