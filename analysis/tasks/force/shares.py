"""Who is counted, and sections 1-3: the shares of cause of death, wound site and force deployed, each with its exact
interval and its denominator stated, and the figure of the three."""
from analysis.register.scope import select
from analysis.report import text
from analysis.report.plots import force as plots
from analysis.stats import force as F
from analysis.stats.force import Share
from analysis.tasks.base import Figure, Result

UNCERTAIN_COLUMNS = ["victim_id", "department", "event_id", "date_death_min", "date_death_max", "cause", "wound",
                     "force"]


def pct(x) -> str:
    """A share as a whole percentage, 'undefined' without a denominator (how this notebook prints shares)."""
    return text.pct(x, 0, missing="undefined", unit="%")


def record_share(numbers, name: str, s: Share, definition: str) -> None:
    """A share with its exact interval, and its k and n, so the denominator is never implicit."""
    numbers.add(f"{name}.share", s.value, unit="proportion", interval=(s.low, s.high),
                definition=f"{definition}; denominator: {s.denominator}")
    numbers.add(f"{name}.k", s.k, unit="person", definition=f"numerator of {name}.share")
    numbers.add(f"{name}.n", s.n, unit="person", definition=f"denominator of {name}.share: {s.denominator}")


def add(spec, inputs, result: Result) -> None:
    scope(spec, inputs, result)
    victims = select(inputs.register, spec.scope).count
    N, conf, alpha = result.numbers, spec.conf, spec.alpha
    what = {"cause": "whose cause of death was", "wound": None, "force": "where the force deployed was"}
    tables = {}
    for field, stem in (("cause", "force_cause_shares"), ("wound", "force_wound_site_shares"),
                        ("force", "force_force_shares")):
        tables[field] = result.tables[stem] = F.proportions(victims, field, alpha=alpha)
        if what[field]:  # wound sites are summarised by the upper-body share instead
            for row in tables[field].itertuples():
                record_share(N, f"{field}.{row.label}", F.share(row.k, row.n, row.label, row.denominator, alpha),
                             f"share of persons {what[field]} {row.label}")
    upper = F.site_share(victims, alpha=alpha)
    record_share(N, "upper_body", upper, "share of persons with a fatal wound to head, neck or thorax")
    N.add("cause.unknown", int(tables["cause"]["n_excluded"].iloc[0]), unit="person",
          definition="persons in scope whose cause of death is unknown (excluded from cause shares)")
    N.add("wound.excluded", int(tables["wound"]["n_excluded"].iloc[0]), unit="person",
          definition="persons in scope with unknown or not-applicable wound site (excluded from site shares)")
    N.add("force.excluded", int(tables["force"]["n_excluded"].iloc[0]), unit="person",
          definition="persons in scope with unknown or not-applicable force (excluded from force shares)")
    result.figures["force_shares_with_intervals"] = Figure(*plots.shares_with_intervals(
        [("cause", tables["cause"]), ("wound site", tables["wound"]), ("force", tables["force"])], conf,
        scope_label=spec.scope.describe()))
    result.values["text"] |= prose(tables, upper, N, conf)


def scope(spec, inputs, result: Result) -> None:
    """Who is counted: the certain persons, bounded by the possible ones; the uncertain ones listed."""
    N = result.numbers
    sel = select(inputs.register, spec.scope)
    n = N.add("persons", len(sel.count), unit="person", definition=f"persons counted: {spec.scope.describe()}")
    n_possible = N.add("persons_possible", len(sel.possible), unit="person",
                       definition="persons in the selected contexts whose date-of-death interval overlaps the window "
                                  "(upper bound of the count)")
    result.values["uncertain"] = sel.uncertain[UNCERTAIN_COLUMNS] if len(sel.uncertain) else None
    names = ", ".join(inputs.majority["department"])
    result.values["text"] = {
        "majority": f"Majority-Indigenous departments, as notebook 04 classified them: **{names or 'none'}** "
                    f"({len(inputs.majority)} of {len(F.DEPARTMENT_CODES)} units).",
        "scope": f"In scope are **{len(sel.certain)}** persons certainly and up to **{n_possible}** possibly "
                 f"(contexts: {', '.join(spec.contexts)}; deaths from {spec.start_date} to {spec.cutoff_date}; a "
                 "person is possibly in the window when the interval of their date of death overlaps it without "
                 f"lying inside it). The shares below count the {spec.date_policy} persons, **{n}**."}


def prose(tables: dict, upper: Share, N, conf: int) -> dict:
    """The sentences of sections 1-3."""
    causes = tables["cause"].set_index("label")
    fp, pel = causes.loc["firearm_projectile"], causes.loc["pellets"]
    fs = tables["force"].set_index("label")
    return {
        "cause": f"Of the **{int(fp.n)}** persons whose cause of death is known, **{int(fp.k)}** ({pct(fp.share)}; "
                 f"{conf}% interval {pct(fp.ci_low)}–{pct(fp.ci_high)}) were killed by a firearm projectile and "
                 f"**{int(pel.k)}** ({pct(pel.share)}; {pct(pel.ci_low)}–{pct(pel.ci_high)}) by pellets. For "
                 f"**{N.get('cause.unknown')}** persons the cause is unknown.",
        "wound": f"Among the **{upper.n}** persons whose wound site is known, **{upper.k}** ({pct(upper.value)}; "
                 f"{conf}% interval {pct(upper.low)}–{pct(upper.high)}) were hit in the head, neck or thorax. The "
                 f"site is unknown or not applicable for **{N.get('wound.excluded')}** persons, who are not in this "
                 "denominator.",
        "force": f"Among the **{int(fs.loc['police', 'n'])}** persons for whom the sources name the force deployed, "
                 f"the police alone was deployed for **{int(fs.loc['police', 'k'])}** "
                 f"({pct(fs.loc['police', 'share'])}), the army alone for **{int(fs.loc['army', 'k'])}** and both "
                 f"for **{int(fs.loc['both', 'k'])}**; the force is unknown or not applicable for "
                 f"{N.get('force.excluded')}."}
