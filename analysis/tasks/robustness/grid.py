"""The multiverse's grid: its dimensions and choices (DEFAULT_GRID, overridable by params/sweep.yaml), what each
means in words, and the specifications it expands to (one per combination of the dimensions a finding uses).

Also the missing-data edges reported beside the grid (BOUNDS) and the words for every choice (choice_labels), which
the tables, the figures and notebook 08 share.
"""
import itertools
import re

import pandas as pd

from analysis import paths
from analysis.register import scope as S
from analysis.stats import ethnic as E

CALLAO, LIMA = "07", "15"
CAPITAL = (LIMA, CALLAO)
ALL_CONTEXTS = E.CONTEXTS
EVENT_RULE = re.compile(r"^events>=(\d+)$")  # "events>=5": every event with at least 5 persons in victims.csv
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALPHA = 0.05
POPULATION = "pop_census_2017_persons"

# Inference methods of the `model` dimension (all defensible: event- or department-level, small-sample valid).
MODELS = ("sign_flip", "event_binomial", "wild_cluster", "cluster_t", "quasi_poisson", "negbin_lr", "randomisation")
NAIVE = "exact_conditional"  # person-level exact test: a labelled naive reference beside the grid, never a choice

# Dimension -> choices, in display order (the first choice of each dimension is its reference choice).
DEFAULT_GRID = {
    "deaths": ["clash", "all"],                  # which deaths count: clashes with security forces, or every context
    "date_policy": ["certain", "possible"],      # count the persons certainly in the window, or possibly in it
    "cutoff": ["2023-03-31", "2023-02-16", "2023-01-31"],  # date of death on or before
    "exclude_event": ["none", "events>=5"],      # drop one mass-casualty event's persons
    "measure": ["selfid", "mothertongue"],       # Indigenous measure (census 2017)
    "threshold": [50.0, 40.0, 60.0],             # "majority" = share above this percentage
    "model": list(MODELS),                       # inference method of the decision
}
SELECTION_DIMS = ("deaths", "date_policy", "cutoff", "exclude_event")
FINDING_DIMS = {"ethnic": (*SELECTION_DIMS, "measure", "threshold", "model"),
                "regional": (*SELECTION_DIMS, "model")}
FINDINGS = tuple(FINDING_DIMS)
SPEC_PREFIX = {"ethnic": "E", "regional": "R"}
VALID = {  # closed sets; cutoff (ISO date), threshold (number) and exclude_event (data-dependent) are checked apart
    "deaths": ("clash", "all"),
    "date_policy": S.POLICIES,
    "measure": tuple(sorted(E.MEASURES)),
    "model": MODELS,
}
NOT_CHOICES = {
    "unknown_units": "departments whose Indigenous status is unknown are missing data, not an analytic choice: "
                     "their two edges are reported as bounds beside the grid (robustness_bounds.csv)",
    "undated": "the date policy (certain / possible persons) replaced it",
}

# Missing-data edges reported beside the grid: finding -> (edge, meaning), lower edge first.
BOUNDS = {
    "ethnic": (("unknown_outside", "every department of unknown status, and every death with no department, "
                                   "counted as not majority-Indigenous"),
               ("unknown_inside", "every department of unknown status, and every death with no department, "
                                  "counted as majority-Indigenous")),
    "regional": (("no_department_capital", "every death with no department counted in Lima + Callao"),
                 ("no_department_regions", "every death with no department counted in the regions")),
}

FINDING_MEANING = {
    "ethnic": "death rate of the majority-Indigenous departments against the other departments of known status",
    "regional": "death rate of the regions (every department but Lima and Callao) against Lima + Callao",
}
HOLDS_RULE = "rate ratio above 1 and p < alpha under the specification's inference method (two-sided)"

DIMENSION_LABELS = {"deaths": "deaths counted", "date_policy": "date policy", "cutoff": "cut-off",
                    "exclude_event": "event left out", "measure": "Indigenous measure",
                    "threshold": "majority threshold", "model": "inference method"}
