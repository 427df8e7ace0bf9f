"""The numbers task 04 records (outputs/numbers/ethnic.json), each with its unit and one-line definition."""
import math

from analysis.stats.ethnic import SCENARIO_LABELS
from analysis.stats.regression import role
from analysis.tasks.ethnic.prose import MODEL_LABELS


def record_classification(numbers, coverage: dict) -> None:
    """How many units each status holds, and how many have a published total share."""
    numbers.add("units", coverage["n_units"], unit="department",
                definition="first-level units (24 departments + Callao)")
    numbers.add("units_majority", coverage["n_majority"], unit="department",
                definition="units whose published Indigenous share (or its lower bound) is above the threshold")
    numbers.add("units_not_majority", coverage["n_not_majority"], unit="department",
                definition="units whose published share (or its upper bound) is at or below the threshold")
    numbers.add("units_unknown", coverage["n_unknown"], unit="department",
                definition="units whose status the published figures do not decide (missing or straddling bounds)")
    numbers.add("units_share_published", coverage["n_exact"], unit="department",
                definition="units with a published total Indigenous share under the measure")


def record_persons(numbers, info: dict, scope_text: str) -> None:
    """The persons counted under the default definition, with the certain and possible counts that bound them."""
    numbers.add("persons_in_scope", info["n_selected"], unit="person",
                definition=f"persons counted under the definition: {scope_text}")
    numbers.add("persons_in_scope_certain", info["n_certain"], unit="person",
                definition="persons in the selected contexts whose date-of-death interval lies inside the window")
    numbers.add("persons_in_scope_possible", info["n_possible"], unit="person",
                definition="persons in the selected contexts whose date-of-death interval overlaps the window "
                           "(upper bound of the count)")
    numbers.add("persons_department_unknown", info["n_department_unknown"], unit="person",
                definition="persons counted whose department is not known")


def record_scenarios(numbers, scenarios) -> None:
    """Record death share (with interval and binomial p), population share, deaths and rate ratio per scenario."""
    for name, row in scenarios.iterrows():
        label = SCENARIO_LABELS[name]
        numbers.add(f"{name}.death_share", row["death_share"], unit="proportion",
                    interval=(row["death_share_low"], row["death_share_high"]), p_value=row["binom_p"],
                    definition=f"share of persons in scope who died in majority-Indigenous units ({label}); "
                               "Clopper-Pearson 95 % CI; exact binomial test against the population share; "
                               "descriptive: treats persons as independent draws")
        numbers.add(f"{name}.population_share", row["population_share"], unit="proportion",
                    definition=f"share of the population living in majority-Indigenous units ({label}; census count)")
        numbers.add(f"{name}.deaths_majority", int(row["deaths_majority"]), unit="person",
                    definition=f"persons in scope who died in majority-Indigenous units ({label})")
        numbers.add(f"{name}.rate_ratio", row["rate_ratio"], unit="ratio",
                    interval=(row["rate_ratio_low"], row["rate_ratio_high"]),
                    definition=f"death rate in majority-Indigenous units over the rate elsewhere ({label}); "
                               "exact conditional 95 % CI; descriptive: treats persons as independent draws")


def record_other_policy(numbers, other: str, scenarios) -> None:
    """The death share's bounds when the other date policy's persons are counted."""
    numbers.add(f"{other}.death_share_min", scenarios.loc["all_unknown_below", "death_share"], unit="proportion",
                definition=f"death share, unknown units all below, counting the {other} persons (the other date policy)")
    numbers.add(f"{other}.death_share_max", scenarios.loc["all_unknown_above", "death_share"], unit="proportion",
                definition=f"death share, unknown units all above, counting the {other} persons (the other date policy)")
    numbers.add(f"{other}.deaths", int(scenarios.loc["all_unknown_below", "deaths_total"]), unit="person",
                definition=f"persons counted under the default definition with the {other} persons")


