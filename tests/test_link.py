"""Linkage outcomes on real variant pairs from mentions.csv (rows copied as the cleaner outputs them)."""
import pandas as pd

from analysis.register import link, pairs
from analysis.steplog import StepLog

COLS = ["mention_id", "source_id", "name_forms", "name_is_initials", "age_years", "sex", "date_injury",
        "date_death", "ubigeo_dep", "department", "ubigeo_prov", "province", "is_retraction",
        "retraction_raw", "group_attribution", "cause", "force"]


def row(mid, src, forms, age=None, dep="05", prov=None, death=None, retraction=None, cause="unknown", injury=None):
    names = {"05": "Ayacucho", "03": "Apurímac", "21": "Puno"}
    return [mid, src, forms, all(len(t) <= 2 for t in (forms or "X X").split()), age, "unknown", injury,
            death, dep, names.get(dep), prov, None, retraction is not None, retraction, False, cause, "unknown"]


def frame(rows):
    df = pd.DataFrame(rows, columns=COLS)
    df["age_years"] = df["age_years"].astype("Int64")
    return df


# real rows: M0001/M0022/M0047 (Beckhan/Becan/Beckham), M0089/M0144 (Jhonatan/Jonatan Alarcón),
# M0211/M0225 (Ghiovanny/Giovanni), M0082 (Jhon Mendoza, same event), M0088 (Leonardo Hancco).
REAL = [
    row("M0001", "servindi_20221226", "BECKHAN ROMARIO QUISPE GARFIAS", 18, "03", death="2022-12-11"),
    row("M0022", "larepublica_20221211_becan", "BECAN QUISPE GARFIAS", 18, "03", death="2022-12-11"),
    row("M0047", "larepublica_20230108_beckham", "BECKHAM QUISPE GARFIAS", 18, "03"),
    row("M0089", "larepublica_20250904_reconstruccion", "JHONATAN ALARCON GALINDO", 19, death="2022-12-15"),
    row("M0144", "convoca_20221222", "JONATAN ALARCON GALINDO", 19, injury="2022-12-15", death="2022-12-21"),
    row("M0082", "larepublica_20250904_reconstruccion", "JHON MENDOZA HUARANCCA", 34, death="2022-12-15"),
    row("M0011", "servindi_20221226", "JHON JENNRY MENDOZA HUARANCCA", 34, death="2022-12-15"),
    row("M0088", "larepublica_20250904_reconstruccion", "LEONARDO HANCCO CHACCA", 32, death="2022-12-15"),
    row("M0211", "eldestape_iml", "GHIOVANNY ILLANES RAMOS", 18, "21"),
    row("M0225", "micaelas_202501", "GIOVANNI GUSTAVO ILLANES RAMOS", 20, "21"),
]


def run(rows, **kw):
    kw.setdefault("manual_links", []), kw.setdefault("manual_persons", []), kw.setdefault("manual_unattributed", {})
    log = StepLog()
    ml, rep = link.link(frame(rows), log, **kw)
    return ml.set_index("mention_id"), rep, log


def test_real_variant_pairs_merge_and_different_people_stay_apart():
    ml, rep, _ = run(REAL)
    vid = ml["victim_id"]
    assert vid["M0001"] == vid["M0022"] == vid["M0047"] == "V0001"
    assert vid["M0089"] == vid["M0144"] == "V0089"
    assert vid["M0211"] == vid["M0225"] == "V0211"
    assert vid["M0082"] == vid["M0011"] == "V0011"
    # same event, same source list, shared surname-like tokens: never one person
    assert len({vid["M0089"], vid["M0082"], vid["M0088"]}) == 3
    # the match report lists every candidate pair with a decision
    candidates = pairs.candidate_pairs(frame(REAL))
    assert len(rep) == len(candidates)
    assert set(rep["decision"]) == {"merged", "rejected"}
    # Hancco / Alarcón share no name key: blocking never pairs them
    assert not ((rep.mention_a == "M0088") & (rep.mention_b == "M0144")).any()
    mendoza_hancco = rep[(rep.mention_a == "M0011") & (rep.mention_b == "M0088")]
    assert mendoza_hancco["decision"].tolist() == ["rejected"]


def test_same_source_never_paired_and_department_blocks():
    candidates = pairs.candidate_pairs(frame(REAL))
    # M0082 and M0089 come from the same source: never a candidate pair
    assert not ((candidates.mention_a == "M0082") & (candidates.mention_b == "M0089")).any()
    same = frame(REAL).set_index("mention_id")["source_id"]
    assert all(same[a] != same[b] for a, b in zip(candidates.mention_a, candidates.mention_b))
    # Apurímac vs Ayacucho rows are never candidates
    assert not ((candidates.mention_a == "M0001") & (candidates.mention_b == "M0089")).any()


def test_initials_compatibility_of_minors():
    assert pairs.initials_compatible(["D", "A", "Q"], ["DAVID", "ATEQUIPA", "QUISPE"])
    assert pairs.initials_compatible(["ELMER", "Z", "L", "H"], ["ELMER", "LEONARDO", "HUANCA"])
    assert pairs.initials_compatible(["R", "P", "M"], ["R", "P", "M", "LL"])
    # NOTES.md: R.P.M.L. does not fit "Robert Pablo Medina Yanquerhuay"
    assert not pairs.initials_compatible(["R", "P", "M", "L"], ["ROBERT", "PABLO", "MEDINA", "YANQUERHUAY"])
    assert not pairs.initials_compatible(["C", "M", "R", "L"], ["CRISTOFER", "RAMOS", "AIME"])


