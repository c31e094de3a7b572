"""Benchmarks. ``make bench`` (``python -m bench``) runs every ``bench_*.py`` module and
records the results in ``bench/RESULTS.md``. See ``bench/__main__.py``."""