def record_event_level(numbers, events, boot) -> None:
    """Record, per scenario, the event counts with their exact test and the event-bootstrap death share."""
    for name, r in events.iterrows():
        label = SCENARIO_LABELS[name]
        numbers.add(f"events.{name}.events_majority", int(r["events_group"]), unit="event",
                    definition=f"lethal events in majority-Indigenous units ({label}); an event is placed in the "
                               "department holding most of its counted persons")
        numbers.add(f"events.{name}.events_total", int(r["events_total"]), unit="event",
                    definition=f"lethal events with counted deaths in the units considered ({label})")
        numbers.add(f"events.{name}.event_share", r["event_share"], unit="proportion",
                    interval=(r["event_share_low"], r["event_share_high"]), p_value=r["p_value"],
                    definition=f"share of lethal events in majority-Indigenous units ({label}); unit: event; "
                               "Clopper-Pearson 95 % CI; exact binomial test against the population share")
    for name, r in boot.iterrows():
        label = SCENARIO_LABELS[name]
        numbers.add(f"bootstrap.{name}.death_share", r["death_share"], unit="proportion",
                    interval=(r["death_share_low"], r["death_share_high"]),
                    definition=f"share of persons in scope who died in majority-Indigenous units ({label}); 95 % "
                               f"percentile interval from resampling the {int(r['events'])} lethal events "
                               f"({int(r['n_boot']):,} resamples, seed {int(r['seed'])})")


def record_headline_events(numbers, headline: dict, ps, ev, bt) -> None:
    """The headline group (majority departments against the rest): population, deaths with the event-bootstrap
    interval, and lethal events with their exact test. ps, ev, bt: its rows of the person, event and bootstrap
    scenario tables."""
    names, defn = headline["names"], headline["definition"]
    numbers.add("headline.units_majority", headline["units"], unit="department",
                definition=f"departments in the group: {names}")
    numbers.add("headline.population_share", ps.population_share, unit="proportion",
                definition=f"share of the census-2017 population living in {defn}")
    numbers.add("headline.deaths_majority", int(ps.deaths_majority), unit="person",
                definition=f"persons in scope who died in {names}")
    numbers.add("headline.deaths_total", int(ps.deaths_total), unit="person",
                definition="persons in scope, all departments")
    numbers.add("headline.death_share", bt.death_share, unit="proportion",
                interval=(bt.death_share_low, bt.death_share_high),
                definition=f"share of persons in scope who died in {names}; 95 % event-cluster bootstrap interval "
                           f"({int(bt.n_boot):,} resamples of the {int(bt.events)} lethal events, seed {int(bt.seed)})")
    numbers.add("headline.events_majority", int(ev.events_group), unit="event",
                definition=f"lethal events with counted deaths in {names}")
    numbers.add("headline.events_total", int(ev.events_total), unit="event",
                definition="lethal events with counted deaths, all departments")
    numbers.add("headline.event_share", ev.event_share, unit="proportion",
                interval=(ev.event_share_low, ev.event_share_high), p_value=ev.p_value,
                definition=f"share of lethal events in {names}; unit: event; Clopper-Pearson 95 % CI; exact binomial "
                           "test (two-sided) against the population share")


def record_contrast(numbers, name: str, results, headline, dispersion: float, design) -> None:
    """Record one contrast's methods (rate ratio, interval, p-value, role) and its most conservative headline."""
    for r in results:
        numbers.add(f"clustered.{name}.{r.method}", r.estimate, unit="ratio",
                    interval=None if math.isnan(r.low) else (r.low, r.high), p_value=r.p_value,
                    definition=f"rate ratio majority-Indigenous units / the others ({SCENARIO_LABELS[name]}): "
                               f"{r.label}; treats the {r.level} as the independent unit; {role(r)}")
    numbers.add(f"clustered.{name}.dispersion", dispersion, unit="index",
                definition=f"Pearson chi-square / df of the two-group Poisson model over {design.D} units "
                           f"({SCENARIO_LABELS[name]}); 1 = Poisson variance")
    numbers.add(f"clustered.{name}.rate_ratio", headline.estimate, unit="ratio",
                interval=(headline.low, headline.high), p_value=headline.p_value,
                definition=f"rate ratio majority-Indigenous units / the others ({SCENARIO_LABELS[name]}); most "
                           f"conservative defensible p ({headline.p_method}) and interval ({headline.interval_method})"
                           f" over {design.G} lethal events and {design.D} units")


