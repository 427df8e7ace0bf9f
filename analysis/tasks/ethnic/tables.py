"""The tables task 04 writes under outputs/tables/ (ethnic_*.csv), shaped from the statistics' frames."""
import pandas as pd

# Columns of the per-unit classification (tables/ethnic_classification.csv; notebook 05 reads its status column).
CLASSIFICATION_COLUMNS = ["ubigeo_dep", "department", "share", "share_low", "share_high", "basis", "status",
                          "population", "deaths", "rate_per_100k"]
SHOWN_SCENARIO_COLUMNS = ["deaths_majority", "deaths_total", "death_share", "death_share_low", "death_share_high",
                          "population_share", "binom_p", "rate_ratio", "rate_ratio_low", "rate_ratio_high"]
SHOWN_METHOD_COLUMNS = ["label", "independent_unit", "estimate", "low", "high", "p_value", "role"]


def lethal_events_table(lethal: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The lethal events (clustered.lethal_events) with the status of the department each is placed in."""
    return lethal.assign(status=lethal["ubigeo_dep"].map(table.set_index("ubigeo_dep")["status"]))


def evidence_levels(scenarios: pd.DataFrame, events: pd.DataFrame, boot: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: population and death shares (persons), the event counts and share with their exact test, and
    the event-bootstrap interval of the death share."""
    return scenarios[["population_share", "death_share", "deaths_majority", "deaths_total"]].join(
        events[["events_group", "events_total", "event_share", "event_share_low", "event_share_high", "p_value"]]
    ).join(boot[["death_share_low", "death_share_high"]])


def alternatives_table(alts: list[dict]) -> pd.DataFrame:
    """One row per alternative definition: its majority units and the shares, known-only and at both extremes."""
    rows = []
    for alt in alts:
        m, t, ctx, cut = alt["definition"]
        r = alt["result"]
        s, c, tab = r["scenarios"], r["coverage"], r["table"]
        k, lo, hi = s.loc["known_only"], s.loc["all_unknown_below"], s.loc["all_unknown_above"]
        rows.append({"key": alt["key"], "measure": m, "threshold": t,
                     "contexts": "+".join(sorted(ctx)) if ctx else "all", "cutoff_date": cut,
                     "deaths": int(lo.deaths_total), "units_majority": c["n_majority"],
                     "units_unknown": c["n_unknown"],
                     "majority_units": ", ".join(tab.loc[tab.status == "majority", "department"]),
                     "population_share": k.population_share, "death_share": k.death_share,
                     "death_share_low": k.death_share_low, "death_share_high": k.death_share_high,
                     "binom_p": k.binom_p, "population_share_min": lo.population_share,
                     "population_share_max": hi.population_share, "death_share_min": lo.death_share,
                     "death_share_max": hi.death_share})
    return pd.DataFrame(rows)
