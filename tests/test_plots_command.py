"""The chain-of-command timeline figure: the data behind it against independent counts, panel content, bad input."""
import datetime as dt

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.report.plots import command as P  # noqa: E402

D = dt.date
WS, WE = D(2023, 1, 1), D(2023, 1, 31)
ROLES = ["President", "Minister of the Interior"]
FORCES = ["police", "army", "both", "unknown", "not_applicable"]


def deaths():
    deps = ["Puno"] * 5 + ["Cusco"] * 3 + ["Lima"] * 2 + ["Ica", "Tacna", "Junín", "Apurímac", "Ayacucho", ""]
    days = [D(2023, 1, 9)] * 4 + [D(2023, 1, 10), D(2023, 1, 11), D(2023, 1, 11), D(2023, 1, 20), D(2023, 1, 28),
                                  D(2023, 1, 28)] + [D(2023, 1, 15 + i) for i in range(6)]
    force = ["police", "army"] * 8
    return pd.DataFrame({"victim_id": [f"V{i:02d}" for i in range(16)], "lo": days, "hi": days, "day": days,
                         "department": deps, "province": "", "district": "", "event_id": "", "context": "clash",
                         "force": force})


def with_uncertain():
    """deaths() plus two Puno deaths known only within 9-10 Jan and one Cusco death within 20-22 Jan."""
    extra = pd.DataFrame({"victim_id": ["U1", "U2", "U3"], "lo": [D(2023, 1, 9), D(2023, 1, 9), D(2023, 1, 20)],
                          "hi": [D(2023, 1, 10), D(2023, 1, 10), D(2023, 1, 22)], "day": [None] * 3,
                          "department": ["Puno", "Puno", "Cusco"], "province": "", "district": "", "event_id": "",
                          "context": "clash", "force": ["police", "police", "army"]})
    return pd.concat([deaths(), extra], ignore_index=True)


def tenures():
    rec = [("President", "Ana Pérez", "A. Pérez", D(2022, 12, 7), D(2022, 12, 7), None, None),
           ("Minister of the Interior", "Juan Ruiz", "J. Ruiz", D(2022, 12, 10), D(2022, 12, 10),
            D(2023, 1, 13), D(2023, 1, 15)),
           ("Minister of the Interior", "Luis Soto", "L. Soto", D(2023, 1, 15), D(2023, 1, 15), None, None)]
    return pd.DataFrame([{"role": r, "person": p, "short_name": s, "start_earliest": a, "start_latest": b,
                          "end_earliest": c, "end_latest": d, "open": c is None} for r, p, s, a, b, c, d in rec])


def statements():
    rec = [(4, "President", "Ana Pérez", D(2023, 1, 10), D(2023, 1, 10)),
           (7, "PNP Commander General", "Raúl Alfaro", D(2023, 1, 11), D(2023, 1, 12))]
    return pd.DataFrame([{"row": r, "role": ro, "holder": h, "date_earliest": a, "date_latest": b}
                         for r, ro, h, a, b in rec])


def measures():
    rec = [("SoE-1", "state of emergency", "national", "", "", D(2022, 12, 14), D(2022, 12, 14), D(2023, 1, 13),
            D(2023, 1, 13)),
           ("SoE-2", "state of emergency", "province", "Puno", "El Collao", D(2023, 1, 5), D(2023, 1, 6),
            D(2023, 2, 4), D(2023, 2, 4)),
           ("Curfew-1", "curfew", "department", "Puno", "Puno", D(2023, 1, 10), D(2023, 1, 10), D(2023, 1, 13),
            D(2023, 1, 13))]
    return pd.DataFrame([{"measure_id": i, "measure": m, "level": lv, "department": dep, "place": pl,
                          "start_earliest": a, "start_latest": b, "end_earliest": c, "end_latest": d}
                         for i, m, lv, dep, pl, a, b, c, d in rec])


