"""The sentences task 04 composes from its results (the notebook's f-strings hold the rest), and the labels they use.
Numbers are formatted by analysis.report.text."""
from analysis.report.text import pval

ECOLOGICAL_CAVEAT = (
    "Ecological-inference caveat: these figures compare departments, not people. A department's Indigenous share "
    "describes the composition of its whole population (census 2017); it says nothing about the ethnicity of the "
    "persons killed there, which no source records systematically. 'Most deaths occurred in majority-Indigenous "
    "departments' does not establish that most victims were Indigenous, nor that ethnicity (rather than where and "
    "how protests were policed, poverty, rurality or protest intensity, which vary with it across departments) "
    "explains the difference. Inferring individual-level relations from group-level data is the ecological fallacy "
    "(Robinson 1950)."
)

# The rate models of analysis.stats.ethnic.rate_models, named for definitions and prose.
MODEL_LABELS = {"share_published": "published Indigenous share (per 10 points)",
                "share_low": "Indigenous share at the lower end of its bounds (per 10 points)",
                "share_high": "Indigenous share at the upper end of its bounds (per 10 points)",
                "status": "majority vs not majority"}


def describe_models(models: dict) -> str:
    """One markdown bullet per rate model: its estimate and coverage, or why it was not fitted."""
    lines = []
    for name, m in models.items():
        what = MODEL_LABELS[name]
        if not m["fitted"]:
            lines.append(f"* **{what}**: not fitted — {m['reason']} ({m['n_units']} of {m['n_units_total']} units).")
            continue
        lines.append(
            f"* **{what}**: rate ratio **{m['rate_ratio']:.2f}** (95 % CI {m['rate_ratio_low']:.2f}–"
            f"{m['rate_ratio_high']:.2f}, model-based Poisson p {pval(m['p_value'], 4)}: persons as independent "
            f"draws, descriptive); dispersion {m['dispersion']:.1f}, quasi-Poisson p "
            f"**{pval(m['quasi_p_value'], 4)}**. Coverage: {m['n_units']} of {m['n_units_total']} units "
            f"({m['deaths_used']} deaths): {', '.join(m['units'])}.")
    return "\n".join(lines)


def headline_methods(results, head) -> str:
    """Which method gives the headline p-value and which the headline interval (one clause when they agree)."""
    label_of = {r.method: r.label for r in results}
    if head.p_method == head.interval_method:
        return f"the **{label_of[head.p_method]}** gives both the largest defensible p-value and the widest interval"
    return (f"the largest defensible p-value comes from the **{label_of[head.p_method]}** and the widest interval "
            f"from the **{label_of[head.interval_method]}**")


def permutation_how(perm) -> str:
    """How the permutation p-value was obtained: every arrangement, or a seeded sample of them."""
    if perm.method == "exact enumeration":
        return f"all {perm.n_arrangements:,} arrangements enumerated"
    return f"{perm.n_evaluated:,} random arrangements, seed {perm.seed}"
