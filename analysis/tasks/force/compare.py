"""Section 4: group comparisons, each a 2×2 table (group named first / comparison group × outcome yes / no), with the
odds ratio and its exact conditional interval, Fisher's p and the minimum detectable difference."""
import math

from analysis.register.scope import select
from analysis.report import text
from analysis.report.plots import force as plots
from analysis.stats import force as F
from analysis.stats import force_compare as C
from analysis.tasks.base import Figure, Result
from analysis.tasks.force.shares import pct, record_share

# (group, outcome) pairs compared, in the notebook's order
PAIRS = (("indigenous", "upper_body"), ("lima", "upper_body"), ("army", "upper_body"), ("army", "firearm"))
OUTCOMES = {"upper_body": "Wound to head, neck or thorax", "firearm": "Killed by a firearm projectile"}


def specs(spec, victims, majority) -> list:
    """(key, group, outcome, labels, outcome label) of each comparison, as force_compare.compare_all takes them."""
    groups = {
        "indigenous": (F.department_group(victims, majority), ("majority-Indigenous departments", "other departments")),
        "lima": (F.department_group(victims, spec.lima), ("Lima", "regions")),
        "army": (F.level_group(victims, "force", spec.army_forces, spec.police_forces), ("army deployed",
                                                                                         "police only")),
    }
    outcomes = {"upper_body": F.known_outcome(victims, "wound", F.UPPER_BODY),
                "firearm": F.known_outcome(victims, "cause", ["firearm_projectile"])}
    return [(f"compare.{g}.{o}", groups[g][0], outcomes[o], groups[g][1], OUTCOMES[o]) for g, o in PAIRS]


def add(spec, inputs, result: Result) -> None:
    victims = select(inputs.register, spec.scope).count
    comp = C.compare_all(specs(spec, victims, inputs.majority_codes), alpha=spec.alpha, power=spec.power)
    result.tables["force_group_comparisons"] = comp
    for r in comp.to_dict("records"):
        record(result.numbers, r, spec)
    result.values["comparisons"] = comp.drop(columns=["comparison"])
    result.values["text"]["comparisons"] = "\n".join("- " + sentence(r, r["outcome"], spec.power)
                                                     for r in comp.to_dict("records"))
    title = (f"Group comparisons among persons killed ({', '.join(spec.contexts)}; {spec.start_date} to "
             f"{spec.cutoff_date}; n = {result.number('persons')} {spec.date_policy})\neach comparison on the persons "
             "with known group and outcome")
    result.figures["force_group_comparisons"] = Figure(*plots.group_comparisons(
        F.comparison_groups(comp, spec.alpha), spec.conf, title))


def record(N, r: dict, spec) -> None:
    """One comparison: both shares with their intervals, who was left out, and (when tested) p, odds ratio, MDD."""
    key = r["comparison"]
    for side, prefix in (("in", "in"), ("out", "rest")):
        s = F.share(r[f"{prefix}_k"], r[f"{prefix}_n"], r[f"{prefix}_label"],
                    f"persons in {r[f'{prefix}_label']} with known group and outcome", spec.alpha)
        record_share(N, f"{key}.{side}", s, f"share with outcome '{r['outcome']}' among {s.label}")
    N.add(f"{key}.excluded", r["excluded"], unit="person",
          definition=f"persons left out of {key}: group or outcome unknown")
    N.add(f"{key}.too_small", int(r["status"] == "too_small"), unit="count",
          definition=f"1 if a group of {key} has fewer than {C.MIN_GROUP} persons (then not tested), else 0")
    if r["status"] != "tested":
        return
    what = f"{r['outcome']}: {r['in_label']} vs {r['rest_label']}"
    N.add(f"{key}.p_value", r["p_value"], unit="p-value", p_value=r["p_value"],
          definition=f"Fisher's exact test (two-sided), {what}")
    N.add(f"{key}.odds_ratio", r["odds_ratio"], unit="ratio", interval=(r["or_low"], r["or_high"]),
          definition=f"odds ratio (conditional maximum likelihood) with exact conditional {spec.conf}% interval, "
                     f"{what}")
    N.add(f"{key}.mdd", r["mdd_exact"], unit="proportion",
          definition=f"minimum detectable difference in proportions: Fisher's test at alpha {spec.alpha} detects it "
                     f"with probability {spec.power} at these group sizes and the pooled rate (exact power), {what}")


def sentence(row: dict, what: str, power: float = 0.8) -> str:
    """One line of prose for a comparison row: shares, odds ratio with interval, p, MDD, or why not tested."""
    head = (f"{what}: {row['in_k']} of {row['in_n']} ({pct(row['in_share'])}) in {row['in_label']} vs "
            f"{row['rest_k']} of {row['rest_n']} ({pct(row['rest_share'])}) in {row['rest_label']}")
    if row["status"] == "too_small":
        return head + f"; a group has fewer than {C.MIN_GROUP} persons, so it is not compared."
    mdd = row["mdd_exact"] if not math.isnan(row["mdd_exact"]) else row["mdd_normal"]
    often = f"{text.pct(power, 0, unit='%')} of the time"
    mdd_txt = (f"only a difference of about {text.num(100 * mdd, 0)} percentage points or more would be detected "
               f"{often}" if not math.isnan(mdd) else f"no difference in proportions would be detected {often}")
    odds = lambda x: text.num(x, 2, thousands=False)  # noqa: E731
    inf_txt = ("; every person of one group had the outcome, or none did, so an odds is 0 or ∞ and the interval "
               "is open-ended" if row["odds_ratio"] in (0, math.inf) else "")
    return (head + f"; odds ratio {odds(row['odds_ratio'])} (exact interval {odds(row['or_low'])}–"
            f"{odds(row['or_high'])}{inf_txt}), Fisher's p = {text.num(row['p_value'], 2)}; at these group sizes "
            f"{mdd_txt} ({row['excluded']} persons with unknown group or outcome left out).")