@pytest.fixture(scope="module")
def drawn():
    fig, data = P.timeline_figure(deaths(), tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
    yield fig, data
    plt.close(fig)


def test_department_groups_keep_seven_largest_and_pool_the_rest():
    labels, groups = P.department_groups(deaths())
    # Puno 5, Cusco 3, Lima 2, then six departments (one unknown) with 1 each: the first four of them in row
    # order fill the seven places (Ica, Tacna, Junín, Apurímac) and are listed by name
    assert labels == ["Puno", "Cusco", "Lima", "Apurímac", "Ica", "Junín", "Tacna", "other departments"]
    assert sorted(groups[groups == "other departments"].index) == [14, 15]  # Ayacucho and the unknown department
    assert (groups[:5] == "Puno").all()
    assert P.department_groups(deaths().head(8))[0] == ["Puno", "Cusco"]  # no 'other' when nothing is pooled
    unknown_first = deaths().assign(department=[""] * 6 + ["Puno"] * 10)
    assert P.department_groups(unknown_first)[0][:2] == ["Puno", "department unknown"]


def test_bar_panels_data_equals_an_independent_groupby(drawn):
    _, data = drawn
    d = deaths()
    words = {"police": "police", "army": "army"}
    by_force = d.groupby(["force", "day"]).size()
    a = data[data.panel == P.PANEL_A]
    assert set(data[data.panel.isin([P.PANEL_A, P.PANEL_B])].series) == {"day known"}
    assert a.set_index(["row", "start"]).value.to_dict() == {(words[f], k): int(v) for (f, k), v in by_force.items()}
    assert (a.row == a.force).all() and a.value.sum() == len(d)
    b = data[data.panel == P.PANEL_B]
    assert b.value.sum() == len(d)  # every death in one department row
    assert b[b.row == "Puno"].groupby("start").value.sum().to_dict() == {D(2023, 1, 9): 4, D(2023, 1, 10): 1}
    by_dep_force = d.groupby([P.department_groups(d)[1], d.force]).size()
    assert b.groupby(["row", "force"]).value.sum().to_dict() == {(g, words[f]): int(v)
                                                                 for (g, f), v in by_dep_force.items()}
    assert (a.start == a.end).all() and (b.start == b.end).all()


def test_interval_panels_list_every_tenure_statement_and_measure(drawn):
    _, data = drawn
    ten = data[data.panel == "tenure"]
    assert ten.series.tolist() == ["Ana Pérez", "Juan Ruiz", "Luis Soto"]
    assert ten.end.tolist()[1] == D(2023, 1, 15) and pd.isna(ten.end.tolist()[0])  # latest end; open = empty
    st = data[data.panel == "statement"]
    assert st.row.tolist() == ["President", "PNP Commander General"]
    em = data[data.panel == "emergency"]
    assert em.series.tolist() == ["SoE-1", "SoE-2", "Curfew-1"]
    assert em.row.tolist() == ["national", "El Collao", "Puno"]  # national measure has no place: its area label


def test_title_states_scope_and_n_and_caption_counts_unknowns():
    d = deaths().assign(force=["police", "unknown"] * 8)
    fig, _ = P.timeline_figure(d, tenures(), statements(), measures(), ROLES, FORCES, WS, WE, "injury",
                               contexts=["clash"], n_possible=18)
    title = fig.get_suptitle()
    assert "clash with security forces" in title and "date of injury 1 Jan 2023 – 31 Jan 2023" in title
    assert "n = 16 deaths counted (up to 18 possibly in the window)" in title.replace("\n", " ")
    cap = " ".join(t.get_text().replace("\n", " ") for t in fig.texts if t.get_text() != fig.get_suptitle())
    assert "Force unknown: 8 deaths" in cap and "Department unknown: 1 deaths" in cap
    plt.close(fig)


def test_figure_panels_and_series(drawn):
    fig, _ = drawn
    labels = P.department_groups(deaths())[0]
    a, strips, c, d = fig.axes[0], fig.axes[1:1 + len(labels)], fig.axes[-2], fig.axes[-1]
    assert len(fig.axes) == 3 + len(labels)
    assert [t.get_text() for t in a.get_legend().get_texts()] == ["police", "army"]  # forces with a death only
    assert [ax.get_ylabel() for ax in strips] == [f"{lab} ({n})" for lab, n in
                                                  zip(labels, [5, 3, 2, 1, 1, 1, 1, 2])]
    assert len(a.containers) == 2 and len(a.containers[0]) == (WE - WS).days + 1  # one bar per window day
    # one colour, one meaning: the bars of a and b are force colours only
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for ax in (a, *strips) for p in ax.patches}
    assert colours <= {matplotlib.colors.to_hex(P.FORCE_COLOURS[f]) for f in ("police", "army")}
    # a statement by a role not shown goes on an extra 'other roles' row
    assert [t.get_text() for t in c.get_yticklabels()] == ROLES + ["other roles: PNP Commander General"]
    assert len(c.get_lines()) == 2 and {t.get_text() for t in c.texts} == {"A. Pérez", "J. Ruiz", "L. Soto"}
    assert [t.get_text() for t in d.get_yticklabels()] == ["national", "Puno"]
    assert P.emergency_areas(measures()) == ["national", "Puno"]
    assert "2023" in d.get_xticklabels()[0].get_text()


