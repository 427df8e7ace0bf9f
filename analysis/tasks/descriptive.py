"""Task 02, descriptive tables: who died, when and where (narrated by 02-descriptive)."""
from analysis.tasks.base import Task

TASK = Task(
    name="descriptive",
    notebook="02-descriptive",
    reads=("data/processed/**/*", "data/raw/**/*"),
    writes=("outputs/numbers/descriptive.json", "outputs/figures/descriptive_*.csv"),
    after=("01-register",),
    params={
        "cutoff_date": "2023-03-31",  # last day of the window (date of death)
        "start_date": "2022-12-07",  # first day of the window
        "contexts": None,  # None means all contexts
        "date_policy": "certain",  # "certain" or "possible"
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)
