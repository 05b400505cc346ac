"""Benchmarks, run by hand; they print measured figures (see README.md here)."""
