"""Benchmarks: each bench_*.py measures this app against its anchors in the same run."""
