"""Task 03, regional disparity: deaths per 100,000 by department, evidence at each level (03-regional-disparity).

`run` follows the notebook's sections: who is counted, the rates and the rate ratios (persons: descriptive, sections
1-3), the lethal event as the unit (section 4), the covariate at three levels with the most conservative defensible
headline and the post-treatment context (sections 5-6), and leave one event out (section 7). Each section function
records its numbers and adds its tables, figures and displayed values to the one Result.
"""
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.register.scope import Scope, load_register
from analysis.report.figures import apply_style
from analysis.report.numbers import Numbers
from analysis.report.plots.regional import leave_one_out_drawable, leave_one_out_plot, methods_forest, rates_forest
from analysis.report.text import monte_carlo_note
from analysis.stats import clustered as C
from analysis.stats import regression as R
from analysis.stats.rates import department_rates, rank_departments, rate, rate_ratios, within_top_interval
from analysis.tasks.base import Figure, Result, Task

TASK = Task(
    name="regional",
    notebook="03-regional-disparity",
    reads=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/events.csv"),
    writes=("outputs/numbers/regional.json", "outputs/tables/regional_*.csv", "outputs/figures/regional_*.csv",
            "outputs/figures/regional_*.png", "outputs/figures/regional_*.svg"),
    after=("01-register",),
    params={
        "cutoff_date": "2023-03-31",  # last day of the window (date of death)
        "contexts": ["clash"],  # contexts counted (vocab.CONTEXT codes)
        "date_policy": "certain",  # "certain" or "possible"
        "reference": "rest",  # "rest" (rest of the country), "Lima", "Lima+Callao" or a 2-digit department code
        "population": "pop_census_2017_persons",  # population column of departments.csv (the rate denominator)
        # first: the covariate tested; others: adjusters (measured before the deaths)
        "covariates": ["pov2022_band_ordinal"],
        # roadblock provinces: measured after most deaths, shown as context, never a rate ratio
        "post_treatment_covariate": "n_prov_roadblock_defensoria_2023-01-25",
        "post_treatment_date": "2023-01-25",  # the day that covariate was measured
        "n_wild": 99999,  # wild cluster bootstrap draws (seeded)
        "n_draws": 99999,  # Monte Carlo draws where exact enumeration is too large (seeded)
        "seed": 20221207,  # random seed of the resampling
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)

FOLDERS = ("processed_dir", "outputs_dir")  # where to read and write: not part of the specification
POLICIES = ("certain", "possible")
# Left out of every number's recorded `spec` (as before the task): the numbers they shape name them in words.
UNRECORDED = ("post_treatment_covariate", "post_treatment_date")
PER_100K = "persons per 100,000"
BAND_LABELS = {0.0: "lowest (< 20 %)", 1.0: "20–30 %", 2.0: "30–40 %", 3.0: "> 40 %"}
WORDS = {"pov2022_band_ordinal": "2022 poverty band"}  # a covariate's name in words, for figures and prose


@dataclass(frozen=True)
class Spec:
    """The parameters of TASK.params without the folders (see `spec`)."""
    cutoff_date: str
    contexts: tuple
    date_policy: str
    reference: str
    population: str
    covariates: tuple
    post_treatment_covariate: str
    post_treatment_date: str
    n_wild: int
    n_draws: int
    seed: int

    @property
    def scope(self) -> Scope:
        return Scope(contexts=self.contexts, end=self.cutoff_date, policy=self.date_policy)

    @property
    def target(self) -> str:
        """The covariate whose rate ratio is estimated (the first of `covariates`)."""
        return self.covariates[0]

    @property
    def adjust(self) -> list:
        return list(self.covariates[1:])

    def recorded(self) -> dict:
        """The specification stored with every number (lists, as JSON has them)."""
        out = {k: v for k, v in asdict(self).items() if k not in UNRECORDED}
        return {**out, "contexts": list(self.contexts), "covariates": list(self.covariates)}


def spec(**params) -> Spec:
    """The task's parameters (TASK.params defaults for those not given), checked; the folders are dropped."""
    unknown = sorted(set(params) - set(TASK.params))
    if unknown:
        raise TypeError(f"{TASK.name}: unknown parameter(s) {unknown}; declared: {sorted(TASK.params)}")
    p = {k: v for k, v in {**TASK.params, **params}.items() if k not in FOLDERS}
    s = Spec(**{**p, "contexts": tuple(p["contexts"]), "covariates": tuple(p["covariates"])})
    if s.date_policy not in POLICIES:
        raise ValueError(f"date_policy must be one of {POLICIES}, got {s.date_policy!r}")
    if not s.covariates:
        raise ValueError("covariates must name at least the covariate tested")
    if min(s.n_wild, s.n_draws) < 1:
        raise ValueError(f"n_wild and n_draws must be >= 1, got {s.n_wild}, {s.n_draws}")
    return s


def inputs(spec: Spec, processed: Path, outputs: Path) -> dict:
    """victims, departments and events of the register (validated)."""
    return load_register(processed)


def run(spec: Spec, inputs: dict) -> Result:
    """Every number, table and figure of notebook 03; writes nothing (result.write does)."""
    apply_style()  # the figures are drawn here, in the project's style
    result = Result(Numbers(TASK.name, spec=spec.recorded()))
    counted(spec, inputs, result)
    rates(spec, result)
    ratios(spec, result)
    lethal_events(spec, inputs, result)
    levels(spec, inputs, result)
    methods(spec, result)
    post_treatment(spec, result)
    leave_one_out(spec, inputs, result)
    return result


# -------------------- sections 1-3: persons (descriptive)
def counted(spec, inputs: dict, result: Result) -> None:
    """Section 1: where every register person went (counted, possibly in the window, left out and why)."""
    res = department_rates(inputs["victims"], inputs["departments"], spec.scope, population_col=spec.population)
    counts, add = res.counts, result.numbers.add
    add("persons_in_register", counts["n_in"], unit="person",
        definition="persons (rows) in the victims register, all contexts and dates")
    add("deaths_counted", counts["n_selected"], unit="person", definition=f"persons counted: {spec.scope.describe()}")
    add("deaths_counted_certain", counts["certain"], unit="person",
        definition="persons in `contexts` whose date-of-death interval lies on or before `cutoff_date`")
    add("deaths_counted_possible", counts["possible"], unit="person",
        definition="persons in `contexts` whose date-of-death interval overlaps the period up to `cutoff_date` "
                   "(upper bound of the count)")
    add("excluded_other_context", counts["excluded_context"], unit="person",
        definition="persons in the register whose death context is not in `contexts`")
    add("excluded_after_cutoff", counts["outside_window"], unit="person",
        definition="persons in the selected contexts who certainly died after `cutoff_date`")
    add("deaths_date_uncertain", counts["uncertain"], unit="person",
        definition="persons in the selected contexts whose date-of-death interval straddles the window's edge "
                   "(possibly, not certainly, in the window)")
    add("deaths_unknown_department", res.n_unknown_department, unit="person",
        definition="counted persons whose department is unknown (in the national total, in no department rate)")
    add("deaths_in_departments", int(res.table["deaths"].sum()), unit="person",
        definition="counted persons with a known department")
    result.values.update(rates=res, deaths_possible_in_departments=int(res.table["deaths_possible"].sum()))


def rates(spec, result: Result) -> None:
    """Section 2: national and department rates per 100,000 (exact intervals), the top three departments' shares,
    the rate table and its forest plot."""
    res, add = result.values["rates"], result.numbers.add
    table, n_all = res.table, res.counts["n_selected"]
    pop_all = float(table["population"].sum())
    national = rate(n_all, pop_all)
    add("national_rate", national["rate"], unit=PER_100K, interval=(national["rate_low"], national["rate_high"]),
        definition="all counted deaths (incl. unknown department) per 100,000 census-2017 population; "
                   "exact Poisson interval")
    ranked = rank_departments(table, "rate")
    for r in ranked.itertuples(index=False):
        add(f"rate_{r.ubigeo_dep}", r.rate, unit=PER_100K, interval=(r.rate_low, r.rate_high),
            definition=f"counted deaths per 100,000 population in {r.department} ({r.deaths} deaths); "
                       "exact Poisson interval")
    add("departments_with_deaths", len(ranked), unit="department",
        definition="departments (of 25) with at least one counted death")
    top = ranked.iloc[0]
    add("highest_rate_department", top["department"], unit="department",
        definition="department with the highest death rate")
    add("highest_rate", top["rate"], unit=PER_100K, interval=(top["rate_low"], top["rate_high"]),
        definition=f"death rate per 100,000 in the department with the highest rate ({top['department']})")
    add("share_deaths_top3_rate_departments", ranked["deaths"].head(3).sum() / n_all, unit="proportion",
        definition="share of counted deaths in the three departments with the highest rates")
    add("share_population_top3_rate_departments", ranked["population"].head(3).sum() / pop_all, unit="proportion",
        definition="share of the census-2017 population living in those three departments")
    result.tables["regional_rates"] = table
    fig, data = rates_forest(table, national["rate"], scope_label=spec.scope.describe())
    plt.close(fig)  # shown by the notebook where it belongs, not where it is drawn
    result.figures["regional_rates_forest"] = Figure(fig, data)
    result.values.update(national=national, ranked=ranked, top=top, top3=ranked["department"].head(3).tolist(),
                         overlap=within_top_interval(ranked))


def ratios(spec, result: Result) -> None:
    """Section 3: every department against the reference (exact conditional test, Holm's correction)."""
    table, add = result.values["rates"].table, result.numbers.add
    rr = rate_ratios(table, spec.reference)
    ref_label = rr["reference"].iloc[0]
    ranked = rank_departments(rr, "rr")
    for r in ranked.itertuples(index=False):
        add(f"rr_{r.ubigeo_dep}", r.rr, unit="ratio", interval=(r.rr_low, r.rr_high), p_value=r.p_value,
            definition=f"death-rate ratio {r.department} / {r.reference}; exact conditional test and "
                       "Clopper-Pearson interval; descriptive: persons treated as independent draws")
    signif = rr[rr["p_holm"] < 0.05].sort_values(["rr", "ubigeo_dep"], ascending=[False, True])
    add("departments_rr_significant_holm", len(signif), unit="department",
        definition=f"departments whose rate differs from the {ref_label} at 5 % after Holm's correction "
                   "(person-level exact test: descriptive)")
    result.tables["regional_rate_ratios"] = rr
    result.values.update(ratios_ranked=ranked, significant=signif, reference_label=ref_label)


# -------------------- section 4: the lethal event as the unit
def event_labels(events: pd.DataFrame) -> dict:
    """event_id -> its words (events.csv `label`), for tables and figures that must not show bare codes."""
    return dict(zip(events["event_id"].astype(str), events["label"].astype(str)))


def lethal_events(spec, inputs: dict, result: Result) -> None:
    """Events per department (exact intervals), persons per event (largest first, named in words) and the counts
    that say how many independent units the evidence has."""
    res, add = result.values["rates"], result.numbers.add
    persons, n_all = res.persons, res.counts["n_selected"]
    labels = event_labels(inputs["events"])
    events = R.event_table(persons, res.table)
    sizes = R.event_sizes(persons)
    sizes.insert(1, "event", sizes["event_id"].map(lambda e: labels.get(e, e)))
    lethal = C.lethal_events(persons)
    add("events_total", int(len(lethal)), unit="event",
        definition="lethal events with counted deaths (event ids + department-days of deaths linked to no event)")
    add("events_linked", int(sizes.shape[0]), unit="event", definition="distinct lethal-event ids among counted deaths")
    add("deaths_no_event", int(persons["event_id"].isna().sum()), unit="person",
        definition="counted deaths linked to no event id")
    add("events_single_death", int((lethal["deaths"] == 1).sum()), unit="event",
        definition="lethal events with exactly one counted death")
    if len(sizes):
        big = sizes.iloc[0]
        add("largest_event_deaths", int(big["deaths"]), unit="person",
            definition=f"counted deaths in the largest lethal event ({big['event']}, {big['departments']})")
        add("share_deaths_two_largest_events", sizes["deaths"].head(2).sum() / n_all, unit="proportion",
            definition="share of counted deaths that occurred in the two largest lethal events")
    result.tables["regional_events"] = events
    result.tables["regional_event_sizes"] = sizes
    result.values.update(event_labels=labels, event_sizes=sizes, events=events)


# -------------------- sections 5-6: the covariate at three levels; the post-treatment context
def levels(spec, inputs: dict, result: Result) -> None:
    """Levels 1 and 2: persons and lethal events per value of the covariate, each with its exact interval."""
    covars = R.add_poverty_band_ordinal(inputs["departments"])
    target, add = spec.target, result.numbers.add
    bands = R.band_table(result.values["rates"].persons, covars, target, population_col=spec.population,
                         labels=BAND_LABELS if target == "pov2022_band_ordinal" else None)
    for b in bands.itertuples(index=False):
        add(f"level.{target}.{b.value:g}.deaths", b.deaths, unit="person",
            definition=f"counted deaths in departments with {target} = {b.band}")
        add(f"level.{target}.{b.value:g}.rate", b.rate, unit="persons per 100,000", interval=(b.rate_low, b.rate_high),
            definition=f"deaths per 100,000 in departments with {target} = {b.band}; exact Poisson interval "
                       "(persons: descriptive)")
        add(f"level.{target}.{b.value:g}.events", b.events, unit="event",
            definition=f"lethal events in departments with {target} = {b.band} (exact Poisson interval of "
                       "events per million: tables/regional_covariate_levels.csv)")
    result.tables["regional_covariate_levels"] = bands
    result.values.update(covars=covars, bands=bands, events_in_bands=int(bands["events"].sum()),
                         target_words=WORDS.get(target, target))


def methods(spec, result: Result) -> None:
    """Level 3: the rate ratio per unit of the covariate by every method of analysis.stats.clustered, the headline
    (most conservative defensible p-value and interval) and the methods figure."""
    v, add, target, adjust = result.values, result.numbers.add, spec.target, spec.adjust
    design = C.design_from_register(v["rates"].persons, v["covars"], target, adjust=adjust,
                                    population_col=spec.population)
    results = R.cluster_aware(design, n_draws=spec.n_draws, n_wild=spec.n_wild, seed=spec.seed)
    head = C.most_conservative(results)
    table = R.methods_table(results, head)
    by = {r.method: r for r in results}
    add("poisson_dispersion", C.pearson_dispersion(design), unit="index",
        definition=f"Pearson chi-square / residual df of the Poisson model of deaths on {target} "
                   "(1 = Poisson variance holds)")
    add("negbin_alpha", by["negbin_lr"].details["nb_alpha"], unit="index",
        definition="negative-binomial overdispersion a in var = mu + a mu^2 (0 = Poisson)")
    add("model_events_clusters", design.G, unit="event",
        definition="lethal events (clusters) in the event-level methods")
    add("model_departments", design.D, unit="department", definition="departments in the count model")
    for r in results:
        add(f"gradient.{r.method}", r.estimate, unit="ratio", interval=None if np.isnan(r.low) else (r.low, r.high),
            p_value=r.p_value, definition=f"rate ratio per unit of {target}"
                                          + (f" adjusted for {', '.join(adjust)}" if adjust else "")
                                          + f": {r.label}; independent unit: {r.level}; {R.role(r)}")
    add("gradient.headline", head.estimate, unit="ratio", interval=(head.low, head.high), p_value=head.p_value,
        definition=f"rate ratio per unit of {target}: most conservative defensible result over {design.G} lethal "
                   f"events and {design.D} departments; p from {head.p_method}, interval from {head.interval_method}")
    result.tables["regional_methods"] = table
    words = v["target_words"]
    fig, data = methods_forest(table, f"rate ratio per step of the {words} (log scale, 95 % interval)",
                               f"Death rate and {words}: every method side by side\n{spec.scope.describe()};\n"
                               f"{design.N} deaths, {design.G} lethal events, {design.D} departments (★ = headline)")
    plt.close(fig)
    result.figures["regional_methods"] = Figure(fig, data)
    draws = R.resampling_draws(by[head.p_method], n_wild=spec.n_wild, n_draws=spec.n_draws)
    v.update(design=design, methods=table, method_results=by, headline=head,
             headline_note=monte_carlo_note(head.p_value, draws))


def post_treatment(spec, result: Result) -> None:
    """Section 6: the post-treatment covariate beside each department's deaths before / after its measurement."""
    v, add = result.values, result.numbers.add
    column, date = spec.post_treatment_covariate, spec.post_treatment_date
    ctx = R.post_treatment_context(v["rates"].persons, v["covars"], column, date)
    before, known = int(ctx["deaths_before"].sum()), int(ctx["deaths"].sum())
    add("post_treatment.deaths_before", before, unit="person",
        definition=f"counted deaths (known department) certainly before {date}, the date {column} was measured")
    add("post_treatment.share_before", before / known if known else np.nan, unit="proportion",
        definition=f"share of counted deaths with a known department that certainly occurred before {date}")
    result.tables["regional_post_treatment_context"] = ctx
    with_deaths = ctx["deaths"] > 0
    v["post_treatment"] = ctx
    v["post_treatment_shown"] = ctx[with_deaths | (ctx["value"] > 0)]
    v["post_treatment_counts"] = {
        "deaths_known_department": known, "deaths_before": before,
        "deaths_straddling": int(ctx["deaths_straddling"].sum()),
        "provinces_in_departments_with_deaths": int(ctx.loc[with_deaths, "value"].sum()),
        "provinces": int(ctx["value"].sum())}


# -------------------- section 7: leave one event out
def leave_one_out(spec, inputs: dict, result: Result) -> None:
    """Recompute the top department's rate ratio, its share, the covariate's rate ratio and sign-flip p with each
    lethal event removed in turn; record the range and draw it."""
    v = result.values
    ranked = v["ratios_ranked"]
    top_code = ranked.iloc[0]["ubigeo_dep"] if len(ranked) else None
    top_name = ranked.iloc[0]["department"] if len(ranked) else None
    estimates = partial(R.loo_estimates, covars=v["covars"], covariates=list(spec.covariates),
                        population_col=spec.population, reference=spec.reference, top_code=top_code, seed=spec.seed,
                        n_draws=spec.n_draws)
    loo = R.leave_one_event_out_table(inputs["victims"], inputs["departments"], spec.scope, estimates,
                                      v["event_sizes"], labels=v["event_labels"])
    result.tables["regional_leave_one_event_out"] = loo
    v.update(loo=loo, loo_top_name=top_name, loo_range=None)
    if top_code is not None and len(loo) > 1:
        _record_leave_one_out(spec, result, loo, top_name)
    if leave_one_out_drawable(loo):
        n_all, n_events = v["rates"].counts["n_selected"], result.number("events_total")
        fig, data = leave_one_out_plot(loo, f"{top_name} / {v['reference_label']}",
                                       model_label=f"the {v['target_words']}",
                                       subtitle=f"{spec.scope.describe()}; {n_all} deaths in {n_events} lethal events")
        plt.close(fig)
        result.figures["regional_leave_one_event_out"] = Figure(fig, data)


def _record_leave_one_out(spec, result: Result, loo, top_name) -> None:
    """The numbers of the leave-one-event-out range; the events are named in words."""
    v, add, target = result.values, result.numbers.add, spec.target
    labels, ref_label = v["event_labels"], v["reference_label"]
    span = R.leave_one_out_range(loo)
    no_ref = [labels.get(e, e) for e in span["no_reference"]]
    sign_flip = loo.iloc[1:]["sign_flip_p"]
    add("loo_rr_top_min", span["rr_min"], unit="ratio",
        definition=f"smallest rate ratio {top_name} / {ref_label} when one lethal event is removed "
                   f"(removed: {labels.get(span['rr_min_removed'], span['rr_min_removed'])})")
    add("loo_rr_top_max", span["rr_max"], unit="ratio",
        definition=f"largest finite rate ratio {top_name} / {ref_label} when one lethal event is removed "
                   f"(removed: {labels.get(span['rr_max_removed'], span['rr_max_removed'])})")
    add("loo_events_removing_all_reference_deaths", len(no_ref), unit="event",
        definition=f"lethal events whose removal leaves the {ref_label} with no counted death")
    add("loo_model_rr_first_min", span["model_min"], unit="ratio",
        definition=f"smallest rate ratio per unit of {target} when one lethal event is removed")
    add("loo_model_rr_first_max", span["model_max"], unit="ratio",
        definition=f"largest rate ratio per unit of {target} when one lethal event is removed")
    add("loo_sign_flip_p_min", sign_flip.min(), unit="p-value",
        definition=f"smallest sign-flip p-value for {target} when one lethal event is removed")
    v["loo_range"] = {**span, "no_reference_names": no_ref,
                      "rr_min_event": labels.get(span["rr_min_removed"], span["rr_min_removed"]),
                      "rr_max_event": labels.get(span["rr_max_removed"], span["rr_max_removed"]),
                      "sign_flip_min": sign_flip.min(), "sign_flip_max": sign_flip.max()}
