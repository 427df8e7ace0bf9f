"""MINSA attended rates and the lethality index, checked against independent computations (scipy, statsmodels)."""
import math

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.errors import RawDataError
from analysis.stats import injured as I
from tests.exact_reference import conditional_ci, fisher_p

W1, W2 = I.WAVES["wave1"], I.WAVES["wave2"]


def departments(**override):
    """Four departments: 03 and 05 listed in both waves, 15 only in wave 1, 20 in neither (not listed)."""
    df = pd.DataFrame({
        "ubigeo_dep": ["03", "05", "15", "20"],
        "department": ["Apurímac", "Ayacucho", "Lima", "Piura"],
        I.POPULATION: [400_000, 600_000, 9_000_000, 1_800_000],
        W1.hospitalized: [5, 18, 5, 0], W1.discharged: [56, 47, 37, 0],
        W2.hospitalized: [0, 3, 0, 0], W2.discharged: [2, 7, 0, 0],
    })
    for col, vals in override.items():
        df[col] = vals
    return df


def person(vid, dep, lo, hi=None, context="clash", event=None):
    return {"victim_id": vid, "ubigeo_dep": dep, "context": context, "event_id": event,
            "date_death_min": lo, "date_death_max": hi if hi is not None else lo}


@pytest.fixture
def victims():
    return pd.DataFrame([
        person("V1", "03", "2022-12-11"), person("V2", "03", "2022-12-12"), person("V3", "05", "2022-12-15"),
        person("V4", "15", "2022-12-10"),
        person("V5", "05", "2022-12-18", "2022-12-21"),  # straddles the wave-1 snapshot: possible only
        person("V6", "20", "2022-12-12"),  # Piura, not listed by MINSA in wave 1
        person("V7", None, "2022-12-14"),  # department unknown
        person("V8", "05", "2023-01-09"), person("V9", "03", "2023-01-10"),
        person("V10", "03", "2022-12-12", context="blockade"),  # not in the default contexts
        person("V11", "15", "2022-12-25"),  # between the waves
    ])


def garwood(k, alpha=0.05):
    """Exact Poisson limits from the gamma quantiles (Garwood), computed here independently."""
    lo = 0.0 if k == 0 else stats.gamma.ppf(alpha / 2, k)
    return lo, stats.gamma.ppf(1 - alpha / 2, k + 1)


# ---------------------------------------------------------------- attended
def test_attended_sums_waves_and_marks_not_listed():
    t = I.attended(departments(), "wave1").set_index("ubigeo_dep")
    assert t.loc["03", "attended"] == 61 and t.loc["05", "attended"] == 65 and t.loc["15", "attended"] == 42
    assert not t.loc["20", "listed"] and pd.isna(t.loc["20", "attended"])
    t2 = I.attended(departments(), "wave2").set_index("ubigeo_dep")
    assert pd.isna(t2.loc["15", "attended"]) and t2.loc["05", "attended"] == 10


