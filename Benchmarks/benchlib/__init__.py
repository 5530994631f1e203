"""Modules of Benchmarks/bench.py."""
