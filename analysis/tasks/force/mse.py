"""Section 7: why the deaths need no multiple-systems estimation (the register agrees with the official national
counts and nearly every person is named by several sources), and where it would matter (the injured)."""
from analysis.register.scope import select
from analysis.report import text
from analysis.stats import force as F
from analysis.tasks.base import Result


def add(spec, inputs, result: Result) -> None:
    N, scope = result.numbers, spec.scope
    official = F.official_national(inputs.reconciliation, spec.contexts, spec.cutoff_date)
    src = F.sources_per_person(select(inputs.register, scope).count)
    N.add("mse.median_sources", src["median_sources"], unit="count",
          definition=f"median number of distinct sources per identified person counted ({scope.describe()}); "
                     "victims.n_sources")
    N.add("mse.single_source", src["single_source"], unit="person",
          definition="identified persons counted who rest on a single source")
    N.add("mse.identified", src["identified"], unit="person",
          definition="identified persons counted (base of mse.median_sources)")
    parts = []
    for r in official.itertuples():
        N.add(f"mse.official.{r.category}.count", r.count, unit="person",
              definition=f"latest official national count of {r.category} deaths dated on or before "
                         f"{spec.cutoff_date} ({r.count_id}, as of {r.as_of})")
        N.add(f"mse.official.{r.category}.register", r.total_certain, unit="person",
              definition=f"persons in the register certainly covered by {r.count_id} (up to {r.total_possible} "
                         "possibly)")
        bound = f", up to {r.total_possible} possibly" if r.total_possible != r.total_certain else ""
        parts.append(f"{r.count} {r.category} deaths as of {r.as_of} against {r.total_certain} in the register"
                     f"{bound} (the count holds: {r.holds})")
    result.values["official"] = official
    result.values["text"]["mse"] = (
        "The Ombudsman's latest national count" + ("s" if len(parts) > 1 else "") + " before the cut-off: "
        + ("; ".join(parts) if parts else "none for these contexts") + ". "
        f"The {src['identified']} identified persons counted here are named or described by a median of "
        f"**{text.num(src['median_sources'], 1)}** distinct sources each; only {src['single_source']} rest on a "
        f"single source ({src['unidentified']} further persons come from published counts without a name and are "
        "placed by those counts, see notebook 01).\n\n"
        f"**Where it would matter: the injured.** MINSA alone attended {result.values['minsa_attended']} persons in "
        "two partial windows, and no list names them: MINSA's snapshots and the national totals published by other "
        "offices differ by source and date and mix civilians and police (section 6). There, several named lists of "
        "the injured (hospitals, the Ombudsman, human-rights organisations, prosecutors) matched person by person "
        "would let multiple-systems estimation say how many injured no list caught, and the lethality index would "
        "then rest on an estimated total rather than on one ministry's snapshots.")
