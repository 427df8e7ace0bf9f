"""Multiverse sweep: grid, designs, the fast cluster-aware tests against analysis.stats.clustered and against a
brute-force enumeration written here, distinct-result collapsing, bounds kept apart from the grid, influence,
determinism across worker counts, files and staleness."""
import gc
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.register import scope as S
from analysis.stats import clustered as C
from analysis.stats import ethnic as E
from analysis.tasks.robustness import designs as D
from analysis.tasks.robustness import driver, methods, parallel
from analysis.tasks.robustness import grid as G
from analysis.tasks.robustness import summary as Su

SMALL = {"deaths": ["clash", "all"], "date_policy": ["certain"], "cutoff": ["2023-01-31"],
         "exclude_event": ["none", "E07"], "measure": ["selfid", "mothertongue"], "threshold": [50.0],
         "model": ["sign_flip", "event_binomial", "negbin_lr"]}
ALPHA = 0.05


@pytest.fixture(scope="module")
def inputs():
    return D.load_inputs()


@pytest.fixture(scope="module")
def small(inputs):
    specs = G.expand(SMALL, inputs.victims)
    return parallel.run_sweep(specs, inputs, jobs=1)


@pytest.fixture(scope="module")
def codes(inputs):
    return inputs.departments["ubigeo_dep"].astype(str).tolist()


@pytest.fixture(scope="module")
def population(inputs):
    return inputs.departments[G.POPULATION].to_numpy(dtype=float)


def _persons(inputs, **choice):
    return S.select(inputs.victims, D.scope_of(choice)).count


# ---- grid -------------------------------------------------------------------------------------------------------

def test_each_finding_has_the_product_of_its_own_dimensions(inputs):
    specs = G.expand(SMALL, inputs.victims)
    for finding, dims in G.FINDING_DIMS.items():
        s = specs[finding]
        assert len(s) == math.prod(len(SMALL[d]) for d in dims)
        assert list(s.columns) == ["spec_id", *dims]
        assert s["spec_id"].str.startswith(G.SPEC_PREFIX[finding]).all()
        assert s["spec_id"].is_unique and s["spec_id"].is_monotonic_increasing
        assert not s.drop(columns="spec_id").duplicated().any()
    assert "measure" not in specs["regional"].columns and "unknown_units" not in specs["ethnic"].columns


def test_event_rule_expands_to_events_with_at_least_n_persons(inputs):
    v = inputs.victims
    ids = v["event_id"].fillna("")
    sizes = ids[ids != ""].value_counts()
    expected = set(sizes[sizes >= 5].index)
    got = G.event_choices(v, ["none", "events>=5"])
    assert got[0] == "none" and set(got[1:]) == expected and len(got) == 1 + len(expected)


