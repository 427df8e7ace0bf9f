"""The catalogue of published claims: every claim of data/processed/published_claims.csv exactly once, with the
quantities the register can recompute (each a `Definition` or a share of one) and a note: the rule that explains a
difference, or why the register cannot address the claim.

Cut-offs (the `cutoff` of each entry below): the end of the period the claim's `scope` states; a period given only
in months ends on the month's last day; when no period is stated, the publication date (a count cannot include
deaths after it was published).

The published value is read from the claim's `quantity` field, never typed here: `part` picks the `;`-separated
part and `pick` the number inside it (0 = first, -1 = last, e.g. "48 -> 49" means 49 after the update).
"""
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from analysis.errors import RawDataError
from analysis.stats import ethnic
from analysis.tasks.claims.definitions import START, Definition, Reproduced, count, share
from analysis.tasks.claims.search import AMNESTY_CLAIM, Search, amnesty_result, search_definitions
from analysis.tasks.claims.verdicts import published_figure

SOUTH_FISCAL = ("Ayacucho", "Puno", "Apurímac", "Arequipa", "Cusco")


@dataclass(frozen=True)
class Quantity:
    """One published number of a claim and how the suite recomputes it."""
    name: str
    part: int
    compute: object     # callable(tables: dict) -> Reproduced
    kind: str           # "count" (persons), "share" (percent of persons) or "covariate" (census percent)
    pick: int = 0
    of: tuple | None = None  # (part, pick) of the denominator when a share is published as "k of n"


@dataclass(frozen=True)
class Claim:
    claim_id: str
    quantities: tuple = ()
    note: str = ""      # rule explaining a difference (addressed) or why the data cannot address it


@dataclass(frozen=True)
class CountOf:
    """Quantity function: persons in `scope` (see `count`)."""
    scope: Definition

    def __call__(self, tables: dict) -> Reproduced:
        return count(tables["victims"], self.scope)


@dataclass(frozen=True)
class ShareOf:
    """Quantity function: percent of `base` in `numerator` (see `share`)."""
    base: Definition
    numerator: Definition

    def __call__(self, tables: dict) -> Reproduced:
        return share(tables["victims"], self.base, self.numerator)


_c, _s = CountOf, ShareOf


def _amnesty(which: str):
    """Amnesty's 13 % / 80 % under the best-matching of the defensible definitions (see `search_definitions`):
    the Reproduced of the population share ("population") or death share ("deaths") of the best definition, named."""
    def run(t):
        return amnesty_result(amnesty_search(t), "population_share" if which == "population" else "death_share")
    return run


def _indigenous_share(department: str):
    """A department's Indigenous self-identification share (census 2017, 12+) as departments.csv carries it."""
    def run(t):
        b = ethnic.share_bounds(t["departments"], "selfid")
        row = b[t["departments"]["department"].astype(str) == department]
        if row.empty:
            raise RawDataError("departments.csv", None, "department", f"no row for {department!r}")
        r = row.iloc[0]
        return Reproduced(r["share"], r["share_low"], r["share_high"], r["share_low"], r["share_high"],
                          "" if pd.notna(r["share"]) else f"only bounds published ({r['basis']})",
                          f"self-identified Indigenous, census 2017, persons 12+, {department}")
    return run


