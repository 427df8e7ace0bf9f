"""Stage 3, the analyses: one task per notebook, each `run(spec, inputs) -> Result` (see tasks/base.py)."""
