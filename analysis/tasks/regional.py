"""Task 03, regional disparity: deaths per 100,000 by department, evidence at each level (03-regional-disparity)."""
from analysis.tasks.base import Task

TASK = Task(
    name="regional",
    notebook="03-regional-disparity",
    reads=("data/processed/**/*", "data/raw/**/*"),
    writes=("outputs/numbers/regional.json", "outputs/figures/regional_*.csv", "outputs/tables/regional_*.csv"),
    after=("01-register",),
    params={
        "cutoff_date": "2023-03-31",  # last day of the window (date of death)
        "contexts": ["clash"],  # contexts counted (vocab.CONTEXT codes)
        "date_policy": "certain",  # "certain" or "possible"
        "reference": "rest",  # "rest" (rest of the country), "Lima", "Lima+Callao" or a 2-digit department code
        "population": "pop_census_2017_persons",  # population column of departments.csv (the rate denominator)
        "covariates": ["pov2022_band_ordinal"],  # first: the covariate tested; others: adjusters (measured before the deaths)
        "post_treatment_covariate": "n_prov_roadblock_defensoria_2023-01-25",  # roadblock provinces: measured after most deaths, shown as context, never a rate ratio
        "post_treatment_date": "2023-01-25",  # the day that covariate was measured
        "n_wild": 99999,  # wild cluster bootstrap draws (seeded)
        "n_draws": 99999,  # Monte Carlo draws where exact enumeration is too large (seeded)
        "seed": 20221207,  # random seed of the resampling
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)
