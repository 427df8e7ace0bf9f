"""Task 04, ethnic disparity: deaths in majority-Indigenous departments, at person, event and department level
(04-ethnic-disparity)."""
from analysis.tasks.base import Task

TASK = Task(
    name="ethnic",
    notebook="04-ethnic-disparity",
    reads=("data/processed/**/*", "data/raw/**/*"),
    writes=("outputs/numbers/ethnic.json", "outputs/figures/ethnic_*.csv", "outputs/tables/ethnic_classification.csv"),
    after=("01-register",),
    params={
        "measure": "selfid",  # "selfid" (self-identification) or "mothertongue" (census 2017)
        "threshold": 50.0,  # a department is majority-Indigenous above this percentage
        "contexts": ["clash"],  # None means every context
        "start_date": "2022-12-07",  # first day of the window
        "cutoff_date": "2023-02-16",  # last day of the window (date of death)
        "date_policy": "certain",  # "certain" or "possible"
        "population_base": "census2017",  # population the shares are taken of
        "alt_measures": ["selfid", "mothertongue"],  # alternative measures reported beside the default
        "alt_thresholds": [50.0, 40.0],  # alternative thresholds
        "alt_contexts": [["clash"], None],  # 
        "alt_cutoffs": ["2023-02-16", "2023-03-31"],  # alternative cut-offs
        "permutation_seed": 20221207,  # seed of the permutation test
        "n_permutations": 100000,  # permutations of the department-level test
        "n_boot": 100000,  # event-bootstrap resamples (seeded)
        "n_wild": 99999,  # wild cluster bootstrap draws (seeded)
        "supplement_parts": True,  # count published self-identification parts where the total is not published
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)