def test_holder_names_never_overlap():
    """Four holders in a row, each two days long: their names cannot fit in their bars and go to lanes below."""
    short = pd.DataFrame([{"role": "President", "person": f"Person Number {i}", "short_name": f"Person Number {i}",
                           "start_earliest": D(2023, 1, 2 + 2 * i), "start_latest": D(2023, 1, 2 + 2 * i),
                           "end_earliest": D(2023, 1, 4 + 2 * i), "end_latest": D(2023, 1, 4 + 2 * i),
                           "open": False} for i in range(4)])
    fig, _ = P.timeline_figure(deaths(), short, statements().head(1), measures(), ["President"], FORCES, WS, WE)
    c = fig.axes[-2]
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in c.texts]
    assert len(boxes) == 4
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(4) for j in range(i + 1, 4))
    plt.close(fig)


def test_deaths_with_an_uncertain_day_are_drawn_hatched_not_dropped():
    d = with_uncertain()
    fig, data = P.timeline_figure(d, tenures(), statements(), measures(), ROLES, FORCES, WS, WE, "injury")
    b = data[data.panel == P.PANEL_B]
    assert b.value.sum() == len(d)  # every death is drawn
    unsure = b[b.series == "day uncertain"].set_index(["row", "start", "end"]).value.to_dict()
    assert unsure == {("Puno", D(2023, 1, 9), D(2023, 1, 10)): 2, ("Cusco", D(2023, 1, 20), D(2023, 1, 22)): 1}
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch() == P.HATCH and p.get_height() > 0]
    assert sorted(p.get_height() for p in hatched) == [1, 2]  # police 9 Jan (2), army 20 Jan (1)
    assert "(date of injury)" in ax.get_ylabel()
    assert P.uncertain_counts(d, ["Puno"], d.department, [D(2023, 1, 9)])["Puno"].tolist() == [2]
    plt.close(fig)


def test_uncertain_end_is_hatched():
    fig, _ = P.timeline_figure(deaths(), tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
    c = fig.axes[-2]
    hatched = [p for p in c.patches if p.get_hatch() == P.HATCH]
    assert len(hatched) == 1  # Ruiz's first day out is 13..15 Jan
    assert hatched[0].get_width() == pytest.approx(2.0)  # two days, in matplotlib date units
    plt.close(fig)


def test_measure_style():
    m = measures().assign(level=["national", "province", "department"])
    styles = [P.measure_style(r) for r in m.itertuples()]
    assert styles == [(P.SOE_WHOLE, 0.4), (P.SOE_PART, 0.22), (P.CURFEW, 0.16)]
    assert not {P.SOE_WHOLE, P.SOE_PART, P.CURFEW} & set(P.FORCE_COLOURS.values())


def test_bad_input_rejected():
    late = deaths().assign(hi=[D(2023, 2, 1)] + [D(2023, 1, 9)] * 15)
    with pytest.raises(ValueError, match="V00"):
        P.timeline_figure(late, tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
    undated = deaths().assign(lo=[None] + [D(2023, 1, 9)] * 15)
    with pytest.raises(ValueError, match="outside"):
        P.timeline_figure(undated, tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
    with pytest.raises(ValueError, match="force"):
        P.timeline_figure(deaths().drop(columns="force"), tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
    with pytest.raises(ValueError, match="navy"):
        P.timeline_figure(deaths().assign(force="navy"), tenures(), statements(), measures(), ROLES, FORCES, WS, WE)