def record_headline_rate_ratio(numbers, defn: str, head, design) -> None:
    numbers.add("headline.rate_ratio", head.estimate, unit="ratio", interval=(head.low, head.high),
                p_value=head.p_value,
                definition=f"death-rate ratio of {defn}; most conservative defensible p ({head.p_method}) and widest "
                           f"defensible interval ({head.interval_method}) over {design.G} lethal events and "
                           f"{design.D} departments")


def record_models(numbers, models: dict) -> None:
    """Record each rate model's coverage and, when fitted, its rate ratio, dispersion and quasi-Poisson p."""
    for name, m in models.items():
        what = MODEL_LABELS[name]
        numbers.add(f"model.{name}.units", m["n_units"], unit="department",
                    definition=f"units in the Poisson GLM on {what} (covariate known)")
        if not m["fitted"]:
            continue
        numbers.add(f"model.{name}.rate_ratio", m["rate_ratio"], unit="ratio",
                    interval=(m["rate_ratio_low"], m["rate_ratio_high"]), p_value=m["p_value"],
                    definition=f"Poisson GLM (log-population offset) rate ratio for {what}; Wald 95 % CI and p "
                               "model-based (persons as independent draws: descriptive)")
        numbers.add(f"model.{name}.dispersion", m["dispersion"], unit="index",
                    definition=f"Pearson chi-square / df of the Poisson GLM on {what}")
        numbers.add(f"model.{name}.quasi_p", m["quasi_p_value"], unit="p-value",
                    definition=f"quasi-Poisson p-value for {what} (errors scaled by the Pearson dispersion)")


def record_permutation(numbers, perm) -> None:
    numbers.add("permutation.rate_ratio", perm.observed, unit="ratio", p_value=perm.p_value,
                definition=f"rate ratio majority / not-majority over units with a known status; permutation p "
                           f"({perm.method}, one-sided)")
    numbers.add("permutation.arrangements", perm.n_arrangements, unit="count",
                definition="distinct placements of the majority labels among the units with a known status")


def record_alternative(numbers, alt: dict) -> None:
    """Record the shares of one alternative definition (known only, minimum and maximum) under its stable key."""
    key, spec, s, c = alt["key"], alt["spec"], alt["result"]["scenarios"], alt["result"]["coverage"]
    k, lo, hi = s.loc["known_only"], s.loc["all_unknown_below"], s.loc["all_unknown_above"]
    numbers.add(f"{key}.death_share", k.death_share, unit="proportion", spec=spec,
                interval=(k.death_share_low, k.death_share_high), p_value=k.binom_p,
                definition="death share of majority-Indigenous units, units with a known status only; Clopper-Pearson "
                           "95 % CI; exact binomial test against the population share; descriptive: persons "
                           "treated as independent draws")
    numbers.add(f"{key}.population_share", k.population_share, unit="proportion", spec=spec,
                definition="population share of majority-Indigenous units, units with a known status only")
    numbers.add(f"{key}.death_share_min", lo.death_share, unit="proportion", spec=spec,
                interval=(lo.death_share_low, lo.death_share_high), p_value=lo.binom_p,
                definition="death share if every unknown unit (and person without department) is outside the group")
    numbers.add(f"{key}.death_share_max", hi.death_share, unit="proportion", spec=spec,
                interval=(hi.death_share_low, hi.death_share_high), p_value=hi.binom_p,
                definition="death share if every unknown unit (and person without department) is inside the group")
    numbers.add(f"{key}.population_share_min", lo.population_share, unit="proportion", spec=spec,
                definition="population share if every unknown unit is outside the group")
    numbers.add(f"{key}.population_share_max", hi.population_share, unit="proportion", spec=spec,
                definition="population share if every unknown unit is inside the group")
    numbers.add(f"{key}.deaths", int(lo.deaths_total), unit="person", spec=spec,
                definition="persons counted under this definition (all units)")
    numbers.add(f"{key}.units_majority", c["n_majority"], unit="department", spec=spec,
                definition="units classified majority-Indigenous under this definition")
    numbers.add(f"{key}.units_unknown", c["n_unknown"], unit="department", spec=spec,
                definition="units whose status is unknown under this definition")
