"""Maintainer tool, run once at intake: copy the research packet into data/raw/ and write MANIFEST.csv.

    python tools/intake.py ../shared/data

Provenance per file comes from the packet's own sources files (casualties/sources.csv, covariates/sources.csv,
covariates/ethnicity/sources.csv, geo/SOURCE.md). Compiled tables carry per-row URLs; their manifest row says so.
"""
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from analysis.register import manifest
from analysis import paths  # noqa: E402
from analysis.io import write_csv_atomic  # noqa: E402

PACKET = "Project research packet (shared/data), compiled for this project"
GEO_URL = "https://github.com/juaneladio/peru-geojson/tree/3213eeb1bbe537f88dead45a2aadaa276fa9451d"


def _na(x):
    return "" if pd.isna(x) else str(x)


def provenance(raw: Path) -> pd.DataFrame:
    cas = pd.read_csv(raw / "casualties/sources.csv", dtype=str).set_index("source_id")
    cov = pd.read_csv(raw / "covariates/sources.csv", dtype=str).set_index("source_id")
    eth = pd.read_csv(raw / "covariates/ethnicity/sources.csv", dtype=str).drop_duplicates("source_id").set_index("source_id")
    rows = []
    for rel in manifest.raw_files(raw):
        name = Path(rel).name
        row = {"path": rel, "publisher": PACKET, "url": "per-row URLs inside the file", "published_date": "",
               "cutoff_date": "", "description": ""}
        stem = Path(name).stem
        if rel.startswith("casualties/transcriptions/") and stem in cas.index:
            s = cas.loc[stem]
            row.update(publisher=_na(s.publisher), url=_na(s.url), published_date=_na(s.published_date),
                       cutoff_date=_na(s.cutoff_date), description=f"transcription as printed: {_na(s.title)}")
        elif rel.startswith("geo/"):
            row.update(publisher="juaneladio/peru-geojson (INEI 2007 boundaries via Geoservidor MINAM), MPL-2.0",
                       url=GEO_URL, published_date="2016-10-28", description="boundaries; see geo/SOURCE.md")
        elif rel.startswith(("covariates/raw/", "covariates/ethnicity/raw/")):
            code = re.match(r"([SE]\d+[a-z]?)_", name)
            table = eth if "/ethnicity/" in rel else cov
            key = code.group(1) if code else None
            if key not in table.index and key:
                key = next((k for k in table.index if k.startswith(key)), None)
            if key in table.index:
                s = table.loc[key]
                row.update(publisher=_na(s.publisher), url=_na(s.url),
                           published_date=_na(s.get("year", "")), description=f"source {key}: {_na(s.title)}")
        if not row["description"]:
            row["description"] = f"packet file {rel} (compiled; documented in the README/NOTES of its folder)"
        rows.append(row)
    return pd.DataFrame(rows)


def main(packet: str) -> None:
    raw = paths.RAW
    for sub in ("casualties", "covariates", "context", "geo"):
        shutil.copytree(Path(packet) / sub, raw / sub, dirs_exist_ok=True)
    table = manifest.refresh_hashes(raw, raw / "MANIFEST.csv", provenance(raw))
    write_csv_atomic(table, raw / "MANIFEST.csv")
    print(f"manifest: {len(table)} files")


if __name__ == "__main__":
    main(sys.argv[1])
