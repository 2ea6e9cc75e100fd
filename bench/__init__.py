"""Benchmarks: run with `python3 build.py bench` (never part of the timed test suite)."""
