"""Task 07, published versus reproduced (analysis.tasks.claims.task): the claims publishers printed, recomputed from
the register under explicit definitions, each with a verdict and the persons behind any difference.

Modules: `definitions` (who a number counts: certain and possible persons), `verdicts` (the published number and
its verdict), `search` (Amnesty's 13 % / 80 % under every defensible definition), `catalogue` (every claim with its
quantities), `compare` (the published-versus-reproduced table), `prose` (what the notebook displays) and `task`
(TASK, spec, inputs, run and the numbers recorded).
"""
from analysis.tasks.claims.task import TASK, inputs, run, spec

__all__ = ["TASK", "inputs", "run", "spec"]
