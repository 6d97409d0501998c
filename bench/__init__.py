"""Benchmarks: figures go to stdout (and by hand to docs/performance.md), never into tests."""