def test_union_find_transitivity_and_stable_ids_under_shuffle():
    # A~B (full), B~C (full), A and C alone would fall below threshold
    rows = [row("M0040", "s1", "XAVIER CANDAMO DASILVA", dep="04"),
            row("M0132", "s2", "XAVIER CANDAMO DA SILVA", dep="04"),
            row("M0261", "s3", "XAVIER CANDAMO", dep="04")]
    ml, _, _ = run(rows)
    assert ml["victim_id"].nunique() == 1 and ml["victim_id"].iloc[0] == "V0040"
    a, _, _ = run(REAL)
    b, _, _ = run(list(reversed(REAL)))
    assert a["victim_id"].sort_index().equals(b["victim_id"].sort_index())


def test_retraction_removes_person_and_is_logged():
    rows = [row("M0094", "peruweek_correo_20221212", "JHONATAN LLOCLLA LOAYZA", 26, "03"),
            row("M0106", "laopinion_efe_20221214", "JONATHAN LLOCLLA LOAYZA", dep=None,
                retraction="La presunta persona fallecida no existe (RENIEC)"),
            row("M0003", "servindi_20221226", "R P M L", 16, "03")]
    ml, _, log = run(rows)
    assert ml.loc["M0094", "link_status"] == ml.loc["M0106", "link_status"] == "retracted"
    assert ml.loc["M0003", "link_status"] == "linked"
    assert len(ml) == 3  # nothing dropped
    retr = log.of_kind("retraction")
    assert len(retr) == 1 and "M0094" in retr[0]["ref"] and "RENIEC" in retr[0]["detail"]


def test_manual_link_overrides_conflicting_initials_and_is_logged():
    rows = [row("M0003", "servindi_20221226", "R P M L", 16, "03"),
            row("M0092", "peruweek_correo_20221212", "ROBERT PABLO MEDINA YANQUERHUAY", 16, "03")]
    ml, _, _ = run(rows)
    assert ml.loc["M0003", "victim_id"] != ml.loc["M0092", "victim_id"]
    ml, rep, log = run(rows, manual_links=[("M0092", "M0003", "same minor per NOTES.md")])
    assert ml.loc["M0003", "victim_id"] == ml.loc["M0092", "victim_id"] == "V0003"
    assert any("M0092 -> M0003" in e["detail"] for e in log.of_kind("override"))
    assert "manual" in set(rep["kind"])


def test_cannot_link_and_unattributed():
    ml, rep, _ = run(REAL[:2], cannot_link=[("M0001", "M0022", "test")])
    assert ml.loc["M0001", "victim_id"] != ml.loc["M0022", "victim_id"]
    assert "cannot-link" in rep["reason"].iloc[0]
    unnamed = row("M0221", "pachamama_juliaca", None, 19, "21")
    ml, _, log = run(REAL[:1] + [unnamed])
    assert ml.loc["M0221", "link_status"] == "unattributed" and pd.isna(ml.loc["M0221", "victim_id"])
    assert log.of_kind("unattributed")[0]["ref"] == "M0221"


def test_group_statements_are_not_linkage_evidence():
    a, b = dict(zip(COLS, REAL[3])), dict(zip(COLS, REAL[5]))
    base = pairs.score_pair(a, b)
    a2 = {**a, "cause": "firearm_projectile", "force": "army", "group_attribution": True}
    b2 = {**b, "cause": "firearm_projectile", "force": "army", "group_attribution": True}
    again = pairs.score_pair(a2, b2)
    assert (base.score, base.accept, base.reason) == (again.score, again.accept, again.reason)


def test_manual_table_refers_to_real_mentions():
    from analysis import paths
    raw = pd.read_csv(paths.RAW / "casualties" / "mentions.csv", dtype=str, keep_default_na=False)
    ids = set(raw["mention_id"])
    for mid, anchor, why in link.load_manual_links():
        assert mid in ids and anchor in ids and why
    assert set(link.load_manual_unattributed()) <= ids


def test_assign_events_by_department_and_date():
    from analysis.register import events as events_mod, hand, sources
    from analysis import paths
    from analysis.steplog import StepLog
    events = events_mod.build(sources.read_events(paths.RAW / "context" / "events.csv"), hand.read("events"),
                              sources.read_sources(paths.RAW / "casualties" / "sources.csv"), StepLog())
    df = frame([row("M0089", "x", "A B", death="2022-12-17"), row("M0999", "y", "A B", dep="21", death="2023-02-20"),
                row("M0998", "z", "A B", dep=None)])
    df["context"] = "clash"
    ev = events_mod.assign(df, events)
    assert ev.iloc[0] == "E05"       # Ayacucho 15 Dec; a death two days later is within the tolerance
    assert pd.isna(ev.iloc[1]) and pd.isna(ev.iloc[2])
    df["context"] = "blockade"       # a blockade death never joins a clash event
    assert events_mod.assign(df, events).isna().all()


def test_manual_tables_name_real_mentions():
    """The manual decision tables may only cite mention ids present in the raw mentions.csv (typo guard, since
    link() skips, with a log entry, manual links whose mentions a source selection removed)."""
    from analysis.register import link, sources
    from analysis import paths
    raw = set(sources.read_mentions(paths.RAW / "casualties/mentions.csv")["mention_id"])
    cited = {x for mid, anchor, _ in link.load_manual_links() for x in (mid, anchor)}
    cited |= {p for p, _ in link.load_manual_persons()} | set(link.load_manual_unattributed())
    cited |= {x for p, q, _ in link.load_cannot_link() for x in (p, q)}
    assert cited <= raw, sorted(cited - raw)
