"""Stage 5, running it all: runner (the task graph), params (parameter files), verify, rundiff."""
