"""Project directories, resolved from the package location (override with ANALYSIS_ROOT)."""
import os
from pathlib import Path

ROOT = Path(os.environ.get("ANALYSIS_ROOT", Path(__file__).resolve().parent.parent))
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
OUTPUTS = ROOT / "outputs"
FIGURES = OUTPUTS / "figures"
TABLES = OUTPUTS / "tables"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
MANIFEST = RAW / "MANIFEST.csv"


def rel(path: Path) -> str:
    """Path relative to the project root, with forward slashes (stable in logs and outputs)."""
    try:
        return Path(path).resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
