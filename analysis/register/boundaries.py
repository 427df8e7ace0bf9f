"""Department boundaries, published beside the register so that no analysis reads data/raw.

The INEI 2007 department limits (simplified GeoJSON, data/raw/geo) are checked — every feature carries an INEI
department code FIRST_IDDP, and the 25 units (24 departments and Callao) appear once each — then copied byte for
byte to data/processed/departments.geojson. Geometry is read with geopandas only where maps are drawn
(analysis.report.maps).
"""
import json
from pathlib import Path

from analysis.errors import RawDataError

RAW_FILE = "geo/peru_departamental_simple.geojson"
PUBLISHED = "departments.geojson"
CODE = "FIRST_IDDP"
N_UNITS = 25


def read(raw_dir: Path, log=None) -> bytes:
    """The raw boundary file's bytes, after checking its department codes."""
    path = Path(raw_dir) / RAW_FILE
    data = path.read_bytes()
    label = f"data/raw/{RAW_FILE}"
    try:
        features = json.loads(data.decode("utf-8"))["features"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise RawDataError(label, None, "features", f"not a GeoJSON feature collection ({err})") from err
    codes = []
    for i, feature in enumerate(features, start=1):
        code = str((feature.get("properties") or {}).get(CODE, ""))
        if not (len(code) == 2 and code.isdigit() and 1 <= int(code) <= N_UNITS) or code in codes:
            raise RawDataError(label, i, CODE, f"not a new INEI department code 01–{N_UNITS}: {code!r}")
        codes.append(code)
    if len(codes) != N_UNITS:
        raise RawDataError(label, None, CODE, f"expected {N_UNITS} departments, found {len(codes)}")
    if log is not None:
        log.counts("boundaries.read", len(features), len(codes), "departments",
                   f"{label} copied unchanged to data/processed/{PUBLISHED}")
    return data
