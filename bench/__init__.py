"""Benchmarks: each module runs with ``python -m bench.<name>`` and ends with its ratio.

See docs/performance.md for what each one measures, the results and how to reproduce them.
"""
