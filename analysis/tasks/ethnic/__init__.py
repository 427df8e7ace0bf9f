"""Task 04, ethnic disparity: deaths in majority-Indigenous departments, at person, event and department level
(04-ethnic-disparity).

Re-derives Amnesty International's "13 % of the population, 80 % of the deaths" with every definition a parameter:
which departments are majority-Indigenous (a missing share stays unknown and is carried as bounds), the population and
death shares under three scenarios for the unknown departments, the headline on lethal events (exact test, event
bootstrap), the rate ratio with event- and department-level methods, two department-level views (Poisson models,
permutation test) and the shares under every alternative definition. The statistics are analysis.stats.ethnic; this
package records the numbers (record), shapes the tables (tables) and composes the sentences (prose).
"""
import copy
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from analysis.register.scope import Scope, load_register, select
from analysis.report.figures import apply_style
from analysis.report.numbers import Numbers
from analysis.report.plots import ethnic as plots
from analysis.report.plots.regional import methods_forest
from analysis.report.text import monte_carlo_note
from analysis.stats import clustered as C
from analysis.stats import ethnic as E
from analysis.stats import regression as R
from analysis.tasks.base import Figure, Result, Task
from analysis.tasks.ethnic import prose, record, tables

FIGURES = ("ethnic_population_vs_death_share", "ethnic_evidence_levels", "ethnic_methods", "ethnic_rate_vs_share")
TABLES = ("ethnic_classification", "ethnic_shares_default", "ethnic_lethal_events", "ethnic_evidence_levels",
          "ethnic_methods", "ethnic_alternatives")

