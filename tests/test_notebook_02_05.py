"""Notebooks 02 (descriptive) and 05 (force used) run end to end and record their numbers (02: its task, called as
the notebook calls it; 05 via papermill).

Real-data runs skip (with the reason) only while data/processed/victims.csv is absent; a synthetic register
always exercises the notebooks so a broken cell is caught before the real tables exist.
"""
import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from scipy.stats.contingency import odds_ratio

from analysis import paths
from analysis.stats import descriptive as D
from analysis.tasks import descriptive as task02
from analysis.workflow.params import declared_parameters
from tests.test_stats_descriptive import synthetic_victims

papermill = pytest.importorskip("papermill")

NB02 = paths.NOTEBOOKS / "02-descriptive.ipynb"
NB05 = paths.NOTEBOOKS / "05-force-used.ipynb"
REAL = paths.PROCESSED / "victims.csv"
PARAMS02 = [{}, {"cutoff_date": "2023-02-28", "contexts": ["clash"]}]
# notebook 05 reads notebook 04's classification table; None = the published one (outputs/tables)
PUBLISHED_CLASSIFICATION = paths.OUTPUTS / "tables" / "ethnic_classification.csv"
PARAMS05 = [({}, None), ({"cutoff_date": "2023-02-28", "contexts": ["clash", "blockade"], "lima": ["15", "07"]},
                         ["03", "05", "21"])]
# MINSA snapshot columns of departments.csv and the window each covers (typed here, independently of the package)
MINSA = {"wave1": ("minsa_hospitalized_2022-12-19", "minsa_discharged_cum_2022-12-19", "2022-12-07", "2022-12-19"),
         "wave2": ("minsa_hospitalized_2023-01-20_since_0104", "minsa_discharged_cum_2023-01-20_since_0104",
                   "2023-01-04", "2023-01-20")}


def write_classification(out: Path, majority) -> Path:
    """A classification table as notebook 04 writes it: `majority` codes 'majority', the rest 'not_majority'."""
    deps = pd.read_csv(paths.RAW / "covariates" / "departments.csv", dtype=str, keep_default_na=False)
    t = deps[["ubigeo_dep", "department"]].assign(
        status=np.where(deps["ubigeo_dep"].isin(majority), "majority", "not_majority"))
    path = out / "tables" / "ethnic_classification.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    t.to_csv(path, index=False)
    return path


def run(nb: Path, tmp: Path, processed: Path, params: dict, majority=None) -> dict:
    """Execute `nb` into tmp/out. For notebook 05, `majority` (codes) is written as notebook 04's classification
    table in tmp/out/tables; None copies the published one."""
    out = tmp / "out"
    tmp.mkdir(parents=True, exist_ok=True)
    if nb == NB05:
        if majority is None:
            (out / "tables").mkdir(parents=True, exist_ok=True)
            (out / "tables" / "ethnic_classification.csv").write_bytes(PUBLISHED_CLASSIFICATION.read_bytes())
        else:
            write_classification(out, majority)
    papermill.execute_notebook(str(nb), str(tmp / nb.name), kernel_name="python3", cwd=str(paths.NOTEBOOKS),
                               parameters={**params, "processed_dir": str(processed), "outputs_dir": str(out)},
                               progress_bar=False)
    return json.loads((out / "numbers.json").read_text(encoding="utf-8"))


def run02(tmp: Path, processed: Path, params: dict) -> dict:
    """Task 02 as its notebook runs it (spec, inputs, run, write) into tmp/out; returns its numbers."""
    out = tmp / "out"
    spec = task02.spec(**params, processed_dir=str(processed), outputs_dir=str(out))
    task02.run(spec, task02.inputs(spec, processed, out)).write(out)
    return json.loads((out / "numbers" / f"{task02.TASK.name}.json").read_text(encoding="utf-8"))


def with_boundaries(processed: Path) -> Path:
    """The synthetic register gets the real register's department boundaries (the map needs all 25 units)."""
    target = task02.boundary_file(processed)
    if not target.exists():
        target.write_bytes(task02.boundary_file(paths.PROCESSED).read_bytes())
    return processed