DIMENSION_MEANING = {
    "deaths": "which deaths count: clashes with security forces only, or every context (blockades, the police "
              "officer, ...)",
    "date_policy": "count the persons whose date of death certainly lies on or before the cut-off, or also those "
                   "whose date interval only possibly does",
    "cutoff": "deaths on or before this date",
    "exclude_event": "leave out every person killed in one mass-casualty event (each event with at least 5 deaths "
                     "in turn)",
    "measure": "what makes a department Indigenous: ethnic self-identification or mother tongue (census 2017)",
    "threshold": "a department is majority-Indigenous when its share is above this percentage",
    "model": "how the decision is tested: at the level of lethal events or departments, never persons",
}
MODEL_LABELS = {
    "sign_flip": "sign-flip score test by event",
    "event_binomial": "exact binomial test on lethal events",
    "wild_cluster": "wild cluster bootstrap by event",
    "cluster_t": "errors clustered by event, t(G-1)",
    "quasi_poisson": "quasi-Poisson, t(D-2)",
    "negbin_lr": "negative binomial, likelihood ratio",
    "randomisation": "randomisation over departments",
    NAIVE: "person-level exact test (naive)",
}
MODEL_MEANING = {
    "sign_flip": "exact: flips the sign of each lethal event's contribution (every one of the 2^G ways when G <= "
                 "16); interval by test inversion",
    "event_binomial": "exact: lethal events in the group against its population share (each event placed in the "
                      "department of most of its dead); estimate and interval are for the rate of lethal events",
    "wild_cluster": "resamples whole events with random weights under the null (Rademacher, every one when "
                    "G <= 14); interval by test inversion",
    "cluster_t": "Poisson estimate, errors summed within events, t with G-1 degrees of freedom",
    "quasi_poisson": "Poisson estimate, errors scaled by the departments' extra variation, t with D-2 degrees "
                     "of freedom",
    "negbin_lr": "negative binomial model of department counts, likelihood-ratio test and profile interval",
    "randomisation": "exact: re-places the group label among the departments (no interval)",
}


class SweepParamError(ValueError):
    """A sweep parameter file that names an unknown dimension or choice."""



# ---- grid -------------------------------------------------------------------------------------------------------

def design_dims(finding: str) -> list:
    """The dimensions that fix a finding's designs (the model only picks the method run on them)."""
    return list(SELECTION_DIMS) + (["measure", "threshold"] if finding == "ethnic" else [])


def load_grid(path=None) -> tuple[dict, dict]:
    """(grid, settings) from DEFAULT_GRID overridden by the YAML file `path` (None: defaults only).

    File format: `grid: {dimension: [choices]}` (dimensions not given keep their defaults) and optionally
    `alpha: 0.05`. An unknown dimension or choice is an error listing the valid ones; a missing-data edge
    (unknown_units) is refused with the reason.
    """
    grid = {k: list(v) for k, v in DEFAULT_GRID.items()}
    settings = {"alpha": ALPHA}
    if path is None:
        return grid, settings
    from analysis.workflow.params import read_yaml

    data = read_yaml(path)
    extra = sorted(set(data) - {"grid", "alpha"})
    if extra:
        raise SweepParamError(f"{path}: unknown key(s) {extra}; valid keys: ['alpha', 'grid']")
    for dim, choices in (data.get("grid") or {}).items():
        if dim in NOT_CHOICES:
            raise SweepParamError(f"{path}: {dim!r} is not a dimension of the grid: {NOT_CHOICES[dim]}")
        if dim not in grid:
            raise SweepParamError(f"{path}: unknown dimension {dim!r}; valid dimensions: {list(DEFAULT_GRID)}")
        choices = choices if isinstance(choices, list) else [choices]
        if not choices:
            raise SweepParamError(f"{path}: dimension {dim!r} needs at least one choice")
        grid[dim] = choices
    if "alpha" in data:
        settings["alpha"] = float(data["alpha"])
        if not 0 < settings["alpha"] < 1:
            raise SweepParamError(f"{path}: alpha must be in (0, 1), got {data['alpha']!r}")
    check_grid(grid, source=str(path))
    return grid, settings


