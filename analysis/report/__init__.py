"""Stage 4, presentation: numbers (recorded values), text (the one formatter), figures and plots, maps, the site."""
