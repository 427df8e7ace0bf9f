"""Task 01, the register: raw sources to data/processed/ (analysis.register.build), narrated by 01-register."""
from analysis.tasks.base import Task

TASK = Task(
    name="register",
    notebook="01-register",
    reads=("data/raw/**/*", "data/hand/**/*"),
    writes=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/command_tenures.csv",
            "data/processed/command_statements.csv", "data/processed/command_observed.csv",
            "data/processed/command_measures.csv", "data/processed/command_measures_excluded.csv",
            "outputs/numbers/register.json"),
    after=(),
    params={
        "cutoff_date": "2023-03-31",  # deaths after this date are left out; the official snapshot is the latest on or before it
        "contexts": ["clash", "blockade", "police_officer", "other", "unknown"],  # contexts included in victims.csv
        "exclude_sources": [],  # source_ids (casualties/sources.csv) not used
        "include_paraphrase": True,  # use rows whose quote is the evidence log's paraphrase, not the source's words
        "processed_dir": "",  # empty means data/processed/
        "outputs_dir": "",  # empty means outputs/
    },
)