def test_rates_match_garwood_per_100k():
    r = I.attended_rates(departments()).set_index(["wave", "ubigeo_dep"])
    pop = departments().set_index("ubigeo_dep")[I.POPULATION]
    for (wave, dep), k in {("wave1", "03"): 61, ("wave1", "15"): 42, ("wave2", "03"): 2, ("wave2", "05"): 10}.items():
        row = r.loc[(wave, dep)]
        lo, hi = garwood(k)
        assert row["rate"] == pytest.approx(1e5 * k / pop[dep], rel=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((1e5 * lo / pop[dep], 1e5 * hi / pop[dep]), rel=1e-9)
    unlisted = r.loc[("wave2", "15")]
    assert unlisted["status"] == "not_listed" and math.isnan(unlisted["rate"]) and pd.isna(unlisted["attended"])
    assert list(r.loc["wave1"].index[:2]) == ["03", "05"]  # sorted by rate, highest first (15.25 > 10.83 per 100k)


def test_minsa_totals_sum_named_departments():
    t = I.minsa_totals(departments()).set_index("wave")
    assert t.loc["wave1"].to_dict() == {"hospitalized": 28, "discharged": 140, "attended": 168, "departments_listed": 3}
    assert t.loc["wave2", "attended"] == 12 and t.loc["wave2", "departments_listed"] == 2


# ---------------------------------------------------------------- lethality index
@pytest.mark.parametrize("d,i", [(15, 169), (0, 42), (18, 237), (1, 2), (3, 0)])
def test_lethality_ci_is_clopper_pearson_mapped_to_odds(d, i):
    v, lo, hi = I.lethality_ci(d, i)
    plo, phi = proportion_confint(d, d + i, alpha=0.05, method="beta")
    if d == 0:
        plo = 0.0
    to_odds = lambda p: math.inf if p >= 1 else p / (1 - p)  # noqa: E731
    assert v == (d / i if i else math.inf)
    assert lo == pytest.approx(to_odds(plo), rel=1e-10, abs=1e-15)
    assert hi == pytest.approx(to_odds(phi), rel=1e-10) if i else hi == math.inf


def test_lethality_ci_undefined_without_counts():
    assert all(math.isnan(x) for x in I.lethality_ci(0, 0))


@pytest.mark.parametrize("table", [(15, 169, 6, 197), (19, 308, 2, 71), (0, 40, 5, 60), (3, 10, 1, 30)])
def test_compare_lethality_exact_against_independent(table):
    res = I.compare_lethality(*table)
    a, b, c, d = table
    assert res["p_value"] == pytest.approx(fisher_p(a, b, c, d), rel=1e-9)
    lo, hi = conditional_ci(a, b, c, d)
    assert res["ratio_low"] == pytest.approx(lo, rel=1e-6)
    assert res["ratio_high"] == pytest.approx(hi, rel=1e-6)
    assert res["ratio"] == pytest.approx((a / b) / (c / d)) if a else res["ratio"] == 0.0


# ---------------------------------------------------------------- deaths matched to waves
def test_lethality_by_department_matches_dates_certain_and_possible(victims):
    t = I.lethality_by_department(victims, departments()).set_index(["wave", "ubigeo_dep"])
    ay = t.loc[("wave1", "05")]
    assert (ay["deaths_certain"], ay["deaths_possible"], ay["attended"]) == (1, 2, 65)
    v, lo, hi = I.lethality_ci(2, 65)
    assert (ay["index_possible"], ay["low_possible"], ay["high_possible"]) == pytest.approx((v, lo, hi))
    assert t.loc[("wave1", "03"), "deaths_certain"] == 2  # the blockade death V10 is not counted
    assert t.loc[("wave1", "15"), "deaths_possible"] == 1  # V11 (25 Dec) belongs to no wave
    piura = t.loc[("wave1", "20")]
    assert piura["deaths_certain"] == 1 and math.isnan(piura["index_certain"]) and "not listed" in piura["note"]
    assert t.loc[("wave2", "03"), "index_certain"] == pytest.approx(1 / 2)


def test_lethality_groups_keeps_unlisted_and_unknown_apart(victims):
    g = I.lethality_groups(victims, departments(), codes=["03", "05"])
    row = lambda w, p, u: g[(g.wave == w) & (g.policy == p) & (g.unlisted == u)].iloc[0]  # noqa: E731
    r = row("wave1", "certain", "exclude")
    assert (r.in_deaths, r.in_attended, r.rest_deaths, r.rest_attended) == (3, 126, 1, 42)
    assert (r.deaths_unlisted, r.deaths_unknown_department) == (1, 1)
    z = row("wave1", "certain", "zero")  # Piura's death counted against 0 attended
    assert (z.rest_deaths, z.rest_attended) == (2, 42)
    assert z.p_value == pytest.approx(fisher_p(3, 126, 2, 42), rel=1e-9)
    p = row("wave1", "possible", "exclude")
    assert p.in_deaths == 4
    pooled = row("all", "certain", "exclude")  # 03, 05 listed in both waves; 15 only in wave 1
    assert (pooled.in_deaths, pooled.in_attended, pooled.rest_deaths, pooled.rest_attended) == (5, 138, 1, 42)
    v, lo, hi = I.lethality_ci(5, 138)
    assert (pooled.in_index, pooled.in_low, pooled.in_high) == pytest.approx((v, lo, hi))


# ---------------------------------------------------------------- bad input
def test_negative_count_names_row_and_field():
    with pytest.raises(RawDataError, match=rf"departments.csv, row 3, field '{W1.discharged}'.*-4"):
        I.attended(departments(**{W1.discharged: [56, -4, 37, 0]}), "wave1")


def test_empty_count_is_not_zero():
    with pytest.raises(RawDataError, match=rf"row 5, field '{W2.hospitalized}'"):
        I.attended(departments(**{W2.hospitalized: ["0", "3", "0", ""]}), "wave2")


def test_missing_column_is_named():
    with pytest.raises(ValueError, match=W2.discharged):
        I.attended(departments().drop(columns=W2.discharged), "wave2")


def test_unknown_wave_and_rule_rejected(victims):
    with pytest.raises(ValueError, match="unknown MINSA wave 'wave3'"):
        I.attended(departments(), "wave3")
    with pytest.raises(ValueError, match="'guess'"):
        I.lethality_groups(victims, departments(), codes=["03"], unlisted=("guess",))


def test_unknown_department_rejected(victims):
    with pytest.raises(ValueError, match=r"\['99'\].*'ubigeo_dep'"):
        I.lethality_groups(victims, departments(), codes=["03", "99"])
    bad = pd.concat([victims, pd.DataFrame([person("V99", "21", "2022-12-12")])], ignore_index=True)
    with pytest.raises(ValueError, match=r"V99, field 'ubigeo_dep'.*'21'"):
        I.lethality_by_department(bad, departments())


def test_victims_missing_column_named(victims):
    with pytest.raises(ValueError, match="date_death_max"):
        I.lethality_by_department(victims.drop(columns="date_death_max"), departments())


@pytest.mark.parametrize("args,field", [((-1, 5), "deaths"), ((2, -5), "attended"), ((1.5, 5), "deaths")])
def test_bad_counts_named(args, field):
    with pytest.raises(ValueError, match=f"{field} must be a non-negative integer"):
        I.lethality_ci(*args)
