"""Multiverse sweep: grid expansion, determinism across worker counts, agreement with direct calls, summary."""
import math

import pandas as pd
import pytest

from analysis import multiverse as M
from analysis import scope as S
from analysis.stats import ethnic as E
from analysis.stats.rates import department_rates, rate_ratio

SMALL = {"deaths": ["clash", "all"], "date_policy": ["certain", "possible"], "cutoff": ["2023-02-16"],
         "exclude_event": ["none", "E05"], "measure": ["selfid", "mothertongue"], "threshold": [50.0],
         "unknown_units": ["known_only", "all_unknown_above"], "model": ["poisson", "negbin"]}


@pytest.fixture(scope="module")
def inputs():
    return M.load_inputs()


@pytest.fixture(scope="module")
def small_results(inputs):
    specs = M.expand(SMALL, inputs.victims)
    return M.run_sweep(specs, inputs, jobs=1)


def test_grid_expands_to_product_of_choices(inputs):
    specs = M.expand(SMALL, inputs.victims)
    assert len(specs) == math.prod(len(v) for v in SMALL.values())
    assert specs["spec_id"].is_unique and specs["spec_id"].is_monotonic_increasing
    assert not specs.drop(columns="spec_id").duplicated().any()


def test_event_rule_expands_to_events_with_at_least_n_persons(inputs):
    v = inputs.victims
    ids = v["event_id"].fillna("")
    sizes = ids[ids != ""].value_counts()
    expected = set(sizes[sizes >= 5].index)
    got = M.event_choices(v, ["none", "events>=5"])
    assert got[0] == "none" and set(got[1:]) == expected and len(got) == 1 + len(expected)
    grid = {**SMALL, "exclude_event": ["none", "events>=5"]}
    n_other = math.prod(len(c) for d, c in SMALL.items() if d != "exclude_event")
    assert len(M.expand(grid, v)) == n_other * (1 + len(expected))


def test_default_grid_size(inputs):
    grid, _ = M.load_grid(None)
    n_events = len(M.event_choices(inputs.victims, grid["exclude_event"]))
    n = math.prod(len(c) for d, c in grid.items() if d != "exclude_event") * n_events
    assert len(M.expand(grid, inputs.victims)) == n


def test_same_results_with_one_and_two_jobs(inputs, small_results):
    specs = M.expand(SMALL, inputs.victims)
    two = M.run_sweep(specs, inputs, jobs=2)
    pd.testing.assert_frame_equal(small_results, two)


def test_ethnic_estimate_equals_direct_call(inputs, small_results):
    row = small_results[(small_results.measure == "mothertongue") & (small_results.exclude_event == "E05")
                        & (small_results.deaths == "all") & (small_results.unknown_units == "all_unknown_above")
                        & (small_results.date_policy == "possible")].iloc[0]
    # independently: drop E05's persons from the register (persons of no event stay in), count every possible person
    victims = inputs.victims[inputs.victims["event_id"].fillna("") != "E05"]
    assert len(victims) + int((inputs.victims["event_id"] == "E05").fillna(False).sum()) == len(inputs.victims)
    scope = S.Scope(contexts=tuple(E.CONTEXTS), start=None, end="2023-02-16", date_field="death", policy="possible")
    direct = E.shares(victims, inputs.departments, scope, measure="mothertongue", threshold=50.0)
    sc = direct["scenarios"].loc["all_unknown_above"]
    assert row["ethnic_death_share"] == sc["death_share"]
    assert row["ethnic_death_share_low"] == sc["death_share_low"]
    assert row["ethnic_p"] == sc["binom_p"]
    assert row["ethnic_population_share"] == sc["population_share"]


def test_regional_estimate_equals_direct_call(inputs, small_results):
    row = small_results[(small_results.deaths == "clash") & (small_results.exclude_event == "none")
                        & (small_results.model == "poisson") & (small_results.date_policy == "certain")].iloc[0]
    scope = S.Scope(contexts=("clash",), start=None, end="2023-02-16", date_field="death", policy="certain")
    t = department_rates(inputs.victims, inputs.departments, scope).table
    cap = t["ubigeo_dep"].isin(["15", "07"])
    direct = rate_ratio(int(t.loc[~cap, "deaths"].sum()), float(t.loc[~cap, "population"].sum()),
                        int(t.loc[cap, "deaths"].sum()), float(t.loc[cap, "population"].sum()))
    assert row["regional_rr"] == pytest.approx(direct["rr"], rel=1e-12)
    assert row["regional_rr_low"] == pytest.approx(direct["rr_low"], rel=1e-12)
    assert row["regional_p"] == pytest.approx(direct["p_value"], rel=1e-12)
    assert bool(row["regional_holds"]) == (direct["rr_low"] > 1)