def check_grid(grid: dict, source: str = "grid") -> dict:
    """Validate every static choice; returns the grid with thresholds as floats and dates as strings."""
    for dim, valid in VALID.items():
        bad = [c for c in grid[dim] if c not in valid]
        if bad:
            hint = (" (the model-based Poisson treats every death as independent: it is reported only as the naive "
                    "reference, never as a choice)" if dim == "model" else "")
            raise SweepParamError(f"{source}: {dim}: unknown choice(s) {bad}; valid choices: {list(valid)}{hint}")
    bad = [c for c in grid["cutoff"] if not (isinstance(c, str) and DATE.match(c))]
    if bad:
        raise SweepParamError(f"{source}: cutoff: invalid choice(s) {bad}; valid choices: ISO dates YYYY-MM-DD")
    for t in grid["threshold"]:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t < 100:
            raise SweepParamError(f"{source}: threshold: invalid choice {t!r}; valid choices: numbers in [0, 100)")
    grid["threshold"] = [float(t) for t in grid["threshold"]]
    for dim, choices in grid.items():
        if len(set(map(str, choices))) != len(choices):
            raise SweepParamError(f"{source}: {dim}: a choice is listed twice: {choices}")
    return grid


def default_params_file():
    """params/sweep.yaml when it exists, else None (the built-in grid)."""
    path = paths.PARAMS / "sweep.yaml"
    return path if path.exists() else None


def event_sizes(victims: pd.DataFrame) -> pd.DataFrame:
    """Persons per event id in the register (every context and date), largest first, then by id."""
    ids = victims["event_id"].astype("string").str.strip()
    sizes = ids[ids.notna() & (ids != "")].value_counts().rename_axis("event_id").reset_index(name="deaths")
    return sizes.sort_values(["deaths", "event_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def event_choices(victims: pd.DataFrame, choices, source: str = "grid") -> list[str]:
    """Expand the exclude_event choices: "none", an event id, or "events>=N" (every event with >= N persons in
    `victims`, largest first, then by id). An id with no person in victims.csv is an error listing the valid ones."""
    sizes = event_sizes(victims)
    valid_ids = sizes["event_id"].tolist()
    out = []
    for c in choices:
        m = EVENT_RULE.match(str(c))
        if m:
            out += sizes.loc[sizes["deaths"] >= int(m.group(1)), "event_id"].tolist()
        elif c == "none" or c in valid_ids:
            out.append(c)
        else:
            raise SweepParamError(f"{source}: exclude_event: unknown choice {c!r}; valid choices: "
                                  f"{['none', 'events>=N', *sorted(valid_ids)]}")
    return list(dict.fromkeys(out))  # a rule and an explicit id may name the same event once


def expand(grid: dict, victims: pd.DataFrame) -> dict:
    """Per finding, the Cartesian product of its dimensions: one row per specification with a stable id
    (E0001, ... for the ethnic finding; R0001, ... for the regional one), in grid order."""
    grid = {**grid, "exclude_event": event_choices(victims, grid["exclude_event"])}
    out = {}
    for finding, dims in FINDING_DIMS.items():
        rows = list(itertools.product(*(grid[d] for d in dims)))
        specs = pd.DataFrame(rows, columns=list(dims))
        width = max(4, len(str(len(specs))))
        specs.insert(0, "spec_id", [f"{SPEC_PREFIX[finding]}{i + 1:0{width}d}" for i in range(len(specs))])
        out[finding] = specs
    return out


# ---- choices in words (tables, figures, notebook 08) --------------------------------------------------------

def label_value(v) -> str:
    """A choice as text: thresholds without trailing zeros (50.0 -> "50"), everything else as is."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def choice_labels(events: pd.DataFrame | None = None) -> dict:
    """{dimension: {choice text: words}} for the figure and tables (event ids named by the register's events)."""
    names = {}
    if events is not None and len(events):
        for r in events.itertuples(index=False):
            short = str(r.label).split(" (")[0].split(",")[0]
            names[str(r.event_id)] = f"without {short} ({r.event_id})"
    months = {"01": "Jan", "02": "Feb", "03": "Mar", "04": "Apr", "05": "May", "06": "Jun", "07": "Jul",
              "08": "Aug", "09": "Sep", "10": "Oct", "11": "Nov", "12": "Dec"}

    def date(s):
        y, m, d = str(s).split("-")
        return f"to {int(d)} {months[m]} {y}"

    return {"deaths": {"clash": "clashes only", "all": "every context"},
            "date_policy": {"certain": "certainly by the cut-off", "possible": "possibly by the cut-off"},
            "cutoff": date, "exclude_event": {"none": "no event left out", **names},
            "measure": {"selfid": "self-identification", "mothertongue": "mother tongue"},
            "threshold": lambda t: f"above {float(t):g} %", "model": MODEL_LABELS}
