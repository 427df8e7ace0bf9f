"""Step log in HRDAG's manner: each step records counts in and out and every change it made."""
from dataclasses import dataclass, field


@dataclass
class StepLog:
    """Accumulates entries; `to_markdown` renders the cleaning log a reviewer reads."""

    entries: list = field(default_factory=list)

    def counts(self, step: str, n_in: int, n_out: int, unit: str = "rows", note: str = "") -> None:
        self.entries.append({"step": step, "kind": "counts", "n_in": n_in, "n_out": n_out,
                             "unit": unit, "detail": note})

    def decision(self, step: str, kind: str, detail: str, ref: str = "") -> None:
        """kind: drop, merge, override, rule, retraction, unresolved, ... ; ref: ids involved."""
        self.entries.append({"step": step, "kind": kind, "ref": ref, "detail": detail})

    def of_kind(self, kind: str) -> list:
        return [e for e in self.entries if e["kind"] == kind]

    def to_frame(self):
        import pandas as pd
        cols = ["step", "kind", "n_in", "n_out", "unit", "ref", "detail"]
        return pd.DataFrame(self.entries, columns=cols)

    def to_markdown(self, title: str = "Cleaning log") -> str:
        lines = [f"# {title}", "", "## Counts in and out of every step", "",
                 "| step | in | out | unit | note |", "|---|---:|---:|---|---|"]
        for e in self.entries:
            if e["kind"] == "counts":
                lines.append(f"| {e['step']} | {e['n_in']} | {e['n_out']} | {e['unit']} | {e['detail']} |")
        kinds = sorted({e["kind"] for e in self.entries} - {"counts"})
        for kind in kinds:
            rows = self.of_kind(kind)
            lines += ["", f"## {kind} ({len(rows)})", "", "| step | ref | detail |", "|---|---|---|"]
            for e in rows:
                detail = str(e["detail"]).replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {e['step']} | {e['ref']} | {detail} |")
        return "\n".join(lines) + "\n"
