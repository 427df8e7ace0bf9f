"""Cleaning of raw mention fields: ages, dates, places, names, and the per-mention table."""