def _slug(name: str) -> str:
    """ASCII key fragment of a department name (quantity names become keys in numbers.json)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


CLASH, BLOCK, POLICE = ("clash",), ("blockade",), ("police_officer",)
MINOR = (0, 17)


def _civ(cutoff, **kw):
    return Definition(contexts=CLASH, start=START, cutoff=cutoff, **kw)


# Notes. Each addressed claim's note is the rule that explains a difference; numbers come from the computation.
# Recurring rules:
N_CUTOFF = ("the register dates deaths individually; a count published at a date includes persons whose date the "
            "register does not know, and later sources back-date deaths of the wounded")
N_SOLDIERS = "the register holds civilians and police only: the six soldiers drowned in the río Ilave are outside it"
N_SELECTION = "the publisher's case selection is not published, so the subset cannot be rebuilt"
N_INJURED = "the register records deaths only; injured persons are not in it"
N_NOT_DEATHS = "not a count of deaths: investigations, procedure, method or report metadata"
N_AGE = "ages are unknown for some persons; 'children' and 'adolescents' are read as under 18"
N_CAUSE = "cause and wound are unknown for unidentified records and for persons whose cause no source states"

# The table: every claim of published_claims.csv exactly once. An entry with no quantities is not addressed.
CLAIMS: tuple[Claim, ...] = (
    # Amnesty preliminary findings, 16 Feb 2023
    Claim("AI-F-01", (Quantity("population_share", 0, _amnesty("population"), "share"),
                      Quantity("death_share", 1, _amnesty("deaths"), "share")),
          "Amnesty publishes neither its departments nor its census measure, death scope or cut-off: compared "
          "under the best-matching of the defensible definitions searched (search_definitions), named in the "
          "definition; the population share is a census share, not a sample"),
    Claim("AI-F-02", (Quantity("population_share", 0, _amnesty("population"), "share"),
                      Quantity("death_share", 1, _amnesty("deaths"), "share")),
          "same claim as AI-F-01 (Spanish release); same definitions"),
    Claim("AI-F-03", (), "method statement, no quantity"),
    Claim("AI-F-04", (), "qualitative comparison of the level of violence; the register does not measure it"),
    Claim("AI-F-05", (), "names departments, states no quantity; notebook 04 classifies every department"),
    Claim("AI-F-06", (Quantity("clash_deaths", 0, _c(_civ("2023-02-16")), "count"),
                      Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-02-16")), "count"),
                      Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-16")), "count")), N_CUTOFF),
    Claim("AI-F-07", (), N_SELECTION + " (46 cases of Amnesty's field mission)"),
    Claim("AI-F-08", (), N_SELECTION + " (12 firearm deaths documented by Amnesty)"),
    Claim("AI-F-09", (), N_INJURED),
    Claim("AI-F-10", (Quantity("juliaca_deaths_9jan", 0,
                               _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),),
          "Juliaca = event E07; persons of E07 with unknown date of death may have died on 9 January or later"),
    Claim("AI-F-11", (), N_NOT_DEATHS + " (audiovisual verification)"),
    # Amnesty, Lethal Racism, 25 May 2023 (scope Dec 2022 – Feb 2023)
    Claim("AI-L-01", (Quantity("clash_deaths", 0, _c(_civ("2023-02-28")), "count"),
                      Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-02-28")), "count"),
                      Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-28")), "count")),
          N_CUTOFF + "; 49 is the Defensoría's count after Rosalino Flórez died on 21 March, past the stated period"),
    Claim("AI-L-02", (), "reporting period, not a quantity (used as a cut-off elsewhere)"),
    Claim("AI-L-03", (), N_SELECTION + "; 'elements of extrajudicial execution' is a legal assessment"),
    Claim("AI-L-04", (), N_SELECTION),
    Claim("AI-L-05", (), N_SELECTION),
    Claim("AI-L-06", (Quantity("civilian_deaths", 1, _c(_civ("2023-02-09")), "count"),),
          N_CUTOFF + "; the 49 is a total as of publication, the scope names 9 Feb"),
    Claim("AI-L-07", (), N_SELECTION),
    Claim("AI-L-08", (), N_SELECTION),
    Claim("AI-L-09", (Quantity("lima_deaths", 0, _c(Definition(None, START, "2023-02-09", departments=("Lima",))),
                               "count"),
                      Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate", pick=1),
                      Quantity("ayacucho_deaths", 1, _c(Definition(None, START, "2023-02-09",
                                                              departments=("Ayacucho",))), "count"),
                      Quantity("ayacucho_indigenous_pct", 1, _indigenous_share("Ayacucho"), "covariate", pick=1)),
          "deaths of every context to Amnesty's period end (9 Feb); the Indigenous share is the census 2017 "
          "self-identification of persons 12+ (Amnesty's census and measure are not stated)"),
    Claim("AI-L-10", (Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate"),
                      Quantity("lima_deaths", 1, _c(Definition(None, START, "2023-02-09", departments=("Lima",))),
                               "count")),
          "conflicts with Reuters' 20 % for the same passage; census 2017 self-identification, persons 12+"),
    Claim("AI-L-11", (), "qualitative statement on victims' backgrounds; the register records no ethnicity"),
    Claim("AI-L-12", (), N_NOT_DEATHS + " (audiovisual items)"),
    Claim("AI-L-13", (), "qualitative; see AI-L-09 for Lima's deaths"),
    Claim("AI-L-14", (), "number of pellets in one body; the register records the wound site only"),
    # Amnesty, Who Called the Shots, 18 Jul 2024 (scope Dec 2022 – Mar 2023)
    Claim("AI-W-01", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Definition(POLICE, START, "2023-03-31")), "count")),
          N_CUTOFF + "; the 50th death the Ministerio Público counts was not identified by any source"),
    Claim("AI-W-02", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Definition(POLICE, START, "2023-03-31")), "count")),
          "same figures as AI-W-01; injured and charges are not in the register"),
    Claim("AI-W-03", (), "rounds fired; not in the register"),
    Claim("AI-W-04", (), N_NOT_DEATHS + " (Council of Ministers sessions)"),
    Claim("AI-W-05", (), N_NOT_DEATHS + " (meetings)"),
    Claim("AI-W-06", (), "duration of firing; not in the register"),
    Claim("AI-W-07", (), N_NOT_DEATHS + " (page count)"),
    # Defensoría del Pueblo
    Claim("DP-01", (Quantity("deaths", 0, _c(Definition(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"))), "count"),
                    Quantity("minors", 1, _c(Definition(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"), age=MINOR)), "count")),
          "deaths of 11–12 Dec in Apurímac and Arequipa; some persons' dates were revised later (died of wounds)"),
    Claim("DP-02", (Quantity("clash_deaths", 0, _c(_civ("2022-12-16")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2022-12-16")), "count")),
          N_CUTOFF + "; the article's date is approximate"),
    Claim("DP-03", (Quantity("clash_deaths", 0, _c(_civ("2022-12-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2022-12-17")), "count"),
                    Quantity("minors", 4, _c(Definition(None, START, "2022-12-17", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("DP-04", tuple(Quantity(f"clash_deaths_{_slug(dep)}", i, _c(_civ("2022-12-19", departments=(dep,))), "count",
                                  pick=0)
                         for i, dep in enumerate(("Apurímac", "Ayacucho", "Junín", "La Libertad", "Arequipa"))),
          N_CUTOFF + "; the department of a death is where it happened, as sources print it"),
    Claim("DP-05", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-01-10")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-10")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-01-10")), "count"),
                    Quantity("police_deaths", 3, _c(Definition(POLICE, START, "2023-01-10")), "count")), N_CUTOFF),
    Claim("DP-06", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-01-12")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-12")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-01-12")), "count"),
                    Quantity("blockade_deaths", 3, _c(Definition(BLOCK, START, "2023-01-12")), "count")), N_CUTOFF),
    Claim("DP-07", (Quantity("clash_and_police_deaths", 0,
                             _c(Definition(CLASH + POLICE, START, "2023-01-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-01-17")), "count")),
          N_CUTOFF + "; 42 = 41 civilians and one police officer; " + N_INJURED),
    Claim("DP-08", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-02-02")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-02")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-02-02")), "count")),
          N_CUTOFF + "; the headline total is inconsistent with its own components (see NOTES.md)"),
    Claim("DP-09", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-06")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-06")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-03-06")), "count"),
                    Quantity("police_deaths", 3, _c(Definition(POLICE, START, "2023-03-06")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total); " + N_INJURED),
    Claim("DP-10", (Quantity("minors_killed", 0, _c(Definition(None, START, "2023-03-06", age=MINOR)), "count"),),
          N_AGE + "; " + N_INJURED),
    Claim("DP-11", (), N_NOT_DEATHS + " (state-of-emergency declarations)"),
    Claim("DP-12", (), "reporting period, not a quantity"),
    Claim("DP-13", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-22")), "count", pick=-1),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-22")), "count", pick=-1)),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total)"),
    Claim("DP-14", (), N_INJURED),
    Claim("DP-15", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-22")), "count"),
                    Quantity("clash_and_police_deaths", 1, _c(Definition(CLASH + POLICE, START, "2023-03-22")),
                             "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-03-22")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (RPP's 17 'linked to blockades' appears to include them)"),
    # Human Rights Watch
    Claim("HRW-01", (Quantity("deaths", 0, _c(Definition(None, START, "2022-12-19")), "count"),
                     Quantity("children", 1, _c(Definition(None, START, "2022-12-19", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("HRW-02", (), "what MINSA had confirmed at the time, not the cause of death"),
    Claim("HRW-03", (), N_INJURED),
    Claim("HRW-04", (Quantity("civilian_deaths", 0, _c(_civ("2023-02-28")), "count"),
                     Quantity("children", 1, _c(_civ("2023-02-28", age=MINOR)), "count"),
                     Quantity("gunshot_deaths", 2, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                     Quantity("gunshot_share", 2, _s(_civ("2023-02-28"), Definition(causes=("firearm_projectile",))),
                              "share", of=(0, 0))),
          N_CUTOFF + "; " + N_AGE + "; " + N_CAUSE),
    Claim("HRW-05", (Quantity("torso", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                  wounds=("thorax", "abdomen"))), "count"),
                     Quantity("head", 1, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                 wounds=("head",))), "count"),
                     Quantity("back", 2, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                 wounds=("back",))), "count")),
          "torso = thorax or abdomen; a wound coded 'multiple' names no single site and is counted in none; "
          + N_CAUSE),
    Claim("HRW-06", (), N_INJURED),
    Claim("HRW-07", (Quantity("firearm_deaths", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                     Quantity("pellet_deaths", 1, _c(_civ("2023-02-28", causes=("pellets",))), "count")),
          N_CAUSE + "; sources disagree on some persons' weapon (bullet or pellets), the register keeps one"),
    Claim("HRW-08", (), N_NOT_DEATHS + " (interviews, video, photographs)"),
    Claim("HRW-09", (), "participation in the protest is not a field of the register"),
    Claim("HRW-10", (), N_NOT_DEATHS + " (charges)"),
    Claim("HRW-11", (), "qualitative statement on the region"),
    # IACHR
    Claim("CIDH-01", (Quantity("deaths", 0, _c(Definition(None, START, "2023-01-13")), "count"),
                      Quantity("adolescents", 1, _c(Definition(None, START, "2023-01-13", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE + "; " + N_INJURED),
    Claim("CIDH-02", (), "qualitative legal assessment"),
    Claim("CIDH-03", (), "qualitative statement on wound sites; see HRW-05"),
    Claim("CIDH-04", (Quantity("ayacucho_15dec_deaths", 0,
                               _c(Definition(CLASH, "2022-12-15", "2022-12-15", events=("E05",))), "count"),),
          "deaths on 15 Dec itself at the Ayacucho event (E05); later deaths of the wounded are not in it"),
    # United Nations
    Claim("UN-01", (Quantity("clash_deaths", 0, _c(_civ("2023-01-10")), "count"),), N_CUTOFF + "; " + N_INJURED),
    Claim("UN-02", (Quantity("juliaca_deaths_9jan", 0,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),
                    Quantity("juliaca_minors_9jan", 1,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",), age=MINOR)), "count"),
                    Quantity("police_deaths_10jan", 2,
                             _c(Definition(POLICE, "2023-01-10", "2023-01-10", events=("E07",))), "count")),
          "Juliaca = event E07; " + N_AGE),
    Claim("UN-03", (Quantity("juliaca_firearm_9jan", 0,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",),
                                      causes=("firearm_projectile",))), "count"),
                    Quantity("juliaca_firearm_share_9jan", 0,
                             _s(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",)),
                                Definition(causes=("firearm_projectile",))), "share", of=(0, 1))),
          "hospital sources at the time; " + N_CAUSE),
    Claim("UN-04", (Quantity("apurimac_deaths_11dec", 0,
                             _c(Definition(CLASH, "2022-12-11", "2022-12-11", departments=("Apurímac",))), "count"),),
          "deaths on 11 Dec in Apurímac"),
    Claim("UN-05", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-02-28")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-28")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-28")), "count"),
                    Quantity("blockade_deaths", 3, _c(Definition(BLOCK, START, "2023-02-28")), "count")),
          N_CUTOFF + "; the article's date is known only to the month"),
    # Ministerio Público
    Claim("MP-01", (Quantity("total_deaths", 0, _c(Definition(CLASH + POLICE, START, "2023-01-13")), "count"),
                    Quantity("civilian_deaths", 1, _c(_civ("2023-01-13")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-01-13")), "count")),
          N_CUTOFF + "; the 42 are civilians in clashes and the police officer; " + N_INJURED),
    Claim("MP-02", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-03", (Quantity("deaths", 0, _c(_civ("2023-03-31")), "count"),),
          N_CUTOFF + "; the prosecutors' 50 are deaths under investigation against police or military: read as "
          "civilians in clashes; " + N_INJURED),
    Claim("MP-04", (Quantity("share_aged_18_24", 0, _s(_civ("2023-03-31"), Definition(age=(18, 24))), "share"),
                    Quantity("puno_deaths", 1, _c(_civ("2023-03-31", departments=("Puno",))), "count")),
          "share among persons with a known age; " + N_CUTOFF),
    Claim("MP-05", (Quantity("minors_killed", 0, _c(_civ("2023-03-31", age=MINOR)), "count"),), N_AGE),
    Claim("MP-06", (Quantity("share_south", 0, _s(_civ("2023-03-31"), Definition(departments=SOUTH_FISCAL)), "share"),),
          "fiscal districts are read as the departments of the same names (their borders differ); share among "
          "persons with a known department; the injured shares are not in the register"),
    Claim("MP-07", (), N_NOT_DEATHS + " (investigated persons)"),
    Claim("MP-08", (Quantity("clash_deaths", 0, _c(_civ(None)), "count"),),
          "no period stated: every clash death in the register; the complaint's 44 covers the cases in that file"),
    Claim("MP-09", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-10", (), N_NOT_DEATHS + " (police under investigation)"),
    # Associated Press
    Claim("AP-01", (Quantity("bullet_deaths", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                    Quantity("bullet_share", 0, _s(_civ("2023-02-28"), Definition(causes=("firearm_projectile",))),
                             "share", of=(0, 1))),
          "AP read only the forensic reports it obtained; " + N_CAUSE),
    Claim("AP-02", (), N_SELECTION + " (the 32 forensic reports AP obtained)"),
    Claim("AP-03", (), "qualitative statement on wound sites; see HRW-05"),
    # MINSA and events
    Claim("MINSA-01", tuple(Quantity(f"deaths_{_slug(dep)}", i, _c(Definition(CLASH + BLOCK, START, "2022-12-18",
                                                                  departments=(dep,))), "count", pick=-1)
                            # part 0 is "25 total: Ayacucho 9": the department's number is the last one
                            for i, dep in enumerate(("Ayacucho", "Apurímac", "Cusco", "Junín", "La Libertad",
                                                     "Arequipa"))),
          N_CUTOFF + "; deaths in clashes and blockades together, as MINSA counted them"),
    Claim("MINSA-02", (), N_INJURED),
    Claim("MINSA-03", (Quantity("cusco_firearm_death_11jan", 2,
                                _c(Definition(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",),
                                         causes=("firearm_projectile",))), "count"),),
          "deaths on 11 Jan in Cusco by firearm; " + N_INJURED),
    Claim("ML-01", (), "projectiles lodged in bodies is a forensic detail the register does not record"),
    Claim("EV-AYA-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-15", None, events=("E05",))), "count"),),
          "all deaths of the Ayacucho event (E05), including the wounded who died later; " + N_INJURED),
    Claim("EV-AYA-02", (Quantity("died", 1, _c(Definition(CLASH, "2022-12-15", "2022-12-22", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to the report's date; " + N_INJURED),
    Claim("EV-AYA-03", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-15", "2022-12-18", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to 18 Dec; " + N_INJURED),
    Claim("EV-JUL-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))),
                                 "count"),),
          "Juliaca = event E07, deaths on 9 Jan; " + N_INJURED),
    Claim("EV-JUL-02", (Quantity("civilian_deaths", 0, _c(Definition(CLASH, "2023-01-09", "2023-01-12",
                                                               events=("E07",))), "count"),),
          "civilian deaths of event E07 to 12 Jan"),
    Claim("EV-JUL-03", (), N_NOT_DEATHS + " (police deployed)"),
    Claim("EV-CUS-01", (Quantity("death", 0, _c(Definition(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",))),
                                 "count"),),
          "deaths on 11 Jan in Cusco; " + N_INJURED),
    Claim("EV-AND-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-11", "2022-12-11", events=("E01",))),
                                 "count"),),
          "Andahuaylas = event E01, deaths on 11 Dec; " + N_INJURED),
    # Census context figures
    Claim("CEN-01", (), "a census figure the suite uses as an input (departments.csv), not a casualty count"),
    Claim("CEN-02", (), "a census figure the suite uses as an input (departments.csv), not a casualty count"),
)


def amnesty_published(claims: pd.DataFrame, claim_id: str = AMNESTY_CLAIM) -> dict:
    """{"population_share": figure, "death_share": figure} of the claim, read from its quantity field through the
    claim's entry in CLAIMS (parts 0 and 1), never typed."""
    entry = {c.claim_id: c for c in CLAIMS}[claim_id]
    return {q.name: published_figure(claims, claim_id, q.part, q.kind, q.pick) for q in entry.quantities}


def _frame_key(df: pd.DataFrame) -> tuple:
    return (df.shape, tuple(df.columns), int(pd.util.hash_pandas_object(df.astype(str), index=True).sum()))


# The last search computed, keyed by the content of its tables: AI-F-01 and AI-F-02 share one search (deterministic:
# the same tables always give the same search).
_SEARCHES: dict = {}


def amnesty_search(tables: dict) -> Search:
    """The definition search for AI-F-01 over `tables` (claims, victims, departments): tables["amnesty_search"] when
    the caller has computed it, else computed once per content of the three tables."""
    if isinstance(tables.get("amnesty_search"), Search):
        return tables["amnesty_search"]
    key = tuple(_frame_key(tables[name]) for name in ("claims", "victims", "departments"))
    if key not in _SEARCHES:
        _SEARCHES.clear()
        _SEARCHES[key] = search_definitions(tables["victims"], tables["departments"],
                                            amnesty_published(tables["claims"]))
    return _SEARCHES[key]