def test_holds_rules_and_summary_match_independent_count(small_results):
    r = small_results
    ethnic = (r["ethnic_death_share"] > r["ethnic_population_share"]) & (r["ethnic_p"] < 0.05)
    assert (r["ethnic_holds"] == ethnic).all()
    assert (r["regional_holds"] == (r["regional_rr_low"] > 1)).all()
    s = M.summarise(r).set_index("finding")
    assert s.loc["ethnic", "n_holds"] == sum(bool(x) for x in ethnic)
    assert s.loc["ethnic", "share_holds"] == pytest.approx(sum(bool(x) for x in ethnic) / len(r))
    regional_distinct = {(a, b, c, d, m): bool(lo > 1) for a, b, c, d, m, lo in
                         r[["deaths", "date_policy", "cutoff", "exclude_event", "model", "regional_rr_low"]].itertuples(
                             index=False, name=None)}
    assert s.loc["regional", "n_distinct"] == len(regional_distinct)
    assert s.loc["regional", "n_distinct_holds"] == sum(regional_distinct.values())


def test_unknown_choice_in_yaml_lists_valid_choices(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  model: [poisson, logit]\n", encoding="utf-8")
    with pytest.raises(M.SweepParamError, match=r"model: unknown choice\(s\) \['logit'\].*"
                                                r"\['poisson', 'poisson_clustered', 'negbin'\]"):
        M.load_grid(f)
    f.write_text("grid:\n  context: [clash]\n", encoding="utf-8")
    with pytest.raises(M.SweepParamError, match="unknown dimension 'context'.*'deaths'"):
        M.load_grid(f)


def test_unknown_event_lists_valid_events(inputs):
    with pytest.raises(M.SweepParamError, match=r"exclude_event: unknown choice 'E99'.*'none'.*'E05'"):
        M.event_choices(inputs.victims, ["none", "E99"])


def test_yaml_overrides_only_the_dimensions_it_names(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  cutoff: [2023-03-31]\n  threshold: [45]\nalpha: 0.01\n", encoding="utf-8")
    grid, settings = M.load_grid(f)
    assert grid["cutoff"] == ["2023-03-31"] and grid["threshold"] == [45.0] and settings["alpha"] == 0.01
    assert grid["model"] == M.DEFAULT_GRID["model"]


def test_cli_writes_outputs(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  deaths: [clash]\n  date_policy: [certain]\n  cutoff: [2023-02-16]\n  exclude_event: [none]\n"
                 "  measure: [selfid]\n  threshold: [50]\n  unknown_units: [known_only]\n  model: [poisson]\n",
                 encoding="utf-8")
    assert M.main(["--jobs", "1", "--params", str(f), "--outputs", str(tmp_path / "out")]) == 0
    rob = pd.read_csv(tmp_path / "out" / "tables" / "robustness.csv")
    summary = pd.read_csv(tmp_path / "out" / "tables" / "robustness_summary.csv")
    assert len(rob) == 1 and list(summary["finding"]) == ["ethnic", "regional"]
    for ext in ("png", "svg", "csv"):
        assert (tmp_path / "out" / "figures" / f"specification_curve.{ext}").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid:\n  measure: [language]\n", encoding="utf-8")
    assert M.main(["--params", str(bad), "--outputs", str(tmp_path / "out")]) == 2


def test_grid_table_lists_every_dimension_with_its_choices_and_users(inputs):
    choices = {**SMALL, "exclude_event": M.event_choices(inputs.victims, SMALL["exclude_event"])}
    t = M.grid_table(choices)
    assert t["dimension"].tolist() == list(M.DEFAULT_GRID)
    assert t["n"].tolist() == [len(choices[d]) for d in M.DEFAULT_GRID]
    row = t.set_index("dimension")
    assert row.loc["threshold", "choices"] == "50" and row.loc["exclude_event", "choices"] == "none, E05"
    assert row.loc["model", "used by"] == "regional" and row.loc["measure", "used by"] == "ethnic"
    assert row.loc["cutoff", "used by"] == "ethnic, regional"
    assert t["meaning"].str.len().gt(20).all()
    with pytest.raises(KeyError):
        M.grid_table({d: v for d, v in choices.items() if d != "model"})


def test_holds_by_choice_matches_an_independent_count(small_results):
    r = small_results
    for finding, (col, dims, _) in M.FINDINGS.items():
        t = M.holds_by_choice(r, finding)
        distinct = {}
        for row in r[[*dims, col]].itertuples(index=False, name=None):
            distinct.setdefault(row[:-1], bool(row[-1]))
        assert len(t) == sum(len(set(k[i] for k in distinct)) for i in range(len(dims)))
        for rec in t.itertuples(index=False):
            i = dims.index(rec.dimension)
            label = {k: f"{k[i]:g}" if isinstance(k[i], float) else k[i] for k in distinct}
            chosen = [h for k, h in distinct.items() if label[k] == rec.choice]
            assert (rec.n, rec.n_holds) == (len(chosen), sum(chosen)), (finding, rec)
            assert rec.share_holds == pytest.approx(sum(chosen) / len(chosen))


def test_decisive_dimension_picks_the_largest_spread():
    t = pd.DataFrame({"dimension": ["deaths", "deaths", "measure", "measure", "model", "model"],
                      "choice": ["clash", "all", "selfid", "mothertongue", "poisson", "negbin"],
                      "n": [4] * 6, "n_holds": [3, 2, 4, 1, 4, 3], "share_holds": [0.75, 0.5, 1.0, 0.25, 1.0, 0.75]})
    top = M.decisive_dimension(t)
    assert top["dimension"] == "measure" and top["spread"] == pytest.approx(0.75)
    assert (top["best"]["choice"], top["worst"]["choice"]) == ("selfid", "mothertongue")


def test_failures_and_holds_by_model_match_an_independent_count(small_results):
    r = small_results
    eth = r.drop_duplicates(list(M.ETHNIC_DIMS))
    fails, totals = {}, {}
    for m, u, h in eth[["measure", "unknown_units", "ethnic_holds"]].itertuples(index=False, name=None):
        totals[(m, u)] = totals.get((m, u), 0) + 1
        fails[(m, u)] = fails.get((m, u), 0) + (not h)
    got = {(m, u): (f, o) for m, u, f, o in M.ethnic_failures(r).itertuples(index=False, name=None)}
    assert got == {k: (fails[k], totals[k]) for k in totals if fails[k]}
    reg = r.drop_duplicates(list(M.REGIONAL_DIMS))
    by_model = M.regional_holds_by_model(r)
    assert by_model.index.tolist() == SMALL["model"]
    for m in SMALL["model"]:
        sub = reg[reg["model"] == m]["regional_holds"].tolist()
        assert (by_model.loc[m, "sum"], by_model.loc[m, "size"]) == (sum(sub), len(sub))


def test_date_policy_bounds_the_counts(small_results):
    """The possible persons bound the certain ones: per selection, deaths with policy possible >= certain."""
    keys = ["deaths", "cutoff", "exclude_event", "measure", "threshold", "unknown_units", "model"]
    r = small_results.set_index(keys + ["date_policy"])
    cert = r.xs("certain", level="date_policy")
    poss = r.xs("possible", level="date_policy")
    assert (poss["ethnic_deaths_total"] >= cert["ethnic_deaths_total"]).all()
    total = lambda x: x["regional_deaths_regions"] + x["regional_deaths_lima_callao"]  # noqa: E731
    assert (total(poss) >= total(cert)).all()


def test_scope_of_a_choice():
    sc = M.scope_of({"deaths": "clash", "date_policy": "possible", "cutoff": "2023-01-31", "exclude_event": "E07"})
    assert (sc.contexts, sc.end, sc.policy, sc.exclude_events, sc.date_field) == (("clash",), "2023-01-31",
                                                                                  "possible", ("E07",), "death")
    assert M.scope_of({"deaths": "all", "date_policy": "certain", "cutoff": "2023-03-31",
                       "exclude_event": "none"}).exclude_events == ()


def test_undated_dimension_is_gone(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  undated: [keep]\n", encoding="utf-8")
    with pytest.raises(M.SweepParamError, match="unknown dimension 'undated'"):
        M.load_grid(f)
    f.write_text("grid:\n  date_policy: [keep]\n", encoding="utf-8")
    with pytest.raises(M.SweepParamError, match=r"date_policy: unknown choice\(s\) \['keep'\].*'certain', 'possible'"):
        M.load_grid(f)
