"""Task 07, published versus reproduced: each quantitative claim of data/processed/published_claims.csv (the
register's copy of data/raw/context/published_claims.csv, analysis/register/claims_table.py) that the register can
address, recomputed from the processed tables under an explicit definition, with the reason for any difference
(notebook 07-published-vs-reproduced).

How a count is reproduced (`definitions`): who a published number counts is a `Definition`, its context and window
selected by `analysis.register.scope.select`; the reproduced value is the number of persons *certainly* in scope,
the possible count beside it adds every person who *may* be. Nothing unknown is guessed.

Verdicts (`verdicts`): "reproduced exactly", "reproduced within the published rounding" or "not reproduced"; a
"not reproduced" row lists, by victim_id, the persons that make the difference and why (`compare.difference`).

A claim that does not state its definition (Amnesty's 13 % / 80 %, AI-F-01) is compared under the best-matching
of every defensible definition (`search`). Which claims the register can address, and how: `catalogue.CLAIMS`.
"""
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.register import claims_table
from analysis.register import scope as S
from analysis.report import text
from analysis.report.numbers import Numbers
from analysis.tasks.base import Result, Task, folders
from analysis.tasks.claims import prose
from analysis.tasks.claims.catalogue import CLAIMS, amnesty_published
from analysis.tasks.claims.compare import addressed, check_table, compare
from analysis.tasks.claims.definitions import START
from analysis.tasks.claims.search import (AMNESTY_CLAIM, SEARCH_DEATHS, SEARCH_POLICIES, Search, amnesty_verdict,
                                          five_department, former_comparison, search_definitions)
from analysis.tasks.claims.verdicts import VERDICTS

TASK = Task(
    name="claims",
    notebook="07-published-vs-reproduced",
    reads=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/events.csv",
           "data/processed/published_claims.csv"),
    writes=("outputs/numbers/claims.json", "outputs/tables/published_vs_reproduced.csv",
            "outputs/tables/claims_definition_search.csv"),
    after=("01-register",),
    params={
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, tables; empty means outputs/
    },
)


def spec(processed_dir: str = "", outputs_dir: str = "") -> dict:
    """The specification the numbers carry: the claims file read (the register's copy)."""
    processed, _ = folders(processed_dir, outputs_dir)
    return {"claims_file": paths.rel(processed / f"{claims_table.NAME}.csv")}


def inputs(spec: dict, processed: Path, outputs: Path) -> dict:
    """The claims (data/processed/published_claims.csv) and the register (victims, departments, events)."""
    return {"claims": claims_table.load(processed), **S.load_register(processed)}


def run(spec: dict, inputs: dict) -> Result:
    """Every claim compared (published_vs_reproduced), Amnesty's definition search (claims_definition_search),
    the numbers with their definitions and the values the notebook's prose quotes. Writes nothing."""
    claims, victims, departments = inputs["claims"], inputs["victims"], inputs["departments"]
    check_table(claims)
    numbers = Numbers(TASK.name, spec=spec)
    numbers.add("n_claims", len(claims), unit="count", definition="claims in published_claims.csv")
    numbers.add("n_addressed", sum(bool(c.quantities) for c in CLAIMS), unit="count",
                definition="claims the register can address (at least one quantity recomputed)")
    search = search_definitions(victims, departments, amnesty_published(claims))
    record_amnesty(numbers, search)
    table = compare(claims, {"victims": victims, "events": inputs["events"], "departments": departments,
                             "amnesty_search": search})  # AI-F-01/02 under the best definition
    addr = addressed(table)
    record_reproduced(numbers, addr)
    record_verdicts(numbers, addr)
    numbers.add("n_not_addressed", int((table["status"] == "not_addressed").sum()), unit="count",
                definition="claims the register cannot address")
    values = {**prose.amnesty(claims, victims, departments, search), **prose.comparison(table),
              "persons": len(victims), "identified": int(victims["identified"].sum())}
    return Result(numbers, tables={"claims_definition_search": search.table, "published_vs_reproduced": table},
                  values=values)


# ---------------------------------------------------------------- the numbers recorded
def record_reproduced(numbers: Numbers, addr: pd.DataFrame) -> None:
    """Record each recomputed quantity as <claim_id>.<quantity>: a count of the certain persons with the interval
    certain..possible (and <claim_id>.<quantity>_possible for the bound), a share (percent) with its exact interval
    (none when undefined) and the range over unknowns in the definition; the verdict in the definition."""
    for r in addr.itertuples():
        if r.kind == "count":
            numbers.add(f"{r.claim_id}.{r.quantity}", int(r.reproduced), unit="person",
                        interval=(r.range_low, r.range_high),
                        definition=f"persons certainly in scope ({r.definition}); interval = certainly .. possibly "
                                   f"in scope; {r.verdict}")
            numbers.add(f"{r.claim_id}.{r.quantity}_possible", int(r.n_possible), unit="person",
                        definition=f"persons possibly in scope ({r.definition}): the upper bound")
        else:
            low, high = (text.num(x, 1, thousands=False) for x in (r.range_low, r.range_high))
            numbers.add(f"{r.claim_id}.{r.quantity}", r.reproduced, unit="percent",
                        interval=None if np.isnan(r.ci_low) else (r.ci_low, r.ci_high),
                        definition=f"{r.definition}; interval = exact Clopper-Pearson 95 % "
                                   f"(range over unknowns {low}-{high}); {r.verdict}")


