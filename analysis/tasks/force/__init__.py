"""Task 05, force used: cause, wound and force by group, lethal-force indicators and the injured (05-force-used).

One module per section of the notebook; each has `add(spec, inputs, result)`, which computes its part, records its
numbers in `result.numbers` and puts its tables, figures and prose in `result`:
  - `shares`: who is counted, and the shares of cause, wound site and force with exact intervals (sections 1-3);
  - `compare`: group comparisons with odds ratios and the minimum detectable difference (section 4);
  - `indicators`: the Monitor's lethal-force indicators over the whole country and by event (section 5);
  - `injured`: MINSA's attended persons by department and the lethality index of groups of departments (section 6);
  - `mse`: why the deaths need no multiple-systems estimation (section 7).
The statistics live in analysis.stats (force, force_compare, injured); the figures in analysis.report.plots.force.
"""
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from analysis.errors import RawDataError, data_row
from analysis.register.scope import Scope, load_register
from analysis.report.figures import apply_style
from analysis.report.numbers import Numbers
from analysis.stats.force import DEPARTMENT_CODES
from analysis.tasks.base import Result, Task

TASK = Task(
    name="force",
    notebook="05-force-used",
    reads=("data/processed/**/*", "outputs/tables/ethnic_classification.csv"),
    writes=("outputs/numbers/force.json", "outputs/figures/force_*", "outputs/tables/force_*.csv"),
    after=("01-register", "04-ethnic-disparity"),
    params={
        "cutoff_date": "2023-03-31",  # last day of the window (date of death)
        "start_date": "2022-12-07",  # first day of the window
        "contexts": ["clash"],  # contexts counted (vocab.CONTEXT codes)
        "date_policy": "certain",  # "certain" or "possible"
        "classification_file": "",  # notebook 04 table; empty means outputs/tables/ethnic_classification.csv
        "lima": ["15"],  # department codes compared with the regions
        "army_forces": ["army", "both"],  # force codes counted as army deployed
        "police_forces": ["police"],  # force codes counted as police only
        "alpha": 0.05,  # significance level of the tests and the minimum detectable difference
        "power": 0.8,  # power of the minimum detectable difference
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)
CLASSIFICATION = "outputs/tables/ethnic_classification.csv"  # notebook 04's table, relative to the project root
FOLDERS = ("processed_dir", "outputs_dir")  # parameters that name folders (analysis.tasks.base.folders), not choices


@dataclass(frozen=True)
class Spec:
    """The analytic choices of one run (TASK.params less the folders), checked."""
    cutoff_date: str
    start_date: str
    contexts: tuple
    date_policy: str
    classification_file: str
    lima: tuple
    army_forces: tuple
    police_forces: tuple
    alpha: float
    power: float

    @property
    def scope(self) -> Scope:
        """Who every share counts: the contexts, deaths dated in the window, certain or possible persons."""
        return Scope(contexts=self.contexts, start=self.start_date, end=self.cutoff_date, policy=self.date_policy)

    @property
    def conf(self) -> int:
        """The confidence level in percent (95 for alpha 0.05), as the prose and figures print it."""
        return int(round((1 - self.alpha) * 100))

    def recorded(self, majority) -> dict:
        """The specification every number carries: the parameters, and the departments read from notebook 04."""
        return {"cutoff_date": self.cutoff_date, "start_date": self.start_date, "contexts": list(self.contexts),
                "date_policy": self.date_policy, "classification_file": self.classification_file or CLASSIFICATION,
                "majority_indigenous": list(majority), "lima": list(self.lima), "army_forces": list(self.army_forces),
                "police_forces": list(self.police_forces), "alpha": self.alpha, "power": self.power}


def spec(**params) -> Spec:
    """A Spec from the notebook's parameters (missing ones take TASK.params' defaults; folders are ignored)."""
    unknown = sorted(set(params) - set(TASK.params))
    if unknown:
        raise ValueError(f"{TASK.notebook}: unknown parameter(s) {unknown}; valid: {sorted(TASK.params)}")
    p = {k: v for k, v in {**TASK.params, **params}.items() if k not in FOLDERS}
    for name in ("alpha", "power"):
        if not 0 < float(p[name]) < 1:
            raise ValueError(f"{TASK.notebook}: {name} must lie strictly between 0 and 1, got {p[name]!r}")
    bad = sorted(set(map(str, p["lima"])) - set(DEPARTMENT_CODES))
    if bad:
        raise ValueError(f"{TASK.notebook}: lima has codes that are not INEI departments 01..25: {bad}")
    s = Spec(**{**p, **{k: tuple(p[k]) for k in ("contexts", "lima", "army_forces", "police_forces")},
                "alpha": float(p["alpha"]), "power": float(p["power"])})
    s.scope  # a bad date, context or policy fails here, before anything is read
    return s


@dataclass(frozen=True)
class Inputs:
    register: pd.DataFrame  # victims, every context and date (sections select from it)
    departments: pd.DataFrame  # with MINSA's attended persons by wave
    events: pd.DataFrame  # with the injured figures printed per event
    reconciliation: pd.DataFrame  # reconciliation_identity.csv: the register against the official counts
    majority: pd.DataFrame  # notebook 04's majority-Indigenous departments (ubigeo_dep, department, status)

    @property
    def majority_codes(self) -> list:
        return list(self.majority["ubigeo_dep"])


def inputs(spec: Spec, processed: Path, outputs: Path) -> Inputs:
    """The register (validated), its reconciliation with the official counts, and notebook 04's classification."""
    tables = load_register(processed)
    recon = pd.read_csv(Path(processed) / "reconciliation_identity.csv", dtype=str, keep_default_na=False)
    classification = (Path(spec.classification_file) if spec.classification_file
                      else Path(outputs) / "tables" / "ethnic_classification.csv")
    return Inputs(tables["victims"], tables["departments"], tables["events"], recon, read_majority(classification))


def run(spec: Spec, inputs: Inputs) -> Result:
    """Every section in the notebook's order; writes nothing (result.write does)."""
    from analysis.tasks.force import compare, indicators, injured, mse, shares
    apply_style()  # the figures' fonts and palette
    result = Result(Numbers(TASK.name, spec=spec.recorded(inputs.majority_codes)))
    for section in (shares, compare, indicators, injured, mse):
        section.add(spec, inputs, result)
    for fig in result.figures.values():
        plt.close(fig.figure)  # shown by the notebook in its section, not all at once where run() is called
    return result


# ---------------------------------------------------------------- values derived by notebook 04
CLASSIFICATION_COLUMNS = ("ubigeo_dep", "department", "status")
CLASSIFICATION_STATUSES = ("majority", "not_majority", "unknown")


def read_majority(path) -> pd.DataFrame:
    """The departments notebook 04 classified as majority-Indigenous: rows of its published classification table
    (ubigeo_dep, department, status) with status 'majority', sorted by code. Read, never re-typed; a missing file
    or a malformed row fails with a message that says what to do."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found. Notebook 05 reads the majority-Indigenous departments from notebook 04's "
            "classification table; run 04-ethnic-disparity first (python -m analysis run --params "
            "params/default.yaml --only 04-ethnic-disparity), or pass classification_file.")
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CLASSIFICATION_COLUMNS if c not in t.columns]
    if missing:
        raise RawDataError(str(path), None, ",".join(missing), "classification table lacks column(s) "
                           f"{missing}; expected {list(CLASSIFICATION_COLUMNS)} as notebook 04 writes them")
    for i, r in enumerate(t.itertuples()):
        if r.status not in CLASSIFICATION_STATUSES:
            raise RawDataError(str(path), data_row(i), "status",
                               f"{r.status!r} is not one of {list(CLASSIFICATION_STATUSES)}")
        if r.ubigeo_dep not in DEPARTMENT_CODES:
            raise RawDataError(str(path), data_row(i), "ubigeo_dep", f"{r.ubigeo_dep!r} is not an INEI department")
    dup = t["ubigeo_dep"].duplicated().to_numpy().nonzero()[0]
    if len(dup):
        raise RawDataError(str(path), data_row(int(dup[0])), "ubigeo_dep",
                           f"department {t['ubigeo_dep'].iloc[dup[0]]} is classified twice")
    out = t.loc[t["status"] == "majority", list(CLASSIFICATION_COLUMNS)]
    return out.sort_values("ubigeo_dep").reset_index(drop=True)