def test_missing_data_edges_and_the_naive_model_are_refused_as_choices(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  unknown_units: [known_only, all_unknown_above]\n", encoding="utf-8")
    with pytest.raises(G.SweepParamError, match="not a dimension of the grid.*missing data.*bounds"):
        G.load_grid(f)
    f.write_text("grid:\n  model: [poisson, negbin]\n", encoding="utf-8")
    with pytest.raises(G.SweepParamError, match=r"model: unknown choice\(s\) \['poisson', 'negbin'\].*naive"):
        G.load_grid(f)
    f.write_text("grid:\n  context: [clash]\n", encoding="utf-8")
    with pytest.raises(G.SweepParamError, match="unknown dimension 'context'.*'deaths'"):
        G.load_grid(f)
    f.write_text("grid:\n  date_policy: [keep]\n", encoding="utf-8")
    with pytest.raises(G.SweepParamError, match=r"date_policy: unknown choice\(s\) \['keep'\]"):
        G.load_grid(f)


def test_yaml_overrides_only_the_dimensions_it_names(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  cutoff: [2023-03-31]\n  threshold: [45]\nalpha: 0.01\n", encoding="utf-8")
    grid, settings = G.load_grid(f)
    assert grid["cutoff"] == ["2023-03-31"] and grid["threshold"] == [45.0] and settings["alpha"] == 0.01
    assert grid["model"] == G.DEFAULT_GRID["model"]


def test_the_project_grid_file_is_the_default_grid():
    grid, settings = G.load_grid(G.default_params_file())
    assert grid == G.check_grid({k: list(v) for k, v in G.DEFAULT_GRID.items()}) and settings["alpha"] == 0.05


def test_scope_of_a_choice():
    sc = D.scope_of({"deaths": "clash", "date_policy": "possible", "cutoff": "2023-01-31", "exclude_event": "E07"})
    assert (sc.contexts, sc.end, sc.policy, sc.exclude_events, sc.date_field) == (("clash",), "2023-01-31",
                                                                                  "possible", ("E07",), "death")


# ---- designs and methods against analysis.stats.clustered ------------------------------------------------------

CHOICES = [dict(deaths="clash", date_policy="certain", cutoff="2023-01-31", exclude_event="E07"),
           dict(deaths="all", date_policy="possible", cutoff="2023-03-31", exclude_event="none")]


def _designs(inputs, codes, population, choice):
    counts = D.selection_counts(inputs.victims, codes, choice)
    definition = D.ethnic_definition(inputs.departments, "selfid", 50.0)
    return {**D.designs_for("ethnic", counts, population, codes, definition),
            **{f"regional_{k}": d for k, d in D.designs_for("regional", counts, population, codes).items()}}


@pytest.mark.parametrize("choice", CHOICES)
def test_designs_equal_clustered_contrast_design(inputs, codes, population, choice):
    persons = _persons(inputs, **choice)
    definition = D.ethnic_definition(inputs.departments, "selfid", 50.0)
    built = _designs(inputs, codes, population, choice)
    ethnic = C.contrast_design(persons, inputs.departments, definition.majority, reference="rest",
                               within=definition.majority + definition.not_majority)
    regional = C.contrast_design(persons, inputs.departments, [c for c in codes if c not in G.CAPITAL],
                                 reference="Lima+Callao")
    assert built["grid"].key() == ethnic.key() and built["grid"].clusters == ethnic.clusters
    assert built["regional_grid"].key() == regional.key()
    # the edges span every department; the grid only those of known status
    assert built["grid"].D == len(definition.majority) + len(definition.not_majority) < len(codes)
    assert built["unknown_outside"].D == built["unknown_inside"].D == len(codes)
    no_dep = int(persons["ubigeo_dep"].astype("string").fillna("").str.strip().eq("").sum())
    assert built["grid"].n_unknown_department == no_dep
    assert built["unknown_inside"].N == built["unknown_outside"].N == len(persons)


@pytest.mark.parametrize("choice", CHOICES)
def test_fast_tests_equal_clustered_functions(inputs, codes, population, choice):
    for name, d in _designs(inputs, codes, population, choice).items():
        b = methods.Binary.of(d)
        for b0 in (0.0, 0.8, -0.4):
            assert methods.sign_flip_p(b, b0) == pytest.approx(C.sign_flip_p(d, b0), abs=1e-12), (name, b0)
            assert methods.wild_cluster_p(b, b0) == pytest.approx(C.wild_cluster_p(d, b0), abs=1e-12), (name, b0)
        assert methods.randomisation_p(d)[0] == pytest.approx(C.department_randomisation(d).p_value, abs=1e-12)
        sf, ref = methods.method_result(d, "sign_flip"), C.sign_flip(d)
        assert (sf["p"], sf["low"]) == (ref.p_value, pytest.approx(ref.low, rel=1e-9))
        assert sf["high"] == pytest.approx(ref.high, rel=1e-9)
        wc, ref = methods.method_result(d, "wild_cluster"), C.wild_cluster(d)
        assert wc["p"] == ref.p_value and wc["low"] == pytest.approx(ref.low, rel=1e-9)
        for method, ref in (("cluster_t", C.cluster_robust(d)), ("quasi_poisson", C.quasi_poisson(d))):
            r = methods.method_result(d, method)
            assert (r["estimate"], r["low"], r["high"], r["p"]) == pytest.approx(
                (ref.estimate, ref.low, ref.high, ref.p_value), rel=1e-12)


def test_negative_binomial_equals_clustered(inputs, codes, population):
    d = _designs(inputs, codes, population, CHOICES[0])["grid"]
    r, ref = methods.method_result(d, "negbin_lr"), C.negative_binomial(d)
    assert r["estimate"] == pytest.approx(ref.estimate, rel=1e-7)
    assert r["p"] == pytest.approx(ref.p_value, rel=1e-6)
    assert r["low"] == pytest.approx(ref.low, rel=1e-5) and r["high"] == pytest.approx(ref.high, rel=1e-5)


def test_event_binomial_equals_clustered_event_share_test(inputs, codes, population):
    choice = CHOICES[0]
    persons = _persons(inputs, **choice)
    d = _designs(inputs, codes, population, choice)["regional_grid"]
    regions = [c for c in codes if c not in G.CAPITAL]
    pop = inputs.departments.set_index(inputs.departments["ubigeo_dep"].astype(str))[G.POPULATION]
    ref = C.event_share_test(C.lethal_events(persons), regions, pop.astype(float))
    r = methods.method_result(d, "event_binomial")
    assert r["p"] == pytest.approx(ref["p_value"], rel=1e-12)
    share = ref["population_share"]
    odds = lambda q: q / (1 - q)  # noqa: E731
    assert r["estimate"] == pytest.approx(odds(ref["event_share"]) / odds(share), rel=1e-12)


# ---- what the sweep reuses across specifications equals computing it afresh ---------------------------------

def test_definitions_classified_once_per_measure_equal_classifying_each_pair(inputs):
    pairs = [(m, t) for m in ("selfid", "mothertongue") for t in (50.0, 40.0, 60.0, 0.0)]
    shared = D.ethnic_definitions(inputs.departments, pairs)
    assert list(shared) == pairs
    for measure, threshold in pairs:
        cls = E.classify_departments(inputs.departments, measure, threshold)
        codes = cls["ubigeo_dep"].astype(str)
        fresh = D.Definition(*(tuple(codes[cls["status"] == s]) for s in ("majority", "not_majority", "unknown")))
        assert shared[(measure, threshold)] == fresh == D.ethnic_definition(inputs.departments, measure, threshold)
    with pytest.raises(ValueError, match="threshold"):
        D.ethnic_definitions(inputs.departments, [("selfid", 50.0), ("selfid", 100.0)])


@pytest.mark.parametrize("n", [1, 2, 5, 9, 25])
def test_subsets_are_itertools_combinations_in_order(n):
    for k in {1, 2, n // 2, n - 1, n} - {0}:
        methods._subsets.cache_clear()
        got = methods._subsets(n, k)
        ref = np.array(list(itertools.combinations(range(n), k)), dtype=np.intp).reshape(-1, k)
        assert got.dtype == ref.dtype and np.array_equal(got, ref), (n, k)
        assert not got.flags.writeable and methods._subsets(n, k) is got  # one array per process, read-only


@pytest.mark.parametrize("kind, n_draws, max_exact", [("rademacher", 99_999, C.MAX_EXACT_SIGNS),
                                                       ("webb", 9_999, C.MAX_EXACT_WILD)])
def test_weights_cut_from_one_stream_equal_clustered_weights(kind, n_draws, max_exact):
    """One seeded stream per kind serves every G (its first n_draws x G draws); a larger G than the stream holds
    draws it again, longer. Every matrix equals clustered.resampling_weights' own, byte for byte."""
    methods._weights.cache_clear()
    methods._STREAMS.clear()
    for g in (max_exact - 1, max_exact, 40, max_exact + 1, 25, 33, 2):
        W, exact = methods._weights(g, max_exact, kind, n_draws, C.SEED)
        ref, ref_exact = C.resampling_weights(g, max_exact, kind, n_draws, C.SEED)
        assert exact == ref_exact == (g <= max_exact)
        assert W.shape == ref.shape and W.tobytes() == np.ascontiguousarray(ref).tobytes(), g
        assert not W.flags.writeable
    assert methods._STREAMS[(kind, n_draws, C.SEED)].size == 40 * n_draws


@pytest.mark.parametrize("choice", CHOICES)
def test_sign_flip_pairs_counted_once_equal_every_sign_vector(inputs, codes, population, choice):
    """The sign flip keeps each distinct (eps.m1, eps.m) once with its count: the same multiset of statistics as
    the two products over every sign vector, and the same p-value at every b0."""
    for d in _designs(inputs, codes, population, choice).values():
        b = methods.Binary.of(d)
        sf = methods.SignFlip(b)
        W, _ = methods._weights(b.G, C.MAX_EXACT_SIGNS, "rademacher", 99_999, C.SEED)
        full = np.stack([W @ b.m1, W @ b.m], axis=1)
        assert len(sf.count) < len(full) and sf.count.sum() == len(full)
        values, counts = np.unique(full, axis=0, return_counts=True)
        assert np.array_equal(np.stack([sf.Wm1, sf.Wm], axis=1), values) and np.array_equal(sf.count, counts)
        for b0 in (0.0, 0.3, -1.1, 2.5):
            pi = b.pi1(b0)
            every = C.p_from_null(np.abs(full[:, 0] - pi * full[:, 1]), abs(b.k1 - pi * b.N), sf.exact)
            assert sf.p(b0) == every


def test_heap_frozen_only_while_the_sweep_runs(small):
    """frozen_heap hides the objects made before the sweep from the garbage collector while it runs, and gives
    them back afterwards, also when the sweep fails."""
    assert gc.get_freeze_count() == 0  # the `small` sweep has run and unfrozen
    with parallel.frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), parallel.frozen_heap():
        raise RuntimeError("a failing sweep")
    assert gc.get_freeze_count() == 0


def test_distinct_pairs_of_other_numbers_are_left_as_they_are():
    a, b = np.array([0.5, 1.0, 0.5]), np.array([1.0, 2.0, 1.0])
    a2, b2, count = methods._distinct_pairs(a, b)
    assert a2 is a and b2 is b and count.tolist() == [1, 1, 1]
    a2, b2, count = methods._distinct_pairs(np.array([-2.0, 3.0, -2.0, 0.0]), np.array([-5.0, 1.0, -5.0, -5.0]))
    assert (a2.tolist(), b2.tolist(), count.tolist()) == ([-2.0, 0.0, 3.0], [-5.0, -5.0, 1.0], [2, 1, 1])


def test_sweep_rows_equal_a_fresh_computation_of_their_design(inputs, codes, population, small):
    """Each specification reads its design's summary and results from the sweep's memo (one per Design.key()),
    built in the workers; a fresh computation of the same design in this process gives the same row."""
    r, b = small["results"], small["bounds"]
    for rec in r.drop_duplicates(["finding", "deaths", "exclude_event", "measure"]).itertuples(index=False):
        choice = {d: getattr(rec, d) for d in G.SELECTION_DIMS}
        counts = D.selection_counts(inputs.victims, codes, choice)
        definition = D.ethnic_definition(inputs.departments, rec.measure, rec.threshold) \
            if rec.finding == "ethnic" else None
        designs = D.designs_for(rec.finding, counts, population, codes, definition)
        row = r[r.spec_id == rec.spec_id].iloc[0]
        fresh = methods.method_result(designs["grid"], rec.model)
        assert (row["rr"], row["p_value"], row["enumerated"]) == (fresh["estimate"], fresh["p"], fresh["enumerated"])
        assert {k: row[k] for k in methods.design_summary(designs["grid"])} == methods.design_summary(designs["grid"])
        for edge, _ in G.BOUNDS[rec.finding]:
            e = b[(b.spec_id == rec.spec_id) & (b.finding == rec.finding) & (b.edge == edge)].iloc[0]
            summary = methods.design_summary(designs[edge])
            assert {k: e[k] for k in summary} == pytest.approx(summary, nan_ok=True)
            assert e["p_value"] == methods.method_result(designs[edge], rec.model, interval=False)["p"]


# ---- an independent recomputation: brute-force sign flips on the register -------------------------------------

def _brute_force_sign_flip(persons, group, reference, departments):
    """Enumerate every one of the 2^G sign vectors over lethal events (event id; a death in no event is its own)."""
    dep = persons["ubigeo_dep"].astype(str)
    keep = dep.isin(list(group) + list(reference))
    p = persons[keep.to_numpy()]
    event = p["event_id"].astype("string").fillna("solo:" + p["victim_id"].astype(str))
    in_group = p["ubigeo_dep"].astype(str).isin(list(group))
    table = pd.DataFrame({"event": event.to_numpy(), "g": in_group.to_numpy()}).groupby("event")["g"].agg(
        ["size", "sum"])
    pop = departments.set_index(departments["ubigeo_dep"].astype(str))[G.POPULATION].astype(float)
    share = pop[list(group)].sum() / (pop[list(group)].sum() + pop[list(reference)].sum())
    scores = table["sum"].to_numpy() - share * table["size"].to_numpy()
    observed = abs(scores.sum())
    hits = sum(abs(np.dot(signs, scores)) >= observed - 1e-9
               for signs in itertools.product((1.0, -1.0), repeat=len(scores)))
    return hits / 2 ** len(scores), len(scores)


def test_sign_flip_p_of_one_specification_by_brute_force(inputs, small, codes):
    choice = dict(deaths="clash", date_policy="certain", cutoff="2023-01-31", exclude_event="E07")
    persons = _persons(inputs, **choice)
    assert persons["event_id"].notna().all()  # every clash death of this selection belongs to a listed event
    r = small["results"]
    row = r[(r.finding == "regional") & (r.deaths == "clash") & (r.exclude_event == "E07")
            & (r.model == "sign_flip")].iloc[0]
    regions = [c for c in codes if c not in G.CAPITAL]
    p, n_events = _brute_force_sign_flip(persons, regions, G.CAPITAL, inputs.departments)
    assert n_events == row["events"] and row["p_value"] == pytest.approx(p, abs=1e-12)
    assert row["holds"] == (row["rr"] > 1 and p < ALPHA)
    definition = D.ethnic_definition(inputs.departments, "selfid", 50.0)
    row = r[(r.finding == "ethnic") & (r.deaths == "clash") & (r.exclude_event == "E07") & (r.measure == "selfid")
            & (r.model == "sign_flip")].iloc[0]
    p, n_events = _brute_force_sign_flip(persons, definition.majority, definition.not_majority, inputs.departments)
    assert n_events == row["events"] and row["p_value"] == pytest.approx(p, abs=1e-12)


def test_naive_reference_is_the_person_level_binomial_test(inputs, small):
    r = small["results"]
    row = r[(r.finding == "ethnic") & (r.deaths == "all") & (r.exclude_event == "none")
            & (r.measure == "selfid")].iloc[0]
    persons = _persons(inputs, deaths="all", date_policy="certain", cutoff="2023-01-31", exclude_event="none")
    d = D.ethnic_definition(inputs.departments, "selfid", 50.0)
    dep = persons["ubigeo_dep"].astype("string")
    k, n = int(dep.isin(list(d.majority)).sum()), int(dep.isin(list(d.majority + d.not_majority)).sum())
    pop = inputs.departments.set_index("ubigeo_dep")[G.POPULATION].astype(float)
    share = pop[list(d.majority)].sum() / pop[list(d.majority + d.not_majority)].sum()
    assert (row["deaths_group"], row["persons"]) == (k, n)
    assert row["naive_p_value"] == pytest.approx(stats.binomtest(k, n, share).pvalue, rel=1e-9)
    assert row["population_share"] == pytest.approx(share, rel=1e-12)


# ---- rules, distinct results, bounds, influence ------------------------------------------------------------

def test_holds_rule_uses_each_specification_s_own_test(small):
    r = small["results"]
    assert set(r["model"]) == set(SMALL["model"])
    expected = (r["rr"] > 1) & (r["p_value"] < ALPHA)
    assert (r["holds"] == expected).all()
    assert (r["decision"] == np.where(expected, "holds", "does not hold")).all()
    assert r["naive_holds"].mean() >= r["holds"].mean()  # the person-level test is never the stricter here


def test_distinct_results_collapse_identical_results_with_their_multiplicity(small):
    r = small["results"]
    groups = {}
    for row in r.itertuples(index=False):
        key = (row.finding, *(f"{v:.10g}" if isinstance(v, float) else v for v in
                              (row.rr, row.rr_low, row.rr_high, row.p_value)), row.decision)
        groups.setdefault(key, []).append(row.spec_id)
    distinct = Su.distinct_results(r)
    assert len(distinct) == len(groups)
    assert sorted(distinct["multiplicity"]) == sorted(len(v) for v in groups.values())
    for finding in G.FINDINGS:
        d = distinct[distinct.finding == finding]
        assert d["multiplicity"].sum() == (r.finding == finding).sum()
        assert d["share_of_specs"].sum() == pytest.approx(1.0)
    # specifications sharing a design share every result of it: mothertongue at one threshold, per model
    for rid, g in r.groupby("result_id"):
        assert g[["rr", "rr_low", "rr_high", "p_value", "decision"]].astype(str).nunique().max() == 1, rid
    s = Su.summarise(r, small["bounds"]).set_index("finding")
    assert s.loc["ethnic", "n_distinct_results"] == len(distinct[distinct.finding == "ethnic"])


def test_distinct_results_on_a_synthetic_table():
    rows = [("ethnic", "E0001", 2.0, 1.1, 3.0, 0.01, "holds"), ("ethnic", "E0002", 2.0, 1.1, 3.0, 0.01, "holds"),
            ("ethnic", "E0003", 2.0, 1.1, 3.0, 0.2, "does not hold"), ("regional", "R0001", 2.0, 1.1, 3.0, 0.01,
                                                                       "holds")]
    r = pd.DataFrame(rows, columns=["finding", "spec_id", "rr", "rr_low", "rr_high", "p_value", "decision"])
    for d in G.DEFAULT_GRID:
        r[d] = "x"
    r["holds"] = r["decision"] == "holds"
    r["result_id"] = Su.result_ids(r)
    assert r["result_id"].tolist() == ["E-r0001", "E-r0001", "E-r0002", "R-r0001"]
    d = Su.distinct_results(r).set_index("result_id")
    assert d.loc["E-r0001", "multiplicity"] == 2 and d.loc["E-r0001", "share_of_specs"] == pytest.approx(2 / 3)
    assert d.loc["E-r0001", "first_spec"] == "E0001"


def test_bounds_are_kept_apart_from_the_grid(small):
    r, b = small["results"], small["bounds"]
    assert "edge" not in r.columns and "unknown_units" not in r.columns
    for finding, edges in G.BOUNDS.items():
        rf, bf = r[r.finding == finding], b[b.finding == finding]
        assert len(bf) == 2 * len(rf)
        assert (bf.groupby("spec_id")["edge"].apply(tuple) == tuple(e for e, _ in edges)).all()
    e = b[b.finding == "ethnic"].pivot(index="spec_id", columns="edge", values="population_share")
    grid_share = r[r.finding == "ethnic"].set_index("spec_id")["population_share"]
    # the grid's population (departments of known status) is neither edge: the edges span every department
    assert (e["unknown_inside"] > e["unknown_outside"]).all()
    assert not np.allclose(grid_share.loc[e.index], e["unknown_outside"])
    s = Su.summarise(r, b).set_index("finding")
    for finding in G.FINDINGS:
        rf, bf = r[r.finding == finding], b[b.finding == finding]
        assert s.loc[finding, "n_specs"] == len(rf)
        assert s.loc[finding, "n_holds"] == rf["holds"].sum()
        outside = bf[bf.edge == G.BOUNDS[finding][0][0]]
        assert s.loc[finding, "outside_n_holds"] == outside["holds"].sum()


def test_influence_matches_an_independent_pairing(small):
    r = small["results"]
    inf = Su.influence(r)
    for rec in inf.itertuples(index=False):
        dims = G.FINDING_DIMS[rec.finding]
        others = [d for d in dims if d != rec.dimension]
        f = r[r.finding == rec.finding]
        a = {tuple(x[d] for d in others): x["holds"] for _, x in f.iterrows()
             if G.label_value(x[rec.dimension]) == rec.from_choice}
        b = {tuple(x[d] for d in others): x["holds"] for _, x in f.iterrows()
             if G.label_value(x[rec.dimension]) == rec.to_choice}
        pairs = [(a[k], b[k]) for k in a if k in b]
        assert rec.pairs == len(pairs)
        assert rec.holds_to_fails == sum(x and not y for x, y in pairs)
        assert rec.fails_to_holds == sum(y and not x for x, y in pairs)
    assert set(inf[inf.finding == "regional"]["dimension"]) <= set(G.FINDING_DIMS["regional"])


def test_same_tables_with_one_and_two_workers(inputs, small):
    two = parallel.run_sweep(G.expand(SMALL, inputs.victims), inputs, jobs=2)
    pd.testing.assert_frame_equal(small["results"], two["results"])
    pd.testing.assert_frame_equal(small["bounds"], two["bounds"])


# ---- files --------------------------------------------------------------------------------------------------

def test_cli_writes_the_tables_and_stale_tables_are_refused(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("grid:\n  deaths: [clash]\n  date_policy: [certain]\n  cutoff: [2023-02-16]\n  exclude_event: [none]\n"
                 "  measure: [selfid]\n  threshold: [50]\n  model: [sign_flip, cluster_t]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert driver.main(["--jobs", "1", "--params", str(f), "--outputs", str(out)]) == 0
    for file in Su.TABLES.values():
        assert (out / "tables" / file).exists(), file
    tables = Su.read_tables(out / "tables", grid_file=f)
    assert len(tables["results"]) == 2 + 2 and list(tables["summary"]["finding"]) == ["ethnic", "regional"]
    assert len(tables["bounds"]) == 2 * len(tables["results"])
    assert Su.stale(out / "tables", grid_file=f) == []
    f.write_text(f.read_text(encoding="utf-8").replace("[50]", "[40]"), encoding="utf-8")
    assert Su.stale(out / "tables", grid_file=f) == ["grid file"]
    with pytest.raises(RuntimeError, match="stale.*grid file.*python -m analysis run"):
        Su.read_tables(out / "tables", grid_file=f)
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid:\n  measure: [language]\n", encoding="utf-8")
    assert driver.main(["--params", str(bad), "--outputs", str(out)]) == 2


def test_grid_and_method_tables_describe_every_dimension_and_method(inputs):
    choices = {**SMALL, "exclude_event": G.event_choices(inputs.victims, SMALL["exclude_event"])}
    t = Su.grid_table(choices).set_index("dimension")
    assert t.index.tolist() == list(G.DEFAULT_GRID)
    assert t.loc["exclude_event", "choices"] == "none | E07" and t.loc["threshold", "choices"] == "50"
    assert t.loc["model", "used_by"] == "ethnic, regional" and t.loc["measure", "used_by"] == "ethnic"
    m = Su.method_table().set_index("model")
    assert m.loc[G.NAIVE, "independent_unit"] == "person" and not m.loc[G.NAIVE, "in_grid"]
    assert m.loc[list(G.MODELS), "in_grid"].all() and (m.loc[list(G.MODELS), "independent_unit"] != "person").all()


def test_provenance_hashes_every_sweep_module_and_no_raw_file(tmp_path):
    p = Su.provenance(None, None, 0.05).set_index("item")["value"]
    assert not [i for i in p.index if i.startswith("data/raw")]
    package = Su.PACKAGE / "tasks" / "robustness"
    sweep_code = {f"tasks/robustness/{f.name}" for f in package.glob("*.py")} - {
        "tasks/robustness/__init__.py", "tasks/robustness/task.py", "tasks/robustness/views.py"}
    assert sweep_code <= set(Su.SWEEP_MODULES)
    assert all(p[f"analysis/{m}"] != "missing" for m in Su.SWEEP_MODULES)


# ---- the task of notebook 08 ---------------------------------------------------------------------------------

def test_task_declaration_matches_the_notebook_and_reads_no_raw_data():
    import ast

    from analysis import paths
    from analysis.tasks import robustness as task
    from analysis.workflow.params import declared_parameters
    declared = declared_parameters(paths.NOTEBOOKS / f"{task.TASK.notebook}.ipynb")
    assert {k: ast.literal_eval(v["default"]) for k, v in declared.items()} == task.TASK.params
    assert not [r for r in task.TASK.reads if r.startswith("data/raw")]


def test_task_presents_the_sweep_tables_without_writing(tmp_path):
    from analysis import paths
    from analysis.tasks import robustness as task
    spec = task.spec(**task.TASK.params)
    result = task.run(spec, task.inputs(spec, paths.PROCESSED, tmp_path))
    summary = pd.read_csv(paths.TABLES / Su.TABLES["summary"]).set_index("finding")
    assert result.number("n_specs") == summary["n_specs"].sum()
    for f in G.FINDINGS:
        assert result.number(f"{f}.n_holds") == summary.loc[f, "n_holds"]
        assert result.values["n_specs"][f] == summary.loc[f, "n_specs"]
    assert set(result.figures) == {"specification_curve", "robustness_influence"} and not result.tables
    assert not list(tmp_path.iterdir())  # run writes nothing
    written = result.write(tmp_path)
    assert {p.name for p in written} >= {"specification_curve.csv", "robustness_influence.png", "robustness.json"}
