"""Multiverse analysis: do the two headline findings survive every defensible analytic choice?

A *specification* is one combination of analytic choices, one per dimension of a small declared grid
(DEFAULT_GRID, overridable by params/sweep.yaml). Each finding has its own grid, the Cartesian product of the
dimensions it uses (FINDING_DIMS):

- ethnic: the death rate of the majority-Indigenous departments against the other departments whose status is
  known (measure, threshold; notebook 04);
- regional: the death rate of the regions (every department but Lima and Callao) against Lima + Callao
  (notebook 03).

Both are 0/1 contrasts of departments (analysis.stats.clustered.contrast_design), and every choice of the
`model` dimension is a defensible inference method from analysis.stats.clustered: the exact sign-flip score test
by lethal event (the reference choice), the exact binomial test on lethal events (clustered.event_share_test), the
wild cluster bootstrap, errors clustered by event with t(G-1), quasi-Poisson, negative binomial (likelihood ratio)
and the randomisation test over departments. A finding *holds* in a specification when its rate ratio is above 1
and that specification's test gives p < alpha. The person-level exact test (every death an independent draw) is
computed beside the grid as a labelled naive reference only.

What is not a choice is not in the grid. Departments whose Indigenous status the published census figures leave
open, and persons whose department is unknown, are missing data: their two edges (all of them inside the group,
all outside) are computed for every specification and reported as bounds beside the grid (BOUNDS), never counted
as specifications.

Speed. The sweep computes each distinct design once (memoised on Design.key(): many specifications share one),
in parallel over worker processes, with each design's methods in one task. For 0/1 contrasts the sign-flip and
wild-bootstrap p-values reduce to event sums in closed form (the same statistics as clustered.sign_flip_p and
clustered.wild_cluster_p, checked against them in the tests); the sign and weight matrices and the department
arrangements are generated once per process and reused across specifications; numpy's BLAS runs on one thread per
worker (the products are small, and extra threads would only compete for the cores). Results do not depend on the
number of workers.

The command `python -m analysis sweep` writes the tables (outputs/tables/robustness*.csv); the runner runs it as the
task SWEEP after the register, and notebook 08 (the task TASK: spec, inputs, run) reads and presents them.

Modules: `grid` (dimensions, choices and their words; the grid file; the specifications), `designs` (the register's
persons as event x department counts and the 0/1 contrasts of each finding), `methods` (the inference methods on one
design), `parallel` (the sweep over worker processes), `summary` (results, distinct results, summaries, influence,
tables, provenance), `driver` (`python -m analysis sweep`), `task` and `views` (notebook 08).
"""
from analysis.tasks.robustness.driver import main, sweep  # noqa: F401  (python -m analysis sweep)
from analysis.tasks.robustness.task import SWEEP, TASK, inputs, run, spec  # noqa: F401

TASKS = (SWEEP, TASK)  # the runner's graph: the sweep, then notebook 08