TASK = Task(
    name="ethnic",
    notebook="04-ethnic-disparity",
    reads=("data/processed/**/*",),
    writes=("outputs/numbers/ethnic.json", *(f"outputs/tables/{t}.csv" for t in TABLES),
            *(f"outputs/figures/{f}.{ext}" for f in FIGURES for ext in ("png", "svg", "csv"))),
    after=("01-register",),
    params={
        "measure": "selfid",  # "selfid" (self-identification) or "mothertongue" (census 2017)
        "threshold": 50.0,  # a department is majority-Indigenous above this percentage
        "contexts": ["clash"],  # None means every context
        "start_date": "2022-12-07",  # first day of the window
        "cutoff_date": "2023-02-16",  # last day of the window (date of death)
        "date_policy": "certain",  # "certain" or "possible"
        "population_base": "census2017",  # population the shares are taken of
        "alt_measures": ["selfid", "mothertongue"],  # alternative measures reported beside the default
        "alt_thresholds": [50.0, 40.0],  # alternative thresholds
        "alt_contexts": [["clash"], None],  # alternative context sets (None = every context)
        "alt_cutoffs": ["2023-02-16", "2023-03-31"],  # alternative cut-offs
        "permutation_seed": 20221207,  # seed of the permutation test
        "n_permutations": 100000,  # permutations of the department-level test
        "n_boot": 100000,  # event-bootstrap resamples (seeded)
        "n_wild": 99999,  # wild cluster bootstrap draws (seeded)
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)
FOLDER_PARAMS = ("processed_dir", "outputs_dir")  # where to read and write: analysis.tasks.base.folders


@dataclass(frozen=True)
class Spec:
    """The analytic choices of one run (TASK.params without the folders), checked when built."""
    measure: str
    threshold: float
    contexts: list | None
    start_date: str
    cutoff_date: str
    date_policy: str
    population_base: str
    alt_measures: list
    alt_thresholds: list
    alt_contexts: list
    alt_cutoffs: list
    permutation_seed: int
    n_permutations: int
    n_boot: int
    n_wild: int

    def __post_init__(self):
        bad = sorted({self.measure, *self.alt_measures} - set(E.MEASURES))
        if bad:
            raise ValueError(f"measure(s) {bad} not among {sorted(E.MEASURES)}")
        for t in (self.threshold, *self.alt_thresholds):
            if not 0 <= t < 100:
                raise ValueError(f"threshold must be a percentage in [0, 100), got {t!r}")
        if self.population_base not in E.POPULATION_BASES:
            raise ValueError(f"population_base must be one of {sorted(E.POPULATION_BASES)}, got "
                             f"{self.population_base!r}")
        for ctx in self.alt_contexts:
            E.scope_contexts(ctx)  # raises on an unknown context
        for name in ("n_permutations", "n_boot", "n_wild"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        self.scope  # noqa: B018 -- builds the Scope: checks contexts, dates and date_policy

    @property
    def scope(self) -> Scope:
        return Scope(contexts=E.scope_contexts(self.contexts), start=self.start_date, end=self.cutoff_date,
                     policy=self.date_policy)

    @property
    def shares_kw(self) -> dict:
        """The definition's arguments of stats.ethnic.shares beside the scope."""
        return dict(measure=self.measure, threshold=float(self.threshold), population_base=self.population_base)

    @property
    def numbers_spec(self) -> dict:
        """The specification every recorded number carries."""
        return {**self.shares_kw, "contexts": sorted(self.contexts) if self.contexts else "all",
                "start_date": self.start_date, "cutoff_date": self.cutoff_date, "date_policy": self.date_policy,
                "permutation_seed": self.permutation_seed, "n_permutations": self.n_permutations,
                "n_boot": self.n_boot, "n_wild": self.n_wild}


def spec(**params) -> Spec:
    """The Spec of TASK.params overridden by `params` (the folders are accepted and left to `folders`)."""
    unknown = sorted(set(params) - set(TASK.params))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; task {TASK.name!r} takes {sorted(TASK.params)}")
    values = copy.deepcopy({**TASK.params, **params})
    return Spec(**{k: v for k, v in values.items() if k not in FOLDER_PARAMS})


@dataclass(frozen=True)
class Inputs:
    victims: pd.DataFrame
    departments: pd.DataFrame


def inputs(spec: Spec, processed: Path, outputs: Path | None = None) -> Inputs:
    """The register's persons and departments (with their census covariates)."""
    register = load_register(processed)
    return Inputs(register["victims"], register["departments"])


def run(spec: Spec, inputs: Inputs) -> Result:
    """Every section of notebook 04, in its order; writes nothing (Result.write does)."""
    if not E.base_is_complete(inputs.departments, spec.population_base):
        raise ValueError(f"population base {spec.population_base!r} is not complete for all 25 units: "
                         "choose population_base='census2017'")
    apply_style()
    result = Result(Numbers(TASK.name, spec=spec.numbers_spec),
                    values={"scope": spec.scope.describe(), "measure": E.MEASURES[spec.measure]})
    shares = _classification(spec, inputs, result)
    _person_shares(spec, inputs, shares, result)
    persons = _event_level(spec, inputs, shares, result)
    _rate_ratio(spec, inputs, shares, persons, result)
    _department_level(spec, shares, result)
    _alternatives(spec, inputs, result)
    return result


def _figure(fig, data) -> Figure:
    plt.close(fig)  # kept for writing and display, not shown where run() is called
    return Figure(fig, data)


def _classification(spec: Spec, inputs: Inputs, result: Result) -> dict:
    """Section 1: each unit's share interval and status."""
    shares = E.shares(inputs.victims, inputs.departments, spec.scope, **spec.shares_kw)
    tab = shares["table"]
    record.record_classification(result.numbers, shares["coverage"])
    result.tables["ethnic_classification"] = tab[tables.CLASSIFICATION_COLUMNS]
    result.values.update(shares=shares, coverage=shares["coverage"], info=shares["info"],
                         classification=tab[tables.CLASSIFICATION_COLUMNS],
                         majority_names=", ".join(tab.loc[tab.status == "majority", "department"]))
    return shares


def _person_shares(spec: Spec, inputs: Inputs, shares: dict, result: Result) -> None:
    """Section 2: population and death shares per scenario (persons: descriptive), and under the other date policy."""
    sc, info = shares["scenarios"], shares["info"]
    record.record_persons(result.numbers, info, spec.scope.describe())
    record.record_scenarios(result.numbers, sc)
    result.tables["ethnic_shares_default"] = sc.reset_index()
    other = "possible" if spec.date_policy == "certain" else "certain"
    flip = E.shares(inputs.victims, inputs.departments, spec.scope.with_(policy=other), **spec.shares_kw)
    record.record_other_policy(result.numbers, other, flip["scenarios"])
    fig, data = plots.population_vs_death_share(
        sc, spec.measure, spec.threshold,
        subtitle=f"persons as independent draws (descriptive)\n{spec.scope.describe()}, {info['n_selected']} persons")
    result.figures["ethnic_population_vs_death_share"] = _figure(fig, data)
    result.values.update(scenarios=sc, scenarios_shown=sc[tables.SHOWN_SCENARIO_COLUMNS], other_policy=other)


def _event_level(spec: Spec, inputs: Inputs, shares: dict, result: Result) -> pd.DataFrame:
    """Section 3: lethal events against the population share, and the event-bootstrap death share; returns the
    counted persons."""
    tab, sc = shares["table"], shares["scenarios"]
    persons = select(inputs.victims, spec.scope).count
    events = E.event_scenarios(persons, tab)
    boot = E.bootstrap_scenarios(persons, tab, n_boot=spec.n_boot, seed=spec.permutation_seed)
    record.record_event_level(result.numbers, events, boot)
    result.tables["ethnic_lethal_events"] = tables.lethal_events_table(C.lethal_events(persons), tab)
    levels = tables.evidence_levels(sc, events, boot)
    result.tables["ethnic_evidence_levels"] = levels.reset_index()
    h = E.HEADLINE_SCENARIO
    codes = E.scenario_groups(tab, h)["group"]
    names = ", ".join(tab.set_index("ubigeo_dep").loc[codes, "department"])
    headline = {"scenario": h, "codes": codes, "names": names, "units": len(codes),
                "definition": f"the {len(codes)} majority-Indigenous departments ({names}) against the rest of the "
                              "country"}
    ev, bt, ps = events.loc[h], boot.loc[h], sc.loc[h]
    record.record_headline_events(result.numbers, headline, ps, ev, bt)
    headline["event_interval_above_population"] = bool(bt.death_share_low > ps.population_share)
    fig, data = plots.evidence_levels(
        levels, f"Majority-Indigenous departments ({plots.MEASURE_WORDS.get(spec.measure, spec.measure)}, "
                f"> {spec.threshold:g} %): population, lethal events, deaths\n{spec.scope.describe()}; "
                f"{int(ps.deaths_total)} persons in {int(bt.events)} lethal events", headline=h)
    result.figures["ethnic_evidence_levels"] = _figure(fig, data)
    result.values.update(events=events, bootstrap=boot, levels=levels.rename(index=E.SCENARIO_LABELS),
                         headline=headline)
    return persons


def _rate_ratio(spec: Spec, inputs: Inputs, shares: dict, persons: pd.DataFrame, result: Result) -> None:
    """Section 4: the rate ratio of the group against the others, by every method, per scenario where there is a
    contrast; the headline scenario's most conservative result is the headline."""
    tab = shares["table"]
    contrasts = {}
    for name in shares["scenarios"].index:
        g = E.scenario_groups(tab, name)
        if not g["group"] or (g["within"] is not None and not set(g["within"]) - set(g["group"])):
            continue  # no group, or nothing to compare it with
        d = E.contrast(persons, inputs.departments, tab, name, population_base=spec.population_base)
        results = R.cluster_aware(d, n_draws=spec.n_permutations, n_wild=spec.n_wild, seed=spec.permutation_seed)
        head, dispersion = C.most_conservative(results), C.pearson_dispersion(d)
        record.record_contrast(result.numbers, name, results, head, dispersion, d)
        contrasts[name] = {"design": d, "results": results, "head": head, "dispersion": dispersion,
                           "label": E.SCENARIO_LABELS[name]}
    c = contrasts[E.HEADLINE_SCENARIO]
    d, head = c["design"], c["head"]
    methods = R.methods_table(c["results"], head)
    result.tables["ethnic_methods"] = methods
    headline = result.values["headline"]
    record.record_headline_rate_ratio(result.numbers, headline["definition"], head, d)
    by = {r.method: r for r in c["results"]}
    fig, data = methods_forest(methods, "rate ratio majority-Indigenous departments / the others (log scale, 95 % "
                                        "interval)",
                               f"Rate ratio of {headline['units']} majority-Indigenous departments against the rest "
                               f"of the country: every method\n{spec.scope.describe()};\n{d.N} deaths, {d.G} lethal "
                               f"events, {d.D} departments (★ = headline)")
    result.figures["ethnic_methods"] = _figure(fig, data)
    result.values.update(
        contrasts=contrasts, methods=methods[tables.SHOWN_METHOD_COLUMNS], rate_ratio=c,
        rate_ratio_how=prose.headline_methods(c["results"], head), exact_conditional=by["exact_conditional"],
        monte_carlo_note=monte_carlo_note(by[head.p_method].p_value, R.resampling_draws(
            by[head.p_method], n_wild=spec.n_wild, n_draws=spec.n_permutations)))


def _department_level(spec: Spec, shares: dict, result: Result) -> None:
    """Section 5: Poisson models of the share and the status, the permutation test over departments, the figure."""
    tab = shares["table"]
    models = E.rate_models(tab)
    record.record_models(result.numbers, models)
    perm = None
    if E.permutation_possible(tab):
        perm = E.permutation(tab, statistic="rate_ratio", n_permutations=spec.n_permutations,
                             seed=spec.permutation_seed)
        record.record_permutation(result.numbers, perm)
    fig, data = plots.rate_vs_share(tab, spec.measure, spec.threshold,
                                    subtitle=f"{spec.scope.describe()}; {shares['info']['n_selected']} persons, "
                                             f"{len(tab)} units")
    result.figures["ethnic_rate_vs_share"] = _figure(fig, data)
    result.values.update(models=models, models_text=prose.describe_models(models), permutation=perm,
                         permutation_how=prose.permutation_how(perm) if perm else "",
                         permutation_smallest_p=1 / perm.n_arrangements if perm else None,
                         known_units=int((tab["status"] != "unknown").sum()))


def _alternatives(spec: Spec, inputs: Inputs, result: Result) -> None:
    """Section 6: the shares under every alternative definition (the default first if the grid lacks it)."""
    grid = E.definition_grid(spec.alt_measures, spec.alt_thresholds, spec.alt_contexts, spec.alt_cutoffs,
                             default=(spec.measure, spec.threshold, spec.contexts, spec.cutoff_date))
    alts = E.alternatives(inputs.victims, inputs.departments, grid, spec.scope,
                          population_base=spec.population_base)
    for alt in alts:
        record.record_alternative(result.numbers, alt)
    table = tables.alternatives_table(alts)
    result.tables["ethnic_alternatives"] = table
    result.values.update(
        alternatives=table.drop(columns=["key"]),
        alternatives_range={"death_share_min": table["death_share_min"].min(),
                            "death_share_max": table["death_share_max"].max(),
                            "population_share_min": table["population_share_min"].min(),
                            "population_share_max": table["population_share_max"].max()},
        caveat=prose.ECOLOGICAL_CAVEAT)
