"""Departments table: all 25 first-level units with population and every covariate that is known.

Missing stays missing (no imputation). Two sources are combined, column by column, never value by value:
covariates/departments.csv (population, poverty, injured snapshots, ...) and
covariates/ethnicity/ethnicity_by_department.csv (ethnic self-identification and mother tongue, with source and
quality flags). The `coverage` column lists which covariate groups are known for each unit.
"""
import pandas as pd

from analysis.errors import RawDataError, data_row

N_UNITS = 25
NATIONAL_CENSUS_2017 = 29_381_884  # INEI "población censada" 2017, printed in S01's Total row

ETHNICITY_COLUMNS = {
    "selfid12_indigenous_total_pct": "indig_selfid_pct",
    "selfid12_quechua_pct": "selfid12_quechua_pct",
    "selfid12_aymara_pct": "selfid12_aymara_pct",
    # the other published parts bound the Indigenous share where the total is not published (stats.ethnic)
    **{f"selfid12_{part}_pct": f"selfid12_{part}_pct" for part in
       ("amazonian", "other_indigenous", "afro", "white", "mestizo", "other", "other_group", "nsnr")},
    "mt_ashaninka_pct": "mt_ashaninka_pct",
    "selfid_source": "selfid_source",
    "selfid_quality": "selfid_quality",
    "selfid_denominator": "selfid_denominator",
    "mt_indigenous_any_pct": "indig_mothertongue_pct",
    "mt_quechua_pct": "mt_quechua_pct",
    "mt_aymara_pct": "mt_aymara_pct",
    "mt_spanish_pct": "mt_spanish_pct",
    "mt_source": "mt_source",
    "urban_pct": "urban_pct",
    "rural_pct": "rural_pct",
    "urban_source": "urban_source",
    "urban_quality": "urban_quality",
}

# Covariate groups reported in `coverage`: name -> column whose presence means "known".
COVERAGE_GROUPS = {
    "population_2017": "pop_census_2017_persons",
    "population_2022": "pop_proj_2022_persons",
    "indigenous_selfid": "indig_selfid_pct",
    "indigenous_mothertongue": "indig_mothertongue_pct",
    "urban_rural": "urban_pct",
    "poverty_2022_band": "pov2022_band_pct",
    "poverty_2022_group_ci": "pov2022_group_ci95_low_pct",
    "poverty_2023": "pov2023_pct",
    "roadblocks_2023_01_25": "n_prov_roadblock_defensoria_2023-01-25",
    "minsa_injured_snapshots": "minsa_hospitalized_2022-12-19",
}


def read_units(path, label: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"ubigeo_dep": str}, encoding="utf-8")
    if "ubigeo_dep" not in df.columns:
        raise RawDataError(label, None, "ubigeo_dep", "column missing")
    for i, code in enumerate(df["ubigeo_dep"]):
        if not (isinstance(code, str) and len(code) == 2 and code.isdigit() and 1 <= int(code) <= N_UNITS):
            raise RawDataError(label, data_row(i), "ubigeo_dep", f"not an INEI department code 01–25: {code!r}")
    if df["ubigeo_dep"].duplicated().any():
        i = int(df.index[df["ubigeo_dep"].duplicated()][0])
        raise RawDataError(label, data_row(i), "ubigeo_dep", f"duplicated code {df['ubigeo_dep'][i]}")
    if len(df) != N_UNITS:
        raise RawDataError(label, None, "ubigeo_dep", f"expected {N_UNITS} units, found {len(df)}")
    return df


def build_departments(base: pd.DataFrame, ethnicity: pd.DataFrame, log=None) -> pd.DataFrame:
    """Join the two covariate tables on the INEI code and add the coverage column."""
    total = int(base["pop_census_2017_persons"].sum())
    if total != NATIONAL_CENSUS_2017:
        raise RawDataError("covariates/departments.csv", None, "pop_census_2017_persons",
                           f"2017 census populations sum to {total}, not the national {NATIONAL_CENSUS_2017}")
    eth = ethnicity[["ubigeo_dep", *ETHNICITY_COLUMNS]].rename(columns=ETHNICITY_COLUMNS)
    out = base.merge(eth, on="ubigeo_dep", how="left", validate="one_to_one")
    out["coverage"] = out.apply(_coverage, axis=1)
    out = out.sort_values("ubigeo_dep").reset_index(drop=True)
    if log is not None:
        log.counts("covariates.build_departments", len(base), len(out), "departments",
                   "departments.csv joined with ethnicity_by_department.csv on ubigeo_dep; nothing imputed")
        for group, col in COVERAGE_GROUPS.items():
            log.decision("covariates", "coverage", f"{group}: known for {int(out[col].notna().sum())} of {N_UNITS}",
                         ref=col)
    return out


def _coverage(row) -> str:
    return " ; ".join(g for g, col in COVERAGE_GROUPS.items() if pd.notna(row[col]))
