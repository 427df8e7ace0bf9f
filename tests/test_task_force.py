"""Task 05 (force used) run end to end, its numbers checked against plain pandas and scipy; its prose helpers; the
notebook's parameters cell against the declaration.

Real-data runs skip (with the reason) only while data/processed/victims.csv or notebook 04's classification is
absent; a synthetic register always exercises the task so a broken section is caught before the real tables exist.
"""
import ast
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from scipy.stats.contingency import odds_ratio
from statsmodels.stats.proportion import proportion_confint

from analysis import paths
from analysis.report.numbers import Numbers
from analysis.stats import force as F
from analysis.stats import force_compare as C
from analysis.tasks import force as task
from analysis.tasks.force import compare, indicators, injured, shares
from analysis.workflow.params import declared_parameters
from tests.registers import write_synthetic_processed

REAL = paths.PROCESSED / "victims.csv"
PUBLISHED_CLASSIFICATION = paths.OUTPUTS / "tables" / "ethnic_classification.csv"
# (parameters, majority-Indigenous codes written as notebook 04's table; None = the published table)
PARAMS = [({}, None), ({"cutoff_date": "2023-02-28", "contexts": ["clash", "blockade"], "lima": ["15", "07"]},
                       ["03", "05", "21"])]
# MINSA snapshot columns of departments.csv and the window each covers (typed here, independently of the package)
MINSA = {"wave1": ("minsa_hospitalized_2022-12-19", "minsa_discharged_cum_2022-12-19", "2022-12-07", "2022-12-19"),
         "wave2": ("minsa_hospitalized_2023-01-20_since_0104", "minsa_discharged_cum_2023-01-20_since_0104",
                   "2023-01-04", "2023-01-20")}
UPPER, SITES = ["head", "neck", "thorax"], ["head", "neck", "thorax", "abdomen", "back", "limbs", "multiple"]
MAJ5 = ["03", "05", "08", "09", "21"]


def write_classification(out: Path, majority) -> Path:
    """A classification table as notebook 04 writes it: `majority` codes 'majority', the rest 'not_majority'."""
    deps = pd.read_csv(paths.PROCESSED / "departments.csv", dtype=str, keep_default_na=False)
    t = deps[["ubigeo_dep", "department"]].assign(
        status=np.where(deps["ubigeo_dep"].isin(majority), "majority", "not_majority"))
    path = out / "tables" / "ethnic_classification.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    t.to_csv(path, index=False)
    return path


def run(tmp: Path, processed: Path, params: dict, majority=None) -> dict:
    """The task on `processed` with outputs in tmp/out (notebook 04's table written there first, or copied when
    `majority` is None); returns the numbers it wrote."""
    out = tmp / "out"
    if majority is None:
        (out / "tables").mkdir(parents=True, exist_ok=True)
        shutil.copy(PUBLISHED_CLASSIFICATION, out / "tables" / "ethnic_classification.csv")
    else:
        write_classification(out, majority)
    spec = task.spec(**params)
    task.run(spec, task.inputs(spec, processed, out)).write(out)
    return json.loads((out / "numbers" / "force.json").read_text(encoding="utf-8"))