def test_02_parameters_cell_equals_task_params():
    declared = declared_parameters(NB02)
    assert list(declared) == list(task02.TASK.params)
    assert {k: ast.literal_eval(v["default"]) for k, v in declared.items()} == task02.TASK.params


def expected_02_keys() -> set:
    keys = {"persons_register", "persons", "persons_certain", "persons_possible", "identified", "excluded_context",
            "excluded_dates", "peak_day_deaths", "peak_day_deaths_possible", "persons_on_a_day",
            "date_spans_several_days", "date_spans_unbounded", "days_with_deaths", "window_days", "events",
            "persons_in_events", "largest_event_persons", "minors", "age_unknown", "departments_with_deaths",
            "department_unknown", "department_unknown_possible", "max_rate_per_100k"}
    keys |= {f"age_band.{b[2]}" for b in D.AGE_BANDS} | {"age_band.unknown"}
    keys |= {f"{f}.{lv}" for f in ("sex", "context", "cause", "wound", "force") for lv in D.LEVELS[f]}
    return {f"descriptive.{k}" for k in keys}


def in_scope(victims_csv: Path, params: dict, default_contexts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(certain, possible) persons, recomputed with plain pandas from the date intervals (not analysis.register.scope):
    certain = both bounds inside [start, cutoff]; possible = the interval overlaps it (an empty bound is open)."""
    v = pd.read_csv(victims_csv, dtype=str, keep_default_na=False)
    contexts = params.get("contexts") or default_contexts
    end, start = params.get("cutoff_date", "2023-03-31"), "2022-12-07"
    lo, hi = v["date_death_min"], v["date_death_max"]
    certain = (lo != "") & (hi != "") & (lo >= start) & (hi <= end)
    possible = ((lo == "") | (lo <= end)) & ((hi == "") | (hi >= start))
    ctx = v["context"].isin(contexts)
    return v[ctx & certain], v[ctx & possible]


def check_02(nums: dict, victims_csv: Path, params: dict, out: Path):
    assert set(nums) == expected_02_keys()
    v, possible = in_scope(victims_csv, params, list(D.LEVELS["context"]))
    n = nums["descriptive.persons"]["value"]
    assert n == len(v) == nums["descriptive.persons_certain"]["value"]
    assert nums["descriptive.persons_possible"]["value"] == len(possible) >= n
    for field in ("sex", "cause", "force", "wound", "context"):
        counts = v[field].value_counts()
        assert {lv: nums[f"descriptive.{field}.{lv}"]["value"] for lv in D.LEVELS[field]} == \
            {lv: int(counts.get(lv, 0)) for lv in D.LEVELS[field]}
    assert sum(nums[f"descriptive.age_band.{b[2]}"]["value"] for b in D.AGE_BANDS) + \
        nums["descriptive.age_band.unknown"]["value"] == n
    assert nums["descriptive.minors"]["value"] == int((pd.to_numeric(v["age_years"].replace("", None)) < 18).sum())
    assert nums["descriptive.persons"]["spec"]["cutoff_date"] == params.get("cutoff_date", "2023-03-31")
    daily = pd.read_csv(out / "tables" / "descriptive_deaths_daily.csv")
    one_day = possible[(possible["date_death_min"] != "") & (possible["date_death_min"] == possible["date_death_max"])]
    assert daily["deaths"].sum() == nums["descriptive.persons_on_a_day"]["value"] == len(one_day)
    assert daily["deaths"].sum() + nums["descriptive.date_spans_several_days"]["value"] == len(possible)
    per_day = one_day.groupby("date_death_min").size()
    assert nums["descriptive.peak_day_deaths"]["value"] == per_day.max() == daily["deaths"].max()
    peak = per_day.sort_index().idxmax()
    lo, hi = possible["date_death_min"], possible["date_death_max"]
    covering = ((lo == "") | (lo <= peak)) & ((hi == "") | (hi >= peak))
    assert nums["descriptive.peak_day_deaths_possible"]["value"] == int(covering.sum())
    spans = pd.read_csv(out / "tables" / "descriptive_deaths_date_spans.csv", dtype=str)
    assert len(spans) == len(possible) - len(one_day)
    for name in ("descriptive_deaths_over_time_by_context", "descriptive_map_deaths_per_100k",
                 "descriptive_age_sex", "descriptive_cause_by_force", "descriptive_cumulative_by_department"):
        assert all((out / "figures" / f"{name}.{ext}").exists() for ext in ("png", "svg", "csv"))
    check_02_figure_data(nums, one_day, out / "figures")


CODE = r"^[a-z]+(_[a-z]+)+$"  # a vocab code such as firearm_projectile


def check_02_figure_data(nums: dict, one_day: pd.DataFrame, figures: Path):
    """The CSV behind each figure adds up to the n its title states (numbers.json) and labels in words."""
    value = {k.removeprefix("descriptive."): v["value"] for k, v in nums.items()}
    fig = lambda name: pd.read_csv(figures / f"{name}.csv", keep_default_na=False)  # noqa: E731
    over_time = fig("descriptive_deaths_over_time_by_context")
    assert over_time["deaths"].sum() == value["persons_on_a_day"]
    assert not over_time["context"].str.match(CODE).any() and "unknown" not in set(over_time["context"])
    cum = fig("descriptive_cumulative_by_department")
    unknown_dep = int((one_day["department"] == "").sum())  # on a day, department unknown: in the caption
    assert cum.groupby("group")["cumulative"].last().sum() + unknown_dep == value["persons_on_a_day"]
    age_sex = fig("descriptive_age_sex")
    assert age_sex["persons"].sum() == value["persons"]
    assert age_sex.groupby("sex")["persons"].sum().to_dict() == {lv: value[f"sex.{lv}"] for lv in D.LEVELS["sex"]}
    assert age_sex[age_sex["age_label"] == "age unknown"]["persons"].sum() == value["age_band.unknown"]
    assert not age_sex["sex_label"].str.match(CODE).any() and "unknown" not in set(age_sex["sex_label"])
    cause = fig("descriptive_cause_by_force")
    assert cause["persons"].sum() == value["persons"]
    assert cause.groupby("cause")["persons"].sum().to_dict() == {lv: value[f"cause.{lv}"] for lv in D.LEVELS["cause"]}
    assert not cause["cause_label"].str.match(CODE).any() and not cause["force_label"].str.match(CODE).any()
    assert abs(cause["share_of_n_pct"].sum() - 100) < 1e-6  # shares in %, not 0-1 (CSV rounds)
    geo = fig("descriptive_map_deaths_per_100k")
    assert geo["deaths"].sum() + value["department_unknown"] == value["persons"]
    assert len(geo) == 25 and (geo["deaths"] > 0).sum() == value["departments_with_deaths"]


UPPER, SITES = ["head", "neck", "thorax"], ["head", "neck", "thorax", "abdomen", "back", "limbs", "multiple"]


def comparison_tables(v: pd.DataFrame, params: dict, majority) -> dict:
    """Each comparison's 2×2 table [[in & yes, in & no], [rest & yes, rest & no]], from the CSV with pandas."""
    dep, force = v["ubigeo_dep"], v["force"]
    lima = params.get("lima", ["15"])
    groups = {"indigenous": (dep.isin(majority), (dep != "") & ~dep.isin(majority)),
              "lima": (dep.isin(lima), (dep != "") & ~dep.isin(lima)),
              "army": (force.isin(["army", "both"]), force.isin(["police"]))}
    known_cause = ~v["cause"].isin(["unknown", "not_applicable"])
    outcomes = {"upper_body": (v["wound"].isin(SITES), v["wound"].isin(UPPER)),
                "firearm": (known_cause, v["cause"] == "firearm_projectile")}
    out = {}
    for g, o in (("indigenous", "upper_body"), ("lima", "upper_body"), ("army", "upper_body"), ("army", "firearm")):
        (gin, grest), (known, yes) = groups[g], outcomes[o]
        out[f"{g}.{o}"] = [[int((gin & known & yes).sum()), int((gin & known & ~yes).sum())],
                           [int((grest & known & yes).sum()), int((grest & known & ~yes).sum())]]
    return out


def lethality_table(victims_csv: Path, departments_csv: Path, contexts, majority) -> list:
    """Both waves pooled, certain deaths: [[deaths, attended] majority-Indigenous, [deaths, attended] rest]; a
    department is in a wave only when MINSA lists it (hospitalised + discharged > 0)."""
    v = pd.read_csv(victims_csv, dtype=str, keep_default_na=False)
    d = pd.read_csv(departments_csv, dtype=str, keep_default_na=False)
    table = [[0, 0], [0, 0]]
    for hosp, disc, start, end in MINSA.values():
        attended = d.set_index("ubigeo_dep")[[hosp, disc]].astype(int).sum(axis=1)
        listed = attended[attended > 0]
        lo, hi = v["date_death_min"], v["date_death_max"]
        dead = v[v["context"].isin(contexts) & (lo != "") & (hi != "") & (lo >= start) & (hi <= end)]
        deaths = dead["ubigeo_dep"].value_counts()
        for code, att in listed.items():
            row = 0 if code in majority else 1
            table[row][0] += int(deaths.get(code, 0))
            table[row][1] += int(att)
    return table


def fisher_power(n1: int, n2: int, p1: float, p2: float, alpha: float = 0.05) -> float:
    """Power of Fisher's two-sided test, enumerating every outcome (scipy only)."""
    w1, w2 = stats.binom.pmf(range(n1 + 1), n1, p1), stats.binom.pmf(range(n2 + 1), n2, p2)
    return sum(w1[i] * w2[j] for i in range(n1 + 1) for j in range(n2 + 1)
               if stats.fisher_exact([[i, n1 - i], [j, n2 - j]]).pvalue <= alpha)


def check_mdd(mdd: float, table, power: float = 0.8):
    """The recorded minimum detectable difference is reached (both orientations) and 10 % less is not."""
    (a, b), (c, d) = table
    n1, n2 = a + b, c + d
    phi = 2 * math.asin(math.sqrt((a + c) / (n1 + n2)))
    pair = lambda h: (math.sin((phi + h / 2) / 2) ** 2, math.sin((phi - h / 2) / 2) ** 2)  # noqa: E731
    h = optimize.brentq(lambda h: pair(h)[0] - pair(h)[1] - mdd, 1e-9, 2 * min(phi, math.pi - phi))
    power_at = lambda h: min(fisher_power(n1, n2, *pair(h)), fisher_power(n1, n2, *pair(h)[::-1]))  # noqa: E731
    assert power_at(h) >= power - 1e-9
    assert power_at(0.9 * h) < power


def check_05(nums: dict, processed: Path, params: dict, out: Path, majority, independent: bool = True):
    victims_csv = processed / "victims.csv"
    v, possible = in_scope(victims_csv, params, ["clash"])
    contexts = params.get("contexts", ["clash"])
    assert all(k.startswith("force.") for k in nums)
    assert nums["force.persons"]["value"] == len(v)
    assert nums["force.persons_possible"]["value"] == len(possible)
    known = v[v["wound"].isin(SITES)]
    assert nums["force.upper_body.n"]["value"] == len(known)
    assert nums["force.upper_body.k"]["value"] == int(known["wound"].isin(UPPER).sum())
    spec = nums["force.persons"]["spec"]
    assert spec["majority_indigenous"] == sorted(majority) and "force.departments_with_injured_totals" not in nums
    # group comparisons: too small (a group under 5) → no test recorded; otherwise scipy's exact figures
    for key, table in comparison_tables(v, params, majority).items():
        k = f"force.compare.{key}"
        (a, b), (c, d) = table
        assert (nums[f"{k}.in.k"]["value"], nums[f"{k}.in.n"]["value"]) == (a, a + b)
        assert (nums[f"{k}.out.k"]["value"], nums[f"{k}.out.n"]["value"]) == (c, c + d)
        small = min(a + b, c + d) < 5
        assert nums[f"{k}.too_small"]["value"] == int(small)
        if small:
            assert not any(f"{k}.{x}" in nums for x in ("p_value", "odds_ratio", "mdd"))
            continue
        assert nums[f"{k}.p_value"]["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-8)
        res = odds_ratio(table, kind="conditional")
        ci = res.confidence_interval(0.95)
        got = nums[f"{k}.odds_ratio"]
        for g, e in zip(got["interval"], (float(ci.low), float(ci.high))):  # ∞ is stored as null
            assert (g is None and math.isinf(e)) or g == pytest.approx(e, rel=1e-6)
        if math.isfinite(res.statistic):
            assert got["value"] == pytest.approx(float(res.statistic), rel=1e-6)
        if independent and key == "indigenous.upper_body":
            check_mdd(nums[f"{k}.mdd"]["value"], table)
    # the injured: pooled lethality ratio of majority-Indigenous departments against the rest
    lt = lethality_table(victims_csv, processed / "departments.csv", contexts, majority)
    (d1, i1), (d2, i2) = lt
    assert (nums["force.lethality.in_group.deaths"]["value"], nums["force.lethality.in_group.attended"]["value"]) \
        == (d1, i1)
    assert (nums["force.lethality.rest_group.deaths"]["value"], nums["force.lethality.rest_group.attended"]["value"]) \
        == (d2, i2)
    if d2 and i1:
        ratio = nums["force.lethality.ratio"]
        assert ratio["value"] == pytest.approx((d1 / i1) / (d2 / i2), rel=1e-8)
        assert ratio["p_value"] == pytest.approx(stats.fisher_exact(lt).pvalue, rel=1e-8)
        ci = odds_ratio(lt, kind="conditional").confidence_interval(0.95)
        assert ratio["interval"] == pytest.approx([float(ci.low), float(ci.high)], rel=1e-6)
    if i1:
        # the group's index interval: Clopper–Pearson on d/(d+i) from statsmodels, mapped by p/(1-p)
        from statsmodels.stats.proportion import proportion_confint
        lo, hi = proportion_confint(d1, d1 + i1, alpha=0.05, method="beta")
        assert nums["force.lethality.in_group.index"]["interval"] == pytest.approx([lo / (1 - lo), hi / (1 - hi)],
                                                                                    rel=1e-8, abs=1e-12)
    # no multiple-systems estimation: sources per person and the official counts
    ident = v[v["identified"] == "True"]
    assert nums["force.mse.median_sources"]["value"] == pytest.approx(ident["n_sources"].astype(int).median())
    assert nums["force.mse.single_source"]["value"] == int((ident["n_sources"].astype(int) == 1).sum())
    recon = pd.read_csv(processed / "reconciliation_identity.csv", dtype=str, keep_default_na=False)
    cutoff = params.get("cutoff_date", "2023-03-31")
    off = recon[(recon["level"] == "national") & (recon["official"] == "True") & recon["category"].isin(contexts)
                & (recon["as_of"] <= cutoff)]
    for cat, rows in off.groupby("category"):
        last = rows.sort_values(["as_of", "count_id"]).iloc[-1]
        assert nums[f"force.mse.official.{cat}.count"]["value"] == int(last["count"])
        assert nums[f"force.mse.official.{cat}.register"]["value"] == int(last["total_certain"])
    assert not [k for k in nums if k.startswith("force.mse.official.") and k.split(".")[3] not in set(off["category"])]
    for name in ("force_shares_with_intervals", "force_group_comparisons", "force_injured_by_department"):
        assert all((out / "figures" / f"{name}.{ext}").exists() for ext in ("png", "svg", "csv"))
    for name in ("force_group_comparisons", "force_lethality_by_department", "force_lethality_groups",
                 "force_injured_attended_rates"):
        assert (out / "tables" / f"{name}.csv").exists()


@pytest.fixture(scope="module")
def synthetic_processed(tmp_path_factory):
    d = tmp_path_factory.mktemp("processed")
    synthetic_victims(n=70, seed=5).to_csv(d / "victims.csv", index=False)
    deps = pd.read_csv(paths.RAW / "covariates" / "departments.csv", dtype=str, keep_default_na=False)
    deps.assign(indig_selfid_pct="", indig_mothertongue_pct="", coverage="raw covariates (test copy)").to_csv(
        d / "departments.csv", index=False)
    pd.DataFrame({"event_id": ["E01", "E02", "E03", "E04"], "label": ["a", "b", "c", "d"],
                  "injured": ["25 (11 Dec); ~30 (RPP)", "not found", "52 (night); >100 (later)", "several"]}
                 ).to_csv(d / "events.csv", index=False)
    cols = ["level", "count_id", "event_id", "geo", "category", "as_of", "official", "count", "identified_certain",
            "identified_possible", "unidentified_certain", "unidentified_possible", "total_certain", "total_possible",
            "holds"]
    pd.DataFrame([["national", "C0001", "", "national", "clash", "2023-01-10", "True", 9, 8, 9, 0, 0, 8, 9,
                   "within possible"],
                  ["national", "C0002", "", "national", "clash", "2023-02-10", "True", 12, 12, 12, 0, 0, 12, 12,
                   "exactly"],
                  ["national", "C0003", "", "national", "clash", "2023-03-10", "False", 15, 15, 15, 0, 0, 15, 15,
                   "exactly"]], columns=cols).to_csv(d / "reconciliation_identity.csv", index=False)
    return d


def test_02_synthetic_runs_and_is_deterministic(tmp_path, synthetic_processed):
    processed = with_boundaries(synthetic_processed)
    nums = run02(tmp_path / "a", processed, {})
    check_02(nums, synthetic_processed / "victims.csv", {}, tmp_path / "a" / "out")
    again = run02(tmp_path / "b", processed, {})
    assert again == nums
    for rel in ("tables/descriptive_events.csv", "figures/descriptive_map_deaths_per_100k.svg",
                "figures/descriptive_age_sex.png"):
        assert (tmp_path / "a" / "out" / rel).read_bytes() == (tmp_path / "b" / "out" / rel).read_bytes(), rel


MAJ5 = ["03", "05", "08", "09", "21"]


def test_05_synthetic_runs(tmp_path, synthetic_processed):
    nums = run(NB05, tmp_path, synthetic_processed, {}, majority=MAJ5)
    check_05(nums, synthetic_processed, {}, tmp_path / "out", MAJ5, independent=False)
    assert nums["force.mse.official.clash.count"]["value"] == 12  # the latest official row, not the later unofficial


def test_05_stops_without_notebook_04s_classification(tmp_path, synthetic_processed):
    with pytest.raises(papermill.PapermillExecutionError, match="run 04-ethnic-disparity first"):
        papermill.execute_notebook(str(NB05), str(tmp_path / "nb.ipynb"), kernel_name="python3",
                                   cwd=str(paths.NOTEBOOKS), progress_bar=False,
                                   parameters={"processed_dir": str(synthetic_processed),
                                               "outputs_dir": str(tmp_path / "empty")})


needs_real = pytest.mark.skipif(not REAL.exists(), reason="data/processed/victims.csv not built yet (run the register step)")


@needs_real
@pytest.mark.parametrize("params", PARAMS02)
def test_02_real(tmp_path, params):
    check_02(run02(tmp_path, paths.PROCESSED, params), REAL, params, tmp_path / "out")


@needs_real
@pytest.mark.skipif(not PUBLISHED_CLASSIFICATION.exists(), reason="notebook 04's classification not published yet")
@pytest.mark.parametrize("params,majority", PARAMS05)
def test_05_real(tmp_path, params, majority):
    nums = run(NB05, tmp_path, paths.PROCESSED, params, majority)
    if majority is None:
        t = pd.read_csv(PUBLISHED_CLASSIFICATION, dtype=str, keep_default_na=False)
        majority = sorted(t.loc[t["status"] == "majority", "ubigeo_dep"])
    check_05(nums, paths.PROCESSED, params, tmp_path / "out", majority)
