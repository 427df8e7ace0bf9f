"""Reproducible analysis of the casualties of Peru's protests, December 2022 – March 2023.

The package reads as the pipeline it is:
manifest → sources → clean → link → conflicts → reconcile → covariates → register
→ stats / command → figures, numbers → runner, verify, report.
"""
__version__ = "0.1.0"
