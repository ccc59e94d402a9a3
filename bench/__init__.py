"""Benchmarks: realistic data at scale, HTTP load, query counts, audit verification, PDF and import times.

Run `python -m bench --help`. Results are JSON lines on standard output; docs/performance.md summarises them.
"""
