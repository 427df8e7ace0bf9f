"""Task 05, force used: cause, wound and force by group, and the injured (05-force-used)."""
from analysis.tasks.base import Task

TASK = Task(
    name="force",
    notebook="05-force-used",
    reads=("data/processed/**/*", "data/raw/**/*", "outputs/tables/ethnic_classification.csv"),
    writes=("outputs/numbers/force.json", "outputs/figures/force_*.csv", "outputs/tables/force_*.csv"),
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