def record_verdicts(numbers: Numbers, addr: pd.DataFrame) -> None:
    """How many recomputed numbers each verdict has."""
    v = {name: int((addr["verdict"] == name).sum()) for name in VERDICTS}
    numbers.add("n_quantities", len(addr), unit="count", definition="published numbers recomputed")
    numbers.add("n_reproduced_exactly", v["reproduced exactly"], unit="count",
                definition="recomputed numbers whose certain count (or share) equals the published number")
    numbers.add("n_reproduced_within_rounding", v["reproduced within the published rounding"], unit="count",
                definition="recomputed numbers within the published rounding (about N, more than N, printed "
                           "precision)")
    numbers.add("n_not_reproduced", v["not reproduced"], unit="count",
                definition="recomputed numbers not reproduced (the difference is listed person by person)")


def record_amnesty(numbers: Numbers, search: Search, claim_id: str = AMNESTY_CLAIM) -> None:
    """Record the definition search of the claim: how many definitions reproduce each figure; the stated department
    reading's population share and death share (<claim>.population_share_<n>dep, <claim>.death_share_<n>dep:
    civilians killed in clashes certainly by the release date, and .death_share_<n>dep.<deaths>.<policy> per death
    scope); the former comparison (departments of known status only); the best-matching definition and the
    verdict."""
    t, best = search.table, search.best
    add = lambda name, value, **kw: numbers.add(f"{claim_id}.{name}", value, **kw)  # noqa: E731
    add("n_definitions", len(t), unit="count",
        definition="definitions searched: measure x threshold x departments of unknown status x death scope x date "
                   "policy x cut-off (outputs/tables/claims_definition_search.csv)")
    for fig in ("population", "death"):
        add(f"n_reproduce_{fig}", len(search.reproducing(fig)), unit="count",
            definition=f"searched definitions whose {fig} share reproduces the published figure within its rounding")
    add("n_reproduce_both", len(search.reproducing()), unit="count",
        definition="searched definitions that reproduce both published figures within their rounding")
    record_five_department(add, search)
    old = former_comparison(search)
    add("population_share_known_only", old["population_share"], unit="percent",
        definition="the former comparison: population share of the majority departments among departments of known "
                   f"status only (self-identification > {search.stated['threshold']:g} %); {old['population_verdict']}")
    add("death_share_known_only", old["death_share"], unit="percent",
        interval=(old["death_share_low"], old["death_share_high"]),
        definition="the former comparison: share of civilians killed in clashes certainly by the release date, "
                   f"departments of known status only; {old['death_verdict']}")
    add("best_definition", best["key"], unit="department",
        definition=f"the best-matching definition (rank 1 of {len(t)}): {best['definition']}")
    add("verdict", amnesty_verdict(search), unit="percent",
        definition=f"verdict of the published 13 % / 80 % under the best-matching definition "
                   f"(population: {best['population_verdict']}; deaths: {best['death_verdict']})")


def record_five_department(add, search: Search) -> None:
    """The stated department reading (five departments on today's data): its population share, its death share
    (civilians killed in clashes certainly by the release date) and the death share under every death scope."""
    five = five_department(search)
    tag = f"{int(five['n_majority'])}dep"
    add(f"population_share_{tag}", five["population_share"], unit="percent",
        definition=f"population share (census 2017) of the {five['n_majority']} departments "
                   f"({five['majority_departments']}) where more than {search.stated['threshold']:g} % of persons 12+ "
                   "self-identified as Indigenous, departments of unknown status counted as not majority; "
                   f"{five['population_verdict']}")
    add(f"death_share_{tag}", five["death_share"], unit="percent",
        interval=(five["death_share_low"], five["death_share_high"]),
        definition=f"share of the civilians killed in clashes certainly between {START} and {five['cutoff']} (the "
                   f"release date) who died in those departments; exact Clopper-Pearson 95 % interval; "
                   f"{five['death_verdict']}"
                   + (f"; counted here and not under the best definition: {five['persons_not_in_best']}"
                      if five["persons_not_in_best"] else ""))
    for dk in SEARCH_DEATHS:
        for pol in SEARCH_POLICIES:
            r = five_department(search, dk, pol)
            add(f"death_share_{tag}.{dk}.{pol}", r["death_share"], unit="percent",
                interval=(r["death_share_low"], r["death_share_high"]),
                definition=f"death share of the same departments: {SEARCH_DEATHS[dk][1]}, {SEARCH_POLICIES[pol]} "
                           f"between {START} and {r['cutoff']}; {r['deaths_majority']} of {r['deaths_total']}; "
                           f"exact 95 % interval; {r['death_verdict']}")
