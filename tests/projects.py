"""A tiny project of two fixture notebooks (stage_a → stage_b) for the runner's tests, and helpers to run it."""
import io
import shutil
from pathlib import Path

from analysis.register import manifest
from analysis.workflow import runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
PIPELINE = """notebooks:
  stage_a:
    depends_on: []
    inputs: [data/raw/**/*]
    outputs: [data/processed/a.txt]
  stage_b:
    depends_on: [stage_a]
    inputs: [data/processed/*.txt]
    outputs: [outputs/b.txt]
"""


def make_project(root: Path, params: str = "shared: {}\n") -> Path:
    (root / "notebooks").mkdir(parents=True)
    for name in ("stage_a", "stage_b"):
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks")
    (root / "params").mkdir()
    (root / "params" / "pipeline.yaml").write_text(PIPELINE)
    (root / "params" / "default.yaml").write_text(params)
    (root / "analysis").mkdir()
    (root / "analysis" / "__init__.py").write_text('"""fixture package"""\n')
    (root / "data" / "raw").mkdir(parents=True)
    write_raw(root, "ab")
    return root


def write_raw(root: Path, text: str) -> None:
    """data/raw/in.txt and a manifest that lists it (a run refuses raw files its manifest does not match)."""
    raw = root / "data" / "raw"
    (raw / "in.txt").write_text(text)
    row = {"path": "in.txt", "sha256": manifest.sha256(raw / "in.txt"), "bytes": str(len(text.encode())),
           "publisher": "test", "url": "-", "published_date": "", "cutoff_date": "", "description": "fixture"}
    lines = [",".join(manifest.COLUMNS), ",".join(row[c] for c in manifest.COLUMNS)]
    (raw / "MANIFEST.csv").write_text("\n".join(lines) + "\n")


def run(root, **kw):
    """Run the fixture project's own graph (params/pipeline.yaml): it has no task declarations."""
    out = io.StringIO()
    kw.setdefault("pipeline_file", Path(root) / "params" / "pipeline.yaml")
    results = runner.run(root, out=out, **kw)
    return {name: status for name, status, _ in results}, out.getvalue()


def published(root: Path) -> dict:
    """Every file of the published trees (hidden ones too: a temp file there is a failure), with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for tree in runner.PUBLISHED for p in sorted((root / tree).rglob("*")) if p.is_file()}


def set_params(root: Path, text: str) -> None:
    (root / "params" / "default.yaml").write_text(text)