def in_scope(victims_csv: Path, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(certain, possible) persons, recomputed with plain pandas from the date intervals (not analysis.register.scope):
    certain = both bounds inside [start, cutoff]; possible = the interval overlaps it (an empty bound is open)."""
    v = pd.read_csv(victims_csv, dtype=str, keep_default_na=False)
    contexts = params.get("contexts", ["clash"])
    end, start = params.get("cutoff_date", "2023-03-31"), "2022-12-07"
    lo, hi = v["date_death_min"], v["date_death_max"]
    certain = (lo != "") & (hi != "") & (lo >= start) & (hi <= end)
    possible = ((lo == "") | (lo <= end)) & ((hi == "") | (hi >= start))
    ctx = v["context"].isin(contexts)
    return v[ctx & certain], v[ctx & possible]


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


def check_comparisons(nums: dict, v: pd.DataFrame, params: dict, majority, independent: bool):
    """Too small (a group under 5) → no test recorded; otherwise scipy's exact figures."""
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


def check_lethality(nums: dict, processed: Path, contexts, majority):
    """The pooled lethality ratio of the majority-Indigenous departments against the rest."""
    lt = lethality_table(processed / "victims.csv", processed / "departments.csv", contexts, majority)
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
    if i1:  # the group's index interval: Clopper–Pearson on d/(d+i) from statsmodels, mapped by p/(1-p)
        lo, hi = proportion_confint(d1, d1 + i1, alpha=0.05, method="beta")
        assert nums["force.lethality.in_group.index"]["interval"] == pytest.approx([lo / (1 - lo), hi / (1 - hi)],
                                                                                    rel=1e-8, abs=1e-12)


def check_mse(nums: dict, v: pd.DataFrame, processed: Path, params: dict):
    """Sources per person and the latest official national count per context."""
    contexts = params.get("contexts", ["clash"])
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


def check(nums: dict, processed: Path, params: dict, out: Path, majority, independent: bool = True):
    v, possible = in_scope(processed / "victims.csv", params)
    assert all(k.startswith("force.") for k in nums)
    assert nums["force.persons"]["value"] == len(v)
    assert nums["force.persons_possible"]["value"] == len(possible)
    known = v[v["wound"].isin(SITES)]
    assert nums["force.upper_body.n"]["value"] == len(known)
    assert nums["force.upper_body.k"]["value"] == int(known["wound"].isin(UPPER).sum())
    assert nums["force.persons"]["spec"]["majority_indigenous"] == sorted(majority)
    check_comparisons(nums, v, params, majority, independent)
    check_lethality(nums, processed, params.get("contexts", ["clash"]), majority)
    check_mse(nums, v, processed, params)
    for name in task.TASK.writes:  # every declared output is written, and only under its globs
        assert list(out.parent.glob(f"out/{name.removeprefix('outputs/')}")), name
    for name in ("force_shares_with_intervals", "force_group_comparisons", "force_injured_by_department"):
        assert all((out / "figures" / f"{name}.{ext}").exists() for ext in ("png", "svg", "csv"))
    for name in ("force_group_comparisons", "force_lethality_by_department", "force_lethality_groups",
                 "force_injured_attended_rates"):
        assert (out / "tables" / f"{name}.csv").exists()


@pytest.fixture(scope="module")
def synthetic_processed(tmp_path_factory):
    return write_synthetic_processed(tmp_path_factory.mktemp("processed"), paths.PROCESSED / "departments.csv")


# ---------------------------------------------------------------- the declaration and the parameters
def test_notebook_parameters_cell_equals_the_declaration():
    declared = declared_parameters(paths.NOTEBOOKS / f"{task.TASK.notebook}.ipynb")
    assert {k: ast.literal_eval(p["default"]) for k, p in declared.items()} == task.TASK.params


def test_spec_takes_the_defaults_and_rejects_bad_parameters():
    s = task.spec()
    assert (s.contexts, s.lima, s.conf) == (("clash",), ("15",), 95)
    assert task.spec(**task.TASK.params) == s  # the folders are not choices
    with pytest.raises(ValueError, match="unknown parameter.*'lma'"):
        task.spec(lma=["15"])
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        task.spec(alpha=5)
    with pytest.raises(ValueError, match=r"lima has codes that are not INEI departments.*'26'"):
        task.spec(lima=["26"])
    with pytest.raises(ValueError, match="policy 'sure'"):
        task.spec(date_policy="sure")


# ---------------------------------------------------------------- the task end to end
def test_synthetic_run(tmp_path, synthetic_processed):
    nums = run(tmp_path, synthetic_processed, {}, majority=MAJ5)
    check(nums, synthetic_processed, {}, tmp_path / "out", MAJ5, independent=False)
    assert nums["force.mse.official.clash.count"]["value"] == 12  # the latest official row, not the later unofficial
    assert {e["unit"] for e in nums.values()} <= {"person", "event", "department", "proportion", "ratio", "index",
                                                  "count", "p-value", "persons per 100,000"}


def test_run_writes_nothing(tmp_path, synthetic_processed):
    write_classification(tmp_path / "out", MAJ5)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    spec = task.spec()
    result = task.run(spec, task.inputs(spec, synthetic_processed, tmp_path / "out"))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert set(result.values["text"]) >= {"scope", "cause", "wound", "force", "comparisons", "lethality", "mse"}


def test_stops_without_notebook_04s_classification(tmp_path, synthetic_processed):
    with pytest.raises(FileNotFoundError, match="run 04-ethnic-disparity first"):
        task.inputs(task.spec(), synthetic_processed, tmp_path / "empty")


needs_real = pytest.mark.skipif(not REAL.exists(), reason="data/processed/victims.csv not built yet (run the register step)")


@needs_real
@pytest.mark.skipif(not PUBLISHED_CLASSIFICATION.exists(), reason="notebook 04's classification not published yet")
@pytest.mark.parametrize("params,majority", PARAMS)
def test_real(tmp_path, params, majority):
    nums = run(tmp_path, paths.PROCESSED, params, majority)
    if majority is None:
        t = pd.read_csv(PUBLISHED_CLASSIFICATION, dtype=str, keep_default_na=False)
        majority = sorted(t.loc[t["status"] == "majority", "ubigeo_dep"])
    check(nums, paths.PROCESSED, params, tmp_path / "out", majority)


# ---------------------------------------------------------------- notebook 04's classification
def _classification(tmp_path, rows):
    path = tmp_path / "ethnic_classification.csv"
    pd.DataFrame(rows, columns=["ubigeo_dep", "department", "share", "status"]).to_csv(path, index=False)
    return path


def test_read_majority_reads_notebook_04s_table(tmp_path):
    path = _classification(tmp_path, [["21", "Puno", "90.8", "majority"], ["03", "Apurímac", "", "majority"],
                                      ["15", "Lima", "17.2", "not_majority"], ["02", "Áncash", "", "unknown"]])
    t = task.read_majority(path)
    assert list(t["ubigeo_dep"]) == ["03", "21"] and list(t["department"]) == ["Apurímac", "Puno"]


@pytest.mark.parametrize("rows,match", [
    ([["21", "Puno", "", "majoritary"]], r"row 2.*status.*majoritary"),
    ([["99", "Atlantis", "", "majority"]], r"row 2.*ubigeo_dep.*'99'"),
    ([["21", "Puno", "", "majority"], ["21", "Puno", "", "majority"]], r"row 3.*classified twice"),
])
def test_read_majority_rejects_bad_rows(tmp_path, rows, match):
    with pytest.raises(ValueError, match=match):
        task.read_majority(_classification(tmp_path, rows))


def test_read_majority_rejects_missing_column(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"ubigeo_dep": ["21"], "department": ["Puno"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="status"):
        task.read_majority(path)


# ---------------------------------------------------------------- recording and prose
def test_pct_rounds_and_says_undefined():
    assert [shares.pct(x) for x in (0.5, 2 / 3, 0.004, float("nan"))] == ["50%", "67%", "0%", "undefined"]


def test_record_share_records_value_interval_and_denominator():
    num = Numbers("t")
    s = F.share(3, 8, "x", "persons with known x")
    shares.record_share(num, "a", s, "share of x")
    lo, hi = proportion_confint(3, 8, method="beta")
    assert num.entries["t.a.share"]["interval"] == pytest.approx([lo, hi])
    assert num.entries["t.a.share"]["definition"] == "share of x; denominator: persons with known x"
    assert (num.get("a.share"), num.get("a.k"), num.get("a.n")) == (0.375, 3, 8)
    with pytest.raises(KeyError):
        shares.record_share(num, "a", s, "again")  # a share is recorded once


def test_comparison_sentence_tested_and_too_small():
    g = pd.Series([True] * 10 + [False] * 12, dtype="boolean")
    o = pd.Series([True] * 8 + [False] * 2 + [True] * 3 + [False] * 9, dtype="boolean")
    row = C.compare_all([("x.y", g, o, ("army", "police"), "firearm")]).iloc[0].to_dict()
    s = compare.sentence(row, "Firearm deaths")
    assert s.startswith("Firearm deaths: 8 of 10 (80%) in army vs 3 of 12 (25%) in police; odds ratio ")
    assert "percentage points or more would be detected 80% of the time" in s
    assert f"Fisher's p = {row['p_value']:.2f}" in s and s.endswith("(0 persons with unknown group or outcome left out).")
    small = C.compare_table([[1, 3], [18, 17]], labels=("a", "b"))
    assert "not compared" in compare.sentence(small, "Head wounds")


def test_lethality_text():
    ok = F.lethality_index(5, 40, source="s", window="w").__dict__
    assert indicators.lethality_text(ok) == "0.12 (5 killed / 40 attended, w)"
    bounded = {**ok, "numerator_possible": 7}
    assert indicators.lethality_text(bounded) == \
        "0.12 (5 killed / 40 attended, w; up to 7 killed possibly in the window)"
    missing = F.lethality_index(5, None, source="s", window="w").__dict__
    assert indicators.lethality_text(missing) == \
        "not computed (no injured count for this scope and window: not computed)"


def test_injured_limits_name_what_counts_cannot_tell():
    text = " ".join(injured.LIMITS)
    for phrase in ("civilians from police", "snapshots, not totals", "unknown, not zero", "different dates"):
        assert phrase in text
